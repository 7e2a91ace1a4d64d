"""reference.ring against closed forms: the problem's values (signs corrected), the eigenvalues of the transfer
matrix, the definition of a conditional as a ratio of joint probabilities, finite differences, exact sampling."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from elbocheck.reference import ring
from tests.strategies import seeds

couplings = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


def transfer_eigen_log_partition(J: float, h: float, N: int) -> float:
    """ln sum_i lambda_i^N for the symmetric T[a, b] = exp(J a b + h (a + b) / 2): an independent closed form."""
    values = np.array([-1.0, 0.0, 1.0])
    T = np.exp(J * np.outer(values, values) + h * (values[:, None] + values[None, :]) / 2)
    eigenvalues = np.linalg.eigvalsh(T)
    return math.log(sum(value**N for value in eigenvalues))


@pytest.mark.parametrize("N", range(2, 9))
def test_constant_zero_labelling_has_neg_log_pseudo_likelihood_N_ln_3(N):
    """-ln P~(0) = N ln 3 for N >= 2, so ln P~(0) = -N ln 3 ~ -1.1 N: the document's '+1.1 N' is a sign slip (004-1a)."""
    value = ring.neg_log_pseudo_likelihood(np.zeros(N, dtype=int))
    assert value == pytest.approx(N * math.log(3.0), rel=1e-13)
    assert -value < 0


@pytest.mark.parametrize("N", range(2, 9))
def test_constant_one_labelling_has_neg_log_pseudo_likelihood_N_ln_1_plus_e2_e4(N):
    """-ln P~(1) = N ln(1 + e^-2 + e^-4) ~ +0.143 N for N >= 2; the printed N ln(1/(1+e^-2+e^-4)) is its negative (004-1b)."""
    value = ring.neg_log_pseudo_likelihood(np.ones(N, dtype=int))
    assert value == pytest.approx(N * math.log(1 + math.exp(-2) + math.exp(-4)), rel=1e-13)
    assert N * math.log(1 / (1 + math.exp(-2) + math.exp(-4))) == pytest.approx(-value, rel=1e-13)
    assert value == pytest.approx(0.1429316 * N, rel=1e-6)


def test_the_one_node_ring_is_the_exception():
    """For N = 1 the only edge is Y[0]Y[0]: P_0(v) = e^{v^2} / (1 + 2e), not 1/3 or 1/(1 + e^-2 + e^-4)."""
    zero, one = ring.neg_log_pseudo_likelihood(np.array([[0], [1]]))
    assert zero == pytest.approx(math.log(1 + 2 * math.e), rel=1e-14)
    assert one == pytest.approx(math.log(2 + math.exp(-1)), rel=1e-14)
    assert abs(zero - math.log(3.0)) > 0.7 and abs(one - math.log(1 + math.exp(-2) + math.exp(-4))) > 0.7


def test_the_problem_score_counts_each_ring_edge_once():
    """s(Y) = sum_{n=0}^{N-2} Y[n]Y[n+1] + Y[N-1]Y[0]: e.g. (1, -1, 0, 1) has edges -1, 0, 0, 1."""
    assert ring.score(np.array([1, -1, 0, 1])) == 0.0
    assert ring.score(np.array([1, 1, 1])) == 3.0
    assert ring.score(np.array([1, -1])) == -2.0
    assert ring.score(np.array([-1])) == 1.0


@given(seed=seeds, N=st.integers(1, 7), J=couplings)
def test_score_equals_the_rolled_dot_product(seed, N, J):
    rng = np.random.default_rng(seed)
    Y = rng.integers(-1, 2, size=(3, N))
    h = rng.uniform(-1, 1, size=N)
    expected = J * np.sum(Y * np.roll(Y, -1, axis=1), axis=1) + Y @ h
    np.testing.assert_allclose(ring.score(Y, J, h), expected, rtol=1e-14, atol=1e-14)


@given(N=st.integers(1, 9), J=couplings, h=st.floats(-1.0, 1.0))
@example(N=1, J=-2.0, h=0.0)
@example(N=2, J=2.0, h=1.0)
def test_log_partition_equals_the_transfer_matrix_eigenvalue_form(N, J, h):
    """Z = trace(T^N) = sum_i lambda_i^N (an independent check of the enumeration)."""
    assert ring.log_partition_uniform(J, h, N) == pytest.approx(transfer_eigen_log_partition(J, h, N), rel=1e-12)


def test_log_partition_at_zero_coupling_and_field_is_N_ln_3():
    for N in range(1, 8):
        assert ring.log_partition(0.0, np.zeros(N)) == pytest.approx(N * math.log(3.0), rel=1e-14)


def test_log_partition_is_batched_over_models():
    J = np.array([0.3, -1.2])
    h = np.array([[0.1, 0.0, -0.4], [0.5, 0.5, 0.5]])
    batch = ring.log_partition(J, h)
    assert batch.shape == (2,)
    assert batch[0] == pytest.approx(ring.log_partition(0.3, h[0]), rel=1e-15)
    assert batch[1] == pytest.approx(transfer_eigen_log_partition(-1.2, 0.5, 3), rel=1e-12)


@given(seed=seeds, N=st.integers(1, 6), J=couplings)
def test_probabilities_sum_to_one(seed, N, J):
    h = np.random.default_rng(seed).uniform(-1, 1, size=N)
    probabilities = np.exp(ring.log_probability(ring._labellings(N), J, h))
    assert probabilities.sum() == pytest.approx(1.0, rel=1e-12)


