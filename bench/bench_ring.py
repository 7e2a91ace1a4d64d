"""The partition function of the ring model of seed 004 Problem 1 (coupling J, the same field h at every node):
enumeration of all 3^N labellings (the reference), the transfer matrix in log space (fast), and two alternatives.

ring_partition, one model, N from 4 to 10^4: the peer is what one would write first, trace(T^N) with
numpy.linalg.matrix_power in linear space; it overflows once Z passes 1e308. Quality: the relative error of ln Z
against a 60-digit mpmath evaluation of trace(T^N).

ring_batched_N8 and ring_batched_N10000, B models at once, B up to 10^5: fast evaluates the whole batch in one call by repeated squaring of
(B, 3, 3) log-matrices; the peer is the same transfer-matrix code called once per model in a Python loop, and the
reference enumerates each model. Quality: the largest relative error of ln Z over the batch against the eigenvalue
form N ln(lambda_max) + ln(sum_i (lambda_i / lambda_max)^N) in NumPy float64.
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import pytest
import torch

from elbocheck.bench.prepared import GROUPS, Prepared
from elbocheck.fast import ring as fast
from elbocheck.reference import ring as reference

J, H = 1.0, 0.1
VALUES = np.array([-1.0, 0.0, 1.0])

PARTITION_CASES = [
    # (N, with the reference)
    pytest.param(4, True, marks=pytest.mark.quick, id="N=4"),
    pytest.param(8, True, marks=pytest.mark.quick, id="N=8"),
    pytest.param(12, True, id="N=12"),
    pytest.param(100, False, marks=pytest.mark.quick, id="N=100"),
    pytest.param(1_000, False, marks=pytest.mark.quick, id="N=1000"),
    pytest.param(10_000, False, id="N=10000"),
]
BATCHED_CASES = [
    # (B models, N, with the reference, with the peer)
    pytest.param(10, 8, True, True, marks=pytest.mark.quick, id="B=10-N=8"),
    pytest.param(100, 8, True, True, marks=pytest.mark.quick, id="B=100-N=8"),
    pytest.param(1_000, 8, False, True, marks=pytest.mark.quick, id="B=1000-N=8"),
    pytest.param(10_000, 8, False, True, id="B=10000-N=8"),
    pytest.param(100_000, 8, False, False, id="B=100000-N=8"),
    pytest.param(1_000, 10_000, False, True, id="B=1000-N=10000"),
    pytest.param(100_000, 10_000, False, False, id="B=100000-N=10000"),
]


@functools.lru_cache(maxsize=16)
def mpmath_log_partition(N: int, J: float = J, h: float = H) -> float:
    """ln trace(T^N) in 60-digit arithmetic, T[a, b] = exp(J a b + h (a + b) / 2)."""
    with mpmath.workdps(60):
        labels = [-1, 0, 1]
        T = mpmath.matrix([[mpmath.exp(J * a * b + h * (a + b) / mpmath.mpf(2)) for b in labels] for a in labels])
        power = T**N
        return float(mpmath.log(sum(power[i, i] for i in range(3))))


def eigen_log_partition(couplings: np.ndarray, fields: np.ndarray, N: int) -> np.ndarray:
    """N ln(lambda_max) + ln(sum_i (lambda_i / lambda_max)^N) from the eigenvalues of each symmetric T, scaled by
    its largest entry so that nothing overflows; (B,)."""
    log_T = (couplings[:, None, None] * np.outer(VALUES, VALUES)
             + fields[:, None, None] * (VALUES[:, None] + VALUES[None, :]) / 2)  # (B, 3, 3)
    scale = log_T.max(axis=(1, 2))
    eigenvalues = np.linalg.eigvalsh(np.exp(log_T - scale[:, None, None]))  # (B, 3) ascending
    largest = eigenvalues[:, -1]
    ratios = eigenvalues / largest[:, None]
    return N * (scale + np.log(largest)) + np.log(np.sum(ratios**N, axis=1))


def matrix_power_log_partition(N: int) -> float:
    """ln trace(T^N) with numpy.linalg.matrix_power in linear space (inf once Z overflows)."""
    T = np.exp(J * np.outer(VALUES, VALUES) + H * (VALUES[:, None] + VALUES[None, :]) / 2)
    with np.errstate(over="ignore", invalid="ignore"):
        trace = np.trace(np.linalg.matrix_power(T, N))
        return float(np.log(trace)) if np.isfinite(trace) else float("inf")


def relative_error(value: float, exact: float) -> float:
    return abs(value - exact) / abs(exact) if math.isfinite(value) else float("inf")


@pytest.mark.parametrize("N, with_reference", PARTITION_CASES)
@pytest.mark.parametrize("impls", GROUPS)
def test_ring_partition(measure, device, device_label, sync, impls, N, with_reference):
    if impls == ("reference",) and not with_reference:
        pytest.skip("enumeration visits 3^N labellings: N <= 12 only")
    measure({impl: prepare_partition(impl, N, device, device_label, sync) for impl in impls})


def prepare_partition(impl, N, device, device_label, sync) -> Prepared:
    """One implementation's ln Z of one ring, its extra_info, and its error against mpmath."""
    info = {"algorithm": "ring_partition", "case": f"N={N}", "size": float(N), "impl": impl,
            "quality_name": "relative error of ln Z vs 60-digit mpmath"}
    if impl == "reference":
        fields = np.full(N, H)

        def evaluate():
            return float(reference.log_partition(J, fields))

        info["device"] = "CPU (NumPy float64)"
    elif impl == "fast":
        coupling = torch.tensor(J, dtype=torch.float64, device=device)
        field = torch.tensor(H, dtype=torch.float64, device=device)

        def evaluate():
            value = fast.log_partition_uniform(coupling, field, N)
            sync()
            return value

        info["device"] = f"{device_label} (torch float64)"
    else:
        def evaluate():
            return matrix_power_log_partition(N)

        info["device"] = "CPU (NumPy float64)"
        info["peer"] = "numpy.linalg.matrix_power, linear space"
    rounds = 3 if (impl == "reference" and N >= 10) else 20
    prepared = Prepared(evaluate, info, rounds=rounds, on_device=impl == "fast")
    prepared.quality = lambda: relative_error(float(prepared.results[0]), mpmath_log_partition(N))
    return prepared


