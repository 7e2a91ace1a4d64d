"""Running one reference/fast pair on one random input and measuring how far apart the two results are.

Inputs are drawn in float64 by the pair's `sample`, rounded to the dtype under test, and given unchanged (as
float64 NumPy) to the reference and (as tensors of that dtype, on the device) to the fast function; so both
sides see the same numbers, as PyTorch's OpInfo reference tests arrange. The error of a result is its largest
normwise relative error, max |fast - ref| / scale over each array it returns, integer arrays matching exactly.

The scale is condition-aware: max |ref|, or, for a pair that declares the `magnitude` of the terms its result sums,
the larger of that and max |ref|. Rounding a sum of terms t_i to float32 costs up to about u sum |t_i| (u = 2^-24),
whatever the size of the sum, so where large terms cancel to a small value (a log-likelihood near 0 from x l and
softplus(l) both near 10) the error is judged against the terms, not the result. When a float32 trial is outside
its tolerance, the fast function is run again in float64 on the same numbers and the report says which side is
farther, as OpInfo does: a fast float64 run that agrees with the reference puts the difference on float32
rounding in the fast code, one that does not puts it on the implementations.
"""

from __future__ import annotations

import dataclasses
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import torch

DEFAULT_RTOL = {"float64": 1e-10, "float32": 1e-5}


@dataclass(frozen=True)
class Sample:
    """Arguments for both functions of a pair, in NumPy; `label` names the input's size for a report."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class Pair:
    """A reference function, its fast mirror, and how to draw inputs for them.

    `sample(rng, size)` returns a Sample; `sizes` are tried from the smallest up. `edges` are fixed inputs where
    implementations break (zeros in probabilities, rows of zeros, infinite logits, dimensions of size one, empty
    batches), each labelled with what it tests; every run tries them before the random ones. `fast` receives the
    sample's arguments with float arrays as tensors of the dtype under test and integer arrays as int64 tensors,
    on the device; other values (ints, strings, lists of ints) pass unchanged. `rtol` maps a dtype name to the
    tolerance on the relative error; `note` says why a pair departs from DEFAULT_RTOL. `peer` is what a user
    would call instead of `fast` (same arguments; `peer_name` says what it is), timed by `bench --candidate`;
    `bench_sizes` are the sizes it times (the pair's `sizes` when empty). `adapt`, where fast is a public function
    wrapped to make its result comparable (flattened gradients), wraps a user's candidate the same way. `magnitude(*args, **kwargs)`, where
    given, returns (in NumPy float64, shaped like the result or broadcasting to it) the sum of the absolute values
    of the terms each entry of the result adds up, the scale of its rounding error.
    """

    name: str
    reference: Callable[..., Any]
    fast: Callable[..., Any]
    sample: Callable[[np.random.Generator, int], Sample]
    sizes: tuple[int, ...] = (2, 4, 8)
    rtol: Mapping[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_RTOL))
    note: str = ""
    edges: tuple[Sample, ...] = ()
    peer: Callable[..., Any] | None = None
    peer_name: str = ""
    bench_sizes: tuple[int, ...] = ()
    adapt: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None
    magnitude: Callable[..., Any] | None = None


@dataclass(frozen=True)
class Trial:
    """One comparison: which input, how far apart, whether within tolerance, how long it took."""

    pair: str
    dtype: str
    size: int
    seed: int
    label: str
    error: float
    rtol: float
    seconds: float
    edge: int | None = None
    float64_error: float | None = None

    @property
    def passed(self) -> bool:
        return bool(self.error <= self.rtol)

    @property
    def origin(self) -> str:
        """Where the input came from: the pair's edge input number, or the seed that draws it."""
        if self.edge is not None:
            return f"edge input {self.edge} of {self.pair} ({self.label})"
        return f"numpy.random.default_rng({self.seed})"

    def describe(self) -> str:
        verdict = "within" if self.passed else "outside"
        where = f"edge input {self.edge}" if self.edge is not None else f"size {self.size}"
        farther = ""
        if self.float64_error is not None:
            side = ("float32 rounding in the fast code" if self.float64_error <= DEFAULT_RTOL["float64"]
                    else "the implementations, which differ in float64 too")
            farther = f"; fast in float64 is {self.float64_error:.3g} from the reference, so the difference is {side}"
        return (
            f"{self.pair} [{self.dtype}] {where} ({self.label}): relative error {self.error:.3g} "
            f"{verdict} rtol {self.rtol:g}{farther}; reproduce with {self.origin}"
        )


def trial_seed(base_seed: int, pair_name: str, size: int, trial: int) -> int:
    """The seed of one trial, derived from the run's seed so that each (pair, size, trial) is reproducible."""
    sequence = np.random.SeedSequence([base_seed, zlib.crc32(pair_name.encode()), size, trial])
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def round_to_dtype(value, dtype_name: str):
    """Float arrays and floats rounded to `dtype_name` and back to float64; everything else unchanged."""
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        return value.astype(dtype_name).astype(np.float64)
    if isinstance(value, float):
        return float(np.array(value, dtype=dtype_name))
    if isinstance(value, (list, tuple)):
        return type(value)(round_to_dtype(item, dtype_name) for item in value)
    if isinstance(value, dict):
        return {key: round_to_dtype(item, dtype_name) for key, item in value.items()}
    return value


def to_torch(value, dtype: torch.dtype, device: torch.device):
    """NumPy float arrays to tensors of `dtype`, integer and boolean arrays to int64/bool tensors, on `device`."""
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            return torch.as_tensor(value, dtype=dtype, device=device)
        if value.dtype == np.bool_:
            return torch.as_tensor(value, device=device)
        return torch.as_tensor(value.astype(np.int64), device=device)
    if isinstance(value, (list, tuple)):
        return type(value)(to_torch(item, dtype, device) for item in value)
    if isinstance(value, dict):
        return {key: to_torch(item, dtype, device) for key, item in value.items()}
    return value


def leaves(value) -> list[np.ndarray]:
    """The arrays inside a result (tensor, array, number, or a tuple/list/dict/dataclass of them), in order."""
    if isinstance(value, torch.Tensor):
        return [value.detach().cpu().numpy()]
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (bool, int, float, np.number)):
        return [np.asarray(value)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in leaves(item)]
    if isinstance(value, dict):
        return [leaf for key in value for leaf in leaves(value[key])]
    if dataclasses.is_dataclass(value):
        return [leaf for item in dataclasses.fields(value) for leaf in leaves(getattr(value, item.name))]
    raise TypeError(f"cannot compare a result of type {type(value).__name__}")


