"""Bounded, named Hypothesis strategies shared by the tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

seeds = st.integers(min_value=0, max_value=2**32 - 1)
logvars = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False, allow_infinity=False)
means = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False, allow_infinity=False)


@st.composite
def simplex_rows(draw, rows: int, cols: int, min_mass: float = 0.0) -> np.ndarray:
    """A (rows, cols) float64 matrix whose rows are probability vectors (each entry >= min_mass before scaling)."""
    weights = draw(
        hnp.arrays(np.float64, (rows, cols), elements=st.floats(min_value=0.05, max_value=1.0, allow_nan=False))
    )
    weights = weights + min_mass
    return weights / weights.sum(axis=1, keepdims=True)


@st.composite
def corpora(draw, max_vocab: int = 8, max_sentences: int = 6, max_length: int = 7) -> tuple[list[np.ndarray], int]:
    """A small corpus (sentences of token ids in 1..V, each of length >= 1) and its vocabulary size V."""
    V = draw(st.integers(min_value=1, max_value=max_vocab))
    sentences = draw(
        st.lists(
            st.lists(st.integers(min_value=1, max_value=V), min_size=1, max_size=max_length),
            min_size=1,
            max_size=max_sentences,
        )
    )
    return [np.array(sentence, dtype=np.int64) for sentence in sentences], V


@st.composite
def latent_bigram_models(draw, max_vocab: int = 6, max_states: int = 3, max_sentences: int = 5, max_length: int = 6):
    """(sentences, V, m, A, B): a small corpus and a strictly positive latent bigram model for it (DESIGN.md shapes)."""
    sentences, V = draw(corpora(max_vocab=max_vocab, max_sentences=max_sentences, max_length=max_length))
    m = draw(st.integers(min_value=1, max_value=max_states))
    A = draw(simplex_rows(V + 1, m))
    B = draw(simplex_rows(m, V))
    return sentences, V, m, A, B
