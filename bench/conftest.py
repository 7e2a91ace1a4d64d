"""Options and fixtures of the bench/ suites (pytest-benchmark).

Every benchmark records, in `benchmark.extra_info`, what `elbocheck bench` needs for its report:
  algorithm     the module name, e.g. "bigram_em"
  case          a label of the input size, e.g. "V=20000 m=64"
  size          a number for the x axis of the plot (tokens, images, N, ...)
  impl          "reference", "fast" or "peer"
  peer          the name of the peer (e.g. "scikit-learn NMF"), for impl == "peer"
  quality_name  what the quality figure is ("log-likelihood per token", "held-out ELBO", "relative error")
  quality       its value, measured on the same run
and optionally `bytes` or `flops` per call, from which the report derives bandwidth or FLOP rate.
Cases marked `quick` are the only ones `--quick` runs.

fast and peer are timed in one benchmark (`measure` with both), their calls interleaved round by round, so that a
change of machine load falls on both; that benchmark's extra_info holds `interleaved`: {impl: the fields above plus
`seconds`, `rounds` and `timer`}, which the report reads as two measurements.
"""

import pytest

from elbocheck.bench.prepared import measure_interleaved



def pytest_addoption(parser):
    parser.addoption("--quick", action="store_true", default=False, help="run only the cases marked quick")
    parser.addoption("--device", default="auto", help="cpu, cuda, or auto (CUDA when present)")


def pytest_configure(config):
    config.addinivalue_line("markers", "quick: a case that `elbocheck bench --quick` runs")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--quick"):
        return
    selected = [item for item in items if "quick" in item.keywords]
    deselected = [item for item in items if "quick" not in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(scope="session")
def device(request):
    from elbocheck.device import resolve_device

    return resolve_device(request.config.getoption("--device"))


@pytest.fixture(scope="session")
def device_label(device):
    """The name of the device the fast code runs on, for `extra_info["device"]`."""
    from elbocheck.device import device_name

    return device_name(device)


@pytest.fixture(scope="session")
def sync(device):
    """A callable that waits for the device's queued work, to end each timed call on CUDA."""
    from elbocheck.device import synchronize

    return lambda: synchronize(device)


@pytest.fixture
def timed(benchmark, device):
    """benchmark.pedantic(fn, rounds, warmup_rounds) that, on CUDA, also brackets every timed call with CUDA
    events and records their median in extra_info["cuda_event_seconds"] (the report prefers it to the host
    clock). The function is called exactly as often as pedantic alone would call it. Pass cuda_events=False for
    work that runs on the CPU (the reference, most peers)."""

    def run(fn, rounds: int, warmup_rounds: int = 1, cuda_events: bool = True):
        if device.type != "cuda" or not cuda_events:
            return benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=warmup_rounds)
        import statistics

        import torch

        events = []

        def bracketed():
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            result = fn()
            end.record()
            events.append((start, end))
            return result

        result = benchmark.pedantic(bracketed, rounds=rounds, iterations=1, warmup_rounds=warmup_rounds)
        torch.cuda.synchronize(device)
        timed_events = events[warmup_rounds:]
        benchmark.extra_info["cuda_event_seconds"] = statistics.median(
            start.elapsed_time(end) / 1e3 for start, end in timed_events)
        return result

    return run


@pytest.fixture(scope="session")
def l2_cache_bytes(device) -> int:
    """The device's L2 cache size (0 on the CPU, where the benchmarks do not rotate inputs)."""
    if device.type != "cuda":
        return 0
    import torch

    return int(getattr(torch.cuda.get_device_properties(device), "L2_cache_size", 0))


@pytest.fixture
def rotating(l2_cache_bytes):
    """rotating(make, nbytes) -> a callable returning a fresh copy each call, cycling through enough copies of
    make() (each of nbytes) that together they exceed twice the L2 cache, so no timed call finds its input
    already cached by the previous one."""
    import itertools
    import math

    def cycle(make, nbytes: int):
        copies = max(1, math.ceil(2 * l2_cache_bytes / max(nbytes, 1))) if l2_cache_bytes else 1
        return itertools.cycle([make() for _ in range(copies)]).__next__

    return cycle


@pytest.fixture
def measure(benchmark, device):
    """measure({impl: Prepared}, warmup_rounds=1): elbocheck.bench.prepared.measure_interleaved on this test's
    benchmark and device."""
    return lambda prepared, warmup_rounds=1: measure_interleaved(benchmark, device, prepared, warmup_rounds)
