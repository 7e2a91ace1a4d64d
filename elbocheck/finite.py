"""Stopping a run whose numbers stop being numbers: a loss, a log-likelihood or a parameter that became NaN or
infinite ends the run with NonFiniteError (one line and exit code 1 at the command line) before anything built
on it is written."""

from __future__ import annotations

import math


class NonFiniteError(ArithmeticError):
    """A run's loss, objective or parameters became NaN or infinite."""


def count_non_finite(value) -> int:
    """How many entries of `value` (a float, a NumPy array, a torch tensor, or an iterable of those, such as a
    module's parameters) are NaN or infinite."""
    if isinstance(value, (int, float)):
        return 0 if math.isfinite(value) else 1
    if isinstance(value, (str, bytes)) or value is None:
        return 0
    module = type(value).__module__
    if module.startswith("torch"):
        import torch

        if isinstance(value, torch.Tensor):
            if not (value.is_floating_point() or value.is_complex()):
                return 0
            return int((~torch.isfinite(value.detach())).sum())
    if module.startswith("numpy"):
        import numpy as np

        array = np.asarray(value)
        return int((~np.isfinite(array)).sum()) if np.issubdtype(array.dtype, np.inexact) else 0
    if isinstance(value, dict):
        return sum(count_non_finite(item) for item in value.values())
    return sum(count_non_finite(item) for item in value)


def require_finite(what: str, value, when: str, hint: str = "") -> None:
    """NonFiniteError saying that `what` is not finite `when` (e.g. 'at epoch 3'), with `hint` (what to change),
    if any entry of `value` is NaN or infinite."""
    bad = count_non_finite(value)
    if not bad:
        return
    if isinstance(value, (int, float)):
        shown = "NaN" if math.isnan(value) else ("+inf" if value > 0 else "-inf")
        message = f"{what} became {shown} {when}"
    else:
        message = f"{what}: {bad} value{'s' if bad != 1 else ''} became NaN or infinite {when}"
    raise NonFiniteError(message + (f"; {hint}" if hint else ""))
