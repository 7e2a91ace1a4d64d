"""reference.residual against finite differences and closed forms: the hand-written LayerNorm and layer Jacobians,
the corrected chain (36)-(37), the pre-LN sum (38)-(39), and where the formulas as printed differ from the truth."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from elbocheck.reference import residual
from elbocheck.shared.nn import init_mlp
from tests.strategies import seeds

widths = st.integers(min_value=3, max_value=7)
placements = st.sampled_from(residual.PLACEMENTS)
hidden_activations = st.sampled_from(["tanh", "sigmoid", "identity"])


def finite_difference_jacobian(function, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central differences, one column per input coordinate."""
    columns = []
    for j in range(x.shape[0]):
        bump = np.zeros_like(x)
        bump[j] = step
        columns.append((function(x + bump) - function(x - bump)) / (2 * step))
    return np.stack(columns, axis=-1)


def random_stack(seed: int, d: int, depth: int):
    rng = np.random.default_rng(seed)
    return [init_mlp([d, int(rng.integers(2, 6)), d], rng) for _ in range(depth)], rng.normal(size=d)


@given(seed=seeds, d=widths)
def test_layer_norm_has_zero_mean_and_the_eps_shrunk_variance(seed, d):
    x = np.random.default_rng(seed).normal(size=(4, d)) * 3
    y = residual.layer_norm(x)
    variance = x.var(axis=1)
    np.testing.assert_allclose(y.mean(axis=1), 0.0, atol=1e-14)
    np.testing.assert_allclose((y**2).mean(axis=1), variance / (variance + residual.EPS), rtol=1e-12)


@given(seed=seeds, d=widths, scale=st.floats(0.05, 10.0))
def test_layer_norm_jacobian_matches_finite_differences(seed, d, scale):
    x = np.random.default_rng(seed).normal(size=d) * scale
    np.testing.assert_allclose(
        residual.layer_norm_jacobian(x), finite_difference_jacobian(residual.layer_norm, x, 1e-6 * scale),
        rtol=1e-6, atol=1e-7 / scale,
    )


@given(seed=seeds, d=widths)
def test_layer_norm_jacobian_kills_shifts_and_shrinks_scalings_by_eps_over_sigma_cubed(seed, d):
    """LN'(x) 1 = 0 (shift invariance) and LN'(x)(x - mu) = eps / sigma^3 (x - mu) (scale invariance up to eps)."""
    x = np.random.default_rng(seed).normal(size=d)
    jacobian = residual.layer_norm_jacobian(x)
    centred = x - x.mean()
    sigma = np.sqrt(x.var() + residual.EPS)
    np.testing.assert_allclose(jacobian @ np.ones(d), 0.0, atol=1e-13)
    np.testing.assert_allclose(jacobian @ centred, residual.EPS / sigma**3 * centred, atol=1e-13)
    np.testing.assert_allclose(jacobian, jacobian.T, atol=1e-15)


@pytest.mark.parametrize("delta", [1e-3, 0.1, 2.0])
def test_layer_norm_of_two_numbers_has_a_jacobian_of_order_eps(delta):
    """For x = (a + delta, a - delta): LN'(x) = eps / (delta^2 + eps)^1.5 [[1/2, -1/2], [-1/2, 1/2]]."""
    x = np.array([0.7 + delta, 0.7 - delta])
    expected = residual.EPS / (delta**2 + residual.EPS) ** 1.5 * np.array([[0.5, -0.5], [-0.5, 0.5]])
    np.testing.assert_allclose(residual.layer_norm_jacobian(x), expected, rtol=1e-6, atol=1e-14)


@given(seed=seeds, d=widths, hidden=hidden_activations)
def test_mlp_jacobian_matches_finite_differences(seed, d, hidden):
    layers, x = random_stack(seed, d, 1)
    np.testing.assert_allclose(
        residual.mlp_jacobian(layers[0], x, hidden),
        finite_difference_jacobian(lambda v: residual.branch(layers[0], v, hidden), x), rtol=1e-6, atol=1e-8,
    )


