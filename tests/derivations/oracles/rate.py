"""Oracles of the rate term and its optimal prior, seed 004 Problem 3(c)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from tests.derivations.oracles.common import close, no_better_point, simplex


def rate(rng) -> bool:
    population = simplex(rng, 2)
    encoder = np.stack([simplex(rng, 3) for _ in range(2)])
    aggregate = population @ encoder
    value = np.sum(population[:, None] * encoder * np.log(encoder / aggregate))
    mutual_information = stats.entropy(aggregate) - np.sum(population * [stats.entropy(row) for row in encoder])
    return close(value, mutual_information)


def optimal_prior(rng) -> bool:
    population = simplex(rng, 2)
    encoder = np.stack([simplex(rng, 3) for _ in range(2)])
    aggregate = population @ encoder
    return no_better_point(lambda P: np.sum(aggregate * np.log(P[0])), aggregate[None], rng, (1, 3))


ORACLES = {
    "004-3c-prior": optimal_prior,
    "004-3c": rate,
}

CORRECTED = {}
