"""Helpers shared by the oracles of several topics: tolerances, Gauss-Hermite expectations, simplex draws,
a local-optimality probe, finite differences."""

from __future__ import annotations

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import integrate, stats

NODES, WEIGHTS = hermegauss(80)
WEIGHTS = WEIGHTS / WEIGHTS.sum()


def close(a, b, rtol=1e-6, atol=1e-8) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))


def expect_std(f) -> float:
    """E[f(e)] for e ~ N(0, 1), f vectorised."""
    return float(np.sum(WEIGHTS * f(NODES)))


def expect_std2(f) -> float:
    """E[f(e1, e2)] for independent standard normals."""
    e1, e2 = np.meshgrid(NODES, NODES, indexing="ij")
    return float(np.sum(np.outer(WEIGHTS, WEIGHTS) * f(e1, e2)))


def expect_normal(f, mean, var) -> float:
    """E[f(z)] for z ~ N(mean, var) by quadrature against the density."""
    sd = np.sqrt(var)
    value, _ = integrate.quad(lambda z: f(z) * stats.norm.pdf(z, mean, sd), mean - 14 * sd, mean + 14 * sd,
                              epsabs=1e-13, epsrel=1e-12, limit=200)
    return value


def expected_linear_gaussian_log_likelihood(x, weights, bias, noise, means, variances) -> float:
    """E[log N(x; sum_i w_i u_i + b, noise)] for independent u_i ~ N(mean_i, var_i): the log-density is quadratic
    in u, so only E[u_i] and Var[u_i] enter; both are integrated against the normal densities."""
    first = [expect_normal(lambda u: u, m, v) for m, v in zip(means, variances)]
    spread = [expect_normal(lambda u, c=c: (u - c) ** 2, m, v) for c, m, v in zip(first, means, variances)]
    residual = (x - bias - np.dot(weights, first)) ** 2 + np.dot(np.square(weights), spread)
    return -0.5 * np.log(2 * np.pi * noise) - residual / (2 * noise)


def kl_normal(mu_p, sd_p, mu_q, sd_q) -> float:
    """KL(N(mu_p, sd_p^2) || N(mu_q, sd_q^2)) by quadrature of p log(p / q)."""
    return expect_normal(lambda x: stats.norm.logpdf(x, mu_p, sd_p) - stats.norm.logpdf(x, mu_q, sd_q), mu_p, sd_p**2)


def simplex(rng, size) -> np.ndarray:
    return rng.dirichlet(np.ones(size))


def no_better_point(objective, best, rng, shape, samples=300) -> bool:
    """objective(best) >= objective(P) for random row-stochastic P of the given shape."""
    top = objective(best)
    return all(objective(np.stack([simplex(rng, shape[1]) for _ in range(shape[0])])) <= top + 1e-12
               for _ in range(samples))


def derivative(f, x, h=1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def decoder_instance(rng):
    w, b, x, mu = rng.uniform(-2, 2, 4)
    s2, var = rng.uniform(0.3, 2, 2)
    return w, b, x, mu, s2, var, (lambda z: stats.norm.logpdf(x, w * z + b, np.sqrt(s2)))
