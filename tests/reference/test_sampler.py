"""reference.sampler, the inverse-CDF generator of seed 004 Problem 2 and the estimators of Problem 4, against exact
rational frequencies, brute force, chi-square tests at fixed seeds and finite differences."""

from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from elbocheck.reference import sampler
from tests.strategies import distributions_with_zeros, seeds

counts_lists = st.lists(st.integers(0, 6), min_size=1, max_size=6).filter(lambda counts: sum(counts) > 0)


def dyadic_grid(bits: int) -> np.ndarray:
    """k / 2^bits for k = 0..2^bits - 1: exact floats, every boundary of a dyadic P among them."""
    return np.arange(2**bits) / 2**bits


def midpoint_grid(denominator: int) -> np.ndarray:
    """(2k + 1) / (2N) for k = 0..N-1: one point inside each cell of width 1/N, 1/(2N) from its edges."""
    return (2 * np.arange(denominator) + 1) / (2 * denominator)


def frequencies(words, size: int) -> list[Fraction]:
    counts = Counter(int(w) for w in words)
    return [Fraction(counts[i], len(words)) for i in range(size)]


@example(counts=[0, 3, 0, 5])
@example(counts=[2, 0])
@given(counts=st.lists(st.integers(0, 8), min_size=1, max_size=7).filter(lambda c: sum(c) > 0))
def test_dyadic_grid_with_eps_on_every_boundary_gives_exactly_P(counts):
    """P = counts / 2^m and eps = k / 2^m: every boundary is a grid point, and frequencies equal P exactly."""
    bits = int(np.ceil(np.log2(sum(counts)))) + 1
    padded = list(counts) + [2**bits - sum(counts)]
    P = np.array(padded, dtype=np.float64) / 2**bits
    words = sampler.first_word(P, dyadic_grid(bits))
    assert frequencies(words, len(padded)) == [Fraction(c, 2**bits) for c in padded]


@example(counts=[1, 0, 2])
@given(counts=counts_lists)
def test_midpoint_grid_gives_exactly_P_for_any_denominator(counts):
    denominator = sum(counts)
    P = np.array(counts, dtype=np.float64) / denominator
    words = sampler.first_word(P, midpoint_grid(denominator))
    assert frequencies(words, len(counts)) == [Fraction(c, denominator) for c in counts]


@given(rows=st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3).filter(lambda r: sum(r) > 0),
                     min_size=3, max_size=3),
       first=st.lists(st.integers(0, 4), min_size=3, max_size=3).filter(lambda r: sum(r) > 0))
def test_grid_over_eps1_eps2_gives_exactly_P_times_Q(first, rows):
    """Over the product grid of (eps_1, eps_2), the frequency of (w_1, w_2) is P[w_1] Q[w_1, w_2] exactly."""
    denominators = [sum(first)] + [sum(row) for row in rows]
    N = int(np.lcm.reduce(denominators))
    P = np.array(first, dtype=np.float64) / sum(first)
    Q = np.array([np.array(row, dtype=np.float64) / sum(row) for row in rows])
    grid = midpoint_grid(N)
    eps = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)
    strings = sampler.sample_strings(P, Q, eps)
    counts = Counter(map(tuple, strings.tolist()))
    for i in range(3):
        for j in range(3):
            exact = Fraction(first[i], sum(first)) * Fraction(rows[i][j], sum(rows[i]))
            assert Fraction(counts[(i, j)], len(eps)) == exact


def test_reusing_eps_1_for_the_second_word_as_printed_breaks_the_joint():
    """Problem 2(b) as printed feeds eps_t to the step returning w_{t+1}: w_2 from the same eps_1 as w_1.

    Over a grid of eps_1 the pair (w_1, w_2) then has the wrong joint: with P = Q rows = (1/2, 1/2), w_1 = 0 means
    eps_1 < 1/2, so w_2 = 0 always, where P[0] Q[0, 0] = 1/4 is required.
    """
    P = np.array([0.5, 0.5])
    Q = np.array([[0.5, 0.5], [0.5, 0.5]])
    eps_1 = midpoint_grid(16)
    first = sampler.first_word(P, eps_1)
    as_printed = sampler.next_word(Q, first, eps_1)
    assert Fraction(int(np.sum((first == 0) & (as_printed == 0))), 16) == Fraction(1, 2)
    strings = sampler.sample_strings(P, Q, np.stack(np.meshgrid(eps_1, eps_1, indexing="ij"), -1).reshape(-1, 2))
    assert Fraction(int(np.sum((strings[:, 0] == 0) & (strings[:, 1] == 0))), len(strings)) == Fraction(1, 4)


