"""The latent bigram model of seed 000 Problem 1 in PyTorch: EM on the sparse bigram count matrix, any device.

The same names and meaning as reference/bigram_em.py, working on C = bigram_counts(sentences, V), C[x, x'] =
count(x, x'), built once. With S = AB at the nonzeros of C and R = C / S there, one EM iteration is

    A_new ∝ A ⊙ (R Bᵀ),   B_new ∝ B ⊙ (Aᵀ R),   log-likelihood(A, B) = sum C log S,

because sum_x' C[x, x'] p(z | x, x') = A[x, z] sum_x' R[x, x'] B[z, x'] (seed 000 Problem 1.2-1.3). S is one
sampled dense-dense product (SDDMM) and the two others are CSR sparse-dense products (SpMM), so an iteration costs
O(nnz(C) m) time and O(nnz(C) + V m) memory; nothing of size V^2 or nnz(C) m is formed. Several restarts run as
one block-diagonal problem: restart r owns rows r(V+1).. and columns rV.. of the same pattern.

Rule for rows without data (as in reference/): a row that receives no expected count becomes uniform.

Determinism: no atomics. On CPU every product is computed row by row, so a given seed gives bit-identical results
run to run for a fixed number of threads. On CUDA the SDDMM and both SpMMs are non-transposed CSR products (Cᵀ is
stored as its own CSR); cuSPARSE documents run-to-run differences only for the transposed SpMM, which is never
called. Counting uses integer sorts, which are exact on every device.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from elbocheck.data.counts import BigramCounts
from elbocheck.fast.sampler import inverse_cdf

ROW_SUM_TOL = 1e-4


@dataclass(frozen=True)
class FitResult:
    """The best restart's A (V+1, m), B (m, V) and log-likelihood history (start, then after each iteration);
    iterations run; whether the stopping rule fired; every restart's final log-likelihood (R,)."""

    A: torch.Tensor
    B: torch.Tensor
    log_likelihoods: torch.Tensor
    n_iter: int
    converged: bool
    restart_log_likelihoods: torch.Tensor


def _as_token_tensor(sentence, index: int, device) -> torch.Tensor:
    tensor = torch.as_tensor(sentence, device=device)
    not_integer = tensor.is_floating_point() or tensor.is_complex() or tensor.dtype == torch.bool
    if tensor.ndim != 1 or (tensor.numel() and not_integer):
        raise ValueError(f"sentences[{index}]: expected a 1-D array of integer token ids")
    return tensor.to(torch.int64)