@given(seed=seeds, d=widths, placement=placements)
def test_layer_jacobian_matches_finite_differences(seed, d, placement):
    layers, x = random_stack(seed, d, 1)
    np.testing.assert_allclose(
        residual.layer_jacobian(layers[0], x, placement),
        finite_difference_jacobian(lambda v: residual.residual_layer(layers[0], v, placement), x),
        rtol=1e-6, atol=1e-7,
    )


@given(seed=seeds, d=widths, depth=st.integers(1, 5), placement=placements, data=st.data())
def test_corrected_chain_rule_matches_finite_differences_of_the_stack(seed, d, depth, placement, data):
    """dx_L/dx_start = J_{L-1} ... J_start, the product of (36)-(37) stopped at i = L - 1."""
    layers, x0 = random_stack(seed, d, depth)
    start = data.draw(st.integers(0, depth), label="start")
    x_start = residual.forward(layers, x0, placement)[start]
    np.testing.assert_allclose(
        residual.jacobian_product(layers, x0, placement, start),
        finite_difference_jacobian(lambda v: residual.forward(layers[start:], v, placement)[-1], x_start),
        rtol=1e-6, atol=1e-7,
    )


@given(seed=seeds, d=widths, depth=st.integers(1, 5), data=st.data())
def test_pre_ln_stack_is_its_input_plus_the_sum_of_normalised_branches(seed, d, depth, data):
    """(38): x_L = x_l + sum_{i=l}^{L-1} LayerNorm(A(x_i)), exactly."""
    layers, x0 = random_stack(seed, d, depth)
    start = data.draw(st.integers(0, depth), label="start")
    xs = residual.forward(layers, x0, "pre")
    total = xs[start] + sum((residual.layer_norm(residual.branch(layers[i], xs[i])) for i in range(start, depth)),
                            np.zeros(d))
    np.testing.assert_allclose(xs[-1], total, rtol=1e-13, atol=1e-13)


@given(seed=seeds, d=widths, depth=st.integers(1, 6), data=st.data())
def test_pre_ln_sum_39_as_a_total_derivative_equals_the_product(seed, d, depth, data):
    """(39) with each term differentiated through x_i(x_l) is the true Jacobian (claim 003-eq39)."""
    layers, x0 = random_stack(seed, d, depth)
    start = data.draw(st.integers(0, depth), label="start")
    np.testing.assert_allclose(
        residual.jacobian_sum(layers, x0, start), residual.jacobian_product(layers, x0, "pre", start),
        rtol=1e-12, atol=1e-13,
    )


@given(seed=seeds, d=widths, depth=st.integers(1, 6))
def test_each_term_of_39_carries_the_product_of_the_layers_before_it(seed, d, depth):
    """True - (I + sum_i S_i) = sum_i S_i (dx_i/dx_0 - I), with S_i = LN'(A(x_i)) A'(x_i): the part item 19 drops."""
    layers, x0 = random_stack(seed, d, depth)
    xs = residual.forward(layers, x0, "pre")
    cross_terms = np.zeros((d, d))
    for i in range(depth):
        step = residual.layer_norm_jacobian(residual.branch(layers[i], xs[i])) @ residual.mlp_jacobian(layers[i], xs[i])
        cross_terms += step @ (residual.jacobian_product(layers[:i], x0, "pre") - np.eye(d))
    difference = residual.jacobian_product(layers, x0, "pre") - residual.jacobian_sum_direct(layers, x0)
    np.testing.assert_allclose(difference, cross_terms, rtol=1e-10, atol=1e-12)


def test_the_sum_without_its_products_equals_the_truth_for_one_layer_only():
    layers, x0 = random_stack(1, 6, 3)
    for start, equal in ((2, True), (1, False), (0, False)):
        true = residual.jacobian_product(layers, x0, "pre", start)
        direct = residual.jacobian_sum_direct(layers, x0, start)
        assert np.allclose(true, direct, rtol=1e-12, atol=1e-13) == equal


