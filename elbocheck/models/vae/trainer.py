"""Training the VAE on a device, and evaluating it in chunks: the configuration of a run, a trainer whose state
can be saved and resumed bit for bit, the held-out ELBO and IWAE bounds, the autoencoder's reconstruction loss, the
codes and the decoded prior samples. The fitting loop is `elbocheck.fast.vae.train_epoch`, called once per epoch
by `Trainer.epoch`. Sources: seed 001 section 4 (4.c the training loop), seed 003 (7) and (14) (ELBO, IWAE).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from elbocheck.fast import vae as fast_vae
from elbocheck.models.vae.module import VAE

__all__ = ["TrainConfig", "Trainer", "batch_share", "heldout_estimates", "reconstruction_loss", "codes", "prior_means"]

COMPILE_MODES = ("none", "default", "reduce-overhead")


@dataclass(frozen=True)
class TrainConfig:
    """What a training run is: the model's sizes, the decoder, r, the batch, Adam's rate, the seed.

    `autoencoder` trains the plain autoencoder of the same widths instead of the VAE. `compile` is "none",
    "default" or "reduce-overhead" (torch.compile's mode for the loss; CUDA graphs with the last).
    """

    latent: int = 2
    hidden: tuple = (512,)
    decoder: str = "bernoulli"
    samples: int = 1
    batch: int = 128
    lr: float = 1e-3
    seed: int = 0
    activation: str = "relu"
    autoencoder: bool = False
    compile: str = "none"

    def validate(self) -> "TrainConfig":
        """ValueError naming the first setting out of range."""
        if self.latent < 1:
            raise ValueError(f"latent: expected a positive integer, got {self.latent}")
        if not self.hidden or any(int(width) < 1 for width in self.hidden):
            raise ValueError(f"hidden: expected positive layer widths, got {list(self.hidden)}")
        fast_vae.check_decoder(self.decoder)
        if self.samples < 1:
            raise ValueError(f"samples: expected a positive integer, got {self.samples}")
        if self.batch < 1:
            raise ValueError(f"batch: expected a positive integer, got {self.batch}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr: expected a positive learning rate, got {self.lr}")
        if self.compile not in COMPILE_MODES:
            raise ValueError(f"compile: expected 'none', 'default' or 'reduce-overhead', got {self.compile!r}")
        return self

    def as_dict(self) -> dict:
        values = asdict(self)
        values["hidden"] = list(self.hidden)
        return values


class Trainer:
    """A VAE (or the plain autoencoder) with its Adam optimiser and random stream on `device`.

    The parameters start from `config.seed` (drawn on the CPU, then moved); shuffling and noise come from a
    generator on the device seeded with it too. `state_dict()` holds everything `epoch()` depends on, so a
    trainer restored with `load_state_dict` continues bit for bit as the uninterrupted one would.

    With a distributed `group` (elbocheck.distributed.Group; processes started by torchrun), the model trains
    under DistributedDataParallel: every process draws the same global batches and noise and takes its share of
    each, so the run follows the one-process run to float rounding.
    """

    def __init__(self, config: TrainConfig, input_dim: int, device: torch.device, dtype=torch.float32, group=None):
        self.config = config.validate()
        self.device, self.dtype = device, dtype
        self.model = VAE(input_dim, config.latent, config.hidden, config.decoder, config.activation,
                         config.autoencoder, torch.Generator().manual_seed(config.seed), dtype, device)
        self.params = self.model.params
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.generator = torch.Generator(device=device).manual_seed(config.seed)
        self.loss = self._loss_function()
        self.epochs_done = 0
        self.group = group
        self.parallel = None
        if group is not None and group.distributed:
            from torch.nn.parallel import DistributedDataParallel

            device_ids = [device.index] if device.type == "cuda" else None
            self.parallel = DistributedDataParallel(_SumOfLosses(self.model, self.loss), device_ids=device_ids)

    def _loss_function(self):
        decoder, activation = self.config.decoder, self.config.activation
        if self.config.autoencoder:

            def loss(params, x, eps):
                return fast_vae.autoencoder_loss(params, x, decoder, activation)

        else:

            def loss(params, x, eps):
                return fast_vae.negative_elbo(params, x, eps, decoder, activation)

        if self.config.compile != "none":
            return torch.compile(loss, mode=self.config.compile, dynamic=False)
        return loss

    def epoch(self, data: torch.Tensor) -> torch.Tensor:
        """Train one epoch on `data` (N, D) on the device; the mean loss (nats per datum) as a device tensor."""
        if self.parallel is None:
            mean = fast_vae.train_epoch(
                self.params, self.optimizer, data, self.generator, self.config.batch, self.config.samples,
                self.loss, self.config.latent,
            )
        else:
            from functools import partial

            from elbocheck import distributed

            mean = fast_vae.train_epoch(
                self.params, self.optimizer, data, self.generator, self.config.batch, self.config.samples,
                lambda params, x, eps: self.parallel(x, eps), self.config.latent,
                share=partial(batch_share, group=self.group),
                reduce=partial(distributed.all_reduce_sum, group=self.group),
            )
        self.epochs_done += 1
        return mean

    def detached(self) -> dict:
        """The parameters without their autograd history."""
        return self.model.detached()

    def state_dict(self) -> dict:
        """Parameters, Adam's state, the generator's state and the epoch count, on the CPU."""
        return {
            "config": self.config.as_dict(),
            "epochs_done": self.epochs_done,
            "params": [leaf.detach().cpu().clone() for leaf in self.model.parameters()],
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore a `state_dict()`; ValueError if it was written for another configuration."""
        if state.get("config") != self.config.as_dict():
            raise ValueError(f"checkpoint: written for {state.get('config')}, expected {self.config.as_dict()}")
        with torch.no_grad():
            for leaf, saved in zip(self.model.parameters(), state["params"]):
                if leaf.shape != saved.shape:
                    raise ValueError(f"checkpoint: a parameter has shape {tuple(saved.shape)}, expected {tuple(leaf.shape)}")
                leaf.copy_(saved.to(leaf.device))
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        self.epochs_done = int(state["epochs_done"])


class _SumOfLosses(torch.nn.Module):
    """The loss summed over a batch's rows (zero, through every parameter, for no rows): what each process
    computes on its share under DistributedDataParallel."""

    def __init__(self, model: torch.nn.Module, loss):
        super().__init__()
        self.model, self.loss = model, loss

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        if x.shape[0] == 0:
            return sum(parameter.sum() for parameter in self.model.parameters()) * 0.0
        return self.loss(self.model.params, x, eps) * x.shape[0]


def batch_share(size: int, group) -> tuple[slice, float]:
    """This process's rows of a global batch of `size` (contiguous, sizes differing by at most one) and the
    weight world_size / size: DDP averages the processes' gradients, so the weighted sums give the batch mean."""
    from elbocheck import distributed

    return distributed.share(0, size, group), group.world_size / size


def heldout_estimates(params: dict, x: torch.Tensor, samples: int, generator: torch.Generator, decoder: str = "bernoulli",
                      activation: str = "relu", chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """(ELBO, IWAE_K) per datum, nats, from the same K = `samples` draws of eps (seed 003 (7), (14)), chunked over
    the data so that the decoder's (chunk, K, D) output fits in memory; each (N,)."""
    latent = params["encoder"][-1][0].shape[0] // 2
    elbos, iwaes = [], []
    with torch.no_grad():
        for start in range(0, x.shape[0], chunk):
            part = x[start : start + chunk]
            eps = torch.randn((part.shape[0], samples, latent), generator=generator, dtype=x.dtype, device=x.device)
            weights = fast_vae.log_importance_weights(params, part, eps, decoder, activation)  # (chunk, K)
            elbos.append(weights.mean(dim=1))
            iwaes.append(torch.logsumexp(weights, dim=1) - math.log(samples))
    return torch.cat(elbos), torch.cat(iwaes)


def reconstruction_loss(params: dict, x: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu", chunk: int = 1024):
    """The plain autoencoder's mean -log p(x | z(x)) over `x` (nats per datum), chunked; a 0-d tensor."""
    total = torch.zeros((), dtype=x.dtype, device=x.device)
    with torch.no_grad():
        for start in range(0, x.shape[0], chunk):
            part = x[start : start + chunk]
            total += fast_vae.autoencoder_loss(params, part, decoder, activation) * part.shape[0]
    return total / x.shape[0]


def codes(params: dict, x: torch.Tensor, autoencoder: bool, activation: str = "relu") -> torch.Tensor:
    """Where `x` lands in latent space: the VAE's posterior means mu(x), or the autoencoder's codes; (N, k)."""
    with torch.no_grad():
        halves = fast_vae.encode(params, x, activation)
    return torch.cat(halves, dim=-1) if autoencoder else halves[0]


def prior_means(params: dict, z: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu") -> torch.Tensor:
    """The decoder's mean image for each prior draw z (n, k): sigmoid(logits), or the Gaussian mean; (n, D)."""
    with torch.no_grad():
        out = fast_vae.decode(params, z, decoder, activation)
    return torch.sigmoid(out) if decoder == "bernoulli" else out[0]
