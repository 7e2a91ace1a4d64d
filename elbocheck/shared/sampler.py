"""The tolerance and argument checks of the discrete sampler of seed 004 Problem 2, for `reference.sampler` and
`fast.sampler`."""

from __future__ import annotations

import numpy as np

SUM_TOLERANCE = 1e-5


def check_temperature(temperature) -> None:
    """Raise ValueError unless the temperature is a positive finite number."""
    if not (np.isfinite(float(temperature)) and float(temperature) > 0):
        raise ValueError(f"temperature: expected a positive finite number, got {temperature!r}")


def check_strings(strings, vocabulary: int) -> None:
    """Raise ValueError naming `strings` unless it is (N, T), T >= 1, of integer words in 0..vocabulary-1 (NumPy
    arrays and torch tensors alike)."""
    kind = str(strings.dtype)
    if strings.ndim != 2 or strings.shape[1] < 1 or not ("int" in kind):
        raise ValueError(f"strings: expected integer words of shape (N, T) with T >= 1, got {kind} of shape "
                         f"{tuple(strings.shape)}")
    if strings.shape[0] and bool(((strings < 0) | (strings >= vocabulary)).any()):
        raise ValueError(f"strings: expected words in 0..{vocabulary - 1}")
