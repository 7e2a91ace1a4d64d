"""The literal reference of the latent bigram model (seed 000 Problem 1) against independent computations:
direct counting, enumeration over every latent sequence, exact rationals, and the properties EM must have."""

import itertools
import math
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, strategies as st

from elbocheck.reference import bigram_em as em
from tests.strategies import corpora, latent_bigram_models, seeds, simplex_rows


def sequence_probability(sentence, states, A, B) -> float:
    """p(x_1..x_T, z_1..z_T) = prod_t A[x_{t-1}, z_t] B[z_t, x_t], x_0 = *, as the model of Problem 1 defines it."""
    probability, prev = 1.0, 0
    for word, state in zip(sentence, states):
        probability *= A[prev, state] * B[state, word - 1]
        prev = word
    return probability


def expected_complete_log_likelihood(context_counts, emission_counts, A, B) -> float:
    """Q(A, B) = sum E[count(x, z)] log A[x, z] + sum E[count(z, x')] log B[z, x'] (0 log 0 = 0)."""
    total = 0.0
    for counts, params in ((context_counts, A), (emission_counts, B)):
        used = counts > 0
        total += float(np.sum(counts[used] * np.log(params[used])))
    return total


@given(corpora())
def test_bigram_counts_are_the_counts_of_adjacent_pairs(corpus):
    sentences, V = corpus
    pairs = Counter((int(prev), int(word)) for s in sentences for prev, word in zip([0, *s[:-1]], s))
    counts = em.bigram_counts(sentences, V)
    assert counts.shape == (V + 1, V)
    assert {(x, j + 1): c for (x, j), c in np.ndenumerate(counts) if c} == pairs


@given(corpora(), st.integers(1, 3), st.data())
def test_mle_counts_are_the_counting_ratios_of_problem_1_1(corpus, m, data):
    sentences, V = corpus
    latents = [np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=s.size, max_size=s.size))) for s in sentences]
    A, B = em.mle_counts(sentences, latents, V, m)
    context = Counter((int(p), int(z)) for s, zs in zip(sentences, latents) for p, z in zip([0, *s[:-1]], zs))
    emission = Counter((int(z), int(w)) for s, zs in zip(sentences, latents) for w, z in zip(s, zs))
    for x in range(V + 1):
        total = sum(context[x, z] for z in range(m))
        for z in range(m):
            expected = Fraction(context[x, z], total) if total else Fraction(1, m)
            assert A[x, z] == pytest.approx(float(expected), abs=1e-15)
    for z in range(m):
        total = sum(emission[z, w] for w in range(1, V + 1))
        for w in range(1, V + 1):
            expected = Fraction(emission[z, w], total) if total else Fraction(1, V)
            assert B[z, w - 1] == pytest.approx(float(expected), abs=1e-15)


@given(latent_bigram_models(max_length=4), st.data())
def test_posterior_is_the_marginal_of_the_posterior_over_whole_sequences(model, data):
    sentences, V, m, A, B = model
    sentence = sentences[0]
    t = data.draw(st.integers(0, sentence.size - 1), label="t")
    marginal = np.zeros(m)
    for states in itertools.product(range(m), repeat=sentence.size):
        marginal[states[t]] += sequence_probability(sentence, states, A, B)
    prev = 0 if t == 0 else int(sentence[t - 1])
    np.testing.assert_allclose(em.posterior(A, B, prev, int(sentence[t])), marginal / marginal.sum(), rtol=1e-12)


@given(latent_bigram_models(max_length=4))
def test_log_likelihood_is_the_log_of_the_sum_over_latent_sequences(model):
    sentences, V, m, A, B = model
    total = 0.0
    for sentence in sentences:
        marginal = sum(sequence_probability(sentence, states, A, B) for states in itertools.product(range(m), repeat=sentence.size))
        total += math.log(marginal)
    assert em.log_likelihood(sentences, A, B) == pytest.approx(total, rel=1e-12)


