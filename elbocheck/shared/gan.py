"""Argument checks of the GAN of seed 003 (23)-(35), for `reference.gan` and `fast.gan`."""

from __future__ import annotations

import numpy as np

from elbocheck.shared.nn import check_activation


def check_learning_rate(learning_rate) -> None:
    """Raise ValueError unless the learning rate is a positive finite number."""
    if not (np.isfinite(float(learning_rate)) and float(learning_rate) > 0):
        raise ValueError(f"learning_rate: expected a positive finite number, got {learning_rate!r}")


def check_gan_inputs(params_d, params_g, x, noise, hidden_d: str, hidden_g: str, all_finite=None) -> None:
    """Raise ValueError naming the argument unless the networks, data and noise fit together.

    The discriminator maps n inputs to one logit, the generator maps k noise inputs to n outputs, x is (B, n)
    and noise is (B', k), with B, B' >= 1 and every number finite. `all_finite(array) -> bool` lets torch
    tensors be checked by the same rules; it defaults to NumPy's.
    """
    all_finite = all_finite or (lambda array: bool(np.all(np.isfinite(array))))
    check_activation(hidden_d)
    check_activation(hidden_g)
    for name, params in (("params_d", params_d), ("params_g", params_g)):
        if len(params) == 0:
            raise ValueError(f"{name}: expected a non-empty list of (W, b) layers")
        for index, (W, b) in enumerate(params):
            if W.ndim != 2 or b.ndim != 1 or b.shape[0] != W.shape[0]:
                raise ValueError(f"{name}: layer {index} expected W of shape (out, in) and b of shape (out,)")
            if index and W.shape[1] != params[index - 1][0].shape[0]:
                raise ValueError(f"{name}: layer {index} takes {W.shape[1]} inputs but layer {index - 1} gives "
                                 f"{params[index - 1][0].shape[0]}")
            if not (all_finite(W) and all_finite(b)):
                raise ValueError(f"{name}: layer {index} has a NaN or infinite weight")
    if params_d[-1][0].shape[0] != 1:
        raise ValueError(f"params_d: the last layer must give one logit, it gives {params_d[-1][0].shape[0]}")
    inputs_d = params_d[0][0].shape[1]
    if params_g[-1][0].shape[0] != inputs_d:
        raise ValueError(f"params_g: the generator gives {params_g[-1][0].shape[0]} outputs but the discriminator "
                         f"takes {inputs_d}")
    for name, array, width in (("x", x, inputs_d), ("noise", noise, params_g[0][0].shape[1])):
        if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] != width:
            raise ValueError(f"{name}: expected shape (B, {width}) with B >= 1, got {tuple(array.shape)}")
        if not all_finite(array):
            raise ValueError(f"{name}: expected finite numbers, found NaN or infinity")
