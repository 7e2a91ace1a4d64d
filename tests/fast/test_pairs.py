"""Every reference/fast pair of the table agrees on random inputs, in float64 and float32 (elbocheck.pairs)."""

import pytest
from hypothesis import given, strategies as st

from elbocheck.pairs import all_pairs, run_trial
from tests.strategies import seeds

PAIRS = all_pairs()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("pair", PAIRS, ids=[pair.name for pair in PAIRS])
@given(seed=seeds, data=st.data())
def test_fast_matches_reference(pair, dtype, seed, data):
    size = data.draw(st.sampled_from(pair.sizes), label="size")
    trial = run_trial(pair, size, seed, dtype, device="cpu")
    assert trial.passed, trial.describe()
