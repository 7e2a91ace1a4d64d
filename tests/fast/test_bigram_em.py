"""The sparse PyTorch EM of the latent bigram model (fast/bigram_em.py) against the literal reference and against
what EM must do: k iterations equal, a monotone likelihood, batched restarts equal separate runs, valid rows for
contexts never seen, determinism, sparsity at 200k words, and a planted model recovered."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, strategies as st

from elbocheck.fast import bigram_em as fast
from elbocheck.reference import bigram_em as reference
from tests.strategies import latent_bigram_models

DTYPES = {"float64": (torch.float64, 1e-10), "float32": (torch.float32, 1e-5)}


def as_tensors(sentences):
    return [torch.from_numpy(sentence) for sentence in sentences]


def random_corpus(seed: int, V: int, n_sentences: int, max_length: int, used_words: int | None = None):
    rng = np.random.default_rng(seed)
    high = used_words or V
    return [rng.integers(1, high + 1, size=int(rng.integers(1, max_length + 1))) for _ in range(n_sentences)]


def planted_model(seed: int, V: int, m: int):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.full(m, 0.3), size=V + 1), rng.dirichlet(np.full(V, 0.3), size=m)


def sample(A: np.ndarray, B: np.ndarray, n_sentences: int, length: int, seed: int):
    lengths = np.full(n_sentences, length)
    uniforms = np.random.default_rng(seed).random((int(lengths.sum()), 2))
    return fast.sample_corpus(torch.from_numpy(A), torch.from_numpy(B), torch.from_numpy(lengths), torch.from_numpy(uniforms))


@pytest.mark.parametrize("dtype_name", list(DTYPES))
@given(model=latent_bigram_models(max_vocab=7, max_states=4, max_sentences=6, max_length=7), iterations=st.integers(1, 8))
@example(model=([np.array([1])], 1, 3, np.full((2, 3), 1 / 3), np.ones((3, 1))), iterations=1).via(
    "V = 1: the log-likelihood is 0 up to rounding, so the tolerance is absolute near 0"
)
def test_k_iterations_equal_the_reference_from_the_same_start(dtype_name, model, iterations):
    dtype, rtol = DTYPES[dtype_name]
    sentences, V, m, A, B = model
    A, B = A.astype(dtype_name).astype(np.float64), B.astype(dtype_name).astype(np.float64)
    expected = reference.fit(sentences, V, m, n_iter=iterations, tol=0.0, init=(A, B))
    counts = fast.bigram_counts(as_tensors(sentences), V, dtype=dtype)
    result = fast.fit(counts, m, n_iter=iterations, tol=0.0, init=(torch.from_numpy(A), torch.from_numpy(B)))
    for got, want in ((result.A, expected.A), (result.B, expected.B), (result.log_likelihoods, expected.log_likelihoods)):
        np.testing.assert_allclose(got.double().numpy(), want, rtol=rtol, atol=rtol * max(1.0, np.abs(want).max()))


@pytest.mark.parametrize("dtype_name", list(DTYPES))
def test_log_likelihood_never_decreases(dtype_name):
    dtype, _ = DTYPES[dtype_name]
    counts = fast.bigram_counts(as_tensors(random_corpus(1, 60, 200, 12)), 60, dtype=dtype)
    history = fast.fit(counts, 6, n_iter=40, tol=0.0, seed=2, restarts=3).log_likelihoods.double()
    rounding = 1e-12 if dtype == torch.float64 else 1e-6
    assert torch.all(history[1:] >= history[:-1] - rounding * history[:-1].abs())
    assert history[-1] > history[0]


def test_batched_restarts_equal_separate_runs_and_the_best_is_returned():
    counts = fast.bigram_counts(as_tensors(random_corpus(3, 25, 60, 9)), 25, dtype=torch.float64)
    batched = fast.fit(counts, 4, n_iter=15, tol=0.0, seed=7, restarts=3)
    starts_A, starts_B = fast.initial_params(25, 4, 7, 3, dtype=torch.float64)
    separate = [fast.fit(counts, 4, n_iter=15, tol=0.0, init=(starts_A[r], starts_B[r])) for r in range(3)]
    finals = torch.stack([run.log_likelihoods[-1] for run in separate])
    torch.testing.assert_close(batched.restart_log_likelihoods, finals, rtol=1e-12, atol=0)
    best = int(torch.argmax(finals))
    torch.testing.assert_close(batched.A, separate[best].A, rtol=1e-10, atol=1e-14)
    torch.testing.assert_close(batched.log_likelihoods, separate[best].log_likelihoods, rtol=1e-12, atol=0)


def test_a_seed_gives_the_reference_start_and_the_reference_fit():
    sentences = random_corpus(4, 9, 12, 6)
    expected = reference.fit(sentences, 9, 3, n_iter=6, tol=0.0, seed=11)
    result = fast.fit(fast.bigram_counts(as_tensors(sentences), 9, dtype=torch.float64), 3, n_iter=6, tol=0.0, seed=11)
    np.testing.assert_allclose(result.A.numpy(), expected.A, rtol=1e-10)
    np.testing.assert_allclose(result.log_likelihoods.numpy(), expected.log_likelihoods, rtol=1e-12)


@pytest.mark.parametrize("dtype_name", list(DTYPES))
def test_contexts_never_seen_and_states_without_mass_keep_uniform_rows(dtype_name):
    dtype, _ = DTYPES[dtype_name]
    counts = fast.bigram_counts(as_tensors(random_corpus(5, 40, 30, 8, used_words=10)), 40, dtype=dtype)
    A, B = fast.initial_params(40, 4, 0, dtype=dtype)
    A[:, :, 3] = 0.0  # state 3 is never entered: it gets no mass
    A = A / A.sum(dim=-1, keepdim=True)
    result = fast.fit(counts, 4, n_iter=20, tol=0.0, init=(A, B))
    assert torch.isfinite(result.A).all() and torch.isfinite(result.B).all() and torch.isfinite(result.log_likelihoods).all()
    torch.testing.assert_close(result.A[11:], torch.full((30, 4), 0.25, dtype=dtype))
    torch.testing.assert_close(result.B[3], torch.full((40,), 1 / 40, dtype=dtype))
    torch.testing.assert_close(result.B[:3, 10:], torch.zeros(3, 30, dtype=dtype))


def test_one_state_is_the_unigram_mle():
    sentences = random_corpus(6, 12, 40, 7)
    result = fast.fit(fast.bigram_counts(as_tensors(sentences), 12, dtype=torch.float64), 1, n_iter=1, tol=0.0)
    frequencies = np.bincount(np.concatenate(sentences) - 1, minlength=12)
    np.testing.assert_allclose(result.B[0].numpy(), frequencies / frequencies.sum(), rtol=1e-13)
    np.testing.assert_array_equal(result.A.numpy(), np.ones((13, 1)))


def test_the_same_seed_gives_bit_identical_results_on_cpu():
    counts = fast.bigram_counts(as_tensors(random_corpus(7, 300, 400, 15)), 300)
    first = fast.fit(counts, 8, n_iter=10, tol=0.0, seed=5, restarts=2)
    second = fast.fit(counts, 8, n_iter=10, tol=0.0, seed=5, restarts=2)
    assert torch.equal(first.A, second.A) and torch.equal(first.B, second.B)
    assert torch.equal(first.log_likelihoods, second.log_likelihoods)


def test_two_hundred_thousand_words_need_no_dense_count_matrix():
    """Dense, C would take 320 GB; the sparse iteration touches only its nonzeros and still equals the reference."""
    V, m = 200_000, 2
    sentences = [np.array([5, 199_999, 5, 200_000]), np.array([123_456, 5])]
    A, B = reference.initial_params(V, m, seed=0)
    expected = reference.em_step(sentences, A[0], B[0])
    counts = fast.bigram_counts(as_tensors(sentences), V, dtype=torch.float64)
    got = fast.em_step(counts, torch.from_numpy(A[0]), torch.from_numpy(B[0]))
    assert counts.nnz == 6
    for value, want in zip(got, expected):
        np.testing.assert_allclose(np.asarray(value), want, rtol=1e-10)


def test_a_planted_model_is_fitted_at_least_as_well_as_the_truth():
    V, m = 10, 3
    A_true, B_true = planted_model(8, V, m)
    train = fast.bigram_counts(sample(A_true, B_true, 2000, 12, seed=1), V, dtype=torch.float64)
    heldout = fast.bigram_counts(sample(A_true, B_true, 1000, 12, seed=2), V, dtype=torch.float64)
    result = fast.fit(train, m, n_iter=400, tol=1e-10, seed=3, restarts=4)
    truth = (torch.from_numpy(A_true), torch.from_numpy(B_true))
    assert float(result.log_likelihoods[-1]) >= float(fast.log_likelihood(train, *truth))
    per_token = lambda counts, A, B: float(fast.log_likelihood(counts, A, B)) / counts.n_tokens  # noqa: E731
    assert per_token(heldout, result.A, result.B) >= per_token(heldout, *truth) - 0.01


def test_sampling_equals_the_reference_token_for_token():
    A, B = planted_model(9, 30, 4)
    rng = np.random.default_rng(10)
    lengths = rng.integers(0, 20, size=50)
    uniforms = rng.random((int(lengths.sum()), 2))
    expected = reference.sample_corpus(A, B, lengths, uniforms)
    got = fast.sample_corpus(torch.from_numpy(A), torch.from_numpy(B), torch.from_numpy(lengths), torch.from_numpy(uniforms))
    assert [s.tolist() for s in got] == [s.tolist() for s in expected]


def test_posterior_of_many_tokens_equals_the_reference_token_by_token():
    A, B = planted_model(11, 6, 3)
    prev, word = np.array([[0, 3], [6, 1]]), np.array([[1, 6], [2, 2]])
    got = fast.posterior(torch.from_numpy(A), torch.from_numpy(B), torch.from_numpy(prev), torch.from_numpy(word))
    assert got.shape == (2, 2, 3)
    for i, j in np.ndindex(prev.shape):
        np.testing.assert_allclose(got[i, j].numpy(), reference.posterior(A, B, prev[i, j], word[i, j]), rtol=1e-13)


def test_mle_counts_in_float32_match_the_reference():
    sentences = random_corpus(12, 8, 20, 6)
    latents = [np.random.default_rng(13).integers(0, 3, size=s.size) for s in sentences]
    A, B = fast.mle_counts(as_tensors(sentences), as_tensors(latents), 8, 3)
    A_ref, B_ref = reference.mle_counts(sentences, latents, 8, 3)
    assert A.dtype == torch.float32
    np.testing.assert_allclose(A.numpy(), A_ref, rtol=1e-6)
    np.testing.assert_allclose(B.numpy(), B_ref, rtol=1e-6)


def test_counts_move_between_dtypes_and_empty_sentences_count_nothing():
    counts = fast.bigram_counts([torch.tensor([2, 2]), torch.tensor([], dtype=torch.int64), torch.tensor([1])], 2)
    assert counts.values.dtype == torch.float32 and counts.n_tokens == 3.0
    dense = counts.to(dtype=torch.float64).dense()
    assert dense.dtype == torch.float64
    assert dense.tolist() == [[1.0, 1.0], [0.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda c, A, B: fast.fit(c, 2, n_iter=0), "n_iter"),
        (lambda c, A, B: fast.fit(c, 2, tol=-1.0), "tol"),
        (lambda c, A, B: fast.fit(c, 0), "m"),
        (lambda c, A, B: fast.fit(c, 2, init=(A[:, :1], B)), "init|shapes"),
        (lambda c, A, B: fast.fit(fast.bigram_counts([torch.tensor([], dtype=torch.int64)], 3), 2), "empty"),
        (lambda c, A, B: fast.em_step(c.dense(), A, B), "counts"),
        (lambda c, A, B: fast.em_step(fast.bigram_counts([torch.tensor([1])], 4), A, B), "V"),
        (lambda c, A, B: fast.em_step(c, -A, B), "A"),
        (lambda c, A, B: fast.em_step(c, A * 0.5, B), "sum to 1"),
        (lambda c, A, B: fast.em_step(c, A, B.float()), "dtype"),
        (lambda c, A, B: fast.bigram_counts([torch.tensor([4])], 3), "token ids"),
        (lambda c, A, B: fast.bigram_counts([torch.tensor([1.0])], 3), "integer"),
        (lambda c, A, B: fast.sample_corpus(A, B, torch.tensor([2]), torch.ones(2, 2)), "uniforms"),
    ],
)
def test_bad_input_raises_value_error_naming_it(call, message):
    counts = fast.bigram_counts([torch.tensor([1, 2, 3])], 3, dtype=torch.float64)
    A, B = (x[0] for x in fast.initial_params(3, 2, 0, dtype=torch.float64))
    with pytest.raises(ValueError, match=message):
        call(counts, A, B)


@pytest.mark.gpu
def test_cuda_is_deterministic_and_agrees_with_cpu():
    sentences = as_tensors(random_corpus(14, 2000, 3000, 20))
    cpu = fast.fit(fast.bigram_counts(sentences, 2000, dtype=torch.float64), 16, n_iter=20, tol=0.0, seed=1, restarts=3)
    counts = fast.bigram_counts(sentences, 2000, dtype=torch.float64, device="cuda")
    first = fast.fit(counts, 16, n_iter=20, tol=0.0, seed=1, restarts=3)
    second = fast.fit(counts, 16, n_iter=20, tol=0.0, seed=1, restarts=3)
    assert torch.equal(first.A, second.A) and torch.equal(first.log_likelihoods, second.log_likelihoods)
    torch.testing.assert_close(first.A.cpu(), cpu.A, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(first.log_likelihoods.cpu(), cpu.log_likelihoods, rtol=1e-12, atol=0)


def test_a_fit_resumed_from_its_parameters_and_last_log_likelihood_follows_the_uninterrupted_one():
    counts = fast.bigram_counts(as_tensors(random_corpus(8, 20, 60, 8)), 20, dtype=torch.float64)
    whole = fast.fit(counts, 3, n_iter=40, tol=1e-3, seed=1)
    assert whole.converged and 4 < whole.n_iter < 40
    seen = []
    first = fast.fit(counts, 3, n_iter=3, tol=1e-3, seed=1, callback=lambda i, A, B, before: seen.append((A, B, before)))
    A, B, _ = seen[-1]
    rest = fast.fit(counts, 3, n_iter=37, tol=1e-3, init=(A, B), previous=seen[-1][2])
    assert first.n_iter + rest.n_iter == whole.n_iter and rest.converged
    torch.testing.assert_close(torch.cat([first.log_likelihoods[:-1], rest.log_likelihoods]), whole.log_likelihoods,
                               rtol=1e-12, atol=0)
    torch.testing.assert_close(rest.A, whole.A, rtol=1e-12, atol=1e-300)
