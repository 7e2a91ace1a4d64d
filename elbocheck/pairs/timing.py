"""Timing a user's function beside a pair's fast function, its reference and its peer, on the pair's sizes, with
each one's largest relative error against the reference beside its time.

Every size draws one input (seed from the run's seed), warms each implementation up with one call, then runs
rounds in which every implementation is called once, in an order that rotates from round to round, so that a
change of machine load falls on all of them alike. The time of an implementation is the median over rounds: CUDA
events around the call for work on a GPU, the host clock otherwise (the reference always runs on the CPU).
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from elbocheck.benchreport import format_seconds
from elbocheck.pairs.candidate import CallTimedOut, call_with_limit, first_line, judge, to_numpy
from elbocheck.pairs.core import TORCH_DTYPES, Pair, round_to_dtype, to_torch, trial_seed

IMPLEMENTATIONS = ("candidate", "fast", "reference", "peer")


@dataclass
class Timing:
    """One implementation at one size: median seconds, rounds, largest relative error against the reference, or
    why it has none (it raised, it ran past the time limit)."""

    seconds: float | None = None
    rounds: int = 0
    error: float | None = None
    problem: str | None = None
    timer: str = "host clock"


@dataclass
class SizeRow:
    size: int
    label: str
    timings: dict[str, Timing] = field(default_factory=dict)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed_call(function: Callable, args, kwargs, device: torch.device, on_device: bool) -> tuple[Any, float, str]:
    """(result, seconds, timer): CUDA events when the call runs on a GPU, else the host clock."""
    if on_device and device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        result = function(*args, **kwargs)
        end.record()
        torch.cuda.synchronize(device)
        return result, start.elapsed_time(end) / 1e3, "CUDA events"
    begin = time.perf_counter()
    result = function(*args, **kwargs)
    _synchronize(device)
    return result, time.perf_counter() - begin, "host clock"


def bench_candidate(pair: Pair, candidate: Callable, *, dtype: str = "float32", device="cpu", seed: int = 0,
                    numpy: bool = False, time_limit: float | None = 10.0, budget_seconds: float = 0.5,
                    max_rounds: int = 50, min_rounds: int = 3) -> list[SizeRow]:
    """One row per size of the pair (its bench_sizes, else its sizes): each implementation's median time and its
    largest relative error against the reference. `budget_seconds` bounds the rounds from the warm-up times."""
    device = torch.device(device)
    torch_dtype = TORCH_DTYPES[dtype]
    candidate = pair.adapt(candidate) if pair.adapt is not None else candidate
    rtol = float(pair.rtol[dtype])
    rows = []
    for size in sorted(pair.bench_sizes or pair.sizes):
        sample = pair.sample(np.random.default_rng(trial_seed(seed, pair.name, size, 0)), size)
        args, kwargs = round_to_dtype(sample.args, dtype), round_to_dtype(sample.kwargs, dtype)
        device_args, device_kwargs = to_torch(args, torch_dtype, device), to_torch(kwargs, torch_dtype, device)
        own_args, own_kwargs = ((to_numpy(args, dtype), to_numpy(kwargs, dtype)) if numpy else
                                (to_torch(round_to_dtype(sample.args, dtype), torch_dtype, device),
                                 to_torch(round_to_dtype(sample.kwargs, dtype), torch_dtype, device)))
        calls: dict[str, tuple[Callable, tuple, dict, bool]] = {
            "candidate": (candidate, own_args, own_kwargs, not numpy),
            "fast": (pair.fast, device_args, device_kwargs, True),
            "reference": (pair.reference, args, kwargs, False),
        }
        if pair.peer is not None:
            calls["peer"] = (pair.peer, device_args, device_kwargs, True)
        row = SizeRow(size, sample.label)
        reference_result = pair.reference(*args, **kwargs)
        magnitude = None if pair.magnitude is None else pair.magnitude(*args, **kwargs)
        warm = {}
        for name, (function, call_args, call_kwargs, on_device) in calls.items():
            timing = row.timings.setdefault(name, Timing())
            try:
                limit = time_limit if name == "candidate" else None
                result, seconds = call_with_limit(function, call_args, call_kwargs, limit)
                _synchronize(device)
            except CallTimedOut:
                timing.problem = f"took more than {time_limit:g} s"
                continue
            except Exception as error:  # noqa: BLE001 - a failing implementation is a row, not a traceback
                timing.problem = f"raised {type(error).__name__}: {first_line(error)}"
                continue
            verdict = judge(result, reference_result, None, rtol, magnitude)
            timing.error = verdict.error
            if verdict.kind in (None, "tolerance") and verdict.error > rtol:
                timing.problem = f"outside rtol {rtol:g}"
            elif verdict.kind not in (None, "tolerance"):
                timing.problem = verdict.problem
            warm[name] = max(seconds, 1e-7)
        rounds = max(min_rounds, min(max_rounds, int(budget_seconds / max(warm.values(), default=1.0))))
        order = [name for name in calls if name in warm]
        samples: dict[str, list[float]] = {name: [] for name in order}
        for round_number in range(rounds if order else 0):
            shift = round_number % len(order)
            for name in order[shift:] + order[:shift]:
                function, call_args, call_kwargs, on_device = calls[name]
                _, seconds, timer = _timed_call(function, call_args, call_kwargs, device, on_device)
                samples[name].append(seconds)
                row.timings[name].timer = timer
        for name, values in samples.items():
            row.timings[name].seconds = statistics.median(values)
            row.timings[name].rounds = len(values)
        rows.append(row)
    return rows


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "-"
    if timing.problem is not None and timing.seconds is None:
        return timing.problem
    error = "-" if timing.error is None else ("inf" if math.isinf(timing.error) else f"{timing.error:.1e}")
    cell = f"{format_seconds(timing.seconds)} (err {error})"
    return f"{cell}; {timing.problem}" if timing.problem else cell


def candidate_failures(rows: list[SizeRow]) -> list[int]:
    """The sizes at which the candidate raised, ran past the time limit, or does not match the reference."""
    return [row.size for row in rows if "candidate" in row.timings and row.timings["candidate"].problem]


def format_rows(rows: list[SizeRow], pair: Pair, candidate_name: str, dtype: str, device: str,
                load: tuple[str, str] = ("unknown", "unknown")) -> str:
    """A Markdown table: per size, each implementation's median time with its error, and candidate vs fast; the
    load averages before and after; a FAIL line when the candidate does not match the reference."""
    names = [name for name in IMPLEMENTATIONS if any(name in row.timings for row in rows)]
    titles = {"peer": f"peer ({pair.peer_name})" if pair.peer_name else "peer",
              "candidate": f"candidate ({candidate_name})"}
    timers = sorted({timing.timer for row in rows for timing in row.timings.values() if timing.seconds is not None})
    lines = [
        f"bench {candidate_name} as {pair.name}, {dtype}, on {device} (reference on the CPU in float64); medians "
        f"of interleaved rounds ({', '.join(timers) or 'no timer'}); err = largest relative error against the "
        f"reference (rtol {pair.rtol[dtype]:g}); load average {load[0]} before, {load[1]} after",
        "",
        "| size | input | " + " | ".join(titles.get(name, name) for name in names) + " | fast time / candidate time |",
        "|---|---|" + "---:|" * len(names) + "---:|",
    ]
    for row in rows:
        candidate, fast = row.timings.get("candidate"), row.timings.get("fast")
        ratio = "-"
        if candidate and fast and candidate.seconds and fast.seconds:
            ratio = f"{fast.seconds / candidate.seconds:.2f}x"
        cells = " | ".join(_cell(row.timings.get(name)) for name in names)
        lines.append(f"| {row.size} | {row.label} | {cells} | {ratio} |")
    failing = candidate_failures(rows)
    if failing:
        lines += ["", f"FAIL: the candidate does not match the reference at size{'s' if len(failing) > 1 else ''} "
                      f"{', '.join(map(str, failing))}; `elbocheck crosscheck --candidate {candidate_name} --pair "
                      f"{pair.name}` shows the smallest failing input"]
    return "\n".join(lines)


def rows_to_json(rows: list[SizeRow]) -> list[dict]:
    """The rows for elbocheck._io.strict_json (an infinite error stays a float, written null and named there)."""
    return [{"size": row.size, "label": row.label, "timings": {
        name: {"seconds": timing.seconds, "rounds": timing.rounds, "relative_error": timing.error,
               "problem": timing.problem, "timer": timing.timer}
        for name, timing in row.timings.items()}} for row in rows]