@pytest.mark.parametrize("B, N, with_reference, with_peer", BATCHED_CASES)
@pytest.mark.parametrize("impls", GROUPS)
def test_ring_batched(measure, device, device_label, sync, impls, B, N, with_reference, with_peer):
    if impls == ("reference",) and not with_reference:
        pytest.skip("enumerating every model: B <= 100 only")
    if not with_peer:
        impls = tuple(impl for impl in impls if impl != "peer")  # one call per model: B <= 10^4 only
    rng = np.random.default_rng(0)
    couplings, fields = rng.uniform(-3.0, 3.0, size=B), rng.uniform(-1.0, 1.0, size=B)
    exact = eigen_log_partition(couplings, fields, N)
    measure({impl: prepare_batched(impl, couplings, fields, B, N, exact, device, device_label, sync) for impl in impls})


def prepare_batched(impl, couplings, fields, B, N, exact, device, device_label, sync) -> Prepared:
    """One implementation's ln Z of B rings, its extra_info, and its largest error against the eigenvalue form."""
    info = {"algorithm": f"ring_batched_N{N}", "case": f"B={B} N={N}", "size": float(B), "impl": impl,
            "quality_name": "max relative error of ln Z vs the eigenvalue form"}
    if impl == "reference":
        def evaluate():
            return reference.log_partition_uniform(couplings, fields, N)

        info["device"] = "CPU (NumPy float64)"
    elif impl == "fast":
        J_batch = torch.as_tensor(couplings, device=device)
        h_batch = torch.as_tensor(fields, device=device)

        def evaluate():
            values = fast.log_partition_uniform(J_batch, h_batch, N)
            sync()
            return values.cpu().numpy()

        info["device"] = f"{device_label} (torch float64)"
    else:
        J_each = [torch.tensor(value, dtype=torch.float64, device=device) for value in couplings]
        h_each = [torch.tensor(value, dtype=torch.float64, device=device) for value in fields]

        def evaluate():
            values = [fast.log_partition_uniform(J_one, h_one, N) for J_one, h_one in zip(J_each, h_each)]
            sync()
            return torch.stack(values).cpu().numpy()

        info["device"] = f"{device_label} (torch float64)"
        info["peer"] = "transfer matrix, one model per call"
    heavy = impl == "reference" or (impl == "peer" and B >= 10_000)
    prepared = Prepared(evaluate, info, rounds=3 if heavy else 10, on_device=impl != "reference")
    prepared.quality = lambda: float(np.max(np.abs(np.asarray(prepared.results[0]) - exact) / np.abs(exact)))
    return prepared
