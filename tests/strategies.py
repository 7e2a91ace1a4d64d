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


GAN_ACTIVATIONS = ("relu", "tanh", "leaky_relu")


@st.composite
def gan_problems(draw, max_depth: int = 3, max_width: int = 6, max_batch: int = 8, activations=GAN_ACTIVATIONS):
    """A GAN problem (params_d, params_g, x, noise, hidden_d, hidden_g) in float64: a discriminator of 1..max_depth
    layers ending in one logit, a generator of 1..max_depth layers into the data space, and batches."""
    from elbocheck.shared.nn import init_mlp

    data_dim = draw(st.integers(1, 3), label="data_dim")
    noise_dim = draw(st.integers(1, 3), label="noise_dim")
    hidden_d = draw(st.lists(st.integers(1, max_width), max_size=max_depth - 1), label="hidden widths of D")
    hidden_g = draw(st.lists(st.integers(1, max_width), max_size=max_depth - 1), label="hidden widths of G")
    rng = np.random.default_rng(draw(seeds, label="weights seed"))
    params_d = init_mlp([data_dim, *hidden_d, 1], rng)
    params_g = init_mlp([noise_dim, *hidden_g, data_dim], rng)
    x = rng.normal(size=(draw(st.integers(1, max_batch), label="real batch"), data_dim))
    noise = rng.normal(size=(draw(st.integers(1, max_batch), label="fake batch"), noise_dim))
    return (params_d, params_g, x, noise, draw(st.sampled_from(activations), label="hidden_d"),
            draw(st.sampled_from(activations), label="hidden_g"))


@st.composite
def distributions_with_zeros(draw, size: int) -> np.ndarray:
    """A probability vector of `size` entries, some of them exactly zero (never all)."""
    weights = draw(hnp.arrays(np.float64, size, elements=st.floats(0.05, 1.0, allow_nan=False)))
    zero = draw(hnp.arrays(np.bool_, size))
    zero[draw(st.integers(0, size - 1))] = False
    weights = np.where(zero, 0.0, weights)
    return weights / weights.sum()


VAE_DECODERS = ("bernoulli", "gaussian")


@st.composite
def vae_problems(draw, max_pixels: int = 6, max_latent: int = 3, max_width: int = 5, max_batch: int = 3,
                 max_samples: int = 3, activations=("relu", "tanh", "leaky_relu"), decoders=VAE_DECODERS):
    """A VAE problem (params, x, eps, decoder, activation) in float64: encoder D-h..-2k and decoder k-h..-D (2D
    for a Gaussian decoder) with 1 or 2 hidden layers, a batch x (B, D) (binary for Bernoulli, in [0, 1] for
    Gaussian) and noise eps (B, r, k)."""
    from elbocheck.reference.vae import init_params

    decoder = draw(st.sampled_from(decoders), label="decoder")
    activation = draw(st.sampled_from(activations), label="activation")
    pixels = draw(st.integers(1, max_pixels), label="D")
    latent = draw(st.integers(1, max_latent), label="k")
    hidden = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=2), label="hidden widths")
    batch = draw(st.integers(1, max_batch), label="B")
    samples = draw(st.integers(1, max_samples), label="r")
    rng = np.random.default_rng(draw(seeds, label="weights seed"))
    params = init_params(pixels, latent, hidden, decoder, rng)
    x = (rng.random((batch, pixels)) < 0.5).astype(np.float64) if decoder == "bernoulli" else rng.random((batch, pixels))
    eps = rng.standard_normal((batch, samples, latent))
    return params, x, eps, decoder, activation
