"""Arguments that once gave a plausible number or an IndexError in the reference's ring, sampler and bigram model
(labels that are not labels, fields of the wrong length, NaN couplings, word ids out of range, negative counts):
each is a ValueError naming the argument."""

import math

import numpy as np
import pytest

from elbocheck.reference import bigram_em, ring, sampler

HALF = np.full((2, 2), 0.5)


@pytest.mark.parametrize(("call", "named"), [
    (lambda: ring.neg_log_pseudo_likelihood(np.array([1, 0, -1]), J=math.nan), "J"),
    (lambda: ring.neg_log_pseudo_likelihood(np.array([1, 0, -1]), h=np.array([0.0, math.inf, 0.0])), "h"),
    (lambda: ring.neg_log_pseudo_likelihood(np.array([1, 0, -1]), h=np.zeros(4)), "h"),
    (lambda: ring.neg_log_pseudo_likelihood(np.array([0.5, 0.0, -1.0])), "Y"),
    (lambda: sampler.string_probabilities(np.array([0.5, 0.5]), HALF, np.array([[0, 2]])), "strings"),
    (lambda: sampler.string_probabilities(np.array([0.5, 0.5]), HALF, np.array([[0.0, 1.0]])), "strings"),
    (lambda: bigram_em.posterior(np.full((3, 2), 0.5), HALF, 1, 0), "word"),
    (lambda: bigram_em.posterior(np.full((3, 2), 0.5), HALF, 5, 1), "prev"),
    (lambda: bigram_em.normalize_rows(np.array([[1.0, -1.0]])), "counts"),
    (lambda: bigram_em.m_step(np.array([[1.0, math.nan]]), np.ones((2, 2))), "counts"),
])
def test_arguments_outside_their_domain_are_a_value_error_naming_them(call, named):
    with pytest.raises(ValueError, match=named):
        call()
