"""Reference/fast pairs of the discrete generator of seed 004 Problem 2 and its gradient estimators (Problem 4)."""

from __future__ import annotations

import numpy as np

import elbocheck.fast.sampler
import elbocheck.reference.sampler
from elbocheck import fast, reference
from elbocheck.pairs.core import Pair, Sample


def _distribution(rng: np.random.Generator, shape, zeros: bool) -> np.ndarray:
    """Dirichlet rows, with some entries set to zero (never a whole row) when `zeros`."""
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]) if len(shape) > 1 else rng.dirichlet(np.ones(shape[0]))
    if zeros and shape[-1] > 1:
        mask = rng.uniform(size=shape) < 0.3
        mask[..., int(rng.integers(shape[-1]))] = False
        p = np.where(mask, 0.0, p)
        p = p / p.sum(axis=-1, keepdims=True)
    return p


def _noise(rng: np.random.Generator, shape, P: np.ndarray) -> np.ndarray:
    """Uniform noise with some values put exactly on 0, 1 and the boundaries of P."""
    eps = rng.uniform(size=shape)
    flat = eps.reshape(-1)
    specials = np.clip(np.concatenate([[0.0, 1.0], np.cumsum(P)]), 0.0, 1.0)
    chosen = rng.uniform(size=flat.size) < 0.2
    flat[chosen] = rng.choice(specials, size=int(chosen.sum()))
    return eps


def _bigram(rng: np.random.Generator, size: int):
    vocabulary = int(rng.integers(1, size + 2))
    zeros = bool(rng.integers(2))
    return _distribution(rng, (vocabulary,), zeros), _distribution(rng, (vocabulary, vocabulary), zeros)


def _first_word_sample(rng: np.random.Generator, size: int) -> Sample:
    P, _ = _bigram(rng, size)
    return Sample((P, _noise(rng, (3 * size,), P)), label=f"I={P.size} B={3 * size}")


def _next_word_sample(rng: np.random.Generator, size: int) -> Sample:
    _, Q = _bigram(rng, size)
    previous = rng.integers(Q.shape[0], size=3 * size)
    return Sample((Q, previous, _noise(rng, (3 * size,), Q[0])), label=f"I={Q.shape[0]} B={3 * size}")


def _strings_sample(rng: np.random.Generator, size: int) -> Sample:
    P, Q = _bigram(rng, size)
    length = int(rng.integers(1, 6))
    return Sample((P, Q, _noise(rng, (size, length), P)), label=f"I={P.size} B={size} T={length}")


def _straight_through_sample(rng: np.random.Generator, size: int) -> Sample:
    strings = _strings_sample(rng, size)
    P, Q, eps = strings.args
    label = strings.label
    upstream = rng.normal(size=eps.shape + (P.size,))
    return Sample((P, Q, eps, upstream), label=label)


def _probabilities_sample(rng: np.random.Generator, size: int) -> Sample:
    P, Q = _bigram(rng, size)
    length = int(rng.integers(1, 5))
    strings = rng.integers(P.size, size=(2 * size, length))
    return Sample((P, Q, strings), label=f"I={P.size} N={2 * size} T={length}")


def _gumbel_sample(rng: np.random.Generator, size: int) -> Sample:
    logits = rng.normal(scale=2.0, size=(size, int(rng.integers(1, 8))))
    return Sample((logits, rng.gumbel(size=logits.shape), float(rng.uniform(0.1, 2.0))),
                  label=f"B={size} I={logits.shape[1]}")


def _gumbel_strings_sample(rng: np.random.Generator, size: int) -> Sample:
    P, Q = _bigram(rng, size)
    length = int(rng.integers(1, 5))
    return Sample((P, Q, rng.gumbel(size=(size, length, P.size)), float(rng.uniform(0.2, 2.0))),
                  label=f"I={P.size} B={size} T={length}")


def _vq_sample(rng: np.random.Generator, size: int) -> Sample:
    dim, codes = int(rng.integers(1, 5)), int(rng.integers(1, 7))
    return Sample((rng.normal(size=(size, dim)), rng.normal(size=(codes, dim))), label=f"B={size} d={dim} K={codes}")


def _vq_gradient_sample(rng: np.random.Generator, size: int) -> Sample:
    z_e, codebook = _vq_sample(rng, size).args
    return Sample((z_e, codebook, rng.normal(size=z_e.shape), float(rng.uniform(0.0, 1.0))),
                  label=f"B={size} d={z_e.shape[1]} K={codebook.shape[0]}")


