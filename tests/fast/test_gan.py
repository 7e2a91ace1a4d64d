"""fast.gan (autograd, any device) against the hand-written reference.gan (seed 003 (23)-(35)), its numerics at
extreme logits, and the ring-of-Gaussians helpers of the demo."""

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

from elbocheck.fast import gan as fast_gan
from elbocheck.models import gan as model_gan
from elbocheck.reference import gan as reference_gan
from tests.strategies import gan_problems


def to_torch(problem, dtype=torch.float64, device="cpu"):
    params_d, params_g, x, noise, hidden_d, hidden_g = problem

    def convert(params):
        return [(torch.tensor(W, dtype=dtype, device=device), torch.tensor(b, dtype=dtype, device=device))
                for W, b in params]

    return (convert(params_d), convert(params_g), torch.tensor(x, dtype=dtype, device=device),
            torch.tensor(noise, dtype=dtype, device=device), hidden_d, hidden_g)


def assert_same_layers(fast_layers, reference_layers, rtol):
    for (fast_W, fast_b), (ref_W, ref_b) in zip(fast_layers, reference_layers, strict=True):
        for fast_value, ref_value in ((fast_W, ref_W), (fast_b, ref_b)):
            scale = max(np.abs(ref_value).max(), 1e-300)
            assert np.abs(fast_value.cpu().numpy() - ref_value).max() <= rtol * scale


@given(problem=gan_problems())
def test_hand_written_gradients_equal_autograd(problem):
    reference_d, reference_g = reference_gan.gan_gradients(*problem)
    fast_d, fast_g = fast_gan.gan_gradients(*to_torch(problem))
    assert_same_layers(fast_d, reference_d, 1e-10)
    assert_same_layers(fast_g, reference_g, 1e-10)


@given(problem=gan_problems(), rate=st.floats(1e-4, 1.0))
def test_a_step_gives_the_same_new_weights_in_reference_and_fast(problem, rate):
    params_d, params_g, x, noise, hidden_d, hidden_g = problem
    reference_d, reference_g = reference_gan.gan_step(params_d, params_g, x, noise, rate, hidden_d, hidden_g)
    fd, fg, fx, fz, _, _ = to_torch(problem)
    fast_d, fast_g = fast_gan.gan_step(fd, fg, fx, fz, rate, hidden_d, hidden_g)
    assert_same_layers(fast_d, reference_d, 1e-10)
    assert_same_layers(fast_g, reference_g, 1e-10)


def identity_networks(dtype):
    """D(x) = sigmoid(x) and G(z) = z on the real line, so the data are the logits themselves."""
    return [(torch.eye(1, dtype=dtype), torch.zeros(1, dtype=dtype))], [(torch.eye(1, dtype=dtype),
                                                                        torch.zeros(1, dtype=dtype))]


@pytest.mark.parametrize("dtype, rtol", [(torch.float64, 1e-12), (torch.float32, 1e-6)])
def test_sigmoid_identities_hold_at_extreme_logits_without_overflow(dtype, rtol):
    """(26)-(27) elementwise for |z| <= 50: autograd of the loss in the logits is sigmoid(-z)/B and -sigmoid(z)/B."""
    logits = torch.linspace(-50.0, 50.0, 41, dtype=dtype)
    params_d, params_g = identity_networks(dtype)
    real = logits[:, None].clone().requires_grad_(True)
    fake = logits[:, None].clone().requires_grad_(True)
    loss = fast_gan.gan_loss(params_d, params_g, real, fake)
    grad_real, grad_fake = torch.autograd.grad(loss, [real, fake])
    closed_real, closed_fake = fast_gan.output_gradients(logits, logits)
    assert torch.isfinite(loss) and torch.isfinite(grad_real).all() and torch.isfinite(grad_fake).all()
    count = len(logits)
    for k, z in enumerate(logits.tolist()):
        with mpmath.workdps(40):
            exact_real = float(1 / (1 + mpmath.exp(mpmath.mpf(z)))) / count
            exact_fake = -float(1 / (1 + mpmath.exp(-mpmath.mpf(z)))) / count
        for value, exact in ((grad_real[k, 0], exact_real), (closed_real[k], exact_real),
                             (grad_fake[k, 0], exact_fake), (closed_fake[k], exact_fake)):
            assert float(value) == pytest.approx(exact, rel=rtol, abs=0.0)


def test_probabilities_overflow_where_logits_do_not():
    """Why the fast path never forms D: log(1 - sigmoid(50)) is -inf in float64, logsigmoid(-50) is -50."""
    z = torch.tensor([50.0], dtype=torch.float64)
    assert torch.log(1 - torch.sigmoid(z)).item() == -math.inf
    params_d, params_g = identity_networks(torch.float64)
    loss = fast_gan.gan_loss(params_d, params_g, torch.tensor([[0.0]], dtype=torch.float64), z[:, None])
    assert loss.item() == pytest.approx(-math.log(2) - 50.0, rel=1e-15)


