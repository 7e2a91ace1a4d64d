"""The fast Gaussian KLs and decoder log-likelihoods on the whole extended real line, in float64 against mpmath and
in float16/bfloat16/float32 against the float64 value; the full-covariance KL against NumPy's inverse and
log-determinant; and every argument check (a ValueError naming the argument, as in `reference.vae`)."""

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st

import elbocheck.fast.vae as fv
import elbocheck.reference.vae as rv
from tests.reference.test_vae_edges import (
    as_float,
    assert_close_to_mp,
    mp_bernoulli,
    mp_phi,
    spd_matrices,
    wide_logvars,
    wide_means,
)



@pytest.fixture(autouse=True, scope="module")
def sixty_digits():
    with mpmath.workdps(60):
        yield


def t64(*values):
    return [torch.tensor([value], dtype=torch.float64) for value in values]


@example(mu=0.0, logvar=1e-3)
@example(mu=0.0, logvar=1000.0)
@given(wide_means, wide_logvars)
def test_kl_to_standard_normal_equals_mpmath_on_the_whole_line(mu, logvar):
    computed = float(fv.kl_to_standard_normal(*(value[None] for value in t64(mu, logvar)))[0])
    assert computed >= 0.0
    assert_close_to_mp(computed, (mpmath.mpf(mu) ** 2 + mp_phi(logvar)) / 2)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
@pytest.mark.parametrize("logvar", [1e-3, -1e-3, 2.0**-10, 0.05, 0.0])
def test_kl_to_standard_normal_in_low_precision_is_the_rounded_float64_value(dtype, logvar):
    """In float16 and bfloat16 e^v - 1 - v at v = 0.001 came out negative; now it is the float64 KL of the same
    (rounded) input, rounded once (within float16's subnormal spacing, 6e-8, where the KL falls below 6e-5)."""
    logvar_low = torch.full((1, 3), logvar, dtype=dtype)
    kl = fv.kl_to_standard_normal(torch.zeros(1, 3, dtype=dtype), logvar_low)
    assert kl.dtype == dtype
    exact = 3 * as_float(mp_phi(float(logvar_low[0, 0])) / 2)
    assert float(kl[0]) >= 0.0
    subnormal_spacing = torch.finfo(dtype).smallest_normal * torch.finfo(dtype).eps  # float16 holds 7.5e-7 so
    assert float(kl[0]) == pytest.approx(exact, rel=2 * torch.finfo(dtype).eps, abs=subnormal_spacing)


@example(mu_p=0.0, logvar_p=1000.0, mu_q=0.0, logvar_q=1000.0)
@example(mu_p=1.0, logvar_p=-750.0, mu_q=1.0, logvar_q=-750.0)
@given(wide_means, wide_logvars, wide_means, wide_logvars)
def test_kl_normal_equals_mpmath_on_the_whole_line(mu_p, logvar_p, mu_q, logvar_q):
    difference = mpmath.mpf(mu_q) - mpmath.mpf(mu_p)
    exact = (mp_phi(logvar_p - logvar_q) + difference**2 * mpmath.exp(-mpmath.mpf(logvar_q))) / 2
    computed = float(fv.kl_normal(*t64(mu_p, logvar_p, mu_q, logvar_q)))
    assert computed >= 0.0
    assert_close_to_mp(computed, exact, rtol=1e-11)


def test_kl_gradients_at_an_overflowing_logvar_are_finite_where_the_kl_is():
    """p = q at logvar 1000: KL 0 and gradient 0 (not NaN from e^1000 / e^1000)."""
    values = [torch.tensor([value], dtype=torch.float64, requires_grad=True) for value in (0.5, 1000.0, 0.5, 1000.0)]
    kl = fv.kl_normal(*values)
    kl.backward()
    assert float(kl.detach()) == 0.0
    assert all(float(value.grad) == 0.0 for value in values)


@example(x=1.0, logit=math.inf)
@example(x=0.0, logit=-math.inf)
@example(x=1.0, logit=-math.inf)
@example(x=0.0, logit=math.inf)
@example(x=1.0, logit=65.0)
@given(st.sampled_from([0.0, 1.0, 0.5]),
       st.one_of(st.sampled_from([math.inf, -math.inf, 0.0, 745.0, -745.0, 1e300]), st.floats(-1e4, 1e4)))
