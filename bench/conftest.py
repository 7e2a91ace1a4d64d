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
"""

import pytest


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
    from fast._device import resolve_device

    return resolve_device(request.config.getoption("--device"))


@pytest.fixture(scope="session")
def device_label(device):
    """The name of the device the fast code runs on, for `extra_info["device"]`."""
    from fast._device import device_name

    return device_name(device)


@pytest.fixture(scope="session")
def sync(device):
    """A callable that waits for the device's queued work, to end each timed call on CUDA."""
    from fast._device import synchronize

    return lambda: synchronize(device)
