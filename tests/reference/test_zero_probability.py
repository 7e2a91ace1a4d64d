"""Events of probability zero, in the reference: one half-open inverse-CDF rule (claim 004-2a) wherever a sample
is drawn from uniforms, so a word, state or label of probability 0 is never drawn, whatever the rounding of the
cumulative sum; and parameters that give an observed event probability 0 are a ValueError naming them."""

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from elbocheck.reference import bigram_em, ring, sampler
from tests.strategies import distributions_with_zeros

# u at the top of [0, 1): the one value above a cumulative sum that rounds to 1 - 2^-53
TOP = 1.0 - 2.0**-53


def half_open_index(probabilities: np.ndarray, u: float) -> int:
    """The index the rule chooses, by its definition: c_{i-1} <= u < c_i on the sequential float cumulative sum,
    else (u at or above the last boundary) the last index of positive probability."""
    boundaries = np.cumsum(probabilities)
    for index, upper in enumerate(boundaries):
        lower = boundaries[index - 1] if index else 0.0
        if lower <= u < upper:
            return index
    return int(np.flatnonzero(probabilities > 0)[-1])


def test_the_emission_row_of_the_report_never_gives_its_zero_probability_word():
    """[.7, .2, .1, 0] sums to 1 - 2^-53 in float64; u = 1 - 2^-53 gave word 4, of probability 0."""
    A = np.ones((5, 1))
    B = np.array([[0.7, 0.2, 0.1, 0.0]])
    assert np.cumsum(B[0])[2] <= TOP
    sentences = bigram_em.sample_corpus(A, B, [1], np.array([[0.5, TOP]]))
    assert sentences[0].tolist() == [3]


@example(probabilities=np.array([0.7, 0.2, 0.1, 0.0]), u=TOP)
@example(probabilities=np.array([0.0, 0.5, 0.5]), u=0.0)
@given(st.integers(2, 6).flatmap(distributions_with_zeros),
       st.one_of(st.sampled_from([0.0, TOP, 0.5, 1.0 - 2.0**-40]), st.floats(0.0, TOP)))
def test_sample_corpus_draws_by_the_half_open_rule_and_never_a_zero_probability_event(probabilities, u):
    """Each of the model's two draws (the state from A, the word from B) is the rule's index for its uniform."""
    V = probabilities.size
    A = np.tile(probabilities[:2] / probabilities[:2].sum() if probabilities[:2].sum() > 0 else [1.0, 0.0], (V + 1, 1))
    B = np.tile(probabilities, (2, 1))
    sentence = bigram_em.sample_corpus(A, B, [1], np.array([[u, u]]))[0]
    state = half_open_index(A[0], u)
    word = half_open_index(B[state], u)
    assert A[0, state] > 0 and B[state, word] > 0
    assert sentence.tolist() == [word + 1]
    assert sampler.inverse_cdf(probabilities, u) == half_open_index(probabilities, u)


def test_ring_samples_never_take_a_labelling_of_probability_zero():
    """J = -800 on N = 2 gives the labellings with equal neighbours probability e^-1600 = 0 in float64."""
    samples = ring.sample(-800.0, np.zeros(2), 2000, np.random.default_rng(0))
    assert np.all(samples[:, 0] != samples[:, 1])


def test_em_on_an_observed_bigram_of_probability_zero_is_a_value_error_naming_it():
    A = np.full((4, 2), 0.5)
    B = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    sentences = [np.array([1, 3, 2])]
    for call in (lambda: bigram_em.expected_counts(sentences, A, B), lambda: bigram_em.em_step(sentences, A, B),
                 lambda: bigram_em.fit(sentences, 3, 2, init=(A, B)), lambda: bigram_em.posterior(A, B, 1, 3)):
        with pytest.raises(ValueError, match=r"A, B: the model gives probability 0 to the bigram \(1, 3\)"):
            call()
    assert bigram_em.log_likelihood(sentences, A, B) == -np.inf  # log 0 exists: it is returned
