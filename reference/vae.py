"""The variational autoencoder, literally: encoder, reparameterisation, decoder, ELBO, and its gradient by hand.

Sources: seed 001 section 4 (Gaussian decoder, r samples per datum, the algorithm of 4.c), seed 002 Problems 1-2
(the ELBO, its Monte Carlo estimate, the analytic KL), seed 003 Problem 1 (the Bernoulli decoder of (1), the losses
(16)-(19), the architecture of item 9) and seed 000 Problem 2 (two latents y and z with one decoder p(x | y, z)).

Parameters are a dict {"encoder": [(W, b), ...], "decoder": [(W, b), ...]} of `reference._nn` layers, the same
container `fast.vae` takes. The encoder maps x (D,) to [mu, logvar] (2k,), the mean and log-variance of
q(z | x) = N(mu, diag(exp(logvar))); the decoder maps z (k,) to Bernoulli logits (D,), or to [mean, logvar] (2D,) of
a diagonal Gaussian p(x | z). The prior is p(z) = N(0, I). Sums over data i and samples j are loops, as the
documents write them; the backward pass sits next to each forward.
"""

from __future__ import annotations

import math

import numpy as np

from elbocheck.reference._nn import mlp_backward, mlp_forward, sigmoid
from elbocheck.shared.nn import check_activation, init_mlp
from elbocheck.shared.params import tree_leaves, tree_map  # noqa: F401  (public, as in fast.vae)
from elbocheck.shared.vae import DECODERS, LOG_2PI, check_decoder, decoder_output_dim  # noqa: F401
from elbocheck.shared.vae import SERIES_RADIUS, SERIES_TERMS, TWO_ENCODERS, TWO_NOISES
from elbocheck.shared.vae import check_autoencoder_inputs, check_decoder_inputs, check_encoder_input, check_latents
from elbocheck.shared.vae import check_model_inputs, check_reparameterization, check_same_shape


def init_params(input_dim: int, latent: int, hidden, decoder: str, rng: np.random.Generator) -> dict:
    """Encoder D-h...-2k and decoder k-h...-D (2D for a Gaussian decoder), seed 003 item 9 (D-512-2k, k-512-D)."""
    hidden = [int(width) for width in hidden]
    return {
        "encoder": init_mlp([input_dim, *hidden, 2 * latent], rng),
        "decoder": init_mlp([latent, *hidden[::-1], decoder_output_dim(input_dim, decoder)], rng),
    }


def init_params_two_latent(input_dim: int, latent_y: int, latent_z: int, hidden, decoder: str, rng) -> dict:
    """Encoders x -> [mu_y, logvar_y] and x -> [mu_z, logvar_z] and one decoder [y, z] -> x, seed 000 Problem 2."""
    hidden = [int(width) for width in hidden]
    return {
        "encoder_y": init_mlp([input_dim, *hidden, 2 * latent_y], rng),
        "encoder_z": init_mlp([input_dim, *hidden, 2 * latent_z], rng),
        "decoder": init_mlp([latent_y + latent_z, *hidden[::-1], decoder_output_dim(input_dim, decoder)], rng),
    }


