"""Every vocabulary function against an independent computation: SciPy's distributions, entropies and special
functions, and SciPy quadrature of the densities written from torch.distributions' parameterisation."""

import math

import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.special
import scipy.stats
import sympy as sp

from elbocheck.derivations import vocabulary
from elbocheck.derivations.evaluation import Compiled
from elbocheck.derivations.statement import parse_statement

FROZEN = {
    "Normal(1/2, 3/2)": scipy.stats.norm(0.5, 1.5),
    "Normal(-1, 2)": scipy.stats.norm(-1, 2),
    "Laplace(-1, 2)": scipy.stats.laplace(-1, 2),
    "Exponential(3)": scipy.stats.expon(scale=1 / 3),
    "Gamma(5/2, 3/2)": scipy.stats.gamma(2.5, scale=1 / 1.5),
    "Beta(2, 3)": scipy.stats.beta(2, 3),
    "Uniform(-1, 3)": scipy.stats.uniform(-1, 4),
    "Bernoulli(3/10)": scipy.stats.bernoulli(0.3),
}


def value(text: str) -> float:
    """The derived value of a closed expression in the claims language, evaluated at 30 digits."""
    expr = vocabulary.derive(parse_statement(f"{text} = 0").lhs)
    with mpmath.workdps(30):
        return float(Compiled([expr], ())({})[0])


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_entropy_against_scipy(name):
    assert value(f"H({name})") == pytest.approx(float(FROZEN[name].entropy()), rel=1e-10, abs=1e-12)


def test_categorical_entropy_and_normalisation_against_scipy():
    assert value("H(Categorical(1/5, 3/10, 1/2))") == pytest.approx(scipy.stats.entropy([0.2, 0.3, 0.5]), rel=1e-12)
    assert value("H(Categorical(1, 2, 3))") == pytest.approx(scipy.stats.entropy([1, 2, 3]), rel=1e-12)
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.4, 0.4, 0.2])
    assert value("KL(Categorical(1/5, 3/10, 1/2), Categorical(2/5, 2/5, 1/5))") == pytest.approx(
        scipy.stats.entropy(p, q), rel=1e-12)


def _kl_by_quadrature(p, q, low, high, kinks=()):
    """The integral of p (log p - log q) by SciPy's adaptive quadrature (tails beyond +-100 are below 1e-20)."""
    def integrand(x):
        log_p = p.logpdf(x)
        return math.exp(log_p) * (log_p - q.logpdf(x)) if log_p > -700 else 0.0
    low, high = max(low, -100), min(high, 100)
    points = sorted(k for k in kinks if low < k < high) or None
    return scipy.integrate.quad(integrand, low, high, points=points, limit=400, epsabs=1e-14, epsrel=1e-12)[0]


@pytest.mark.parametrize("p, q, low, high", [
    ("Normal(1/2, 3/2)", "Laplace(-1, 2)", -np.inf, np.inf),
    ("Laplace(-1, 2)", "Normal(1/2, 3/2)", -np.inf, np.inf),
    ("Normal(1/2, 3/2)", "Normal(-1, 2)", -np.inf, np.inf),
    ("Exponential(3)", "Gamma(5/2, 3/2)", 0, np.inf),
    ("Gamma(5/2, 3/2)", "Exponential(3)", 0, np.inf),
    ("Beta(2, 3)", "Uniform(-1, 3)", 0, 1),
    ("Uniform(-1, 3)", "Normal(1/2, 3/2)", -1, 3),
])
def test_kl_against_quadrature(p, q, low, high):
    expected = _kl_by_quadrature(FROZEN[p], FROZEN[q], low, high, kinks=(-1,))
    assert value(f"KL({p}, {q})") == pytest.approx(expected, rel=1e-8, abs=1e-10)


