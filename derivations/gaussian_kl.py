"""Gaussian KL claims that need more than one relation or a multi-variable expansion: seed 003 (2), (7), (8),
(11)'s expansion and (13), seed 002 Problem 1 item 7's entropy. The other Gaussian KL claims (seed 003 (3)-(18),
seed 002 item 7, seed 000 Problem 2.2, seed 001 4.b.2) are in derivations/documents/*.toml.
Expectations are computed from the Gaussian densities (see derivations.gaussian), never from the formula being
checked; diagonal Gaussians factorise over coordinates, so their expectations are sums of one-dimensional ones.
"""

from __future__ import annotations

import sympy as sp

from elbocheck.derivations.checks import AllOf, Equal, Expansion
from elbocheck.derivations.claims import Claim
from elbocheck.derivations.gaussian import expect_normal, normal_logpdf

x = sp.Symbol("x", real=True)
mu_p, mu_q = sp.symbols("mu_p mu_q", real=True)
sigma_p, sigma_q = sp.symbols("sigma_p sigma_q", positive=True)
eps_sigma, eps_mu = sp.Symbol("epsilon_sigma", real=True), sp.Symbol("epsilon_mu", real=True)
sigma = sp.Symbol("sigma", positive=True)


def expect_p(expr):
    """E_p[expr] for p = N(mu_p, sigma_p^2)."""
    return expect_normal(expr, [x], [mu_p], [sigma_p**2])


def kl_univariate():
    """KL(p || q) = E_p[log p - log q] for p = N(mu_p, sigma_p^2), q = N(mu_q, sigma_q^2)."""
    return expect_p(normal_logpdf(x, mu_p, sigma_p**2) - normal_logpdf(x, mu_q, sigma_q**2))


def density_printed():
    """Seed 003 (2): p(x) = exp(-((x - mu_p) / sigma_p)^2 / 2) / (sigma_p sqrt(2 pi))."""
    return sp.exp(-((x - mu_p) / sigma_p) ** 2 / 2) / (sigma_p * sp.sqrt(2 * sp.pi))


def density_claim() -> AllOf:
    """(2) is a probability density with mean mu_p and variance sigma_p^2, by direct integration."""
    density = density_printed()
    t = sp.Symbol("t", real=True)
    standardised = sp.simplify(density.subs(x, mu_p + sigma_p * t) * sigma_p)
    integral = sp.integrate(standardised, (t, -sp.oo, sp.oo))
    mean = mu_p + sigma_p * sp.integrate(t * standardised, (t, -sp.oo, sp.oo))
    variance = sigma_p**2 * sp.integrate(t**2 * standardised, (t, -sp.oo, sp.oo))
    return AllOf(
        (Equal(integral, 1, labels=("integral of p", "1")), Equal(mean, mu_p, labels=("mean", "mu_p")),
         Equal(variance, sigma_p**2, labels=("variance", "sigma_p^2"))),
        ("normalised", "mean", "variance"),
    )


def diagonal(J: int):
    """Symbols of a J-dimensional diagonal Gaussian: coordinates z, means mu, variances s."""
    z = sp.symbols(f"z1:{J + 1}", real=True)
    mu = sp.symbols(f"mu1:{J + 1}", real=True)
    s = sp.symbols(f"s1:{J + 1}", positive=True)
    return z, mu, s


def entropy_claim(J: int = 3) -> AllOf:
    """Seed 002 item 7: E_q[log q] = -J/2 log 2 pi + sum_j (-1/2 log s_j - E[(z_j - mu_j)^2] / (2 s_j))
    = -J/2 log 2 pi - 1/2 sum_j (log s_j + 1)."""
    z, mu, s = diagonal(J)
    integral = expect_normal(sum(normal_logpdf(zj, mj, sj) for zj, mj, sj in zip(z, mu, s)), z, mu, s)
    middle = -sp.Rational(J, 2) * sp.log(2 * sp.pi) + sum(
        -sp.log(sj) / 2 - expect_normal((zj - mj) ** 2, [zj], [mj], [sj]) / (2 * sj) for zj, mj, sj in zip(z, mu, s))
    final = -sp.Rational(J, 2) * sp.log(2 * sp.pi) - sp.Rational(1, 2) * sum(sp.log(sj) + 1 for sj in s)
    return AllOf(
        (Equal(integral, middle, labels=("integral of q log q", "fourth line")),
         Equal(middle, final, labels=("fourth line", "last line"))),
        ("expanding the log-density", "E[(z - mu)^2] = sigma^2"),
    )


def perturbed(expr):
    """Substitute sigma_q = sigma_p (1 + eps_sigma), mu_q = mu_p + eps_mu (seed 003 (11))."""
    return expr.subs({sigma_q: sigma_p * (1 + eps_sigma), mu_q: mu_p + eps_mu}, simultaneous=True)


def kl_perturbed():
    return perturbed(kl_univariate())


S = "003"