def _flatten_sentences(sentences, V: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """All tokens in one int64 tensor and the sentence lengths; ValueError unless ids lie in 1..V."""
    if not isinstance(V, (int, np.integer)) or V < 1:
        raise ValueError(f"V: expected an integer >= 1, got {V!r}")
    sentences = list(sentences)
    if device is None:
        device = next((s.device for s in sentences if isinstance(s, torch.Tensor)), torch.device("cpu"))
    parts = [_as_token_tensor(sentence, index, device) for index, sentence in enumerate(sentences)]
    lengths = torch.tensor([part.numel() for part in parts], dtype=torch.int64, device=device)
    tokens = torch.cat(parts) if parts else torch.zeros(0, dtype=torch.int64, device=device)
    if tokens.numel():
        low, high = int(tokens.min()), int(tokens.max())
        if low < 1 or high > V:
            raise ValueError(f"sentences: token ids must lie in 1..V = 1..{V}, got {low}..{high}")
    return tokens, lengths


def _previous_tokens(tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """x_{t-1} for every token, 0 (the start symbol *) at the first token of each sentence."""
    prev = torch.zeros_like(tokens)
    prev[1:] = tokens[:-1]
    starts = torch.cumsum(lengths, 0) - lengths
    prev[starts[lengths > 0]] = 0
    return prev


def bigram_counts(sentences, V: int, dtype: torch.dtype = torch.float32, device=None) -> BigramCounts:
    """C[x, x'] = count(x, x'), the number of times x' follows x (x = 0 for *), seed 000 Problem 1.3, as CSR
    (V+2 row pointers) built by one integer sort, with Cᵀ beside it; sentences are 1-D integer arrays of ids 1..V.

    Raises ValueError unless every sentence is a 1-D integer array of ids in 1..V, V >= 1, and `dtype` is
    torch.float32 or torch.float64 (the sparse products of EM need one of them).
    """
    _check_count_dtype(dtype, "dtype")
    tokens, lengths = _flatten_sentences(sentences, V, device)
    prev = _previous_tokens(tokens, lengths)
    keys, counts = torch.unique(prev * V + (tokens - 1), sorted=True, return_counts=True)
    rows, col = keys // V, keys % V
    device = keys.device
    crow = torch.searchsorted(rows, torch.arange(V + 2, device=device))
    t_order = torch.argsort(col * (V + 1) + rows)
    t_crow = torch.searchsorted(col[t_order], torch.arange(V + 1, device=device))
    return BigramCounts(V, crow, col, counts.to(dtype), t_crow, rows[t_order], t_order)


def _check_count_dtype(dtype, name: str) -> None:
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"{name}: expected counts in torch.float32 or torch.float64, got {dtype}")


def mle_counts(sentences, latents, V: int, m: int, dtype: torch.dtype = torch.float32, device=None):
    """MLE with z observed, seed 000 Problem 1.1 (claim 000-1.1-mle): normalised counts of (x_{t-1}, z_t) and
    (z_t, x_t), as A (V+1, m) and B (m, V).

    `latents[i][t]` is the state (0..m-1) of token t of sentence i; a context or state never seen gets a uniform row.
    Integer bincounts, exact on every device.

    Raises ValueError unless the sentences hold ids in 1..V, m >= 1, and `latents` holds one state in 0..m-1 per
    token.
    Claims: 000-1.1-mle.
    """
    tokens, lengths = _flatten_sentences(sentences, V, device)
    if not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"m: expected an integer >= 1, got {m!r}")
    latents = list(latents)
    if len(latents) != lengths.numel():
        raise ValueError(f"latents: expected one array per sentence ({lengths.numel()}), got {len(latents)}")
    states = [torch.as_tensor(s, device=tokens.device).to(torch.int64) for s in latents]
    state_lengths = torch.tensor([s.numel() for s in states], dtype=torch.int64, device=tokens.device)
    flat_states = torch.cat(states) if states else torch.zeros(0, dtype=torch.int64, device=tokens.device)
    out_of_range = flat_states.numel() and (flat_states.min() < 0 or flat_states.max() >= m)
    if not torch.equal(state_lengths, lengths) or out_of_range:
        raise ValueError(f"latents: expected one state in 0..{m - 1} per token of each sentence")
    prev = _previous_tokens(tokens, lengths)
    context = torch.bincount(prev * m + flat_states, minlength=(V + 1) * m).reshape(V + 1, m)  # (V+1, m)
    emission = torch.bincount(flat_states * V + tokens - 1, minlength=m * V).reshape(m, V)  # (m, V)
    return normalize_rows(context.to(dtype)), normalize_rows(emission.to(dtype))


def normalize_rows(counts: torch.Tensor) -> torch.Tensor:
    """Each row (the last axis) divided by its sum; a row summing to zero becomes uniform (the rule for rows without
    data). Same shape as `counts`. Raises ValueError naming `counts` unless every entry is finite and
    non-negative.
    """
    if counts.ndim < 2 or not bool((torch.isfinite(counts) & (counts >= 0)).all()):
        raise ValueError(f"counts: expected matrices of finite non-negative (expected) counts, got shape "
                         f"{tuple(counts.shape)}")
    totals = counts.sum(dim=-1, keepdim=True)
    has_mass = totals > 0
    safe_totals = torch.where(has_mass, totals, torch.ones_like(totals))
    return torch.where(has_mass, counts / safe_totals, 1.0 / counts.shape[-1])


