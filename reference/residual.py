"""Residual stacks with LayerNorm before or after the addition, and their input-output Jacobians, seed 003 (36)-(39).

Each layer l has its own branch A_l, a small MLP (the `reference._nn` layout). The placements:
  post     x_{l+1} = LayerNorm(x_l + A_l(x_l))        (the document's first choice, (37))
  pre      x_{l+1} = x_l + LayerNorm(A_l(x_l))        (the document's second choice, as it writes it, (38))
  prenorm  x_{l+1} = x_l + A_l(LayerNorm(x_l))        (the usual pre-LN transformer, for comparison)
LayerNorm here has no gain or bias: y = (x - mean(x)) / sqrt(var(x) + eps), var the biased variance, as
torch.nn.functional.layer_norm computes it. Jacobians are written by hand: the chain rule gives
dx_L/dx_l = J_{L-1} ... J_l with J_i = dx_{i+1}/dx_i (the product of (36)-(37) stops at i = L - 1; the document
runs it to i = L, claim 003-eq36, 003-eq37).
"""

from __future__ import annotations

import numpy as np

from elbocheck.reference._nn import activation, mlp_forward
from elbocheck.shared.residual import EPS, PLACEMENTS  # noqa: F401  (PLACEMENTS: public, as in fast.residual)
from elbocheck.shared.residual import check_placement as _check_placement
from elbocheck.shared.residual import check_start as _check_start


def _check_vector(x, name: str = "x0") -> np.ndarray:
    vector = np.asarray(x, dtype=np.float64)
    if vector.ndim != 1 or vector.shape[0] < 2:
        raise ValueError(f"{name}: expected a vector of shape (d,) with d >= 2, got shape {vector.shape}")
    return vector