def split_halves(out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and second halves of the last axis: [mu, logvar] -> (mu, logvar)."""
    half = out.shape[-1] // 2
    return out[..., :half], out[..., half:]


# ---------------------------------------------------------------- encoder and reparameterisation


def encode(params: dict, x: np.ndarray, activation: str = "relu") -> tuple[np.ndarray, np.ndarray]:
    """[mu(x), logvar(x)] = MLP_phi(x), the parameters of q(z | x), seed 002 Problem 2.3; x (B, D) -> two (B, k)."""
    check_encoder_input(params, x)
    out, _ = mlp_forward(params["encoder"], x, activation)  # (B, 2k)
    return split_halves(out)


def reparameterize(mu: np.ndarray, logvar: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """z_ij = mu_i + exp(logvar_i / 2) * eps_ij, so z_ij ~ N(mu_i, diag(exp(logvar_i))), seed 002 Problem 1.5.

    Seed 000 Problem 2.2 writes mu + eps * sigma^2 (claim 000-2-reparam) and seed 001 4.b.1 writes mu + v^T Sigma
    (claim 001-4b-reparam); both are refuted, since the noise must be scaled by sigma = Sigma^{1/2}.
    mu, logvar (B, k), eps (B, r, k) -> z (B, r, k).
    Claims: 000-2-reparam, 000-2-reparam-z, 001-4b1-reparam, 001-4b-reparam, 002-1.5-reparam, 002-1.5-lotus,
    002-2.4-reparam, 004-3a.
    """
    check_reparameterization(mu, logvar, eps)
    batch, samples, _ = eps.shape
    z = np.empty_like(eps)
    for i in range(batch):
        sigma = np.exp(logvar[i] / 2.0)  # (k,)
        for j in range(samples):
            z[i, j] = mu[i] + sigma * eps[i, j]
    return z


def reparameterize_backward(grad_z: np.ndarray, logvar: np.ndarray, eps: np.ndarray):
    """dL/dmu_i = sum_j dL/dz_ij and dL/dlogvar_i = sum_j dL/dz_ij * eps_ij * exp(logvar_i / 2) / 2, seed 003 (22).

    grad_z, eps (B, r, k), logvar (B, k) -> (grad_mu, grad_logvar), each (B, k).
    Claims: 003-eq20, 003-eq22.
    """
    check_reparameterization(logvar, logvar, eps, grad_z)
    batch, samples, _ = eps.shape
    grad_mu = np.zeros_like(logvar)
    grad_logvar = np.zeros_like(logvar)
    for i in range(batch):
        half_sigma = np.exp(logvar[i] / 2.0) / 2.0  # (k,)
        for j in range(samples):
            grad_mu[i] += grad_z[i, j]
            grad_logvar[i] += grad_z[i, j] * eps[i, j] * half_sigma
    return grad_mu, grad_logvar


# ---------------------------------------------------------------- argument checks of the densities and KLs


def _floats(name: str, value) -> np.ndarray:
    """`value` as a float64 array; ValueError naming `name` unless it holds real numbers."""
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise ValueError(f"{name}: expected an array of real numbers, got dtype {array.dtype}")
    return array.astype(np.float64)


def _refuse_undefined(result: np.ndarray, arrays: dict, undefined: str) -> np.ndarray:
    """`result`, unless it holds NaN that no argument holds: then ValueError saying which combination of infinite
    arguments has no limit (`undefined`). NaN in gives NaN out, so that a run gone non-finite is stopped by its
    trainer, not mistaken for bad input."""
    if not np.any(np.isnan(result)) or any(np.any(np.isnan(array)) for array in arrays.values()):
        return result
    raise ValueError(undefined)




def exp_minus_one_minus(t: np.ndarray) -> np.ndarray:
    """phi(t) = e^t - 1 - t >= 0, accurate to rounding for every t: expm1(t) - t for |t| >= 1/4 (no cancellation of
    e^t against 1), the Taylor series t^2 sum_n t^n / (n+2)! below (where expm1(t) - t would still lose the digits
    of t^2 / 2 to those of t, and give 0 for |t| < 1e-16); +inf at t = +-inf."""
    t = np.asarray(t, dtype=np.float64)
    small = np.abs(t) < SERIES_RADIUS
    near = np.where(small, t, 0.0)
    series = np.zeros_like(t)
    for n in reversed(range(SERIES_TERMS)):
        series = series * near + 1.0 / math.factorial(n + 2)
    with np.errstate(over="ignore", invalid="ignore"):
        direct = np.where(np.isinf(t), np.inf, np.expm1(t) - t)
    return np.where(small, near * near * series, direct)


# ---------------------------------------------------------------- KL divergences


def kl_to_standard_normal(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) = 1/2 sum_m (mu_m^2 + sigma_m^2 - 1 - log sigma_m^2), per datum.

    Seed 002 Problem 1.7 (claim 002-1.7-kl) and seed 003 (17) (claim 003-eq17). Seed 003 (18) writes -M where -M/2
    belongs (claim 003-eq18), and seed 001 4.b.2 writes the determinant |Sigma| where the trace tr Sigma belongs
    (claim 001-4b2-kl); the correct form is 1/2 (||mu||^2 + tr Sigma - k - log |Sigma|).

    sigma^2 - 1 - log sigma^2 is computed as expm1(logvar) - logvar (no cancellation near logvar = 0, so the KL is
    never negative); infinite mu or logvar give +inf. mu, logvar (..., k) of one shape -> (...), nats per datum.
    ValueError naming the argument for other shapes or non-real dtypes; NaN in gives NaN out.
    Claims: 000-2-kl-y, 000-2-kl-z, 001-4b2-integrand, 001-4b2-kl, 002-1.7-entropy, 002-1.7-cross, 002-1.7-kl, 003-eq17,
    003-eq18.
    """
    mu, logvar = _floats("mu", mu), _floats("logvar", logvar)
    check_same_shape({"mu": mu, "logvar": logvar}, "means and log-variances (..., k) of one shape")
    latent = mu.shape[-1]
    flat_mu, flat_logvar = mu.reshape(-1, latent), logvar.reshape(-1, latent)
    kl = np.zeros(flat_mu.shape[0])
    for i in range(flat_mu.shape[0]):
        for m in range(latent):
            kl[i] += 0.5 * (flat_mu[i, m] ** 2 + exp_minus_one_minus(flat_logvar[i, m]))
    kl = kl.reshape(mu.shape[:-1])
    return _refuse_undefined(kl, {"mu": mu, "logvar": logvar}, "mu, logvar: no KL is defined here")


def kl_to_standard_normal_backward(mu: np.ndarray, logvar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dKL/dmu = mu and dKL/dlogvar = (exp(logvar) - 1) / 2 = expm1(logvar) / 2, each (..., k)."""
    mu, logvar = _floats("mu", mu), _floats("logvar", logvar)
    check_same_shape({"mu": mu, "logvar": logvar}, "means and log-variances (..., k) of one shape")
    return mu.copy(), np.expm1(logvar) / 2.0


_DIAGONAL_KL_SHAPES = ("means and log-variances (..., k), all four of one shape (for (k, k) covariance matrices "
                      "use kl_normal_full_covariance)")


def kl_normal(mu_p: np.ndarray, logvar_p: np.ndarray, mu_q: np.ndarray, logvar_q: np.ndarray) -> np.ndarray:
    """KL(p || q) = log(s_q / s_p) + (s_p^2 + (mu_q - mu_p)^2) / (2 s_q^2) - 1/2 per coordinate, summed over the
    last axis, for p = N(mu_p, s_p^2) and q = N(mu_q, s_q^2): seed 003 (10) (claim 003-eq10).

    Computed as 1/2 [phi(logvar_p - logvar_q) + (mu_q - mu_p)^2 e^{-logvar_q}] with phi(t) = e^t - 1 - t by expm1,
    so that p = q gives 0 for every logvar (e^1000 / e^1000 is not formed) and a zero mean difference contributes
    0 for every logvar_q. Limits at infinite arguments are returned (+inf where they exist). All four (..., k) of
    one shape -> (...), nats. ValueError naming the argument for another shape (a (k, k) covariance matrix among
    them), a non-real dtype, or infinite arguments without a limit (both means, or both log-variances, +inf); NaN
    in gives NaN out.
    Claims: 003-eq5, 003-eq6, 003-eq7, 003-eq8, 003-eq9, 003-eq10, 003-eq10-zero, 003-eq11, 003-eq11-expansion,
    003-eq11-algebra, 003-eq12, 003-eq13.
    """
    arrays = {"mu_p": _floats("mu_p", mu_p), "logvar_p": _floats("logvar_p", logvar_p),
              "mu_q": _floats("mu_q", mu_q), "logvar_q": _floats("logvar_q", logvar_q)}
    check_same_shape(arrays, _DIAGONAL_KL_SHAPES)
    mu_p, logvar_p, mu_q, logvar_q = arrays.values()
    total = np.zeros(mu_p.shape[:-1])
    for m in range(mu_p.shape[-1]):
        with np.errstate(over="ignore", invalid="ignore"):
            difference = mu_q[..., m] - mu_p[..., m]
            spread = exp_minus_one_minus(logvar_p[..., m] - logvar_q[..., m])
            shift = np.where(difference == 0.0, 0.0, (difference * np.exp(-logvar_q[..., m] / 2.0)) ** 2)
        total = total + 0.5 * (spread + shift)
    return _refuse_undefined(total, arrays, "mu_p, mu_q, logvar_p, logvar_q: no limit where both means or both "
                                            "log-variances are infinite, or an infinite mean meets logvar_q = +inf")


def _cholesky(name: str, covariance: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor of one symmetric positive-definite matrix; ValueError naming `name` otherwise."""
    if not np.all(np.isfinite(covariance)):
        raise ValueError(f"{name}: expected finite covariance matrices")
    scale = np.max(np.abs(covariance))
    if np.any(np.abs(covariance - covariance.T) > 1e-12 * scale):
        raise ValueError(f"{name}: expected symmetric covariance matrices")
    try:
        return np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name}: expected positive-definite covariance matrices") from None


def kl_normal_full_covariance(mu_p: np.ndarray, cov_p: np.ndarray, mu_q: np.ndarray, cov_q: np.ndarray) -> np.ndarray:
    """KL(N(mu_p, Sigma_p) || N(mu_q, Sigma_q)) = 1/2 [tr(Sigma_q^-1 Sigma_p) + d^T Sigma_q^-1 d - k
    + ln(|Sigma_q| / |Sigma_p|)], d = mu_q - mu_p: the multivariate form of seed 003 (10), with full covariances.

    Through the Cholesky factors Sigma = L L^T: tr = ||L_q^-1 L_p||_F^2, d^T Sigma_q^-1 d = ||L_q^-1 d||^2 and
    ln |Sigma| = 2 sum log diag L. mu_p, mu_q (..., k) and cov_p, cov_q (..., k, k) -> (...), nats. ValueError
    naming the argument for mismatched shapes, non-finite entries, or a matrix that is not symmetric
    positive-definite.
    """
    mu_p, mu_q = _floats("mu_p", mu_p), _floats("mu_q", mu_q)
    cov_p, cov_q = _floats("cov_p", cov_p), _floats("cov_q", cov_q)
    check_same_shape({"mu_p": mu_p, "mu_q": mu_q}, "means (..., k) of one shape")
    expected = mu_p.shape + mu_p.shape[-1:]
    for name, covariance in (("cov_p", cov_p), ("cov_q", cov_q)):
        if covariance.shape != expected:
            raise ValueError(f"{name}: expected covariance matrices of shape (..., k, k) = {expected} to match the "
                             f"means {mu_p.shape}, got {covariance.shape}")
    for name, mean in (("mu_p", mu_p), ("mu_q", mu_q)):
        if not np.all(np.isfinite(mean)):
            raise ValueError(f"{name}: expected finite means")
    latent = mu_p.shape[-1]
    flat = [array.reshape((-1,) + array.shape[mu_p.ndim - 1:]) for array in (mu_p, cov_p, mu_q, cov_q)]
    kl = np.empty(flat[0].shape[0])
    for i, (m_p, s_p, m_q, s_q) in enumerate(zip(*flat)):
        factor_p, factor_q = _cholesky("cov_p", s_p), _cholesky("cov_q", s_q)
        whitened_p = np.linalg.solve(factor_q, factor_p)  # L_q^-1 L_p, (k, k)
        whitened_d = np.linalg.solve(factor_q, m_q - m_p)  # L_q^-1 d, (k,)
        log_det_ratio = 2.0 * np.sum(np.log(np.diag(factor_q))) - 2.0 * np.sum(np.log(np.diag(factor_p)))
        kl[i] = 0.5 * (np.sum(whitened_p**2) + np.sum(whitened_d**2) - latent + log_det_ratio)
    return kl.reshape(mu_p.shape[:-1])


# ---------------------------------------------------------------- decoders and their log-likelihoods


def _softplus(a: np.ndarray) -> np.ndarray:
    """log(1 + e^a), without overflow."""
    return np.logaddexp(0.0, a)


def _check_bernoulli(x, logits) -> tuple[np.ndarray, np.ndarray]:
    x, logits = _floats("x", x), _floats("logits", logits)
    try:
        np.broadcast_shapes(x.shape, logits.shape)
    except ValueError:
        raise ValueError(f"x: expected a shape that broadcasts with logits {logits.shape}, got {x.shape}") from None
    if logits.ndim == 0:
        raise ValueError("logits: expected an array (..., D), got a scalar")
    if not np.all((x >= 0.0) & (x <= 1.0)):
        raise ValueError("x: expected pixel values in [0, 1]")
    return x, logits


def bernoulli_log_likelihood(x: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """log p(x | z) = sum_d x_d l_d - log(1 + e^{l_d}), l = the decoder's logits: the Bernoulli decoder of seed 003 (1).

    Computed as sum_d x_d log sigmoid(l_d) + (1 - x_d) log sigmoid(-l_d), the same function, whose terms do not
    cancel and which holds at l = +-inf: 0 where the pixel agrees with the logit's sign, -inf where it does not.
    x in [0, 1] and logits (..., D) broadcast; sums the last axis -> (...), nats. ValueError naming the argument
    for x outside [0, 1] or shapes that do not broadcast; NaN logits give NaN.
    """
    x, logits = _check_bernoulli(x, logits)
    with np.errstate(invalid="ignore"):
        on = np.where(x == 0.0, 0.0, x * -_softplus(-logits))
        off = np.where(x == 1.0, 0.0, (1.0 - x) * -_softplus(logits))
    return np.sum(on + off, axis=-1)


def bernoulli_log_likelihood_backward(x: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """d log p / d l_d = x_d - sigmoid(l_d), as x_d sigmoid(-l_d) - (1 - x_d) sigmoid(l_d), the derivative of the
    form bernoulli_log_likelihood sums, which keeps 1 - sigmoid(50) = 2e-22 instead of rounding it to 0; (..., D)."""
    x, logits = _check_bernoulli(x, logits)
    on = np.where(x == 0.0, 0.0, x * sigmoid(-logits))
    off = np.where(x == 1.0, 0.0, (1.0 - x) * sigmoid(logits))
    return on - off


def _check_gaussian(x, mean, logvar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = {"x": _floats("x", x), "mean": _floats("mean", mean), "logvar": _floats("logvar", logvar)}
    shapes = [array.shape for array in arrays.values()]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"x, mean, logvar: expected shapes that broadcast, got {shapes}") from None
    if max(len(shape) for shape in shapes) == 0:
        raise ValueError("x: expected an array (..., D), got a scalar")
    if np.any(np.isinf(arrays["x"]) & (arrays["x"] == arrays["mean"])):
        raise ValueError("x, mean: no density where both are the same infinity")
    return tuple(arrays.values())


def _squared_distance(difference: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """(x - mean)^2 e^{-logvar} as ((x - mean) e^{-logvar / 2})^2 (1e-200 at logvar -750 is 1e-76, not 0 * inf), 0
    where x = mean or logvar = +inf."""
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = difference * np.exp(-logvar / 2.0)
        return np.where((difference == 0.0) | (logvar == np.inf), 0.0, scaled * scaled)


def gaussian_log_likelihood(x: np.ndarray, mean: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """log N(x; mean, diag(e^logvar)) = -1/2 sum_d (log 2 pi + logvar_d + (x_d - mean_d)^2 e^{-logvar_d}).

    The Gaussian decoder of seed 001 4.a, and the density of q(z | x) and p(z) = N(z; 0, I). x = mean contributes
    -1/2 (log 2 pi + logvar) for every logvar (logvar = -750: no 0 * e^750), and the limits at infinite arguments
    are returned (logvar = -inf: +inf at x = mean, -inf elsewhere); a datum with both a +inf and a -inf term has
    no log-density and gives NaN. x, mean, logvar (..., D) broadcast; sums the last axis -> (...), nats. NaN in
    gives NaN out. ValueError naming the argument for x and mean the same infinity, or shapes that do not
    broadcast.
    Claims: 003-eq2, 003-eq3.
    """
    x, mean, logvar = _check_gaussian(x, mean, logvar)
    difference = x - mean
    with np.errstate(invalid="ignore"):  # a point mass in one coordinate and zero density in another: NaN
        exponent = np.where((logvar == -np.inf) & (difference != 0.0), np.inf,
                            logvar + _squared_distance(difference, logvar))
        return -0.5 * np.sum(LOG_2PI + exponent, axis=-1)


def gaussian_log_likelihood_backward(x: np.ndarray, mean: np.ndarray, logvar: np.ndarray):
    """d log N / d mean = (x - mean) e^{-logvar} and d log N / d logvar = ((x - mean)^2 e^{-logvar} - 1) / 2."""
    x, mean, logvar = _check_gaussian(x, mean, logvar)
    difference = x - mean
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.where(difference == 0.0, 0.0, difference * np.exp(-logvar / 2.0) * np.exp(-logvar / 2.0))
    return scaled, (_squared_distance(difference, logvar) - 1.0) / 2.0


def decode(params: dict, z: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"):
    """The decoder F_theta(z): Bernoulli logits (B, D), or (mean, logvar) of a Gaussian decoder, each (B, D)."""
    check_latents(params, z)
    out, _ = mlp_forward(params["decoder"], z, activation)
    return out if check_decoder(decoder) == "bernoulli" else split_halves(out)


def decoder_log_likelihood(x: np.ndarray, out: np.ndarray, decoder: str) -> np.ndarray:
    """log p(x | z) from the decoder's raw output `out` (logits, or [mean, logvar]); sums the last axis."""
    if check_decoder(decoder) == "bernoulli":
        return bernoulli_log_likelihood(x, out)
    mean, logvar = split_halves(out)
    return gaussian_log_likelihood(x, mean, logvar)


def _decoder_log_likelihood_backward(x: np.ndarray, out: np.ndarray, decoder: str) -> np.ndarray:
    """d log p(x | z) / d out, the derivative in the decoder's raw output, same shape as `out`."""
    if check_decoder(decoder) == "bernoulli":
        return bernoulli_log_likelihood_backward(x, out)
    mean, logvar = split_halves(out)
    return np.concatenate(gaussian_log_likelihood_backward(x, mean, logvar), axis=-1)


def log_likelihood(params: dict, x: np.ndarray, z: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"):
    """log p(x_i | z_ij) for every datum i and sample j: x (B, D), z (B, r, k) -> (B, r).

    Claims: 003-eq19.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_decoder_inputs(params, x, z, decoder)
    batch, samples, _ = z.shape
    result = np.empty((batch, samples))
    for i in range(batch):
        for j in range(samples):
            out, _ = mlp_forward(params["decoder"], z[i, j][None, :], activation)  # (1, D or 2D)
            result[i, j] = decoder_log_likelihood(x[i][None, :], out, decoder)[0]
    return result


# ---------------------------------------------------------------- the ELBO and its gradient


def elbo(params: dict, x: np.ndarray, eps: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"):
    """ELBO_i ~= (1/r) sum_j log p(x_i | z_ij) - KL(q(z | x_i) || N(0, I)), z_ij = mu_i + sigma_i eps_ij, per datum (B,).

    Seed 002 Problem 1.2 (claim 003-eq15 for the two terms) with the first term estimated by r samples as in seed
    001 4.b.1 and 4.b.3; x (B, D), eps (B, r, k).
    Claims: 001-4b-variational, 001-4b-bound, 001-4b1-expectation, 001-4b1-mc, 001-4b1-first-term, 002-1.1-chain,
    002-1.2-decomposition, 003-eq14, 003-eq15, 003-eq19.
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    mu, logvar = encode(params, x, activation)
    z = reparameterize(mu, logvar, eps)
    reconstruction = log_likelihood(params, x, z, decoder, activation)  # (B, r)
    batch, samples = reconstruction.shape
    result = np.empty(batch)
    for i in range(batch):
        result[i] = sum(reconstruction[i, j] for j in range(samples)) / samples
    return result - kl_to_standard_normal(mu, logvar)


def negative_elbo(params: dict, x: np.ndarray, eps: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"):
    """The training loss (1/B) sum_i -ELBO_i, nats per datum: seed 001 4.c step 5 as it should read.

    As printed, 4.c evaluates the decoder density at z instead of x, drops the KL's 1/2 and -k, and writes |Sigma|
    for tr Sigma (claim 001-4c-loss, refuted). Averaged rather than summed over the batch, so that its scale does
    not depend on B.
    Claims: 001-4b3-objective, 001-4c-loss.
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    return float(np.mean(-elbo(params, x, eps, decoder, activation)))


def _encoder_forward(layers, x_i: np.ndarray, activation: str):
    """One datum through one encoder: (mu, logvar, cache) with mu, logvar (1, k)."""
    out, cache = mlp_forward(layers, x_i[None, :], activation)
    mu, logvar = split_halves(out)
    return mu, logvar, cache


def _decoder_term(layers, x_i: np.ndarray, z_ij: np.ndarray, decoder: str, activation: str, weight: float):
    """weight * -log p(x_i | z_ij), its gradient in the decoder's layers, and its gradient in z_ij (k,)."""
    out, cache = mlp_forward(layers, z_ij[None, :], activation)  # (1, D or 2D)
    loss = -weight * decoder_log_likelihood(x_i[None, :], out, decoder)[0]
    grad_out = -weight * _decoder_log_likelihood_backward(x_i[None, :], out, decoder)  # (1, D or 2D)
    grads, grad_z = mlp_backward(layers, cache, grad_out, activation)
    return loss, grads, grad_z[0]


def _add_into(total, grads):
    """total += grads, layer by layer, for lists of (dW, db)."""
    for index, (dW, db) in enumerate(grads):
        total[index] = (total[index][0] + dW, total[index][1] + db)


def _zeros_like_layers(layers):
    return [(np.zeros_like(W), np.zeros_like(b)) for W, b in layers]


def negative_elbo_gradients(
    params: dict, x: np.ndarray, eps: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"
):
    """(loss, dloss/dparams) of negative_elbo for the given eps, by the chain rule written out.

    For each datum i: the encoder gives (mu_i, logvar_i); for each sample j, z_ij = mu_i + sigma_i eps_ij, the
    decoder's head gives d(-log p)/d out, mlp_backward carries it through the decoder to dL/dz_ij; the
    reparameterisation turns sum_j dL/dz_ij into dL/dmu_i, dL/dlogvar_i, the KL adds (mu_i, (sigma_i^2 - 1) / 2),
    and mlp_backward carries [dL/dmu_i, dL/dlogvar_i] through the encoder. Everything is scaled by 1/B.
    Claims: 003-eq22.
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    check_decoder(decoder)
    batch, samples, _ = eps.shape
    grads = {"encoder": _zeros_like_layers(params["encoder"]), "decoder": _zeros_like_layers(params["decoder"])}
    loss = 0.0
    for i in range(batch):
        mu, logvar, cache = _encoder_forward(params["encoder"], x[i], activation)  # (1, k) each
        z = reparameterize(mu, logvar, eps[i][None])  # (1, r, k)
        grad_z = np.zeros_like(z)
        for j in range(samples):
            term, decoder_grads, grad_z[0, j] = _decoder_term(
                params["decoder"], x[i], z[0, j], decoder, activation, 1.0 / (batch * samples)
            )
            loss += term
            _add_into(grads["decoder"], decoder_grads)
        grad_mu, grad_logvar = reparameterize_backward(grad_z, logvar, eps[i][None])  # (1, k) each
        loss += kl_to_standard_normal(mu, logvar)[0] / batch
        kl_mu, kl_logvar = kl_to_standard_normal_backward(mu, logvar)
        grad_out = np.concatenate([grad_mu + kl_mu / batch, grad_logvar + kl_logvar / batch], axis=1)  # (1, 2k)
        encoder_grads, _ = mlp_backward(params["encoder"], cache, grad_out, activation)
        _add_into(grads["encoder"], encoder_grads)
    return loss, grads


# ---------------------------------------------------------------- two latents y and z (seed 000 Problem 2)


def elbo_two_latent(
    params: dict,
    x: np.ndarray,
    eps_y: np.ndarray,
    eps_z: np.ndarray,
    decoder: str = "bernoulli",
    activation: str = "relu",
):
    """J_i = (1/r) sum_j log p(x_i | y_ij, z_ij) - KL(q(y | x_i) || N(0, I)) - KL(q(z | x_i) || N(0, I)), per datum.

    Seed 000 Problem 2 eq. (1) (claim 000-2-elbo), with y_ij = mu_y + sigma_y eps_y,ij and z_ij = mu_z + sigma_z
    eps_z,ij; the document's mu + eps * sigma^2 is refuted (claim 000-2-reparam). eps_y (B, r, k_y), eps_z (B, r, k_z).
    Claims: 000-2-elbo, 000-2-reparam, 000-2-reparam-z, 000-2-recon, 000-2-elbo-final, 000-2-kl-y, 000-2-kl-z.
    """
    check_model_inputs(params, x=x, eps=(eps_y, eps_z), decoder=decoder, encoders=TWO_ENCODERS,
                       eps_names=TWO_NOISES)
    mu_y, logvar_y = split_halves(mlp_forward(params["encoder_y"], x, activation)[0])
    mu_z, logvar_z = split_halves(mlp_forward(params["encoder_z"], x, activation)[0])
    y = reparameterize(mu_y, logvar_y, eps_y)
    z = reparameterize(mu_z, logvar_z, eps_z)
    reconstruction = log_likelihood(params, x, np.concatenate([y, z], axis=-1), decoder, activation)  # (B, r)
    return (
        reconstruction.mean(axis=1)
        - kl_to_standard_normal(mu_y, logvar_y)
        - kl_to_standard_normal(mu_z, logvar_z)
    )


def negative_elbo_two_latent_gradients(
    params: dict,
    x: np.ndarray,
    eps_y: np.ndarray,
    eps_z: np.ndarray,
    decoder: str = "bernoulli",
    activation: str = "relu",
):
    """(loss, dloss/dparams) of (1/B) sum_i -J_i (elbo_two_latent): dL/d[y, z] from the decoder splits into dL/dy
    and dL/dz, and each goes back through its own reparameterisation, KL and encoder."""
    check_model_inputs(params, x=x, eps=(eps_y, eps_z), decoder=decoder, encoders=TWO_ENCODERS,
                       eps_names=TWO_NOISES)
    check_decoder(decoder)
    batch, samples, latent_y = eps_y.shape
    grads = {key: _zeros_like_layers(layers) for key, layers in params.items()}
    loss = 0.0
    for i in range(batch):
        encoded = {
            key: _encoder_forward(params[key], x[i], activation) for key in ("encoder_y", "encoder_z")
        }
        noise = {"encoder_y": eps_y[i][None], "encoder_z": eps_z[i][None]}
        latents = {key: reparameterize(mu, logvar, noise[key]) for key, (mu, logvar, _) in encoded.items()}
        yz = np.concatenate([latents["encoder_y"], latents["encoder_z"]], axis=-1)  # (1, r, k_y + k_z)
        grad_yz = np.zeros_like(yz)
        for j in range(samples):
            term, decoder_grads, grad_yz[0, j] = _decoder_term(
                params["decoder"], x[i], yz[0, j], decoder, activation, 1.0 / (batch * samples)
            )
            loss += term
            _add_into(grads["decoder"], decoder_grads)
        upstream = {"encoder_y": grad_yz[..., :latent_y], "encoder_z": grad_yz[..., latent_y:]}
        for key, (mu, logvar, cache) in encoded.items():
            grad_mu, grad_logvar = reparameterize_backward(upstream[key], logvar, noise[key])
            loss += kl_to_standard_normal(mu, logvar)[0] / batch
            kl_mu, kl_logvar = kl_to_standard_normal_backward(mu, logvar)
            grad_out = np.concatenate([grad_mu + kl_mu / batch, grad_logvar + kl_logvar / batch], axis=1)
            encoder_grads, _ = mlp_backward(params[key], cache, grad_out, activation)
            _add_into(grads[key], encoder_grads)
    return loss, grads


# ---------------------------------------------------------------- Monte Carlo estimators of log p(x)


def log_importance_weights(
    params: dict, x: np.ndarray, eps: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"
):
    """log w_ij = log p(x_i, z_ij) - log q(z_ij | x_i), log p(x, z) = log p(x | z) + log N(z; 0, I), seed 002
    Problem 1.4; x (B, D), eps (B, K, k) -> (B, K)."""
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    mu, logvar = encode(params, x, activation)
    z = reparameterize(mu, logvar, eps)  # (B, K, k)
    reconstruction = log_likelihood(params, x, z, decoder, activation)  # (B, K)
    batch, samples, _ = z.shape
    weights = np.empty((batch, samples))
    for i in range(batch):
        for j in range(samples):
            log_prior = gaussian_log_likelihood(z[i, j], np.zeros_like(z[i, j]), np.zeros_like(z[i, j]))
            log_q = gaussian_log_likelihood(z[i, j], mu[i], logvar[i])
            weights[i, j] = reconstruction[i, j] + log_prior - log_q
    return weights


def elbo_monte_carlo(params: dict, x: np.ndarray, eps: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"):
    """ELBO_i ~= (1/L) sum_l [log p(x_i, z_il) - log q(z_il | x_i)], seed 002 Problem 1.4 (claim 002-1.4-mc), (B,).

    The estimator of Problem 1.5 writes 1/N in front of a sum of L terms (claim 002-1.5-mc, refuted): the
    average is over the L samples.
    Claims: 002-1.4-mc, 002-1.5-mc.
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    weights = log_importance_weights(params, x, eps, decoder, activation)
    return weights.sum(axis=1) / weights.shape[1]


def iwae_bound(params: dict, x: np.ndarray, eps: np.ndarray, decoder: str = "bernoulli", activation: str = "relu"):
    """IWAE_K,i = log (1/K) sum_k p(x_i, z_ik) / q(z_ik | x_i), by log-sum-exp; its expectation lies between the
    ELBO (K = 1) and log p(x_i) and does not decrease in K. eps (B, K, k) -> (B,).
    Claims: 003-eq15.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    weights = log_importance_weights(params, x, eps, decoder, activation)
    batch, samples = weights.shape
    result = np.empty(batch)
    for i in range(batch):
        largest = np.max(weights[i])
        result[i] = largest + np.log(sum(np.exp(weights[i, k] - largest) for k in range(samples)) / samples)
    return result


# ---------------------------------------------------------------- a plain autoencoder (seed 002 Problem 2.1)


def init_autoencoder(input_dim: int, latent: int, hidden, decoder: str, rng: np.random.Generator) -> dict:
    """Encoder D-h...-k (a code, not a distribution) and decoder k-h...-D of the same widths as the VAE."""
    hidden = [int(width) for width in hidden]
    return {
        "encoder": init_mlp([input_dim, *hidden, latent], rng),
        "decoder": init_mlp([latent, *hidden[::-1], decoder_output_dim(input_dim, decoder)], rng),
    }


def autoencoder_loss(params: dict, x: np.ndarray, decoder: str = "bernoulli", activation: str = "relu") -> float:
    """(1/B) sum_i -log p(x_i | z_i) with the deterministic code z_i = MLP_phi(x_i), seed 002 Problem 2.1-2; x (B, D),
    nats per datum.

    Raises ValueError naming the argument for an unknown `decoder` or `activation`, networks that do not chain
    (the code's width, the decoder's outputs for D pixels), x not a non-empty (B, D) batch, or a Bernoulli
    decoder's x outside [0, 1].
    """
    check_autoencoder_inputs(params, x, check_decoder(decoder))
    check_activation(activation)
    total = 0.0
    for i in range(x.shape[0]):
        code, _ = mlp_forward(params["encoder"], x[i][None, :], activation)  # (1, k)
        out, _ = mlp_forward(params["decoder"], code, activation)
        total -= decoder_log_likelihood(x[i][None, :], out, decoder)[0]
    return total / x.shape[0]


# ---------------------------------------------------------------- Adam and one training epoch (seed 001 4.c)


def adam_init(params: dict) -> dict:
    """Adam's state: step count 0 and zero first and second moments shaped like the parameters."""
    return {"step": 0, "m": tree_map(np.zeros_like, params), "v": tree_map(np.zeros_like, params)}


def adam_step(params: dict, grads: dict, state: dict, lr: float, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update (Kingma and Ba, Algorithm 1), the optimiser of seed 003 item 9; returns (params, state).

    m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, theta <- theta - lr m_hat / (sqrt(v_hat) + eps) with
    m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t).
    """
    step = int(state["step"]) + 1
    m = tree_map(lambda m_, g: beta1 * m_ + (1.0 - beta1) * g, state["m"], grads)
    v = tree_map(lambda v_, g: beta2 * v_ + (1.0 - beta2) * g * g, state["v"], grads)
    correction1, correction2 = 1.0 - beta1**step, 1.0 - beta2**step
    params = tree_map(
        lambda p, m_, v_: p - lr * (m_ / correction1) / (np.sqrt(v_ / correction2) + eps), params, m, v
    )
    return params, {"step": step, "m": m, "v": v}


def train_epoch(
    params: dict,
    state: dict,
    data: np.ndarray,
    rng: np.random.Generator,
    batch: int = 128,
    samples: int = 1,
    lr: float = 1e-3,
    decoder: str = "bernoulli",
    activation: str = "relu",
):
    """One pass of seed 001 4.c over `data` (N, D) in shuffled mini-batches; returns (params, state, mean -ELBO).

    Per batch: eps ~ N(0, I) of shape (B, r, k) (step 2), the loss and its gradient (steps 1, 3-5), an Adam step
    (step 6). The mean -ELBO is over the epoch's data, each batch evaluated before its update.
    """
    latent = params["encoder"][-1][0].shape[0] // 2
    order = rng.permutation(data.shape[0])
    total = 0.0
    for start in range(0, data.shape[0], batch):
        x = data[order[start : start + batch]]  # (B, D)
        eps = rng.standard_normal((x.shape[0], samples, latent))  # (B, r, k)
        loss, grads = negative_elbo_gradients(params, x, eps, decoder, activation)
        params, state = adam_step(params, grads, state, lr)
        total += loss * x.shape[0]
    return params, state, total / data.shape[0]
