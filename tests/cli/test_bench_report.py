"""What `elbocheck bench` records about the machine (load, CPU frequency scaling) and how fast and peer are timed
together (bench/prepared.py) and read back (elbocheck.benchreport); no timing is asserted."""

import os

import pytest
import torch

from elbocheck import benchreport
from elbocheck.bench.prepared import Prepared, measure_interleaved
from elbocheck.benchrun import cpu_frequency_scaling, load_average


def test_cpu_frequency_scaling_reads_cpufreq_and_says_unknown_without_it(tmp_path):
    assert cpu_frequency_scaling(str(tmp_path)).startswith(f"unknown (no {tmp_path}/cpu*/cpufreq")
    for cpu, current in (("cpu0", "2400000"), ("cpu1", "3100000")):
        folder = tmp_path / cpu / "cpufreq"
        folder.mkdir(parents=True)
        (folder / "scaling_governor").write_text("performance\n")
        (folder / "scaling_cur_freq").write_text(current + "\n")
        (folder / "scaling_min_freq").write_text("1200000\n")
        (folder / "scaling_max_freq").write_text("3500000\n")
    assert cpu_frequency_scaling(str(tmp_path)) == \
        "2 CPUs with cpufreq; governor performance; current 2400-3100 MHz; range 1200-3500 MHz"


def test_load_average_is_the_three_figures_of_getloadavg():
    figures = [float(part) for part in load_average().split(", ")]
    assert len(figures) == 3 and all(value >= 0 for value in figures)
    assert hasattr(os, "getloadavg")


class RecordingBenchmark:
    """pytest-benchmark's pedantic, calling the function warmup_rounds + rounds times."""

    def __init__(self):
        self.extra_info = {}

    def pedantic(self, function, rounds, iterations, warmup_rounds):
        for _ in range(warmup_rounds + rounds):
            function()


def test_fast_and_peer_calls_alternate_and_are_recorded_apart():
    calls = []
    prepared = {
        "fast": Prepared(lambda: calls.append("fast") or 1.0, {"algorithm": "toy", "impl": "fast", "case": "n=1"},
                         rounds=4, on_device=True, quality=lambda: 0.5),
        "peer": Prepared(lambda: calls.append("peer") or 2.0, {"algorithm": "toy", "impl": "peer", "case": "n=1",
                                                               "peer": "other"}, rounds=6),
    }
    benchmark = RecordingBenchmark()
    measure_interleaved(benchmark, torch.device("cpu"), prepared, warmup_rounds=1)
    assert calls == ["fast", "peer", "peer", "fast", "fast", "peer", "peer", "fast", "fast", "peer"]
    records = benchmark.extra_info["interleaved"]
    assert records["fast"]["rounds"] == records["peer"]["rounds"] == 4
    assert records["fast"]["quality"] == 0.5 and "quality" not in records["peer"]
    assert records["fast"]["timer"] == "host clock" and records["fast"]["seconds"] >= 0
    assert prepared["peer"].results == [2.0] and prepared["fast"].results == [1.0]

    raw = {"benchmarks": [{"name": "test_toy[fast-peer]", "stats": {"median": 9.0, "rounds": 4},
                           "extra_info": benchmark.extra_info}]}
    found = {measurement.impl: measurement for measurement in benchreport.measurements(raw)}
    assert set(found) == {"fast", "peer"}
    assert found["fast"].seconds == records["fast"]["seconds"] and found["peer"].peer == "other"
    assert found["fast"].quality == 0.5 and found["peer"].quality is None and found["fast"].rounds == 4


def test_one_implementation_is_recorded_flat_as_before():
    benchmark = RecordingBenchmark()
    measure_interleaved(benchmark, torch.device("cpu"),
                        {"reference": Prepared(lambda: None, {"algorithm": "toy", "impl": "reference"}, rounds=2,
                                               quality=lambda: 1.5)})
    assert benchmark.extra_info == {"algorithm": "toy", "impl": "reference", "quality": 1.5}


@pytest.mark.gpu
def test_device_calls_are_timed_by_cuda_events_on_a_gpu():
    benchmark = RecordingBenchmark()
    device = torch.device("cuda")
    x = torch.ones(1000, device=device)
    measure_interleaved(benchmark, device, {
        "fast": Prepared(lambda: x * 2, {"algorithm": "toy", "impl": "fast"}, rounds=3, on_device=True),
        "peer": Prepared(lambda: (x * 2).cpu(), {"algorithm": "toy", "impl": "peer"}, rounds=3, on_device=False)})
    records = benchmark.extra_info["interleaved"]
    assert records["fast"]["timer"] == "CUDA events" and records["peer"]["timer"] == "host clock"
