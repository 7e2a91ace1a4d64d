"""Oracles of the reparameterisation trick and Monte Carlo estimates of expectations; seed 000 Problem 2.2,
seed 001 4.b.1, seed 002 Problem 1 item 5 and Problem 2 item 4, seed 003 (20)-(22), seed 004 Problem 3(a)."""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats

from tests.derivations.oracles.common import (
    close, decoder_instance, derivative, expect_normal, expect_std, expect_std2,
    expected_linear_gaussian_log_likelihood,
)


def transform(power: int):
    """mu + eps * sigma**power, eps ~ N(0, 1), has mean mu and variance sigma^2 (by quadrature over eps)."""
    def oracle(rng) -> bool:
        mu, sigma = rng.uniform(-2, 2), rng.uniform(0.3, 3)
        mean, _ = integrate.quad(lambda e: (mu + e * sigma**power) * stats.norm.pdf(e), -14, 14)
        var, _ = integrate.quad(lambda e: (e * sigma**power) ** 2 * stats.norm.pdf(e), -14, 14)
        return close(mean, mu) and close(var, sigma**2)
    return oracle


def two_latent_reconstruction(power: int, with_kl: bool):
    def oracle(rng) -> bool:
        w1, w2, b, x = rng.uniform(-2, 2, 4)
        s2 = rng.uniform(0.3, 2)
        mu_y, mu_z = rng.uniform(-1, 1, 2)
        sy, sz = rng.uniform(0.3, 2, 2)

        def log_decoder(y, z):
            return stats.norm.logpdf(x, w1 * y + w2 * z + b, np.sqrt(s2))

        true = expected_linear_gaussian_log_likelihood(x, [w1, w2], b, s2, [mu_y, mu_z], [sy**2, sz**2])
        printed = expect_std2(lambda ey, ez: log_decoder(mu_y + ey * sy**power, mu_z + ez * sz**power))
        kl = 0.5 * (mu_y**2 + sy**2 - 1 - np.log(sy**2)) + 0.5 * (mu_z**2 + sz**2 - 1 - np.log(sz**2))
        return close(true - kl * with_kl, printed - kl * with_kl, rtol=1e-6)
    return oracle


def expectation(weighted: bool):
    def oracle(rng) -> bool:
        expected = integrate.quad(lambda x: np.exp(-x**2) * stats.norm.pdf(x), -np.inf, np.inf)[0]
        integral = integrate.quad(lambda x: np.exp(-x**2) * (stats.norm.pdf(x) if weighted else 1), -np.inf, np.inf)[0]
        return close(expected, integral)
    return oracle


def sample_average(rng) -> bool:
    *_, mu, s2, var, log_decoder = decoder_instance(rng)
    z = rng.uniform(-2, 2, 2)
    return close(expect_normal(log_decoder, mu, var), np.mean(log_decoder(z)))


def sample_average_unbiased(rng) -> bool:
    *_, mu, s2, var, log_decoder = decoder_instance(rng)
    mean = expect_normal(log_decoder, mu, var)
    second = expect_normal(lambda z: (log_decoder(z) - mean) ** 2, mu, var)
    samples = rng.normal(mu, np.sqrt(var), size=(20000, 3)).astype(np.float64)
    averages = log_decoder(samples).mean(axis=1)
    spread = np.sqrt(second / 3 / len(averages))
    return abs(averages.mean() - mean) < 5 * spread and abs(averages.var() - second / 3) < 0.1 * second / 3


def vector_transform(root: bool):
    def oracle(rng) -> bool:
        variances = rng.uniform(0.3, 3, 2)
        scales = np.sqrt(variances) if root else variances
        covariance = [integrate.quad(lambda e: (s * e) ** 2 * stats.norm.pdf(e), -14, 14)[0] for s in scales]
        return close(covariance, variances)
    return oracle


def first_term(root: bool):
    def oracle(rng) -> bool:
        *_, mu, s2, var, log_decoder = decoder_instance(rng)
        scale = np.sqrt(var) if root else var
        return close(expect_normal(log_decoder, mu, var), expect_std(lambda v: log_decoder(mu + v * scale)))
    return oracle


