"""What a user would call instead of elbocheck's fast function, for the pairs that have such a thing, and the
sizes `elbocheck bench --candidate` times them at. Each peer takes the pair's arguments as the fast function does
and computes the same quantity by another library's route, so its error against the reference sits beside its
time."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def kl_by_distributions(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, e^logvar) || N(0, 1)) summed over the last axis by torch.distributions.kl_divergence."""
    posterior = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    prior = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return torch.distributions.kl_divergence(posterior, prior).sum(dim=-1)


def bernoulli_by_distributions(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """log p(x | logits) summed over the last axis by torch.distributions.Bernoulli."""
    return torch.distributions.Bernoulli(logits=logits).log_prob(x).sum(dim=-1)


def layer_norm_by_functional(x: torch.Tensor) -> torch.Tensor:
    """torch.nn.functional.layer_norm without gain or bias, at the references' eps."""
    from elbocheck.shared.residual import EPS

    return F.layer_norm(x, x.shape[-1:], eps=EPS)


def output_gradients_by_autograd(real_logits: torch.Tensor, fake_logits: torch.Tensor):
    """dL/dz of L = mean log sigmoid(z_real) + mean log sigmoid(-z_fake) by autograd."""
    real = real_logits.detach().requires_grad_(True)
    fake = fake_logits.detach().requires_grad_(True)
    with torch.enable_grad():
        loss = F.logsigmoid(real).mean() + F.logsigmoid(-fake).mean()
        return torch.autograd.grad(loss, (real, fake))


PEERS = {
    "vae.kl_to_standard_normal": (kl_by_distributions, "torch.distributions.kl_divergence", (16, 128, 512)),
    "vae.bernoulli_log_likelihood": (bernoulli_by_distributions, "torch.distributions.Bernoulli", (16, 128, 512)),
    "residual.layer_norm": (layer_norm_by_functional, "torch.nn.functional.layer_norm", (8, 64, 512)),
    "gan.output_gradients": (output_gradients_by_autograd, "autograd of F.logsigmoid", (16, 256, 4096)),
}
