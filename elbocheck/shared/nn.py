"""Dense layers as both implementations lay them out: a multilayer perceptron is a list of (W, b) with W of shape
(out, in) and b of shape (out,), the layout of `torch.nn.Linear`; a layer computes a = h @ W.T + b, h' = g(a)."""

from __future__ import annotations

import numpy as np

LEAKY_SLOPE = 0.01
ACTIVATION_NAMES = ("relu", "tanh", "leaky_relu", "sigmoid", "identity")


def check_activation(name: str) -> str:
    """`name` itself if it is one of ACTIVATION_NAMES; ValueError naming `activation` otherwise."""
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"activation: expected one of {sorted(ACTIVATION_NAMES)}, got {name!r}")
    return name


def init_mlp(sizes: list[int], rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Weights and biases drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as torch.nn.Linear draws them, in NumPy
    float64: layer l has W of shape (sizes[l+1], sizes[l]). ValueError unless `sizes` holds two or more positive
    widths."""
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        raise ValueError(f"sizes: expected at least two positive layer widths, got {sizes!r}")
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, size=(fan_out, fan_in))
        b = rng.uniform(-bound, bound, size=(fan_out,))
        params.append((W, b))
    return params
