"""The variational autoencoder in PyTorch, vectorised over data and samples, on any device; the mirror of
`reference.vae` (same names, same parameter container {"encoder": [(W, b), ...], "decoder": [(W, b), ...]}),
plus the epoch of the training loop with the data on the device (`elbocheck.models.vae` holds the trainer).

Gradients here come from autograd; `reference.vae` writes them by hand, and the pair table checks one against the
other. Sources as in `reference.vae`: seed 001 section 4, seed 002 Problems 1-2, seed 003 Problem 1, seed 000
Problem 2.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from elbocheck.fast._nn import init_mlp, mlp_forward
from elbocheck.shared.nn import check_activation
from elbocheck.shared.params import tree_leaves, tree_map, tree_unflatten  # noqa: F401  (as in reference.vae)
from elbocheck.shared.vae import DECODERS, LOG_2PI, check_decoder, decoder_output_dim  # noqa: F401
from elbocheck.shared.vae import SERIES_RADIUS, SERIES_TERMS, TWO_ENCODERS, TWO_NOISES
from elbocheck.shared.vae import check_decoder_inputs, check_encoder_input, check_latents, check_model_inputs
from elbocheck.shared.vae import check_autoencoder_inputs, check_reparameterization, check_same_shape


def init_params(input_dim: int, latent: int, hidden, decoder: str, generator: torch.Generator, dtype=torch.float32, device=None):
    """Encoder D-h...-2k and decoder k-h...-D (2D for a Gaussian decoder), seed 003 item 9 (D-512-2k, k-512-D):
    torch.nn.Linear's uniform draw from `generator` (on the CPU), then moved to `dtype` and `device`.

    Raises ValueError for an unknown `decoder` or a width below 1.
    """
    hidden = [int(width) for width in hidden]
    return {
        "encoder": init_mlp([input_dim, *hidden, 2 * latent], generator, dtype, device),
        "decoder": init_mlp([latent, *hidden[::-1], decoder_output_dim(input_dim, decoder)], generator, dtype, device),
    }


def init_params_two_latent(input_dim: int, latent_y: int, latent_z: int, hidden, decoder: str, generator: torch.Generator,
                           dtype=torch.float32, device=None) -> dict:
    """Encoders x -> [mu_y, logvar_y] and x -> [mu_z, logvar_z] and one decoder [y, z] -> x, seed 000 Problem 2; the
    widths of `reference.vae.init_params_two_latent`, drawn as torch.nn.Linear draws from `generator` (on the CPU).
    ValueError for non-positive widths or an unknown decoder."""
    hidden = [int(width) for width in hidden]
    return {
        "encoder_y": init_mlp([input_dim, *hidden, 2 * latent_y], generator, dtype, device),
        "encoder_z": init_mlp([input_dim, *hidden, 2 * latent_z], generator, dtype, device),
        "decoder": init_mlp([latent_y + latent_z, *hidden[::-1], decoder_output_dim(input_dim, decoder)], generator,
                            dtype, device),
    }


def init_autoencoder(input_dim: int, latent: int, hidden, decoder: str, generator: torch.Generator, dtype=torch.float32, device=None):
    """Encoder D-h...-k and decoder k-h...-D (2D for a Gaussian decoder): a plain autoencoder of the same widths
    as the VAE, drawn like init_params.

    Raises ValueError for an unknown `decoder` or a width below 1.
    """
    hidden = [int(width) for width in hidden]
    return {
        "encoder": init_mlp([input_dim, *hidden, latent], generator, dtype, device),
        "decoder": init_mlp([latent, *hidden[::-1], decoder_output_dim(input_dim, decoder)], generator, dtype, device),
    }


def split_halves(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The first and second halves of the last axis: [mu, logvar] (..., 2k) -> (mu, logvar), each (..., k)."""
    return out.chunk(2, dim=-1)


# ---------------------------------------------------------------- encoder and reparameterisation


