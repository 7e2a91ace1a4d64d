"""Reference/fast pairs of the GAN back-propagation of seed 003 part 2 ((23)-(35))."""

from __future__ import annotations

import numpy as np

import elbocheck.fast.gan
import elbocheck.reference.gan
from elbocheck import fast, reference
from elbocheck.pairs.core import Pair, Sample
from elbocheck.reference._nn import init_mlp

HIDDEN = ("relu", "tanh", "leaky_relu")


def _networks(rng: np.random.Generator, batch: int):
    """Random discriminator and generator (depth 1-3, widths 1-6, random activations), data and noise."""
    data_dim, noise_dim = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    widths_d = [data_dim] + [int(w) for w in rng.integers(1, 7, size=rng.integers(0, 3))] + [1]
    widths_g = [noise_dim] + [int(w) for w in rng.integers(1, 7, size=rng.integers(0, 3))] + [data_dim]
    params_d, params_g = init_mlp(widths_d, rng), init_mlp(widths_g, rng)
    x = rng.normal(size=(batch, data_dim))
    noise = rng.normal(size=(int(rng.integers(1, batch + 1)), noise_dim))
    hidden_d, hidden_g = str(rng.choice(HIDDEN)), str(rng.choice(HIDDEN))
    label = f"B={batch} D={widths_d} {hidden_d} G={widths_g} {hidden_g}"
    return (params_d, params_g, x, noise, hidden_d, hidden_g), label


def _gan_sample(rng: np.random.Generator, batch: int) -> Sample:
    args, label = _networks(rng, batch)
    return Sample(args, label=label)


def _step_sample(rng: np.random.Generator, batch: int) -> Sample:
    (params_d, params_g, x, noise, hidden_d, hidden_g), label = _networks(rng, batch)
    return Sample((params_d, params_g, x, noise, float(rng.uniform(0.01, 0.5)), hidden_d, hidden_g), label=label)


def _logit_sample(rng: np.random.Generator, batch: int) -> Sample:
    real = rng.uniform(-50.0, 50.0, size=batch)
    fake = rng.uniform(-50.0, 50.0, size=int(rng.integers(1, batch + 1)))
    return Sample((real, fake), label=f"B={batch} |z| <= 50")


CANCELLATION = (
    "float32: a gradient is a difference of terms that can nearly cancel (the last bias gets "
    "mean sigmoid(-z_real) - mean sigmoid(z_fake)), so its float32 error is relative to the terms, not to the "
    "difference; 1800 trials gave a median relative error of 3e-7 and a worst of 6e-4."
)

PAIRS = [
    Pair("gan.output_gradients", reference.gan.output_gradients, fast.gan.output_gradients, _logit_sample,
         sizes=(1, 4, 16)),
    Pair("gan.gan_loss", reference.gan.gan_loss, fast.gan.gan_loss, _gan_sample, sizes=(1, 3, 8)),
    Pair("gan.gan_gradients", reference.gan.gan_gradients, fast.gan.gan_gradients, _gan_sample, sizes=(1, 3, 8),
         rtol={"float64": 1e-10, "float32": 1e-3}, note=CANCELLATION),
    Pair("gan.gan_step", reference.gan.gan_step, fast.gan.gan_step, _step_sample, sizes=(1, 3, 8)),
]