def check_params(A: torch.Tensor, B: torch.Tensor) -> tuple[int, int]:
    """(V, m) of A (..., V+1, m) and B (..., m, V); ValueError unless finite, non-negative and row-stochastic."""
    if not (isinstance(A, torch.Tensor) and isinstance(B, torch.Tensor)):
        raise ValueError("A, B: expected torch tensors")
    if (
        A.ndim not in (2, 3)
        or A.ndim != B.ndim
        or A.shape[:-2] != B.shape[:-2]
        or A.shape[-1] != B.shape[-2]
        or A.shape[-2] != B.shape[-1] + 1
        or A.shape[-1] < 1
    ):
        raise ValueError(
            f"A, B: expected shapes ([R,] V+1, m) and ([R,] m, V), got {tuple(A.shape)} and {tuple(B.shape)}"
        )
    if A.dtype != B.dtype or not A.is_floating_point() or A.device != B.device:
        raise ValueError(
            f"A, B: expected one float dtype on one device, got {A.dtype}/{A.device} and {B.dtype}/{B.device}"
        )
    for name, matrix in (("A", A), ("B", B)):
        low, high = torch.aminmax(matrix)
        if not (bool(low >= 0) and bool(high <= 1)):
            raise ValueError(f"{name}: expected probabilities in [0, 1]")
        if bool(((matrix.sum(dim=-1) - 1.0).abs() > ROW_SUM_TOL).any()):
            raise ValueError(f"{name}: every row must sum to 1 (a probability distribution)")
    return B.shape[-1], B.shape[-2]


def _check_counts(counts: BigramCounts, A: torch.Tensor, V: int) -> None:
    if not isinstance(counts, BigramCounts):
        raise ValueError(f"counts: expected bigram_counts(sentences, V), got {type(counts).__name__}")
    if counts.V != V:
        raise ValueError(f"counts: built for V = {counts.V}, but A, B have V = {V}")
    if counts.values.device != A.device:
        raise ValueError(f"counts: on {counts.values.device}, but A, B are on {A.device}")


