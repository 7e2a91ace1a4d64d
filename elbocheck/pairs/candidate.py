"""Checking a user's function (the candidate) against a pair's reference, where the pair calls its fast function.

The candidate receives exactly what the pair's `fast` receives: the sample's arguments rounded to the dtype under
test, float arrays as tensors of that dtype on the device (or, for a NumPy candidate, as NumPy arrays of that
dtype), integer arrays as int64. Its result is judged against the reference run in float64 on the same rounded
numbers, output by output: the same number of arrays, each of the reference's shape, of the dtype the pair's own
fast function returns, no NaN or infinity where the reference is finite, and a normwise relative error
max|candidate - reference| / max|reference| within the pair's tolerance for the dtype. A candidate that raises,
or runs longer than the time limit on one call, fails that input with a row saying so; nothing it does ends the
run with a traceback.

On a failure the smallest failing input is shrunk: first to fewer elements (fresh draws at the pair's sizes,
kept when they have fewer numbers and still fail the same way), then to simpler values (each float replaced by 0,
1, -1 or a rounding of itself, kept when the reference still accepts the input and the candidate still fails the
same way), as Hypothesis shrinks a counterexample.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from elbocheck.pairs.core import TORCH_DTYPES, Pair, Sample, leaves, round_to_dtype, to_torch, trial_seed
from elbocheck.pairs.core import underflow_floor
from elbocheck.pairs.signature import argument_names

DEFAULT_TIME_LIMIT = 10.0
SHRINK_DRAWS = 12
SHRINK_CALLS = 200
PROBLEMS = ("raised", "timed out", "structure", "shape", "dtype", "NaN", "infinity", "tolerance")


# ---------------------------------------------------------------- finding the pair and the candidate


def find_pair(name: str, option: str = "--pair") -> Pair:
    """The pair called `name`; ValueError naming `option`, with the closest names, when there is none."""
    from elbocheck.pairs import all_pairs

    known = {pair.name: pair for pair in all_pairs()}
    if name in known:
        return known[name]
    import difflib

    close = difflib.get_close_matches(name, known, n=3, cutoff=0.4)
    hint = f"did you mean {', '.join(close)}?" if close else "`elbocheck crosscheck --list` names every pair"
    raise ValueError(f"{option}: unknown pair {name!r}; {hint}")


def load_candidate(spec: str, option: str = "--candidate") -> Callable[..., Any]:
    """The function named by 'MODULE:FUNCTION', MODULE a dotted module path (`mypackage.kernels`, found from the
    current folder as `python -m` finds it, then sys.path) or a Python file (`kernels/mine.py`). ValueError naming `option` when the form is wrong, the module cannot be imported (or
    raises while it is), or it has no callable of that name."""
    module_part, colon, function_name = spec.rpartition(":")
    if not colon or not module_part or not function_name.isidentifier():
        raise ValueError(f"{option}: expected MODULE:FUNCTION (a module path or a .py file, then a function name), "
                         f"got {spec!r}")
    module = _import(module_part, option)
    if not hasattr(module, function_name):
        raise ValueError(f"{option}: {module_part} has no function {function_name!r}")
    function = getattr(module, function_name)
    if not callable(function):
        raise ValueError(f"{option}: {module_part}:{function_name} is a {type(function).__name__}, not a function")
    return function


@contextlib.contextmanager
def _current_folder_first():
    """The current folder at the front of sys.path for the block, as `python -m` has it (an installed console
    script has its own folder there instead)."""
    folder = os.getcwd()
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def _import(module_part: str, option: str):
    is_file = module_part.endswith(".py") or "/" in module_part or "\\" in module_part
    try:
        if not is_file:
            with _current_folder_first():
                return importlib.import_module(module_part)
        path = Path(module_part)
        if not path.is_file():
            raise ValueError(f"{option}: no Python file {module_part!r}")
        name = f"elbocheck_candidate_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    except ValueError as error:
        if str(error).startswith(option):
            raise
        raise ValueError(f"{option}: importing {module_part} raised ValueError: {first_line(error)}") from None
    except ModuleNotFoundError as error:
        raise ValueError(f"{option}: cannot import {module_part} ({first_line(error)})") from None
    except BaseException as error:  # noqa: BLE001 - any failure of the user's module is one line, exit 2
        if isinstance(error, KeyboardInterrupt):
            raise
        raise ValueError(f"{option}: importing {module_part} raised {type(error).__name__}: {first_line(error)}") \
            from None


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (its type's name when the message is empty)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# ---------------------------------------------------------------- converting and calling


def to_numpy(value, dtype_name: str):
    """Float arrays to NumPy arrays of `dtype_name`, integer arrays to int64, containers recursively."""
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            return value.astype(dtype_name)
        if value.dtype == np.bool_:
            return value.copy()
        return value.astype(np.int64)
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy(item, dtype_name) for item in value)
    if isinstance(value, dict):
        return {key: to_numpy(item, dtype_name) for key, item in value.items()}
    return value


class CallTimedOut(Exception):
    """The candidate ran past its time limit on one call."""


class ExitCalled(Exception):
    """The candidate called sys.exit (raised SystemExit): a failure of the candidate, not the end of the check."""


def call_with_limit(function: Callable, args: tuple, kwargs: dict, limit: float | None):
    """(function(*args, **kwargs), seconds). Past `limit` seconds the call is interrupted with CallTimedOut where
    the platform allows (an interval timer in the main thread on POSIX; a call inside native code stops when it
    returns to Python), and a call that returns after the limit raises CallTimedOut too. A call of sys.exit
    raises ExitCalled."""
    interruptible = (limit is not None and hasattr(signal, "setitimer")
                     and threading.current_thread() is threading.main_thread())
    previous = None
    if interruptible:
        def on_alarm(signum, frame):
            raise CallTimedOut()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    start = time.perf_counter()
    try:
        result = function(*args, **kwargs)
        if isinstance(result, torch.Tensor) and result.device.type == "cuda":
            torch.cuda.synchronize(result.device)
    except SystemExit as error:
        raise ExitCalled(f"the function called sys.exit({error.code!r})") from None
    finally:
        if interruptible:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    seconds = time.perf_counter() - start
    if limit is not None and seconds > limit:
        raise CallTimedOut()
    return result, seconds


# ---------------------------------------------------------------- judging one result


@dataclass(frozen=True)
class Leaf:
    """One array of a result, as NumPy, with the dtype it came in (None for a Python number)."""

    array: np.ndarray
    dtype: str | None


def result_leaves(value) -> list[Leaf]:
    """The arrays inside a result (tensor, array, number, or a tuple/list/dict/dataclass of them), in order."""
    if isinstance(value, torch.Tensor):
        return [Leaf(value.detach().cpu().numpy(), str(value.dtype).removeprefix("torch."))]
    if isinstance(value, np.ndarray):
        return [Leaf(value, str(value.dtype))]
    if isinstance(value, np.generic):
        return [Leaf(np.asarray(value), str(value.dtype))]
    if isinstance(value, (bool, int, float)):
        return [Leaf(np.asarray(value), None)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in result_leaves(item)]
    if isinstance(value, dict):
        return [leaf for key in value for leaf in result_leaves(value[key])]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [leaf for item in dataclasses.fields(value) for leaf in result_leaves(getattr(value, item.name))]
    raise TypeError(f"a result of type {type(value).__name__}")


@dataclass(frozen=True)
class Verdict:
    """How one candidate result compares: its relative error, the problem (None when within tolerance, else
    one of PROBLEMS with a sentence), and the first place the two differ (output number and index)."""

    error: float
    kind: str | None = None
    problem: str | None = None
    output: int | None = None
    index: tuple | None = None
    candidate_value: float | None = None
    reference_value: float | None = None


def _kind(dtype: str | None) -> str:
    if dtype is None:
        return "number"
    if dtype == "bool":
        return "bool"
    return "float" if dtype.startswith(("float", "complex")) else "integer"


def judge(candidate_result, reference_result, expected_dtypes: list[str | None] | None, rtol: float,
          magnitude=None, floor: float = 0.0) -> Verdict:
    """Compare a candidate's result with the reference's; `expected_dtypes` are the dtypes of the pair's own fast
    result, output by output (None where unknown). The scale of each output is the one `core.relative_error`
    takes: max |ref|, or the pair's `magnitude` of the terms summed where larger, and at least `floor`."""
    try:
        got = result_leaves(candidate_result)
    except TypeError as error:
        return Verdict(math.inf, "structure", f"returned {error}, not arrays or tensors")
    want = result_leaves(reference_result)
    if len(got) != len(want):
        return Verdict(math.inf, "structure",
                       f"returned {len(got)} array{'s' * (len(got) != 1)} where the reference returns {len(want)}")
    worst = Verdict(0.0)
    magnitudes = [None] * len(want) if magnitude is None else leaves(magnitude)
    for number, (leaf, ref) in enumerate(zip(got, want)):
        where = f"output {number}: " if len(want) > 1 else ""
        if leaf.array.shape != ref.array.shape:
            return Verdict(math.inf, "shape", f"{where}shape {leaf.array.shape} where the reference has "
                                              f"{ref.array.shape}", number)
        expected = expected_dtypes[number] if expected_dtypes and number < len(expected_dtypes) else None
        if leaf.dtype is not None and expected is not None:
            if _kind(leaf.dtype) != _kind(expected) or (_kind(expected) == "float" and leaf.dtype != expected):
                return Verdict(math.inf, "dtype", f"{where}dtype {leaf.dtype} where {expected} is expected", number)
        verdict = _compare_arrays(leaf.array, ref.array, rtol, number, where, magnitudes[number], floor)
        if verdict.kind is not None:
            return verdict
        if verdict.error > worst.error or worst.output is None:
            worst = verdict if verdict.error >= worst.error else worst
    return worst


