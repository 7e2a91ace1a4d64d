"""Reference/fast pairs of the latent bigram model, seed 000 Problem 1: counts, E-step, M-step, EM, sampling.

The fast side works on the count matrix, so each pair's fast function builds it from the same sentences
(bigram_counts in the dtype under test). Functions whose inputs are only integers (counting, the MLE, the starts)
run the fast side in float64, as their results are exact ratios of counts in either dtype.
"""

from __future__ import annotations

import numpy as np
import torch

import elbocheck.fast.bigram_em
import elbocheck.reference.bigram_em
from elbocheck import fast, reference
from elbocheck.pairs.core import Pair, Sample


def _sentences(rng: np.random.Generator, size: int, V: int) -> list[np.ndarray]:
    """Between 1 and 2*size sentences of 0..size+2 tokens (an empty one now and then), at least one token in all."""
    lengths = rng.integers(0, size + 3, size=int(rng.integers(1, 2 * size + 1)))
    lengths[0] = max(lengths[0], 1)
    return [rng.integers(1, V + 1, size=int(length)) for length in lengths]


def _simplex(rng: np.random.Generator, rows: int, cols: int, zeros: bool = False) -> np.ndarray:
    """Rows proportional to 0.1 + U(0, 1); with `zeros`, some entries (never a whole row) set to 0."""
    weights = 0.1 + rng.random((rows, cols))
    if zeros and cols > 1:
        mask = rng.random((rows, cols)) < 0.3
        mask[np.arange(rows), rng.integers(cols, size=rows)] = False
        weights[mask] = 0.0
    return weights / weights.sum(axis=1, keepdims=True)


def _model(rng: np.random.Generator, size: int, zeros: bool = False):
    """V >= 2: with V = 1 every probability is 1 and the log-likelihood is rounding noise around 0, which no
    relative tolerance can compare (tests/ cover V = 1 on its own)."""
    V = int(rng.integers(2, size + 3))
    m = int(rng.integers(1, size + 1))
    return V, m, _simplex(rng, V + 1, m, zeros), _simplex(rng, m, V, zeros)


def _label(V: int, m: int, sentences) -> str:
    return f"V={V} m={m} tokens={sum(len(sentence) for sentence in sentences)}"


def _counts_sample(rng: np.random.Generator, size: int) -> Sample:
    V = int(rng.integers(1, size + 3))
    sentences = _sentences(rng, size, V)
    return Sample((sentences, V), label=_label(V, 0, sentences))


def _mle_sample(rng: np.random.Generator, size: int) -> Sample:
    V, m = int(rng.integers(1, size + 3)), int(rng.integers(1, size + 1))
    sentences = _sentences(rng, size, V)
    latents = [rng.integers(0, m, size=sentence.size) for sentence in sentences]
    return Sample((sentences, latents, V, m), label=_label(V, m, sentences))


def _posterior_sample(rng: np.random.Generator, size: int) -> Sample:
    V, m, A, B = _model(rng, size)
    return Sample((A, B, int(rng.integers(0, V + 1)), int(rng.integers(1, V + 1))), label=f"V={V} m={m}")


def _corpus_sample(rng: np.random.Generator, size: int) -> Sample:
    V, m, A, B = _model(rng, size)
    sentences = _sentences(rng, size, V)
    return Sample((sentences, A, B), label=_label(V, m, sentences))


def _zeros_corpus_sample(rng: np.random.Generator, size: int) -> Sample:
    V, m, A, B = _model(rng, size, zeros=True)
    sentences = _sentences(rng, size, V)
    return Sample((sentences, A, B), label=_label(V, m, sentences) + " with zeros")


def _m_step_sample(rng: np.random.Generator, size: int) -> Sample:
    V, m = int(rng.integers(1, size + 3)), int(rng.integers(1, size + 1))
    context = rng.random((V + 1, m)) * (rng.random((V + 1, 1)) < 0.7)
    emission = rng.random((m, V)) * (rng.random((m, 1)) < 0.7)
    return Sample((context, emission), label=f"V={V} m={m} with empty rows")


def _counts_matrix_sample(rng: np.random.Generator, size: int) -> Sample:
    sample = _m_step_sample(rng, size)
    return Sample(sample.args[:1], label=sample.label)


def _fit_sample(rng: np.random.Generator, size: int) -> Sample:
    V, m, A, B = _model(rng, size)
    sentences = _sentences(rng, size, V)
    n_iter = int(rng.integers(1, 5))
    return Sample((sentences, A, B, n_iter), label=_label(V, m, sentences) + f" iterations={n_iter}")


