"""Reference/fast pairs of the residual LayerNorm stacks of seed 003 (36)-(39): hand-written Jacobians against
torch.func.jacrev."""

from __future__ import annotations

import numpy as np

import elbocheck.fast.residual
import elbocheck.reference.residual
from elbocheck import fast, reference
from elbocheck.pairs.core import Pair, Sample
from elbocheck.reference._nn import init_mlp

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

PAIRS = [
    Pair("residual.layer_norm", reference.residual.layer_norm, fast.residual.layer_norm, _batch_sample, sizes=SIZES),
    Pair("residual.layer_norm_jacobian", reference.residual.layer_norm_jacobian, fast.residual.layer_norm_jacobian,
         _vector_sample, sizes=SIZES),
    Pair("residual.mlp_jacobian", reference.residual.mlp_jacobian, fast.residual.mlp_jacobian, _branch_sample,
         sizes=SIZES),
    Pair("residual.forward", reference.residual.forward, fast.residual.forward, _forward_sample, sizes=SIZES),
    Pair("residual.layer_jacobian", reference.residual.layer_jacobian, fast.residual.layer_jacobian, _layer_sample,
         sizes=SIZES),
    Pair("residual.jacobian_product", reference.residual.jacobian_product, fast.residual.jacobian_product,
         _product_sample, sizes=SIZES),
    Pair("residual.jacobian_sum", reference.residual.jacobian_sum, fast.residual.jacobian_sum, _sum_sample,
         sizes=SIZES),
    Pair("residual.jacobian_sum_direct", reference.residual.jacobian_sum_direct, fast.residual.jacobian_sum_direct,
         _sum_sample, sizes=SIZES),
    Pair("residual.jacobian_eq37_as_printed", reference.residual.jacobian_eq37_as_printed,
         fast.residual.jacobian_eq37_as_printed, _eq37_sample, sizes=SIZES),
]
