"""What a benchmark hands to the `measure` fixture of bench/conftest.py (one implementation ready to time), the two
groups every suite times (the reference alone; fast and peer interleaved), and the interleaved timing itself."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

import pytest

GROUPS = [pytest.param(("reference",), id="reference"), pytest.param(("fast", "peer"), id="fast-peer")]


@dataclass
class Prepared:
    """One implementation ready to time: the call, its extra_info, its rounds, whether it runs on the device
    (timed with CUDA events on a GPU), and the quality figure to compute after timing."""

    call: Callable[[], object]
    info: dict
    rounds: int
    on_device: bool = False
    quality: Callable[[], float] | None = None
    results: list = field(default_factory=list)


def measure_interleaved(benchmark, device, prepared: dict[str, Prepared], warmup_rounds: int = 1) -> None:
    """Every implementation called once per round, in an order that rotates from round to round (fast, peer; then
    peer, fast; ...), after `warmup_rounds` untimed rounds, so that a change of machine load falls on all of them;
    each call timed by CUDA events when it runs on a GPU, else by the host clock. pytest-benchmark's `benchmark`
    times whole rounds; rounds are the fewest any implementation asks for. One implementation records its info
    flat in benchmark.extra_info (with cuda_event_seconds on a GPU); several record extra_info["interleaved"] =
    {impl: info with quality, seconds (the median), rounds and timer}."""
    names = list(prepared)
    times: dict[str, list[float]] = {name: [] for name in names}
    timers: dict[str, str] = {}
    counter = [0]

    def one_round():
        shift = counter[0] % len(names)
        counter[0] += 1
        for name in names[shift:] + names[:shift]:
            item = prepared[name]
            if item.on_device and getattr(device, "type", "cpu") == "cuda":
                import torch

                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                result = item.call()
                end.record()
                torch.cuda.synchronize(device)
                times[name].append(start.elapsed_time(end) / 1e3)
                timers[name] = "CUDA events"
            else:
                begin = time.perf_counter()
                result = item.call()
                times[name].append(time.perf_counter() - begin)
                timers[name] = "host clock"
            item.results[:] = [result]

    rounds = max(1, min(item.rounds for item in prepared.values()))
    benchmark.pedantic(one_round, rounds=rounds, iterations=1, warmup_rounds=warmup_rounds)
    records = {}
    for name, item in prepared.items():
        info = dict(item.info)
        if item.quality is not None:
            info["quality"] = item.quality()
        measured = times[name][warmup_rounds:]
        info.update(seconds=statistics.median(measured), rounds=len(measured), timer=timers[name])
        records[name] = info
    if len(records) == 1:
        (info,) = records.values()
        if info["timer"] == "CUDA events":
            info["cuda_event_seconds"] = info["seconds"]
        benchmark.extra_info.update({key: value for key, value in info.items()
                                     if key not in ("seconds", "rounds", "timer")})
    else:
        benchmark.extra_info["interleaved"] = records
