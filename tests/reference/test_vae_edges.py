"""The reference's Gaussian KLs and decoder log-likelihoods on the whole extended real line, against mpmath at 60
digits and the limits worked out by hand; the full-covariance KL against torch.distributions; and every argument
check of these functions (a ValueError naming the argument, never a plausible wrong number)."""

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st
from hypothesis.extra import numpy as hnp

from elbocheck.reference import vae



@pytest.fixture(autouse=True, scope="module")
def sixty_digits():
    """mpmath at 60 digits for this module's tests, leaving other modules' precision alone."""
    with mpmath.workdps(60):
        yield

# the answer is decided by cancellation near 0, by overflow of e^v far from it, or by a limit at the ends
LOGVAR_EDGES = st.sampled_from([0.0, 1e-3, -1e-3, 2.0**-20, 1e-8, -1e-12, 1e-150, 700.0, 750.0, -750.0, 1000.0,
                                -1000.0])
wide_logvars = st.one_of(LOGVAR_EDGES, st.floats(-1000.0, 1000.0))
wide_means = st.one_of(st.sampled_from([0.0, 1e-200, -1e-200, 1e150, -1e150]), st.floats(-1e6, 1e6))


def mp_phi(t: float):
    """e^t - 1 - t to 60 digits: the working precision grows with -log10 |t|, so that t^2 / 2 survives the
    subtraction of t."""
    extra = 0 if t == 0 or abs(t) >= 1 else int(-math.log10(abs(t))) + 5
    with mpmath.workdps(60 + extra):
        t = mpmath.mpf(t)
        return +(mpmath.expm1(t) - t)


def as_float(value) -> float:
    """An mpmath number rounded to float64 (+inf above the range)."""
    return float(value) if abs(value) < mpmath.mpf("1.7e308") else math.copysign(math.inf, float(mpmath.sign(value)))


def mp_bernoulli(x: float, logit: float):
    """x l - log(1 + e^l) as -(1 - x) l - log(1 + e^-l) when l > 0: two terms of one sign for x in [0, 1], so that
    no digits cancel at any working precision (at l = 65 the direct form needs 30 digits to keep any)."""
    l, x = mpmath.mpf(logit), mpmath.mpf(x)
    if l > 0:
        return -(1 - x) * l - mpmath.log1p(mpmath.exp(-l))
    return x * l - mpmath.log1p(mpmath.exp(l))


def assert_close_to_mp(computed: float, exact, rtol: float = 1e-12):
    expected = as_float(exact)
    if math.isinf(expected):
        assert computed == expected
    else:
        assert computed == pytest.approx(expected, rel=rtol, abs=1e-300)


# ---------------------------------------------------------------- KL to the prior and between diagonal Gaussians


@example(mu=0.0, logvar=1e-3)
@example(mu=0.0, logvar=1e-150)
@example(mu=0.0, logvar=1000.0)
@example(mu=1e150, logvar=-1000.0)
@given(wide_means, wide_logvars)
def test_kl_to_standard_normal_equals_mpmath_on_the_whole_line(mu, logvar):
    exact = (mpmath.mpf(mu) ** 2 + mp_phi(logvar)) / 2
    computed = float(vae.kl_to_standard_normal(np.array([[mu]]), np.array([[logvar]]))[0])
    assert computed >= 0.0
    assert_close_to_mp(computed, exact)


@example(mu_p=0.0, logvar_p=1000.0, mu_q=0.0, logvar_q=1000.0)
@example(mu_p=1.0, logvar_p=-750.0, mu_q=1.0, logvar_q=-750.0)
@example(mu_p=0.0, logvar_p=1e-3, mu_q=0.0, logvar_q=0.0)
@given(wide_means, wide_logvars, wide_means, wide_logvars)
def test_kl_normal_equals_mpmath_on_the_whole_line(mu_p, logvar_p, mu_q, logvar_q):
    difference = mpmath.mpf(mu_q) - mpmath.mpf(mu_p)
    exact = (mp_phi(logvar_p - logvar_q) + difference**2 * mpmath.exp(-mpmath.mpf(logvar_q))) / 2
    computed = float(vae.kl_normal(*(np.array([value]) for value in (mu_p, logvar_p, mu_q, logvar_q))))
    assert computed >= 0.0
    assert_close_to_mp(computed, exact, rtol=1e-11)


@pytest.mark.parametrize("logvar", [1000.0, -750.0, 0.0, 1e-3, -1e-300])
def test_kl_normal_of_a_distribution_to_itself_is_zero(logvar):
    mu = np.array([[0.3, -2.0]])
    logvar = np.full((1, 2), logvar)
    assert vae.kl_normal(mu, logvar, mu.copy(), logvar.copy())[0] == 0.0


