"""elbocheck: the documents' claims decided, their algorithms implemented literally and fast, and cross-checked."""

__version__ = "0.1.0"


def check(statement: str, symbols: dict | None = None, *, tolerance=None, syntax: str = "sympy",
          timeout: float = 60.0) -> dict:
    """Decide one statement in the claims-file language: proved, verified, refuted (with a counterexample and
    the single edits that make it hold) or undecided; see elbocheck.derivations.checking.check."""
    from elbocheck.derivations.checking import check as decide_statement

    return decide_statement(statement, symbols, tolerance=tolerance, syntax=syntax, timeout=timeout)
