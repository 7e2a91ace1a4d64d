"""The literal VAE reference (seed 001 section 4, seed 002 Problems 1-2, seed 003 Problem 1, seed 000 Problem 2)
against independent computations: central finite differences, SciPy densities and integrals, quadrature of
log p(x) on a model with one or two latent dimensions, Gauss-Hermite expectations, and an explicit construction
of the one-latent model equal to a two-latent one."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, optimize, special, stats

from elbocheck.reference import vae
from elbocheck.reference.vae import tree_leaves
from tests.strategies import seeds, vae_problems

SMOOTH = ("tanh", "sigmoid")


def central_differences(loss, params, step: float = 1e-5) -> list[np.ndarray]:
    """(loss(w + h e_i) - loss(w - h e_i)) / 2h for every weight w_i, leaf by leaf, perturbing in place."""
    estimates = []
    for leaf in tree_leaves(params):
        estimate = np.empty_like(leaf)
        for index in np.ndindex(leaf.shape):
            kept = leaf[index]
            leaf[index] = kept + step
            upper = loss()
            leaf[index] = kept - step
            lower = loss()
            leaf[index] = kept
            estimate[index] = (upper - lower) / (2 * step)
        estimates.append(estimate)
    return estimates


def assert_close_to_differences(grads, differences):
    for analytic, numeric in zip(tree_leaves(grads), differences):
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- the hand-written gradient


@given(vae_problems(activations=SMOOTH))
def test_hand_written_gradients_equal_central_differences(problem):
    params, x, eps, decoder, activation = problem
    loss, grads = vae.negative_elbo_gradients(params, x, eps, decoder, activation)
    assert loss == pytest.approx(vae.negative_elbo(params, x, eps, decoder, activation), rel=1e-12)
    differences = central_differences(lambda: vae.negative_elbo(params, x, eps, decoder, activation), params)
    assert_close_to_differences(grads, differences)


@given(vae_problems(activations=SMOOTH, max_latent=2), st.integers(1, 2), seeds)
def test_two_latent_gradients_equal_central_differences(problem, latent_y, seed):
    _, x, eps_z, decoder, activation = problem
    rng = np.random.default_rng(seed)
    hidden = [int(rng.integers(1, 4))]
    params = vae.init_params_two_latent(x.shape[1], latent_y, eps_z.shape[2], hidden, decoder, rng)
    eps_y = rng.standard_normal((x.shape[0], eps_z.shape[1], latent_y))
    loss, grads = vae.negative_elbo_two_latent_gradients(params, x, eps_y, eps_z, decoder, activation)
    objective = lambda: -float(np.mean(vae.elbo_two_latent(params, x, eps_y, eps_z, decoder, activation)))  # noqa: E731
    assert loss == pytest.approx(objective(), rel=1e-12)
    assert_close_to_differences(grads, central_differences(objective, params))


@given(vae_problems(activations=SMOOTH))
def test_reparameterization_backward_is_the_chain_rule_through_z(problem):
    params, x, eps, decoder, activation = problem
    mu, logvar = vae.encode(params, x, activation)
    upstream = np.random.default_rng(0).standard_normal(eps.shape)
    grad_mu, grad_logvar = vae.reparameterize_backward(upstream, logvar, eps)
    step = 1e-6
    for name, analytic in (("mu", grad_mu), ("logvar", grad_logvar)):
        for index in np.ndindex(mu.shape):
            bumped = {"mu": mu.copy(), "logvar": logvar.copy()}
            bumped[name][index] += step
            upper = np.sum(upstream * vae.reparameterize(bumped["mu"], bumped["logvar"], eps))
            bumped[name][index] -= 2 * step
            lower = np.sum(upstream * vae.reparameterize(bumped["mu"], bumped["logvar"], eps))
            assert analytic[index] == pytest.approx((upper - lower) / (2 * step), rel=1e-6, abs=1e-8)


# ---------------------------------------------------------------- the pieces against SciPy


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)), elements=st.floats(-20, 20)), seeds)
def test_bernoulli_log_likelihood_is_the_sum_of_log_bernoulli_probabilities(logits, seed):
    x = (np.random.default_rng(seed).random(logits.shape) < 0.5).astype(np.float64)
    expected = np.sum(np.where(x == 1, special.log_expit(logits), special.log_expit(-logits)), axis=1)
    np.testing.assert_allclose(vae.bernoulli_log_likelihood(x, logits), expected, rtol=1e-12, atol=1e-12)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)), elements=st.floats(-10, 10)), seeds)
def test_gaussian_log_likelihood_is_scipys_normal_log_density(logvar, seed):
    rng = np.random.default_rng(seed)
    mean, x = rng.normal(size=logvar.shape), rng.normal(size=logvar.shape) * 3
    expected = stats.norm.logpdf(x, loc=mean, scale=np.exp(logvar / 2)).sum(axis=1)
    np.testing.assert_allclose(vae.gaussian_log_likelihood(x, mean, logvar), expected, rtol=1e-12, atol=1e-12)


@given(st.floats(-4, 4), st.floats(-3, 3), st.floats(-4, 4), st.floats(-3, 3))
def test_kl_normal_equals_the_integral_of_p_log_p_over_q(mu_p, logvar_p, mu_q, logvar_q):
    """seed 003 (10) against the defining integral (4), by adaptive quadrature."""
    p = stats.norm(mu_p, math.exp(logvar_p / 2))
    q = stats.norm(mu_q, math.exp(logvar_q / 2))
    lower, upper = p.ppf(1e-15), p.ppf(1 - 1e-15)
    integral, _ = integrate.quad(lambda t: p.pdf(t) * (p.logpdf(t) - q.logpdf(t)), lower, upper, limit=200, epsabs=1e-11)
    closed = vae.kl_normal(np.array([mu_p]), np.array([logvar_p]), np.array([mu_q]), np.array([logvar_q]))
    assert closed == pytest.approx(integral, rel=1e-7, abs=1e-9)


def nonzero_or_zero():
    """0, or a number whose magnitude is at least 1e-150 (a KL of mu^2 / 2 or logvar^2 / 4 below that underflows to 0
    in float64), with the values where e^v - 1 - v cancels drawn often."""
    cancelling = st.sampled_from([1e-3, -1e-3, 2.0**-20, -(2.0**-20), 1e-8, -1e-12, 1e-150, -1e-150])
    return st.one_of(st.just(0.0), cancelling, st.floats(1e-150, 10.0), st.floats(-10.0, -1e-150))


@example(mu=np.array([[0.0]]), logvar=np.array([[0.001]]))
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)), elements=nonzero_or_zero()),
       hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)), elements=nonzero_or_zero()))
def test_kl_to_standard_normal_is_positive_except_at_the_prior(mu, logvar):
    rows, cols = min(mu.shape[0], logvar.shape[0]), min(mu.shape[1], logvar.shape[1])
    mu, logvar = mu[:rows, :cols], logvar[:rows, :cols]
    kl = vae.kl_to_standard_normal(mu, logvar)
    at_prior = np.all((mu == 0) & (logvar == 0), axis=1)
    assert np.all(kl[at_prior] == 0.0)
    assert np.all(kl[~at_prior] > 0.0)
    np.testing.assert_allclose(kl, vae.kl_normal(mu, logvar, np.zeros_like(mu), np.zeros_like(logvar)), rtol=1e-12, atol=1e-300)


@given(hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(-3, 3)),
       hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(-3, 3)), seeds)
def test_kl_to_standard_normal_equals_a_monte_carlo_estimate_within_the_clt_bound(mu, logvar, seed):
    """KL = E_q[log q(z) - log p(z)], estimated with 20000 draws z = mu + sigma eps; within 5 standard errors."""
    k = min(mu.size, logvar.size)
    mu, logvar = mu[None, :k], logvar[None, :k]
    eps = np.random.default_rng(seed).standard_normal((1, 20000, k))
    z = vae.reparameterize(mu, logvar, eps)[0]  # (n, k)
    log_ratio = vae.gaussian_log_likelihood(z, mu, logvar) - vae.gaussian_log_likelihood(z, 0 * z, 0 * z)
    standard_error = log_ratio.std(ddof=1) / math.sqrt(log_ratio.size)
    assert abs(log_ratio.mean() - vae.kl_to_standard_normal(mu, logvar)[0]) <= 5 * standard_error + 1e-12


@given(hnp.arrays(np.float64, 3, elements=st.floats(-3, 3)), hnp.arrays(np.float64, 3, elements=st.floats(-4, 4)), seeds)
def test_reparameterized_samples_have_mean_mu_and_variance_exp_logvar(mu, logvar, seed):
    """z = mu + sigma eps has variance sigma^2 (mu + eps sigma^2, as seed 000 Problem 2.2 writes, has sigma^4)."""
    n = 40000
    z = vae.reparameterize(mu[None], logvar[None], np.random.default_rng(seed).standard_normal((1, n, 3)))[0]
    variance = np.exp(logvar)
    assert np.all(np.abs(z.mean(axis=0) - mu) <= 5 * np.sqrt(variance / n))
    # var of the sample variance of a normal is 2 sigma^4 / (n - 1)
    assert np.all(np.abs(z.var(axis=0, ddof=1) - variance) <= 5 * variance * math.sqrt(2 / (n - 1)))


# ---------------------------------------------------------------- the reparameterisation gradient, seed 003 (22)


@given(hnp.arrays(np.float64, 3, elements=st.floats(-2, 2)), hnp.arrays(np.float64, 3, elements=st.floats(-3, 2)),
       hnp.arrays(np.float64, (3, 3), elements=st.floats(-2, 2)))
def test_reparameterized_gradient_of_a_cubic_expectation_is_exact(mu, logvar, coefficients):
    """f(z) = sum_m a_m z_m + b_m z_m^2 + c_m z_m^3 has E_q f = sum a mu + b (mu^2 + s^2) + c (mu^3 + 3 mu s^2);
    E_eps[grad f(mu + s eps)], by Gauss-Hermite nodes exact for polynomials of this degree, equals its gradient."""
    a, b, c = coefficients
    variance = np.exp(logvar)
    exact_mu = a + 2 * b * mu + c * (3 * mu**2 + 3 * variance)
    exact_logvar = (b + 3 * c * mu) * variance  # d/dlogvar of (b + 3 c mu) s^2
    nodes, weights = special.roots_hermitenorm(8)
    weights = weights / math.sqrt(2 * math.pi)
    eps = np.repeat(nodes[None, :, None], 3, axis=2)  # (1, n, 3)
    z = vae.reparameterize(mu[None], logvar[None], eps)  # (1, n, 3)
    weighted_grad_f = weights[None, :, None] * (a + 2 * b * z + 3 * c * z**2)
    grad_mu, grad_logvar = vae.reparameterize_backward(weighted_grad_f, logvar[None], eps)
    np.testing.assert_allclose(grad_mu[0], exact_mu, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grad_logvar[0], exact_logvar, rtol=1e-10, atol=1e-10)


@given(hnp.arrays(np.float64, 2, elements=st.floats(-1, 1)), hnp.arrays(np.float64, 2, elements=st.floats(-2, 0.5)),
       hnp.arrays(np.float64, 2, elements=st.floats(-1, 1)), seeds)
def test_reparameterized_gradient_of_an_exponential_expectation_matches_within_the_clt_bound(mu, logvar, c, seed):
    """f(z) = exp(c . z): E_q f = exp(c . mu + 1/2 sum c^2 s^2), so dE/dmu = c E and dE/dlogvar = c^2 s^2 E / 2."""
    n = 20000
    variance = np.exp(logvar)
    expectation = math.exp(c @ mu + 0.5 * np.sum(c**2 * variance))
    eps = np.random.default_rng(seed).standard_normal((1, n, 2))
    z = vae.reparameterize(mu[None], logvar[None], eps)[0]  # (n, 2)
    grad_f = np.exp(z @ c)[:, None] * c  # (n, 2)
    per_sample_mu = grad_f
    per_sample_logvar = grad_f * eps[0] * np.exp(logvar / 2) / 2
    grad_mu, grad_logvar = vae.reparameterize_backward(grad_f[None] / n, logvar[None], eps)
    for estimate, per_sample, exact in ((grad_mu[0], per_sample_mu, c * expectation),
                                        (grad_logvar[0], per_sample_logvar, c**2 * variance * expectation / 2)):
        bound = 5 * per_sample.std(axis=0, ddof=1) / math.sqrt(n) + 1e-12
        assert np.all(np.abs(estimate - exact) <= bound)


# ---------------------------------------------------------------- a model small enough to integrate


def quadrature_model(seed: int, latent: int, decoder: str):
    """One datum and a tanh VAE with k = `latent` in {1, 2}: params, x (1, D)."""
    rng = np.random.default_rng(seed)
    pixels = int(rng.integers(1, 5))
    params = vae.init_params(pixels, latent, [3], decoder, rng)
    x = (rng.random((1, pixels)) < 0.5).astype(np.float64) if decoder == "bernoulli" else rng.random((1, pixels))
    return params, x


def log_joint_on(params, x, z, decoder):
    """log p(x | z) + log N(z; 0, I) at each row of z, through the decoder's batched forward pass."""
    out = vae.decode(params, z, decoder, "tanh")
    out = out if decoder == "bernoulli" else np.concatenate(out, axis=-1)
    return vae.decoder_log_likelihood(x, out, decoder) + vae.gaussian_log_likelihood(z, 0 * z, 0 * z)


