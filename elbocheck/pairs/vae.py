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
from elbocheck.pairs.core import Pair, Sample, mlp_magnitude

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


# Values mixed into the samples of the densities and KLs, about one entry in four, where the answer is decided by
# cancellation (logvar near 0: e^v - 1 - v), by magnitudes far from 1, or by a limit: each is exact in float32
# and keeps every finite result within float32's range.
LOGVAR_EDGES = (0.0, 1e-3, -1e-3, 2.0**-20, -(2.0**-20), 40.0, -40.0)
MEAN_EDGES = (0.0, 1e-30, -1e-30, 1e6, -1e6)
LOGIT_EDGES = (0.0, 50.0, -50.0, 1e4, -1e4, np.inf, -np.inf)
# Log-variances that overflow e^v or e^-v in every float format: used only where the exact answer does not need
# e^v (p = q in a KL, x = mean in a density), so both sides must find it without forming e^v.
OVERFLOW_LOGVARS = (1000.0, -750.0)


def _with_edges(rng: np.random.Generator, array: np.ndarray, edges, share: float = 0.25) -> np.ndarray:
    """`array` with about `share` of its entries replaced by values drawn from `edges`."""
    chosen = rng.random(array.shape) < share
    out = np.array(array, dtype=np.float64)
    out[chosen] = rng.choice(np.asarray(edges, dtype=np.float64), size=int(chosen.sum()))
    return out


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
    mu, logvar = _gaussian_parameters(rng, (B, k))
    mu, logvar = _with_edges(rng, mu, MEAN_EDGES[:3]), _with_edges(rng, logvar, LOGVAR_EDGES)
    prior = rng.random((B, k)) < 0.2  # coordinates at the prior itself: their KL is exactly 0
    mu[prior], logvar[prior] = 0.0, 0.0
    return Sample((mu, logvar), label=f"B={B} k={k}")


def _kl_normal_sample(rng: np.random.Generator, size: int) -> Sample:
    B, k = int(rng.integers(1, size + 1)), int(rng.integers(1, size + 1))
    mu_p, logvar_p = _gaussian_parameters(rng, (B, k))
    mu_q, logvar_q = _gaussian_parameters(rng, (B, k))
    logvar_p, logvar_q = _with_edges(rng, logvar_p, LOGVAR_EDGES), _with_edges(rng, logvar_q, LOGVAR_EDGES)
    mu_p, mu_q = _with_edges(rng, mu_p, MEAN_EDGES[:3]), _with_edges(rng, mu_q, MEAN_EDGES[:3])
    same = rng.random((B, k)) < 0.25  # p = q coordinate by coordinate, at ordinary and overflowing log-variances
    logvar_p[same] = np.where(rng.random(int(same.sum())) < 0.5, logvar_p[same],
                              rng.choice(OVERFLOW_LOGVARS, size=int(same.sum())))
    mu_q[same], logvar_q[same] = mu_p[same], logvar_p[same]
    nearby = ~same & (rng.random((B, k)) < 0.25)  # q a rounding step from p: the KL is its cancellation error
    mu_q[nearby] = mu_p[nearby] * (1.0 + 2.0**-20)
    logvar_q[nearby] = logvar_p[nearby] + 2.0**-20
    return Sample((mu_p, logvar_p, mu_q, logvar_q), label=f"B={B} k={k}")


def _phi_sample(rng: np.random.Generator, size: int) -> Sample:
    """t near 0 (the series), around the series' radius 1/4, and in [-30, 30]."""
    t = np.concatenate([rng.uniform(-1e-3, 1e-3, size), rng.uniform(0.2, 0.3, size) * rng.choice([-1, 1], size),
                        rng.uniform(-30.0, 30.0, size)])
    return Sample((t,), label=f"{3 * size} values")


def _covariances(rng: np.random.Generator, shape) -> np.ndarray:
    """Symmetric positive-definite (..., k, k): A A^T / k + I / 10 with A standard normal."""
    k = shape[-1]
    factor = rng.standard_normal(tuple(shape) + (k,))
    return factor @ np.swapaxes(factor, -1, -2) / k + 0.1 * np.eye(k)


