"""Oracles of Gaussian densities and KL divergences; seed 003 (2)-(13) and (17)-(18), seed 002 Problem 1 item 7,
seed 000 Problem 2 item 2, seed 001 4.b.2."""

from __future__ import annotations

import numpy as np
from scipy import integrate, stats

from tests.derivations.oracles.common import close, expect_normal, kl_normal


def kl_standard(rng) -> bool:
    mu, var = rng.uniform(-2, 2, 3), rng.uniform(0.2, 3, 3)
    total = sum(kl_normal(m, np.sqrt(v), 0, 1) for m, v in zip(mu, var))
    return close(total, 0.5 * np.sum(mu**2 + var - 1 - np.log(var)))


def integrand(inverse: bool):
    def oracle(rng) -> bool:
        mu, var, z = rng.uniform(-2, 2, 2), rng.uniform(0.3, 3, 2), rng.uniform(-2, 2, 2)
        log_ratio = np.sum(stats.norm.logpdf(z, mu, np.sqrt(var)) - stats.norm.logpdf(z))
        quadratic = np.sum((z - mu) ** 2 / var) if inverse else np.sum((z - mu) ** 2) / np.prod(var)
        return close(log_ratio, 0.5 * (-quadratic + np.sum(z**2) - np.log(np.prod(var))))
    return oracle


def kl_determinant(trace: bool):
    def oracle(rng) -> bool:
        mu, var = rng.uniform(-2, 2, 2), rng.uniform(0.3, 3, 2)
        kl = sum(kl_normal(m, np.sqrt(v), 0, 1) for m, v in zip(mu, var))
        size = var.sum() - 2 if trace else np.prod(var) - 1
        return close(kl, 0.5 * (np.sum(mu**2) + size - np.log(np.prod(var))))
    return oracle


def entropy(rng) -> bool:
    mu, var = rng.uniform(-2, 2, 3), rng.uniform(0.3, 3, 3)
    integral = sum(expect_normal(lambda z, m=m, v=v: stats.norm.logpdf(z, m, np.sqrt(v)), m, v) for m, v in zip(mu, var))
    return close(integral, -1.5 * np.log(2 * np.pi) - 0.5 * np.sum(np.log(var) + 1))


def cross_entropy(rng) -> bool:
    mu, var = rng.uniform(-2, 2, 3), rng.uniform(0.3, 3, 3)
    integral = sum(expect_normal(stats.norm.logpdf, m, v) for m, v in zip(mu, var))
    return close(integral, -1.5 * np.log(2 * np.pi) - 0.5 * np.sum(mu**2 + var))


def negative_kl(rng) -> bool:
    mu, var = rng.uniform(-2, 2, 3), rng.uniform(0.3, 3, 3)
    kl = sum(kl_normal(m, np.sqrt(v), 0, 1) for m, v in zip(mu, var))
    return close(-kl, 0.5 * np.sum(1 + np.log(var) - mu**2 - var))


def univariate(rng):
    return rng.uniform(-2, 2), rng.uniform(0.3, 2), rng.uniform(-2, 2), rng.uniform(0.3, 2)


def printed_kl(mp, sp_, mq, sq):
    return np.log(sq / sp_) + (sp_**2 + (mq - mp) ** 2) / (2 * sq**2) - 0.5


def density(rng) -> bool:
    mp, sp_ = rng.uniform(-2, 2), rng.uniform(0.3, 2)

    def pdf(x):
        return np.exp(-0.5 * ((x - mp) / sp_) ** 2) / (sp_ * np.sqrt(2 * np.pi))

    mass = integrate.quad(pdf, -np.inf, np.inf)[0]
    mean = integrate.quad(lambda x: x * pdf(x), -np.inf, np.inf)[0]
    var = integrate.quad(lambda x: (x - mp) ** 2 * pdf(x), -np.inf, np.inf)[0]
    return close([mass, mean, var], [1, mp, sp_**2])


def log_density(rng) -> bool:
    mp, sp_, x = rng.uniform(-2, 2), rng.uniform(0.3, 2), rng.uniform(-3, 3)
    return close(stats.norm.logpdf(x, mp, sp_), -np.log(sp_) - np.log(np.sqrt(2 * np.pi)) - 0.5 * ((x - mp) / sp_) ** 2)


def kl_integrand(rng) -> bool:
    mp, sp_, mq, sq = univariate(rng)
    x = rng.uniform(-3, 3)
    return close(stats.norm.logpdf(x, mp, sp_) - stats.norm.logpdf(x, mq, sq),
                 np.log(sq / sp_) - 0.5 * ((x - mp) / sp_) ** 2 + 0.5 * ((x - mq) / sq) ** 2)


def linearity(rng) -> bool:
    mp, sp_, mq, sq = univariate(rng)
    first = expect_normal(lambda x: (x - mp) ** 2, mp, sp_**2)
    second = expect_normal(lambda x: (x - mq) ** 2, mp, sp_**2)
    return close(kl_normal(mp, sp_, mq, sq), np.log(sq / sp_) - first / (2 * sp_**2) + second / (2 * sq**2))


