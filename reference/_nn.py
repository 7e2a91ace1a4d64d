"""Dense layers and elementwise activations in NumPy float64, each backward pass written next to its forward.

Parameters of a multilayer perceptron are a list of (W, b) with W of shape (out, in) and b of shape (out,),
the layout of `torch.nn.Linear`, so that `fast` can take the same weights. A layer computes
a = h @ W.T + b and h' = g(a).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from elbocheck.shared.nn import LEAKY_SLOPE, check_activation


def relu(a: np.ndarray) -> np.ndarray:
    """g(a) = max(a, 0)."""
    return np.maximum(a, 0.0)


def relu_grad(a: np.ndarray) -> np.ndarray:
    """g'(a) = 1 for a > 0, else 0 (the subgradient PyTorch takes at 0)."""
    return (a > 0).astype(np.float64)


def tanh(a: np.ndarray) -> np.ndarray:
    """g(a) = tanh(a)."""
    return np.tanh(a)


def tanh_grad(a: np.ndarray) -> np.ndarray:
    """g'(a) = 1 - tanh(a)^2."""
    return 1.0 - np.tanh(a) ** 2


def leaky_relu(a: np.ndarray) -> np.ndarray:
    """g(a) = a for a > 0, else 0.01 a."""
    return np.where(a > 0, a, LEAKY_SLOPE * a)


def leaky_relu_grad(a: np.ndarray) -> np.ndarray:
    """g'(a) = 1 for a > 0, else 0.01."""
    return np.where(a > 0, 1.0, LEAKY_SLOPE)


def sigmoid(a: np.ndarray) -> np.ndarray:
    """sigmoid(a) = 1 / (1 + exp(-a)), evaluated without overflow for large |a|."""
    out = np.empty_like(a, dtype=np.float64)
    positive = a >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-a[positive]))
    exp_a = np.exp(a[~positive])
    out[~positive] = exp_a / (1.0 + exp_a)
    return out


def sigmoid_grad(a: np.ndarray) -> np.ndarray:
    """sigmoid'(a) = sigmoid(a) sigmoid(-a)."""
    return sigmoid(a) * sigmoid(-a)


def identity(a: np.ndarray) -> np.ndarray:
    """g(a) = a."""
    return a


def identity_grad(a: np.ndarray) -> np.ndarray:
    """g'(a) = 1."""
    return np.ones_like(a)


ACTIVATIONS = {
    "relu": (relu, relu_grad),
    "tanh": (tanh, tanh_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "identity": (identity, identity_grad),
}


def activation(name: str):
    """The pair (g, g') for an activation name in ACTIVATIONS."""
    return ACTIVATIONS[check_activation(name)]


@dataclass
class MLPCache:
    """What the backward pass needs: each layer's input h and pre-activation a."""

    inputs: list[np.ndarray]
    preactivations: list[np.ndarray]


def mlp_forward(params, x: np.ndarray, hidden: str = "relu", output: str = "identity"):
    """h_0 = x, a_l = h_{l-1} W_l^T + b_l, h_l = g(a_l) (g = `output` on the last layer); returns (h_L, cache)."""
    inputs, preactivations = [], []
    h = x
    for index, (W, b) in enumerate(params):
        g, _ = activation(output if index == len(params) - 1 else hidden)
        a = h @ W.T + b  # (B, out)
        inputs.append(h)
        preactivations.append(a)
        h = g(a)
    return h, MLPCache(inputs, preactivations)


def mlp_backward(params, cache: MLPCache, grad_output: np.ndarray, hidden: str = "relu", output: str = "identity"):
    """The chain rule from the last layer down.

    With delta_l = dL/da_l = dL/dh_l * g'(a_l): dL/dW_l = delta_l^T h_{l-1}, dL/db_l = sum over the batch of
    delta_l, dL/dh_{l-1} = delta_l W_l. Returns ([(dW_l, db_l)], dL/dx).
    """
    grads = [None] * len(params)
    grad_h = grad_output
    for index in reversed(range(len(params))):
        W, _ = params[index]
        _, g_prime = activation(output if index == len(params) - 1 else hidden)
        delta = grad_h * g_prime(cache.preactivations[index])  # (B, out)
        grads[index] = (delta.T @ cache.inputs[index], delta.sum(axis=0))
        grad_h = delta @ W  # (B, in)
    return grads, grad_h
