"""Reference/fast pairs of the residual LayerNorm stacks of seed 003 (36)-(39): hand-written Jacobians against
torch.func.jacrev."""

from __future__ import annotations

import numpy as np

import elbocheck.fast.residual
import elbocheck.reference.residual
from elbocheck import fast, reference
from elbocheck.pairs.core import Pair, Sample
from elbocheck.shared.nn import init_mlp

HIDDEN = ("tanh", "sigmoid")


def _stack(rng: np.random.Generator, d: int, depth: int):
    """`depth` random MLP branches d -> k -> d (k in 1..6), an input x0 ~ N(0, 1)^d and a hidden activation."""
    layers = [init_mlp([d, int(rng.integers(1, 7)), d], rng) for _ in range(depth)]
    return layers, rng.normal(size=d), str(rng.choice(HIDDEN))


def _vector_sample(rng: np.random.Generator, d: int) -> Sample:
    return Sample((rng.normal(size=d) * rng.uniform(0.1, 3.0),), label=f"d={d}")


def _batch_sample(rng: np.random.Generator, d: int) -> Sample:
    B = int(rng.integers(1, 5))
    return Sample((rng.normal(size=(B, d)) * rng.uniform(0.1, 3.0),), label=f"B={B} d={d}")


def _branch_sample(rng: np.random.Generator, d: int) -> Sample:
    layers, x0, hidden = _stack(rng, d, 1)
    return Sample((layers[0], x0), {"hidden": hidden}, label=f"d={d} {hidden}")


def _layer_sample(rng: np.random.Generator, d: int) -> Sample:
    layers, x0, hidden = _stack(rng, d, 1)
    placement = str(rng.choice(reference.residual.PLACEMENTS))
    return Sample((layers[0], x0, placement), {"hidden": hidden}, label=f"d={d} {placement} {hidden}")


def _forward_sample(rng: np.random.Generator, d: int) -> Sample:
    depth = int(rng.integers(1, 5))
    layers, _, hidden = _stack(rng, d, depth)
    x0 = rng.normal(size=(int(rng.integers(1, 4)), d))
    placement = str(rng.choice(reference.residual.PLACEMENTS))
    return Sample((layers, x0, placement), {"hidden": hidden}, label=f"d={d} L={depth} {placement} {hidden}")


def _product_sample(rng: np.random.Generator, d: int) -> Sample:
    depth = int(rng.integers(1, 5))
    layers, x0, hidden = _stack(rng, d, depth)
    placement = str(rng.choice(reference.residual.PLACEMENTS))
    start = int(rng.integers(0, depth + 1))
    return Sample((layers, x0, placement, start), {"hidden": hidden},
                  label=f"d={d} L={depth} start={start} {placement} {hidden}")


def _sum_sample(rng: np.random.Generator, d: int) -> Sample:
    depth = int(rng.integers(1, 5))
    layers, x0, hidden = _stack(rng, d, depth)
    start = int(rng.integers(0, depth + 1))
    return Sample((layers, x0, start), {"hidden": hidden}, label=f"d={d} L={depth} start={start} {hidden}")


def _eq37_sample(rng: np.random.Generator, d: int) -> Sample:
    depth = int(rng.integers(1, 5))
    layers, x0, hidden = _stack(rng, d, 1)
    start = int(rng.integers(0, depth + 1))
    last = int(rng.integers(start, depth + 1))
    branch_input = str(rng.choice(["start", "own"]))
    return Sample((layers[0], x0, depth, start, last, branch_input), {"hidden": hidden},
                  label=f"d={d} L={depth} i={start}..{last} A({branch_input}) {hidden}")


# d = 2 is left out: LayerNorm maps two numbers to +-(1, -1) up to eps, so its Jacobian, eps / (delta^2 + eps)^1.5
# times a fixed matrix for x = (a + delta, a - delta), is a difference of O(1/sigma) terms that nearly cancel and a
# relative comparison there measures the cancellation (tests/reference/test_residual.py checks that closed form).
SIZES = (3, 5, 8)


def _sum_magnitude(layers, x0, start: int = 0, hidden: str = "tanh") -> np.ndarray:
    """I + sum_i |S_i| P_i with P_{i+1} = (I + |S_i|) P_i, P_start = I, S_i = LN'(A_i(x_i)) A_i'(x_i): the
    magnitudes of the terms the total derivative (39) sums and multiplies, whose rounding a float32 product
    of L - start Jacobians carries."""
    xs = reference.residual.forward(layers, np.asarray(x0, dtype=np.float64), "pre", hidden)
    identity = np.eye(len(xs[0]))
    total, path = identity.copy(), identity.copy()
    for i in range(start, len(layers)):
        step = np.abs(reference.residual.layer_norm_jacobian(reference.residual.branch(layers[i], xs[i], hidden))
                      @ reference.residual.mlp_jacobian(layers[i], xs[i], hidden))
        total += step @ path
        path = (identity + step) @ path
    return total


def _branch(W1, b1, W2, b2):
    return [(np.array(W1, dtype=np.float64), np.array(b1, dtype=np.float64)),
            (np.array(W2, dtype=np.float64), np.array(b2, dtype=np.float64))]