def exact_em_update(sentences, V, m, A, B):
    """Seed 000 Problem 1.3 as printed, in exact rationals: count-weighted posteriors over distinct bigrams."""
    A_q = [[Fraction(float(a)) for a in row] for row in A]
    B_q = [[Fraction(float(b)) for b in row] for row in B]
    count = Counter((int(p), int(w)) for s in sentences for p, w in zip([0, *s[:-1]], s))

    def q(z, x, w):
        joint = [A_q[x][k] * B_q[k][w - 1] for k in range(m)]
        return joint[z] / sum(joint)

    A_new = np.zeros((V + 1, m))
    for x in range(V + 1):
        numerators = [sum(count[x, w] * q(z, x, w) for w in range(1, V + 1)) for z in range(m)]
        total = sum(numerators)
        A_new[x] = [float(n / total) if total else 1.0 / m for n in numerators]
    B_new = np.zeros((m, V))
    for z in range(m):
        numerators = [sum(count[x, w] * q(z, x, w) for x in range(V + 1)) for w in range(1, V + 1)]
        total = sum(numerators)
        B_new[z] = [float(n / total) if total else 1.0 / V for n in numerators]
    return A_new, B_new


@given(latent_bigram_models(max_vocab=4, max_states=3, max_sentences=3, max_length=4))
def test_em_step_is_the_m_step_of_problem_1_3_in_exact_rationals(model):
    sentences, V, m, A, B = model
    A_new, B_new, _ = em.em_step(sentences, A, B)
    A_exact, B_exact = exact_em_update(sentences, V, m, A, B)
    np.testing.assert_allclose(A_new, A_exact, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(B_new, B_exact, rtol=1e-12, atol=1e-15)


@given(latent_bigram_models(max_vocab=6, max_states=4, max_sentences=6, max_length=7))
@example(
    model=([np.array([1])] * 6, 1, 3, np.array([[0.4, 0.4, 0.2]] + [[1 / 3] * 3]), np.ones((3, 1))),
).via("V = 1: the log-likelihood is 0 up to rounding")
def test_log_likelihood_never_decreases_and_rows_stay_on_the_simplex(model):
    sentences, V, m, A, B = model
    history = []
    for _ in range(6):
        A, B, before = em.em_step(sentences, A, B)
        history.append(before)
        assert np.all(A >= 0) and np.all(B >= 0)
        np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-12)
        np.testing.assert_allclose(B.sum(axis=1), 1.0, rtol=1e-12)
    history.append(em.log_likelihood(sentences, A, B))
    for earlier, later in zip(history, history[1:]):
        assert later >= earlier - 1e-10 * max(1.0, abs(earlier))


@given(latent_bigram_models(), seeds)
def test_m_step_output_maximises_the_expected_complete_data_log_likelihood(model, seed):
    sentences, V, m, A, B = model
    context, emission, _ = em.expected_counts(sentences, A, B)
    A_new, B_new = em.m_step(context, emission)
    best = expected_complete_log_likelihood(context, emission, A_new, B_new)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        weight = rng.uniform(1e-6, 1.0)
        A_other = (1 - weight) * A_new + weight * rng.dirichlet(np.ones(m), size=V + 1)
        B_other = (1 - weight) * B_new + weight * rng.dirichlet(np.ones(V), size=m)
        assert expected_complete_log_likelihood(context, emission, A_other, B_other) <= best + 1e-12 * abs(best)


@given(latent_bigram_models(), st.permutations(range(3)))
def test_relabelling_the_states_permutes_the_result_and_changes_nothing_else(model, permutation):
    sentences, V, m, A, B = model
    order = [z for z in permutation if z < m]
    A_new, B_new, before = em.em_step(sentences, A, B)
    A_relabelled, B_relabelled, before_relabelled = em.em_step(sentences, A[:, order], B[order])
    np.testing.assert_allclose(A_relabelled, A_new[:, order], rtol=1e-12)
    np.testing.assert_allclose(B_relabelled, B_new[order], rtol=1e-12)
    assert before_relabelled == pytest.approx(before, rel=1e-12)


