"""Hypothesis profiles, the GPU marker, and Ctrl-C reaching the tests.

HYPOTHESIS_PROFILE selects the profile:
- `ci` (the default): 60 examples per test, derandomized (the same examples on every run), no deadline. 60 is what
  the CI budget allows; the strategies carry the edges that decide numerics (cancellation near 0, magnitudes far
  from 1, infinities, the ends of [0, 1)) and `hypothesis.target` steers the cross-check toward its largest errors,
  so cases that once needed 60-130 random examples are drawn within the first few, and every counterexample ever
  found stays as an `@example`, run by every profile.
- `dev`: 100 examples, random, the deep run contributors make before each submission (README, Test).
"""

import os
import signal

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True, scope="session")
def interrupts_reach_the_tests():
    """Ctrl-C as in a terminal. A test run started in the background without job control (`pytest &` in a script,
    nohup) inherits SIGINT ignored, and the tests that interrupt a command (in this process or in a child, which
    inherits the ignoring) would see it run on."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield


def pytest_collection_modifyitems(config, items):
    import torch

    if torch.cuda.is_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device; none is present (the CPU path runs in the other tests)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)