# Edge inputs: a constant vector and a row of zeros (variance 0: LayerNorm divides by sqrt(eps) alone), one row,
# a branch of width one and an all-zero branch (the residual layer is then LN(x) or x), an empty product of
# Jacobians (start = depth: the identity) and a sum over no layers.
CONSTANT, ZERO_ROW = np.full(4, 2.5), np.zeros(4)
WIDTH_ONE = _branch([[0.3, -0.2, 0.1, 0.4]], [0.1], [[1.0], [-1.0], [0.5], [2.0]], [0.0, 0.0, 0.0, 0.0])
ZERO_BRANCH = _branch(np.zeros((3, 4)), np.zeros(3), np.zeros((4, 3)), np.zeros(4))
X0 = np.array([0.5, -1.0, 2.0, 0.0])
LAYER_NORM_EDGES = (
    Sample((np.stack([CONSTANT, ZERO_ROW]),), label="a constant row and a row of zeros"),
    Sample((X0[None, :],), label="one row"),
)
VECTOR_EDGES = (Sample((CONSTANT,), label="a constant vector"), Sample((ZERO_ROW,), label="zeros"))
BRANCH_EDGES = (
    Sample((WIDTH_ONE, X0), {"hidden": "tanh"}, label="hidden width one"),
    Sample((ZERO_BRANCH, ZERO_ROW), {"hidden": "sigmoid"}, label="all-zero branch at zero"),
)
LAYER_EDGES = tuple(
    Sample((layer, x, placement), {"hidden": "tanh"}, label=f"{label}, {placement}")
    for layer, x, label in ((WIDTH_ONE, X0, "hidden width one"), (ZERO_BRANCH, CONSTANT, "all-zero branch"))
    for placement in reference.residual.PLACEMENTS
)
FORWARD_EDGES = tuple(
    Sample(([ZERO_BRANCH, WIDTH_ONE], np.stack([CONSTANT, X0]), placement), {"hidden": "tanh"},
           label=f"an all-zero branch, a constant row, {placement}")
    for placement in reference.residual.PLACEMENTS
)
PRODUCT_EDGES = tuple(
    Sample(([WIDTH_ONE, ZERO_BRANCH], X0, placement, start), {"hidden": "tanh"},
           label=f"start={start} of 2{' (the empty product)' if start == 2 else ''}, {placement}")
    for placement in reference.residual.PLACEMENTS for start in (0, 2)
)
SUM_EDGES = tuple(
    Sample(([WIDTH_ONE, ZERO_BRANCH], X0, start), {"hidden": "tanh"},
           label=f"start={start} of 2{' (a sum over no layers)' if start == 2 else ''}")
    for start in (0, 2)
)
EQ37_EDGES = (
    Sample((WIDTH_ONE, X0, 3, 3, 3, "start"), {"hidden": "tanh"}, label="i from L to L"),
    Sample((ZERO_BRANCH, CONSTANT, 2, 0, 2, "own"), {"hidden": "sigmoid"}, label="all-zero branch, constant x0"),
)

PAIRS = [
    Pair("residual.layer_norm", reference.residual.layer_norm, fast.residual.layer_norm, _batch_sample, sizes=SIZES,
         edges=LAYER_NORM_EDGES),
    Pair("residual.layer_norm_jacobian", reference.residual.layer_norm_jacobian, fast.residual.layer_norm_jacobian,
         _vector_sample, sizes=SIZES, edges=VECTOR_EDGES),
    Pair("residual.mlp_jacobian", reference.residual.mlp_jacobian, fast.residual.mlp_jacobian, _branch_sample,
         sizes=SIZES, edges=BRANCH_EDGES),
    Pair("residual.branch", reference.residual.branch, fast.residual.branch, _branch_sample, sizes=SIZES,
         edges=BRANCH_EDGES),
    Pair("residual.residual_layer", reference.residual.residual_layer, fast.residual.residual_layer, _layer_sample,
         sizes=SIZES, edges=LAYER_EDGES),
    Pair("residual.forward", reference.residual.forward, fast.residual.forward, _forward_sample, sizes=SIZES,
         edges=FORWARD_EDGES),
    Pair("residual.layer_jacobian", reference.residual.layer_jacobian, fast.residual.layer_jacobian, _layer_sample,
         sizes=SIZES, edges=LAYER_EDGES),
    Pair("residual.jacobian_product", reference.residual.jacobian_product, fast.residual.jacobian_product,
         _product_sample, sizes=SIZES, edges=PRODUCT_EDGES),
    Pair("residual.jacobian_sum", reference.residual.jacobian_sum, fast.residual.jacobian_sum, _sum_sample,
         sizes=SIZES, edges=SUM_EDGES, magnitude=_sum_magnitude),
    Pair("residual.jacobian_sum_direct", reference.residual.jacobian_sum_direct, fast.residual.jacobian_sum_direct,
         _sum_sample, sizes=SIZES, edges=SUM_EDGES),
    Pair("residual.jacobian_eq37_as_printed", reference.residual.jacobian_eq37_as_printed,
         fast.residual.jacobian_eq37_as_printed, _eq37_sample, sizes=SIZES, edges=EQ37_EDGES),
]