@pytest.mark.parametrize(("mu_p", "logvar_p", "mu_q", "logvar_q", "expected"), [
    (0.0, math.inf, 0.0, 0.0, math.inf),      # p infinitely wide
    (0.0, -math.inf, 0.0, 0.0, math.inf),     # p a point mass
    (0.0, 0.0, 0.0, -math.inf, math.inf),     # q a point mass
    (math.inf, 0.0, 0.0, 0.0, math.inf),      # infinitely far apart
    (0.0, 0.0, 0.0, math.inf, math.inf),      # q infinitely wide
])
def test_kl_normal_at_infinite_arguments_is_its_limit(mu_p, logvar_p, mu_q, logvar_q, expected):
    assert vae.kl_normal(*(np.array([value]) for value in (mu_p, logvar_p, mu_q, logvar_q))) == expected


@pytest.mark.parametrize(("arguments", "named"), [
    ((math.inf, 0.0, math.inf, 0.0), "mu_p, mu_q"),
    ((0.0, math.inf, 0.0, math.inf), "logvar_p, logvar_q"),
])
def test_kl_normal_without_a_limit_is_a_value_error_naming_the_arguments(arguments, named):
    with pytest.raises(ValueError, match=named):
        vae.kl_normal(*(np.array([value]) for value in arguments))


@pytest.mark.parametrize("call", [
    lambda: vae.kl_to_standard_normal(np.array([[np.nan]]), np.array([[0.0]])),
    lambda: vae.kl_normal(np.array([np.nan]), np.zeros(1), np.zeros(1), np.zeros(1)),
    lambda: vae.bernoulli_log_likelihood(np.array([1.0]), np.array([np.nan])),
    lambda: vae.gaussian_log_likelihood(np.array([np.nan]), np.zeros(1), np.zeros(1)),
])
def test_nan_in_is_nan_out_so_that_a_diverged_run_is_stopped_by_its_trainer(call):
    assert np.all(np.isnan(call()))


# ---------------------------------------------------------------- decoder log-likelihoods


@example(x=1.0, logit=math.inf)
@example(x=0.0, logit=-math.inf)
@example(x=1.0, logit=-math.inf)
@example(x=0.0, logit=math.inf)
@example(x=1.0, logit=40.0)
@example(x=1.0, logit=65.0)
@given(st.sampled_from([0.0, 1.0, 0.5, 0.25]),
       st.one_of(st.sampled_from([math.inf, -math.inf, 0.0, 745.0, -745.0, 1e300, -1e300]), st.floats(-1e4, 1e4)))
def test_bernoulli_log_likelihood_equals_mpmath_and_its_limits(x, logit):
    if math.isinf(logit):
        agrees = (x == 1.0 and logit > 0) or (x == 0.0 and logit < 0)
        expected = 0.0 if agrees else -math.inf
        assert vae.bernoulli_log_likelihood(np.array([x]), np.array([logit])) == expected
        return
    exact = mp_bernoulli(x, logit)
    computed = float(vae.bernoulli_log_likelihood(np.array([x]), np.array([logit])))
    assert computed <= 0.0
    assert_close_to_mp(computed, exact, rtol=1e-12)


@example(x=1.0, mean=1.0, logvar=-750.0)
@example(x=0.0, mean=0.0, logvar=1000.0)
@example(x=3.0, mean=0.0, logvar=1000.0)
@given(wide_means, wide_means, wide_logvars)
def test_gaussian_log_likelihood_equals_mpmath_on_the_whole_line(x, mean, logvar):
    difference = mpmath.mpf(x) - mpmath.mpf(mean)
    exact = -(mpmath.log(2 * mpmath.pi) + logvar + difference**2 * mpmath.exp(-mpmath.mpf(logvar))) / 2
    computed = float(vae.gaussian_log_likelihood(np.array([x]), np.array([mean]), np.array([logvar])))
    if as_float(-exact) == math.inf:
        assert computed == -math.inf
    else:
        assert_close_to_mp(computed, exact, rtol=1e-12)


@pytest.mark.parametrize(("x", "mean", "logvar", "expected"), [
    (1.0, 1.0, -math.inf, math.inf),    # a point mass at its atom
    (1.0, 2.0, -math.inf, -math.inf),   # a point mass elsewhere
    (1.0, 2.0, math.inf, -math.inf),    # an infinitely wide density
    (math.inf, 0.0, 0.0, -math.inf),    # infinitely far out
])
def test_gaussian_log_likelihood_at_infinite_arguments_is_its_limit(x, mean, logvar, expected):
    assert vae.gaussian_log_likelihood(np.array([x]), np.array([mean]), np.array([logvar])) == expected