# Edge inputs: words of probability zero (the noise on the boundary of an empty interval must skip them), one
# word, a one-hot distribution, noise exactly 0 and exactly at a cumulative boundary, empty batches, -inf and
# huge logits, a temperature near zero, tied and duplicated codes.
P_ZEROS = np.array([0.0, 0.5, 0.0, 0.5, 0.0])
Q_ZEROS = np.array([[0.0, 1.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.5, 0.0], [0.2, 0.2, 0.2, 0.2, 0.2],
                    [0.0, 0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0, 0.0]])
ONE_WORD = (np.array([1.0]), np.array([[1.0]]))
BOUNDARY_NOISE = np.array([0.0, 0.5, 0.25, 0.75, 0.999999, 1e-300])
FIRST_WORD_EDGES = (
    Sample((P_ZEROS, BOUNDARY_NOISE), label="zeros in P, noise on 0 and the boundaries"),
    Sample((ONE_WORD[0], np.array([0.0, 0.5, 0.999999])), label="one word"),
    Sample((np.array([0.0, 0.0, 1.0, 0.0]), np.array([0.0, 0.3, 0.999999])), label="one-hot P"),
    Sample((P_ZEROS, np.zeros(0)), label="empty batch"),
)
NEXT_WORD_EDGES = (
    Sample((Q_ZEROS, np.array([0, 1, 1, 3, 4, 2]), BOUNDARY_NOISE), label="zeros in Q, noise on the boundaries"),
    Sample((ONE_WORD[1], np.array([0, 0]), np.array([0.0, 0.5])), label="one word"),
    Sample((Q_ZEROS, np.zeros(0, dtype=np.int64), np.zeros(0)), label="empty batch"),
)
STRINGS_EDGES = (
    Sample((P_ZEROS, Q_ZEROS, np.array([[0.0, 0.5, 0.25], [0.5, 0.0, 0.999999]])), label="zeros, boundary noise"),
    Sample((*ONE_WORD, np.array([[0.3]])), label="one word, one string of length one"),
    Sample((P_ZEROS, Q_ZEROS, np.zeros((0, 3))), label="empty batch"),
)
PROBABILITIES_EDGES = (
    Sample((P_ZEROS, Q_ZEROS, np.array([[0, 1, 2], [1, 0, 1], [3, 4, 0], [1, 3, 4]])),
           label="strings through words and transitions of probability zero"),
    Sample((*ONE_WORD, np.array([[0, 0, 0, 0]])), label="one word"),
    Sample((P_ZEROS, Q_ZEROS, np.zeros((0, 2), dtype=np.int64)), label="no strings"),
)
STRAIGHT_THROUGH_EDGES = (
    Sample((P_ZEROS, Q_ZEROS, np.array([[0.0, 0.5, 0.25], [0.5, 0.0, 0.999999]]),
            np.arange(30.0).reshape(2, 3, 5) - 15.0), label="zeros, boundary noise"),
    Sample((*ONE_WORD, np.array([[0.3]]), np.array([[[2.0]]])), label="one word"),
)
GUMBEL_EDGES = (
    Sample((np.array([[-np.inf, 0.0, 1.0], [2.0, -np.inf, -np.inf]]), np.zeros((2, 3)), 1.0),
           label="logits of -inf (words of probability zero)"),
    Sample((np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]), np.zeros((2, 3)), 0.5),
           label="logits of +-1000"),
    Sample((np.array([[0.3, 0.2, 0.1]]), np.array([[0.0, 0.05, 0.3]]), 1e-3), label="temperature 1e-3"),
    Sample((np.array([[5.0], [-5.0]]), np.array([[0.1], [0.2]]), 1.0), label="one word"),
    Sample((np.zeros((0, 3)), np.zeros((0, 3)), 1.0), label="empty batch"),
)
GUMBEL_STRINGS_EDGES = (
    Sample((P_ZEROS, Q_ZEROS, np.linspace(-1.0, 1.0, 30).reshape(2, 3, 5), 0.5), label="zeros in P and Q"),
    Sample((*ONE_WORD, np.zeros((2, 2, 1)), 1.0), label="one word"),
    Sample((P_ZEROS, Q_ZEROS, np.zeros((1, 2, 5)), 1e-3), label="zeros, temperature 1e-3"),
)
CODEBOOK_TIES = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [-1.0, 0.0]])
VQ_EDGES = (
    Sample((np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 0.5]]), CODEBOOK_TIES),
           label="ties between codes and a duplicated code (lowest index wins)"),
    Sample((np.array([[3.0], [-2.0]]), np.array([[0.5]])), label="one code of dimension one"),
    Sample((np.zeros((2, 2)), np.zeros((3, 2))), label="all zeros"),
)
VQ_GRADIENT_EDGES = tuple(
    Sample((*edge.args, np.ones_like(edge.args[0]), beta), label=f"{edge.label}, beta {beta}")
    for edge, beta in zip(VQ_EDGES, (0.25, 0.0, 1.0))
)

