"""Oracles of the GAN loss, its back-propagation and training steps, seed 003 (23)-(35)."""

from __future__ import annotations

import numpy as np
from scipy import special

from tests.derivations.oracles.common import close, derivative


def sigmoid(z):
    return special.expit(z)


def gan_gradient(rng) -> bool:
    a, b, c, d, theta = rng.normal(size=5)

    def real(t):
        return sigmoid(a * t + b)

    def fake(t):
        return sigmoid(c * t + d)

    grad = derivative(lambda t: np.log(real(t)) + np.log(1 - fake(t)), theta)
    return close(grad, derivative(real, theta) / real(theta) - derivative(fake, theta) / (1 - fake(theta)), rtol=1e-6)


def sigmoid_26(rng) -> bool:
    z = rng.uniform(-10, 10)
    prime = sigmoid(z) * sigmoid(-z)
    return close(derivative(sigmoid, z), prime) and close(prime / sigmoid(z), sigmoid(-z)) and close(
        sigmoid(-z), 1 - sigmoid(z))


def sigmoid_27(rng) -> bool:
    z = rng.uniform(-10, 10)
    return close(derivative(sigmoid, z) / (1 - sigmoid(z)), sigmoid(z), rtol=1e-6)


def output_gradient(corrected: bool):
    def oracle(rng) -> bool:
        zr, zf = rng.uniform(-4, 4, 2)
        if not corrected:
            return close(derivative(sigmoid, zr), sigmoid(-zr) - sigmoid(zf))
        return close(derivative(lambda u: np.log(sigmoid(u)), zr), sigmoid(-zr), rtol=1e-6) and close(
            derivative(lambda u: np.log(1 - sigmoid(u)), zf), -sigmoid(zf), rtol=1e-6)
    return oracle


def chain_rule(rng) -> bool:
    a, b, z = rng.normal(size=3)

    def h(u):
        return np.sin(a * u) + u**2

    def loss(u):
        return np.cos(b * u) + u**3

    return close(derivative(lambda u: loss(h(u)), z), derivative(loss, h(z)) * derivative(h, z), rtol=1e-6)


def tanh_prime(u):
    return 1 - np.tanh(u) ** 2


def layer_jacobian(corrected: bool):
    def oracle(rng) -> bool:
        if not corrected:
            w0, w1, z = rng.uniform(-2, 2, 3)
            return close(derivative(lambda u: np.tanh(w1 * u), z), np.tanh(w0 * z) * w1)
        W, z = rng.normal(size=(2, 2)), rng.normal(size=2)
        jacobian = np.stack([(np.tanh(W @ (z + h)) - np.tanh(W @ (z - h))) / 2e-6 for h in 1e-6 * np.eye(2)], axis=1)
        return close(jacobian, np.diag(tanh_prime(W @ z)) @ W, rtol=1e-6, atol=1e-8)
    return oracle


def recursion(corrected: bool):
    def oracle(rng) -> bool:
        w0, w1, z = rng.uniform(-2, 2, 3)
        upstream = np.cos(np.tanh(w1 * z))
        inner = w1 if corrected else w0
        return close(derivative(lambda u: np.sin(np.tanh(w1 * u)), z), upstream * tanh_prime(inner * z) * w1, rtol=1e-6)
    return oracle


def handoff(corrected: bool):
    def oracle(rng) -> bool:
        wd, wg, X = rng.uniform(-2, 2, 3)
        upstream = np.cos(np.tanh(wd * X))
        factor = tanh_prime(wd * X) * wd if corrected else wg
        return close(derivative(lambda u: np.sin(np.tanh(wd * u)), X), upstream * factor, rtol=1e-6)
    return oracle


def generator_chain(rng) -> bool:
    a, theta = rng.normal(size=2)
    return close(derivative(lambda t: np.log1p(np.exp(np.sin(a * t))), theta),
                 special.expit(np.sin(a * theta)) * a * np.cos(a * theta), rtol=1e-6)


def step(sign: int):
    def oracle(rng) -> bool:
        a, b, t1, t2 = rng.normal(size=4)

        def loss(u, v):
            return np.sin(a * u) * np.cos(b * v) + 0.1 * u * v

        g = np.array([derivative(lambda u: loss(u, t2), t1), derivative(lambda v: loss(t1, v), t2)])
        alpha = 1e-4
        change = loss(t1 + sign * alpha * g[0], t2 + sign * alpha * g[1]) - loss(t1, t2)
        return (change * sign > 0) or np.linalg.norm(g) < 1e-9
    return oracle


ORACLES = {
    "003-eq23": gan_gradient,
    "003-eq26": sigmoid_26,
    "003-eq27": sigmoid_27,
    "003-eq28": output_gradient(corrected=False),
    "003-eq29": chain_rule,
    "003-eq30": layer_jacobian(corrected=False),
    "003-eq31": recursion(corrected=False),
    "003-eq32": handoff(corrected=False),
    "003-eq33": generator_chain,
    "003-eq34": step(+1),
    "003-eq35": step(-1),
}

CORRECTED = {
    "003-eq28": output_gradient(corrected=True),
    "003-eq30": layer_jacobian(corrected=True),
    "003-eq31": recursion(corrected=True),
    "003-eq32": handoff(corrected=True),
}