@given(P=st.integers(1, 7).flatmap(distributions_with_zeros),
       extra=hnp.arrays(np.float64, 20, elements=st.floats(0, 1)))
def test_a_word_of_probability_zero_is_never_drawn(P, extra):
    """Not at eps = 0, not at eps = 1, not at eps exactly on a boundary, not anywhere else."""
    eps = np.concatenate([[0.0, 1.0, np.nextafter(1.0, 0.0)], np.clip(np.cumsum(P), 0.0, 1.0), extra])
    words = sampler.first_word(P, eps)
    assert np.all(P[words] > 0)


def test_eps_one_gives_the_last_word_of_positive_probability():
    P = np.array([0.25, 0.75, 0.0, 0.0])
    assert sampler.first_word(P, np.array([1.0, 0.25, 0.0])).tolist() == [1, 1, 0]
    Q = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert sampler.next_word(Q, np.array([0, 1, 1]), np.array([1.0, 1.0, 0.0])).tolist() == [1, 0, 0]


def test_eps_beyond_a_sum_rounded_below_one_stays_on_a_positive_word():
    P = np.array([0.1] * 10)
    assert np.cumsum(P)[-1] < 1.0
    assert sampler.first_word(P, np.array([np.nextafter(1.0, 0.0), 1.0])).tolist() == [9, 9]


@pytest.mark.parametrize("seed", [0, 1])
def test_chi_square_of_first_words_and_transitions_at_a_fixed_seed(seed):
    """Under a correct sampler the p-values are uniform on [0, 1]; at these fixed seeds each exceeds 1e-3."""
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(5))
    Q = rng.dirichlet(np.ones(5), size=5)
    strings = sampler.sample_strings(P, Q, rng.uniform(size=(4000, 3)))
    observed = np.bincount(strings[:, 0], minlength=5)
    assert stats.chisquare(observed, P * len(strings)).pvalue > 1e-3
    for i in range(5):
        following = strings[:, 1:][strings[:, :-1] == i]
        observed = np.bincount(following, minlength=5)
        assert stats.chisquare(observed, Q[i] * len(following)).pvalue > 1e-3


@given(seed=seeds, vocabulary=st.integers(1, 4), length=st.integers(1, 3))
def test_string_probabilities_sum_to_one_over_all_strings(seed, vocabulary, length):
    rng = np.random.default_rng(seed)
    P, Q = rng.dirichlet(np.ones(vocabulary)), rng.dirichlet(np.ones(vocabulary), size=vocabulary)
    strings = np.array(np.meshgrid(*[np.arange(vocabulary)] * length, indexing="ij")).reshape(length, -1).T
    assert sampler.string_probabilities(P, Q, strings).sum() == pytest.approx(1.0, abs=1e-12)


@example(seed=536870912)
@given(seed=seeds)
def test_straight_through_gradient_is_the_gradient_of_the_soft_surrogate(seed):
    """With the words held fixed, d/dP and d/dQ of sum upstream * p (p_1 = P, p_{t+1} = Q[w_t]), by differences."""
    rng = np.random.default_rng(seed)
    P, Q = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(3), size=3)
    eps, upstream = rng.uniform(size=(6, 4)), rng.normal(size=(6, 4, 3))
    words = sampler.sample_strings(P, Q, eps)

    def surrogate(P, Q):
        soft = np.concatenate([np.broadcast_to(P, (6, 1, 3)), Q[words[:, :-1]]], axis=1)
        return np.sum(upstream * soft)

    grad_P, grad_Q = sampler.straight_through_gradient(P, Q, eps, upstream)
    h = 1e-6
    for k in range(3):
        step = np.eye(3)[k] * h
        assert grad_P[k] == pytest.approx((surrogate(P + step, Q) - surrogate(P - step, Q)) / (2 * h), rel=1e-7,
                                           abs=1e-8)
        for j in range(3):
            step_Q = np.zeros((3, 3))
            step_Q[k, j] = h
            expected = (surrogate(P, Q + step_Q) - surrogate(P, Q - step_Q)) / (2 * h)
            assert grad_Q[k, j] == pytest.approx(expected, rel=1e-7, abs=1e-8)