def test_the_dropped_products_matter_more_the_deeper_the_stack():
    """Item 19 holds only in part: on 8 random pre-LN stacks (width 16) the relative gap between the true Jacobian
    and the plain sum I + sum_i S_i grows with depth and passes 50% by depth 12, where the true norm is more than
    twice the plain sum's (the growth is carried by the products)."""
    depths = (2, 4, 8, 12)
    gaps, ratios = {depth: [] for depth in depths}, []
    for seed in range(8):
        layers, x0 = random_stack(seed, 16, 12)
        for depth in depths:
            true = residual.jacobian_product(layers[:depth], x0, "pre")
            direct = residual.jacobian_sum_direct(layers[:depth], x0)
            gaps[depth].append(np.linalg.norm(true - direct, 2) / np.linalg.norm(true, 2))
        ratios.append(np.linalg.norm(true, 2) / np.linalg.norm(direct, 2))
    medians = [np.median(gaps[depth]) for depth in depths]
    assert all(later > earlier for earlier, later in zip(medians, medians[1:]))
    assert medians[-1] > 0.5
    assert np.median(ratios) > 2


def test_matrix_order_matters_in_the_product():
    """J_l ... J_{L-1} (the factors in the order i runs) is not dx_L/dx_l."""
    layers, x0 = random_stack(3, 5, 3)
    xs = residual.forward(layers, x0, "post")
    factors = [residual.layer_jacobian(layers[i], xs[i], "post") for i in range(3)]
    wrong_order = factors[0] @ factors[1] @ factors[2]
    assert not np.allclose(wrong_order, residual.jacobian_product(layers, x0, "post"), rtol=1e-3)
    np.testing.assert_allclose(factors[2] @ factors[1] @ factors[0], residual.jacobian_product(layers, x0, "post"),
                               rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("depth, start", [(1, 0), (3, 0), (4, 2)])
def test_eq37_as_printed_differs_and_its_correction_is_the_jacobian(depth, start):
    """(37) runs to i = L (one factor too many) and writes A(x) for A(x_i) (claim 003-eq37); with last = L - 1 and
    A(x_i) it is dx_L/dx_start of the weight-tied post-LN stack."""
    layers, x0 = random_stack(7, 5, 1)
    params = layers[0]
    true = residual.jacobian_product([params] * depth, x0, "post", start)
    corrected = residual.jacobian_eq37_as_printed(params, x0, depth, start, last=depth - 1, branch_input="own")
    np.testing.assert_allclose(corrected, true, rtol=1e-13, atol=1e-14)
    as_printed = residual.jacobian_eq37_as_printed(params, x0, depth, start)
    extra_factor_only = residual.jacobian_eq37_as_printed(params, x0, depth, start, last=depth, branch_input="own")
    assert not np.allclose(as_printed, true, rtol=1e-3)
    assert not np.allclose(extra_factor_only, true, rtol=1e-3)
    unbound_x_only = residual.jacobian_eq37_as_printed(params, x0, depth, start, last=depth - 1)
    assert np.allclose(unbound_x_only, true, rtol=1e-12, atol=1e-13) == (depth - start == 1)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: residual.residual_layer([], np.zeros(3), "middle"), "placement: expected one of"),
        (lambda: residual.layer_norm_jacobian(np.zeros((2, 3))), "x: expected a vector"),
        (lambda: residual.jacobian_product(random_stack(0, 3, 2)[0], np.zeros(3), "pre", 3), "start: expected"),
        (lambda: residual.jacobian_sum(random_stack(0, 3, 2)[0], np.zeros(1)), "x0: expected a vector"),
        (lambda: residual.jacobian_eq37_as_printed(random_stack(0, 3, 1)[0][0], np.ones(3), 2, branch_input="x"),
         "branch_input"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