def exact_elbo(params, x, decoder, latent):
    """E_q[log p(x | z)] by tensor Gauss-Hermite over eps (z = mu + sigma eps; 60 nodes for k = 1, 40 per axis for
    k = 2, enough for 1e-9 on these tanh decoders) minus the analytic KL."""
    nodes = 60 if latent == 1 else 40
    points, weights = special.roots_hermitenorm(nodes)
    weights = weights / math.sqrt(2 * math.pi)
    eps = np.array(list(itertools.product(points, repeat=latent)))[None]  # (1, n^k, k)
    weight = np.prod(np.array(list(itertools.product(weights, repeat=latent))), axis=1)  # (n^k,)
    mu, logvar = vae.encode(params, x, "tanh")
    z = vae.reparameterize(mu, logvar, eps)
    expected = np.sum(weight * vae.log_likelihood(params, x, z, decoder, "tanh")[0])
    return expected - vae.kl_to_standard_normal(mu, logvar)[0]


def posterior_mode_and_scale(params, x, decoder, latent):
    """The mode of log p(x, z) in z (BFGS from the encoder's mean) and the Cholesky factor of the inverse of its
    negative Hessian there (central differences): the centre and scale of the Laplace approximation."""
    start = vae.encode(params, x, "tanh")[0][0]
    objective = lambda z: -float(log_joint_on(params, x, z[None, :], decoder)[0])  # noqa: E731
    mode = optimize.minimize(objective, start, method="BFGS", options={"gtol": 1e-10}).x
    step = 1e-4
    hessian = np.empty((latent, latent))
    for i, j in itertools.product(range(latent), repeat=2):
        e_i, e_j = np.eye(latent)[i] * step, np.eye(latent)[j] * step
        hessian[i, j] = (objective(mode + e_i + e_j) - objective(mode + e_i - e_j)
                         - objective(mode - e_i + e_j) + objective(mode - e_i - e_j)) / (4 * step**2)
    hessian = (hessian + hessian.T) / 2
    if np.all(np.linalg.eigvalsh(hessian) > 1e-6):
        return mode, np.linalg.cholesky(np.linalg.inv(hessian))
    return mode, np.eye(latent)  # not locally log-concave: the prior's scale, the quadrature then needs more nodes


