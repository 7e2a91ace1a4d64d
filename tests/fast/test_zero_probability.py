"""Events of probability zero in `fast`: the half-open inverse-CDF rule of `fast.sampler.inverse_cdf` in every
sampler, token for token equal to the reference's, and the same ValueError as the reference where parameters give
an observed event probability 0."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st

from elbocheck.fast import bigram_em, ring, sampler
from elbocheck.reference import bigram_em as reference_bigram_em
from tests.reference.test_zero_probability import TOP, half_open_index
from tests.strategies import distributions_with_zeros


def test_the_emission_row_of_the_report_never_gives_its_zero_probability_word():
    A = torch.ones(5, 1, dtype=torch.float64)
    B = torch.tensor([[0.7, 0.2, 0.1, 0.0]], dtype=torch.float64)
    sentences = bigram_em.sample_corpus(A, B, [1], torch.tensor([[0.5, TOP]], dtype=torch.float64))
    assert sentences[0].tolist() == [3]


@example(probabilities=np.array([0.7, 0.2, 0.1, 0.0]), u=TOP)
@given(st.integers(2, 6).flatmap(distributions_with_zeros),
       st.one_of(st.sampled_from([0.0, TOP, 0.5, 1.0 - 2.0**-40]), st.floats(0.0, TOP)))
def test_inverse_cdf_is_the_half_open_rule_for_a_batch_of_rows(probabilities, u):
    rows = torch.as_tensor(np.stack([probabilities, probabilities[::-1].copy()]))  # (2, n)
    chosen = sampler.inverse_cdf(rows, torch.tensor([u, u], dtype=torch.float64))
    assert chosen.tolist() == [half_open_index(probabilities, u), half_open_index(probabilities[::-1], u)]


@given(st.integers(0, 2**32 - 1))
def test_sample_corpus_equals_the_reference_token_for_token_with_zeros_in_every_row(seed):
    rng = np.random.default_rng(seed)
    V, m = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    A = rng.random((V + 1, m)) * (rng.random((V + 1, m)) < 0.7)
    A[:, 0] += 0.1
    B = rng.random((m, V)) * (rng.random((m, V)) < 0.6)
    B[:, -1] = 0.0  # the last word, where a sum that rounds below 1 would put u
    B[:, 0] += 0.1
    A, B = A / A.sum(axis=1, keepdims=True), B / B.sum(axis=1, keepdims=True)
    lengths = rng.integers(0, 6, size=4)
    uniforms = rng.random((int(lengths.sum()), 2))
    uniforms[rng.random(uniforms.shape) < 0.3] = TOP
    expected = reference_bigram_em.sample_corpus(A, B, lengths, uniforms)
    drawn = bigram_em.sample_corpus(torch.as_tensor(A), torch.as_tensor(B), lengths, torch.as_tensor(uniforms))
    assert [sentence.tolist() for sentence in drawn] == [sentence.tolist() for sentence in expected]
    assert all(token != V for sentence in drawn for token in sentence.tolist())


def test_ring_samples_never_take_a_labelling_of_probability_zero():
    samples = ring.sample(-800.0, torch.zeros(2, dtype=torch.float64), 2000, torch.Generator().manual_seed(0))
    assert bool((samples[:, 0] != samples[:, 1]).all())


def test_em_on_an_observed_bigram_of_probability_zero_is_the_reference_s_value_error():
    A = torch.full((4, 2), 0.5, dtype=torch.float64)
    B = torch.tensor([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]], dtype=torch.float64)
    counts = bigram_em.bigram_counts([np.array([1, 3, 2])], 3, torch.float64)
    for call in (lambda: bigram_em.expected_counts(counts, A, B), lambda: bigram_em.em_step(counts, A, B),
                 lambda: bigram_em.fit(counts, 2, init=(A, B)), lambda: bigram_em.posterior(A, B, 1, 3)):
        with pytest.raises(ValueError, match=r"A, B: the model gives probability 0 to the bigram \(1, 3\)"):
            call()
    assert float(bigram_em.log_likelihood(counts, A, B)) == -np.inf
