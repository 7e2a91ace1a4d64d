"""Gaussian densities and expectations in SymPy, shared by the topic modules.

Expectations of polynomials under independent normals are computed from the standard normal's moments, each
moment obtained once by integrating t^k exp(-t^2/2) over the real line; other integrands fall back to
`sympy.integrate`. The linear-Gaussian model (z ~ N(0, 1), x | z ~ N(w z + b, s2)) is the smallest latent
model in which log p(x), the posterior and the ELBO all have closed forms, so the ELBO identities are decided
on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import sympy as sp


def normal_pdf(x, mean, var):
    """N(x; mean, var) = exp(-(x - mean)^2 / (2 var)) / sqrt(2 pi var)."""
    return sp.exp(-(x - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def normal_logpdf(x, mean, var):
    """log N(x; mean, var), expanded: -log(2 pi var) / 2 - (x - mean)^2 / (2 var)."""
    return sp.expand(sp.expand_log(sp.log(normal_pdf(x, mean, var)), force=True))


@lru_cache(maxsize=None)
def standard_moment(k: int) -> sp.Expr:
    """E[t^k] for t ~ N(0, 1), by integrating against the standard normal density."""
    t = sp.Symbol("t", real=True)
    return sp.integrate(t**k * sp.exp(-t**2 / 2), (t, -sp.oo, sp.oo)) / sp.sqrt(2 * sp.pi)


def expect_standard(expr, ts: Sequence[sp.Symbol]) -> sp.Expr:
    """E[expr] over independent standard normals `ts`, for expr polynomial in them."""
    polynomial = sp.Poly(sp.expand(expr), *ts)
    total = sp.Integer(0)
    for powers, coefficient in polynomial.terms():
        term = coefficient
        for power in powers:
            term *= standard_moment(power)
        total += term
    return sp.expand(total)


def expect_normal(expr, xs: Sequence[sp.Symbol], means: Sequence, variances: Sequence) -> sp.Expr:
    """E[expr] over independent x_i ~ N(mean_i, var_i), for expr polynomial in the x_i."""
    ts = sp.symbols(f"t0:{len(xs)}", real=True)
    substituted = sp.expand(sp.sympify(expr).subs(
        {x: m + sp.sqrt(v) * t for x, m, v, t in zip(xs, means, variances, ts)}, simultaneous=True))
    if any(not substituted.is_polynomial(t) for t in ts):
        return integrate_normal(expr, xs, means, variances)
    return expect_standard(substituted, ts)


def integrate_normal(expr, xs: Sequence[sp.Symbol], means: Sequence, variances: Sequence) -> sp.Expr:
    """E[expr] over independent normals by direct integration against their densities."""
    integrand = sp.sympify(expr)
    for x, m, v in zip(xs, means, variances):
        integrand = sp.integrate(integrand * normal_pdf(x, m, v), (x, -sp.oo, sp.oo))
    return sp.simplify(integrand)


@dataclass(frozen=True)
class LinearGaussian:
    """z ~ N(0, 1), x | z ~ N(w z + b, s2), q(z) = N(m, v): every ELBO term in closed form."""

    x: sp.Symbol = sp.Symbol("x", real=True)
    z: sp.Symbol = sp.Symbol("z", real=True)
    w: sp.Symbol = sp.Symbol("w", real=True)
    b: sp.Symbol = sp.Symbol("b", real=True)
    s2: sp.Symbol = sp.Symbol("s2", positive=True)
    m: sp.Symbol = sp.Symbol("m", real=True)
    v: sp.Symbol = sp.Symbol("v", positive=True)

    def log_likelihood(self):
        """log p(x | z)."""
        return normal_logpdf(self.x, self.w * self.z + self.b, self.s2)

    def log_prior(self):
        """log p(z) = log N(z; 0, 1)."""
        return normal_logpdf(self.z, 0, 1)

    def log_q(self):
        """log q(z) = log N(z; m, v)."""
        return normal_logpdf(self.z, self.m, self.v)

    def log_evidence(self):
        """log p(x) = log of the integral of p(x | z) p(z) over z (a Gaussian integral, by completing the square)."""
        return _log_evidence(self.x, self.w, self.b, self.s2)

    def log_posterior(self):
        """log p(z | x) = log p(x | z) + log p(z) - log p(x) (Bayes)."""
        return self.log_likelihood() + self.log_prior() - self.log_evidence()

    def posterior_moments(self):
        """Mean and variance of p(z | x), read off the quadratic log-posterior: -z^2 / (2 v*) + z m* / v*."""
        polynomial = sp.Poly(sp.expand(self.log_posterior()), self.z)
        var = sp.simplify(-1 / (2 * polynomial.coeff_monomial(self.z**2)))
        mean = sp.simplify(polynomial.coeff_monomial(self.z) * var)
        return mean, var

    def expect_q(self, expr):
        """E_q[expr] for expr polynomial in z."""
        return expect_normal(expr, [self.z], [self.m], [self.v])

    def reconstruction(self):
        """E_q[log p(x | z)]."""
        return self.expect_q(self.log_likelihood())

    def kl_q_prior(self):
        """KL(q || p(z)) = E_q[log q - log p(z)]."""
        return self.expect_q(self.log_q() - self.log_prior())

    def kl_q_posterior(self):
        """KL(q || p(z | x)) = E_q[log q - log p(z | x)]."""
        return self.expect_q(self.log_q() - self.log_posterior())

    def elbo(self):
        """E_q[log p(x | z)] - KL(q || p(z))."""
        return self.reconstruction() - self.kl_q_prior()


def log_integral_exp_quadratic(exponent, z: sp.Symbol) -> sp.Expr:
    """log of the integral over the real line of exp(-a z^2 + beta z + gamma), a > 0, by completing the square.

    -a z^2 + beta z + gamma = -a (z - c)^2 + d with c = beta / (2 a), d = gamma + beta^2 / (4 a); substituting
    u = sqrt(2 a) (z - c) leaves the standard integral of exp(-u^2 / 2), which SymPy evaluates.
    """
    polynomial = sp.Poly(sp.expand(exponent), z)
    if polynomial.degree() != 2:
        raise ValueError(f"exponent: expected a quadratic in {z}, got degree {polynomial.degree()}")
    a = -polynomial.coeff_monomial(z**2)
    beta = polynomial.coeff_monomial(z)
    gamma = polynomial.coeff_monomial(1)
    if a.is_positive is not True:
        raise ValueError(f"exponent: the coefficient of {z}^2 must be negative, got {-a}")
    c, d = beta / (2 * a), gamma + beta**2 / (4 * a)
    if sp.cancel(sp.expand(-a * (z - c) ** 2 + d - polynomial.as_expr())) != 0:
        raise ArithmeticError("completing the square failed")
    return d + sp.log(_standard_gaussian_integral()) - sp.log(2 * a) / 2


@lru_cache(maxsize=None)
def _standard_gaussian_integral() -> sp.Expr:
    u = sp.Symbol("u", real=True)
    return sp.integrate(sp.exp(-u**2 / 2), (u, -sp.oo, sp.oo))


@lru_cache(maxsize=None)
def _log_evidence(x, w, b, s2):
    z = sp.Symbol("z", real=True)
    log_joint = normal_logpdf(x, w * z + b, s2) + normal_logpdf(z, 0, 1)
    return sp.expand(sp.expand_log(log_integral_exp_quadratic(log_joint, z), force=True))
