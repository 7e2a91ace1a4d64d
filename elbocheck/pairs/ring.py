"""Reference/fast pairs of the ring models of seed 004 Problem 1: enumeration against transfer matrices."""

from __future__ import annotations

import numpy as np

import elbocheck.fast.ring
import elbocheck.reference.ring
from elbocheck import fast, reference
from elbocheck.pairs.core import Pair, Sample


def _labels(rng: np.random.Generator, rows: int, N: int) -> np.ndarray:
    return rng.integers(-1, 2, size=(rows, N)).astype(np.int64)


def _labelled_sample(rng: np.random.Generator, N: int) -> Sample:
    """Labellings Y (S, N), a coupling J in [-2, 2] and node fields h in [-1, 1]^N."""
    rows = int(rng.integers(1, 5))
    return Sample((_labels(rng, rows, N), float(rng.uniform(-2.0, 2.0)), rng.uniform(-1.0, 1.0, size=N)),
                  label=f"S={rows} N={N}")


def _models_sample(rng: np.random.Generator, N: int) -> Sample:
    """A batch of B models: couplings J (B,) in [-2, 2] and node fields h (B, N) in [-1, 1]."""
    B = int(rng.integers(1, 4))
    return Sample((rng.uniform(-2.0, 2.0, size=B), rng.uniform(-1.0, 1.0, size=(B, N))), label=f"B={B} N={N}")


def _statistics_magnitude(J, h) -> tuple[np.ndarray, np.ndarray]:
    """(N, 1) per model: the terms P(y) y_i y_j of E[sum of edge products] sum to at most N in absolute value,
    and those of E[Y[n]] = P(Y[n] = 1) - P(Y[n] = -1) to at most 1, which cancel to near 0 when h[n] is near 0."""
    fields = np.asarray(h, dtype=np.float64)
    batch = np.broadcast_shapes(np.shape(J), fields.shape[:-1])
    return np.full(batch, float(fields.shape[-1])), np.ones(batch + fields.shape[-1:])


def _root_scale(*args) -> float:
    """1: an estimate of J is a root found to an absolute tolerance (Brent's method, xtol 1e-15) on [-20, 20], so
    an estimate at or near 0 (data that favour neither sign, seed 201210436) is judged in absolute terms."""
    return 1.0


def _uniform_sample(rng: np.random.Generator, N: int) -> Sample:
    """A batch of B models with one field per model: J (B,), h (B,), and N."""
    B = int(rng.integers(1, 4))
    return Sample((rng.uniform(-2.0, 2.0, size=B), rng.uniform(-1.0, 1.0, size=B), N), label=f"B={B} N={N}")


def _fit_sample(rng: np.random.Generator, N: int) -> Sample:
    """Random labellings (S, N) plus an all-one, an all-zero and an all-one-but-a-zero row, which keep both
    estimates of J finite (the mean edge sum strictly inside its range, and some node whose label disagrees with
    its neighbours' sum and some that agrees), and a uniform field h in [-1, 1]."""
    N = max(N, 2)
    rows = int(rng.integers(0, 5))
    fixed = np.ones((3, N), dtype=np.int64)
    fixed[1] = 0
    fixed[2, 0] = 0
    Y = np.concatenate([_labels(rng, rows, N), fixed])
    return Sample((Y, float(rng.uniform(-1.0, 1.0))), label=f"S={rows + 3} N={N}")


SIZES = (1, 2, 3, 5, 7)