@given(seed=seeds, N=st.integers(1, 6), J=couplings)
def test_conditionals_are_ratios_of_joint_probabilities(seed, N, J):
    """P_n(v | Y/n) = P(Y[n=v]) / sum_u P(Y[n=u]), from the joint (which carries Z_s)."""
    rng = np.random.default_rng(seed)
    h = rng.uniform(-1, 1, size=N)
    Y = rng.integers(-1, 2, size=N)
    conditionals = ring.conditionals(Y, J, h)
    for n in range(N):
        joint = []
        for value in (-1, 0, 1):
            changed = Y.copy()
            changed[n] = value
            joint.append(math.exp(ring.log_probability(changed, J, h)))
        np.testing.assert_allclose(conditionals[n], np.array(joint) / sum(joint), rtol=1e-12)


def test_pseudo_likelihood_of_the_one_node_ring_is_its_likelihood():
    for J, h, y in itertools.product([-1.5, 0.0, 2.0], [-0.5, 0.3], [-1, 0, 1]):
        Y = np.array([y])
        assert ring.neg_log_pseudo_likelihood(Y, J, h) == pytest.approx(-ring.log_probability(Y, J, h), rel=1e-13)


@given(seed=seeds, N=st.integers(1, 6))
def test_expected_statistics_are_the_gradient_of_log_partition(seed, N):
    """d ln Z / dJ = E[edges], d ln Z / dh_n = E[Y[n]], against central differences."""
    rng = np.random.default_rng(seed)
    J, h = float(rng.uniform(-2, 2)), rng.uniform(-1, 1, size=N)
    edges, nodes = ring.expected_statistics(J, h)
    step = 1e-5
    assert edges == pytest.approx(
        (ring.log_partition(J + step, h) - ring.log_partition(J - step, h)) / (2 * step), rel=1e-6, abs=1e-8
    )
    for n in range(N):
        bump = np.zeros(N)
        bump[n] = step
        derivative = (ring.log_partition(J, h + bump) - ring.log_partition(J, h - bump)) / (2 * step)
        assert nodes[n] == pytest.approx(derivative, rel=1e-6, abs=1e-8)


def test_exact_sampler_matches_the_probabilities():
    """Frequencies of 3^3 labellings in 60 000 draws within 5 standard errors of P_s."""
    J, h = 0.8, np.array([0.2, -0.3, 0.0])
    samples = ring.sample(J, h, 60_000, np.random.default_rng(5))
    index = ((samples + 1) * np.array([9, 3, 1])).sum(axis=1)
    frequencies = np.bincount(index, minlength=27) / len(samples)
    probabilities = np.exp(ring.log_probability(ring._labellings(3), J, h))
    standard_errors = np.sqrt(probabilities * (1 - probabilities) / len(samples))
    assert np.all(np.abs(frequencies - probabilities) < 5 * standard_errors)


def test_fits_solve_their_stationarity_conditions():
    """ML: E_J[edges] = mean edges; PL: the mean -ln P~ is smallest at the estimate (checked at +-1e-4)."""
    rng = np.random.default_rng(11)
    Y = ring.sample(0.7, np.zeros(5), 40, rng)
    J_ml = ring.fit_maximum_likelihood(Y)
    mean_edges = np.mean(np.sum(Y * np.roll(Y, -1, axis=1), axis=1))
    assert ring.expected_statistics(J_ml, np.zeros(5))[0] == pytest.approx(mean_edges, rel=1e-10)
    J_pl = ring.fit_pseudo_likelihood(Y)
    objective = [np.mean(ring.neg_log_pseudo_likelihood(Y, J_pl + delta, 0.0)) for delta in (-1e-4, 0.0, 1e-4)]
    assert objective[1] < objective[0] and objective[1] < objective[2]


def test_fits_of_a_sample_on_the_boundary_return_the_bound():
    """All-aligned samples have the largest possible mean edges: the likelihood grows without end in J."""
    Y = np.ones((4, 5), dtype=int)
    assert ring.fit_maximum_likelihood(Y) == ring.FIT_BOUND
    assert ring.fit_pseudo_likelihood(Y) == ring.FIT_BOUND


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ring.score(np.array([0, 2])), "Y: expected labels"),
        (lambda: ring.score(np.array([0.5, 1.0])), "Y: expected integer labels"),
        (lambda: ring.score(np.zeros((2, 0), dtype=int)), "Y: expected labels of shape"),
        (lambda: ring.score(np.zeros(3, dtype=int), 1.0, np.zeros(4)), "h: expected a scalar or node fields"),
        (lambda: ring.log_partition(1.0, np.zeros(15)), "N: expected an integer in"),
        (lambda: ring.log_partition(1.0, 0.0), "h: expected node fields"),
        (lambda: ring.sample(1.0, np.zeros(3), -1, np.random.default_rng(0)), "num_samples"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_pseudo_likelihood_stays_finite_where_the_conditionals_leave_exps_range():
    """At J = 500 some P_n(Y[n] | Y/n) is below 1e-308; -ln P~ is still finite, checked at 50 digits by mpmath."""
    import mpmath

    Y, J, h = np.array([1, -1, 0]), 500.0, np.array([0.0, 400.0, -400.0])

    def s(labels):
        N = len(labels)
        return J * sum(labels[n] * labels[(n + 1) % N] for n in range(N)) + sum(h[n] * labels[n] for n in range(N))

    with mpmath.workdps(50):
        expected = mpmath.mpf(0)
        for n in range(3):
            scores = []
            for v in (-1, 0, 1):
                changed = Y.copy()
                changed[n] = v
                scores.append(mpmath.mpf(s(changed)))
            expected -= scores[Y[n] + 1] - mpmath.log(sum(mpmath.exp(value) for value in scores))
    value = ring.neg_log_pseudo_likelihood(Y, J, h)
    assert np.isfinite(value) and value == pytest.approx(float(expected), rel=1e-12)
