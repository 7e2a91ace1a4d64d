"""Per-iteration time of EM for the latent bigram model (seed 000 Problem 1): the literal reference (small corpus
only), the sparse fast code, and scikit-learn's KL-NMF with multiplicative updates on the same count matrix.

KL-NMF (Lee and Seung's updates) and this EM share their fixed points up to normalisation: from W = diag(N_x) A,
H = B, the W update is exactly EM's A update; NMF then updates H with the new W, EM with the old A. Each timed call
is one iteration continuing from the last, so after the warm-up and the rounds every implementation has run the
same number of iterations from the same start, and the quality figure (training log-likelihood per token of the
normalised model, in float64) compares them at equal iteration counts. The peer's loop body is timed alone, through
scikit-learn's own update functions; bench checks first that this loop reproduces NMF.fit bit for bit.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from elbocheck.bench.prepared import GROUPS, Prepared
from elbocheck.fast import bigram_em as fast
from elbocheck.reference import bigram_em as reference

ALGORITHM = "bigram_em"
PEER = "scikit-learn NMF KL mu, float32"
QUALITY = "train log-likelihood per token after the timed iterations"
WARMUP, ROUNDS = 1, 5
PLANTED_STATES = 32
CASES = [
    # (V, m, tokens, with the reference)
    pytest.param(2_000, 16, 10_000, True, marks=pytest.mark.quick, id="V=2000-m=16-T=10k"),
    pytest.param(2_000, 16, 200_000, False, marks=pytest.mark.quick, id="V=2000-m=16-T=200k"),
    pytest.param(2_000, 64, 200_000, False, marks=pytest.mark.quick, id="V=2000-m=64-T=200k"),
    pytest.param(20_000, 16, 2_000_000, False, id="V=20000-m=16-T=2M"),
    pytest.param(20_000, 64, 2_000_000, False, id="V=20000-m=64-T=2M"),
]


@functools.lru_cache(maxsize=4)
def planted_corpus(V: int, tokens: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Sentences of 5..35 tokens drawn from a planted model with 32 states: sparse p(z|x) (Dirichlet 0.2) and
    Zipf-shaped p(x'|z), each state ranking the words differently."""
    rng = np.random.default_rng(seed)
    A = rng.dirichlet(np.full(PLANTED_STATES, 0.2), size=V + 1)
    zipf = 1.0 / np.arange(1, V + 1)
    B = np.stack([rng.dirichlet(0.5 * V * zipf[rng.permutation(V)] / zipf.sum()) for _ in range(PLANTED_STATES)])
    lengths = rng.integers(5, 36, size=max(1, tokens // 20))
    uniforms = rng.random((int(lengths.sum()), 2))
    A, B, lengths, uniforms = (torch.from_numpy(array) for array in (A, B, lengths, uniforms))
    return tuple(fast.sample_corpus(A, B, lengths, uniforms))


def case_label(V: int, m: int, tokens: int) -> str:
    return f"V={V} m={m} tokens={tokens // 1000}k"


def start(V: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The common start of every implementation, reference.initial_params(V, m, seed=1)."""
    A, B = reference.initial_params(V, m, seed=1)
    return A[0], B[0]


def log_likelihood_per_token(counts: fast.BigramCounts, A, B) -> float:
    """The quality figure: training log-likelihood per token of (A, B), in float64 on the CPU."""
    A, B = (torch.as_tensor(np.asarray(x, dtype=np.float64) if not isinstance(x, torch.Tensor) else x) for x in (A, B))
    counts64 = counts.to(device="cpu", dtype=torch.float64)
    return float(fast.log_likelihood(counts64, A.double().cpu(), B.double().cpu())) / counts64.n_tokens


def scipy_counts(counts: fast.BigramCounts) -> sp.csr_matrix:
    """The same count matrix C ((V+1) x V) as SciPy CSR in float32, the peer's input."""
    return sp.csr_matrix(
        (counts.values.float().cpu().numpy(), counts.col.cpu().numpy(), counts.crow.cpu().numpy()),
        shape=(counts.V + 1, counts.V),
    )


def nmf_to_model(W: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, B) of a KL-NMF C ≈ WH: B = H with rows normalised, A ∝ W diag(row sums of H)."""
    totals = H.sum(axis=1).astype(np.float64)  # (m,)
    B = H / np.where(totals > 0, totals, 1.0)[:, None]
    weighted = W.astype(np.float64) * totals[None, :]
    rows = weighted.sum(axis=1, keepdims=True)
    A = np.where(rows > 0, weighted / np.where(rows > 0, rows, 1.0), 1.0 / W.shape[1])
    return A, B.astype(np.float64)


def nmf_iteration(X: sp.csr_matrix, W: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One pass of the loop body of scikit-learn's _fit_multiplicative_update for beta_loss='kullback-leibler'
    without regularisation: the W update, the H update with the new W, and the small-H threshold."""
    from sklearn.decomposition._nmf import _multiplicative_update_h, _multiplicative_update_w

    W, *_ = _multiplicative_update_w(X, W, H, beta_loss=1, l1_reg_W=0, l2_reg_W=0, gamma=1.0)
    H = _multiplicative_update_h(X, W, H, beta_loss=1, l1_reg_H=0, l2_reg_H=0, gamma=1.0)
    H[H < np.finfo(np.float64).eps] = 0.0
    return W, H


def nmf_start(X: sp.csr_matrix, A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W = diag(N_x) A, H = B in float32: the NMF that is the EM model at the start."""
    row_totals = np.asarray(X.sum(axis=1)).astype(np.float64)  # (V+1, 1)
    return (row_totals * A).astype(np.float32), B.astype(np.float32)


@pytest.mark.quick
def test_the_timed_peer_loop_is_nmf_fit():
    """Guard: the loop timed below reproduces NMF(beta_loss='kullback-leibler', solver='mu').fit exactly."""
    from sklearn.decomposition import NMF

    counts = fast.bigram_counts(planted_corpus(300, 5_000), 300)
    X = scipy_counts(counts)
    W, H = nmf_start(X, *start(300, 8))
    model = NMF(8, beta_loss="kullback-leibler", solver="mu", init="custom", max_iter=4, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W_fit = model.fit_transform(X, W=W.copy(), H=H.copy())
    for _ in range(4):
        W, H = nmf_iteration(X, W, H)
    assert model.n_iter_ == 4
    np.testing.assert_array_equal(W, W_fit)
    np.testing.assert_array_equal(H, model.components_)


@pytest.mark.parametrize("V, m, tokens, with_reference", CASES)
@pytest.mark.parametrize("impls", GROUPS)
def test_em_iteration(measure, device, device_label, sync, impls, V, m, tokens, with_reference):
    if impls == ("reference",) and not with_reference:
        pytest.skip("the literal reference loops over every token in Python: small corpus only")
    sentences = planted_corpus(V, tokens)
    counts = fast.bigram_counts(sentences, V)
    A0, B0 = start(V, m)
    measure({impl: prepare(impl, sentences, counts, A0, B0, V, m, tokens, device, device_label, sync)
             for impl in impls}, warmup_rounds=WARMUP)


def prepare(impl, sentences, counts, A0, B0, V, m, tokens, device, device_label, sync) -> Prepared:
    """One implementation's EM iteration from (A0, B0), its extra_info, and its log-likelihood per token after."""
    size = float(counts.n_tokens * m)  # tokens x states: the work of one iteration, the plot's x axis
    info = {"algorithm": ALGORITHM, "case": case_label(V, m, tokens), "size": size, "impl": impl,
            "quality_name": QUALITY}

    if impl == "reference":
        arrays = [s.numpy() for s in sentences]
        state = {"A": A0, "B": B0}

        def iteration():
            state["A"], state["B"], _ = reference.em_step(arrays, state["A"], state["B"])

        info["device"] = "CPU (NumPy float64)"
    elif impl == "fast":
        on_device = counts.to(device=device)
        state = {"A": torch.from_numpy(A0).float().to(device), "B": torch.from_numpy(B0).float().to(device)}

        def iteration():
            state["A"], state["B"], _ = fast.em_step(on_device, state["A"], state["B"])
            sync()

        info["device"] = f"{device_label} (torch float32)"
        info["flops"] = 6.0 * counts.nnz * m  # SDDMM and two SpMMs, a multiply and an add per nonzero and state
    else:
        X = scipy_counts(counts)
        W, H = nmf_start(X, A0, B0)
        state = {"W": W, "H": H}

        def iteration():
            state["W"], state["H"] = nmf_iteration(X, state["W"], state["H"])

        info["device"] = "CPU (NumPy/SciPy, float32 data)"
        info["peer"] = PEER

    def quality() -> float:
        A, B = nmf_to_model(state["W"], state["H"]) if impl == "peer" else (state["A"], state["B"])
        return log_likelihood_per_token(counts, A, B)

    return Prepared(iteration, info, rounds=ROUNDS, on_device=impl == "fast", quality=quality)