# Edge inputs: the one-node ring (its single edge is Y[0] Y[0]), J = 0 and h = 0 (the uniform model), couplings
# and fields of +-40 where exp(s) leaves the float32 range and linear-space sums overflow, all-zero and
# alternating labellings, one row, an empty batch of models.
ALTERNATING = np.array([[1, -1, 1, -1, 1], [-1, 1, -1, 1, -1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]])
LABELLED_EDGES = (
    Sample((np.array([[1], [0], [-1]]), 1.0, np.array([0.5])), label="N = 1: the edge Y[0] Y[0]"),
    Sample((ALTERNATING, 0.0, np.zeros(5)), label="J = 0, h = 0"),
    Sample((ALTERNATING, 40.0, np.full(5, 40.0)), label="J = 40, h = 40: exp(s) beyond float32"),
    Sample((ALTERNATING, -40.0, np.linspace(-40.0, 40.0, 5)), label="J = -40, h from -40 to 40"),
    Sample((np.zeros((1, 3), dtype=np.int64), 1.0, np.zeros(3)), label="one all-zero labelling"),
    Sample((np.array([[1, -1, 0], [1, 1, 1]]), 500.0, np.array([0.0, 400.0, -400.0])),
           label="J = 500: conditionals below exp's range, their logarithms finite"),
)
MODELS_EDGES = (
    Sample((np.array([0.0, 40.0, -40.0]), np.array([[0.0, 0.0, 0.0], [40.0, 40.0, 40.0], [-40.0, 0.0, 40.0]])),
           label="J in {0, 40, -40}, fields up to 40"),
    Sample((np.array([1.0]), np.array([[-3.0]])), label="N = 1"),
    Sample((np.zeros(0), np.zeros((0, 4))), label="an empty batch of models"),
)
UNIFORM_EDGES = (
    Sample((np.array([0.0, 40.0, -40.0, 1.0]), np.array([0.0, 40.0, 40.0, -40.0]), 6), label="J, h up to +-40"),
    Sample((np.array([2.0]), np.array([0.5]), 1), label="N = 1"),
    Sample((np.zeros(0), np.zeros(0), 3), label="an empty batch of models"),
)
FIT_EDGES = (
    Sample((np.array([[1, 1, 1], [-1, -1, -1]]), 0.0), label="every neighbour equal: J at the bound 20"),
    Sample((np.array([[1, -1], [-1, 1]]), 0.5), label="every neighbour opposite: J at the bound -20"),
    Sample((np.zeros((3, 4), dtype=np.int64), 0.0), label="all labels zero (a flat pseudo-likelihood: NaN)"),
    Sample((np.array([[1, 1, -1, 0]]), 0.0), label="one sample"),
)

PAIRS = [
    Pair("ring.score", reference.ring.score, fast.ring.score, _labelled_sample, sizes=SIZES, edges=LABELLED_EDGES),
    Pair("ring.log_partition", reference.ring.log_partition, fast.ring.log_partition, _models_sample, sizes=SIZES,
         edges=MODELS_EDGES),
    Pair("ring.log_partition_uniform", reference.ring.log_partition_uniform, fast.ring.log_partition_uniform,
         _uniform_sample, sizes=SIZES, edges=UNIFORM_EDGES),
    Pair("ring.log_probability", reference.ring.log_probability, fast.ring.log_probability, _labelled_sample,
         sizes=SIZES, edges=LABELLED_EDGES),
    Pair("ring.conditionals", reference.ring.conditionals, fast.ring.conditionals, _labelled_sample, sizes=SIZES,
         edges=LABELLED_EDGES),
    Pair("ring.neg_log_pseudo_likelihood", reference.ring.neg_log_pseudo_likelihood,
         fast.ring.neg_log_pseudo_likelihood, _labelled_sample, sizes=SIZES, edges=LABELLED_EDGES),
    Pair("ring.fit_maximum_likelihood", reference.ring.fit_maximum_likelihood, fast.ring.fit_maximum_likelihood,
         _fit_sample, sizes=(2, 3, 4), edges=FIT_EDGES, magnitude=_root_scale),
    Pair("ring.fit_pseudo_likelihood", reference.ring.fit_pseudo_likelihood, fast.ring.fit_pseudo_likelihood,
         _fit_sample, sizes=(2, 3, 4), edges=FIT_EDGES, magnitude=_root_scale),
    Pair("ring.expected_statistics", reference.ring.expected_statistics, fast.ring.expected_statistics,
         _models_sample, sizes=SIZES, edges=MODELS_EDGES, magnitude=_statistics_magnitude),
]