def _inverse_cdf_sample(rng: np.random.Generator, size: int) -> Sample:
    """A distribution of `size` words with zeros, and u at a boundary, at the top of [0, 1) or uniform."""
    probabilities = rng.random(size) * (rng.random(size) < 0.7)
    probabilities[int(rng.integers(0, size))] += 0.1
    probabilities /= probabilities.sum()
    boundaries = np.cumsum(probabilities)
    u = rng.choice([rng.random(), 1.0 - 2.0**-53, float(boundaries[int(rng.integers(0, size))]) % 1.0, 0.0])
    return Sample((probabilities, np.array(u)), label=f"I={size} u={u:.17g}")



def _straight_through_magnitude(P, Q, eps, upstream):
    """The gradients of the same samples for |upstream|: each entry's sum of the absolute values of the upstream
    terms it adds, which cancel to 2.6e-4 from terms of order 1 at seed 313."""
    return reference.sampler.straight_through_gradient(P, Q, eps, np.abs(np.asarray(upstream, dtype=np.float64)))

PAIRS = [
    Pair("sampler.inverse_cdf", reference.sampler.inverse_cdf, fast.sampler.inverse_cdf, _inverse_cdf_sample,
         sizes=(1, 4, 16), note="float32: the cumulative sums are taken in float64 on both sides",
         edges=(Sample((np.array([0.7, 0.2, 0.1, 0.0]), np.array(1.0 - 2.0**-53)),
                       label="a sum that rounds to 1 - 2^-53 below u"),
                Sample((np.array([0.0, 0.5, 0.5]), np.array(0.0)), label="u = 0 before a zero-probability word"),
                Sample((np.array([0.5, 0.0, 0.5]), np.array(0.5)), label="u on the boundary of an empty interval"))),
    Pair("sampler.first_word", reference.sampler.first_word, fast.sampler.first_word, _first_word_sample,
         edges=FIRST_WORD_EDGES),
    Pair("sampler.next_word", reference.sampler.next_word, fast.sampler.next_word, _next_word_sample,
         edges=NEXT_WORD_EDGES),
    Pair("sampler.sample_strings", reference.sampler.sample_strings, fast.sampler.sample_strings, _strings_sample,
         edges=STRINGS_EDGES),
    Pair("sampler.string_probabilities", reference.sampler.string_probabilities,
         fast.sampler.string_probabilities, _probabilities_sample, edges=PROBABILITIES_EDGES),
    Pair("sampler.straight_through_gradient", reference.sampler.straight_through_gradient,
         fast.sampler.straight_through_gradient, _straight_through_sample, edges=STRAIGHT_THROUGH_EDGES,
         magnitude=_straight_through_magnitude),
    Pair("sampler.gumbel_softmax", reference.sampler.gumbel_softmax, fast.sampler.gumbel_softmax, _gumbel_sample,
         edges=GUMBEL_EDGES),
    Pair("sampler.gumbel_softmax_strings", reference.sampler.gumbel_softmax_strings,
         fast.sampler.gumbel_softmax_strings, _gumbel_strings_sample, edges=GUMBEL_STRINGS_EDGES),
    Pair("sampler.vector_quantize", reference.sampler.vector_quantize, fast.sampler.vector_quantize,
         _vq_sample, edges=VQ_EDGES),
    Pair("sampler.vq_losses", reference.sampler.vq_losses, fast.sampler.vq_losses, _vq_sample, edges=VQ_EDGES),
    Pair("sampler.vq_gradients", reference.sampler.vq_gradients, fast.sampler.vq_gradients, _vq_gradient_sample,
         edges=VQ_GRADIENT_EDGES),
]
