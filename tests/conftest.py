"""Hypothesis profiles and the GPU marker.

HYPOTHESIS_PROFILE selects the profile: `ci` (the default: few examples, derandomized, no deadline) or `dev`
(more examples, random).
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=15,
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
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    import torch

    if torch.cuda.is_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device; none is present (the CPU path runs in the other tests)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)
