"""Two candidate implementations of KL(N(mu, sigma^2) || N(0, I)) for the pair vae.kl_to_standard_normal, as a user
would write them, for `elbocheck crosscheck --candidate`:

    elbocheck crosscheck --candidate examples/kl_candidates.py:kl --pair vae.kl_to_standard_normal
    elbocheck crosscheck --candidate examples/kl_candidates.py:kl_sigma_for_variance --pair vae.kl_to_standard_normal

KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2), seed 001 section 4 and seed 003 Problem 1, with
log sigma^2 = logvar; mu and logvar are (B, k) tensors and the result is (B,) in nats.
"""

import torch


def kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """The right one: sigma^2 = exp(logvar)."""
    return 0.5 * (mu ** 2 + torch.exp(logvar) - 1.0 - logvar).sum(dim=-1)


def kl_sigma_for_variance(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Deliberately wrong: sigma = exp(logvar / 2) where the formula has sigma^2, the slip of seed 000 Problem 2."""
    return 0.5 * (mu ** 2 + torch.exp(0.5 * logvar) - 1.0 - logvar).sum(dim=-1)