def encode(params: dict, x: torch.Tensor, activation: str = "relu") -> tuple[torch.Tensor, torch.Tensor]:
    """[mu(x), logvar(x)] = MLP_phi(x), the parameters of q(z | x), seed 002 Problem 2.3; x (B, D) -> two (B, k).

    Raises ValueError for an unknown `activation` (relu, tanh, leaky_relu, sigmoid, identity).
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_encoder_input(params, x)
    return split_halves(mlp_forward(params["encoder"], x, activation))


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z_ij = mu_i + exp(logvar_i / 2) * eps_ij, so z_ij ~ N(mu_i, diag(exp(logvar_i))), seed 002 Problem 1.5.

    Not mu + eps sigma^2 (seed 000 Problem 2.2, claim 000-2-reparam) nor mu + v^T Sigma (seed 001 4.b.1, claim
    001-4b-reparam). mu, logvar (B, k), eps (B, r, k) -> z (B, r, k).
    Claims: 000-2-reparam, 000-2-reparam-z, 001-4b1-reparam, 001-4b-reparam, 002-1.5-reparam, 002-1.5-lotus,
    002-2.4-reparam, 004-3a.
    Raises ValueError naming the argument unless mu, logvar are (B, k) and eps (and grad_z) (B, r, k).
    """
    check_reparameterization(mu, logvar, eps)
    return mu.unsqueeze(1) + torch.exp(0.5 * logvar).unsqueeze(1) * eps


def reparameterize_backward(grad_z: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor):
    """(dL/dmu, dL/dlogvar), each (B, k), for upstream dL/dz (B, r, k), by autograd through reparameterize;
    seed 003 (22). grad_z, eps (B, r, k), logvar (B, k).
    Claims: 003-eq20, 003-eq22.
    Raises ValueError naming the argument unless mu, logvar are (B, k) and eps (and grad_z) (B, r, k).
    """
    check_reparameterization(logvar, logvar, eps, grad_z)
    mu = torch.zeros_like(logvar).requires_grad_(True)
    logvar = logvar.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        z = reparameterize(mu, logvar, eps)
        return torch.autograd.grad(z, (mu, logvar), grad_z)


# ---------------------------------------------------------------- argument checks of the densities and KLs


def _floating(name: str, value) -> torch.Tensor:
    """`value` itself if it is a floating-point tensor; ValueError naming `name` otherwise."""
    if not isinstance(value, torch.Tensor) or not value.is_floating_point():
        kind = value.dtype if isinstance(value, torch.Tensor) else type(value).__name__
        raise ValueError(f"{name}: expected a floating-point tensor, got {kind}")
    return value


def _refuse_undefined(result: torch.Tensor, tensors: dict, undefined: str) -> torch.Tensor:
    """`result`, unless it holds NaN that no argument holds: then ValueError `undefined`. NaN in gives NaN out, so
    that a run gone non-finite is stopped by its trainer, not mistaken for bad input."""
    if not bool(torch.isnan(result).any()) or any(bool(torch.isnan(t).any()) for t in tensors.values()):
        return result
    raise ValueError(undefined)


def _widened(tensor: torch.Tensor) -> torch.Tensor:
    """float16 and bfloat16 as float32 (their rounding would decide small KLs); other dtypes unchanged."""
    return tensor.float() if tensor.dtype in (torch.float16, torch.bfloat16) else tensor


class _ExpMinusOneMinus(torch.autograd.Function):
    """e^t - 1 - t with its derivative e^t - 1 = expm1(t): autograd through expm1(t) - t would form (expm1(t) + 1)
    - 1, the cancellation the forward avoids."""

    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        small = t.abs() < SERIES_RADIUS
        near = torch.where(small, t, 0.0)
        series = torch.full_like(t, 1.0 / math.factorial(SERIES_TERMS + 1))
        for n in reversed(range(SERIES_TERMS - 1)):  # Horner's rule in place: one buffer, two passes a term
            series.mul_(near).add_(1.0 / math.factorial(n + 2))
        series.mul_(near * near)
        direct = torch.expm1(t).sub_(t)  # NaN at t = +inf (inf - inf), replaced below
        return torch.where(small, series, torch.where(t == math.inf, math.inf, direct))

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * torch.expm1(t)


