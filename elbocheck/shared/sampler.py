"""The tolerance and argument checks of the discrete sampler of seed 004 Problem 2, for `reference.sampler` and
`fast.sampler`."""

from __future__ import annotations

import numpy as np

SUM_TOLERANCE = 1e-5


def check_temperature(temperature) -> None:
    """Raise ValueError unless the temperature is a positive finite number."""
    if not (np.isfinite(float(temperature)) and float(temperature) > 0):
        raise ValueError(f"temperature: expected a positive finite number, got {temperature!r}")
