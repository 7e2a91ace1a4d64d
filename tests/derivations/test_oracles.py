"""Each claim's verdict agrees with an independent NumPy/SciPy computation (tests/derivations/oracles/)."""

import numpy as np
import pytest

from elbocheck.derivations import claims
from elbocheck.derivations.checks import Verdict
from tests.derivations.oracles import CORRECTED, ORACLES

IDS = sorted(claim.id for claim in claims.registry())
INSTANCES = 4


def test_every_claim_has_an_oracle(results):
    assert set(ORACLES) == set(IDS)
    refuted = {claim_id for claim_id, result in results.items() if result.verdict is Verdict.REFUTED}
    assert set(CORRECTED) == refuted


@pytest.mark.parametrize("claim_id", IDS)
def test_verdict_agrees_with_independent_computation(claim_id, results):
    outcomes = [ORACLES[claim_id](np.random.default_rng([index, len(claim_id)])) for index in range(INSTANCES)]
    if results[claim_id].verdict is Verdict.REFUTED:
        assert not all(outcomes), f"{claim_id} is refuted, but the printed statement held at every instance"
        corrected = [CORRECTED[claim_id](np.random.default_rng([index, 7])) for index in range(INSTANCES)]
        assert all(corrected), f"{claim_id}: the corrected statement failed at an instance"
    else:
        assert all(outcomes), f"{claim_id} is {results[claim_id].verdict.value}, but failed at an instance"