def test_gaussian_gradients_at_the_mean_with_a_tiny_variance_are_those_of_the_limit():
    grad_mean, grad_logvar = vae.gaussian_log_likelihood_backward(np.array([1.0]), np.array([1.0]), np.array([-750.0]))
    assert grad_mean[0] == 0.0 and grad_logvar[0] == -0.5


# ---------------------------------------------------------------- the full-covariance KL (issue: a (k, k) input)


def spd_matrices(k: int, seed: int) -> np.ndarray:
    factor = np.random.default_rng(seed).standard_normal((k, k))
    return factor @ factor.T / k + 0.2 * np.eye(k)


@given(st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_full_covariance_kl_equals_torch_distributions(k, seed):
    rng = np.random.default_rng(seed)
    mu_p, mu_q = rng.normal(size=k), rng.normal(size=k)
    cov_p, cov_q = spd_matrices(k, seed + 1), spd_matrices(k, seed + 2)
    p = torch.distributions.MultivariateNormal(torch.as_tensor(mu_p), torch.as_tensor(cov_p))
    q = torch.distributions.MultivariateNormal(torch.as_tensor(mu_q), torch.as_tensor(cov_q))
    expected = float(torch.distributions.kl_divergence(p, q))
    assert float(vae.kl_normal_full_covariance(mu_p, cov_p, mu_q, cov_q)) == pytest.approx(expected, rel=1e-10)


@given(hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)), hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)),
       hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)), hnp.arrays(np.float64, (2, 3), elements=st.floats(-3, 3)))
def test_full_covariance_kl_of_diagonal_matrices_is_the_diagonal_kl(mu_p, logvar_p, mu_q, logvar_q):
    diagonal = lambda logvar: np.exp(logvar)[..., None] * np.eye(3)  # noqa: E731
    np.testing.assert_allclose(vae.kl_normal_full_covariance(mu_p, diagonal(logvar_p), mu_q, diagonal(logvar_q)),
                               vae.kl_normal(mu_p, logvar_p, mu_q, logvar_q), rtol=1e-10, atol=1e-12)


def test_the_full_covariance_kl_is_a_monte_carlo_average_of_log_density_ratios():
    """KL = E_p[log p(z) - log q(z)] within 5 standard errors, the densities from scipy."""
    from scipy import stats

    rng = np.random.default_rng(4)
    mu_p, mu_q, cov_p, cov_q = rng.normal(size=3), rng.normal(size=3), spd_matrices(3, 5), spd_matrices(3, 6)
    z = rng.multivariate_normal(mu_p, cov_p, size=200_000)
    ratio = stats.multivariate_normal(mu_p, cov_p).logpdf(z) - stats.multivariate_normal(mu_q, cov_q).logpdf(z)
    error = ratio.std(ddof=1) / math.sqrt(ratio.size)
    assert abs(ratio.mean() - vae.kl_normal_full_covariance(mu_p, cov_p, mu_q, cov_q)) <= 5 * error


def test_covariance_matrices_given_to_the_diagonal_kl_are_a_value_error_naming_the_argument():
    """kl_normal once broadcast (k, k) matrices against (k,) means and returned a length-k vector."""
    mu, cov = np.zeros(3), np.eye(3)
    with pytest.raises(ValueError, match=r"logvar_p: .*kl_normal_full_covariance.*\(3,\).*\(3, 3\)"):
        vae.kl_normal(mu, cov, mu, cov)


@pytest.mark.parametrize(("change", "named"), [
    (lambda a: {**a, "cov_q": np.array([[1.0, 2.0], [2.0, 1.0]])}, "cov_q: expected positive-definite"),
    (lambda a: {**a, "cov_p": np.array([[1.0, 0.5], [0.0, 1.0]])}, "cov_p: expected symmetric"),
    (lambda a: {**a, "cov_p": np.eye(3)}, r"cov_p: expected covariance matrices of shape"),
    (lambda a: {**a, "mu_q": np.zeros(3)}, "mu_q"),
    (lambda a: {**a, "cov_q": np.array([[np.inf, 0.0], [0.0, 1.0]])}, "cov_q: expected finite"),
    (lambda a: {**a, "mu_p": np.array([np.nan, 0.0])}, "mu_p: expected finite"),
])
def test_full_covariance_kl_refuses_what_is_not_a_pair_of_gaussians(change, named):
    arguments = change({"mu_p": np.zeros(2), "cov_p": np.eye(2), "mu_q": np.ones(2), "cov_q": 2 * np.eye(2)})
    with pytest.raises(ValueError, match=named):
        vae.kl_normal_full_covariance(**arguments)


# ---------------------------------------------------------------- argument checks of the other pieces