def exp_minus_one_minus(t: torch.Tensor) -> torch.Tensor:
    """phi(t) = e^t - 1 - t >= 0 as `reference.vae.exp_minus_one_minus` computes it (expm1(t) - t for |t| >= 1/4,
    its Taylor series below, +inf at t = +-inf), with the derivative expm1(t)."""
    return _ExpMinusOneMinus.apply(t)


# ---------------------------------------------------------------- KL divergences


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) = 1/2 sum_m (mu_m^2 + sigma_m^2 - 1 - log sigma_m^2), in nats per datum.

    Seed 002 Problem 1.7 (claim 002-1.7-kl) and seed 003 (17) (claim 003-eq17), with sigma^2 = e^logvar;
    mu, logvar (..., k) of one shape -> (...).
    e^v - 1 - v is computed as `exp_minus_one_minus` (its series near 0, expm1(v) - v beyond), in float32 at
    least, so the KL is never negative (float16 at logvar = 0.001 gave a negative KL from e^v - 1 - v); +inf at
    infinite arguments, NaN for NaN. Raises ValueError naming the argument for shapes that differ or a non-floating
    dtype.
    Claims: 000-2-kl-y, 000-2-kl-z, 001-4b2-integrand, 001-4b2-kl, 002-1.7-entropy, 002-1.7-cross, 002-1.7-kl, 003-eq17,
    003-eq18.
    """
    check_same_shape({"mu": _floating("mu", mu), "logvar": _floating("logvar", logvar)},
                      "means and log-variances (..., k) of one shape")
    kl = 0.5 * (_widened(mu).pow(2) + exp_minus_one_minus(_widened(logvar))).sum(dim=-1)
    return _refuse_undefined(kl, {"mu": mu, "logvar": logvar}, "mu, logvar: no KL is defined here").to(
        torch.promote_types(mu.dtype, logvar.dtype))


def kl_to_standard_normal_backward(mu: torch.Tensor, logvar: torch.Tensor):
    """(dKL/dmu, dKL/dlogvar) = (mu, (e^logvar - 1) / 2), each (B, k), by autograd."""
    mu = mu.detach().clone().requires_grad_(True)
    logvar = logvar.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        return torch.autograd.grad(kl_to_standard_normal(mu, logvar).sum(), (mu, logvar))


def kl_normal(mu_p, logvar_p, mu_q, logvar_q) -> torch.Tensor:
    """KL(N(mu_p, s_p^2) || N(mu_q, s_q^2)) of seed 003 (10) (claim 003-eq10), in nats, summed over the last axis:
    log(s_q / s_p) + (s_p^2 + (mu_q - mu_p)^2) / (2 s_q^2) - 1/2 per coordinate, s^2 = e^logvar. The four
    arguments have one shape (..., k) -> (...). Computed as 1/2 [phi(logvar_p - logvar_q) + (mu_q - mu_p)^2
    e^{-logvar_q}], phi = exp_minus_one_minus, so p = q gives 0 at every logvar. Raises ValueError naming the
    argument for another shape (a (k, k) covariance among them: see kl_normal_full_covariance), a non-floating
    dtype, or infinite arguments without a limit; NaN in gives NaN out.
    Claims: 003-eq5, 003-eq6, 003-eq7, 003-eq8, 003-eq9, 003-eq10, 003-eq10-zero, 003-eq11, 003-eq11-expansion,
    003-eq11-algebra, 003-eq12, 003-eq13.
    """
    tensors = {"mu_p": mu_p, "logvar_p": logvar_p, "mu_q": mu_q, "logvar_q": logvar_q}
    for name, tensor in tensors.items():
        _floating(name, tensor)
    check_same_shape(tensors, "means and log-variances (..., k), all four of one shape (for (k, k) covariance "
                               "matrices use kl_normal_full_covariance)")
    mu_p, logvar_p, mu_q, logvar_q = (_widened(tensor) for tensor in tensors.values())
    difference = mu_q - mu_p
    moved = difference != 0
    safe_logvar_q = torch.where(moved, logvar_q, torch.zeros_like(logvar_q))
    shift = torch.where(moved, (difference * torch.exp(-safe_logvar_q / 2)).pow(2), torch.zeros_like(difference))
    kl = 0.5 * (exp_minus_one_minus(logvar_p - logvar_q) + shift).sum(dim=-1)
    kl = _refuse_undefined(kl, tensors, "mu_p, mu_q, logvar_p, logvar_q: no limit where both means or both "
                                        "log-variances are infinite, or an infinite mean meets logvar_q = +inf")
    return kl.to(torch.promote_types(tensors["mu_p"].dtype, tensors["logvar_q"].dtype))


def _cholesky(name: str, covariance: torch.Tensor) -> torch.Tensor:
    """Lower Cholesky factors of symmetric positive-definite matrices (..., k, k); ValueError naming `name`."""
    if not bool(torch.isfinite(covariance).all()):
        raise ValueError(f"{name}: expected finite covariance matrices")
    scale = covariance.abs().amax() if covariance.numel() else covariance.new_zeros(())
    if bool(((covariance - covariance.mT).abs() > 1e-12 * scale if covariance.dtype == torch.float64
             else (covariance - covariance.mT).abs() > 1e-6 * scale).any()):
        raise ValueError(f"{name}: expected symmetric covariance matrices")
    factor, info = torch.linalg.cholesky_ex(covariance)
    if bool((info != 0).any()):
        raise ValueError(f"{name}: expected positive-definite covariance matrices")
    return factor


def kl_normal_full_covariance(mu_p: torch.Tensor, cov_p: torch.Tensor, mu_q: torch.Tensor, cov_q: torch.Tensor):
    """KL(N(mu_p, Sigma_p) || N(mu_q, Sigma_q)) = 1/2 [tr(Sigma_q^-1 Sigma_p) + d^T Sigma_q^-1 d - k
    + ln(|Sigma_q| / |Sigma_p|)], d = mu_q - mu_p, through Cholesky factors as in `reference.vae`.

    mu_p, mu_q (..., k) and cov_p, cov_q (..., k, k) -> (...), nats. ValueError naming the argument for mismatched
    shapes, a non-floating dtype, non-finite entries, or a matrix that is not symmetric positive-definite.
    """
    for name, tensor in (("mu_p", mu_p), ("cov_p", cov_p), ("mu_q", mu_q), ("cov_q", cov_q)):
        _floating(name, tensor)
    check_same_shape({"mu_p": mu_p, "mu_q": mu_q}, "means (..., k) of one shape")
    expected = tuple(mu_p.shape) + tuple(mu_p.shape[-1:])
    for name, covariance in (("cov_p", cov_p), ("cov_q", cov_q)):
        if tuple(covariance.shape) != expected:
            raise ValueError(f"{name}: expected covariance matrices of shape (..., k, k) = {expected} to match the "
                             f"means {tuple(mu_p.shape)}, got {tuple(covariance.shape)}")
    for name, mean in (("mu_p", mu_p), ("mu_q", mu_q)):
        if not bool(torch.isfinite(mean).all()):
            raise ValueError(f"{name}: expected finite means")
    factor_p, factor_q = _cholesky("cov_p", cov_p), _cholesky("cov_q", cov_q)
    whitened_p = torch.linalg.solve_triangular(factor_q, factor_p, upper=False)  # (..., k, k)
    whitened_d = torch.linalg.solve_triangular(factor_q, (mu_q - mu_p).unsqueeze(-1), upper=False).squeeze(-1)
    log_det_ratio = 2.0 * (torch.diagonal(factor_q, dim1=-2, dim2=-1).log()
                           - torch.diagonal(factor_p, dim1=-2, dim2=-1).log()).sum(dim=-1)
    return 0.5 * (whitened_p.pow(2).sum(dim=(-2, -1)) + whitened_d.pow(2).sum(dim=-1) - mu_p.shape[-1] + log_det_ratio)


# ---------------------------------------------------------------- decoders and their log-likelihoods


def _check_bernoulli(x: torch.Tensor, logits: torch.Tensor) -> None:
    _floating("x", x)
    _floating("logits", logits)
    try:
        torch.broadcast_shapes(x.shape, logits.shape)
    except RuntimeError:
        raise ValueError(f"x: expected a shape that broadcasts with logits {tuple(logits.shape)}, "
                         f"got {tuple(x.shape)}") from None
    if logits.ndim == 0:
        raise ValueError("logits: expected a tensor (..., D), got a scalar")
    if not bool(((x >= 0) & (x <= 1)).all()):
        raise ValueError("x: expected pixel values in [0, 1]")


def bernoulli_log_likelihood(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """log p(x | z) = sum_d x_d l_d - log(1 + e^{l_d}) in nats, l the decoder's logits: the Bernoulli
    decoder of seed 003 (1), computed as sum_d x_d log sigmoid(l_d) + (1 - x_d) log sigmoid(-l_d): no cancelling
    terms, and 0 or -inf at l = +-inf. Sums the last axis: x, logits (..., D) -> (...); x in [0, 1] broadcasts
    against logits; NaN logits give NaN. Raises ValueError naming the argument for x outside [0, 1].
    """
    _check_bernoulli(x, logits)
    x = x.expand_as(logits) if x.shape != logits.shape and x.ndim <= logits.ndim else x
    zeros = torch.zeros((), dtype=logits.dtype, device=logits.device)
    on = torch.where(x == 0, zeros, x * F.logsigmoid(logits))
    off = torch.where(x == 1, zeros, (1 - x) * F.logsigmoid(-logits))
    return (on + off).sum(dim=-1)


def bernoulli_log_likelihood_backward(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """d log p / d l_d = x_d - sigmoid(l_d) by autograd, shaped like `logits` (..., D)."""
    logits = logits.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        return torch.autograd.grad(bernoulli_log_likelihood(x, logits).sum(), logits)[0]


def _check_gaussian(x: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> None:
    tensors = {"x": x, "mean": mean, "logvar": logvar}
    for name, tensor in tensors.items():
        _floating(name, tensor)
    shapes = [tuple(tensor.shape) for tensor in tensors.values()]
    try:
        torch.broadcast_shapes(*(tensor.shape for tensor in tensors.values()))
    except RuntimeError:
        raise ValueError(f"x, mean, logvar: expected shapes that broadcast, got {shapes}") from None
    if max(len(shape) for shape in shapes) == 0:
        raise ValueError("x: expected a tensor (..., D), got a scalar")
    if bool((torch.isinf(x) & (x == mean)).any()):
        raise ValueError("x, mean: no density where both are the same infinity")


def gaussian_log_likelihood(x: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(x; mean, diag(e^logvar)) = -1/2 sum_d (log 2 pi + logvar_d + (x_d - mean_d)^2 e^{-logvar_d}), nats.

    The Gaussian decoder of seed 001 4.a, and the density of q(z | x) and p(z) = N(z; 0, I). Sums the last axis:
    x, mean, logvar (..., D), broadcasting, -> (...). x = mean contributes -1/2 (log 2 pi + logvar) at every
    logvar (no 0 * e^750); limits at infinite arguments as `reference.vae`, and NaN for a datum with both a +inf
    and a -inf term (no log-density). Raises ValueError naming the argument for x and mean the same infinity or
    shapes that do not broadcast; NaN in gives NaN out.
    Claims: 003-eq2, 003-eq3.
    """
    _check_gaussian(x, mean, logvar)
    difference = x - mean
    zero_distance = (difference == 0) | (logvar == math.inf)
    safe_logvar = torch.where(zero_distance, torch.zeros_like(logvar), logvar)
    distance = torch.where(zero_distance, torch.zeros_like(difference), (difference * torch.exp(-safe_logvar / 2)).pow(2))
    exponent = torch.where((logvar == -math.inf) & (difference != 0), torch.full_like(distance, math.inf),
                           logvar + distance)
    return -0.5 * (LOG_2PI + exponent).sum(dim=-1)


