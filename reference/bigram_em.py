"""The latent bigram model of seed 000 Problem 1, read literally: counting, the E-step token by token, the M-step.

    p(x_1..x_T, z_1..z_T) = prod_t p(z_t | x_{t-1}) p(x_t | z_t),   x_0 = *   (seed 000 Problem 1; seed 001 section 2)

Parameters (DESIGN.md): A[x, z] = p(z | x), shape (V+1, m), row 0 is the start symbol *; B[z, x'] = p(x' | z),
shape (m, V), column j holds token id j+1. Sentences are 1-D integer arrays of token ids 1..V. Latent states are
the column indices 0..m-1 of A (the document's z = 1..m).

Rule for rows without data: a row of A or B that receives no (expected) count -- a context never seen, a latent
state given no mass -- is set to the uniform distribution. The training likelihood does not depend on such a
row, so the M-step stays a maximiser of the expected complete-data log-likelihood and no NaN appears.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from elbocheck.reference.sampler import inverse_cdf

ROW_SUM_TOL = 1e-4


@dataclass(frozen=True)
class FitResult:
    """Fitted A (V+1, m), B (m, V); log-likelihood of the start and after each iteration; iterations run."""

    A: np.ndarray
    B: np.ndarray
    log_likelihoods: np.ndarray
    n_iter: int
    converged: bool


def _check_sentences(sentences, V: int) -> list[np.ndarray]:
    """The sentences as int64 arrays; ValueError unless each is 1-D with token ids in 1..V."""
    if not isinstance(V, (int, np.integer)) or V < 1:
        raise ValueError(f"V: expected an integer >= 1, got {V!r}")
    checked = []
    for index, sentence in enumerate(sentences):
        array = np.asarray(sentence)
        if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise ValueError(f"sentences[{index}]: expected a 1-D array of integer token ids, got {array!r}")
        array = array.astype(np.int64)
        if array.size and (array.min() < 1 or array.max() > V):
            raise ValueError(
                f"sentences[{index}]: token ids must lie in 1..V = 1..{V}, got {array.min()}..{array.max()}"
            )
        checked.append(array)
    return checked


def check_params(A: np.ndarray, B: np.ndarray) -> tuple[int, int]:
    """(V, m) of A (V+1, m) and B (m, V); ValueError unless both are finite, non-negative and row-stochastic."""
    A, B = np.asarray(A), np.asarray(B)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0] or A.shape[0] != B.shape[1] + 1 or A.shape[1] < 1:
        raise ValueError(f"A, B: expected shapes (V+1, m) and (m, V) with m >= 1, got {A.shape} and {B.shape}")
    for name, matrix in (("A", A), ("B", B)):
        if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
            raise ValueError(f"{name}: expected finite non-negative probabilities")
        if np.any(np.abs(matrix.sum(axis=1) - 1.0) > ROW_SUM_TOL):
            raise ValueError(f"{name}: every row must sum to 1 (a probability distribution)")
    return B.shape[1], B.shape[0]


def bigram_counts(sentences, V: int) -> np.ndarray:
    """C[x, x'] = count(x, x'), the number of times x' follows x (x = 0 for *), seed 000 Problem 1.3."""
    sentences = _check_sentences(sentences, V)
    counts = np.zeros((V + 1, V))  # (V+1, V)
    for sentence in sentences:
        prev = 0
        for word in sentence:
            counts[prev, word - 1] += 1.0
            prev = word
    return counts


