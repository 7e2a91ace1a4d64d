"""Residual stacks with LayerNorm before or after the addition in PyTorch and their Jacobians by autograd; seed 003
(36)-(39), items 19-20. The transformer language model of figure 2 lives in `elbocheck.models.residual`.

Same names and meaning as `reference.residual` for the stacks (placements "post", "pre" as the document writes it,
"prenorm" as the usual pre-LN transformer); Jacobians come from `torch.func.jacrev` instead of hand-written rules.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.func import jacrev

from elbocheck.fast._nn import mlp_forward
from elbocheck.shared.residual import EPS, PLACEMENTS, residual_step
from elbocheck.shared.residual import check_placement as _check_placement
from elbocheck.shared.residual import check_start as _check_start


def _check_vector(x: torch.Tensor, name: str = "x0") -> torch.Tensor:
    if x.dim() != 1 or x.shape[0] < 2:
        raise ValueError(f"{name}: expected a vector of shape (d,) with d >= 2, got shape {tuple(x.shape)}")
    return x


def layer_norm(x: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """LayerNorm(x) = (x - mu) / sigma over the last axis, mu = mean(x), sigma = sqrt(mean((x - mu)^2) + eps), no gain
    or bias (torch.nn.functional.layer_norm); x (..., d) -> (..., d).
    """
    return F.layer_norm(x, x.shape[-1:], eps=eps)


def layer_norm_jacobian(x: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """LayerNorm'(x)[i, j] = dy_i/dx_j by autograd, for x of shape (d,); (d, d).

    Raises ValueError unless `x` is a vector of shape (d,) with d >= 2.
    """
    return jacrev(lambda v: layer_norm(v, eps))(_check_vector(x, "x"))


def mlp_jacobian(params, x: torch.Tensor, hidden: str = "tanh") -> torch.Tensor:
    """A'(x) for the MLP A with identity output, by autograd, at x (in,); (out, in).

    Raises ValueError unless `x` is a vector of shape (d,) with d >= 2, or for an unknown activation `hidden`.
    """
    return jacrev(lambda v: branch(params, v, hidden))(_check_vector(x, "x"))


def branch(params, x: torch.Tensor, hidden: str = "tanh") -> torch.Tensor:
    """A(x): the layer's MLP, hidden activation `hidden`, identity output; x (..., d) -> (..., d).

    Raises ValueError for an unknown activation `hidden`.
    """
    return mlp_forward(params, x, hidden=hidden, output="identity")


def residual_layer(params, x: torch.Tensor, placement: str, hidden: str = "tanh") -> torch.Tensor:
    """x_{l+1} from x_l for one placement: LN(x + A(x)) (post), x + LN(A(x)) (pre) or x + A(LN(x)) (prenorm), seed
    003 (37)-(38), A the layer's MLP and LayerNorm without gain or bias; x (d,) or (B, d), same shape out.

    Raises ValueError for an unknown `placement` or activation `hidden`.
    """
    return residual_step(x, lambda v: branch(params, v, hidden), layer_norm, placement)


def forward(layers, x0: torch.Tensor, placement: str, hidden: str = "tanh") -> torch.Tensor:
    """x_0, x_1, ..., x_L of the stack, one layer at a time; x0 of shape (d,) or (B, d), result (L+1, ...).

    Raises ValueError for an unknown `placement` or activation `hidden`.
    Claims: 003-eq38.
    """
    _check_placement(placement)
    xs = [x0]
    for params in layers:
        xs.append(residual_layer(params, xs[-1], placement, hidden))
    return torch.stack(xs)


def _top(layers, x: torch.Tensor, placement: str, hidden: str) -> torch.Tensor:
    """x_L as a function of the input x of `layers` (the layers from `start` on)."""
    for params in layers:
        x = residual_layer(params, x, placement, hidden)
    return x


def layer_jacobian(params, x: torch.Tensor, placement: str, hidden: str = "tanh") -> torch.Tensor:
    """J = dx_{l+1}/dx_l at x by autograd: LN'(x + A(x)) (I + A'(x)) for post (37), I + LN'(A(x)) A'(x) for pre
    (39), I + A'(LN(x)) LN'(x) for prenorm; x (d,) -> (d, d).

    Raises ValueError for an unknown `placement` or activation `hidden`, or unless `x` has shape (d,) with d >= 2.
    Claims: 003-eq37, 003-eq39.
    """
    _check_placement(placement)
    return jacrev(lambda v: residual_layer(params, v, placement, hidden))(_check_vector(x, "x"))


def jacobian_product(layers, x0: torch.Tensor, placement: str, start: int = 0, hidden: str = "tanh") -> torch.Tensor:
    """dx_L/dx_start by autograd through the whole map x_start -> x_L, what the chain rule (36)-(37) should equal
    (the product J_{L-1} ... J_start, stopped at L - 1); x0 (d,) -> (d, d).

    Raises ValueError for an unknown `placement` or activation `hidden`, unless `x0` has shape (d,) with d >= 2, or
    unless 0 <= start <= len(layers).
    Claims: 003-eq36, 003-eq37.
    """
    _check_placement(placement)
    x0 = _check_vector(x0)
    start = _check_start(start, len(layers))
    x_start = _top(layers[:start], x0, placement, hidden)
    return jacrev(lambda v: _top(layers[start:], v, placement, hidden))(x_start)


def jacobian_sum(layers, x0: torch.Tensor, start: int = 0, hidden: str = "tanh") -> torch.Tensor:
    """Pre-LN (39) as a total derivative: I + sum_{i=start}^{L-1} d LayerNorm(A_i(x_i)) / dx_start, each term through
    x_i(x_start), by autograd; x0 (d,) -> (d, d).

    Raises ValueError for an unknown activation `hidden`, unless `x0` has shape (d,) with d >= 2, or unless
    0 <= start <= len(layers).
    Claims: 003-eq38, 003-eq39.
    """
    x0 = _check_vector(x0)
    start = _check_start(start, len(layers))
    x_start = _top(layers[:start], x0, "pre", hidden)
    total = torch.eye(x0.shape[0], dtype=x0.dtype, device=x0.device)
    for i in range(start, len(layers)):

        def term(v, i=i):
            x_i = _top(layers[start:i], v, "pre", hidden)
            return layer_norm(branch(layers[i], x_i, hidden))

        total = total + jacrev(term)(x_start)
    return total


def jacobian_sum_direct(layers, x0: torch.Tensor, start: int = 0, hidden: str = "tanh") -> torch.Tensor:
    """I + sum_{i=start}^{L-1} (LayerNorm o A_i)'(x_i): (39) with every dx_i/dx_start taken as I, the reading that
    drops the products; by autograd, x0 (d,) -> (d, d).

    Raises ValueError for an unknown activation `hidden`, unless `x0` has shape (d,) with d >= 2, or unless
    0 <= start <= len(layers).
    Claims: 003-eq39.
    """
    x0 = _check_vector(x0)
    start = _check_start(start, len(layers))
    xs = forward(layers, x0, "pre", hidden)
    total = torch.eye(x0.shape[0], dtype=x0.dtype, device=x0.device)
    for i in range(start, len(layers)):
        total = total + jacrev(lambda v, i=i: layer_norm(branch(layers[i], v, hidden)))(xs[i])
    return total


def jacobian_eq37_as_printed(
    params, x0: torch.Tensor, depth: int, start: int = 0, last: int | None = None, branch_input: str = "start",
    hidden: str = "tanh",
) -> torch.Tensor:
    """(37) as printed for a post-LN stack of `depth` layers sharing one A: prod_{i=start}^{last}
    LayerNorm'(x_i + A(x)) (I + A'(x_i)), later factors on the left, x read as x_start ("start") or x_i ("own");
    x0 (d,) -> (d, d). As printed, last = depth (one factor more than the stack has).

    Raises ValueError unless `x0` has shape (d,) with d >= 2, 0 <= start <= depth and `branch_input` is 'start' or
    'own', or for an unknown activation `hidden`.
    Claims: 003-eq37.
    """
    x0 = _check_vector(x0)
    depth = int(depth)
    start = _check_start(start, depth)
    last = depth if last is None else int(last)
    if branch_input not in ("start", "own"):
        raise ValueError(f"branch_input: expected 'start' or 'own', got {branch_input!r}")
    xs = forward([params] * (max(last, depth - 1) + 1), x0, "post", hidden)
    identity = torch.eye(x0.shape[0], dtype=x0.dtype, device=x0.device)
    jacobian = identity
    for i in range(start, last + 1):
        branch_at = xs[start] if branch_input == "start" else xs[i]
        factor = layer_norm_jacobian(xs[i] + branch(params, branch_at, hidden)) @ (
            identity + mlp_jacobian(params, xs[i], hidden)
        )
        jacobian = factor @ jacobian
    return jacobian
