"""Reference/fast pairs of the GAN back-propagation of seed 003 part 2 ((23)-(35))."""

from __future__ import annotations

import numpy as np

import elbocheck.fast.gan
import elbocheck.reference.gan
from elbocheck import fast, reference
from elbocheck.pairs.core import Pair, Sample, mlp_magnitude
from elbocheck.shared.nn import init_mlp

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


def _discriminator_sample(rng: np.random.Generator, batch: int) -> Sample:
    (params_d, _, x, _, hidden_d, _), label = _networks(rng, batch)
    return Sample((params_d, x, hidden_d), label=label)


def _generator_sample(rng: np.random.Generator, batch: int) -> Sample:
    (_, params_g, _, noise, _, hidden_g), label = _networks(rng, batch)
    return Sample((params_g, noise, hidden_g), label=label)


def _network_magnitude(params, inputs, hidden="relu"):
    """The terms each layer of the network sums (pairs.core.mlp_magnitude): an output of 2e-3 from terms of order
    1 (seed 1123) is judged by them."""
    return mlp_magnitude(params, inputs, hidden)


def _logits_magnitude(params_d, x, hidden="relu"):
    """_network_magnitude of the discriminator's one output, (B,) like its logits."""
    return mlp_magnitude(params_d, x, hidden)[:, 0]


def _reference_discriminator_logits(params_d, x, hidden="relu"):
    return reference.gan.discriminator_logits(params_d, x, hidden)[0]


def _reference_generator_forward(params_g, noise, hidden="relu"):
    return reference.gan.generator_forward(params_g, noise, hidden)[0]


def _logit_sample(rng: np.random.Generator, batch: int) -> Sample:
    real = rng.uniform(-50.0, 50.0, size=batch)
    fake = rng.uniform(-50.0, 50.0, size=int(rng.integers(1, batch + 1)))
    return Sample((real, fake), label=f"B={batch} |z| <= 50")


CANCELLATION = (
    "float32: a gradient is a difference of terms that can nearly cancel (the last bias gets "
    "mean sigmoid(-z_real) - mean sigmoid(z_fake)), so its float32 error is relative to the terms, not to the "
    "difference; 1800 trials gave a median relative error of 3e-7 and a worst of 6e-4."
)

def _layer(W, b) -> tuple[np.ndarray, np.ndarray]:
    return np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)


# Edge inputs: logits of +-inf (a discriminator certain of its answer) and +-1000 (where a naive log(sigmoid)
# overflows), one example; networks whose pre-activations are exactly 0 (the relu and leaky_relu derivative at 0,
# which must be PyTorch's 0 and 0.01), layers of width one, a saturated discriminator (logits of +-60).
OUTPUT_EDGES = (
    Sample((np.array([np.inf, -np.inf, 0.0]), np.array([-np.inf, np.inf])), label="logits of +-inf"),
    Sample((np.array([1000.0, -1000.0]), np.array([-1000.0, 1000.0, 0.0])), label="logits of +-1000"),
    Sample((np.array([0.5]), np.array([-0.5])), label="one logit each"),
)
ZERO_D = [_layer([[1.0, -1.0], [0.5, 0.5]], [0.0, 0.0]), _layer([[1.0, -2.0]], [0.0])]
ZERO_G = [_layer([[0.0], [1.0]], [0.0, 0.0]), _layer([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])]
# W = 60 keeps the generator's gradient (sigmoid(z_fake) ~ 1e-19 at the fake logit) inside float32's range; at
# W = 200 it is 1e-59, which float32 rounds to 0 on both sides of any correct implementation.
SATURATED_D = [_layer([[60.0]], [0.0])]
NARROW_G = [_layer([[2.0]], [0.1]), _layer([[-1.5]], [0.0])]
NETWORK_EDGES = (
    Sample((ZERO_D, ZERO_G, np.zeros((2, 2)), np.zeros((3, 1)), "relu", "relu"),
           label="pre-activations exactly 0 (relu'(0))"),
    Sample((ZERO_D, ZERO_G, np.array([[0.0, 0.0], [1.0, 1.0]]), np.zeros((1, 1)), "leaky_relu", "leaky_relu"),
           label="pre-activations exactly 0 (leaky_relu'(0))"),
    Sample((SATURATED_D, NARROW_G, np.array([[1.0], [-1.0]]), np.array([[1.0], [-1.0], [0.0]]), "tanh", "tanh"),
           label="saturated discriminator (logits +-60), widths one"),
    Sample((SATURATED_D, NARROW_G, np.array([[0.3]]), np.array([[0.2]]), "relu", "tanh"), label="one example each"),
)
STEP_EDGES = tuple(Sample(edge.args[:4] + (0.1,) + edge.args[4:], label=edge.label) for edge in NETWORK_EDGES)

PAIRS = [
    Pair("gan.output_gradients", reference.gan.output_gradients, fast.gan.output_gradients, _logit_sample,
         sizes=(1, 4, 16), edges=OUTPUT_EDGES),
    Pair("gan.discriminator_logits", _reference_discriminator_logits, fast.gan.discriminator_logits,
         _discriminator_sample, sizes=(1, 3, 8), note="the reference's cache of activations is not compared",
         edges=tuple(Sample((edge.args[0], edge.args[2], edge.args[4]), label=edge.label) for edge in NETWORK_EDGES),
         magnitude=_logits_magnitude),
    Pair("gan.generator_forward", _reference_generator_forward, fast.gan.generator_forward, _generator_sample,
         sizes=(1, 3, 8), note="the reference's cache of activations is not compared",
         edges=tuple(Sample((edge.args[1], edge.args[3], edge.args[5]), label=edge.label) for edge in NETWORK_EDGES),
         magnitude=_network_magnitude),
    Pair("gan.gan_loss", reference.gan.gan_loss, fast.gan.gan_loss, _gan_sample, sizes=(1, 3, 8), edges=NETWORK_EDGES),
    Pair("gan.gan_gradients", reference.gan.gan_gradients, fast.gan.gan_gradients, _gan_sample, sizes=(1, 3, 8),
         rtol={"float64": 1e-10, "float32": 1e-3}, note=CANCELLATION, edges=NETWORK_EDGES),
    Pair("gan.gan_step", reference.gan.gan_step, fast.gan.gan_step, _step_sample, sizes=(1, 3, 8), edges=STEP_EDGES,
         rtol={"float64": 1e-10, "float32": 1e-3}, note="float32: theta + alpha grad carries the gradient's "
         "cancellation (gan.gan_gradients) into the weights it moves; seed 2^32 - 1 gave 7.9e-5."),
]
