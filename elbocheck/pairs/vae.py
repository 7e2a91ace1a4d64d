"""Reference/fast pairs of the variational autoencoder (seed 001 section 4, seed 002 Problems 1-2, seed 003
Problem 1, seed 000 Problem 2): the pieces, the ELBO and its estimators, and the loss with every weight's
gradient, hand-written on the reference side and autograd on the fast side, for both decoders.

Each sample draws a small network (D pixels, k latents, one or two hidden layers, B data, r samples) with
`reference.vae.init_params`, so both sides take the same weights.
"""

from __future__ import annotations

import numpy as np
import torch

import elbocheck.fast.vae
import elbocheck.reference.vae
from elbocheck import fast, reference
from elbocheck.pairs.core import Pair, Sample

ACTIVATIONS = ("relu", "tanh", "leaky_relu")


def _sizes(rng: np.random.Generator, size: int) -> dict:
    """D pixels, k latents, hidden widths, B data, r samples, all at most about `size`."""
    layers = int(rng.integers(1, 3))
    return {
        "D": int(rng.integers(1, size + 3)),
        "k": int(rng.integers(1, size + 1)),
        "hidden": [int(width) for width in rng.integers(1, size + 3, size=layers)],
        "B": int(rng.integers(1, size + 1)),
        "r": int(rng.integers(1, 4)),
        "activation": str(rng.choice(ACTIVATIONS)),
    }


def _data(rng: np.random.Generator, shape, decoder: str) -> np.ndarray:
    """Binary pixels for a Bernoulli decoder, grey levels in [0, 1] for a Gaussian one."""
    return (rng.random(shape) < 0.5).astype(np.float64) if decoder == "bernoulli" else rng.random(shape)


def _label(s: dict, decoder: str = "") -> str:
    return f"D={s['D']} k={s['k']} hidden={s['hidden']} B={s['B']} r={s['r']} {s['activation']} {decoder}".strip()


def _model_sample(decoder: str):
    def sample(rng: np.random.Generator, size: int) -> Sample:
        s = _sizes(rng, size)
        params = reference.vae.init_params(s["D"], s["k"], s["hidden"], decoder, rng)
        x = _data(rng, (s["B"], s["D"]), decoder)
        eps = rng.standard_normal((s["B"], s["r"], s["k"]))
        return Sample((params, x, eps, decoder, s["activation"]), label=_label(s, decoder))

    return sample


def _two_latent_sample(decoder: str):
    def sample(rng: np.random.Generator, size: int) -> Sample:
        s = _sizes(rng, size)
        k_y, k_z = int(rng.integers(1, size + 1)), s["k"]
        params = reference.vae.init_params_two_latent(s["D"], k_y, k_z, s["hidden"], decoder, rng)
        x = _data(rng, (s["B"], s["D"]), decoder)
        eps_y = rng.standard_normal((s["B"], s["r"], k_y))
        eps_z = rng.standard_normal((s["B"], s["r"], k_z))
        return Sample((params, x, eps_y, eps_z, decoder, s["activation"]), label=_label(s, decoder) + f" k_y={k_y}")

    return sample


def _encode_sample(rng: np.random.Generator, size: int) -> Sample:
    s = _sizes(rng, size)
    params = reference.vae.init_params(s["D"], s["k"], s["hidden"], "bernoulli", rng)
    return Sample((params, _data(rng, (s["B"], s["D"]), "bernoulli"), s["activation"]), label=_label(s))


def _decode_sample(decoder: str):
    def sample(rng: np.random.Generator, size: int) -> Sample:
        s = _sizes(rng, size)
        params = reference.vae.init_params(s["D"], s["k"], s["hidden"], decoder, rng)
        return Sample((params, rng.standard_normal((s["B"], s["k"])), decoder, s["activation"]), label=_label(s, decoder))

    return sample


def _log_likelihood_sample(decoder: str):
    def sample(rng: np.random.Generator, size: int) -> Sample:
        s = _sizes(rng, size)
        params = reference.vae.init_params(s["D"], s["k"], s["hidden"], decoder, rng)
        x = _data(rng, (s["B"], s["D"]), decoder)
        z = rng.standard_normal((s["B"], s["r"], s["k"]))
        return Sample((params, x, z, decoder, s["activation"]), label=_label(s, decoder))

    return sample


def _gaussian_parameters(rng: np.random.Generator, shape) -> tuple[np.ndarray, np.ndarray]:
    """Means in [-3, 3] and log-variances in [-3, 3]."""
    return rng.uniform(-3.0, 3.0, shape), rng.uniform(-3.0, 3.0, shape)


def _reparameterize_sample(rng: np.random.Generator, size: int) -> Sample:
    B, r, k = int(rng.integers(1, size + 1)), int(rng.integers(1, 4)), int(rng.integers(1, size + 1))
    mu, logvar = _gaussian_parameters(rng, (B, k))
    return Sample((mu, logvar, rng.standard_normal((B, r, k))), label=f"B={B} r={r} k={k}")


def _reparameterize_backward_sample(rng: np.random.Generator, size: int) -> Sample:
    B, r, k = int(rng.integers(1, size + 1)), int(rng.integers(1, 4)), int(rng.integers(1, size + 1))
    _, logvar = _gaussian_parameters(rng, (B, k))
    return Sample((rng.standard_normal((B, r, k)), logvar, rng.standard_normal((B, r, k))), label=f"B={B} r={r} k={k}")


def _kl_sample(rng: np.random.Generator, size: int) -> Sample:
    B, k = int(rng.integers(1, size + 1)), int(rng.integers(1, size + 1))
    return Sample(_gaussian_parameters(rng, (B, k)), label=f"B={B} k={k}")