def _compare_arrays(got: np.ndarray, ref: np.ndarray, rtol: float, number: int, where: str, magnitude=None,
                    floor: float = 0.0) -> Verdict:
    if not np.issubdtype(ref.dtype, np.floating):
        if got.size and not np.array_equal(got, ref):
            index = tuple(int(i) for i in np.argwhere(got != ref)[0])
            return Verdict(math.inf, "tolerance", f"{where}differs at index {index} (integers must match exactly)",
                           number, index, float(got[index]), float(ref[index]))
        return Verdict(0.0, output=number)
    if got.size == 0:
        return Verdict(0.0, output=number)
    got = got.astype(np.float64)
    finite = np.isfinite(ref)
    for name, bad in (("NaN", np.isnan(got) & finite), ("infinity", np.isinf(got) & finite)):
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            return Verdict(math.inf, name, f"{where}{'NaN' if name == 'NaN' else got[index]} at index {index} where "
                                           f"the reference is finite ({ref[index]:.6g})",
                           number, index, float(got[index]), float(ref[index]))
    mismatch = ~finite & ~((got == ref) | (np.isnan(got) & np.isnan(ref)))
    if mismatch.any():
        index = tuple(int(i) for i in np.argwhere(mismatch)[0])
        return Verdict(math.inf, "tolerance", f"{where}{got[index]} at index {index} where the reference is "
                                              f"{ref[index]}", number, index, float(got[index]), float(ref[index]))
    scale = max(float(np.max(np.abs(np.where(finite, ref, 0.0)), initial=0.0)), floor)
    if magnitude is not None:
        terms = np.broadcast_to(np.asarray(magnitude, dtype=np.float64), ref.shape)
        scale = max(scale, float(np.max(np.where(finite & np.isfinite(terms), np.abs(terms), 0.0), initial=0.0)))
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(np.where(finite, got - ref, 0.0))
    error = float(difference.max()) / scale if scale > 0 else (0.0 if difference.max() == 0 else math.inf)
    if error <= rtol:
        return Verdict(error, output=number)
    threshold = rtol * scale
    index = tuple(int(i) for i in np.argwhere(difference > threshold)[0])
    return Verdict(error, "tolerance", f"{where}relative error {error:.3g} (to the scale {scale:.3g} of the terms) outside rtol {rtol:g}", number, index,
                   float(got[index]), float(ref[index]))