def mle_counts(sentences, latents, V: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """MLE with z observed, seed 000 Problem 1.1 (claim 000-1.1-mle):
    p(z|x) = count(x_{t-1}=x, z_t=z) / count(x_{t-1}=x), likewise p(x'|z).

    `latents[i][t]` is the state (0..m-1) of token t of sentence i; a context or state never seen gets a uniform row.
    Claims: 000-1.1-mle.
    """
    sentences = _check_sentences(sentences, V)
    if not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m: expected an integer >= 1, got {m!r}")
    if len(latents) != len(sentences):
        raise ValueError(f"latents: expected one array per sentence ({len(sentences)}), got {len(latents)}")
    context_counts = np.zeros((V + 1, m))  # (V+1, m)
    emission_counts = np.zeros((m, V))  # (m, V)
    for index, (sentence, states) in enumerate(zip(sentences, latents)):
        states = np.asarray(states)
        if states.shape != sentence.shape or (states.size and (states.min() < 0 or states.max() >= m)):
            raise ValueError(f"latents[{index}]: expected {sentence.size} states in 0..{m - 1}")
        prev = 0
        for word, state in zip(sentence, states):
            context_counts[prev, state] += 1.0
            emission_counts[state, word - 1] += 1.0
            prev = word
    return normalize_rows(context_counts), normalize_rows(emission_counts)


def normalize_rows(counts: np.ndarray) -> np.ndarray:
    """Each row divided by its sum; a row summing to zero becomes uniform (the rule for rows without data).
    ValueError naming `counts` unless it is a matrix of finite non-negative numbers."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ValueError(f"counts: expected a matrix of finite non-negative (expected) counts, got shape {counts.shape}")
    normalized = np.empty_like(counts)
    for row in range(counts.shape[0]):
        total = counts[row].sum()
        if total > 0.0:
            normalized[row] = counts[row] / total
        else:
            normalized[row] = 1.0 / counts.shape[1]
    return normalized


def posterior(A: np.ndarray, B: np.ndarray, prev: int, word: int) -> np.ndarray:
    """E-step for one token, seed 000 Problem 1.2 (claim 000-1.2-estep):
    p(z | x_{t-1}, x_t) = A[x_{t-1}, z] B[z, x_t] / sum_z' A[x_{t-1}, z'] B[z', x_t].
    Claims: 000-1.2-estep, 001-1a-lemma, 001-1a-stationarity, 001-1a-alpha, 001-1a-qstar, 001-1a-value, 001-1b,
    001-2-estep. Raises ValueError naming `prev` or `word` outside 0..V and 1..V.
    """
    V = B.shape[1]
    if not 0 <= int(prev) <= V or int(prev) != prev:
        raise ValueError(f"prev: expected a context in 0..V = 0..{V} (0 for the start symbol), got {prev!r}")
    if not 1 <= int(word) <= V or int(word) != word:
        raise ValueError(f"word: expected a token id in 1..V = 1..{V}, got {word!r}")
    joint = np.array([A[prev, z] * B[z, word - 1] for z in range(A.shape[1])])  # (m,)
    total = joint.sum()
    if total <= 0.0:
        raise ValueError(f"A, B: the model gives probability 0 to the bigram ({prev}, {word}); EM needs it > 0")
    return joint / total


def expected_counts(sentences, A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """E-step over the corpus (claims 000-1.2-estep, 001-2-estep): sum_t p(z | x_{t-1}, x_t) by context and by word,
    and the log-likelihood of (A, B).

    Summing token by token equals the count-weighted sums of seed 000 Problem 1.3,
    sum_{x_t} count(x, x_t) p(z | x, x_t) and sum_{x_{t-1}} count(x_{t-1}, x') p(z | x_{t-1}, x').
    Claims: 000-1.2-estep, 001-2-estep, 001-2a-count.
    """
    V, m = check_params(A, B)
    sentences = _check_sentences(sentences, V)
    context_counts = np.zeros((V + 1, m))  # (V+1, m)
    emission_counts = np.zeros((m, V))  # (m, V)
    log_likelihood_total = 0.0
    for sentence in sentences:
        prev = 0
        for word in sentence:
            q = posterior(A, B, prev, word)  # (m,)
            context_counts[prev] += q
            emission_counts[:, word - 1] += q
            log_likelihood_total += math.log(sum(A[prev, z] * B[z, word - 1] for z in range(m)))
            prev = word
    return context_counts, emission_counts, log_likelihood_total


def m_step(context_counts: np.ndarray, emission_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M-step, seed 000 Problem 1.3 (claims 000-1.3-mstep-a, 000-1.3-mstep-b; 001-2-mstep).

    p_new(z|x) = E[count(x, z)] / sum_z' E[count(x, z')];  p_new(x'|z) = E[count(z, x')] / sum_x'' E[count(z, x'')].
    Claims: 000-1.3-mstep-a, 000-1.3-mstep-b, 001-2-mstep, 001-2-concave.
    """
    return normalize_rows(np.asarray(context_counts, dtype=np.float64)), normalize_rows(
        np.asarray(emission_counts, dtype=np.float64)
    )


def em_step(sentences, A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """One EM iteration, seed 000 Problem 1.2-1.3: (A_new, B_new, log-likelihood of the given (A, B)).

    Claims: 000-1.2-estep, 000-1.3-mstep-a, 000-1.3-mstep-b, 001-2-monotone.
    """
    context_counts, emission_counts, log_likelihood_before = expected_counts(sentences, A, B)
    A_new, B_new = m_step(context_counts, emission_counts)
    return A_new, B_new, log_likelihood_before


def log_likelihood(sentences, A: np.ndarray, B: np.ndarray) -> float:
    """log p(x) = sum_t log sum_z p(z | x_{t-1}) p(x_t | z), the objective of seed 000 Problem 1.2
    (-inf if a bigram has probability 0).
    Claims: 001-1-marginal.
    """
    V, m = check_params(A, B)
    sentences = _check_sentences(sentences, V)
    total = 0.0
    for sentence in sentences:
        prev = 0
        for word in sentence:
            probability = sum(A[prev, z] * B[z, word - 1] for z in range(m))
            total += math.log(probability) if probability > 0.0 else -math.inf
            prev = word
    return total


def initial_params(V: int, m: int, seed: int, restarts: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Random starts (restarts, V+1, m) and (restarts, m, V): rows proportional to 0.5 + U(0, 1).

    Start r is drawn from numpy.random.default_rng([seed, r]), so it does not depend on how many starts are drawn.
    """
    for name, value, least in (("V", V, 1), ("m", m, 1), ("restarts", restarts, 1), ("seed", seed, 0)):
        if not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{name}: expected an integer >= {least}, got {value!r}")
    A = np.empty((restarts, V + 1, m))  # (R, V+1, m)
    B = np.empty((restarts, m, V))  # (R, m, V)
    for r in range(restarts):
        rng = np.random.default_rng([seed, r])
        weights_A = 0.5 + rng.random((V + 1, m))
        weights_B = 0.5 + rng.random((m, V))
        A[r] = weights_A / weights_A.sum(axis=1, keepdims=True)
        B[r] = weights_B / weights_B.sum(axis=1, keepdims=True)
    return A, B


def _check_fit_options(n_iter, tol) -> None:
    """ValueError unless n_iter is an integer >= 1 and tol a number >= 0."""
    if not isinstance(n_iter, (int, np.integer)) or isinstance(n_iter, bool) or n_iter < 1:
        raise ValueError(f"n_iter: expected an integer >= 1, got {n_iter!r}")
    if not isinstance(tol, (int, float, np.floating)) or not tol >= 0.0:
        raise ValueError(f"tol: expected a number >= 0, got {tol!r}")


def _converged(previous: float, current: float, tol: float) -> bool:
    """The stopping rule: |L_k - L_{k-1}| <= tol * |L_{k-1}| (never when tol is 0)."""
    return tol > 0.0 and abs(current - previous) <= tol * abs(previous)


def fit(
    sentences,
    V: int,
    m: int,
    n_iter: int = 50,
    tol: float = 1e-6,
    seed: int = 0,
    init: tuple[np.ndarray, np.ndarray] | None = None,
) -> FitResult:
    """EM for the latent bigram model (seed 001 section 2, claims 001-2-estep, 001-2-mstep): em_step until the
    relative change of the log-likelihood is at most `tol`, or `n_iter` iterations. Starts from `init`, else from
    initial_params(V, m, seed)[0].
    Claims: 001-notation, 001-2-estep, 001-2-mstep, 001-2-monotone.
    """
    _check_fit_options(n_iter, tol)
    sentences = _check_sentences(sentences, V)
    if sum(sentence.size for sentence in sentences) == 0:
        raise ValueError("sentences: expected at least one token, got an empty corpus")
    if init is None:
        starts_A, starts_B = initial_params(V, m, seed, 1)
        A, B = starts_A[0], starts_B[0]
    else:
        A, B = (np.asarray(matrix, dtype=np.float64) for matrix in init)
        if check_params(A, B) != (V, m):
            raise ValueError(f"init: expected shapes ({V + 1}, {m}) and ({m}, {V}), got {A.shape} and {B.shape}")
    history = []
    done = False
    iterations = 0
    for iterations in range(1, n_iter + 1):
        A, B, before = em_step(sentences, A, B)
        history.append(before)
        if len(history) >= 2 and _converged(history[-2], history[-1], tol):
            done = True
            break
    history.append(log_likelihood(sentences, A, B))
    done = done or _converged(history[-2], history[-1], tol)
    return FitResult(A, B, np.array(history), iterations, done)


def sample_corpus(A: np.ndarray, B: np.ndarray, lengths, uniforms: np.ndarray) -> list[np.ndarray]:
    """Sentences drawn from the model, token by token: z_t ~ A[x_{t-1}], x_t ~ B[z_t] (seed 000 Problem 1).

    Each draw is the inverse CDF of the uniforms passed in: token k of the corpus (sentence by sentence) uses
    uniforms[k, 0] for z and uniforms[k, 1] for x, by the half-open rule of `reference.sampler.inverse_cdf` (claim
    004-2a): the index i with c_{i-1} <= u < c_i, so a state or word of probability 0 is never drawn, even where a
    row's cumulative sum rounds below u (the row [.7, .2, .1, 0] sums to 1 - 2^-53 and u = 1 - 2^-53 gives
    word 3, not 4).
    """
    V, m = check_params(A, B)
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or (lengths.size and (not np.issubdtype(lengths.dtype, np.integer) or lengths.min() < 0)):
        raise ValueError("lengths: expected a 1-D array of non-negative integers")
    uniforms = np.asarray(uniforms, dtype=np.float64)
    if uniforms.shape != (int(lengths.sum()), 2) or np.any(uniforms < 0) or np.any(uniforms >= 1):
        raise ValueError(f"uniforms: expected shape ({int(lengths.sum())}, 2) with values in [0, 1)")
    sentences = []
    k = 0
    for length in lengths:
        sentence = np.empty(int(length), dtype=np.int64)
        prev = 0
        for t in range(int(length)):
            z = inverse_cdf(A[prev], uniforms[k, 0])
            word = inverse_cdf(B[z], uniforms[k, 1]) + 1
            sentence[t] = word
            prev = word
            k += 1
        sentences.append(sentence)
    return sentences
