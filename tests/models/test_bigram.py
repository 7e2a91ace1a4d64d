"""LatentBigramModel against the literal NumPy EM of `reference.bigram_em`: the fitted parameters and history, the
score, perplexity and samples, hmmlearn's input conventions, scikit-learn's parameter protocol, and bad input."""

import math

import numpy as np
import pytest
from sklearn.base import clone

from elbocheck.models import LatentBigramModel
from elbocheck.reference import bigram_em as reference

V, M = 6, 3


def corpus(seed: int, sentences: int = 12):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, V, size=int(rng.integers(1, 7))) for _ in range(sentences)]


def column(sentences):
    return np.concatenate(sentences)[:, None], [len(s) for s in sentences]


def test_fit_equals_the_reference_em_restart_by_restart():
    sentences = corpus(0)
    X, lengths = column(sentences)
    model = LatentBigramModel(n_states=M, n_restarts=3, tol=0.0, max_iter=7, random_state=5, n_features=V).fit(X, lengths)
    ids = [s + 1 for s in sentences]
    starts_A, starts_B = reference.initial_params(V, M, seed=5, restarts=3)
    fits = [reference.fit(ids, V, M, n_iter=7, tol=0.0, init=(starts_A[r], starts_B[r])) for r in range(3)]
    best = int(np.argmax([fit.log_likelihoods[-1] for fit in fits]))
    assert model.best_restart_ == best and model.n_iter_ == 7 and not model.converged_
    np.testing.assert_allclose(model.A_, fits[best].A, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(model.emission_, fits[best].B, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(model.start_, fits[best].A[0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(model.transition_, fits[best].A[1:], rtol=1e-10, atol=1e-13)
    for r in range(3):
        np.testing.assert_allclose(model.restart_log_likelihood_histories_[r], fits[r].log_likelihoods, rtol=1e-10)
    np.testing.assert_allclose(model.log_likelihood_history_, fits[best].log_likelihoods, rtol=1e-10)


def test_score_and_perplexity_equal_the_reference_likelihood_on_new_sentences():
    model = LatentBigramModel(n_states=M, max_iter=5, n_features=V).fit(*column(corpus(1)))
    test = corpus(2, sentences=5)
    expected = reference.log_likelihood([s + 1 for s in test], model.A_, model.B_)
    assert model.score(*column(test)) == pytest.approx(expected, rel=1e-12)
    assert model.score(test) == pytest.approx(expected, rel=1e-12)
    tokens = sum(len(s) for s in test)
    assert model.perplexity(*column(test)) == pytest.approx(math.exp(-expected / tokens), rel=1e-12)


def test_a_bigram_of_probability_zero_scores_minus_infinity():
    sentences = [np.array([0, 1]), np.array([0, 1])]
    model = LatentBigramModel(n_states=1, max_iter=3, n_features=3).fit(sentences)
    assert model.score([[2]]) == -math.inf and model.perplexity([[2]]) == math.inf


def test_sample_draws_the_reference_sentences_from_the_same_uniforms():
    model = LatentBigramModel(n_states=M, max_iter=4, n_features=V).fit(*column(corpus(3)))
    lengths = [3, 0, 5, 2]
    drawn = model.sample(lengths, random_state=11)
    uniforms = np.random.default_rng(11).random((sum(lengths), 2))
    expected = reference.sample_corpus(model.A_, model.B_, lengths, uniforms)
    assert [list(s) for s in drawn] == [list(s - 1) for s in expected]


def test_words_are_fitted_as_their_ids_in_order_of_first_appearance():
    text = ["the cat sat", "the dog sat on the mat", "a cat"]
    model = LatentBigramModel(n_states=2, max_iter=6, random_state=1).fit(text)
    assert model.vocabulary_ == ["the", "cat", "sat", "dog", "on", "mat", "a"]
    index = {word: i for i, word in enumerate(model.vocabulary_)}
    ids = [np.array([index[w] for w in s.split()]) for s in text]
    by_ids = LatentBigramModel(n_states=2, max_iter=6, random_state=1).fit(ids)
    np.testing.assert_array_equal(model.A_, by_ids.A_)
    assert model.score([["a", "cat", "sat"]]) == pytest.approx(by_ids.score([[6, 1, 2]]), rel=1e-12)
    assert all(word in model.vocabulary_ for sentence in model.sample([4, 2], random_state=0) for word in sentence)


def test_parameters_follow_scikit_learns_protocol():
    model = LatentBigramModel(n_states=4, n_restarts=2, tol=1e-5)
    assert model.get_params()["n_states"] == 4 and model.set_params(max_iter=9).max_iter == 9
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "A_")
    fitted = model.fit(*column(corpus(4)))
    assert fitted is model and model.A_.shape == (V + 1, 4) and model.B_.shape == (4, V)
    np.testing.assert_allclose(model.A_.sum(axis=1), 1.0, rtol=1e-12)


def test_float32_fits_close_to_float64():
    X, lengths = column(corpus(6))
    double = LatentBigramModel(n_states=M, max_iter=5, tol=0.0, n_features=V).fit(X, lengths)
    single = LatentBigramModel(n_states=M, max_iter=5, tol=0.0, n_features=V, dtype="float32").fit(X, lengths)
    assert single.A_.dtype == np.float32
    np.testing.assert_allclose(single.A_, double.A_, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("params, fit_input, message", [
    ({"n_states": 0}, None, "n_states"),
    ({"n_restarts": 0}, None, "n_restarts"),
    ({"tol": -1.0}, None, "tol"),
    ({"tol": float("nan")}, None, "tol"),
    ({"max_iter": 0}, None, "max_iter"),
    ({"random_state": -1}, None, "random_state"),
    ({"dtype": "float16"}, None, "dtype"),
    ({"device": "tpu"}, None, "device"),
    ({}, (np.zeros((0, 1), dtype=np.int64), None), "empty corpus"),
    ({}, (np.array([[0.5], [1.0]]), None), "integer token ids"),
    ({}, (np.array([[0], [1], [2]]), [2, 2]), "lengths"),
    ({"n_features": 2}, (np.array([[0], [1], [2]]), None), "0..n_features-1"),
    ({}, ([["a", 1]], None), "integer ids, not both"),
])
def test_bad_input_raises_value_error_naming_it(params, fit_input, message):
    X, lengths = fit_input if fit_input is not None else column(corpus(7))
    with pytest.raises(ValueError, match=message):
        LatentBigramModel(**params).fit(X, lengths)


def test_scoring_unknown_words_or_before_fitting_is_refused():
    with pytest.raises(ValueError, match="not fitted"):
        LatentBigramModel().score([[0, 1]])
    model = LatentBigramModel(n_states=1, max_iter=2).fit(["a b", "b a"])
    with pytest.raises(ValueError, match="'c' is not in the fitted vocabulary"):
        model.score(["a c"])
