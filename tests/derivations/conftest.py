import pytest

from elbocheck.derivations import claims


@pytest.fixture(scope="session")
def results():
    """The whole ledger, decided once for the session, by claim id."""
    return {result.claim.id: result for result in claims.ledger(jobs=2)}
