"""The variational autoencoder of seed 003 Problem 1 (seed 001 section 4, seed 002 Problems 1-2) as a
torch.nn.Module: an encoder x -> [mu(x), logvar(x)] and a decoder z -> Bernoulli logits or [mean, logvar] of a
Gaussian, both MLPs; the maths is `elbocheck.fast.vae`'s, on the parameter container {"encoder": [(W, b), ...],
"decoder": [(W, b), ...]} that `params` returns.
"""

from __future__ import annotations

import torch

from elbocheck.fast import vae as fast_vae

__all__ = ["VAE"]


class VAE(torch.nn.Module):
    """A VAE (or, with autoencoder=True, the plain autoencoder of the same widths: encoder x -> z(x)).

    Widths D-h...-2k for the encoder and k-h...-D (2D for a Gaussian decoder) for the decoder, initialised as
    torch.nn.Linear is (seed 003 item 9) from `generator` on the CPU. Shapes: x (B, D), eps (B, r, k), z (n, k).
    Units: nats per datum. ValueError for an unknown decoder or non-positive sizes.
    """

    def __init__(self, input_dim: int, latent: int, hidden=(512,), decoder: str = "bernoulli",
                 activation: str = "relu", autoencoder: bool = False, generator: torch.Generator | None = None,
                 dtype=torch.float32, device=None):
        super().__init__()
        if int(input_dim) < 1 or int(latent) < 1 or not hidden or any(int(width) < 1 for width in hidden):
            raise ValueError(f"input_dim, latent, hidden: expected positive sizes, got {input_dim}, {latent}, {hidden}")
        fast_vae.check_decoder(decoder)
        self.input_dim, self.latent, self.hidden = int(input_dim), int(latent), tuple(int(w) for w in hidden)
        self.decoder_kind, self.activation, self.autoencoder = decoder, activation, autoencoder
        generator = generator if generator is not None else torch.Generator().manual_seed(0)
        init = fast_vae.init_autoencoder if autoencoder else fast_vae.init_params
        raw = init(self.input_dim, self.latent, self.hidden, decoder, generator, dtype, device)
        self.encoder = torch.nn.ParameterList([torch.nn.Parameter(t) for layer in raw["encoder"] for t in layer])
        self.decoder = torch.nn.ParameterList([torch.nn.Parameter(t) for layer in raw["decoder"] for t in layer])

    @property
    def params(self) -> dict:
        """The parameters as `elbocheck.fast.vae` takes them (the module's own tensors, with their gradients)."""
        return {name: [(layers[i], layers[i + 1]) for i in range(0, len(layers), 2)]
                for name, layers in (("encoder", self.encoder), ("decoder", self.decoder))}

    def detached(self) -> dict:
        """`params` without autograd history."""
        return {name: [(W.detach(), b.detach()) for W, b in layers] for name, layers in self.params.items()}

    def loss(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """What training minimises, a 0-d tensor: the negative ELBO averaged over the batch and the r draws of eps
        (seed 001 4.c), or the autoencoder's mean -log p(x | z(x)) (eps unused)."""
        if self.autoencoder:
            return fast_vae.autoencoder_loss(self.params, x, self.decoder_kind, self.activation)
        return fast_vae.negative_elbo(self.params, x, eps, self.decoder_kind, self.activation)

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """The ELBO per datum (B,), averaged over the r draws of eps (seed 003 (7)); nats."""
        return fast_vae.elbo(self.params, x, eps, self.decoder_kind, self.activation)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu(x), logvar(x)), each (B, k)."""
        return fast_vae.encode(self.params, x, self.activation)

    def decode(self, z: torch.Tensor):
        """Bernoulli logits (n, D), or (mean, logvar) of the Gaussian decoder."""
        return fast_vae.decode(self.params, z, self.decoder_kind, self.activation)

    def sample(self, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The decoder's mean image for `count` draws z ~ N(0, I): (count, D) (probabilities for Bernoulli)."""
        first = self.decoder[0]
        z = torch.randn((int(count), self.latent), generator=generator, dtype=first.dtype, device=first.device)
        from elbocheck.models.vae.trainer import prior_means

        return prior_means(self.params, z, self.decoder_kind, self.activation)
