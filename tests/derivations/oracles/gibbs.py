"""Oracles of the Gibbs variational lemma and its uses, seed 001 sections 1, 1.a, 1.b, "Change of Notation", 2
and 4.b."""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from tests.derivations.oracles.common import close, derivative, no_better_point, simplex


def softmax_maximum(objective, size, rng) -> float:
    """max over the simplex of objective(q), by optimising softmax parameters from several starts."""
    best = -np.inf
    for _ in range(4):
        result = optimize.minimize(lambda t: -objective(special.softmax(t)), rng.normal(size=size), method="BFGS")
        best = max(best, -result.fun)
    for vertex in np.eye(size):
        best = max(best, objective(np.clip(vertex, 1e-300, 1.0)))
    return best


def entropy_objective(q, log_weights) -> float:
    q = np.clip(q, 1e-300, 1.0)
    return float(np.sum(q * log_weights) - np.sum(q * np.log(q)))


def marginal(rng) -> bool:
    F = rng.normal(size=(2, 2))
    joint = np.exp(F) / np.exp(F).sum()
    conditional = joint[0, 0] + joint[0, 1]
    return close(np.log(conditional), np.log(joint[0].sum()))


def lemma(size: int):
    def oracle(rng) -> bool:
        g = rng.uniform(0.1, 3, size)
        return close(softmax_maximum(lambda q: entropy_objective(q, np.log(g)), size, rng), np.log(g.sum()), rtol=1e-6)
    return oracle


def stationarity(rng) -> bool:
    q, g, lam = rng.uniform(0.1, 1, 3), rng.uniform(0.1, 3, 3), rng.normal()

    def lagrangian(q1):
        qq = np.array([q1, q[1], q[2]])
        return entropy_objective(qq, np.log(g)) + lam * (qq.sum() - 1)

    return close(derivative(lagrangian, q[0]), np.log(g[0]) - np.log(q[0]) - 1 + lam, rtol=1e-6)


def optimum(rng):
    g = rng.uniform(0.1, 3, 3)
    result = optimize.minimize(lambda t: -entropy_objective(special.softmax(t), np.log(g)), np.zeros(3),
                               method="BFGS", options={"gtol": 1e-11})
    return g, special.softmax(result.x)


def alpha(rng) -> bool:
    g, q = optimum(rng)
    ratio = q / g
    return close(ratio, ratio.mean(), rtol=1e-5)


def qstar(rng) -> bool:
    g, q = optimum(rng)
    return close(q, g / g.sum(), rtol=1e-5)


def value(rng) -> bool:
    g = rng.uniform(0.1, 3, 3)
    q = g / g.sum()
    return close(entropy_objective(q, np.log(g)), np.log(g.sum())) and close(np.sum(q * np.log(g / q)), np.log(g.sum()))


def posterior_objective(sign: int):
    """max_q sum q log P(x|z) + sign * sum q log(P(z) / q) against log P(x)."""
    def oracle(rng) -> bool:
        likelihood, prior = rng.uniform(0.1, 1, 3), simplex(rng, 3)

        def objective(q):
            q = np.clip(q, 1e-300, 1)
            return np.sum(q * np.log(likelihood)) + sign * np.sum(q * np.log(prior / q))

        return close(softmax_maximum(objective, 3, rng), np.log(np.sum(likelihood * prior)), rtol=1e-6)
    return oracle


def estep_001(rng) -> bool:
    joint = rng.uniform(0.05, 1, 3)
    best = softmax_maximum(lambda q: entropy_objective(q, np.log(joint)), 3, rng)
    posterior = joint / joint.sum()
    return close(best, np.log(joint.sum())) and close(entropy_objective(posterior, np.log(joint)), best)


def mstep_tables(rng) -> bool:
    n = rng.uniform(0.5, 5, 3)
    return no_better_point(lambda P: np.sum(n * np.log(P[0])), (n / n.sum())[None], rng, (1, 3))


def concave_general(rng) -> bool:
    """Second derivative in theta of q log N(x; theta^2, 1) + (1 - q) log N(x; 2 theta^2, 1) is <= 0."""
    theta, x, q = rng.uniform(-0.5, 0.5), rng.uniform(0.5, 3), rng.uniform(0.1, 0.9)

    def f(t):
        return q * stats.norm.logpdf(x, t**2, 1) + (1 - q) * stats.norm.logpdf(x, 2 * t**2, 1)

    h = 1e-4
    return (f(theta + h) - 2 * f(theta) + f(theta - h)) / h**2 <= 1e-6


def concave_tables(rng) -> bool:
    n, theta = rng.uniform(0.5, 5, 3), rng.uniform(0.1, 1, 3)
    h = 1e-4
    hessian = [(np.sum(n * np.log(theta + h * e)) - 2 * np.sum(n * np.log(theta)) + np.sum(n * np.log(theta - h * e)))
               / h**2 for e in np.eye(3)]
    return all(entry <= 0 for entry in hessian)


def em_monotone(rng) -> bool:
    from elbocheck.reference import bigram_em

    V, m = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    sentences = [rng.integers(1, V + 1, size=int(rng.integers(1, 6))) for _ in range(int(rng.integers(1, 6)))]
    A = np.stack([simplex(rng, m) for _ in range(V + 1)])
    B = np.stack([simplex(rng, V) for _ in range(m)])
    history = []
    for _ in range(6):
        A, B, loglik = bigram_em.em_step(sentences, A, B)
        history.append(loglik)
    return all(later >= earlier - 1e-10 for earlier, later in zip(history, history[1:]))


def count(rng) -> bool:
    k, d = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    return np.indices((k,) * d).reshape(d, -1).shape[1] == k**d


def variational(extra_prior: bool):
    def oracle(rng) -> bool:
        likelihood, prior = rng.uniform(0.1, 1, 3), simplex(rng, 3)
        weights = likelihood * prior * (prior if extra_prior else 1)
        best = softmax_maximum(lambda q: entropy_objective(q, np.log(weights)), 3, rng)
        return close(best, np.log(np.sum(likelihood * prior)), rtol=1e-6)
    return oracle


ORACLES = {
    "001-1-marginal": marginal,
    "001-1a-lemma": lemma(3),
    "001-1a-stationarity": stationarity,
    "001-1a-alpha": alpha,
    "001-1a-qstar": qstar,
    "001-1a-value": value,
    "001-1b": lemma(4),
    "001-notation": posterior_objective(-1),
    "001-2-estep": estep_001,
    "001-2-mstep": mstep_tables,
    "001-2-concave": concave_general,
    "001-2-monotone": em_monotone,
    "001-2a-count": count,
    "001-4b-variational": variational(extra_prior=True),
}

CORRECTED = {
    "001-notation": posterior_objective(+1),
    "001-2-concave": concave_tables,
    "001-4b-variational": variational(extra_prior=False),
}
