"""fast.ring against the enumeration of reference.ring, a higher-precision oracle (mpmath) for long rings with large
couplings, exact sampling frequencies, and the consistency of both estimators of J."""

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st

from elbocheck.fast import ring as fast
from elbocheck.models import ring_run
from elbocheck.reference import ring as reference
from tests.strategies import seeds


def as_tensor(array) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array), dtype=torch.float64)


def mpmath_log_partition(J: float, h: float, N: int) -> float:
    """ln trace(T^N) in 60-digit arithmetic, T[a, b] = exp(J a b + h (a + b) / 2)."""
    with mpmath.workdps(60):
        values = [-1, 0, 1]
        T = mpmath.matrix([[mpmath.exp(J * a * b + h * (a + b) / mpmath.mpf(2)) for b in values] for a in values])
        power = T**N
        return float(mpmath.log(sum(power[i, i] for i in range(3))))


@given(seed=seeds, N=st.integers(1, 10))
@example(seed=0, N=10)
def test_log_partition_matches_enumeration_for_every_enumerable_N(seed, N):
    rng = np.random.default_rng(seed)
    J, h = rng.uniform(-2, 2, size=2), rng.uniform(-1, 1, size=(2, N))
    expected = reference.log_partition(J, h)
    np.testing.assert_allclose(fast.log_partition(as_tensor(J), as_tensor(h)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(
        fast.log_partition_uniform(as_tensor(J), as_tensor(h[:, 0]), N).numpy(),
        reference.log_partition_uniform(J, h[:, 0], N),
        rtol=1e-12,
    )


@pytest.mark.parametrize(
    "J, h, N", [(50.0, 0.0, 5000), (-50.0, 0.0, 5000), (-50.0, 0.0, 4999), (300.0, 0.3, 2048), (0.01, -2.0, 3001)]
)
def test_log_partition_is_stable_for_long_rings_and_large_couplings(J, h, N):
    """Z = e^{~N |J|} overflows any float; in log space the value matches a 60-digit oracle."""
    expected = mpmath_log_partition(J, h, N)
    assert float(fast.log_partition_uniform(J, h, N)) == pytest.approx(expected, rel=1e-13)
    per_node = fast.log_partition(J, torch.full((N,), h, dtype=torch.float64))
    assert float(per_node) == pytest.approx(expected, rel=1e-12)


def test_log_partition_is_stable_in_float32():
    expected = mpmath_log_partition(20.0, 0.1, 2000)
    value = fast.log_partition_uniform(torch.tensor(20.0), torch.tensor(0.1), 2000)
    assert value.dtype == torch.float32 and math.isfinite(float(value))
    assert float(value) == pytest.approx(expected, rel=1e-5)


def test_batched_log_partition_equals_one_model_at_a_time():
    rng = np.random.default_rng(3)
    J, h = as_tensor(rng.uniform(-3, 3, size=64)), as_tensor(rng.uniform(-1, 1, size=64))
    batch = fast.log_partition_uniform(J, h, 777)
    singles = torch.stack([fast.log_partition_uniform(J[i], h[i], 777) for i in range(64)])
    torch.testing.assert_close(batch, singles, rtol=1e-14, atol=0)


@pytest.mark.parametrize("N", [2, 3, 4, 17, 100, 5000])
def test_the_problems_values_hold_for_every_N_from_two(N):
    """-ln P~(0) = N ln 3 and -ln P~(1) = N ln(1 + e^-2 + e^-4), seed 004 Problem 1 (signs corrected)."""
    labellings = torch.stack([torch.zeros(N, dtype=torch.int64), torch.ones(N, dtype=torch.int64)])
    zero, one = fast.neg_log_pseudo_likelihood(labellings, 1.0).tolist()
    assert zero == pytest.approx(N * math.log(3.0), rel=1e-12)
    assert one == pytest.approx(N * math.log(1 + math.exp(-2) + math.exp(-4)), rel=1e-12)


def test_the_one_node_ring_is_the_exception():
    zero, one = fast.neg_log_pseudo_likelihood(torch.tensor([[0], [1]]), 1.0).tolist()
    assert zero == pytest.approx(math.log(1 + 2 * math.e), rel=1e-14)
    assert one == pytest.approx(math.log(2 + math.exp(-1)), rel=1e-14)


@given(seed=seeds, N=st.integers(1, 7))
def test_pseudo_likelihood_and_conditionals_match_the_reference(seed, N):
    rng = np.random.default_rng(seed)
    Y = rng.integers(-1, 2, size=(3, N))
    J, h = float(rng.uniform(-2, 2)), rng.uniform(-1, 1, size=N)
    np.testing.assert_allclose(
        fast.neg_log_pseudo_likelihood(torch.as_tensor(Y), J, as_tensor(h)).numpy(),
        reference.neg_log_pseudo_likelihood(Y, J, h), rtol=1e-12,
    )
    np.testing.assert_allclose(
        fast.conditionals(torch.as_tensor(Y), J, as_tensor(h)).numpy(), reference.conditionals(Y, J, h), rtol=1e-12,
        atol=1e-15,
    )


@given(seed=seeds, N=st.integers(1, 7))
def test_autograd_gradients_are_the_enumerated_expectations(seed, N):
    rng = np.random.default_rng(seed)
    J, h = rng.uniform(-2, 2, size=2), rng.uniform(-1, 1, size=(2, N))
    edges, nodes = fast.expected_statistics(as_tensor(J), as_tensor(h))
    expected_edges, expected_nodes = reference.expected_statistics(J, h)
    np.testing.assert_allclose(edges.numpy(), expected_edges, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(nodes.numpy(), expected_nodes, rtol=1e-11, atol=1e-12)


def test_gradient_stays_finite_and_right_for_a_long_ring():
    """d ln Z / dJ = E[edges] -> N as J grows; at J = 40, N = 3000 it is N up to e^-80-small terms."""
    J = torch.tensor(40.0, dtype=torch.float64, requires_grad=True)
    (gradient,) = torch.autograd.grad(fast.log_partition_uniform(J, 0.0, 3000), J)
    assert float(gradient) == pytest.approx(3000.0, rel=1e-10)


def frequencies(samples: np.ndarray) -> np.ndarray:
    N = samples.shape[1]
    index = ((samples + 1) * 3 ** np.arange(N)[::-1]).sum(axis=1)
    return np.bincount(index, minlength=3**N) / len(samples)


@pytest.mark.parametrize("N, J, h", [(1, 0.9, [0.4]), (2, -1.1, [0.3, 0.0]), (4, 0.7, [0.3, -0.2, 0.0, 0.5])])
def test_forward_filtering_backward_sampling_draws_exactly(N, J, h):
    """Every labelling's frequency in 100 000 draws is within 5 standard errors of its probability."""
    fields = torch.tensor(h, dtype=torch.float64)
    samples = fast.sample(J, fields, 100_000, torch.Generator().manual_seed(N)).numpy()
    probabilities = np.exp(reference.log_probability(reference._labellings(N), J, np.array(h)))
    standard_errors = np.sqrt(probabilities * (1 - probabilities) / len(samples))
    assert np.all(np.abs(frequencies(samples) - probabilities) < 5 * standard_errors + 1e-12)


def test_sampling_a_long_ring_reproduces_the_edge_correlation():
    """Mean Y[n]Y[n+1] over 2000 draws of a 300-node ring within 5 standard errors of E[edges] / N."""
    N, J = 300, 0.8
    samples = fast.sample(J, torch.zeros(N, dtype=torch.float64), 2000, torch.Generator().manual_seed(1))
    products = (samples * torch.roll(samples, -1, dims=1)).double()  # (S, N)
    per_sample = products.mean(dim=1)
    expected = float(fast.expected_statistics(J, torch.zeros(N, dtype=torch.float64))[0]) / N
    assert abs(float(per_sample.mean()) - expected) < 5 * float(per_sample.std()) / math.sqrt(2000)


def test_sampling_depends_only_on_the_generator():
    fields = torch.zeros(6, dtype=torch.float64)
    first = fast.sample(1.0, fields, 50, torch.Generator().manual_seed(7))
    second = fast.sample(1.0, fields, 50, torch.Generator().manual_seed(7))
    assert torch.equal(first, second) and set(first.unique().tolist()) <= {-1, 0, 1}


@pytest.mark.parametrize("N, h", [(1, 0.2), (2, -0.3), (5, 0.0)])
def test_fits_match_the_reference_estimates(N, h):
    samples = fast.sample(0.9, torch.full((N,), h, dtype=torch.float64), 30, torch.Generator().manual_seed(N))
    assert float(fast.fit_maximum_likelihood(samples, h)) == pytest.approx(
        reference.fit_maximum_likelihood(samples.numpy(), h), rel=1e-9, abs=1e-12
    )
    assert float(fast.fit_pseudo_likelihood(samples, h)) == pytest.approx(
        reference.fit_pseudo_likelihood(samples.numpy(), h), rel=1e-9, abs=1e-12
    )


def test_pseudo_likelihood_objective_from_counts_equals_the_direct_sum():
    """The (neighbour sum, label) counts carry all the data the pseudo-likelihood needs."""
    samples = fast.sample(0.5, torch.zeros(7, dtype=torch.float64), 40, torch.Generator().manual_seed(2))
    counts = fast._neighbour_label_counts(samples)
    assert counts.shape == (5, 3) and float(counts.sum()) == pytest.approx(7.0, rel=1e-15)
    for J in (-0.7, 0.3, 1.9):
        local = J * torch.arange(-2, 3, dtype=torch.float64)[:, None] * torch.tensor([-1.0, 0.0, 1.0])
        from_counts = -(counts * torch.log_softmax(local, dim=-1)).sum()
        direct = fast.neg_log_pseudo_likelihood(samples, J).mean()
        assert float(from_counts) == pytest.approx(float(direct), rel=1e-13)


def test_both_estimators_recover_J_and_maximum_likelihood_attains_the_cramer_rao_bound():
    """On 40 sets each of 2000 exact samples of a 12-node ring with J = 1: both means within 0.01 of J, the ML spread
    within 35% of 1/sqrt(S I(J)) (the sd of a 40-set sd is ~11%), and neither spread shrinking below it."""
    N, J, S, R = 12, 1.0, 2000, 40
    samples = fast.sample(J, torch.zeros(N, dtype=torch.float64), R * S, torch.Generator().manual_seed(0))
    samples = samples.reshape(R, S, N)
    bound = 1.0 / math.sqrt(S * float(ring_run.fisher_information(J, 0.0, N)))
    ml, pl = fast.fit_maximum_likelihood(samples), fast.fit_pseudo_likelihood(samples)
    assert abs(float(ml.mean()) - J) < 0.01 and abs(float(pl.mean()) - J) < 0.01
    assert 0.65 * bound < float(ml.std()) < 1.35 * bound
    assert float(pl.std()) > 0.65 * bound


def test_estimation_error_shrinks_with_the_sample():
    N, J, R = 10, 0.6, 30
    generator = torch.Generator().manual_seed(4)
    errors = {}
    for S in (20, 2000):
        samples = fast.sample(J, torch.zeros(N, dtype=torch.float64), R * S, generator).reshape(R, S, N)
        errors[S] = [float(((fit(samples) - J) ** 2).mean().sqrt())
                     for fit in (fast.fit_maximum_likelihood, fast.fit_pseudo_likelihood)]
    assert errors[2000][0] < errors[20][0] / 4 and errors[2000][1] < errors[20][1] / 4


def test_fisher_information_is_the_variance_of_the_edge_sum():
    edges_sq = []
    N, J = 5, 0.4
    Y = reference._labellings(N)
    probabilities = np.exp(reference.log_probability(Y, J, np.zeros(N)))
    edge_sums = np.sum(Y * np.roll(Y, -1, axis=1), axis=1)
    edges_sq = probabilities @ edge_sums**2 - (probabilities @ edge_sums) ** 2
    assert float(ring_run.fisher_information(J, 0.0, N)) == pytest.approx(edges_sq, rel=1e-11)


def test_fits_of_aligned_samples_stop_at_the_bound():
    samples = torch.ones(3, 8, 6, dtype=torch.int64)
    assert torch.all(fast.fit_maximum_likelihood(samples) == fast.FIT_BOUND)
    assert torch.all(fast.fit_pseudo_likelihood(samples) == fast.FIT_BOUND)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: fast.score(torch.tensor([0, 2])), "Y: expected labels in"),
        (lambda: fast.log_partition(1.0, torch.zeros(())), "h: expected node fields"),
        (lambda: fast.log_partition_uniform(1.0, 0.0, 0), "N: expected an integer >= 1"),
        (lambda: fast.sample(1.0, torch.zeros(2, 3), 5), "h: expected node fields of shape"),
        (lambda: fast.fit_maximum_likelihood(torch.zeros(5, dtype=torch.int64)), "Y: expected samples of shape"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.gpu
def test_cuda_matches_cpu():
    J, h = torch.linspace(-3, 3, 1000, dtype=torch.float64), torch.linspace(-1, 1, 1000, dtype=torch.float64)
    on_cpu = fast.log_partition_uniform(J, h, 4096)
    on_gpu = fast.log_partition_uniform(J.cuda(), h.cuda(), 4096).cpu()
    torch.testing.assert_close(on_gpu, on_cpu, rtol=1e-12, atol=0)
    samples = fast.sample(1.0, torch.zeros(16, dtype=torch.float64, device="cuda"), 100,
                          torch.Generator().manual_seed(0))
    assert samples.device.type == "cuda"


def test_samples_that_say_nothing_about_J_give_nan():
    """All-zero labellings make every pseudo-likelihood conditional uniform whatever J is."""
    samples = torch.zeros(4, 5, dtype=torch.int64)
    assert math.isnan(float(fast.fit_pseudo_likelihood(samples)))
    assert math.isnan(reference.fit_pseudo_likelihood(samples.numpy()))
    assert float(fast.fit_maximum_likelihood(samples)) == pytest.approx(
        reference.fit_maximum_likelihood(samples.numpy()), rel=1e-9
    )