def _kl_normal_sample(rng: np.random.Generator, size: int) -> Sample:
    B, k = int(rng.integers(1, size + 1)), int(rng.integers(1, size + 1))
    return Sample((*_gaussian_parameters(rng, (B, k)), *_gaussian_parameters(rng, (B, k))), label=f"B={B} k={k}")


def _bernoulli_sample(rng: np.random.Generator, size: int) -> Sample:
    B, D = int(rng.integers(1, size + 1)), int(rng.integers(1, size + 3))
    return Sample((_data(rng, (B, D), "bernoulli"), rng.uniform(-6.0, 6.0, (B, D))), label=f"B={B} D={D}")


def _gaussian_sample(rng: np.random.Generator, size: int) -> Sample:
    B, D = int(rng.integers(1, size + 1)), int(rng.integers(1, size + 3))
    mean, logvar = _gaussian_parameters(rng, (B, D))
    return Sample((rng.uniform(-3.0, 3.0, (B, D)), mean, logvar), label=f"B={B} D={D}")


def _autoencoder_sample(decoder: str):
    def sample(rng: np.random.Generator, size: int) -> Sample:
        s = _sizes(rng, size)
        params = reference.vae.init_autoencoder(s["D"], s["k"], s["hidden"], decoder, rng)
        return Sample((params, _data(rng, (s["B"], s["D"]), decoder), decoder, s["activation"]), label=_label(s, decoder))

    return sample


def _adam_sample(rng: np.random.Generator, size: int) -> Sample:
    s = _sizes(rng, size)
    params = reference.vae.init_params(s["D"], s["k"], s["hidden"], "bernoulli", rng)
    grads = reference.vae.tree_map(lambda p: rng.standard_normal(p.shape), params)
    state = {
        "step": int(rng.integers(0, 20)),
        "m": reference.vae.tree_map(lambda p: 0.1 * rng.standard_normal(p.shape), params),
        "v": reference.vae.tree_map(lambda p: rng.random(p.shape), params),
    }
    return Sample((params, grads, state, 1e-2), label=_label(s))


def _as_vector(gradients):
    """(loss, gradients) -> (loss, every weight's gradient in one vector), for a normwise comparison over the whole
    gradient: judged layer by layer, a layer whose gradient is 1e-4 of the others' (a dead unit, a near-zero path)
    would fail float32's 1e-5 on the rounding of the larger terms that cancel in it."""

    def flat(*args):
        loss, grads = gradients(*args)
        leaves = [leaf.reshape(-1) for leaf in reference.vae.tree_leaves(grads)]
        if isinstance(leaves[0], np.ndarray):
            return loss, np.concatenate(leaves)
        return loss, torch.cat(leaves)

    flat.__name__ = gradients.__name__
    return flat


def _pairs_for_both_decoders(name: str, sample_factory, wrap=None) -> list[Pair]:
    same = wrap or (lambda function: function)
    return [
        Pair(f"vae.{name}[{decoder}]", same(getattr(reference.vae, name)), same(getattr(fast.vae, name)),
             sample_factory(decoder), adapt=wrap)
        for decoder in reference.vae.DECODERS
    ]


PAIRS: list[Pair] = [
    Pair("vae.encode", reference.vae.encode, fast.vae.encode, _encode_sample),
    Pair("vae.reparameterize", reference.vae.reparameterize, fast.vae.reparameterize, _reparameterize_sample),
    Pair("vae.reparameterize_backward", reference.vae.reparameterize_backward, fast.vae.reparameterize_backward,
         _reparameterize_backward_sample),
    Pair("vae.kl_to_standard_normal", reference.vae.kl_to_standard_normal, fast.vae.kl_to_standard_normal, _kl_sample),
    Pair("vae.kl_to_standard_normal_backward", reference.vae.kl_to_standard_normal_backward,
         fast.vae.kl_to_standard_normal_backward, _kl_sample),
    Pair("vae.kl_normal", reference.vae.kl_normal, fast.vae.kl_normal, _kl_normal_sample),
    Pair("vae.bernoulli_log_likelihood", reference.vae.bernoulli_log_likelihood, fast.vae.bernoulli_log_likelihood,
         _bernoulli_sample),
    Pair("vae.bernoulli_log_likelihood_backward", reference.vae.bernoulli_log_likelihood_backward,
         fast.vae.bernoulli_log_likelihood_backward, _bernoulli_sample),
    Pair("vae.gaussian_log_likelihood", reference.vae.gaussian_log_likelihood, fast.vae.gaussian_log_likelihood,
         _gaussian_sample),
    Pair("vae.gaussian_log_likelihood_backward", reference.vae.gaussian_log_likelihood_backward,
         fast.vae.gaussian_log_likelihood_backward, _gaussian_sample),
    *_pairs_for_both_decoders("decode", _decode_sample),
    *_pairs_for_both_decoders("log_likelihood", _log_likelihood_sample),
    *_pairs_for_both_decoders("elbo", _model_sample),
    *_pairs_for_both_decoders("negative_elbo", _model_sample),
    *_pairs_for_both_decoders("negative_elbo_gradients", _model_sample, _as_vector),
    *_pairs_for_both_decoders("elbo_two_latent", _two_latent_sample),
    *_pairs_for_both_decoders("negative_elbo_two_latent_gradients", _two_latent_sample, _as_vector),
    *_pairs_for_both_decoders("log_importance_weights", _model_sample),
    *_pairs_for_both_decoders("elbo_monte_carlo", _model_sample),
    *_pairs_for_both_decoders("iwae_bound", _model_sample),
    *_pairs_for_both_decoders("autoencoder_loss", _autoencoder_sample),
    Pair("vae.adam_step", reference.vae.adam_step, fast.vae.adam_step, _adam_sample),
]
