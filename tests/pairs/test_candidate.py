"""A user's function checked against a pair's reference (elbocheck.pairs.candidate, elbocheck.testing): right,
wrong, raising, wrongly shaped or typed, NaN-returning and slow candidates, judged against the closed form of the
KL divergence to N(0, I), 1/2 sum(mu^2 + e^logvar - 1 - logvar) (seed 001 section 4)."""

import math

import numpy as np
import pytest
import torch

from elbocheck.pairs.candidate import check_candidate, complexity, find_pair, load_candidate
from elbocheck.testing import assert_matches_reference

PAIR = "vae.kl_to_standard_normal"


def kl_closed_form(mu, logvar):
    return 0.5 * np.sum(mu ** 2 + np.exp(logvar) - 1.0 - logvar, axis=-1)


def right(mu, logvar):
    return 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(-1)


def without_minus_one(mu, logvar):
    return 0.5 * (mu ** 2 + logvar.exp() - logvar).sum(-1)


def raises(mu, logvar):
    raise RuntimeError("not written yet")


def wrong_shape(mu, logvar):
    return right(mu, logvar)[:, None]


def wrong_dtype(mu, logvar):
    return right(mu, logvar).double()


def nan_first(mu, logvar):
    out = right(mu, logvar).clone()
    out[0] = math.nan
    return out


def loops_forever(mu, logvar):
    while True:
        pass


def numpy_right(mu, logvar):
    return 0.5 * np.sum(mu ** 2 + np.exp(logvar) - 1 - logvar, axis=-1)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_right_candidate_passes(dtype):
    report = assert_matches_reference(right, PAIR, trials=2, dtype=dtype)
    assert report.passed and report.max_error <= report.rtol


def test_a_numpy_candidate_gets_numpy_arrays():
    assert assert_matches_reference(numpy_right, PAIR, dtype="float32", numpy=True).passed
    with pytest.raises(AssertionError, match="raised"):
        assert_matches_reference(right, PAIR, numpy=True)  # numpy arrays have no .exp()


def test_a_wrong_candidate_fails_with_a_shrunk_input_that_really_fails():
    report = check_candidate(find_pair(PAIR), without_minus_one, trials=2)
    assert not report.passed and report.shrunk is not None
    mu, logvar = report.shrunk.sample.args
    first = min(report.failures, key=lambda outcome: outcome.sample.args[0].size)
    assert mu.size <= first.sample.args[0].size
    assert all(complexity(float(x))[0] <= 3 for x in np.concatenate([mu.ravel(), logvar.ravel()]))
    expected = kl_closed_form(mu, logvar)
    got = without_minus_one(torch.tensor(mu), torch.tensor(logvar)).numpy()
    assert not np.allclose(got, expected, rtol=1e-10, atol=0)
    np.testing.assert_allclose(report.shrunk.reference_result, expected, rtol=1e-12, atol=1e-300)
    index = report.shrunk.verdict.index
    assert got[index] != expected[index]
    text = report.format()
    assert "smallest failing input" in text and "reference:" in text and "candidate:" in text
    assert f"first difference: index {index}" in text and "seed: 0" in text


@pytest.mark.parametrize("candidate, kind, words", [
    (raises, "raised", "raised RuntimeError: not written yet"),
    (wrong_shape, "shape", "shape (1, 1) where the reference has (1,)"),
    (nan_first, "NaN", "NaN at index (0,) where the reference is finite"),
])
def test_a_broken_candidate_is_a_failing_row_saying_which(candidate, kind, words):
    report = check_candidate(find_pair(PAIR), candidate, trials=1)
    assert not report.passed and set(report.problems()) == {kind}
    assert words in report.format()
    with pytest.raises(AssertionError, match=kind if kind != "shape" else "shape"):
        assert_matches_reference(candidate, PAIR, trials=1)


def test_a_candidate_returning_the_wrong_dtype_fails_in_float32():
    report = check_candidate(find_pair(PAIR), wrong_dtype, trials=1, dtype="float32")
    assert set(report.problems()) == {"dtype"} and "dtype float64 where float32 is expected" in report.format()


def test_a_slow_candidate_is_stopped_at_the_time_limit_and_the_rest_skipped():
    report = check_candidate(find_pair(PAIR), loops_forever, trials=2, time_limit=0.2)
    assert set(report.problems()) == {"timed out"} and len(report.outcomes) == 1
    pair = find_pair(PAIR)
    every_input = len(pair.edges) + 2 * len(pair.sizes)
    assert report.skipped == every_input - 1 and "not tried after a call ran past the time limit" in report.format()


def test_an_integer_result_must_match_exactly_and_an_edge_input_finds_the_wrong_interval():
    def closed_intervals(P, eps):  # (c_{i-1}, c_i] instead of [c_{i-1}, c_i): a zero-probability word at eps = 0
        return torch.searchsorted(torch.cumsum(P, -1), eps, right=False)

    report = check_candidate(find_pair("sampler.first_word"), closed_intervals, trials=1)
    assert not report.passed and "(integers must match exactly)" in report.format()
    P, eps = report.shrunk.sample.args
    cumulative = np.cumsum(P)
    right_intervals = np.searchsorted(cumulative, eps, side="right")
    assert not np.array_equal(right_intervals, np.searchsorted(cumulative, eps, side="left"))


def test_unknown_pairs_and_unloadable_candidates_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown pair"):
        assert_matches_reference(right, "vae.kl_to_standard")
    with pytest.raises(ValueError, match="MODULE:FUNCTION"):
        load_candidate("no_colon_here")
    with pytest.raises(ValueError, match="cannot import"):
        load_candidate("no_such_module_here:f")
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    with pytest.raises(ValueError, match="SyntaxError"):
        load_candidate(f"{broken}:f")
    fine = tmp_path / "fine.py"
    fine.write_text("VALUE = 3\n\ndef kl(mu, logvar):\n    return mu\n")
    with pytest.raises(ValueError, match="no function 'missing'"):
        load_candidate(f"{fine}:missing")
    with pytest.raises(ValueError, match="not a function"):
        load_candidate(f"{fine}:VALUE")
    assert load_candidate(f"{fine}:kl").__name__ == "kl"


def test_a_candidate_of_a_wrapped_pair_is_wrapped_the_same_way():
    """vae.negative_elbo_gradients compares every weight's gradient as one vector; a candidate returning
    (loss, gradient tree) as fast.vae does is flattened alike before it is judged."""
    from elbocheck.fast import vae

    report = check_candidate(find_pair("vae.negative_elbo_gradients[bernoulli]"), vae.negative_elbo_gradients,
                             trials=1)
    assert report.passed, report.format()


def test_a_candidate_writing_into_its_inputs_does_not_change_the_input_reported():
    def in_place(mu, logvar):
        result = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(-1)
        mu.add_(1.0)
        return result * 1.5

    report = check_candidate(find_pair(PAIR), in_place, trials=1)
    mu, logvar = report.shrunk.sample.args
    np.testing.assert_allclose(report.shrunk.reference_result, kl_closed_form(mu, logvar), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(("device", "words"), [("gpu", "expected 'cpu', 'cuda' or 'auto'"),
                                               pytest.param("cuda", "no CUDA device is available",
                                                            marks=pytest.mark.skipif(torch.cuda.is_available(),
                                                                                     reason="CUDA is present"))])
def test_an_unknown_or_absent_device_is_a_value_error_naming_it(device, words):
    with pytest.raises(ValueError, match=f"device: .*{words}"):
        assert_matches_reference(right, PAIR, device=device)
    assert assert_matches_reference(right, PAIR, device="auto").passed