# ---------------------------------------------------------------- one input


@dataclass(frozen=True)
class Outcome:
    """The candidate on one input: where the input came from, how far from the reference, what went wrong."""

    pair: str
    dtype: str
    size: int
    seed: int
    edge: int | None
    label: str
    rtol: float
    seconds: float
    verdict: Verdict
    sample: Sample = field(repr=False)
    reference_result: Any = field(repr=False, default=None)
    candidate_result: Any = field(repr=False, default=None)

    @property
    def passed(self) -> bool:
        return self.verdict.kind is None and self.verdict.error <= self.rtol

    @property
    def error(self) -> float:
        return self.verdict.error

    @property
    def origin(self) -> str:
        if self.edge is not None:
            return f"edge input {self.edge} ({self.label})"
        if self.seed < 0:
            return f"a shrunk input ({self.label.removesuffix(' (shrunk)')})"
        return f"numpy.random.default_rng({self.seed}) at size {self.size} ({self.label})"


def expected_dtypes(pair: Pair, args, kwargs, dtype: torch.dtype, device) -> list[str | None] | None:
    """The dtypes of the pair's own fast result on these arguments (None when fast cannot tell)."""
    try:
        return [leaf.dtype for leaf in result_leaves(pair.fast(*to_torch(args, dtype, device),
                                                               **to_torch(kwargs, dtype, device)))]
    except Exception:  # noqa: BLE001 - without fast's answer the dtype is not checked
        return None


