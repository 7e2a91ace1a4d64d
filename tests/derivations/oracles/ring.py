"""Oracles of the ring model's pseudo-likelihood, seed 004 Problem 1."""

from __future__ import annotations

import numpy as np
from scipy import special

from tests.derivations.oracles.common import close


def ring_score(y) -> int:
    return int(np.dot(y, np.roll(y, -1)))


def ring_conditionals(y):
    """P_n(Y[n] | Y / n) for every node, by the definition."""
    result = []
    for n in range(len(y)):
        scores = []
        for label in (1, 0, -1):
            changed = y.copy()
            changed[n] = label
            scores.append(ring_score(changed))
        result.append(np.exp(ring_score(y) - special.logsumexp(scores)))
    return np.array(result)


def ring_instance(rng, value):
    size = int(rng.integers(2, 10))
    return size, np.full(size, value)


def z_zero(rng) -> bool:
    size, y = ring_instance(rng, 0)
    return close(ring_conditionals(y), 1 / 3)


def log_pl(rng, value):
    size, y = ring_instance(rng, value)
    return size, np.sum(np.log(ring_conditionals(y)))


def pl_zero(corrected: bool):
    def oracle(rng) -> bool:
        size, value = log_pl(rng, 0)
        exact = close(value, size * np.log(1 / 3))
        approx = abs((-value if corrected else value) / size - 1.1) <= 0.05
        return exact and approx
    return oracle


def scores_one(rng) -> bool:
    size, y = ring_instance(rng, 1)
    results = []
    for label, expected in ((1, size), (0, size - 2), (-1, size - 4)):
        changed = y.copy()
        changed[int(rng.integers(size))] = label
        results.append(ring_score(changed) == expected)
    return all(results)


def z_one(rng) -> bool:
    size, y = ring_instance(rng, 1)
    n = int(rng.integers(size))
    total = 0.0
    for label in (1, 0, -1):
        changed = y.copy()
        changed[n] = label
        total += np.exp(ring_score(changed))
    return close(total, np.exp(size) * (1 + np.exp(-2) + np.exp(-4)))


def p_one(rng) -> bool:
    size, y = ring_instance(rng, 1)
    p = ring_conditionals(y)
    return close(p, 1 / (1 + np.exp(-2) + np.exp(-4))) and abs(p[0] - 0.87) <= 0.005


def pl_one(corrected: bool):
    def oracle(rng) -> bool:
        size, value = log_pl(rng, 1)
        inside = (1 + np.exp(-2) + np.exp(-4)) if corrected else 1 / (1 + np.exp(-2) + np.exp(-4))
        return close(-value, size * np.log(inside)) and abs(-value / size - 0.14) <= 0.005
    return oracle


ORACLES = {
    "004-1a-z": z_zero,
    "004-1a": pl_zero(corrected=False),
    "004-1b-scores": scores_one,
    "004-1b-z": z_one,
    "004-1b-p": p_one,
    "004-1b": pl_one(corrected=False),
}

CORRECTED = {
    "004-1a": pl_zero(corrected=True),
    "004-1b": pl_one(corrected=True),
}