def gaussian_log_likelihood_backward(x: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor):
    """(d log N / d mean, d log N / d logvar) by autograd, each shaped like `mean` and `logvar` (..., D)."""
    mean = mean.detach().clone().requires_grad_(True)
    logvar = logvar.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        return torch.autograd.grad(gaussian_log_likelihood(x, mean, logvar).sum(), (mean, logvar))


def decode(params: dict, z: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """The decoder F_theta(z): Bernoulli logits (..., D), or (mean, logvar) of a Gaussian decoder, each (..., D),
    for z (..., k).

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Raises ValueError naming z unless its last axis is the decoder's k.
    """
    check_latents(params, z)
    out = mlp_forward(params["decoder"], z, activation)
    return out if check_decoder(decoder) == "bernoulli" else split_halves(out)


def decoder_log_likelihood(x: torch.Tensor, out: torch.Tensor, decoder: str) -> torch.Tensor:
    """log p(x | z) in nats from the decoder's raw output `out` (logits (..., D), or [mean, logvar] (..., 2D));
    sums the last axis -> (...); x broadcasts against out's leading axes.

    Raises ValueError for an unknown `decoder`.
    """
    if check_decoder(decoder) == "bernoulli":
        return bernoulli_log_likelihood(x, out)
    mean, logvar = split_halves(out)
    return gaussian_log_likelihood(x, mean, logvar)


def log_likelihood(params: dict, x: torch.Tensor, z: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """log p(x_i | z_ij) in nats for every datum i and sample j: x (B, D), z (B, r, k) -> (B, r).

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Claims: 003-eq19.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_decoder_inputs(params, x, z, decoder)
    out = mlp_forward(params["decoder"], z, activation)  # (B, r, D or 2D)
    return decoder_log_likelihood(x.unsqueeze(1), out, decoder)


# ---------------------------------------------------------------- the ELBO and its gradient


def elbo(params: dict, x: torch.Tensor, eps: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """ELBO_i ~= (1/r) sum_j log p(x_i | z_ij) - KL(q(z | x_i) || N(0, I)), z_ij = mu_i + sigma_i eps_ij, in nats per
    datum (B,); seed 002 Problem 1.2 with the first term estimated by r samples. x (B, D), eps (B, r, k).

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Claims: 001-4b-variational, 001-4b-bound, 001-4b1-expectation, 001-4b1-mc, 001-4b1-first-term, 002-1.1-chain,
    002-1.2-decomposition, 003-eq14, 003-eq15, 003-eq19.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    mu, logvar = encode(params, x, activation)
    z = reparameterize(mu, logvar, eps)  # (B, r, k)
    return log_likelihood(params, x, z, decoder, activation).mean(dim=1) - kl_to_standard_normal(mu, logvar)


def negative_elbo(params: dict, x: torch.Tensor, eps: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """The training loss (1/B) sum_i -ELBO_i in nats per datum (a 0-d tensor): seed 001 4.c as it should read
    (claim 001-4c-loss), each sum fused into one reduction. x (B, D), eps (B, r, k).

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Claims: 001-4b3-objective, 001-4c-loss.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    batch, samples, _ = eps.shape
    mu, logvar = encode(params, x, activation)
    z = reparameterize(mu, logvar, eps)
    out = mlp_forward(params["decoder"], z, activation)  # (B, r, D or 2D)
    if check_decoder(decoder) == "bernoulli":
        reconstruction = F.binary_cross_entropy_with_logits(out, x.unsqueeze(1).expand_as(out), reduction="sum")
    else:
        mean, out_logvar = split_halves(out)
        # 1/2 sum(log 2 pi + logvar + (x - mean)^2 / sigma^2)
        reconstruction = 0.5 * (LOG_2PI + out_logvar + (x.unsqueeze(1) - mean).pow(2) * torch.exp(-out_logvar)).sum()
    # 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2), the last three as expm1(logvar) - logvar
    kl = 0.5 * (mu.pow(2) + torch.expm1(logvar) - logvar).sum()
    return reconstruction / (batch * samples) + kl / batch


def negative_elbo_gradients(params: dict, x: torch.Tensor, eps: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """(loss, dloss/dparams) of negative_elbo by autograd: the loss a 0-d tensor in nats per datum, the
    gradients in the parameter container's structure.

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Claims: 003-eq22.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    leaves = [leaf.detach().clone().requires_grad_(True) for leaf in tree_leaves(params)]
    with torch.enable_grad():
        loss = negative_elbo(tree_unflatten(params, leaves), x, eps, decoder, activation)
        grads = torch.autograd.grad(loss, leaves)
    return loss.detach(), tree_unflatten(params, list(grads))


def elbo_two_latent(params: dict, x: torch.Tensor, eps_y: torch.Tensor, eps_z: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """J_i = (1/r) sum_j log p(x_i | y_ij, z_ij) - KL(q(y | x_i) || N(0, I)) - KL(q(z | x_i) || N(0, I)), nats per
    datum (B,): seed 000 Problem 2 (1) (claim 000-2-elbo), y and z reparameterised with sigma, not sigma^2 (claim
    000-2-reparam). x (B, D), eps_y (B, r, k_y), eps_z (B, r, k_z).

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Claims: 000-2-elbo, 000-2-reparam, 000-2-reparam-z, 000-2-recon, 000-2-elbo-final, 000-2-kl-y, 000-2-kl-z.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=(eps_y, eps_z), decoder=decoder, encoders=TWO_ENCODERS,
                       eps_names=TWO_NOISES)
    mu_y, logvar_y = split_halves(mlp_forward(params["encoder_y"], x, activation))
    mu_z, logvar_z = split_halves(mlp_forward(params["encoder_z"], x, activation))
    yz = torch.cat([reparameterize(mu_y, logvar_y, eps_y), reparameterize(mu_z, logvar_z, eps_z)], dim=-1)
    reconstruction = log_likelihood(params, x, yz, decoder, activation).mean(dim=1)
    return reconstruction - kl_to_standard_normal(mu_y, logvar_y) - kl_to_standard_normal(mu_z, logvar_z)


def negative_elbo_two_latent_gradients(params: dict, x, eps_y, eps_z, decoder: str = "bernoulli", activation: str = "relu"):
    """(loss, dloss/dparams) of (1/B) sum_i -J_i (elbo_two_latent) by autograd: the loss a 0-d tensor in nats
    per datum, the gradients in the parameter container's structure.

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=(eps_y, eps_z), decoder=decoder, encoders=TWO_ENCODERS,
                       eps_names=TWO_NOISES)
    leaves = [leaf.detach().clone().requires_grad_(True) for leaf in tree_leaves(params)]
    with torch.enable_grad():
        loss = -elbo_two_latent(tree_unflatten(params, leaves), x, eps_y, eps_z, decoder, activation).mean()
        grads = torch.autograd.grad(loss, leaves)
    return loss.detach(), tree_unflatten(params, list(grads))


# ---------------------------------------------------------------- Monte Carlo estimators of log p(x)


def log_importance_weights(params: dict, x: torch.Tensor, eps: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """log w_ik = log p(x_i, z_ik) - log q(z_ik | x_i) in nats, log p(x, z) = log p(x | z) + log N(z; 0, I),
    seed 002 Problem 1.4; x (B, D), eps (B, K, k) -> (B, K).

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    mu, logvar = encode(params, x, activation)
    z = reparameterize(mu, logvar, eps)  # (B, K, k)
    log_prior = -0.5 * (LOG_2PI + z.pow(2)).sum(dim=-1)
    log_q = gaussian_log_likelihood(z, mu.unsqueeze(1), logvar.unsqueeze(1))
    return log_likelihood(params, x, z, decoder, activation) + log_prior - log_q


def elbo_monte_carlo(params: dict, x: torch.Tensor, eps: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """ELBO_i ~= (1/L) sum_l [log p(x_i, z_il) - log q(z_il | x_i)] in nats per datum (B,): seed 002 Problem 1.4
    (claim 002-1.4-mc; not 1/N, claim 002-1.5-mc). x (B, D), eps (B, L, k).

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Claims: 002-1.4-mc, 002-1.5-mc.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    return log_importance_weights(params, x, eps, decoder, activation).mean(dim=1)


def iwae_bound(params: dict, x: torch.Tensor, eps: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """IWAE_K,i = log (1/K) sum_k p(x_i, z_ik) / q(z_ik | x_i) by logsumexp, in nats per datum (B,); its
    expectation lies between the ELBO (K = 1) and log p(x_i). x (B, D), eps (B, K, k).

    Raises ValueError for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`.
    Claims: 003-eq15.
    Raises ValueError naming the argument when x, eps or z do not fit the networks (widths, batch, latent size,
    the decoder's outputs) or a Bernoulli decoder's x leaves [0, 1].
    """
    check_model_inputs(params, x=x, eps=eps, decoder=decoder)
    weights = log_importance_weights(params, x, eps, decoder, activation)
    return torch.logsumexp(weights, dim=1) - math.log(weights.shape[1])


def autoencoder_loss(params: dict, x: torch.Tensor, decoder: str = "bernoulli", activation: str = "relu"):
    """(1/B) sum_i -log p(x_i | z_i) in nats per datum (a 0-d tensor), z_i = MLP_phi(x_i) a deterministic code,
    seed 002 Problem 2.1-2; x (B, D).

    Raises ValueError naming the argument for an unknown `decoder` ('bernoulli', 'gaussian') or `activation`,
    networks that do not chain (the code's width, the decoder's outputs for D pixels), x not a non-empty (B, D)
    batch, or a Bernoulli decoder's x outside [0, 1].
    """
    check_autoencoder_inputs(params, x, check_decoder(decoder))
    check_activation(activation)
    out = mlp_forward(params["decoder"], mlp_forward(params["encoder"], x, activation), activation)
    return -decoder_log_likelihood(x, out, decoder).mean()


# ---------------------------------------------------------------- Adam


def adam_init(params: dict) -> dict:
    """Adam's state: step 0 and zero first and second moments shaped like the parameters."""
    return {"step": 0, "m": tree_map(torch.zeros_like, params), "v": tree_map(torch.zeros_like, params)}


def adam_step(params: dict, grads: dict, state: dict, lr: float, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update (Kingma and Ba, Algorithm 1), written as torch.optim.Adam computes it; returns (params, state),
    new containers shaped like `params`.
    """
    step = int(state["step"]) + 1
    m = tree_map(lambda m_, g: m_.lerp(g, 1.0 - beta1), state["m"], grads)
    v = tree_map(lambda v_, g: v_ * beta2 + (1.0 - beta2) * g * g, state["v"], grads)
    step_size = lr / (1.0 - beta1**step)
    root_correction2 = math.sqrt(1.0 - beta2**step)
    params = tree_map(lambda p, m_, v_: p - step_size * m_ / (v_.sqrt() / root_correction2 + eps), params, m, v)
    return params, {"step": step, "m": m, "v": v}


# ---------------------------------------------------------------- training on the device


def train_epoch(params: dict, optimizer: torch.optim.Optimizer, data: torch.Tensor, generator: torch.Generator,
                batch: int, samples: int, loss, latent: int, share=None, reduce=None) -> torch.Tensor:
    """One epoch of seed 001 4.c with the data (N, D) on the device: a device permutation, then per batch
    eps ~ N(0, I) (B, r, k) from `generator`, loss(params, x, eps), backward and `optimizer.step()` (params change
    in place).

    Returns the epoch's mean loss (a 0-d device tensor, in the loss's units, nats per datum for negative_elbo), each
    batch evaluated before its update; nothing waits on the host.

    Several processes (DistributedDataParallel): every process draws the same permutation and noise, so each
    global batch is the one-process batch; `share(B)` gives (rows, weight), this process's rows of it and the
    weight that turns its `loss` (then the SUM over its rows) into its part of the batch mean once DDP averages
    the gradients; `reduce` sums the epoch's total loss over the processes.
    """
    count = data.shape[0]
    order = torch.randperm(count, generator=generator, device=data.device)
    total = torch.zeros((), dtype=data.dtype, device=data.device)
    for start in range(0, count, batch):
        x = data.index_select(0, order[start : start + batch])  # (B, D)
        eps = torch.randn((x.shape[0], samples, latent), generator=generator, dtype=data.dtype, device=data.device)
        if share is None:
            value = loss(params, x, eps)
            objective, batch_total = value, value.detach() * x.shape[0]
        else:
            rows, weight = share(x.shape[0])
            value = loss(params, x[rows], eps[rows])  # the sum over this process's rows
            objective, batch_total = value * weight, value.detach()
        optimizer.zero_grad(set_to_none=True)
        objective.backward()
        optimizer.step()
        total += batch_total
    if reduce is not None:
        total = reduce(total)
    return total / count