def test_bernoulli_log_likelihood_equals_mpmath_and_its_limits(x, logit):
    computed = float(fv.bernoulli_log_likelihood(*t64(x, logit)))
    if math.isinf(logit):
        agrees = (x == 1.0 and logit > 0) or (x == 0.0 and logit < 0)
        assert computed == (0.0 if agrees else -math.inf)
        return
    assert_close_to_mp(computed, mp_bernoulli(x, logit))


def test_bernoulli_gradient_at_infinite_logits_is_x_minus_the_limit_of_sigmoid():
    gradient = fv.bernoulli_log_likelihood_backward(torch.tensor([1.0, 0.0, 0.0, 1.0]),
                                                    torch.tensor([math.inf, -math.inf, math.inf, -math.inf]))
    assert gradient.tolist() == [0.0, 0.0, -1.0, 1.0]


@example(x=1.0, mean=1.0, logvar=-750.0)
@example(x=3.0, mean=0.0, logvar=1000.0)
@given(wide_means, wide_means, wide_logvars)
def test_gaussian_log_likelihood_equals_mpmath_on_the_whole_line(x, mean, logvar):
    difference = mpmath.mpf(x) - mpmath.mpf(mean)
    exact = -(mpmath.log(2 * mpmath.pi) + logvar + difference**2 * mpmath.exp(-mpmath.mpf(logvar))) / 2
    computed = float(fv.gaussian_log_likelihood(*t64(x, mean, logvar)))
    if as_float(-exact) == math.inf:
        assert computed == -math.inf
    else:
        assert_close_to_mp(computed, exact)


def test_gaussian_gradients_at_the_mean_with_a_tiny_variance_are_finite():
    grad_mean, grad_logvar = fv.gaussian_log_likelihood_backward(*t64(1.0, 1.0, -750.0))
    assert float(grad_mean) == 0.0 and float(grad_logvar) == -0.5


