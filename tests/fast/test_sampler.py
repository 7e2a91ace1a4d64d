"""fast.sampler: the same words as the reference for the same noise, the vanishing gradient of seed 004 Problem
2(c) shown by autograd and by exact finite differences, and the straight-through and Gumbel-softmax remedies."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, strategies as st
from scipy import stats

from elbocheck.fast import sampler as fast_sampler
from elbocheck.models import discrete_gradients as discrete
from elbocheck.reference import sampler as reference_sampler
from tests.strategies import distributions_with_zeros, seeds

STEP = 1e-9


@st.composite
def bigrams_with_zeros(draw, max_vocabulary: int = 6):
    vocabulary = draw(st.integers(1, max_vocabulary))
    P = draw(distributions_with_zeros(vocabulary))
    Q = np.stack([draw(distributions_with_zeros(vocabulary)) for _ in range(vocabulary)])
    return P, Q


def boundary_noise(rng: np.random.Generator, P: np.ndarray, Q: np.ndarray, shape) -> np.ndarray:
    """Uniform noise with a third of the values put exactly on 0, 1 or a boundary of P or of a row of Q."""
    specials = np.clip(np.concatenate([[0.0, 1.0], np.cumsum(P), np.cumsum(Q, axis=1).ravel()]), 0.0, 1.0)
    eps = rng.uniform(size=shape)
    chosen = rng.uniform(size=shape) < 1 / 3
    eps[chosen] = rng.choice(specials, size=int(chosen.sum()))
    return eps


@given(bigram=bigrams_with_zeros(), seed=seeds, length=st.integers(1, 6))
def test_same_noise_gives_the_same_words_as_the_reference(bigram, seed, length):
    P, Q = bigram
    eps = boundary_noise(np.random.default_rng(seed), P, Q, (40, length))
    words = fast_sampler.sample_strings(torch.tensor(P), torch.tensor(Q), torch.tensor(eps))
    assert np.array_equal(words.numpy(), reference_sampler.sample_strings(P, Q, eps))
    assert np.all(P[words[:, 0].numpy()] > 0)
    assert np.all(Q[words[:, :-1].numpy(), words[:, 1:].numpy()] > 0)


@given(bigram=bigrams_with_zeros(), seed=seeds)
def test_float32_probabilities_are_cut_on_a_float64_cumulative_sum(bigram, seed):
    P, Q = (array.astype(np.float32) for array in bigram)
    eps = boundary_noise(np.random.default_rng(seed), P.astype(np.float64), Q.astype(np.float64), (30, 3))
    words = fast_sampler.sample_strings(torch.tensor(P), torch.tensor(Q), torch.tensor(eps))
    expected = reference_sampler.sample_strings(P.astype(np.float64), Q.astype(np.float64), eps)
    assert np.array_equal(words.numpy(), expected)


def problem(seed: int, vocabulary: int = 4, length: int = 3, strings: int = 512):
    """Strictly positive P and Q, zero-sum directions, a random discriminator loss on strings, and noise."""
    rng = np.random.default_rng(seed)
    P = torch.tensor(rng.dirichlet(np.ones(vocabulary) * 2))
    Q = torch.tensor(rng.dirichlet(np.ones(vocabulary) * 2, size=vocabulary))
    direction_P = torch.tensor(rng.normal(size=vocabulary))
    direction_P -= direction_P.mean()
    direction_Q = torch.tensor(rng.normal(size=(vocabulary, vocabulary)))
    direction_Q -= direction_Q.mean(dim=1, keepdim=True)
    unary = torch.tensor(rng.normal(size=(length, vocabulary)))
    pairwise = torch.tensor(rng.normal(size=(vocabulary, vocabulary)))
    eps = torch.tensor(rng.uniform(size=(strings, length)))
    gumbel = torch.tensor(rng.gumbel(size=(strings, length, vocabulary)))
    return P, Q, direction_P, direction_Q, (lambda y: discrete.string_discriminator_loss(y, unary, pairwise)), \
        eps, gumbel


def off_boundaries(eps: torch.Tensor, P: torch.Tensor, Q: torch.Tensor, margin: float = 1e-6) -> torch.Tensor:
    """The rows of eps none of whose values lies within `margin` of a boundary of P or of any row of Q."""
    cuts = torch.cat([torch.cumsum(P, 0), torch.cumsum(Q, 1).reshape(-1)])
    near = ((eps[:, :, None] - cuts).abs() < margin).any(dim=2).any(dim=1)
    return eps[~near]


@given(seed=seeds)
def test_autograd_through_the_sampler_gives_no_gradient(seed):
    P, Q, _, _, loss, eps, _ = problem(seed)
    leaf_P, leaf_Q = P.clone().requires_grad_(True), Q.clone().requires_grad_(True)
    words = fast_sampler.sample_strings(leaf_P, leaf_Q, eps)
    assert words.dtype == torch.int64 and not words.requires_grad
    value = loss(F.one_hot(words, 4).to(torch.float64)).mean()
    assert value.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        value.backward()
    assert leaf_P.grad is None and leaf_Q.grad is None


@given(seed=seeds)
def test_finite_difference_of_a_discriminator_loss_is_exactly_zero_off_the_boundaries(seed):
    """Problem 2(c): moving P and Q by +-1e-9 changes no word, so the difference quotient is 0.0, not small."""
    P, Q, direction_P, direction_Q, loss, eps, _ = problem(seed)
    eps = off_boundaries(eps, P, Q)
    assert eps.shape[0] > 400

    def mean_loss(h):
        words = fast_sampler.sample_strings(P + h * direction_P, Q + h * direction_Q, eps)
        return loss(F.one_hot(words, 4).to(torch.float64)).mean()

    assert ((mean_loss(STEP) - mean_loss(-STEP)) / (2 * STEP)).item() == 0.0
    exact_P, exact_Q = _exact_gradient(P, Q, loss)
    tangent = (exact_P - exact_P.mean()).norm() + (exact_Q - exact_Q.mean(dim=1, keepdim=True)).norm()
    assert tangent > 1e-6


def _exact_gradient(P, Q, loss):
    leaf_P, leaf_Q = P.clone().requires_grad_(True), Q.clone().requires_grad_(True)
    return torch.autograd.grad(discrete.expected_string_loss(leaf_P, leaf_Q, 3, loss), [leaf_P, leaf_Q])


def test_at_a_boundary_the_difference_quotient_is_of_order_one_over_h():
    """The pathwise derivative is zero almost everywhere and a point mass at the boundaries."""
    P = torch.tensor([0.5, 0.5], dtype=torch.float64)
    Q = torch.tensor([[0.5, 0.5], [0.5, 0.5]], dtype=torch.float64)
    direction_P = torch.tensor([1.0, -1.0], dtype=torch.float64)
    eps = torch.tensor([[0.5]], dtype=torch.float64)
    words_up = fast_sampler.sample_strings(P + STEP * direction_P, Q, eps)
    words_down = fast_sampler.sample_strings(P - STEP * direction_P, Q, eps)
    assert (words_up.item(), words_down.item()) == (0, 1)
    unary = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    difference = discrete.string_discriminator_loss(F.one_hot(words_up, 2).double(), unary, torch.zeros(2, 2)) - \
        discrete.string_discriminator_loss(F.one_hot(words_down, 2).double(), unary, torch.zeros(2, 2))
    assert abs(difference.item()) / (2 * STEP) > 1e8


@example(seed=0)
@given(seed=seeds)
def test_straight_through_strings_are_the_samples_and_carry_a_nonzero_gradient(seed):
    P, Q, _, _, loss, eps, _ = problem(seed)
    leaf_P, leaf_Q = P.clone().requires_grad_(True), Q.clone().requires_grad_(True)
    y = fast_sampler.straight_through_strings(leaf_P, leaf_Q, eps)
    assert torch.equal(y.detach(), F.one_hot(fast_sampler.sample_strings(P, Q, eps), 4).double())
    grad_P, grad_Q = torch.autograd.grad(loss(y).mean(), [leaf_P, leaf_Q])
    assert grad_P.abs().max() > 1e-3 and grad_Q.abs().max() > 1e-3


@given(seed=seeds, temperature=st.floats(0.05, 2.0))
def test_gumbel_softmax_strings_carry_a_nonzero_gradient(seed, temperature):
    P, Q, _, _, loss, _, gumbel = problem(seed)
    leaf_P, leaf_Q = P.clone().requires_grad_(True), Q.clone().requires_grad_(True)
    y = fast_sampler.gumbel_softmax_strings(leaf_P, leaf_Q, gumbel, temperature)
    grad_P, grad_Q = torch.autograd.grad(loss(y).mean(), [leaf_P, leaf_Q])
    assert grad_P.abs().max() > 1e-6 and grad_Q.abs().max() > 1e-6


def test_gumbel_softmax_samples_approach_the_categorical_as_the_temperature_goes_to_zero():
    """With h = onehot(argmax(log P + g)) (exactly categorical: the Gumbel-max trick) and N draws,
    |mean y - P|_inf <= mean |y - h|_1 + |mean h - P|_inf, and the last term is below 5 sqrt(max P(1-P) / N)
    except with probability < 1e-5 per word; mean |y - h|_1 must fall with tau and be below 0.01 at tau = 0.01."""
    draws = 20000
    generator = torch.Generator().manual_seed(5)
    P = torch.tensor([0.55, 0.25, 0.15, 0.05], dtype=torch.float64)
    Q = torch.full((4, 4), 0.25, dtype=torch.float64)
    gumbel = fast_sampler.gumbel_noise((draws, 1, 4), generator)
    hard = F.one_hot((torch.log(P) + gumbel[:, 0]).argmax(dim=1), 4).double()
    sampling_bound = 5 * math.sqrt(float((P * (1 - P)).max()) / draws)
    assert (hard.mean(dim=0) - P).abs().max() <= sampling_bound
    assert stats.chisquare(hard.sum(dim=0).numpy(), (P * draws).numpy()).pvalue > 1e-3
    gaps = []
    for temperature in (1.0, 0.3, 0.1, 0.01):
        y = fast_sampler.gumbel_softmax_strings(P, Q, gumbel, temperature)[:, 0]
        gap = float((y - hard).abs().sum(dim=1).mean())
        assert (y.mean(dim=0) - P).abs().max() <= gap + sampling_bound
        gaps.append(gap)
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 0.01
    assert gaps[0] > 0.3


def test_gumbel_softmax_strings_at_low_temperature_follow_the_bigram():
    """argmax of the relaxed strings at tau = 0.01: chi-square of (w_1, w_2) against P[w_1] Q[w_1, w_2]."""
    generator = torch.Generator().manual_seed(6)
    P = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    Q = torch.tensor([[0.1, 0.6, 0.3], [0.4, 0.4, 0.2], [0.7, 0.2, 0.1]], dtype=torch.float64)
    y = fast_sampler.gumbel_softmax_strings(P, Q, fast_sampler.gumbel_noise((20000, 2, 3), generator), 0.01)
    words = y.argmax(dim=2)
    observed = torch.bincount(words[:, 0] * 3 + words[:, 1], minlength=9).numpy()
    expected = (P[:, None] * Q).reshape(-1).numpy() * 20000
    assert stats.chisquare(observed, expected).pvalue > 1e-3


@given(seed=seeds)
def test_directional_derivatives_table(seed):
    P, Q, direction_P, direction_Q, loss, eps, gumbel = problem(seed, strings=256)
    eps = off_boundaries(eps, P, Q)
    estimates = discrete.directional_derivatives(P, Q, direction_P, direction_Q, loss, eps, gumbel[: len(eps)],
                                                      (0.5,), step=STEP)
    assert estimates["autograd through the sampler"] is None
    assert estimates["pathwise finite difference"] == 0.0 and estimates["words changed by the step"] == 0
    assert estimates["straight-through"] != 0.0 and estimates["Gumbel-softmax tau=0.5"] != 0.0
    h = 1e-5
    smooth = (discrete.expected_string_loss(P + h * direction_P, Q + h * direction_Q, 3, loss)
              - discrete.expected_string_loss(P - h * direction_P, Q - h * direction_Q, 3, loss)) / (2 * h)
    assert estimates["exact"] == pytest.approx(smooth.item(), rel=1e-6, abs=1e-9)


@given(seed=seeds)
def test_expected_string_loss_matches_the_reference_enumeration(seed):
    P, Q, _, _, loss, _, _ = problem(seed)
    strings = discrete.all_strings(4, 3)
    probabilities = reference_sampler.string_probabilities(P.numpy(), Q.numpy(), strings.numpy())
    values = loss(F.one_hot(strings, 4).double()).numpy()
    assert discrete.expected_string_loss(P, Q, 3, loss).item() == pytest.approx(
        float(np.sum(probabilities * values)), rel=1e-12)


@given(seed=seeds)
def test_quantisation_has_no_gradient_and_straight_through_passes_it_on(seed):
    """Problem 4: z_q = e_{argmin} gives z_e no gradient; the straight-through z_q hands it the upstream one."""
    rng = np.random.default_rng(seed)
    z_e = torch.tensor(rng.normal(size=(6, 3)), requires_grad=True)
    codebook = torch.tensor(rng.normal(size=(4, 3)))
    upstream = torch.tensor(rng.normal(size=(6, 3)))
    plain = codebook[((z_e[:, None] - codebook[None]) ** 2).sum(-1).argmin(dim=1)]
    assert not plain.requires_grad
    z_q, indices = fast_sampler.vector_quantize(z_e, codebook)
    assert torch.equal(z_q.detach(), codebook[indices])
    (grad,) = torch.autograd.grad((upstream * z_q).sum(), [z_e])
    assert torch.equal(grad, upstream)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: fast_sampler.first_word(torch.tensor([0.5, 0.6]), torch.tensor([0.1])), "P"),
        (lambda: fast_sampler.first_word(torch.tensor([1.5, -0.5]), torch.tensor([0.1])), "P"),
        (lambda: fast_sampler.first_word(torch.tensor([1.0]), torch.tensor([float("nan")])), "eps"),
        (lambda: fast_sampler.first_word(torch.tensor([1.0]), torch.tensor([-0.1])), "eps"),
        (lambda: fast_sampler.next_word(torch.eye(2), torch.tensor([2]), torch.tensor([0.5])), "previous"),
        (lambda: fast_sampler.sample_strings(torch.tensor([1.0, 0.0]), torch.eye(3), torch.zeros(1, 2)), "Q"),
        (lambda: fast_sampler.sample_strings(torch.tensor([1.0, 0.0]), torch.eye(2), torch.zeros(2)), "eps"),
        (lambda: fast_sampler.gumbel_softmax(torch.zeros(2), torch.zeros(2), -1.0), "temperature"),
        (lambda: fast_sampler.vector_quantize(torch.zeros(2, 2), torch.zeros(3, 1)), "codebook"),
        (lambda: discrete.all_strings(0, 2), "vocabulary"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.gpu
@given(bigram=bigrams_with_zeros(), seed=seeds)
def test_cuda_gives_the_same_words_and_never_a_zero_probability_word(bigram, seed):
    """On boundary noise no zero-probability word (a parallel scan may round a boundary differently from the
    sequential one, so equality is asked on uniform noise only)."""
    P, Q = bigram
    rng = np.random.default_rng(seed)
    on_device = torch.tensor(P, device="cuda"), torch.tensor(Q, device="cuda")
    eps = boundary_noise(rng, P, Q, (200, 5))
    words = fast_sampler.sample_strings(*on_device, torch.tensor(eps, device="cuda")).cpu().numpy()
    assert np.all(P[words[:, 0]] > 0) and np.all(Q[words[:, :-1], words[:, 1:]] > 0)
    eps = rng.uniform(size=(200, 5))
    words = fast_sampler.sample_strings(*on_device, torch.tensor(eps, device="cuda")).cpu().numpy()
    assert np.array_equal(words, reference_sampler.sample_strings(P, Q, eps))


@given(seeds)
def test_straight_through_strings_have_the_value_of_the_reference_one_hot_samples(seed):
    rng = np.random.default_rng(seed)
    P, Q = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3), size=3)
    eps = rng.random((5, 4))
    got = fast_sampler.straight_through_strings(torch.as_tensor(P), torch.as_tensor(Q), torch.as_tensor(eps))
    np.testing.assert_array_equal(got.detach().numpy(), reference_sampler.straight_through_strings(P, Q, eps))
