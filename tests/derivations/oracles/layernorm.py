"""Oracles of residual stacks with LayerNorm and their Jacobians, seed 003 (36)-(39)."""

from __future__ import annotations

import numpy as np

from tests.derivations.oracles.common import close, derivative


def scalar_chain(factors: int):
    def oracle(rng) -> bool:
        a, b, x = rng.uniform(-1.5, 1.5, 3), rng.uniform(-1, 1, 3), rng.normal()
        maps = [lambda u, i=i: np.tanh(a[i] * u + b[i]) + u for i in range(3)]
        states = [x]
        for f in maps:
            states.append(f(states[-1]))
        exact = derivative(lambda u: maps[1](maps[0](u)), x)
        product_ = np.prod([derivative(maps[i], states[i]) for i in range(factors)])
        return close(exact, product_, rtol=1e-6)
    return oracle


def layer_norm(v, eps=1e-2):
    centred = v - v.mean()
    return centred / np.sqrt(np.mean(centred**2) + eps)


def jacobian_fd(f, x, h=1e-6):
    return np.stack([(f(x + e) - f(x - e)) / (2 * h) for e in h * np.eye(len(x))], axis=1)


def post_ln(factors: int):
    def oracle(rng) -> bool:
        d = 4
        Ws = [rng.normal(scale=0.5, size=(d, d)) for _ in range(3)]
        x = rng.normal(size=d)

        def stack(u, depth):
            for W in Ws[:depth]:
                u = layer_norm(u + W @ u)
            return u

        exact = jacobian_fd(lambda u: stack(u, 2), x)
        product_, state = np.eye(d), x
        for W in Ws[:factors]:
            product_ = jacobian_fd(layer_norm, state + W @ state) @ (np.eye(d) + W) @ product_
            state = layer_norm(state + W @ state)
        return close(exact, product_, rtol=1e-5, atol=1e-7)
    return oracle


def pre_ln_states(rng):
    d = 4
    Ws = [rng.normal(scale=0.5, size=(d, d)) for _ in range(3)]
    return Ws, rng.normal(size=d)


def telescope(rng) -> bool:
    Ws, x = pre_ln_states(rng)
    states = [x]
    for W in Ws:
        states.append(states[-1] + layer_norm(W @ states[-1]))
    return close(states[-1], x + sum(layer_norm(W @ s) for W, s in zip(Ws, states[:-1])))


def total_derivative(rng) -> bool:
    Ws, x = pre_ln_states(rng)

    def stack(u):
        for W in Ws:
            u = u + layer_norm(W @ u)
        return u

    def branch_sum(u):
        total = np.zeros_like(u)
        for W in Ws:
            branch = layer_norm(W @ u)
            total, u = total + branch, u + branch
        return total

    return close(jacobian_fd(stack, x), np.eye(len(x)) + jacobian_fd(branch_sum, x), rtol=1e-6, atol=1e-8)


ORACLES = {
    "003-eq36": scalar_chain(factors=3),
    "003-eq37": post_ln(factors=3),
    "003-eq38": telescope,
    "003-eq39": total_derivative,
}

CORRECTED = {
    "003-eq36": scalar_chain(factors=2),
    "003-eq37": post_ln(factors=2),
}