def _kl_full_covariance_sample(rng: np.random.Generator, size: int) -> Sample:
    B, k = int(rng.integers(1, size + 1)), int(rng.integers(1, size + 1))
    mu_p, mu_q = rng.uniform(-3.0, 3.0, (B, k)), rng.uniform(-3.0, 3.0, (B, k))
    cov_p, cov_q = _covariances(rng, (B, k)), _covariances(rng, (B, k))
    if rng.random() < 0.25:  # p = q
        mu_q, cov_q = mu_p.copy(), cov_p.copy()
    return Sample((mu_p, cov_p, mu_q, cov_q), label=f"B={B} k={k}")


def _bernoulli_sample(rng: np.random.Generator, size: int) -> Sample:
    B, D = int(rng.integers(1, size + 1)), int(rng.integers(1, size + 3))
    logits = _with_edges(rng, rng.uniform(-6.0, 6.0, (B, D)), LOGIT_EDGES)
    return Sample((_data(rng, (B, D), "bernoulli"), logits), label=f"B={B} D={D}")


def _gaussian_sample(rng: np.random.Generator, size: int) -> Sample:
    B, D = int(rng.integers(1, size + 1)), int(rng.integers(1, size + 3))
    mean, logvar = _gaussian_parameters(rng, (B, D))
    x = rng.uniform(-3.0, 3.0, (B, D))
    mean, logvar = _with_edges(rng, mean, MEAN_EDGES), _with_edges(rng, logvar, LOGVAR_EDGES)
    x = np.where(np.abs(mean) > 1e3, mean + rng.uniform(-3.0, 3.0, (B, D)), x)  # far from 0, not from the mean
    at_mean = rng.random((B, D)) < 0.25  # x = mean: the density's value needs no e^{-logvar}
    x[at_mean] = mean[at_mean]
    overflowing = at_mean & (rng.random((B, D)) < 0.5)
    logvar[overflowing] = rng.choice(OVERFLOW_LOGVARS, size=int(overflowing.sum()))
    return Sample((x, mean, logvar), label=f"B={B} D={D}")


# Edge inputs, tried by every run before the random ones: the values of the extended real line where a Gaussian KL
# or log-likelihood once came out NaN or negative, and inputs that once failed a cross-check.
INF = np.inf
KL_EDGES = (
    Sample((np.zeros((1, 3)), np.array([[1e-3, -1e-3, 2.0**-20]])), label="logvar near 0 (e^v - 1 - v cancels)"),
    Sample((np.zeros((2, 2)), np.array([[-1000.0, 0.0], [1000.0, 0.0]])), label="logvar +-1000 (e^v overflows)"),
)
KL_NORMAL_EDGES = (
    Sample((np.zeros((1, 2)), np.full((1, 2), 1000.0), np.zeros((1, 2)), np.full((1, 2), 1000.0)),
           label="p = q at logvar 1000"),
    Sample((np.ones((1, 2)), np.full((1, 2), -750.0), np.ones((1, 2)), np.full((1, 2), -750.0)),
           label="p = q at logvar -750"),
    Sample((np.zeros((1, 2)), np.array([[1e-3, 0.0]]), np.zeros((1, 2)), np.array([[0.0, 1e-3]])),
           label="log-variances 1e-3 apart"),
    Sample((np.array([[INF, 0.0]]), np.array([[0.0, -INF]]), np.zeros((1, 2)), np.zeros((1, 2))),
           label="infinite mean, zero variance"),
)
BERNOULLI_EDGES = (
    Sample((np.array([[1.0, 0.0, 1.0, 0.0]]), np.array([[INF, -INF, -INF, INF]])), label="logits +-inf"),
    Sample((np.array([[1.0, 0.0]]), np.array([[50.0, -50.0]])), label="logits +-50 agreeing with x"),
    Sample((np.array([[0.0]]), np.array([[-5.089679170020114]])), label="x = 0, l = -5.09 (once failed, seed 250)"),
    Sample((np.array([[0.0]]), np.array([[-5.692329474392922]])), label="x = 0, l = -5.69 (once failed, seed 366)"),
)
GAUSSIAN_EDGES = (
    Sample((np.ones((1, 2)), np.ones((1, 2)), np.array([[-750.0, 1000.0]])), label="x = mean at logvar -750, 1000"),
    Sample((np.array([[1.0, 1.0, 2.0]]), np.array([[1.0, 2.0, 0.0]]), np.array([[-INF, -INF, INF]])),
           label="infinite log-variances"),
    Sample((np.array([[1e6, -3.0]]), np.array([[1e6 + 0.5, -3.0]]), np.array([[-20.0, 40.0]])),
           label="large means, small and large variances"),
)


