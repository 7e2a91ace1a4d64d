"""The arguments that `tests/reference/test_argument_checks.py` refuses are refused by `fast` too, with a ValueError
naming the argument (fast once returned a number for fractional labels and for word id 0, and raised IndexError
or RuntimeError for the rest)."""

import math

import numpy as np
import pytest
import torch

from elbocheck.fast import bigram_em, ring, sampler

HALF = torch.full((2, 2), 0.5)


@pytest.mark.parametrize(("call", "named"), [
    (lambda: ring.neg_log_pseudo_likelihood(torch.tensor([1, 0, -1]), J=math.nan), "J"),
    (lambda: ring.neg_log_pseudo_likelihood(torch.tensor([1, 0, -1]), h=torch.tensor([0.0, math.inf, 0.0])), "h"),
    (lambda: ring.neg_log_pseudo_likelihood(torch.tensor([1, 0, -1]), h=torch.zeros(4)), "h"),
    (lambda: ring.neg_log_pseudo_likelihood(torch.tensor([0.5, 0.0, -1.0])), "Y"),
    (lambda: sampler.string_probabilities(torch.tensor([0.5, 0.5]), HALF, torch.tensor([[0, 2]])), "strings"),
    (lambda: sampler.string_probabilities(torch.tensor([0.5, 0.5]), HALF, torch.tensor([[0.0, 1.0]])), "strings"),
    (lambda: bigram_em.posterior(torch.full((3, 2), 0.5), HALF, 1, 0), "word"),
    (lambda: bigram_em.posterior(torch.full((3, 2), 0.5), HALF, 5, 1), "prev"),
    (lambda: bigram_em.normalize_rows(torch.tensor([[1.0, -1.0]])), "counts"),
    (lambda: bigram_em.m_step(torch.tensor([[1.0, math.nan]]), torch.ones(2, 2)), "counts"),
])
def test_arguments_outside_their_domain_are_a_value_error_naming_them(call, named):
    with pytest.raises(ValueError, match=named):
        call()


def test_integer_valued_float_labels_are_still_labels():
    labels = torch.tensor([[1.0, 0.0, -1.0]])
    np.testing.assert_allclose(ring.neg_log_pseudo_likelihood(labels).numpy(),
                               ring.neg_log_pseudo_likelihood(labels.long()).numpy())