def log_evidence_by_quadrature(params, x, decoder, latent, tolerance: float = 1e-10) -> float:
    """log p(x) = log int p(x, z) dz, centred on the posterior's mode and scaled by its curvature, so that a narrow
    posterior is as well resolved as a wide one: for k = 1 by scipy.integrate.quad over mode +- 40 Laplace standard
    deviations with the mode as a break point, its error estimate checked; for k = 2 by Gauss-Hermite nodes at
    z = mode + L t, adding nodes per axis until two estimates agree within `tolerance`. Fails rather than return
    an unconverged value."""
    mode, factor = posterior_mode_and_scale(params, x, decoder, latent)
    peak = float(log_joint_on(params, x, mode[None, :], decoder)[0])
    if latent == 1:
        scale = float(factor[0, 0])
        density = lambda z: math.exp(float(log_joint_on(params, x, np.array([[z]]), decoder)[0]) - peak)  # noqa: E731
        lower, upper = mode[0] - 40 * scale, mode[0] + 40 * scale
        integral, error = integrate.quad(density, lower, upper, points=[mode[0]], limit=400, epsabs=0, epsrel=1e-12)
        assert error <= tolerance * integral, f"quad's error estimate {error} for an integral of {integral}"
        return peak + math.log(integral)
    log_det = float(np.sum(np.log(np.abs(np.diag(factor)))))
    previous = None
    for nodes in (16, 32, 48, 64, 96):
        points, weights = special.roots_hermitenorm(nodes)  # weight e^{-t^2/2}
        t = np.array(list(itertools.product(points, repeat=latent)))  # (n^k, k)
        log_weight = np.sum(np.log(np.array(list(itertools.product(weights, repeat=latent)))), axis=1)
        z = mode + t @ factor.T
        estimate = special.logsumexp(log_weight + 0.5 * np.sum(t**2, axis=1) + log_joint_on(params, x, z, decoder))
        estimate += log_det
        if previous is not None and abs(estimate - previous) <= tolerance * max(1.0, abs(estimate)):
            return float(estimate)
        previous = estimate
    raise AssertionError(f"the evidence quadrature did not converge: last two estimates {previous}, {estimate}")