# ---------------------------------------------------------------- the magnitude of the terms each result sums
# (as the documents write the formula, so that any implementation of it as written is judged by its rounding)


def _finite(array: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(array), array, 0.0)


def _kl_magnitude(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """1/2 sum (mu^2 + e^v + 1 + |v|): the terms of the definition 1/2 sum (mu^2 + sigma^2 - 1 - log sigma^2), which
    cancel to v^2 / 4 near v = 0 in a KL computed as written."""
    with np.errstate(over="ignore"):
        return 0.5 * np.sum(_finite(mu**2 + np.exp(logvar) + 1.0 + np.abs(logvar)), axis=-1)


def _kl_normal_magnitude(mu_p, logvar_p, mu_q, logvar_q) -> np.ndarray:
    """1/2 sum (|t| + e^t + (mu_q - mu_p)^2 e^{-logvar_q} + 1), t = logvar_p - logvar_q: the terms of seed 003 (10)
    as written, log(s_q / s_p) + (s_p^2 + (mu_q - mu_p)^2) / (2 s_q^2) - 1/2."""
    t = logvar_p - logvar_q
    difference = mu_q - mu_p
    with np.errstate(over="ignore", invalid="ignore"):
        shift = np.where(difference == 0.0, 0.0, difference**2 * np.exp(-logvar_q))
        return 0.5 * np.sum(_finite(np.abs(t) + np.exp(t) + shift + 1.0), axis=-1)


def _kl_full_covariance_magnitude(mu_p, cov_p, mu_q, cov_q) -> np.ndarray:
    """1/2 (tr(Sigma_q^-1 Sigma_p) + d^T Sigma_q^-1 d + k + |ln |Sigma_q|| + |ln |Sigma_p||)."""
    trace = np.trace(np.linalg.solve(cov_q, cov_p), axis1=-2, axis2=-1)
    difference = (mu_q - mu_p)[..., None]
    mahalanobis = (np.swapaxes(difference, -1, -2) @ np.linalg.solve(cov_q, difference))[..., 0, 0]
    log_dets = np.abs(np.linalg.slogdet(cov_q)[1]) + np.abs(np.linalg.slogdet(cov_p)[1])
    return 0.5 * (trace + mahalanobis + mu_p.shape[-1] + log_dets)


def _bernoulli_magnitude(x: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """sum |x l| + log(1 + e^l): the terms of x l - softplus(l), which cancel where x agrees with a large |l|."""
    with np.errstate(invalid="ignore"):
        return np.sum(_finite(np.abs(x * logits)) + _finite(np.logaddexp(0.0, logits)), axis=-1)


def _gaussian_magnitude(x: np.ndarray, mean: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """1/2 sum (log 2 pi + |logvar| + (x - mean)^2 e^{-logvar}): a negative logvar cancels the other terms."""
    difference = x - mean
    with np.errstate(over="ignore", invalid="ignore"):
        distance = np.where(difference == 0.0, 0.0, difference**2 * np.exp(-logvar))
    return 0.5 * np.sum(_finite(reference.vae.LOG_2PI + np.abs(logvar) + distance), axis=-1)


def _gaussian_backward_magnitude(x: np.ndarray, mean: np.ndarray, logvar: np.ndarray):
    """(|d log N / d mean|, ((x - mean)^2 e^{-logvar} + 1) / 2), the terms of the logvar derivative."""
    difference = x - mean
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.where(difference == 0.0, 0.0, np.abs(difference) * np.exp(-logvar))
        distance = np.where(difference == 0.0, 0.0, difference**2 * np.exp(-logvar))
    return _finite(scaled), _finite((distance + 1.0) / 2.0)


def _encode_magnitude(params: dict, x: np.ndarray, activation: str = "relu"):
    return reference.vae.split_halves(mlp_magnitude(params["encoder"], x, activation))


def _decode_magnitude(params: dict, z: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"):
    bound = mlp_magnitude(params["decoder"], z, activation)
    return bound if decoder == "bernoulli" else reference.vae.split_halves(bound)


def _reconstruction_magnitude(x, bound, decoded, decoder):
    """(...): a bound on the terms log p(x | z) sums, given the decoder's output `decoded` and the bound on its
    outputs and their rounding, `bound` (..., D or 2D): |x l| + softplus(l) <= 2 M + log 2 for Bernoulli logits;
    for a Gaussian, 1/2 (log 2 pi + M_logvar + (|x| + M_mean)^2 e^{-logvar} (1 + M_logvar))."""
    if decoder == "bernoulli":
        return np.sum(2.0 * bound + np.log(2.0), axis=-1)
    mean_bound, logvar_bound = reference.vae.split_halves(bound)
    _, logvar = decoded
    with np.errstate(over="ignore"):
        spread = (np.abs(x) + mean_bound) ** 2 * np.exp(-logvar) * (1.0 + logvar_bound)
    return 0.5 * np.sum(_finite(reference.vae.LOG_2PI + logvar_bound + spread), axis=-1)


def _model_terms(params, x, eps, decoder="bernoulli", activation="relu") -> np.ndarray:
    """(B, r): for each datum and draw, a bound on the terms log p(x | z) + log N(z; 0, I) - log q(z | x) sums
    and on the rounding the two networks carry into them (pairs.core.mlp_magnitude), with |z| bounded by
    M_mu + sigma |eps| (1 + M_logvar / 2)."""
    mu_bound, logvar_bound = reference.vae.split_halves(mlp_magnitude(params["encoder"], x, activation))
    mu, logvar = reference.vae.encode(params, x, activation)
    sigma = np.exp(logvar / 2.0)[:, None, :]
    z = mu[:, None, :] + sigma * eps
    z_bound = mu_bound[:, None, :] + sigma * np.abs(eps) * (1.0 + logvar_bound[:, None, :] / 2.0)
    decoded = reference.vae.decode(params, z, decoder, activation)
    reconstruction = _reconstruction_magnitude(x[:, None, :], mlp_magnitude(params["decoder"], z_bound, activation),
                                               decoded, decoder)
    prior = 0.5 * np.sum(reference.vae.LOG_2PI + z_bound**2, axis=-1)
    posterior = 0.5 * np.sum(reference.vae.LOG_2PI + logvar_bound[:, None, :] + eps**2, axis=-1)
    return reconstruction + prior + posterior


def _per_datum_magnitude(params, x, eps, decoder="bernoulli", activation="relu"):
    """The largest draw's terms: a mean over draws, or a log-mean-exp of them, carries no more."""
    return np.max(_model_terms(params, x, eps, decoder, activation), axis=-1)


def _batch_magnitude(params, x, eps, decoder="bernoulli", activation="relu"):
    return np.mean(_per_datum_magnitude(params, x, eps, decoder, activation))


def _adam_magnitude(params, grads, state, lr, *args, **kwargs):
    """The update with every term's sign aligned: b1 |m| + (1 - b1) |g| for m, and |theta| + lr |m_hat| /
    (sqrt(v_hat) + eps) for the parameters, the terms whose float32 rounding survives when b1 m and (1 - b1) g
    cancel (m = -3.9e-5 from terms of 0.1, seed 255545577); v sums non-negative terms already."""
    def negative(tree):
        return reference.vae.tree_map(lambda leaf: -np.abs(leaf), tree)

    aligned = {"step": state["step"], "m": negative(state["m"]), "v": state["v"]}
    return reference.vae.adam_step(reference.vae.tree_map(np.abs, params), negative(grads), aligned, lr, *args,
                                   **kwargs)


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


def _pairs_for_both_decoders(name: str, sample_factory, wrap=None, magnitude=None) -> list[Pair]:
    same = wrap or (lambda function: function)
    return [
        Pair(f"vae.{name}[{decoder}]", same(getattr(reference.vae, name)), same(getattr(fast.vae, name)),
             sample_factory(decoder), adapt=wrap, magnitude=magnitude)
        for decoder in reference.vae.DECODERS
    ]


PAIRS: list[Pair] = [
    Pair("vae.encode", reference.vae.encode, fast.vae.encode, _encode_sample, magnitude=_encode_magnitude),
    Pair("vae.reparameterize", reference.vae.reparameterize, fast.vae.reparameterize, _reparameterize_sample),
    Pair("vae.reparameterize_backward", reference.vae.reparameterize_backward, fast.vae.reparameterize_backward,
         _reparameterize_backward_sample),
    Pair("vae.exp_minus_one_minus", reference.vae.exp_minus_one_minus, fast.vae.exp_minus_one_minus, _phi_sample,
         edges=(Sample((np.array([0.0, 1e-3, -1e-3, 0.2499, 0.25, -0.25, 80.0, -1000.0, INF, -INF]),),
                       label="0, near 0, the series' edge, large, +-inf"),)),
    Pair("vae.kl_to_standard_normal", reference.vae.kl_to_standard_normal, fast.vae.kl_to_standard_normal, _kl_sample,
         magnitude=_kl_magnitude, edges=KL_EDGES),
    Pair("vae.kl_to_standard_normal_backward", reference.vae.kl_to_standard_normal_backward,
         fast.vae.kl_to_standard_normal_backward, _kl_sample),
    Pair("vae.kl_normal", reference.vae.kl_normal, fast.vae.kl_normal, _kl_normal_sample,
         magnitude=_kl_normal_magnitude, edges=KL_NORMAL_EDGES),
    Pair("vae.kl_normal_full_covariance", reference.vae.kl_normal_full_covariance,
         fast.vae.kl_normal_full_covariance, _kl_full_covariance_sample, magnitude=_kl_full_covariance_magnitude),
    Pair("vae.bernoulli_log_likelihood", reference.vae.bernoulli_log_likelihood, fast.vae.bernoulli_log_likelihood,
         _bernoulli_sample, magnitude=_bernoulli_magnitude, edges=BERNOULLI_EDGES),
    Pair("vae.bernoulli_log_likelihood_backward", reference.vae.bernoulli_log_likelihood_backward,
         fast.vae.bernoulli_log_likelihood_backward, _bernoulli_sample, edges=BERNOULLI_EDGES),
    Pair("vae.gaussian_log_likelihood", reference.vae.gaussian_log_likelihood, fast.vae.gaussian_log_likelihood,
         _gaussian_sample, magnitude=_gaussian_magnitude, edges=GAUSSIAN_EDGES),
    Pair("vae.gaussian_log_likelihood_backward", reference.vae.gaussian_log_likelihood_backward,
         fast.vae.gaussian_log_likelihood_backward, _gaussian_sample, magnitude=_gaussian_backward_magnitude,
         edges=GAUSSIAN_EDGES[:1] + GAUSSIAN_EDGES[2:]),
    *_pairs_for_both_decoders("decode", _decode_sample, magnitude=_decode_magnitude),
    *_pairs_for_both_decoders("log_likelihood", _log_likelihood_sample),
    *_pairs_for_both_decoders("elbo", _model_sample, magnitude=_per_datum_magnitude),
    *_pairs_for_both_decoders("negative_elbo", _model_sample, magnitude=_batch_magnitude),
    *_pairs_for_both_decoders("negative_elbo_gradients", _model_sample, _as_vector),
    *_pairs_for_both_decoders("elbo_two_latent", _two_latent_sample),
    *_pairs_for_both_decoders("negative_elbo_two_latent_gradients", _two_latent_sample, _as_vector),
    *_pairs_for_both_decoders("log_importance_weights", _model_sample, magnitude=_model_terms),
    *_pairs_for_both_decoders("elbo_monte_carlo", _model_sample, magnitude=_per_datum_magnitude),
    *_pairs_for_both_decoders("iwae_bound", _model_sample, magnitude=_per_datum_magnitude),
    *_pairs_for_both_decoders("autoencoder_loss", _autoencoder_sample),
    Pair("vae.adam_step", reference.vae.adam_step, fast.vae.adam_step, _adam_sample, magnitude=_adam_magnitude),
]