def run_candidate_on(pair: Pair, candidate: Callable, sample: Sample, dtype_name: str, device, *, numpy: bool,
                     time_limit: float | None, size: int = 0, seed: int = -1, edge: int | None = None) -> Outcome:
    """Round the sample to the dtype, run the reference, the candidate and (for the expected dtypes) fast."""
    device = torch.device(device)
    args, kwargs = round_to_dtype(sample.args, dtype_name), round_to_dtype(sample.kwargs, dtype_name)
    rtol = float(pair.rtol[dtype_name])
    reference_result = pair.reference(*args, **kwargs)
    dtype = TORCH_DTYPES[dtype_name]
    expected = expected_dtypes(pair, args, kwargs, dtype, device)
    if numpy:
        call_args, call_kwargs = to_numpy(args, dtype_name), to_numpy(kwargs, dtype_name)
    else:
        # fresh copies: a candidate that writes into its inputs must not change the input the report shows
        call_args = to_torch(round_to_dtype(sample.args, dtype_name), dtype, device)
        call_kwargs = to_torch(round_to_dtype(sample.kwargs, dtype_name), dtype, device)
    candidate_result, seconds = None, 0.0
    try:
        candidate_result, seconds = call_with_limit(candidate, call_args, call_kwargs, time_limit)
    except CallTimedOut:
        verdict = Verdict(math.inf, "timed out", f"took more than the time limit of {time_limit:g} s on one call")
        seconds = float(time_limit or 0.0)
    except Exception as error:  # noqa: BLE001 - the candidate's own failure is a failing row, not a traceback
        verdict = Verdict(math.inf, "raised", f"raised {type(error).__name__}: {first_line(error)}")
    else:
        magnitude = None if pair.magnitude is None else pair.magnitude(*args, **kwargs)
        floor = underflow_floor(dtype_name, rtol)
        verdict = judge(candidate_result, reference_result, expected, rtol, magnitude, floor)
    return Outcome(pair.name, dtype_name, size, seed, edge, sample.label, rtol, seconds, verdict,
                   Sample(args, kwargs, sample.label), reference_result, candidate_result)


# ---------------------------------------------------------------- shrinking


def element_count(value) -> int:
    """How many numbers an input holds (arrays by size, containers summed, scalars 1)."""
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, (list, tuple)):
        return sum(element_count(item) for item in value)
    if isinstance(value, dict):
        return sum(element_count(item) for item in value.values())
    return 1