def relative_error(fast_result, reference_result, magnitude=None, floor: float = 0.0) -> float:
    """max over result arrays of max|fast - ref| / scale, scale = max|ref| or, given the `magnitude` of the terms
    summed (a result of the same structure), the larger of the two, and at least `floor` (inf on a shape or integer
    mismatch, or a non-finite value on one side only)."""
    fast_leaves, reference_leaves = leaves(fast_result), leaves(reference_result)
    if len(fast_leaves) != len(reference_leaves):
        return float("inf")
    magnitude_leaves = [None] * len(reference_leaves) if magnitude is None else leaves(magnitude)
    if len(magnitude_leaves) != len(reference_leaves):
        raise ValueError(f"magnitude: expected {len(reference_leaves)} arrays like the result, got "
                         f"{len(magnitude_leaves)}")
    worst = 0.0
    for fast_leaf, reference_leaf, magnitude_leaf in zip(fast_leaves, reference_leaves, magnitude_leaves):
        if fast_leaf.shape != reference_leaf.shape:
            return float("inf")
        if not np.issubdtype(reference_leaf.dtype, np.floating):
            if not np.array_equal(fast_leaf, reference_leaf):
                return float("inf")
            continue
        fast_leaf = fast_leaf.astype(np.float64)
        if fast_leaf.size == 0:
            continue
        finite = np.isfinite(reference_leaf)
        if not np.array_equal(finite, np.isfinite(fast_leaf)) or not np.array_equal(
                fast_leaf[~finite], reference_leaf[~finite], equal_nan=True):
            return float("inf")
        if not np.any(finite):
            continue
        fast_leaf, reference_leaf = fast_leaf[finite], reference_leaf[finite]
        if magnitude_leaf is not None:
            magnitude_leaf = np.broadcast_to(np.asarray(magnitude_leaf, dtype=np.float64), finite.shape)[finite]
            magnitude_leaf = np.where(np.isfinite(magnitude_leaf), magnitude_leaf, 0.0)
        scale = max(float(np.max(np.abs(reference_leaf))), floor)
        if magnitude_leaf is not None and np.size(magnitude_leaf):
            scale = max(scale, float(np.max(np.abs(magnitude_leaf))))
        difference = float(np.max(np.abs(fast_leaf - reference_leaf)))
        if scale == 0.0:
            worst = max(worst, 0.0 if difference == 0.0 else float("inf"))
        else:
            worst = max(worst, difference / scale)
    return worst


TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def underflow_floor(dtype_name: str, rtol: float) -> float:
    """The least scale of a comparison, tiny / rtol (tiny = the dtype's smallest normal number): a difference of
    about tiny, a value the dtype cannot hold (1e-90 in float32), is rounding of the range, not an error."""
    return float(np.finfo(dtype_name).tiny) / rtol


def run_trial(pair: Pair, size: int, seed: int, dtype_name: str, device: torch.device | str = "cpu") -> Trial:
    """Draw one input of `size` from `seed`, run both sides, and measure their relative error."""
    return run_sample(pair, pair.sample(np.random.default_rng(seed), size), dtype_name, device, size=size, seed=seed)