def variance(rng) -> bool:
    mp, sp_ = rng.uniform(-2, 2), rng.uniform(0.3, 2)
    return close(expect_normal(lambda x: x, mp, sp_**2), mp) and close(
        expect_normal(lambda x: (x - mp) ** 2, mp, sp_**2), sp_**2)


def expansion_8(rng) -> bool:
    mp, sp_, mq, _ = univariate(rng)
    left = expect_normal(lambda x: (x - mq) ** 2, mp, sp_**2)
    right = expect_normal(lambda x: (x - mp) ** 2, mp, sp_**2) + expect_normal(
        lambda x: 2 * (x - mp) * (mp - mq), mp, sp_**2) + (mp - mq) ** 2
    return close(left, right)


def second_moment(rng) -> bool:
    mp, sp_, mq, _ = univariate(rng)
    return close(expect_normal(lambda x: (x - mq) ** 2, mp, sp_**2), sp_**2 + (mq - mp) ** 2)


def closed_form(rng) -> bool:
    mp, sp_, mq, sq = univariate(rng)
    return close(kl_normal(mp, sp_, mq, sq), printed_kl(mp, sp_, mq, sq))


def zero(rng) -> bool:
    mp, sp_ = rng.uniform(-2, 2), rng.uniform(0.3, 2)
    return abs(kl_normal(mp, sp_, mp, sp_)) < 1e-10


def perturbed(rng) -> bool:
    mp, sp_ = rng.uniform(-2, 2), rng.uniform(0.3, 2)
    es, em = rng.uniform(-0.4, 0.4), rng.uniform(-1, 1)
    return close(kl_normal(mp, sp_, mp + em, sp_ * (1 + es)),
                 np.log(1 + es) + (sp_**2 + em**2) / (2 * sp_**2 * (1 + es) ** 2) - 0.5)


def expansion(corrected: bool):
    """The expansion's error must shrink like the cube of the perturbation."""
    def oracle(rng) -> bool:
        mp, sp_ = rng.uniform(-2, 2), rng.uniform(0.5, 2)
        errors = []
        for size in (1e-2, 5e-3):
            es, em = size * rng.choice([-1, 1]), size * rng.choice([-1, 1])
            kl = kl_normal(mp, sp_, mp + em, sp_ * (1 + es))
            approx = es**2 + em**2 / (2 * sp_**2) if corrected else es - es**2 / 2 + (1 - es**2) / 2 + em**2 / 2
            errors.append(abs(kl - approx))
        return errors[0] < 10 * 1e-6 and errors[1] < 10 * 1.25e-7
    return oracle


def algebra(rng) -> bool:
    es, em = rng.normal(size=2)
    return close(es - es**2 / 2 + (1 - es**2) / 2 + em**2 / 2, es + (em**2 + 1) / 2 - es**2)


def example_12(corrected: bool):
    def oracle(rng) -> bool:
        sp_ = 1.0 if corrected else rng.uniform(0.5, 4)
        kl = kl_normal(0.0, sp_, 0.0, sp_ + 0.1)
        return abs(kl - 0.0085) <= 0.00005 if corrected else abs(kl - 0.1) <= 0.05
    return oracle


def example_13(rng) -> bool:
    sigma = rng.uniform(0.3, 3)
    return close(kl_normal(0.0, sigma, 10 * sigma, sigma), 50.0)


def trace_form(rng) -> bool:
    mu, var = rng.uniform(-2, 2, 3), rng.uniform(0.3, 3, 3)
    kl = sum(kl_normal(m, np.sqrt(v), 0, 1) for m, v in zip(mu, var))
    return close(kl, 0.5 * (np.sum(mu**2) + var.sum() - 3 - np.log(np.prod(var))))


def coordinate_form(constant: float):
    def oracle(rng) -> bool:
        mu, var = rng.uniform(-2, 2, 3), rng.uniform(0.3, 3, 3)
        kl = sum(kl_normal(m, np.sqrt(v), 0, 1) for m, v in zip(mu, var))
        return close(kl, constant + 0.5 * np.sum(mu**2 + var - np.log(var)))
    return oracle


ORACLES = {
    "000-2-kl-y": kl_standard,
    "000-2-kl-z": kl_standard,
    "001-4b2-integrand": integrand(inverse=False),
    "001-4b2-kl": kl_determinant(trace=False),
    "002-1.7-entropy": entropy,
    "002-1.7-cross": cross_entropy,
    "002-1.7-kl": negative_kl,
    "003-eq2": density,
    "003-eq3": log_density,
    "003-eq5": kl_integrand,
    "003-eq6": linearity,
    "003-eq7": variance,
    "003-eq8": expansion_8,
    "003-eq9": second_moment,
    "003-eq10": closed_form,
    "003-eq10-zero": zero,
    "003-eq11": perturbed,
    "003-eq11-expansion": expansion(corrected=False),
    "003-eq11-algebra": algebra,
    "003-eq12": example_12(corrected=False),
    "003-eq13": example_13,
    "003-eq17": trace_form,
    "003-eq18": coordinate_form(-3.0),
}

CORRECTED = {
    "001-4b2-integrand": integrand(inverse=True),
    "001-4b2-kl": kl_determinant(trace=True),
    "003-eq11-expansion": expansion(corrected=True),
    "003-eq12": example_12(corrected=True),
    "003-eq18": coordinate_form(-1.5),
}