def _float_slots(value, path=()):
    """Paths to every float array inside an input."""
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        yield path
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            yield from _float_slots(item, path + (position,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _float_slots(item, path + (key,))


def _get(value, path):
    for step in path:
        value = value[step]
    return value


def _replace(value, path, new):
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    items = list(value)
    items[head] = _replace(items[head], rest, new)
    return type(value)(items) if not isinstance(value, list) else items


def complexity(x: float) -> tuple[int, float]:
    """How simple a number is, smaller first: 0, 1, -1, other integers, one decimal, three decimals, the rest."""
    if not math.isfinite(x):
        return (7, 0.0)
    rank = next(rank for rank, simple in enumerate((
        x == 0.0, x == 1.0, x == -1.0, x == round(x), x == round(x, 1), x == round(x, 3), True)) if simple)
    return (rank, abs(x))


def _simpler_values(x: float) -> list[float]:
    """Values strictly simpler than x, simplest first: 0, 1, -1, then x rounded to fewer digits."""
    if not math.isfinite(x):
        return []
    options = sorted({0.0, 1.0, -1.0, float(round(x)), float(np.round(x, 1)), float(np.round(x, 3))}, key=complexity)
    return [option for option in options if complexity(option) < complexity(x)]


def _array_complexity(array: np.ndarray) -> tuple[int, float]:
    ranks = [complexity(float(x)) for x in array.reshape(-1)]
    return (sum(rank for rank, _ in ranks), sum(size for _, size in ranks))


def shrink(pair: Pair, candidate: Callable, failure: Outcome, base_seed: int, *, device, numpy: bool,
           time_limit: float | None, calls: int = SHRINK_CALLS) -> Outcome:
    """A failing input with fewer elements and simpler values that fails the same way as `failure`."""
    if failure.verdict.kind == "timed out":
        return failure
    budget = [calls]
    kind = failure.verdict.kind

    def attempt(sample: Sample, **origin) -> Outcome | None:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
        try:
            outcome = run_candidate_on(pair, candidate, sample, failure.dtype, device, numpy=numpy,
                                       time_limit=time_limit, **origin)
        except Exception:  # noqa: BLE001 - the reference refuses this input: not a valid smaller one
            return None
        return outcome if not outcome.passed and outcome.verdict.kind == kind else None

    best = failure
    for size in sorted(pair.sizes):
        for draw in range(SHRINK_DRAWS):
            seed = trial_seed(base_seed, pair.name, size, 10_000 + draw)
            sample = pair.sample(np.random.default_rng(seed), size)
            if element_count(sample.args) + element_count(sample.kwargs) >= _count(best):
                continue
            found = attempt(sample, size=size, seed=seed)
            if found is not None:
                best = found
    return _simplify_values(best, attempt)


def _count(outcome: Outcome) -> int:
    return element_count(outcome.sample.args) + element_count(outcome.sample.kwargs)


def _simplify_values(best: Outcome, attempt) -> Outcome:
    for part in ("args", "kwargs"):
        for path in list(_float_slots(getattr(best.sample, part))):
            array = _get(getattr(best.sample, part), path)
            for candidate_array in (np.zeros_like(array), np.round(array), np.round(array, 1)):
                if _array_complexity(candidate_array) >= _array_complexity(array):
                    continue
                found = attempt(_with(best, part, path, candidate_array), size=best.size, seed=-1)
                if found is not None:
                    best = found
                    break
            array = _get(getattr(best.sample, part), path)
            for index in np.ndindex(array.shape):
                for value in _simpler_values(float(array[index])):
                    changed = array.copy()
                    changed[index] = value
                    found = attempt(_with(best, part, path, changed), size=best.size, seed=-1)
                    if found is not None:
                        best, array = found, changed
                        break
    return best


def _with(outcome: Outcome, part: str, path, array: np.ndarray) -> Sample:
    sample = outcome.sample
    label = sample.label if sample.label.endswith("(shrunk)") else f"{sample.label} (shrunk)"
    if part == "args":
        return Sample(tuple(_replace(sample.args, path, array)), sample.kwargs, label)
    return Sample(sample.args, _replace(sample.kwargs, path, array), label)


# ---------------------------------------------------------------- a whole run


@dataclass(frozen=True)
class CandidateReport:
    """Every input the candidate was tried on, and the smallest failing one shrunk."""

    candidate: str
    pair: str
    dtype: str
    device: str
    seed: int
    trials: int
    rtol: float
    outcomes: tuple[Outcome, ...]
    shrunk: Outcome | None
    argument_names: tuple[str, ...]
    skipped: int = 0

    @property
    def passed(self) -> bool:
        return all(outcome.passed for outcome in self.outcomes) and not self.skipped

    @property
    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.passed]

    @property
    def max_error(self) -> float:
        return max((outcome.error for outcome in self.outcomes), default=0.0)

    @property
    def seconds(self) -> float:
        return sum(outcome.seconds for outcome in self.outcomes)

    def problems(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.failures:
            counts[outcome.verdict.kind] = counts.get(outcome.verdict.kind, 0) + 1
        return counts

    def format(self) -> str:
        """The table row and, on a failure, the shrunk input with both outputs and the first difference."""
        verdict = "pass" if self.passed else "FAIL"
        width = max(len(self.pair), 4)
        lines = [
            f"candidate {self.candidate} as {self.pair}, {self.dtype} on {self.device}, seed {self.seed}, "
            f"{self.trials} trials per size",
            f"{'pair':<{width}}  {'inputs':>6}  {'max rel error':>13}  {'rtol':>7}  {'result':<6}  {'seconds':>8}",
            f"{self.pair:<{width}}  {len(self.outcomes):>6}  {self.max_error:>13.3e}  {self.rtol:>7.0e}  "
            f"{verdict:<6}  {self.seconds:>8.2f}",
        ]
        if self.passed:
            return "\n".join(lines)
        counts = ", ".join(f"{count} {kind}" for kind, count in self.problems().items())
        lines.append(f"\n{len(self.failures)} of {len(self.outcomes)} inputs fail ({counts})")
        if self.skipped:
            lines.append(f"{self.skipped} inputs not tried after a call ran past the time limit")
        first = min(self.failures, key=_failure_order)
        shown = self.shrunk or first
        lines.append(f"first failure: {first.origin}: {first.verdict.problem}")
        if self.shrunk is not None and self.shrunk is not first:
            lines.append(f"smallest failing input (shrunk to {_count(shown)} numbers): {shown.verdict.problem}")
        else:
            lines.append(f"smallest failing input ({_count(shown)} numbers): {shown.verdict.problem}")
        lines.extend(_describe_input(shown, self.argument_names))
        lines.append(f"  reference: {_show(shown.reference_result)}")
        ran = shown.verdict.kind not in ("raised", "timed out")
        lines.append(f"  candidate: {_show(shown.candidate_result) if ran else shown.verdict.problem}")
        if shown.verdict.index is not None:
            output = f"output {shown.verdict.output}, " if len(result_leaves(shown.reference_result)) > 1 else ""
            lines.append(f"  first difference: {output}index {shown.verdict.index}: candidate "
                         f"{shown.verdict.candidate_value!r}, reference {shown.verdict.reference_value!r}")
        lines.append(f"  seed: {self.seed} (the first failure is {first.origin})")
        return "\n".join(lines)

    def to_json(self) -> dict:
        """The report as a dict for elbocheck._io.strict_json: non-finite errors and values stay floats, which
        strict_json writes as null and names under "non_finite"."""
        first = min(self.failures, key=_failure_order) if self.failures else None
        shown = self.shrunk or first
        return {
            "candidate": self.candidate,
            "pair": self.pair,
            "dtype": self.dtype,
            "device": self.device,
            "seed": self.seed,
            "trials": self.trials,
            "inputs": len(self.outcomes),
            "failed": len(self.failures),
            "skipped_after_time_limit": self.skipped,
            "problems": self.problems(),
            "max_relative_error": float(self.max_error),
            "rtol": self.rtol,
            "passed": self.passed,
            "seconds": round(self.seconds, 4),
            "first_failure": None if first is None else {
                "origin": first.origin, "problem": first.verdict.kind, "message": first.verdict.problem},
            "smallest_failure": None if shown is None else {
                "origin": shown.origin,
                "problem": shown.verdict.kind,
                "message": shown.verdict.problem,
                "numbers": _count(shown),
                "arguments": {name: _jsonable(value) for name, value in
                              zip(self.argument_names, shown.sample.args)} | {
                    name: _jsonable(value) for name, value in shown.sample.kwargs.items()},
                "reference": _jsonable(shown.reference_result),
                "candidate": _jsonable(shown.candidate_result),
                "first_difference": None if shown.verdict.index is None else {
                    "output": shown.verdict.output, "index": list(shown.verdict.index),
                    "candidate": _float_or_none(shown.verdict.candidate_value),
                    "reference": _float_or_none(shown.verdict.reference_value)},
            },
        }


def _failure_order(outcome: Outcome):
    return (outcome.edge is None, outcome.size, _count(outcome))


def _describe_input(outcome: Outcome, names: tuple[str, ...]) -> list[str]:
    lines = []
    for name, value in list(zip(names, outcome.sample.args)) + list(outcome.sample.kwargs.items()):
        lines.append(f"  {name} = {_show(value)}")
    return lines


def _show(value) -> str:
    with np.printoptions(precision=17, threshold=60, edgeitems=4, linewidth=110, floatmode="unique"):
        if isinstance(value, torch.Tensor):
            return _show(value.detach().cpu().numpy())
        if isinstance(value, np.ndarray):
            return repr(value).replace("\n", " ").replace("  ", " ")
        if isinstance(value, (list, tuple)):
            inner = ", ".join(_show(item) for item in value)
            return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{key!r}: {_show(item)}" for key, item in value.items()) + "}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return f"{type(value).__name__}(" + ", ".join(
                f"{item.name}={_show(getattr(value, item.name))}" for item in dataclasses.fields(value)) + ")"
        return repr(value)


def _float_or_none(value):
    return None if value is None else float(value)


def _jsonable(value):
    """Arrays as nested lists, containers recursively; NaN and infinities stay floats for strict_json."""
    if isinstance(value, torch.Tensor):
        return _jsonable(value.detach().cpu().numpy())
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            return _jsonable(value.tolist())
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: _jsonable(getattr(value, item.name)) for item in dataclasses.fields(value)}
    return value


