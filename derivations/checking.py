"""Deciding the claims of a claims file, or one statement, each in its own time-boxed process.

A claim whose process runs out of time or memory is `undecided`, with the reason; the others are decided by
engine.decide (with a diagnosis for the refuted ones). Results have the keys of `elbocheck check --json`.
"""

from __future__ import annotations

import os
import re

from elbocheck.derivations import engine
from elbocheck.derivations.claimsfile import ClaimsFile, ClaimsFileError, FileClaim, parse, symbol_for
from elbocheck.derivations.workers import Finished, run_isolated

TIMEOUT = 60.0


def _decide(claim: FileClaim, domains: dict) -> dict:
    return engine.decide(claim.statement, domains, claim.tolerance).to_json()


def _record(claim: FileClaim, finished: Finished) -> dict:
    record = {"id": claim.id, "where": claim.where, "statement": claim.text}
    if finished.status == "ok":
        record.update(finished.value)
    else:
        why = {"timeout": "neither a proof nor a counterexample within the time box",
               "memory": "the claim's process reached its memory bound",
               "crashed": "the claim's process failed"}[finished.status]
        record.update({"verdict": "undecided", "method": f"{why}: {finished.reason.splitlines()[0]}",
                       "counterexample": None, "diagnosis": []})
    record["seconds"] = round(finished.seconds, 3)
    return record


def decide_file(claims_file: ClaimsFile, only: str | None = None, jobs: int | None = None,
                timeout: float = TIMEOUT, on_done=None) -> list[dict]:
    """Decide the file's claims (or the one with id `only`), `jobs` processes at a time."""
    chosen = claims_file.select(only)
    import scipy.optimize  # noqa: F401  (imported once here rather than in every forked child)
    jobs = min(jobs or os.cpu_count() or 1, len(chosen))
    tasks = [lambda claim=claim: _decide(claim, claims_file.domains) for claim in chosen]
    records: list = [None] * len(chosen)

    def done(index, finished):
        records[index] = _record(chosen[index], finished)
        if on_done:
            on_done(records[index])

    run_isolated(tasks, jobs=jobs, timeout=timeout, on_done=done)
    return records


def check(statement: str, symbols: dict | None = None, *, tolerance=None, syntax: str = "sympy",
          timeout: float = TIMEOUT) -> dict:
    """Decide one statement, e.g. check("KL(Normal(mu, s), Normal(0, 1)) = -log(s) + (s**2 + mu**2)/2",
    {"mu": "real", "s": "positive"}).

    `symbols` maps names to the assumption words of a claims file ("real", "positive", "(0, 1)", ...).
    Returns the record of `elbocheck check --json` (keys statement, verdict, method, counterexample, diagnosis,
    seconds). Raises ValueError (naming the problem) for a statement or assumption that cannot be read.
    """
    import tomllib  # noqa: F401  (the file format's reader is the one that validates here too)

    lines = ["[symbols]"]
    for name, word in (symbols or {}).items():
        symbol_for(name, word)
        lines.append(f"{name} = {_toml_string(word)}")
    lines += ["[[claim]]", 'id = "statement"', f"statement = {_toml_string(statement)}",
              f"syntax = {_toml_string(syntax)}"]
    if tolerance is not None:
        lines.append(f"tolerance = {_toml_string(str(tolerance))}")
    try:
        claims_file = parse("\n".join(lines) + "\n", "check()")
    except ClaimsFileError as error:  # said of the statement and its symbols, not of the file built from them
        message = re.sub(r"^claim 'statement' \(TOML line \d+\): ", "", str(error))
        raise ValueError(message.replace("in [symbols]", "in symbols")) from None
    record = decide_file(claims_file, jobs=1, timeout=timeout)[0]
    record.pop("id")
    record.pop("where")
    return record


def _toml_string(text) -> str:
    if not isinstance(text, str):
        raise ValueError(f"expected a string, got {text!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
