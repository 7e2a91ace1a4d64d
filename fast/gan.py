"""GAN losses, gradients and training steps in PyTorch with autograd, on any device; mirrors `reference.gan`.

D(x) = sigmoid(MLP_d(x)) is handled through its logit only, so every log-probability is a `logsigmoid` and no
sigmoid is ever taken of a probability: log D = logsigmoid(z), log(1 - D) = logsigmoid(-z). The training on a ring of
Gaussians lives in `elbocheck.models.gan`.
"""

from __future__ import annotations


import torch
import torch.nn.functional as F

from elbocheck.fast._nn import mlp_forward
from elbocheck.shared.gan import check_gan_inputs, check_learning_rate

def _all_finite(tensor: torch.Tensor) -> bool:
    return bool(torch.isfinite(tensor).all())


def discriminator_logits(params_d, x: torch.Tensor, hidden: str = "relu") -> torch.Tensor:
    """z_d^{L_d}(x), the logit of seed 003 (24)-(25), for each row of x (B, n); (B,).

    Raises ValueError for an unknown activation `hidden`.
    """
    return mlp_forward(params_d, x, hidden=hidden, output="identity")[:, 0]


def generator_forward(params_g, noise: torch.Tensor, hidden: str = "relu") -> torch.Tensor:
    """G(z) = MLP_g(z) with an identity output: noise (B, k) -> samples (B, n).

    Raises ValueError for an unknown activation `hidden`.
    """
    return mlp_forward(params_g, noise, hidden=hidden, output="identity")


def gan_loss(params_d, params_g, x, noise, hidden_d: str = "relu", hidden_g: str = "relu") -> torch.Tensor:
    """L = mean_i log D(x_i) + mean_j log(1 - D(G(z_j))), the objective of seed 003 (23), in nats (each term averaged
    over its batch), as a 0-d tensor; x (B, n), noise (B', k), log D taken as logsigmoid of the logit.

    Raises ValueError naming the argument unless the networks, data and noise fit together (shapes, finite numbers,
    known activations; elbocheck.shared.gan.check_gan_inputs).
    Claims: 003-eq23.
    """
    check_gan_inputs(params_d, params_g, x, noise, hidden_d, hidden_g, _all_finite)
    real_logits = discriminator_logits(params_d, x, hidden_d)  # (B,)
    fake_logits = discriminator_logits(params_d, generator_forward(params_g, noise, hidden_g), hidden_d)  # (B',)
    return F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean()


def output_gradients(real_logits: torch.Tensor, fake_logits: torch.Tensor):
    """dL/dz at each logit through the sigmoid identities (26)-(27), seed 003 (claim 003-eq28 corrects (28)):
    dL/dz(x_i) = sigmoid(-z(x_i)) / B = (1 - D(x_i)) / B and dL/dz(G(z_j)) = -sigmoid(z(G(z_j))) / B'.
    real_logits (B,), fake_logits (B',) -> two tensors of those shapes, in nats per unit of logit.

    Raises ValueError unless both are non-empty 1-D tensors.
    Claims: 003-eq26, 003-eq27, 003-eq28.
    """
    if real_logits.ndim != 1 or fake_logits.ndim != 1 or real_logits.numel() == 0 or fake_logits.numel() == 0:
        raise ValueError("logits: expected two non-empty 1-D tensors (real logits, fake logits)")
    return torch.sigmoid(-real_logits) / real_logits.numel(), -torch.sigmoid(fake_logits) / fake_logits.numel()


def _with_grad(params):
    return [(W.detach().requires_grad_(True), b.detach().requires_grad_(True)) for W, b in params]


def _pairs(flat):
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def gan_gradients(params_d, params_g, x, noise, hidden_d: str = "relu", hidden_g: str = "relu"):
    """(grad_{theta_d} L, grad_{theta_g} L) of gan_loss by autograd, each a list of (dW, db) shaped like the layers;
    mirrors the hand-written route of reference.gan ((26)-(33)).

    Raises ValueError as gan_loss does.
    Claims: 003-eq23, 003-eq28, 003-eq29, 003-eq30, 003-eq31, 003-eq32, 003-eq33.
    """
    leaf_d, leaf_g = _with_grad(params_d), _with_grad(params_g)
    loss = gan_loss(leaf_d, leaf_g, x, noise, hidden_d, hidden_g)
    flat = [t for layer in leaf_d + leaf_g for t in layer]
    grads = torch.autograd.grad(loss, flat)
    return _pairs(list(grads[: 2 * len(leaf_d)])), _pairs(list(grads[2 * len(leaf_d) :]))


def gan_step(params_d, params_g, x, noise, learning_rate: float, hidden_d: str = "relu", hidden_g: str = "relu"):
    """One simultaneous step, seed 003: ascent (34) theta_d + alpha grad_d L, descent (35) theta_g - alpha grad_g L,
    both gradients at (theta_d^t, theta_g^t). Returns (new params_d, new params_g), lists of (W, b).

    Raises ValueError unless `learning_rate` is a positive finite number, and as gan_loss does.
    Claims: 003-eq34, 003-eq35.
    """
    check_learning_rate(learning_rate)
    grads_d, grads_g = gan_gradients(params_d, params_g, x, noise, hidden_d, hidden_g)
    with torch.no_grad():
        new_d = [(W + learning_rate * dW, b + learning_rate * db) for (W, b), (dW, db) in zip(params_d, grads_d)]
        new_g = [(W - learning_rate * dW, b - learning_rate * db) for (W, b), (dW, db) in zip(params_g, grads_g)]
    return new_d, new_g
