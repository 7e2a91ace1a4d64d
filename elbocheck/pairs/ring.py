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


def _uniform_sample(rng: np.random.Generator, N: int) -> Sample:
    """A batch of B models with one field per model: J (B,), h (B,), and N."""
    B = int(rng.integers(1, 4))
    return Sample((rng.uniform(-2.0, 2.0, size=B), rng.uniform(-1.0, 1.0, size=B), N), label=f"B={B} N={N}")


SIZES = (1, 2, 3, 5, 7)

PAIRS = [
    Pair("ring.score", reference.ring.score, fast.ring.score, _labelled_sample, sizes=SIZES),
    Pair("ring.log_partition", reference.ring.log_partition, fast.ring.log_partition, _models_sample, sizes=SIZES),
    Pair("ring.log_partition_uniform", reference.ring.log_partition_uniform, fast.ring.log_partition_uniform,
         _uniform_sample, sizes=SIZES),
    Pair("ring.log_probability", reference.ring.log_probability, fast.ring.log_probability, _labelled_sample,
         sizes=SIZES),
    Pair("ring.conditionals", reference.ring.conditionals, fast.ring.conditionals, _labelled_sample, sizes=SIZES),
    Pair("ring.neg_log_pseudo_likelihood", reference.ring.neg_log_pseudo_likelihood,
         fast.ring.neg_log_pseudo_likelihood, _labelled_sample, sizes=SIZES),
    Pair("ring.expected_statistics", reference.ring.expected_statistics, fast.ring.expected_statistics,
         _models_sample, sizes=SIZES),
]