def posterior_kl_by_quadrature(params, x, decoder, latent, log_evidence: float) -> float:
    """KL(q(z|x) || p(z|x)) = E_q[log q(z|x) - log p(x, z)] + log p(x), the expectation by Gauss-Hermite nodes
    centred on q (60 for k = 1, 40 per axis for k = 2), the densities evaluated directly."""
    nodes = 60 if latent == 1 else 40
    points, weights = special.roots_hermitenorm(nodes)
    weights = weights / math.sqrt(2 * math.pi)
    eps = np.array(list(itertools.product(points, repeat=latent)))  # (n^k, k)
    weight = np.prod(np.array(list(itertools.product(weights, repeat=latent))), axis=1)
    mu, logvar = vae.encode(params, x, "tanh")
    z = mu + np.exp(logvar / 2) * eps
    log_q = stats.norm.logpdf(z, loc=mu, scale=np.exp(logvar / 2)).sum(axis=1)
    return float(np.sum(weight * (log_q - log_joint_on(params, x, z, decoder)))) + log_evidence


@pytest.mark.parametrize("latent", [1, 2])
@example(seed=0, decoder="bernoulli")
@example(seed=3145515, decoder="gaussian")
@example(seed=297, decoder="bernoulli")
@example(seed=298, decoder="bernoulli")
@example(seed=3908292, decoder="bernoulli")
@example(seed=9999999, decoder="bernoulli")
@example(seed=128, decoder="gaussian")
@example(seed=200440, decoder="gaussian")
@example(seed=221, decoder="bernoulli")
@given(seed=seeds, decoder=st.sampled_from(["bernoulli", "gaussian"]))
def test_elbo_plus_posterior_kl_is_log_evidence(latent, seed, decoder):
    """seed 002 Problem 1.2 / seed 003 (14): log p(x) = ELBO + KL(q(z|x) || p(z|x)), every term by quadrature: the
    evidence centred on the posterior, the posterior KL on q, the ELBO from the reference's pieces."""
    params, x = quadrature_model(seed, latent, decoder)
    log_evidence = log_evidence_by_quadrature(params, x, decoder, latent)
    posterior_kl = posterior_kl_by_quadrature(params, x, decoder, latent, log_evidence)
    elbo = exact_elbo(params, x, decoder, latent)
    assert posterior_kl >= -1e-8
    assert elbo <= log_evidence + 1e-8
    assert elbo + posterior_kl == pytest.approx(log_evidence, abs=1e-7)