class _Blocks:
    """The pattern of C repeated on the diagonal for R restarts, as CSR for C and for Cᵀ."""

    def __init__(self, counts: BigramCounts, restarts: int, dtype: torch.dtype):
        V, nnz, device = counts.V, counts.nnz, counts.col.device
        self.restarts, self.V = restarts, V
        values = counts.values.to(dtype)
        self.counts = values if restarts == 1 else values.repeat(restarts)  # (R nnz,)
        if restarts == 1:
            self.crow, self.col, self.t_crow, self.t_col, self.t_order = (
                counts.crow, counts.col, counts.t_crow, counts.t_col, counts.t_order
            )
        else:
            offsets = torch.arange(restarts, device=device)[:, None]
            end = torch.tensor([restarts * nnz], device=device)
            self.crow = torch.cat([(counts.crow[:-1] + offsets * nnz).reshape(-1), end])
            self.col = (counts.col + offsets * V).reshape(-1)
            self.t_crow = torch.cat([(counts.t_crow[:-1] + offsets * nnz).reshape(-1), end])
            self.t_col = (counts.t_col + offsets * (V + 1)).reshape(-1)
            self.t_order = (counts.t_order + offsets * nnz).reshape(-1)
        # the pattern's values are C's own (finite), ignored by sampled_addmm at beta = 0: no array of ones
        self.pattern = self._csr(self.crow, self.col, self.counts, (restarts * (V + 1), restarts * V))

    @staticmethod
    def _csr(crow, col, values, shape) -> torch.Tensor:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
            return torch.sparse_csr_tensor(crow, col, values, shape, check_invariants=False)

    def sampled_product(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        """S = (AB) at the nonzeros of C, for every restart: (R nnz,), by one SDDMM."""
        R, m, V = B.shape
        stacked_B = B.permute(1, 0, 2).reshape(m, R * V)  # (m, R V)
        return torch.sparse.sampled_addmm(self.pattern, A.reshape(R * (V + 1), m), stacked_B, beta=0.0).values()

    def times_B_transposed(self, ratio: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        """R Bᵀ for every restart: (R, V+1, m), by one CSR SpMM."""
        R, m, V = B.shape
        matrix = self._csr(self.crow, self.col, ratio, (R * (V + 1), R * V))
        return (matrix @ B.transpose(1, 2).reshape(R * V, m)).reshape(R, V + 1, m)

    def A_transposed_times(self, ratio: torch.Tensor, A: torch.Tensor, transposed: bool = False) -> torch.Tensor:
        """Aᵀ R for every restart: (R, m, V), as (Rᵀ A)ᵀ by one CSR SpMM on the stored Cᵀ pattern; `transposed`:
        `ratio` is already in Cᵀ's order (ratio[t_order])."""
        R, V1, m = A.shape
        values = ratio if transposed else ratio[self.t_order]
        matrix = self._csr(self.t_crow, self.t_col, values, (R * (V1 - 1), R * V1))
        return (matrix @ A.reshape(R * V1, m)).reshape(R, V1 - 1, m).transpose(1, 2)

    def log_likelihood(self, sampled: torch.Tensor) -> torch.Tensor:
        """sum C log S per restart: (R,)."""
        return torch.log(sampled).mul_(self.counts).reshape(self.restarts, -1).sum(dim=1)


def _batched(A: torch.Tensor, B: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, bool]:
    if A.ndim == 2:
        return A.unsqueeze(0), B.unsqueeze(0), False
    return A, B, True


def _expected_counts(blocks: _Blocks, A: torch.Tensor, B: torch.Tensor):
    """E-step on (R, V+1, m), (R, m, V): A ⊙ (R Bᵀ), B ⊙ (Aᵀ R), sum C log S."""
    sampled = blocks.sampled_product(A, B)  # (R nnz,)
    if bool((sampled <= 0).any()):
        position = int(torch.nonzero(sampled <= 0)[0, 0])
        row = int(torch.searchsorted(blocks.crow, torch.tensor(position, device=blocks.crow.device), right=True)) - 1
        prev, word = row % (blocks.V + 1), int(blocks.col[position]) % blocks.V + 1
        raise ValueError(f"A, B: the model gives probability 0 to the bigram ({prev}, {word}); EM needs it > 0")
    log_likelihood = blocks.log_likelihood(sampled)
    ratio = blocks.counts / sampled  # (R nnz,)
    del sampled
    context = A * blocks.times_B_transposed(ratio, B)  # (R, V+1, m)
    ratio = ratio[blocks.t_order]  # at most two arrays over the nonzeros are alive at once
    emission = B * blocks.A_transposed_times(ratio, A, transposed=True)  # (R, m, V)
    return context, emission, log_likelihood


def _prepare(counts: BigramCounts, A: torch.Tensor, B: torch.Tensor):
    V, _ = check_params(A, B)
    _check_counts(counts, A, V)
    A3, B3, batched = _batched(A, B)
    return _Blocks(counts, A3.shape[0], A.dtype), A3, B3, batched


def expected_counts(counts: BigramCounts, A: torch.Tensor, B: torch.Tensor):
    """E-step, seed 000 Problem 1.2 (claim 000-1.2-estep): sum_x' C[x,x'] p(z|x,x') (V+1, m), sum_x C[x,x'] p(z|x,x')
    (m, V), and the log-likelihood of (A, B) in nats, summed over the corpus; batched over a leading restart axis R
    when A, B are 3-D (then (R, V+1, m), (R, m, V), (R,)).

    Raises ValueError unless A, B are row-stochastic float tensors of shapes ([R,] V+1, m), ([R,] m, V) on the device
    of `counts`, with `counts` built for the same V.
    Claims: 000-1.2-estep, 001-2-estep, 001-2a-count.
    """
    blocks, A3, B3, batched = _prepare(counts, A, B)
    context, emission, log_likelihood_total = _expected_counts(blocks, A3, B3)
    if batched:
        return context, emission, log_likelihood_total
    return context[0], emission[0], log_likelihood_total[0]


def m_step(context_counts: torch.Tensor, emission_counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """M-step, seed 000 Problem 1.3 (claims 000-1.3-mstep-a, 000-1.3-mstep-b; 001-2-mstep): the expected counts
    (V+1, m) and (m, V), or with a leading restart axis, row-normalised into A and B of the same shapes.
    Claims: 000-1.3-mstep-a, 000-1.3-mstep-b, 001-2-mstep, 001-2-concave.
    """
    return normalize_rows(context_counts), normalize_rows(emission_counts)


def em_step(counts: BigramCounts, A: torch.Tensor, B: torch.Tensor):
    """One EM iteration, seed 000 Problem 1.2-1.3: (A_new, B_new, log-likelihood of the given (A, B) in nats, summed
    over the corpus), with the shapes of expected_counts.

    Raises ValueError as expected_counts does.
    Claims: 000-1.2-estep, 000-1.3-mstep-a, 000-1.3-mstep-b, 001-2-monotone.
    """
    context, emission, log_likelihood_before = expected_counts(counts, A, B)
    A_new, B_new = m_step(context, emission)
    return A_new, B_new, log_likelihood_before


def log_likelihood(counts: BigramCounts, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """log p(x) = sum_{x,x'} C[x,x'] log (AB)[x,x'] in nats, summed over the corpus (-inf if an observed bigram has
    probability 0): a 0-d tensor, or (R,) when A, B carry a restart axis.

    Raises ValueError as expected_counts does.
    Claims: 001-1-marginal.
    """
    blocks, A3, B3, batched = _prepare(counts, A, B)
    total = blocks.log_likelihood(blocks.sampled_product(A3, B3))
    return total if batched else total[0]


def posterior(A: torch.Tensor, B: torch.Tensor, prev, word) -> torch.Tensor:
    """E-step per token, seed 000 Problem 1.2 (claim 000-1.2-estep): p(z | x_{t-1}, x_t) for tensors (or ints) of
    contexts `prev` (0 for *) and words `word` (1..V) broadcasting to (...); result (..., m).

    Raises ValueError if the model gives one of the bigrams probability 0.
    Claims: 000-1.2-estep, 001-1a-lemma, 001-1a-stationarity, 001-1a-alpha, 001-1a-qstar, 001-1a-value, 001-1b,
    001-2-estep.
    """
    prev = torch.as_tensor(prev, device=A.device)
    word = torch.as_tensor(word, device=A.device)
    V = B.shape[-1]
    if prev.is_floating_point() or (prev.numel() and bool(((prev < 0) | (prev > V)).any())):
        raise ValueError(f"prev: expected contexts in 0..V = 0..{V} (0 for the start symbol)")
    if word.is_floating_point() or (word.numel() and bool(((word < 1) | (word > V)).any())):
        raise ValueError(f"word: expected token ids in 1..V = 1..{V}")
    joint = A[prev] * B[:, word - 1].movedim(0, -1)  # (..., m)
    total = joint.sum(dim=-1, keepdim=True)
    if bool((total <= 0).any()):
        first = tuple(torch.nonzero(total[..., 0] <= 0)[0].tolist())
        prev_0, word_0 = (int(torch.broadcast_to(value, total.shape[:-1])[first]) for value in (prev, word))
        raise ValueError(f"A, B: the model gives probability 0 to the bigram ({prev_0}, {word_0}); EM needs it > 0")
    return joint / total


def initial_params(V: int, m: int, seed: int, restarts: int = 1, dtype: torch.dtype = torch.float32, device=None):
    """Random starts A (R, V+1, m), B (R, m, V): rows proportional to 0.5 + U(0, 1), start r drawn on the host from
    numpy.random.default_rng([seed, r]), so a seed gives the same starts on every device and in reference/.

    Raises ValueError unless V, m, restarts are integers >= 1 and seed an integer >= 0.
    """
    for name, value, least in (("V", V, 1), ("m", m, 1), ("restarts", restarts, 1), ("seed", seed, 0)):
        if not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{name}: expected an integer >= {least}, got {value!r}")
    A = torch.empty(restarts, V + 1, m, dtype=dtype, device=device)  # (R, V+1, m)
    B = torch.empty(restarts, m, V, dtype=dtype, device=device)  # (R, m, V)
    for r in range(restarts):
        rng = np.random.default_rng([seed, r])
        weights_A = 0.5 + rng.random((V + 1, m))
        weights_B = 0.5 + rng.random((m, V))
        A[r] = torch.from_numpy(weights_A / weights_A.sum(axis=1, keepdims=True))
        B[r] = torch.from_numpy(weights_B / weights_B.sum(axis=1, keepdims=True))
    return A, B


def _converged(previous: torch.Tensor, current: torch.Tensor, tol: float) -> bool:
    """The stopping rule for every restart: |L_k - L_{k-1}| <= tol |L_{k-1}| (never when tol is 0)."""
    return tol > 0.0 and bool(((current - previous).abs() <= tol * previous.abs()).all())


def fit(
    counts: BigramCounts,
    m: int,
    n_iter: int = 50,
    tol: float = 1e-6,
    seed: int = 0,
    restarts: int = 1,
    init: tuple[torch.Tensor, torch.Tensor] | None = None,
    callback: Callable[[int, torch.Tensor, torch.Tensor, torch.Tensor], None] | None = None,
    reduce: Callable[[torch.Tensor], torch.Tensor] | None = None,
    previous: torch.Tensor | None = None,
) -> FitResult:
    """EM (seed 001 section 2, claims 001-2-estep, 001-2-mstep) for R restarts at once, in the dtype and on the
    device of `counts`; returns the best.

    Stops when every restart's log-likelihood changes by at most `tol` relatively, or after `n_iter` iterations.
    Starts from `init` ((V+1, m), (m, V), or with a leading restart axis), else initial_params(V, m, seed, restarts).
    `callback(iteration, A, B, log_likelihoods)` sees the batched parameters after each iteration and the
    log-likelihood (R,) of the parameters before it.

    `reduce(tensor)`, when given, sums a tensor over the processes that each hold a part of the counts (C = sum of
    the parts; e.g. elbocheck.distributed.all_reduce_sum): it is applied to the expected counts and the
    log-likelihoods, which are linear in C, so every process fits the model of the whole C (and a process may hold
    no counts at all).

    `previous`, when resuming a fit from `init`: the log-likelihoods (R,) of the parameters one iteration before
    `init`, so that the stopping rule compares the first iteration with it, as the uninterrupted fit would.

    The FitResult's log-likelihoods are in nats, summed over the corpus. Raises ValueError unless n_iter is an
    integer >= 1, tol a number >= 0, `counts` a non-empty bigram_counts in float32 or float64 (empty is allowed with
    `reduce`), and `init` of shapes ([R,] V+1, m), ([R,] m, V).
    Claims: 001-notation, 001-2-estep, 001-2-mstep, 001-2-monotone.
    """
    if not isinstance(n_iter, (int, np.integer)) or isinstance(n_iter, bool) or n_iter < 1:
        raise ValueError(f"n_iter: expected an integer >= 1, got {n_iter!r}")
    if not isinstance(tol, (int, float, np.floating)) or not tol >= 0.0:
        raise ValueError(f"tol: expected a number >= 0, got {tol!r}")
    if not isinstance(counts, BigramCounts):
        raise ValueError(f"counts: expected bigram_counts(sentences, V), got {type(counts).__name__}")
    if counts.nnz == 0 and reduce is None:
        raise ValueError("counts: expected at least one token, got an empty corpus")
    _check_count_dtype(counts.values.dtype, "counts")
    dtype, device = counts.values.dtype, counts.values.device
    if init is None:
        A, B = initial_params(counts.V, m, seed, restarts, dtype, device)
    else:
        A, B, _ = _batched(*(torch.as_tensor(matrix, device=device).to(dtype) for matrix in init))
        if tuple(A.shape[1:]) != (counts.V + 1, m):
            raise ValueError(f"init: expected A of shape ([R,] {counts.V + 1}, {m}), got {tuple(init[0].shape)}")
    blocks, A, B, _ = _prepare(counts, A, B)
    history = []
    done = False
    iterations = 0
    total = reduce if reduce is not None else (lambda tensor: tensor)
    for iterations in range(1, n_iter + 1):
        context, emission, before = (total(sums) for sums in _expected_counts(blocks, A, B))
        A, B = m_step(context, emission)
        history.append(before)
        if callback is not None:
            callback(iterations, A, B, before)
        if previous is not None and _converged(previous, before, tol):
            done = True
            break
        previous = before
    history.append(total(blocks.log_likelihood(blocks.sampled_product(A, B))))
    done = done or _converged(history[-2], history[-1], tol)
    curves = torch.stack(history, dim=1)  # (R, iterations + 1)
    finals = curves[:, -1]
    best = int(torch.argmax(torch.nan_to_num(finals, nan=-math.inf)))
    return FitResult(A[best], B[best], curves[best], iterations, done, finals)


def sample_corpus(A: torch.Tensor, B: torch.Tensor, lengths, uniforms: torch.Tensor) -> list[torch.Tensor]:
    """Sentences drawn from the model, z_t ~ A[x_{t-1}], x_t ~ B[z_t] (seed 000 Problem 1), by the inverse CDF of
    the uniforms passed in (token k, sentence by sentence: uniforms[k, 0] for z, uniforms[k, 1] for x), all
    sentences at once position by position: A (V+1, m), B (m, V), lengths (S,), uniforms (sum(lengths), 2) -> S int64
    tensors of ids 1..V, by the half-open rule of `fast.sampler.inverse_cdf` (claim 004-2a): a state or word of
    probability 0 is never drawn, even where a row's float cumulative sum ends below u < 1. Equal to reference/
    token for token (the cumulative sums are taken in float64 on both sides).

    Raises ValueError unless A, B are one row-stochastic model, `lengths` non-negative integers, and `uniforms` of
    shape (sum(lengths), 2) with values in [0, 1).
    """
    V, m = check_params(A, B)
    if A.ndim != 2:
        raise ValueError("A, B: expected one model, shapes (V+1, m) and (m, V)")
    lengths = torch.as_tensor(lengths, device=A.device)
    if lengths.ndim != 1 or (lengths.numel() and (lengths.is_floating_point() or int(lengths.min()) < 0)):
        raise ValueError("lengths: expected a 1-D array of non-negative integers")
    lengths = lengths.to(torch.int64)
    n_tokens = int(lengths.sum())
    uniforms = torch.as_tensor(uniforms, device=A.device)
    if tuple(uniforms.shape) != (n_tokens, 2) or bool((uniforms < 0).any()) or bool((uniforms >= 1).any()):
        raise ValueError(f"uniforms: expected shape ({n_tokens}, 2) with values in [0, 1)")
    starts = torch.cumsum(lengths, 0) - lengths
    tokens = torch.empty(n_tokens, dtype=torch.int64, device=A.device)
    prev = torch.zeros(lengths.numel(), dtype=torch.int64, device=A.device)
    for t in range(int(lengths.max()) if lengths.numel() else 0):
        active = torch.nonzero(lengths > t).squeeze(1)
        index = starts[active] + t
        u = uniforms[index]  # (n, 2)
        state = inverse_cdf(A[prev[active]], u[:, 0])  # (n,)
        word = inverse_cdf(B[state], u[:, 1]) + 1  # (n,)
        tokens[index] = word
        prev[active] = word
    return list(torch.split(tokens, lengths.tolist()))