def test_kl_between_laplaces_and_betas_against_quadrature():
    p, q = scipy.stats.laplace(0.25, 1.5), scipy.stats.laplace(-1, 0.5)
    assert value("KL(Laplace(1/4, 3/2), Laplace(-1, 1/2))") == pytest.approx(
        _kl_by_quadrature(p, q, -np.inf, np.inf, kinks=(0.25, -1)), rel=1e-8)
    p, q = scipy.stats.beta(2, 3), scipy.stats.beta(3.5, 1.5)
    assert value("KL(Beta(2, 3), Beta(7/2, 3/2))") == pytest.approx(_kl_by_quadrature(p, q, 0, 1), rel=1e-8)


def test_kl_is_infinite_outside_the_support():
    assert value("KL(Normal(0, 1), Exponential(1))") == math.inf
    assert value("KL(Uniform(0, 2), Uniform(0, 1))") == math.inf
    assert value("KL(Uniform(0, 1), Uniform(-1, 2))") == pytest.approx(math.log(3), rel=1e-12)


def test_bernoulli_kl_against_scipy():
    assert value("KL(Bernoulli(3/10), Bernoulli(4/5))") == pytest.approx(
        scipy.stats.entropy([0.7, 0.3], [0.2, 0.8]), rel=1e-12)


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_logpdf_against_scipy(name):
    frozen = FROZEN[name]
    point = 1 if name.startswith("Bernoulli") else float(frozen.ppf(0.3))
    text = sp.nsimplify(point, rational=True)
    expected = frozen.logpmf(point) if name.startswith("Bernoulli") else frozen.logpdf(float(text))
    assert value(f"logpdf({name}, {text})") == pytest.approx(expected, rel=1e-10)


def test_expectations_against_quadrature():
    normal = FROZEN["Normal(1/2, 3/2)"]
    assert value("E(x**3 - x, x, Normal(1/2, 3/2))") == pytest.approx(normal.expect(lambda x: x**3 - x), rel=1e-9)
    gamma = FROZEN["Gamma(5/2, 3/2)"]
    assert value("E(log(x), x, Gamma(5/2, 3/2))") == pytest.approx(gamma.expect(np.log), rel=1e-9)
    beta = FROZEN["Beta(2, 3)"]
    assert value("E(log(1 - x), x, Beta(2, 3))") == pytest.approx(beta.expect(lambda x: np.log1p(-x)), rel=1e-9)
    assert value("E(exp(x), x, Bernoulli(3/10))") == pytest.approx(0.7 + 0.3 * math.e, rel=1e-12)


def test_elementary_functions_against_scipy():
    assert value("sigmoid(3/4)") == pytest.approx(scipy.special.expit(0.75), rel=1e-14)
    assert value("softplus(-2)") == pytest.approx(np.logaddexp(0, -2), rel=1e-14)
    assert value("logsumexp(1, 2, 5/2)") == pytest.approx(scipy.special.logsumexp([1, 2, 2.5]), rel=1e-14)
    assert value("softmax(2, 1, 2, 5/2)") == pytest.approx(scipy.special.softmax([1, 2, 2.5])[1], rel=1e-14)


def test_expectation_falls_back_to_quadrature_past_the_budget():
    x = sp.Symbol("x", real=True)
    expr = vocabulary.expectation(sp.cos(x) ** 3 * sp.log(1 + x**2), x, vocabulary.Normal(0, 1), seconds=0.01)
    assert isinstance(expr, vocabulary.Quadrature)
    expected = scipy.stats.norm.expect(lambda t: np.cos(t) ** 3 * np.log1p(t**2))
    with mpmath.workdps(30):
        assert float(Compiled([expr], ())({})[0]) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("name", ["Normal", "Laplace", "Exponential", "Gamma", "Beta", "Uniform", "Bernoulli",
                                  "Categorical"])
def test_every_distribution_defines_its_support_and_log_density(name):
    cls = getattr(vocabulary, name)
    assert issubclass(cls, vocabulary.Distribution)
    assert "support" in vars(cls) and "logpdf" in vars(cls) and cls.parameters