def test_minimax_generator_loss_saturates_where_the_non_saturating_one_does_not():
    """At a fake logit of -20 (D rejects G(z)) d/dz log(1 - D) = -sigmoid(-20) ~ -2e-9 but d/dz -log D ~ -1."""
    params_d, params_g = identity_networks(torch.float64)
    noise = torch.tensor([[-20.0]], dtype=torch.float64, requires_grad=True)
    (minimax,) = torch.autograd.grad(model_gan.generator_loss(params_d, params_g, noise, kind="minimax"), [noise])
    (non_saturating,) = torch.autograd.grad(
        model_gan.generator_loss(params_d, params_g, noise, kind="non_saturating"), [noise])
    assert minimax.item() == pytest.approx(-1 / (1 + math.exp(20)), rel=1e-12)
    assert non_saturating.item() == pytest.approx(-1 / (1 + math.exp(-20)), rel=1e-12)
    with pytest.raises(ValueError, match="kind"):
        model_gan.generator_loss(params_d, params_g, noise, kind="wasserstein")


@given(problem=gan_problems())
def test_discriminator_loss_is_minus_the_objective_in_theta_d(problem):
    params_d, params_g, x, noise, hidden_d, hidden_g = to_torch(problem)
    fake = fast_gan.generator_forward(params_g, noise, hidden_g)
    leaves = [(W.requires_grad_(True), b.requires_grad_(True)) for W, b in params_d]
    loss = model_gan.discriminator_loss(leaves, x, fake, hidden_d)
    grads = torch.autograd.grad(loss, [t for layer in leaves for t in layer])
    expected, _ = reference_gan.gan_gradients(*problem)
    assert_same_layers([(-grads[i], -grads[i + 1]) for i in range(0, len(grads), 2)], expected, 1e-10)


def test_real_ring_points_land_within_three_std_at_the_chi_square_rate():
    """For N(c, s^2 I_2), P(|x - c| <= 3 s) = 1 - exp(-9/2); the share of 20000 points is within 5 standard errors."""
    generator = torch.Generator().manual_seed(0)
    points = model_gan.ring_of_gaussians(20000, 8, 2.0, 0.05, generator, dtype=torch.float64)
    covered, share = model_gan.mode_coverage(points, model_gan.ring_modes(8, 2.0, dtype=torch.float64), 0.05)
    expected = 1 - math.exp(-4.5)
    assert covered == 8
    assert abs(share - expected) <= 5 * math.sqrt(expected * (1 - expected) / 20000)


def test_a_collapsed_generator_covers_one_mode():
    centres = model_gan.ring_modes(8, 2.0, dtype=torch.float64)
    collapsed = centres[3].expand(500, 2)
    assert model_gan.mode_coverage(collapsed, centres, 0.05) == (1, 1.0)


@pytest.fixture
def one_thread():
    """Layers of 32 units: a second thread only adds synchronisation (as `elbocheck gan-demo` does)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_training_moves_samples_onto_the_ring(one_thread):
    """After 100 steps the generated points are on average nearer the circle of radius 2 than at the start."""
    history = model_gan.train_ring_gan(torch.Generator().manual_seed(0), steps=100, batch=128, width=32,
                                      snapshots=(0, 100), snapshot_size=1000)
    assert history["losses"].shape == (100, 2) and torch.isfinite(history["losses"]).all()
    assert sorted(history["snapshots"]) == [0, 100]
    start, end = ((history["snapshots"][step].norm(dim=1) - 2.0).abs().mean() for step in (0, 100))
    assert end < 0.75 * start


@pytest.mark.parametrize("kwargs, message", [({"optimizer": "rmsprop"}, "optimizer"), ({"kind": "x"}, "kind"),
                                             ({"learning_rate": 0.0}, "learning_rate"), ({"batch": 0}, "batch")])
def test_training_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        model_gan.train_ring_gan(torch.Generator().manual_seed(0), steps=1, **kwargs)


@pytest.mark.gpu
@given(problem=gan_problems())
def test_gradients_on_cuda_equal_the_reference(problem):
    reference_d, reference_g = reference_gan.gan_gradients(*problem)
    fast_d, fast_g = fast_gan.gan_gradients(*to_torch(problem, device="cuda"))
    assert_same_layers(fast_d, reference_d, 1e-10)
    assert_same_layers(fast_g, reference_g, 1e-10)