def subset_bound(log_weights: np.ndarray, size: int) -> float:
    """The mean over all `size`-subsets S of the draws of log (1/|S|) sum_{s in S} w_s: unbiased for E[IWAE_size]."""
    values = [special.logsumexp(log_weights[list(subset)]) - math.log(size)
              for subset in itertools.combinations(range(log_weights.size), size)]
    return float(np.mean(values))


@given(vae_problems(max_batch=1), seeds)
def test_importance_weighted_bound_does_not_decrease_in_k_for_fixed_draws(problem, seed):
    """Averaged over subsets of 7 fixed draws, IWAE_K is non-decreasing in K (Jensen over subsets, as Burda et al.
    prove E IWAE_K <= E IWAE_{K+1}); K = 1 is the ELBO estimate of seed 002 Problem 1.4, K = 7 the bound itself."""
    params, x, _, decoder, activation = problem
    k = params["encoder"][-1][0].shape[0] // 2
    eps = np.random.default_rng(seed).standard_normal((1, 7, k))
    log_weights = vae.log_importance_weights(params, x, eps, decoder, activation)[0]
    bounds = [subset_bound(log_weights, size) for size in range(1, 8)]
    assert all(later >= earlier - 1e-12 for earlier, later in zip(bounds, bounds[1:]))
    assert bounds[0] == pytest.approx(vae.elbo_monte_carlo(params, x, eps, decoder, activation)[0], rel=1e-12)
    assert bounds[-1] == pytest.approx(vae.iwae_bound(params, x, eps, decoder, activation)[0], rel=1e-12)