CLAIMS_003 = [
    Claim(
        id="003-eq2",
        where="(2)",
        statement="p(x) = exp(-((x - mu_p) / sigma_p)^2 / 2) / (sigma_p sqrt(2 pi)) is the density of N(mu_p, sigma_p^2)",
        printed=r"p(x) = \frac{1}{\sigma_p \sqrt{2\pi}} \exp\left(-\frac{1}{2} \left(\frac{x - \mu_p}{\sigma_p}\right)^2\right)",
        check=lambda: density_claim(),
    ),
    Claim(
        id="003-eq7",
        where="(7)",
        statement="E_p[(x - mu_p)^2] = E_p[(x - E_p[x])^2] = sigma_p^2",
        printed=r"\mathbb{E}_p\left[(x-\mu_p)^2\right] = \mathbb{E}_p\left[(x-\mathbb{E}_p[x])^2\right] = \sigma_p^2",
        check=lambda: AllOf((Equal(expect_p(x), mu_p, labels=("E_p[x]", "mu_p")),
                     Equal(expect_p((x - mu_p) ** 2), sigma_p**2, labels=("E_p[(x - mu_p)^2]", "sigma_p^2"))),
                    ("mean", "variance")),
    ),
    Claim(
        id="003-eq8",
        where="(8)",
        statement="E_p[(x - mu_q)^2] = E_p[(x - mu_p)^2] + E_p[2 (x - mu_p)(mu_p - mu_q)] + (mu_p - mu_q)^2",
        printed=r"\mathbb{E}_{p}\left[(x-\mu_{q})^{2}\right] = \mathbb{E}_{p}\left[((x-\mu_{p}) + \mu_{p} - \mu_{q})^{2}\right]",
        check=lambda: AllOf(
            (Equal(expect_p((x - mu_q) ** 2), expect_p(((x - mu_p) + mu_p - mu_q) ** 2),
                   labels=("E_p[(x - mu_q)^2]", "E_p[((x - mu_p) + mu_p - mu_q)^2]")),
             Equal(expect_p(((x - mu_p) + mu_p - mu_q) ** 2),
                   expect_p((x - mu_p) ** 2) + expect_p(2 * (x - mu_p) * (mu_p - mu_q)) + (mu_p - mu_q) ** 2,
                   labels=("E_p[((x - mu_p) + mu_p - mu_q)^2]", "expanded"))),
            ("first equality", "second equality")),
    ),
    Claim(
        id="003-eq11-expansion",
        where="(11)",
        statement="KL ≃ e_s - e_s^2 / 2 + (1 - e_s^2) / 2 + e_m^2 / 2 to second order in e_s, e_m",
        printed=r"\simeq \epsilon_{\sigma} - \frac{\epsilon_{\sigma}^{2}}{2} + \frac{1}{2}(1 - \epsilon_{\sigma}^{2}) + \frac{1}{2}\epsilon_{\mu}^{2}",
        check=lambda: Expansion(kl_perturbed(), eps_sigma - eps_sigma**2 / 2 + (1 - eps_sigma**2) / 2 + eps_mu**2 / 2,
                        (eps_sigma, eps_mu), 2),
        corrected="KL = e_s^2 + e_m^2 / (2 sigma_p^2) + O(3): no constant, no first-order term",
        correction=lambda: Expansion(kl_perturbed(), eps_sigma**2 + eps_mu**2 / (2 * sigma_p**2), (eps_sigma, eps_mu), 2),
        note="The printed expansion has a constant 1/2 (so it does not vanish at e_s = e_m = 0, where KL = 0), a "
             "first-order term e_s that the log and the 1/(1 + e_s)^2 cancel, the wrong sign and size of e_s^2, "
             "and drops 1/sigma_p^2 from the e_m^2 term.",
    ),
    Claim(
        id="003-eq13",
        where="(13)",
        statement="KL(N(0, sigma^2) || N(10 sigma, sigma^2)) = (sigma^2 + 100 sigma^2) / (2 sigma^2) - 1/2 = 50",
        printed=r"D_{KL}(0,\sigma||10\sigma,\sigma) = \frac{\sigma^2 + 100\sigma^2}{2\sigma^2} - \frac{1}{2} = 50",
        check=lambda: AllOf(
            (Equal(kl_univariate().subs({mu_p: 0, sigma_p: sigma, mu_q: 10 * sigma, sigma_q: sigma}),
                   (sigma**2 + 100 * sigma**2) / (2 * sigma**2) - sp.Rational(1, 2),
                   labels=("KL by integration", "middle")),
             Equal((sigma**2 + 100 * sigma**2) / (2 * sigma**2) - sp.Rational(1, 2), 50, labels=("middle", "50"))),
            ("first equality", "second equality")),
        note="Read as KL(N(mu_p, sigma_p^2) || N(mu_q, sigma_q^2)) with (mu_p, sigma_p) = (0, sigma) and "
             "(mu_q, sigma_q) = (10 sigma, sigma).",
    ),
]

CLAIMS_002 = [
    Claim(
        id="002-1.7-entropy",
        where="Problem 1, item 7",
        statement="integral of q log q = -J/2 log 2 pi - 1/2 sum_j (log sigma_j^2 + 1) for q = N(mu, diag sigma^2)",
        printed=r"-\frac{J}{2} \log 2\pi - \frac{1}{2} \sum_{i=1}^{J} (\log \sigma_{j}^{2} + 1)",
        check=lambda: entropy_claim(),
        note="Decided for J = 3. The printed sum runs over i but its terms are indexed by j.",
    ),
]

CLAIMS_000 = [
]

CLAIMS_001 = [
]

CLAIMS = CLAIMS_000 + CLAIMS_001 + CLAIMS_002 + CLAIMS_003