@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_full_covariance_kl_equals_the_formula_by_numpy_inverse_and_log_determinant(batch, k):
    rng = np.random.default_rng(k + len(batch))
    mu_p, mu_q = rng.normal(size=batch + (k,)), rng.normal(size=batch + (k,))
    cov_p = np.stack([spd_matrices(k, seed) for seed in range(int(np.prod(batch)))]).reshape(batch + (k, k))
    cov_q = np.stack([spd_matrices(k, 100 + seed) for seed in range(int(np.prod(batch)))]).reshape(batch + (k, k))
    inverse_q = np.linalg.inv(cov_q)
    d = (mu_q - mu_p)[..., None]
    expected = 0.5 * (np.trace(inverse_q @ cov_p, axis1=-2, axis2=-1) + (np.swapaxes(d, -1, -2) @ inverse_q @ d)[..., 0, 0]
                      - k + np.linalg.slogdet(cov_q)[1] - np.linalg.slogdet(cov_p)[1])
    computed = fv.kl_normal_full_covariance(*(torch.as_tensor(a) for a in (mu_p, cov_p, mu_q, cov_q)))
    assert tuple(computed.shape) == batch
    np.testing.assert_allclose(computed.numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize(("call", "named"), [
    (lambda: fv.kl_normal(*(torch.zeros(3) if i % 2 == 0 else torch.eye(3) for i in range(4))), "logvar_p"),
    (lambda: fv.kl_normal_full_covariance(torch.zeros(2), torch.tensor([[1.0, 2.0], [2.0, 1.0]]), torch.zeros(2),
                                          torch.eye(2)), "cov_p: expected positive-definite"),
    (lambda: fv.kl_normal_full_covariance(torch.zeros(2), torch.eye(2), torch.zeros(2), torch.eye(3)), "cov_q"),
    (lambda: fv.kl_to_standard_normal(torch.zeros(2, 3), torch.zeros(3, 3)), "logvar"),
    (lambda: fv.kl_to_standard_normal(torch.zeros(2, 3, dtype=torch.int64), torch.zeros(2, 3)), "mu"),
    (lambda: fv.kl_normal(*t64(math.inf, 0.0, math.inf, 0.0)), "mu_p, mu_q"),
    (lambda: fv.bernoulli_log_likelihood(torch.tensor([2.0]), torch.tensor([0.0])), "x"),
    (lambda: fv.gaussian_log_likelihood(torch.zeros(3), torch.zeros(4), torch.zeros(3)), "x, mean, logvar"),
    (lambda: fv.gaussian_log_likelihood(*t64(math.inf, math.inf, 0.0)), "x, mean"),
])
def test_bad_arguments_are_a_value_error_naming_the_argument(call, named):
    with pytest.raises(ValueError, match=named):
        call()


@pytest.mark.parametrize(("call", "named"), [
    (lambda p, x, eps: fv.elbo(p, x[:, :3], eps), r"x: expected shape \(B, D\) = \(B, 4\)"),
    (lambda p, x, eps: fv.elbo(p, x, eps[..., :1]), r"eps: expected shape \(B, r, k\) = \(3, r, 2\)"),
    (lambda p, x, eps: fv.negative_elbo(p, x * 3, eps), r"x: expected pixel values in \[0, 1\]"),
    (lambda p, x, eps: fv.negative_elbo_gradients(p, x, eps, decoder="gaussian"), "decoder: a gaussian decoder"),
    (lambda p, x, eps: fv.iwae_bound(p, x, eps[0]), "eps"),
    (lambda p, x, eps: fv.log_importance_weights(p, x, eps[..., :1]), "eps"),
    (lambda p, x, eps: fv.log_likelihood(p, x, eps[..., :1]), "z"),
    (lambda p, x, eps: fv.decode(p, eps[0, :, :1]), "z"),
    (lambda p, x, eps: fv.encode(p, x[:, :1]), "x"),
    (lambda p, x, eps: fv.reparameterize(torch.zeros(3, 2), torch.zeros(3, 2), eps[..., :1]), "eps"),
])
def test_data_and_noise_that_do_not_fit_the_networks_are_the_reference_s_value_error(call, named):
    """A (B, r, 1) noise once broadcast over k latents in `fast` and gave a plausible ELBO."""
    from tests.reference.test_vae_edges import small_model

    params, x, eps = small_model()
    tensors = fv.tree_map(torch.as_tensor, params)
    with pytest.raises(ValueError, match=named):
        call(tensors, torch.as_tensor(x), torch.as_tensor(eps))


@pytest.mark.parametrize("call", [
    lambda: fv.kl_to_standard_normal(torch.tensor([[math.nan]]), torch.zeros(1, 1)),
    lambda: fv.kl_normal(*t64(math.nan, 0.0, 0.0, 0.0)),
    lambda: fv.bernoulli_log_likelihood(torch.tensor([1.0]), torch.tensor([math.nan])),
    lambda: fv.gaussian_log_likelihood(torch.zeros(1), torch.zeros(1), torch.tensor([math.nan])),
])
def test_nan_in_is_nan_out_so_that_a_diverged_run_is_stopped_by_its_trainer(call):
    assert bool(torch.isnan(call()).all())


AUTOENCODER = rv.init_autoencoder(4, 2, [3], "bernoulli", np.random.default_rng(0))
PIXELS = np.random.default_rng(1).random((5, 4))


@pytest.mark.parametrize("implementation", ["reference", "fast"])
@pytest.mark.parametrize(("arguments", "named"), [
    ((AUTOENCODER, PIXELS[:, :3]), r"x: expected shape \(B, D\) = \(B, 4\)"),
    ((AUTOENCODER, PIXELS[:0]), "x: expected at least one datum"),
    ((AUTOENCODER, 3 * PIXELS), r"x: expected pixel values in \[0, 1\]"),
    ((AUTOENCODER, PIXELS, "gaussian"), "decoder: a gaussian decoder of D = 4 pixels has 8 outputs"),
    ((AUTOENCODER, PIXELS, "poisson"), "decoder: expected one of"),
    ((AUTOENCODER, PIXELS, "bernoulli", "gelu"), "activation: expected one of"),
    (({**AUTOENCODER, "decoder": rv.init_autoencoder(4, 3, [3], "bernoulli", np.random.default_rng(2))["decoder"]},
      PIXELS), "params: the encoder gives a code of 2, the decoder takes 3"),
    (({"encoder": AUTOENCODER["encoder"]}, PIXELS), "params: expected a dict with 'encoder' and 'decoder'"),
])
def test_autoencoder_loss_refuses_what_does_not_fit_in_both_implementations(implementation, arguments, named):
    params, x, *rest = arguments
    if implementation == "fast":
        params = rv.tree_map(torch.as_tensor, params)
        x = torch.as_tensor(x)
    with pytest.raises(ValueError, match=named):
        (fv if implementation == "fast" else rv).autoencoder_loss(params, x, *rest)
