"""Gradients through the discrete bigram generator of seed 004 Problem 2, by each estimator, against the exact one
(seed 004 Problems 2 and 4): a fixed discriminator on strings, the exact expectation over all I^T strings, and the
directional derivative of the expected loss by autograd through the sampler (none), a pathwise finite difference
(zero almost everywhere), straight-through and Gumbel-softmax. `elbocheck gan-demo` prints the table.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from elbocheck.fast.sampler import gumbel_softmax_strings, sample_strings, straight_through_strings, string_probabilities

__all__ = ["all_strings", "string_discriminator_loss", "expected_string_loss", "directional_derivatives"]


def all_strings(vocabulary: int, length: int, device=None) -> torch.Tensor:
    """Every string of `length` words from 0..vocabulary-1, in lexicographic order; (vocabulary^length, length)."""
    if vocabulary < 1 or length < 1:
        raise ValueError(f"vocabulary, length: expected positive integers, got {vocabulary}, {length}")
    grid = list(itertools.product(range(vocabulary), repeat=length))
    return torch.tensor(grid, dtype=torch.int64, device=device)


def string_discriminator_loss(y: torch.Tensor, unary: torch.Tensor, pairwise: torch.Tensor) -> torch.Tensor:
    """The generator's term log(1 - D(y)) of a fixed discriminator on (one-hot or relaxed) strings y (B, T, I).

    logit(y) = sum_t <unary[t], y_t> + sum_t y_t^T pairwise y_{t+1}; log(1 - sigmoid) = logsigmoid(-logit); (B,).
    """
    logit = (y * unary).sum(dim=(1, 2)) + torch.einsum("bti,ij,btj->b", y[:, :-1], pairwise, y[:, 1:])
    return F.logsigmoid(-logit)


def expected_string_loss(P: torch.Tensor, Q: torch.Tensor, length: int, loss) -> torch.Tensor:
    """E_eps[loss(onehot(w))] = sum over all I^T strings of p(w) loss(w), exactly, differentiable in P and Q."""
    strings = all_strings(P.shape[0], length, device=P.device)
    values = loss(F.one_hot(strings, P.shape[0]).to(P.dtype))  # (I^T,)
    return (string_probabilities(P, Q, strings) * values).sum()


def directional_derivatives(P, Q, direction_P, direction_Q, loss, eps, gumbel, temperatures, step: float = 1e-6):
    """d/dh of the mean loss at (P + h dP, Q + h dQ), h = 0, by each estimator, on the same noise.

    Keys: 'exact' (autograd of the enumerated expectation), 'autograd through the sampler' (None: the sampled
    words carry no graph), 'pathwise finite difference' (central, step h, the same eps: exactly 0 unless some
    eps lies within about h of a boundary, when it is of order 1/h), 'words changed by the step' (how many words
    differ between the two perturbed samples), 'straight-through', and 'Gumbel-softmax tau=...' for each
    temperature. The directions must keep P and the rows of Q summing to 1 (zero sums).
    Claims: 004-2c.
    """
    estimates = {}
    leaf_P, leaf_Q = P.detach().requires_grad_(True), Q.detach().requires_grad_(True)

    def along(value):
        grad_P, grad_Q = torch.autograd.grad(value, [leaf_P, leaf_Q], allow_unused=True)
        grad_P = torch.zeros_like(P) if grad_P is None else grad_P
        grad_Q = torch.zeros_like(Q) if grad_Q is None else grad_Q
        return float((grad_P * direction_P).sum() + (grad_Q * direction_Q).sum())

    estimates["exact"] = along(expected_string_loss(leaf_P, leaf_Q, eps.shape[1], loss))
    sampled = loss(F.one_hot(sample_strings(leaf_P, leaf_Q, eps), P.shape[0]).to(P.dtype)).mean()
    estimates["autograd through the sampler"] = along(sampled) if sampled.requires_grad else None
    with torch.no_grad():
        up = sample_strings(P + step * direction_P, Q + step * direction_Q, eps)
        down = sample_strings(P - step * direction_P, Q - step * direction_Q, eps)
        difference = loss(F.one_hot(up, P.shape[0]).to(P.dtype)).mean() - loss(
            F.one_hot(down, P.shape[0]).to(P.dtype)).mean()
        estimates["pathwise finite difference"] = float(difference / (2 * step))
        estimates["words changed by the step"] = int((up != down).sum())
    estimates["straight-through"] = along(loss(straight_through_strings(leaf_P, leaf_Q, eps)).mean())
    for temperature in temperatures:
        relaxed = gumbel_softmax_strings(leaf_P, leaf_Q, gumbel, temperature)
        estimates[f"Gumbel-softmax tau={temperature:g}"] = along(loss(relaxed).mean())
    return estimates