@pytest.mark.parametrize(("call", "named"), [
    (lambda: vae.kl_to_standard_normal(np.zeros((2, 3)), np.zeros((3, 3))), "logvar"),
    (lambda: vae.kl_to_standard_normal(np.zeros(3) + 0j, np.zeros(3)), "mu"),
    (lambda: vae.kl_to_standard_normal(np.array(0.0), np.array(0.0)), "mu"),
    (lambda: vae.kl_normal(np.zeros(2), np.zeros(2), np.zeros((1, 2)), np.zeros(2)), "mu_q"),
    (lambda: vae.bernoulli_log_likelihood(np.array([2.0]), np.array([0.0])), "x"),
    (lambda: vae.bernoulli_log_likelihood(np.array([-0.5]), np.array([0.0])), "x"),
    (lambda: vae.bernoulli_log_likelihood(np.zeros(3), np.zeros(4)), "x"),
    (lambda: vae.gaussian_log_likelihood(np.zeros(3), np.zeros(4), np.zeros(3)), "x, mean, logvar"),
    (lambda: vae.gaussian_log_likelihood(np.array([np.inf]), np.array([np.inf]), np.zeros(1)), "x, mean"),
    (lambda: vae.gaussian_log_likelihood(np.zeros(1), np.zeros(1), np.array(["1"])), "logvar"),
])
def test_bad_arguments_are_a_value_error_naming_the_argument(call, named):
    with pytest.raises(ValueError, match=named):
        call()


# ---------------------------------------------------------------- the model's data, noise and latents


def small_model(decoder: str = "bernoulli"):
    """D = 4 pixels, k = 2 latents, B = 3 data, r = 2 samples."""
    rng = np.random.default_rng(0)
    params = vae.init_params(4, 2, [3], decoder, rng)
    x = (rng.random((3, 4)) < 0.5).astype(np.float64)
    return params, x, rng.standard_normal((3, 2, 2))


@pytest.mark.parametrize(("call", "named"), [
    (lambda p, x, eps: vae.elbo(p, x[:, :3], eps), r"x: expected shape \(B, D\) = \(B, 4\)"),
    (lambda p, x, eps: vae.elbo(p, x, eps[..., :1]), r"eps: expected shape \(B, r, k\) = \(3, r, 2\)"),
    (lambda p, x, eps: vae.elbo(p, x, eps[:2]), "eps"),
    (lambda p, x, eps: vae.negative_elbo(p, x * 3, eps), r"x: expected pixel values in \[0, 1\]"),
    (lambda p, x, eps: vae.negative_elbo_gradients(p, x, eps, decoder="gaussian"), "decoder: a gaussian decoder"),
    (lambda p, x, eps: vae.iwae_bound(p, x, eps[0]), "eps"),
    (lambda p, x, eps: vae.elbo_monte_carlo(p, x[None], eps), "x"),
    (lambda p, x, eps: vae.log_importance_weights(p, x, eps[..., :1]), "eps"),
    (lambda p, x, eps: vae.log_likelihood(p, x, eps[..., :1]), "z"),
    (lambda p, x, eps: vae.log_likelihood(p, x[:, :2], eps), "x"),
    (lambda p, x, eps: vae.decode(p, eps[0, :, :1]), "z"),
    (lambda p, x, eps: vae.encode(p, x[:, :1]), "x"),
    (lambda p, x, eps: vae.reparameterize(np.zeros((3, 2)), np.zeros((3, 1)), eps), "logvar"),
    (lambda p, x, eps: vae.reparameterize(np.zeros((3, 2)), np.zeros((3, 2)), eps[..., :1]), "eps"),
    (lambda p, x, eps: vae.reparameterize_backward(eps[:1], np.zeros((3, 2)), eps), "grad_z"),
])
def test_data_and_noise_that_do_not_fit_the_networks_are_a_value_error_naming_them(call, named):
    """Each of these once broadcast or sliced its way to a number (a (B, r, 1) noise spread over k latents)."""
    params, x, eps = small_model()
    with pytest.raises(ValueError, match=named):
        call(params, x, eps)


def test_two_latent_noise_must_fit_its_own_encoder():
    rng = np.random.default_rng(1)
    params = vae.init_params_two_latent(4, 1, 2, [3], "bernoulli", rng)
    x = np.ones((2, 4))
    with pytest.raises(ValueError, match=r"eps_z: expected shape \(B, r, k\) = \(2, r, 2\)"):
        vae.elbo_two_latent(params, x, np.zeros((2, 1, 1)), np.zeros((2, 1, 1)))
    with pytest.raises(ValueError, match="eps_y"):
        vae.negative_elbo_two_latent_gradients(params, x, np.zeros((2, 1, 2)), np.zeros((2, 1, 2)))