def run_edge(pair: Pair, index: int, dtype_name: str, device: torch.device | str = "cpu") -> Trial:
    """Run both sides on the pair's edge input number `index` and measure their relative error."""
    return run_sample(pair, pair.edges[index], dtype_name, device, size=0, seed=-1, edge=index)


def run_sample(pair: Pair, sample: Sample, dtype_name: str, device: torch.device | str = "cpu", *, size: int,
               seed: int, edge: int | None = None) -> Trial:
    """Run both sides on one sample rounded to `dtype_name` and measure their relative error."""
    device = torch.device(device)
    dtype = TORCH_DTYPES[dtype_name]
    args = round_to_dtype(sample.args, dtype_name)
    kwargs = round_to_dtype(sample.kwargs, dtype_name)
    start = time.perf_counter()
    reference_result = pair.reference(*args, **kwargs)
    fast_result = pair.fast(*to_torch(args, dtype, device), **to_torch(kwargs, dtype, device))
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    magnitude = None if pair.magnitude is None else pair.magnitude(*args, **kwargs)
    rtol = float(pair.rtol[dtype_name])
    error = relative_error(fast_result, reference_result, magnitude, underflow_floor(dtype_name, rtol))
    float64_error = None
    if error > rtol and dtype_name != "float64":
        float64_result = pair.fast(*to_torch(args, torch.float64, device), **to_torch(kwargs, torch.float64, device))
        float64_error = relative_error(float64_result, reference_result, magnitude,
                                       underflow_floor("float64", DEFAULT_RTOL["float64"]))
    return Trial(pair.name, dtype_name, size, seed, sample.label, error, rtol, seconds, edge, float64_error)


@dataclass(frozen=True)
class PairReport:
    """Every trial of one pair: how many inputs, the largest error, and the smallest input that failed."""

    pair: str
    dtype: str
    trials: tuple[Trial, ...]
    rtol: float
    error: str | None = None

    @property
    def inputs(self) -> int:
        return len(self.trials)

    @property
    def max_error(self) -> float:
        return max((trial.error for trial in self.trials), default=float("inf") if self.error else 0.0)

    @property
    def passed(self) -> bool:
        return self.error is None and all(trial.passed for trial in self.trials)

    @property
    def seconds(self) -> float:
        return sum(trial.seconds for trial in self.trials)

    @property
    def smallest_failure(self) -> Trial | None:
        failures = [trial for trial in self.trials if not trial.passed]
        return min(failures, key=lambda trial: (trial.size, trial.edge or 0, trial.seed)) if failures else None

    def to_json(self) -> dict:
        failure = self.smallest_failure
        return {
            "pair": self.pair,
            "dtype": self.dtype,
            "inputs": self.inputs,
            "max_relative_error": self.max_error,
            "rtol": self.rtol,
            "passed": self.passed,
            "seconds": round(self.seconds, 4),
            "error": self.error,
            "smallest_failure": None if failure is None else {
                "size": failure.size, "label": failure.label, "seed": failure.seed, "edge": failure.edge,
                "relative_error": failure.error},
        }


def run_pair(pair: Pair, base_seed: int, trials: int, dtype_name: str, device="cpu") -> PairReport:
    """The pair's edge inputs, then `trials` fresh inputs at each of its sizes, smallest first; an exception ends
    the pair as failed."""
    results = []
    try:
        for index in range(len(pair.edges)):
            results.append(run_edge(pair, index, dtype_name, device))
        for size in sorted(pair.sizes):
            for trial in range(trials):
                results.append(run_trial(pair, size, trial_seed(base_seed, pair.name, size, trial), dtype_name, device))
    except Exception as error:  # a crash of either side is a failed pair, reported with its message
        return PairReport(pair.name, dtype_name, tuple(results), float(pair.rtol[dtype_name]),
                          f"{type(error).__name__}: {error}")
    return PairReport(pair.name, dtype_name, tuple(results), float(pair.rtol[dtype_name]))


def mlp_magnitude(layers, x: np.ndarray, activation: str) -> np.ndarray:
    """M_L with M_0 = |x|, M_l = |W_l| H_{l-1} + |b_l|, H = M (H = max(M, 1) after a sigmoid): a bound on the
    terms each layer sums, |h_{l-1}| |W_l^T| + |b_l|, and on the rounding carried from the layers below, since
    every hidden activation is 1-Lipschitz and relu, leaky_relu, tanh and the identity keep |g(a)| <= |a|."""
    bound = np.abs(np.asarray(x, dtype=np.float64))
    for index, (W, b) in enumerate(layers):
        if index and activation == "sigmoid":
            bound = np.maximum(bound, 1.0)
        bound = bound @ np.abs(np.asarray(W, dtype=np.float64)).T + np.abs(np.asarray(b, dtype=np.float64))
    return bound
