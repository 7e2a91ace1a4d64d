"""Oracles of the latent bigram model's EM, seed 000 Problem 1."""

from __future__ import annotations

from itertools import product

import numpy as np

from tests.derivations.oracles.common import close, no_better_point, simplex


def mle(rng) -> bool:
    n, c = rng.uniform(0.5, 5, (3, 2)), rng.uniform(0.5, 5, (2, 2))
    A, B = n / n.sum(1, keepdims=True), c / c.sum(1, keepdims=True)
    return (no_better_point(lambda P: np.sum(n * np.log(P)), A, rng, (3, 2))
            and no_better_point(lambda P: np.sum(c * np.log(P)), B, rng, (2, 2)))


def estep(rng) -> bool:
    A, B = np.stack([simplex(rng, 2) for _ in range(3)]), np.stack([simplex(rng, 2) for _ in range(2)])
    sentence, contexts = (1, 2, 1), (0, 1, 2)
    paths = list(product(range(2), repeat=3))
    weight = {p: np.prod([A[contexts[t], p[t]] * B[p[t], sentence[t] - 1] for t in range(3)]) for p in paths}
    marginal = sum(w for p, w in weight.items() if p[1] == 0) / sum(weight.values())
    printed = A[1, 0] * B[0, 1] / (A[1] @ B[:, 1])
    return close(marginal, printed)


def mstep(block: str):
    def oracle(rng) -> bool:
        counts = rng.uniform(0.5, 5, (3, 2))
        posterior = np.stack([[simplex(rng, 2) for _ in range(2)] for _ in range(3)])  # (x, w, z)
        if block == "A":
            expected = np.einsum("xw,xwz->xz", counts, posterior)
            return no_better_point(lambda P: np.sum(expected * np.log(P)), expected / expected.sum(1, keepdims=True),
                                   rng, (3, 2))
        expected = np.einsum("xw,xwz->zw", counts, posterior)
        return no_better_point(lambda P: np.sum(expected * np.log(P)), expected / expected.sum(1, keepdims=True),
                               rng, (2, 2))
    return oracle


ORACLES = {
    "000-1.1-mle": mle,
    "000-1.2-estep": estep,
    "000-1.3-mstep-a": mstep("A"),
    "000-1.3-mstep-b": mstep("B"),
}

CORRECTED = {}