def _starts_sample(rng: np.random.Generator, size: int) -> Sample:
    V, m = int(rng.integers(1, size + 3)), int(rng.integers(1, size + 1))
    return Sample((V, m, int(rng.integers(0, 2**31)), int(rng.integers(1, 4))), label=f"V={V} m={m}")


def _sampling_sample(rng: np.random.Generator, size: int) -> Sample:
    V, m, A, B = _model(rng, size, zeros=True)
    lengths = rng.integers(0, size + 3, size=2 * size)
    uniforms = 0.999 * rng.random((int(lengths.sum()), 2))
    return Sample((A, B, lengths, uniforms), label=f"V={V} m={m} tokens={int(lengths.sum())}")


def _counts_of(sentences, A: torch.Tensor) -> fast.bigram_em.BigramCounts:
    return fast.bigram_em.bigram_counts(sentences, A.shape[-2] - 1, dtype=A.dtype, device=A.device)


def _fast_counts(sentences, V):
    return fast.bigram_em.bigram_counts(sentences, V, dtype=torch.float64).dense()


def _fast_mle(sentences, latents, V, m):
    return fast.bigram_em.mle_counts(sentences, latents, V, m, dtype=torch.float64)


def _fast_expected_counts(sentences, A, B):
    return fast.bigram_em.expected_counts(_counts_of(sentences, A), A, B)


def _fast_em_step(sentences, A, B):
    return fast.bigram_em.em_step(_counts_of(sentences, A), A, B)


def _fast_log_likelihood(sentences, A, B):
    return fast.bigram_em.log_likelihood(_counts_of(sentences, A), A, B)


def _reference_fit(sentences, A, B, n_iter):
    result = reference.bigram_em.fit(sentences, B.shape[1], B.shape[0], n_iter=n_iter, tol=0.0, init=(A, B))
    return result.A, result.B, result.log_likelihoods


def _fast_fit(sentences, A, B, n_iter):
    result = fast.bigram_em.fit(_counts_of(sentences, A), B.shape[0], n_iter=n_iter, tol=0.0, init=(A, B))
    return result.A, result.B, result.log_likelihoods


def _fast_starts(V, m, seed, restarts):
    return fast.bigram_em.initial_params(V, m, seed, restarts, dtype=torch.float64)


def _fast_sample_corpus(A, B, lengths, uniforms):
    return fast.bigram_em.sample_corpus(A.double(), B.double(), lengths, uniforms.double())


def _sentences_of(*sentences) -> list[np.ndarray]:
    return [np.array(sentence, dtype=np.int64) for sentence in sentences]