@given(vae_problems())
def test_log_weight_average_equals_the_elbo_with_analytic_kl_in_expectation_terms(problem):
    """log p(x, z) - log q(z | x) = log p(x | z) - (log q - log p(z)): its mean over the draws differs from the
    analytic-KL ELBO only by the Monte Carlo KL estimate minus the analytic KL, computed here independently."""
    params, x, eps, decoder, activation = problem
    mu, logvar = vae.encode(params, x, activation)
    z = vae.reparameterize(mu, logvar, eps)
    log_q = np.stack([vae.gaussian_log_likelihood(z[:, j], mu, logvar) for j in range(z.shape[1])], axis=1)
    log_prior = -0.5 * np.sum(np.log(2 * np.pi) + z**2, axis=-1)
    kl_estimate = np.mean(log_q - log_prior, axis=1)
    difference = vae.elbo_monte_carlo(params, x, eps, decoder, activation) - vae.elbo(params, x, eps, decoder, activation)
    np.testing.assert_allclose(difference, vae.kl_to_standard_normal(mu, logvar) - kl_estimate, rtol=1e-9, atol=1e-9)


# ---------------------------------------------------------------- two latents (seed 000 Problem 2)


def block_diagonal(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    out = np.zeros((upper.shape[0] + lower.shape[0], upper.shape[1] + lower.shape[1]))
    out[: upper.shape[0], : upper.shape[1]] = upper
    out[upper.shape[0] :, upper.shape[1] :] = lower
    return out


def concatenated_encoder(encoder_y, encoder_z):
    """One encoder computing both side by side (first layer stacked, later layers block-diagonal), its outputs
    reordered to [mu_y, mu_z, logvar_y, logvar_z]; returns (layers, the output order)."""
    layers = [(np.vstack([encoder_y[0][0], encoder_z[0][0]]), np.concatenate([encoder_y[0][1], encoder_z[0][1]]))]
    for (W_y, b_y), (W_z, b_z) in zip(encoder_y[1:], encoder_z[1:]):
        layers.append((block_diagonal(W_y, W_z), np.concatenate([b_y, b_z])))
    k_y, k_z = encoder_y[-1][0].shape[0] // 2, encoder_z[-1][0].shape[0] // 2
    order = np.r_[0:k_y, 2 * k_y : 2 * k_y + k_z, k_y : 2 * k_y, 2 * k_y + k_z : 2 * (k_y + k_z)]
    W, b = layers[-1]
    layers[-1] = (W[order], b[order])
    return layers, order


def encoder_blocks(grads_one, encoder_y, order):
    """Split the concatenated encoder's gradient into the y-encoder's and the z-encoder's parts."""
    parts_y, parts_z = [], []
    for index, ((dW, db), (W_y, _)) in enumerate(zip(grads_one, encoder_y)):
        if index == len(grads_one) - 1:
            inverse = np.argsort(order)
            dW, db = dW[inverse], db[inverse]
        rows, cols = W_y.shape
        if index == 0:
            parts_y.append((dW[:rows], db[:rows]))
            parts_z.append((dW[rows:], db[rows:]))
        else:
            parts_y.append((dW[:rows, :cols], db[:rows]))
            parts_z.append((dW[rows:, cols:], db[rows:]))
    return parts_y, parts_z


@given(vae_problems(max_latent=2), st.integers(1, 2), seeds)
def test_two_independent_latents_are_one_latent_on_their_concatenation(problem, latent_y, seed):
    """With y and z independent under q and p, J(x) of seed 000 (1) is the one-latent ELBO with latent [y, z], and
    the gradients agree block by block."""
    _, x, eps_z, decoder, activation = problem
    rng = np.random.default_rng(seed)
    hidden = [int(width) for width in rng.integers(1, 4, size=int(rng.integers(1, 3)))]
    two = vae.init_params_two_latent(x.shape[1], latent_y, eps_z.shape[2], hidden, decoder, rng)
    eps_y = rng.standard_normal((x.shape[0], eps_z.shape[1], latent_y))
    encoder, order = concatenated_encoder(two["encoder_y"], two["encoder_z"])
    one = {"encoder": encoder, "decoder": two["decoder"]}
    eps = np.concatenate([eps_y, eps_z], axis=-1)
    np.testing.assert_allclose(vae.elbo(one, x, eps, decoder, activation),
                               vae.elbo_two_latent(two, x, eps_y, eps_z, decoder, activation), rtol=1e-12, atol=1e-12)
    loss_one, grads_one = vae.negative_elbo_gradients(one, x, eps, decoder, activation)
    loss_two, grads_two = vae.negative_elbo_two_latent_gradients(two, x, eps_y, eps_z, decoder, activation)
    assert loss_one == pytest.approx(loss_two, rel=1e-12)
    parts_y, parts_z = encoder_blocks(grads_one["encoder"], two["encoder_y"], order)
    for ours, theirs in ((grads_one["decoder"], grads_two["decoder"]), (parts_y, grads_two["encoder_y"]),
                         (parts_z, grads_two["encoder_z"])):
        for mine, other in zip(tree_leaves(ours), tree_leaves(theirs)):
            np.testing.assert_allclose(mine, other, rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------- Adam and training


def test_adam_first_step_moves_every_weight_by_the_learning_rate_against_its_gradient_sign():
    """With zero moments, step 1 gives m_hat = g and v_hat = g^2, so theta moves by lr g / (|g| + eps)."""
    rng = np.random.default_rng(3)
    params = vae.init_params(4, 2, [3], "bernoulli", rng)
    grads = vae.tree_map(lambda p: rng.standard_normal(p.shape), params)
    moved, state = vae.adam_step(params, grads, vae.adam_init(params), lr=0.01)
    assert state["step"] == 1
    for before, after, g in zip(tree_leaves(params), tree_leaves(moved), tree_leaves(grads)):
        np.testing.assert_allclose(before - after, 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_training_epochs_raise_the_elbo_of_a_small_data_set():
    """seed 001 4.c with Adam on 24 binary images of 6 pixels from two prototypes: the loss falls."""
    rng = np.random.default_rng(5)
    prototypes = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=np.float64)
    data = prototypes[rng.integers(0, 2, size=24)]
    params = vae.init_params(6, 1, [8], "bernoulli", rng)
    state = vae.adam_init(params)
    losses = []
    for _ in range(30):
        params, state, loss = vae.train_epoch(params, state, data, rng, batch=8, lr=0.02, activation="tanh")
        losses.append(loss)
    assert state["step"] == 90
    assert np.mean(losses[-5:]) < 0.5 * losses[0]


@example(decoder="poisson")
@given(st.text(max_size=8).filter(lambda name: name not in vae.DECODERS))
def test_unknown_decoder_is_a_value_error_naming_the_argument(decoder):
    with pytest.raises(ValueError, match="decoder"):
        vae.check_decoder(decoder)