def layer_norm(x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """LayerNorm(x) = (x - mu) / sigma over the last axis, mu = mean(x), sigma = sqrt(mean((x - mu)^2) + eps)."""
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(axis=-1, keepdims=True)
    sigma = np.sqrt(((x - mu) ** 2).mean(axis=-1, keepdims=True) + eps)
    return (x - mu) / sigma


def layer_norm_jacobian(x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """LayerNorm'(x)[i, j] = dy_i/dx_j = (delta_ij - 1/d - y_i y_j / d) / sigma, for x of shape (d,)."""
    x = _check_vector(x, "x")
    d = x.shape[0]
    mu = x.mean()
    sigma = np.sqrt(((x - mu) ** 2).mean() + eps)
    y = (x - mu) / sigma
    return (np.eye(d) - np.ones((d, d)) / d - np.outer(y, y) / d) / sigma


def mlp_jacobian(params, x: np.ndarray, hidden: str = "tanh") -> np.ndarray:
    """A'(x) = W_K diag(g'(a_{K-1})) W_{K-1} ... diag(g'(a_1)) W_1 for the MLP A with identity output; (out, in)."""
    x = _check_vector(x, "x")
    _, cache = mlp_forward(params, x[None, :], hidden=hidden, output="identity")
    jacobian = np.eye(x.shape[0])
    for index, (W, _) in enumerate(params):
        jacobian = W @ jacobian  # (out_k, in)
        if index < len(params) - 1:
            _, g_prime = activation(hidden)
            jacobian = g_prime(cache.preactivations[index][0])[:, None] * jacobian
    return jacobian


def branch(params, x: np.ndarray, hidden: str = "tanh") -> np.ndarray:
    """A(x): the layer's MLP, hidden activation `hidden`, identity output; x of shape (d,) or (B, d)."""
    x = np.asarray(x, dtype=np.float64)
    out, _ = mlp_forward(params, np.atleast_2d(x), hidden=hidden, output="identity")
    return out.reshape(x.shape[:-1] + out.shape[-1:])


def residual_layer(params, x: np.ndarray, placement: str, hidden: str = "tanh") -> np.ndarray:
    """x_{l+1} from x_l for one placement: LN(x + A(x)), x + LN(A(x)) or x + A(LN(x)), seed 003 (37)-(38)."""
    _check_placement(placement)
    if placement == "post":
        return layer_norm(x + branch(params, x, hidden))
    if placement == "pre":
        return x + layer_norm(branch(params, x, hidden))
    return x + branch(params, layer_norm(x), hidden)


def forward(layers, x0: np.ndarray, placement: str, hidden: str = "tanh") -> np.ndarray:
    """x_0, x_1, ..., x_L of the stack, one layer at a time; x0 of shape (d,) or (B, d), result (L+1, ...).

    Claims: 003-eq38.
    """
    _check_placement(placement)
    xs = [np.asarray(x0, dtype=np.float64)]
    for params in layers:
        xs.append(residual_layer(params, xs[-1], placement, hidden))
    return np.stack(xs)


def layer_jacobian(params, x: np.ndarray, placement: str, hidden: str = "tanh") -> np.ndarray:
    """J = dx_{l+1}/dx_l at x: LN'(x + A(x)) (I + A'(x)) for post (37), I + LN'(A(x)) A'(x) for pre (39),
    I + A'(LN(x)) LN'(x) for prenorm; (d, d).
    Claims: 003-eq37, 003-eq39.
    """
    _check_placement(placement)
    x = _check_vector(x, "x")
    identity = np.eye(x.shape[0])
    if placement == "post":
        return layer_norm_jacobian(x + branch(params, x, hidden)) @ (identity + mlp_jacobian(params, x, hidden))
    if placement == "pre":
        return identity + layer_norm_jacobian(branch(params, x, hidden)) @ mlp_jacobian(params, x, hidden)
    return identity + mlp_jacobian(params, layer_norm(x), hidden) @ layer_norm_jacobian(x)


def jacobian_product(layers, x0: np.ndarray, placement: str, start: int = 0, hidden: str = "tanh") -> np.ndarray:
    """dx_L/dx_start = J_{L-1} J_{L-2} ... J_start, the chain rule (36)-(37) with the product stopped at L - 1.

    Claims: 003-eq36, 003-eq37.
    """
    x0 = _check_vector(x0)
    start = _check_start(start, len(layers))
    xs = forward(layers, x0, placement, hidden)
    jacobian = np.eye(x0.shape[0])
    for i in range(start, len(layers)):
        jacobian = layer_jacobian(layers[i], xs[i], placement, hidden) @ jacobian
    return jacobian


def jacobian_sum(layers, x0: np.ndarray, start: int = 0, hidden: str = "tanh") -> np.ndarray:
    """Pre-LN (39) as a total derivative: I + sum_{i=start}^{L-1} LN'(A_i(x_i)) A_i'(x_i) dx_i/dx_start.

    Each term still carries dx_i/dx_start = J_{i-1} ... J_start, the product over the layers before it (claims
    003-eq38, 003-eq39).
    Claims: 003-eq38, 003-eq39.
    """
    x0 = _check_vector(x0)
    start = _check_start(start, len(layers))
    xs = forward(layers, x0, "pre", hidden)
    identity = np.eye(x0.shape[0])
    total = identity.copy()
    path = identity.copy()  # dx_i/dx_start
    for i in range(start, len(layers)):
        step = layer_norm_jacobian(branch(layers[i], xs[i], hidden)) @ mlp_jacobian(layers[i], xs[i], hidden)
        total += step @ path
        path = (identity + step) @ path
    return total


def jacobian_sum_direct(layers, x0: np.ndarray, start: int = 0, hidden: str = "tanh") -> np.ndarray:
    """I + sum_{i=start}^{L-1} LN'(A_i(x_i)) A_i'(x_i): (39) with each dx_i/dx_start taken as I, the reading under
    which item 19's "a sum, not a product" would hold; it equals dx_L/dx_start only when L - start <= 1.
    Claims: 003-eq39.
    """
    x0 = _check_vector(x0)
    start = _check_start(start, len(layers))
    xs = forward(layers, x0, "pre", hidden)
    total = np.eye(x0.shape[0])
    for i in range(start, len(layers)):
        total += layer_norm_jacobian(branch(layers[i], xs[i], hidden)) @ mlp_jacobian(layers[i], xs[i], hidden)
    return total


def jacobian_eq37_as_printed(
    params, x0: np.ndarray, depth: int, start: int = 0, last: int | None = None, branch_input: str = "start",
    hidden: str = "tanh",
) -> np.ndarray:
    """(37) as printed, for a post-LN stack of `depth` layers sharing one A (the document's A has no layer index):
    the product over i = start..last of LayerNorm'(x_i + A(x)) (I + A'(x_i)), later factors on the left.

    As printed, last = depth (one factor more than the stack has: x_{L+1} does not exist) and the unbound x in
    A(x) is read as x_start (`branch_input="start"`); last = depth - 1 with `branch_input="own"` (A(x_i)) is the
    true dx_L/dx_start. Claim 003-eq37.
    Claims: 003-eq37.
    """
    x0 = _check_vector(x0)
    depth = int(depth)
    start = _check_start(start, depth)
    last = depth if last is None else int(last)
    if branch_input not in ("start", "own"):
        raise ValueError(f"branch_input: expected 'start' or 'own', got {branch_input!r}")
    xs = forward([params] * (max(last, depth - 1) + 1), x0, "post", hidden)
    identity = np.eye(x0.shape[0])
    jacobian = identity
    for i in range(start, last + 1):
        branch_at = xs[start] if branch_input == "start" else xs[i]
        factor = layer_norm_jacobian(xs[i] + branch(params, branch_at, hidden)) @ (
            identity + mlp_jacobian(params, xs[i], hidden)
        )
        jacobian = factor @ jacobian
    return jacobian