def check_candidate(pair: Pair, candidate: Callable, *, name: str = "", dtype: str = "float64", device="cpu",
                    trials: int = 3, seed: int = 0, numpy: bool = False,
                    time_limit: float | None = DEFAULT_TIME_LIMIT, shrink_failures: bool = True) -> CandidateReport:
    """The candidate on the pair's edge inputs and `trials` random inputs at each of its sizes, the smallest
    failure shrunk. After a call runs past `time_limit` the remaining inputs are skipped. `device`: 'cpu', 'cuda',
    'cuda:N', 'auto' or a torch.device; ValueError naming it when unknown or when CUDA is absent."""
    from elbocheck.device import device_name, resolve_device

    if dtype not in TORCH_DTYPES:
        raise ValueError(f"dtype: expected 'float32' or 'float64', got {dtype!r}")
    if int(trials) < 1:
        raise ValueError(f"trials: expected an integer >= 1, got {trials!r}")
    device = resolve_device(device)
    candidate = pair.adapt(candidate) if pair.adapt is not None else candidate
    plan = [(edge_sample, {"edge": index}) for index, edge_sample in enumerate(pair.edges)]
    for size in sorted(pair.sizes):
        for trial in range(int(trials)):
            trial_seed_value = trial_seed(seed, pair.name, size, trial)
            plan.append((None, {"size": size, "seed": trial_seed_value}))
    outcomes: list[Outcome] = []
    skipped = 0
    for position, (sample, origin) in enumerate(plan):
        if sample is None:
            sample = pair.sample(np.random.default_rng(origin["seed"]), origin["size"])
        outcome = run_candidate_on(pair, candidate, sample, dtype, device, numpy=numpy, time_limit=time_limit,
                                   **origin)
        outcomes.append(outcome)
        if outcome.verdict.kind == "timed out":
            skipped = len(plan) - position - 1
            break
    failures = [outcome for outcome in outcomes if not outcome.passed]
    shrunk = None
    if failures and shrink_failures:
        shrunk = shrink(pair, candidate, min(failures, key=_failure_order), seed, device=device, numpy=numpy,
                        time_limit=time_limit)
    names = tuple(argument_names(pair, outcomes[0].sample)) if outcomes else ()
    return CandidateReport(name or getattr(candidate, "__name__", "candidate"), pair.name, dtype,
                           device_name(device), seed, int(trials), float(pair.rtol[dtype]), tuple(outcomes), shrunk,
                           names, skipped)
