"""The hand-written GAN gradients of reference.gan (seed 003 (23)-(35)) against central finite differences,
high-precision sigmoid identities, and the first-order effect of the steps (34)-(35)."""

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given, strategies as st

from elbocheck.reference import gan
from elbocheck.reference._nn import mlp_forward
from elbocheck.shared.nn import init_mlp
from tests.strategies import gan_problems

STEP = 1e-6


def smallest_kink_distance(problem) -> float:
    """The smallest |pre-activation| at a piecewise-linear hidden unit, over every example; inf without kinks."""
    params_d, params_g, x, noise, hidden_d, hidden_g = problem
    fake, cache_g = mlp_forward(params_g, noise, hidden_g)
    caches = [(hidden_g, cache_g.preactivations[:-1])]
    for batch in (x, fake):
        _, cache = mlp_forward(params_d, batch, hidden_d)
        caches.append((hidden_d, cache.preactivations[:-1]))
    distances = [np.abs(a).min() for hidden, pre in caches if hidden != "tanh" for a in pre]
    return min(distances, default=np.inf)


def central_difference(function, array: np.ndarray) -> np.ndarray:
    """(f(a + h e_k) - f(a - h e_k)) / 2h for every entry k of `array`, perturbed in place and restored."""
    grad = np.empty_like(array)
    for k in np.ndindex(array.shape):
        kept = array[k]
        array[k] = kept + STEP
        up = function()
        array[k] = kept - STEP
        down = function()
        array[k] = kept
        grad[k] = (up - down) / (2 * STEP)
    return grad


@given(problem=gan_problems())
def test_hand_written_gradients_match_central_differences(problem):
    assume(smallest_kink_distance(problem) > 1e-4)
    params_d, params_g, x, noise, hidden_d, hidden_g = problem
    grads_d, grads_g = gan.gan_gradients(*problem)

    def loss():
        return gan.gan_loss(*problem)

    for params, grads in ((params_d, grads_d), (params_g, grads_g)):
        for (W, b), (dW, db) in zip(params, grads):
            np.testing.assert_allclose(dW, central_difference(loss, W), rtol=1e-6, atol=1e-8)
            np.testing.assert_allclose(db, central_difference(loss, b), rtol=1e-6, atol=1e-8)


@given(problem=gan_problems())
def test_handoff_is_the_gradient_in_the_discriminator_input(problem):
    """(32) corrected: dL/dx through diag(g_d^1') W_d^1 equals the finite difference of L in the real points x."""
    assume(smallest_kink_distance(problem) > 1e-4)
    params_d, params_g, x, noise, hidden_d, hidden_g = problem
    real_logits, cache = gan.discriminator_logits(params_d, x, hidden_d)
    grad_real, _ = gan.output_gradients(real_logits, np.zeros(1))
    _, grad_input = gan._discriminator_backward(params_d, cache, grad_real, hidden_d)
    np.testing.assert_allclose(grad_input, central_difference(lambda: gan.gan_loss(*problem), x), rtol=1e-6,
                               atol=1e-8)


@example(logits=[50.0, -50.0, 0.0])
@given(logits=st.lists(st.floats(-50.0, 50.0), min_size=1, max_size=6))
def test_output_gradients_are_the_derivatives_of_the_log_terms(logits):
    """(26)-(27): d/dz log sigmoid(z) = sigmoid(-z) and d/dz log(1 - sigmoid(z)) = -sigmoid(z), against mpmath."""
    z = np.array(logits)
    grad_real, grad_fake = gan.output_gradients(z, z)
    for k, value in enumerate(logits):
        with mpmath.workdps(40):
            d_log_d = mpmath.diff(lambda t: mpmath.log(1 / (1 + mpmath.exp(-t))), value)
            d_log_one_minus_d = mpmath.diff(lambda t: mpmath.log(1 - 1 / (1 + mpmath.exp(-t))), value)
        assert grad_real[k] == pytest.approx(float(d_log_d) / len(logits), rel=1e-13)
        assert grad_fake[k] == pytest.approx(float(d_log_one_minus_d) / len(logits), rel=1e-13)


@given(problem=gan_problems())
def test_steps_ascend_in_the_discriminator_and_descend_in_the_generator(problem):
    """(34)-(35) to first order: L(theta_d + a g_d) - L = a |g_d|^2, L(theta_g - a g_g) - L = -a |g_g|^2."""
    assume(smallest_kink_distance(problem) > 1e-3)
    params_d, params_g, x, noise, hidden_d, hidden_g = problem
    rate = 1e-6
    grads_d, grads_g = gan.gan_gradients(*problem)
    new_d, new_g = gan.gan_step(params_d, params_g, x, noise, rate, hidden_d, hidden_g)
    before = gan.gan_loss(*problem)
    squared_d = sum(np.sum(dW**2) + np.sum(db**2) for dW, db in grads_d)
    squared_g = sum(np.sum(dW**2) + np.sum(db**2) for dW, db in grads_g)
    gain_d = gan.gan_loss(new_d, params_g, x, noise, hidden_d, hidden_g) - before
    gain_g = gan.gan_loss(params_d, new_g, x, noise, hidden_d, hidden_g) - before
    assert gain_d == pytest.approx(rate * squared_d, rel=1e-3, abs=1e-13)
    assert gain_g == pytest.approx(-rate * squared_g, rel=1e-3, abs=1e-13)


def test_loss_is_finite_and_exact_at_extreme_logits():
    """log D and log(1 - D) through log-sigmoids: at logits of +-800 the loss is -800 exactly, not -inf or NaN."""
    identity = [(np.eye(1), np.zeros(1))]
    loss = gan.gan_loss(identity, identity, np.array([[-800.0]]), np.array([[800.0]]), "relu", "relu")
    assert loss == -1600.0


def small_problem():
    rng = np.random.default_rng(0)
    return init_mlp([2, 3, 1], rng), init_mlp([1, 4, 2], rng), rng.normal(size=(5, 2)), rng.normal(size=(3, 1))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d, g, x, z: (d[:1] + [(np.ones((2, 3)), np.zeros(2))], g, x, z), "params_d"),
        (lambda d, g, x, z: (d, g[:1] + [(np.ones((3, 4)), np.zeros(3))], x, z), "params_g"),
        (lambda d, g, x, z: (d, g, x[:, :1], z), "x"),
        (lambda d, g, x, z: (d, g, np.where(x > 0, np.nan, x), z), "x"),
        (lambda d, g, x, z: (d, g, x, z[:0]), "noise"),
        (lambda d, g, x, z: ([], g, x, z), "params_d"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_argument(change, message):
    params_d, params_g, x, noise = change(*small_problem())
    with pytest.raises(ValueError, match=message):
        gan.gan_gradients(params_d, params_g, x, noise)


def test_bad_activation_and_learning_rate_raise_value_error():
    params_d, params_g, x, noise = small_problem()
    with pytest.raises(ValueError, match="activation"):
        gan.gan_loss(params_d, params_g, x, noise, hidden_d="softsign")
    for rate in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="learning_rate"):
            gan.gan_step(params_d, params_g, x, noise, rate)
    with pytest.raises(ValueError, match="logits"):
        gan.output_gradients(np.zeros(0), np.zeros(2))
