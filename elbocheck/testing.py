"""Checking your own implementation against elbocheck's references from inside your test suite.

    from elbocheck.testing import assert_matches_reference

    def test_my_kl():
        assert_matches_reference(my_kl, "vae.kl_to_standard_normal", trials=5, dtype="float32")

The function is called where the pair calls elbocheck's fast function (`elbocheck crosscheck --list` shows each
pair's arguments) on the pair's edge inputs and on random inputs at each of its sizes; see
elbocheck.pairs.candidate for how results are judged.
"""

from __future__ import annotations

from typing import Any, Callable

from elbocheck.pairs.candidate import DEFAULT_TIME_LIMIT, CandidateReport, check_candidate, find_pair


def assert_matches_reference(fn: Callable[..., Any], pair: str, *, trials: int = 3, dtype: str = "float64",
                             device: str = "cpu", seed: int = 0, numpy: bool = False,
                             time_limit: float | None = DEFAULT_TIME_LIMIT) -> CandidateReport:
    """Raise AssertionError with the crosscheck report (the smallest failing input shrunk, the seed, both outputs,
    the first index where they differ) unless `fn` matches the reference of `pair` on every input within the
    pair's tolerance for `dtype`. `numpy=True` passes NumPy arrays instead of torch tensors. A call running longer
    than `time_limit` seconds fails. `device`: 'cpu', 'cuda', 'cuda:N' or 'auto'. Returns the report when it
    passes; ValueError for an unknown pair, dtype, trials or device, or CUDA asked for where there is none."""
    report = check_candidate(find_pair(pair, option="pair"), fn, name=getattr(fn, "__qualname__", repr(fn)),
                             dtype=dtype, device=device, trials=trials, seed=seed, numpy=numpy,
                             time_limit=time_limit)
    if not report.passed:
        raise AssertionError(report.format())
    return report


__all__ = ["assert_matches_reference"]
