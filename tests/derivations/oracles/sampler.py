"""Oracles of the discrete GAN generator and its gradient, seed 004 Problems 2 and 4."""

from __future__ import annotations

import numpy as np
from scipy import stats

from tests.derivations.oracles.common import close, simplex


def inverse_cdf(half_open: bool):
    """Every eps on a grid and at every boundary lies in exactly one interval, of a word of positive probability."""
    def oracle(rng) -> bool:
        weights = rng.integers(0, 4, size=5).astype(float)
        weights[rng.integers(5)] += 1
        P = weights / weights.sum()
        cumulative = np.cumsum(P)
        lower = np.concatenate([[0.0], cumulative[:-1]])
        points = np.unique(np.concatenate([np.linspace(0, 1, 64, endpoint=False), lower]))
        points = points[points < 1]
        for eps in points:
            inside = (lower <= eps) & ((eps < cumulative) if half_open else (eps <= cumulative))
            if inside.sum() != 1 or P[np.argmax(inside)] == 0:
                return False
            if half_open and np.searchsorted(cumulative, eps, side="right") != np.argmax(inside):
                return False
        return True
    return oracle


def interval_lengths(corrected: bool):
    def oracle(rng) -> bool:
        Q = simplex(rng, 3)
        lower = np.concatenate([[0.0], np.cumsum(Q)[:-1]])
        upper = np.cumsum(Q) if corrected else (np.arange(3) + 1) * Q
        return close(upper - lower, Q)
    return oracle


def second_word(independent: bool):
    """Sample (w_1, w_2) by the inverse CDF from one eps (as printed) or two; compare the pair frequencies with
    P[w_1] Q[w_1, w_2] within a chi-square bound."""
    def oracle(rng) -> bool:
        P, Q = simplex(rng, 3), np.stack([simplex(rng, 3) for _ in range(3)])
        draws = 200_000
        eps1 = rng.random(draws)
        eps2 = rng.random(draws) if independent else eps1
        w1 = np.searchsorted(np.cumsum(P), eps1, side="right").clip(max=2)
        cumulative_rows = np.cumsum(Q, axis=1)[w1]  # (draws, 3)
        w2 = (cumulative_rows <= eps2[:, None]).sum(axis=1).clip(max=2)
        observed = np.bincount(w1 * 3 + w2, minlength=9)
        expected = draws * (P[:, None] * Q).ravel()
        return stats.chisquare(observed, expected).pvalue > 1e-6
    return oracle


def frozen(rng) -> bool:
    P = simplex(rng, 5)
    cumulative = np.cumsum(P)
    eps = rng.uniform(0, 1)
    direction = rng.normal(size=5)
    direction -= direction.mean()
    margin = np.min(np.abs(cumulative - eps))
    moved = P + 0.25 * margin / np.abs(direction).sum() * direction
    return np.searchsorted(cumulative, eps, side="right") == np.searchsorted(np.cumsum(moved), eps, side="right")


def quantiser(rng) -> bool:
    codebook, x, theta = np.sort(rng.normal(size=5)), rng.uniform(0.5, 2), rng.normal()
    distances = np.sort(np.abs(theta * x - codebook))
    step_ = 0.25 * (distances[1] - distances[0]) / x
    codes = [np.argmin(np.abs(t * x - codebook)) for t in (theta - step_, theta, theta + step_)]
    return len(set(codes)) == 1


ORACLES = {
    "004-2a": inverse_cdf(half_open=False),
    "004-2b": interval_lengths(corrected=False),
    "004-2b-noise": second_word(independent=False),
    "004-2c": frozen,
    "004-4": quantiser,
}

CORRECTED = {
    "004-2a": inverse_cdf(half_open=True),
    "004-2b": interval_lengths(corrected=True),
    "004-2b-noise": second_word(independent=True),
}