@given(corpora(), st.data())
def test_with_one_state_em_is_the_unigram_mle(corpus, data):
    sentences, V = corpus
    B = data.draw(simplex_rows(1, V))
    A_new, B_new, _ = em.em_step(sentences, np.ones((V + 1, 1)), B)
    frequencies = Counter(int(w) for s in sentences for w in s)
    total = sum(frequencies.values())
    np.testing.assert_array_equal(A_new, np.ones((V + 1, 1)))
    np.testing.assert_allclose(B_new[0], [frequencies[w] / total for w in range(1, V + 1)], rtol=1e-12)


@given(latent_bigram_models(max_states=3), st.data())
@example(
    model=([np.array([1, 2]), np.array([2])], 2, 2, np.array([[0.5, 0.5], [0.2, 0.8], [0.6, 0.4]]), np.array([[0.5, 0.5], [0.5, 0.5]])),
    data=None,
).via("a state owning every word: the other state gets no mass")
def test_counting_mle_is_recovered_when_each_word_reveals_its_state(model, data):
    """When B's rows have disjoint supports, z_t is observed through x_t and one EM step is the MLE of Problem 1.1."""
    sentences, V, m, A, _ = model
    owner = np.array([0] * V) if data is None else np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=V, max_size=V)))
    B = np.zeros((m, V))
    A = A.copy()
    for z in range(m):
        owned = owner == z
        if owned.any():
            B[z, owned] = 1.0 / owned.sum()
        else:
            B[z] = 1.0 / V
            A[:, z] = 0.0  # a state that owns no word is never used
    A = A / A.sum(axis=1, keepdims=True)
    latents = [owner[s - 1] for s in sentences]
    A_new, B_new, _ = em.em_step(sentences, A, B)
    A_mle, B_mle = em.mle_counts(sentences, latents, V, m)
    np.testing.assert_allclose(A_new, A_mle, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(B_new, B_mle, rtol=1e-12, atol=1e-15)


def test_rows_without_data_become_uniform_and_nothing_is_nan():
    sentences = [np.array([1, 2, 1]), np.array([2])]  # V = 4: contexts 3 and 4 never occur, word 3 and 4 never do
    A = np.array([[0.5, 0.5, 0.0]] * 5)  # state 2 has A[:, 2] = 0: it receives no mass
    B = np.full((3, 4), 0.25)
    A_new, B_new, before = em.em_step(sentences, A, B)
    assert np.all(np.isfinite(A_new)) and np.all(np.isfinite(B_new)) and math.isfinite(before)
    np.testing.assert_array_equal(A_new[3], np.full(3, 1 / 3))
    np.testing.assert_array_equal(A_new[4], np.full(3, 1 / 3))
    np.testing.assert_array_equal(B_new[2], np.full(4, 0.25))
    np.testing.assert_allclose(B_new[:2, 2:], 0.0)


def test_fit_records_the_history_and_stops_by_relative_change():
    sentences = [np.array([1, 2, 3, 1, 2]), np.array([3, 3, 1]), np.array([2, 1])]
    exact = em.fit(sentences, 3, 2, n_iter=5, tol=0.0, seed=4)
    assert exact.n_iter == 5 and not exact.converged and exact.log_likelihoods.shape == (6,)
    assert exact.log_likelihoods[-1] == pytest.approx(em.log_likelihood(sentences, exact.A, exact.B), rel=1e-14)
    early = em.fit(sentences, 3, 2, n_iter=500, tol=1e-3, seed=4)
    assert early.converged and early.n_iter < 500
    last, previous = early.log_likelihoods[-2], early.log_likelihoods[-3]
    assert abs(last - previous) <= 1e-3 * abs(previous)
    starts_A, starts_B = em.initial_params(3, 2, 4)
    np.testing.assert_array_equal(em.fit(sentences, 3, 2, n_iter=2, seed=4).A, em.fit(sentences, 3, 2, n_iter=2, init=(starts_A[0], starts_B[0])).A)


def test_initial_params_are_stochastic_and_each_start_ignores_how_many_are_drawn():
    A2, B2 = em.initial_params(5, 3, seed=9, restarts=2)
    A4, B4 = em.initial_params(5, 3, seed=9, restarts=4)
    np.testing.assert_array_equal(A2, A4[:2])
    np.testing.assert_array_equal(B2, B4[:2])
    np.testing.assert_allclose(A4.sum(axis=2), 1.0, rtol=1e-14)
    assert A4.min() > 0 and B4.min() > 0 and not np.allclose(A4[0], A4[1])


def test_sampled_corpus_follows_the_model():
    rng = np.random.default_rng(0)
    A = np.array([[0.7, 0.3], [0.1, 0.9], [0.5, 0.5], [0.9, 0.1]])
    B = np.array([[0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])
    lengths = np.full(2000, 10)
    sentences = em.sample_corpus(A, B, lengths, rng.random((lengths.sum(), 2)))
    assert [s.size for s in sentences] == lengths.tolist()
    counts = em.bigram_counts(sentences, 3)
    empirical = counts / counts.sum(axis=1, keepdims=True)
    bound = 5 * np.sqrt(0.25 / counts.sum(axis=1, keepdims=True))
    assert np.all(np.abs(empirical - A @ B) <= bound)


def test_sampling_uses_the_inverse_cdf_with_boundaries_going_up():
    A = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
    B = np.array([[1.0, 0.0], [0.0, 1.0]])
    uniforms = np.array([[0.0, 0.3], [0.5, 0.3], [0.4999, 0.9]])
    assert em.sample_corpus(A, B, [3], uniforms)[0].tolist() == [1, 2, 1]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: em.bigram_counts([np.array([0, 1])], 2), "token ids"),
        (lambda: em.bigram_counts([np.array([3])], 2), "token ids"),
        (lambda: em.bigram_counts([np.array([1.5])], 2), "integer"),
        (lambda: em.bigram_counts([np.array([1])], 0), "V"),
        (lambda: em.em_step([np.array([1])], np.array([[1.2, -0.2], [0.5, 0.5]]), np.ones((2, 1))), "A"),
        (lambda: em.em_step([np.array([1])], np.array([[0.5, 0.6], [0.5, 0.5]]), np.ones((2, 1))), "sum to 1"),
        (lambda: em.em_step([np.array([1])], np.ones((3, 1)), np.ones((1, 1))), "shapes"),
        (lambda: em.em_step([np.array([1])], np.array([[1.0, 0.0]] * 3), np.array([[0.0, 1.0], [1.0, 0.0]])), "probability 0"),
        (lambda: em.mle_counts([np.array([1])], [np.array([2])], 1, 2), "latents"),
        (lambda: em.mle_counts([np.array([1])], [], 1, 2), "latents"),
        (lambda: em.fit([np.array([1])], 1, 0), "m"),
        (lambda: em.fit([np.array([1])], 1, 1, n_iter=0), "n_iter"),
        (lambda: em.fit([np.array([1])], 1, 1, tol=-1.0), "tol"),
        (lambda: em.fit([np.array([], dtype=np.int64)], 1, 1), "empty"),
        (lambda: em.fit([np.array([1])], 1, 2, init=(np.ones((2, 1)), np.ones((1, 1)))), "init"),
        (lambda: em.sample_corpus(np.ones((2, 1)), np.ones((1, 1)), [2], np.full((2, 2), 1.0)), "uniforms"),
    ],
)
def test_bad_input_raises_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()
