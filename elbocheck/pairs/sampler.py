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


PAIRS = [
    Pair("sampler.first_word", reference.sampler.first_word, fast.sampler.first_word, _first_word_sample),
    Pair("sampler.next_word", reference.sampler.next_word, fast.sampler.next_word, _next_word_sample),
    Pair("sampler.sample_strings", reference.sampler.sample_strings, fast.sampler.sample_strings, _strings_sample),
    Pair("sampler.string_probabilities", reference.sampler.string_probabilities,
         fast.sampler.string_probabilities, _probabilities_sample),
    Pair("sampler.straight_through_gradient", reference.sampler.straight_through_gradient,
         fast.sampler.straight_through_gradient, _straight_through_sample),
    Pair("sampler.gumbel_softmax", reference.sampler.gumbel_softmax, fast.sampler.gumbel_softmax, _gumbel_sample),
    Pair("sampler.gumbel_softmax_strings", reference.sampler.gumbel_softmax_strings,
         fast.sampler.gumbel_softmax_strings, _gumbel_strings_sample),
    Pair("sampler.vector_quantize", reference.sampler.vector_quantize, fast.sampler.vector_quantize,
         _vq_sample),
    Pair("sampler.vq_losses", reference.sampler.vq_losses, fast.sampler.vq_losses, _vq_sample),
    Pair("sampler.vq_gradients", reference.sampler.vq_gradients, fast.sampler.vq_gradients, _vq_gradient_sample),
]