# Edge inputs: empty sentences, a corpus of one token, one latent state, a vocabulary of one word, zeros in A and B
# (states a context never uses, words a state never emits) that leave every observed bigram possible, rows of
# zeros in the expected counts (contexts and states without data), and a bigram of probability zero.
A_ZEROS = np.array([[0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3]])  # V = 3, m = 3
B_ZEROS = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [0.25, 0.25, 0.5]])
A_ONE_STATE, B_ONE_STATE = np.ones((4, 1)), np.array([[0.2, 0.3, 0.5]])
CORPUS_WITH_EMPTIES = _sentences_of([], [1, 2, 3, 3], [], [2], [3, 1])
ONE_TOKEN = _sentences_of([2])
COUNTS_EDGES = (
    Sample((CORPUS_WITH_EMPTIES, 3), label="empty sentences between others"),
    Sample((ONE_TOKEN, 3), label="one token"),
    Sample((_sentences_of([1, 1, 1], []), 1), label="a vocabulary of one word"),
    Sample((_sentences_of([], []), 2), label="only empty sentences"),
)
MLE_EDGES = (
    Sample((CORPUS_WITH_EMPTIES, _sentences_of([], [0, 0, 0, 0], [], [0], [0, 0]), 3, 2),
           label="one state never used: a row of zeros"),
    Sample((ONE_TOKEN, _sentences_of([0]), 3, 1), label="one token, one state"),
    Sample((_sentences_of([1, 1]), _sentences_of([0, 1]), 1, 2), label="a vocabulary of one word"),
)
POSTERIOR_EDGES = (
    Sample((A_ZEROS, B_ZEROS, 0, 1), label="zeros in A and B: states of probability zero for the bigram"),
    Sample((A_ZEROS, B_ZEROS, 3, 1), label="zeros in B"),
    Sample((A_ONE_STATE, B_ONE_STATE, 0, 3), label="one state"),
)
CORPUS_EDGES = (
    Sample((CORPUS_WITH_EMPTIES, A_ZEROS, B_ZEROS), label="zeros in A and B, empty sentences"),
    Sample((ONE_TOKEN, A_ZEROS, B_ZEROS), label="one token"),
    Sample((CORPUS_WITH_EMPTIES, A_ONE_STATE, B_ONE_STATE), label="one state"),
)
LOG_LIKELIHOOD_EDGES = CORPUS_EDGES + (
    Sample((_sentences_of([1, 2]), A_ZEROS, np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])),
           label="a bigram of probability zero: -inf"),
    Sample((_sentences_of([1], []), np.ones((2, 1)), np.ones((1, 1))), label="V = 1, m = 1: log-likelihood 0"),
)
M_STEP_EDGES = (
    Sample((np.zeros((4, 3)), np.zeros((3, 3))), label="all counts zero"),
    Sample((np.array([[0.0, 2.0], [0.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 0.0], [3.0, 1e-300]])),
           label="rows of zeros and a subnormal count"),
    Sample((np.array([[5.0], [0.0]]), np.array([[7.0]])), label="V = 1, m = 1"),
)
FIT_EDGES = (
    Sample((CORPUS_WITH_EMPTIES, A_ZEROS, B_ZEROS, 3), label="zeros in A and B, empty sentences"),
    Sample((ONE_TOKEN, A_ONE_STATE, B_ONE_STATE, 2), label="one token, one state"),
)
STARTS_EDGES = (
    Sample((1, 1, 0, 1), label="V = 1, m = 1"),
    Sample((3, 1, 7, 3), label="one state, three restarts"),
)
SAMPLING_EDGES = (
    Sample((A_ZEROS, B_ZEROS, np.array([0, 3, 0, 1]), np.array([[0.0, 0.0], [0.5, 0.5], [0.25, 0.75], [0.9, 0.1]])),
           label="zeros in A and B, empty sentences, uniforms on 0 and on boundaries"),
    Sample((A_ZEROS, B_ZEROS, np.array([0, 0]), np.zeros((0, 2))), label="only empty sentences"),
)


def _tokens(sentences, A, B) -> float:
    """The number of tokens: each adds log p(x_t | x_{t-1}), whose rounding is about one unit of the dtype in
    absolute terms (a relative error in p), so that a log-likelihood near 0 (every bigram near certain) is judged
    by the terms it sums."""
    return float(sum(len(sentence) for sentence in sentences))

PAIRS = [
    Pair("bigram_em.bigram_counts", reference.bigram_em.bigram_counts, _fast_counts, _counts_sample,
         note="fast runs in float64: integer counts", edges=COUNTS_EDGES),
    Pair("bigram_em.mle_counts", reference.bigram_em.mle_counts, _fast_mle, _mle_sample,
         note="fast runs in float64: ratios of integer counts", edges=MLE_EDGES),
    Pair("bigram_em.posterior", reference.bigram_em.posterior, fast.bigram_em.posterior, _posterior_sample,
         edges=POSTERIOR_EDGES),
    Pair("bigram_em.expected_counts", reference.bigram_em.expected_counts, _fast_expected_counts, _corpus_sample,
         edges=CORPUS_EDGES),
    Pair("bigram_em.m_step", reference.bigram_em.m_step, fast.bigram_em.m_step, _m_step_sample, edges=M_STEP_EDGES),
    Pair("bigram_em.normalize_rows", reference.bigram_em.normalize_rows, fast.bigram_em.normalize_rows,
         _counts_matrix_sample,
         edges=tuple(Sample(edge.args[:1], label=edge.label) for edge in M_STEP_EDGES)),
    Pair("bigram_em.em_step", reference.bigram_em.em_step, _fast_em_step, _corpus_sample, edges=CORPUS_EDGES),
    Pair("bigram_em.log_likelihood", reference.bigram_em.log_likelihood, _fast_log_likelihood, _zeros_corpus_sample,
         edges=LOG_LIKELIHOOD_EDGES, magnitude=_tokens),
    Pair("bigram_em.fit", _reference_fit, _fast_fit, _fit_sample, edges=FIT_EDGES),
    Pair("bigram_em.initial_params", reference.bigram_em.initial_params, _fast_starts, _starts_sample,
         note="fast runs in float64: both draw from numpy.random.default_rng([seed, r])", edges=STARTS_EDGES),
    Pair("bigram_em.sample_corpus", reference.bigram_em.sample_corpus, _fast_sample_corpus, _sampling_sample,
         note="fast runs in float64 on the rounded inputs: token ids must match exactly", edges=SAMPLING_EDGES),
]