def lotus(rng) -> bool:
    c, mu, sigma = rng.normal(size=4), rng.uniform(-1, 1), rng.uniform(0.3, 2)

    def f(z):
        return c[0] + c[1] * z + c[2] * z**2 + c[3] * z**3

    return close(expect_normal(f, mu, sigma**2), expect_std(lambda e: f(mu + sigma * e)))


def estimator(normaliser_is_count: bool):
    def oracle(rng) -> bool:
        mu, sigma = rng.uniform(-1, 1), rng.uniform(0.3, 2)
        L = 3
        N = L if normaliser_is_count else int(rng.choice([2, 4, 5]))
        mean_of_estimator = L / N * expect_std(lambda e: (mu + sigma * e) ** 2)
        return close(mean_of_estimator, mu**2 + sigma**2)
    return oracle


def vector_reparam(rng) -> bool:
    return vector_transform(root=True)(rng)


def interchange(f_is_identity: bool):
    """Does grad_mu E_q[f] differ from E_q[grad_mu f]? (f constant for the printed 'any f', f(z) = z corrected)."""
    def oracle(rng) -> bool:
        mu, sigma, a = rng.uniform(-1, 1), rng.uniform(0.3, 2), rng.normal()

        def f(z):
            return z if f_is_identity else a + 0 * z

        left = derivative(lambda m: expect_normal(f, m, sigma**2), mu, 1e-4)
        right = 0.0  # f does not depend on mu, so grad_mu f = 0 pointwise
        return not close(left, right, atol=1e-6)
    return oracle


def pathwise(rng) -> bool:
    c, mu, sigma = rng.normal(size=4), rng.uniform(-1, 1), rng.uniform(0.3, 2)

    def f(z):
        return c[0] + c[1] * z + c[2] * z**2 + c[3] * z**3

    def f_prime(z):
        return c[1] + 2 * c[2] * z + 3 * c[3] * z**2

    d_mu = derivative(lambda m: expect_normal(f, m, sigma**2), mu, 1e-4)
    d_sigma = derivative(lambda s: expect_normal(f, mu, s**2), sigma, 1e-4)
    return close(d_mu, expect_std(lambda e: f_prime(mu + sigma * e)), rtol=1e-5) and close(
        d_sigma, expect_std(lambda e: f_prime(mu + sigma * e) * e), rtol=1e-5)


def encoder_density(rng) -> bool:
    z_hat, var = rng.normal(), rng.uniform(0.3, 3)
    z = rng.normal(size=5)
    sigma = np.sqrt(var)
    pushforward = stats.norm.pdf((z - z_hat) / sigma) / sigma
    ratio = pushforward / np.exp(-(z - z_hat) ** 2 / (2 * var))
    return close(ratio, ratio[0])


ORACLES = {
    "000-2-reparam": transform(2),
    "000-2-reparam-z": transform(2),
    "000-2-recon": two_latent_reconstruction(2, with_kl=False),
    "000-2-elbo-final": two_latent_reconstruction(2, with_kl=True),
    "001-4b1-expectation": expectation(weighted=False),
    "001-4b1-mc": sample_average,
    "001-4b1-reparam": transform(1),
    "001-4b-reparam": vector_transform(root=False),
    "001-4b1-first-term": first_term(root=False),
    "002-1.5-reparam": transform(1),
    "002-1.5-lotus": lotus,
    "002-1.5-mc": estimator(normaliser_is_count=False),
    "002-2.4-reparam": vector_reparam,
    "003-eq20": interchange(f_is_identity=False),
    "003-eq22": pathwise,
    "004-3a": encoder_density,
}

CORRECTED = {
    "000-2-reparam": transform(1),
    "000-2-reparam-z": transform(1),
    "000-2-recon": two_latent_reconstruction(1, with_kl=False),
    "000-2-elbo-final": two_latent_reconstruction(1, with_kl=True),
    "001-4b1-expectation": expectation(weighted=True),
    "001-4b1-mc": sample_average_unbiased,
    "001-4b-reparam": vector_transform(root=True),
    "001-4b1-first-term": first_term(root=True),
    "002-1.5-mc": estimator(normaliser_is_count=True),
    "003-eq20": interchange(f_is_identity=True),
}
