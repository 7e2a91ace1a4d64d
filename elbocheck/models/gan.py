"""The GAN demonstration of `elbocheck gan-demo`: G and D (MLPs) trained by alternating updates (seed 003
(34)-(35)) on a ring of Gaussians, with the losses each side minimises and the mode-coverage score. The maths of
L, its gradients and one simultaneous step is `elbocheck.fast.gan`'s.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from elbocheck.fast.gan import discriminator_logits, generator_forward
from elbocheck.fast.vae import init_mlp
from elbocheck.shared.gan import check_learning_rate

__all__ = ["GENERATOR_LOSSES", "discriminator_loss", "generator_loss", "ring_modes", "ring_of_gaussians",
           "mode_coverage", "train_ring_gan"]

GENERATOR_LOSSES = ("minimax", "non_saturating")


def discriminator_loss(params_d, x, fake, hidden_d: str = "relu") -> torch.Tensor:
    """-L as a function of the discriminator alone (fake points held fixed): minimising it is the ascent (34).

    Claims: 003-eq34.
    """
    return -(F.logsigmoid(discriminator_logits(params_d, x, hidden_d)).mean()
             + F.logsigmoid(-discriminator_logits(params_d, fake, hidden_d)).mean())


def generator_loss(params_d, params_g, noise, hidden_d: str = "relu", hidden_g: str = "relu",
                   kind: str = "minimax") -> torch.Tensor:
    """The generator's objective to minimise: 'minimax' is mean log(1 - D(G(z))), the descent (35) of seed 003;
    'non_saturating' is -mean log D(G(z)), which has the same fixed points but does not vanish where D rejects G(z).
    Claims: 003-eq35.
    """
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"kind: expected one of {GENERATOR_LOSSES}, got {kind!r}")
    fake_logits = discriminator_logits(params_d, generator_forward(params_g, noise, hidden_g), hidden_d)
    if kind == "minimax":
        return F.logsigmoid(-fake_logits).mean()
    return -F.logsigmoid(fake_logits).mean()


def ring_modes(modes: int, radius: float, dtype=torch.float32, device=None) -> torch.Tensor:
    """The centres radius * (cos 2 pi k / K, sin 2 pi k / K), k = 0..K-1; (K, 2)."""
    if modes < 1:
        raise ValueError(f"modes: expected a positive number of mixture components, got {modes}")
    if not radius > 0:
        raise ValueError(f"radius: expected a positive number, got {radius}")
    angle = torch.arange(modes, dtype=dtype, device=device) * (2 * math.pi / modes)
    return radius * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)


def ring_of_gaussians(count: int, modes: int, radius: float, std: float, generator: torch.Generator,
                      dtype=torch.float32, device=None) -> torch.Tensor:
    """`count` points of the equal mixture of N(centre_k, std^2 I), centres on a circle; (count, 2)."""
    if count < 1:
        raise ValueError(f"count: expected a positive number of points, got {count}")
    if not std > 0:
        raise ValueError(f"std: expected a positive standard deviation, got {std}")
    centres = ring_modes(modes, radius, dtype, device)
    which = torch.randint(modes, (count,), generator=generator, device=generator.device)
    offsets = torch.randn(count, 2, generator=generator, dtype=dtype, device=generator.device)
    return centres[which.to(centres.device)] + std * offsets.to(centres.device)


def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, std: float, min_share: float = 0.01):
    """(modes covered, share of high-quality samples): a sample is high quality within 3 std of its nearest
    centre; a mode is covered when at least `min_share` of all samples are high-quality samples of it."""
    distance = torch.cdist(samples, centres)  # (N, K)
    nearest, which = distance.min(dim=1)
    good = nearest <= 3 * std
    per_mode = torch.bincount(which[good], minlength=centres.shape[0])
    covered = int((per_mode >= min_share * samples.shape[0]).sum())
    return covered, float(good.double().mean())


def train_ring_gan(
    generator: torch.Generator,
    steps: int = 2000,
    batch: int = 256,
    modes: int = 8,
    radius: float = 2.0,
    std: float = 0.05,
    width: int = 64,
    noise_dim: int = 2,
    learning_rate: float = 1e-3,
    optimizer: str = "adam",
    kind: str = "minimax",
    hidden: str = "relu",
    snapshots=(0, 250, 500, 1000, 2000),
    snapshot_size: int = 2000,
    device=None,
    progress=None,
):
    """Train G and D (two hidden layers of `width`) on a ring of Gaussians by alternating updates; seed 003 (34)-(35).

    Each step ascends L in theta_d on a fresh real batch and fake batch (34), then descends the generator loss
    `kind` in theta_g (35), with Adam (beta_1 = 0.5) or plain gradient steps. `progress(step, d_loss, g_loss)` is
    called after every step. Returns a dict: 'losses' (steps, 2) of (-L, generator loss), 'snapshots'
    {step: G(fixed noise) after that many steps}, 'coverage' {step: (modes covered, share within 3 std)},
    'modes' (K, 2), 'real' (snapshot_size, 2).
    """
    if steps < 0 or batch < 1 or width < 1 or noise_dim < 1:
        raise ValueError("steps, batch, width, noise_dim: expected steps >= 0 and positive batch, width, noise_dim")
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer: expected 'adam' or 'sgd', got {optimizer!r}")
    if kind not in GENERATOR_LOSSES:
        raise ValueError(f"kind: expected one of {GENERATOR_LOSSES}, got {kind!r}")
    check_learning_rate(learning_rate)
    params_d = init_mlp([2, width, width, 1], generator, device=device)
    params_g = init_mlp([noise_dim, width, width, 2], generator, device=device)
    leaves_d = [t.requires_grad_(True) for layer in params_d for t in layer]
    leaves_g = [t.requires_grad_(True) for layer in params_g for t in layer]
    if optimizer == "adam":
        opt_d = torch.optim.Adam(leaves_d, lr=learning_rate, betas=(0.5, 0.999))
        opt_g = torch.optim.Adam(leaves_g, lr=learning_rate, betas=(0.5, 0.999))
    else:
        opt_d, opt_g = torch.optim.SGD(leaves_d, lr=learning_rate), torch.optim.SGD(leaves_g, lr=learning_rate)

    def noise(count):
        return torch.randn(count, noise_dim, generator=generator, device=generator.device).to(device)

    centres = ring_modes(modes, radius, device=device)
    fixed_noise = noise(snapshot_size)
    real_view = ring_of_gaussians(snapshot_size, modes, radius, std, generator, device=device)
    losses = torch.zeros(steps, 2)
    taken, coverage = {}, {}
    for step in range(steps + 1):
        if step in snapshots:
            with torch.no_grad():
                taken[step] = generator_forward(params_g, fixed_noise, hidden).cpu()
                coverage[step] = mode_coverage(taken[step], centres.cpu(), std)
        if step == steps:
            break
        x = ring_of_gaussians(batch, modes, radius, std, generator, device=device)
        z = noise(batch)
        fake = generator_forward(params_g, z, hidden).detach()
        opt_d.zero_grad()
        d_loss = discriminator_loss(params_d, x, fake, hidden)
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        g_loss = generator_loss(params_d, params_g, z, hidden, hidden, kind)
        g_loss.backward()
        opt_g.step()
        losses[step, 0], losses[step, 1] = d_loss.detach().cpu(), g_loss.detach().cpu()
        if progress is not None:
            progress(step, float(losses[step, 0]), float(losses[step, 1]))
    return {"losses": losses, "snapshots": taken, "coverage": coverage, "modes": centres.cpu(),
            "real": real_view.cpu()}