def test_gumbel_max_draws_follow_softmax_and_the_relaxation_nears_one_hot():
    """argmax(logits + g) ~ softmax(logits) (chi-square at a fixed seed); at tau = 0.01 y is within 1e-3 of it."""
    rng = np.random.default_rng(3)
    logits = np.array([1.0, -0.5, 0.3, 0.0])
    gumbel = sampler.gumbel_noise((20000, 4), rng)
    y = sampler.gumbel_softmax(np.broadcast_to(logits, (20000, 4)), gumbel, 0.01)
    winners = np.argmax(logits + gumbel, axis=1)
    softmax = np.exp(logits) / np.exp(logits).sum()
    assert stats.chisquare(np.bincount(winners, minlength=4), softmax * 20000).pvalue > 1e-3
    assert np.allclose(y.sum(axis=1), 1.0, atol=1e-12)
    assert np.median(np.abs(y - np.eye(4)[winners]).sum(axis=1)) < 1e-3


def test_gumbel_softmax_gives_zero_to_words_of_probability_zero():
    P = np.array([0.5, 0.0, 0.5])
    Q = np.array([[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0.0]])
    y = sampler.gumbel_softmax_strings(P, Q, np.random.default_rng(0).gumbel(size=(5, 1, 3)), 0.5)
    assert np.all(y[:, 0, 1] == 0.0)


@given(seed=seeds, codes=st.integers(1, 6), dim=st.integers(1, 4))
def test_vector_quantize_is_the_nearest_code(seed, codes, dim):
    rng = np.random.default_rng(seed)
    z_e, codebook = rng.normal(size=(7, dim)), rng.normal(size=(codes, dim))
    z_q, indices = sampler.vector_quantize(z_e, codebook)
    distances = np.linalg.norm(z_e[:, None] - codebook[None], axis=-1)
    assert np.array_equal(indices, np.argmin(distances, axis=1))
    assert np.array_equal(z_q, codebook[indices])


@given(seed=seeds, beta=st.floats(0.0, 2.0))
def test_vq_gradients_are_upstream_plus_the_true_gradients_of_the_losses(seed, beta):
    """Straight-through: dL/dz_e = upstream + beta d(commitment)/dz_e; dL/de = d(codebook loss)/de, by differences
    (the assignments do not change under a step of 1e-6 away from ties)."""
    rng = np.random.default_rng(seed)
    z_e, codebook, upstream = rng.normal(size=(5, 2)), rng.normal(size=(3, 2)), rng.normal(size=(5, 2))
    grad_z, grad_codebook = sampler.vq_gradients(z_e, codebook, upstream, beta)
    h = 1e-6

    def loss(z, e):
        return sampler.vq_losses(z, e)[0]

    for index in np.ndindex(z_e.shape):
        step = np.zeros_like(z_e)
        step[index] = h
        commitment = (loss(z_e + step, codebook) - loss(z_e - step, codebook)) / (2 * h)
        assert grad_z[index] == pytest.approx(upstream[index] + beta * commitment, rel=1e-6, abs=1e-8)
    for index in np.ndindex(codebook.shape):
        step = np.zeros_like(codebook)
        step[index] = h
        expected = (loss(z_e, codebook + step) - loss(z_e, codebook - step)) / (2 * h)
        assert grad_codebook[index] == pytest.approx(expected, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: sampler.first_word(np.array([0.5, 0.6]), np.array([0.1])), "P"),
        (lambda: sampler.first_word(np.array([1.5, -0.5]), np.array([0.1])), "P"),
        (lambda: sampler.first_word(np.array([]), np.array([0.1])), "P"),
        (lambda: sampler.first_word(np.array([1.0]), np.array([1.5])), "eps"),
        (lambda: sampler.first_word(np.array([1.0]), np.array([np.nan])), "eps"),
        (lambda: sampler.first_word(np.array([1.0]), np.zeros((2, 2))), "eps"),
        (lambda: sampler.next_word(np.eye(2), np.array([2]), np.array([0.5])), "previous"),
        (lambda: sampler.sample_strings(np.array([1.0, 0.0]), np.eye(3), np.zeros((1, 2))), "Q"),
        (lambda: sampler.sample_strings(np.array([1.0, 0.0]), np.eye(2), np.zeros(2)), "eps"),
        (lambda: sampler.gumbel_softmax(np.zeros(2), np.zeros(2), 0.0), "temperature"),
        (lambda: sampler.vector_quantize(np.zeros((2, 2)), np.zeros((3, 1))), "codebook"),
        (lambda: sampler.vq_gradients(np.zeros((2, 2)), np.zeros((3, 2)), np.zeros((2, 2)), -1.0), "beta"),
    ],
)
def test_bad_inputs_raise_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
