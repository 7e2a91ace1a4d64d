"""Dense layers and activations in PyTorch, taking the (W, b) lists of `reference._nn`."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from elbocheck.shared.nn import LEAKY_SLOPE, check_activation

ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "leaky_relu": lambda a: F.leaky_relu(a, LEAKY_SLOPE),
    "sigmoid": torch.sigmoid,
    "identity": lambda a: a,
}


def activation(name: str):
    """The elementwise function for an activation name in ACTIVATIONS."""
    return ACTIVATIONS[check_activation(name)]


def init_mlp(sizes: list[int], generator: torch.Generator, dtype=torch.float32, device=None):
    """Weights and biases drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as torch.nn.Linear draws them."""
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        raise ValueError(f"sizes: expected at least two positive layer widths, got {sizes!r}")
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = fan_in ** -0.5
        W = (torch.rand(fan_out, fan_in, generator=generator, dtype=dtype) * 2 - 1) * bound
        b = (torch.rand(fan_out, generator=generator, dtype=dtype) * 2 - 1) * bound
        params.append((W.to(device), b.to(device)))
    return params


def mlp_forward(params, x: torch.Tensor, hidden: str = "relu", output: str = "identity") -> torch.Tensor:
    """h_l = g(h_{l-1} W_l^T + b_l), with g = `output` on the last layer."""
    h = x
    for index, (W, b) in enumerate(params):
        g = activation(output if index == len(params) - 1 else hidden)
        h = g(F.linear(h, W, b))
    return h
