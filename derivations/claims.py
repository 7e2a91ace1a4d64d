"""Claims as data, and the ledger that decides every one of them when it runs.

A Claim records where a document states something (seed file and label), the statement as printed, and the
check that decides it. A claim the check refutes carries a corrected statement with its own check, which the
ledger decides too: a correction that does not hold is an error of the ledger, not a finding.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import re
import time
from dataclasses import dataclass
from typing import Callable

from elbocheck.derivations.checks import Check, Decision, Verdict

SOURCES = {
    "000": "000_df5145180bc1b18e.txt",
    "001": "001_3151a3b7200187ae.txt",
    "002": "002_ed75a671ee0e2e4a.txt",
    "003": "003_6e48a97ce6918341.txt",
    "004": "004_731ca7da36ae138a.txt",
}

SECTIONS = {
    "000": ("Problem 1.1", "Problem 1.2", "Problem 1.3", "(1)", "Problem 2.2"),
    "001": ("1", "1.a", "1.b", "Change of Notation", "2", "2.a", "4.b", "4.b.1", "4.b.2", "4.b.3", "4.c"),
    "002": ("Problem 1, item 1", "Problem 1, item 2", "Problem 1, item 4", "Problem 1, item 5", "Problem 1, item 7",
            "Problem 2, item 4"),
    "004": ("Problem 1(a)", "Problem 1(b)", "Problem 2(a)", "Problem 2(b)", "Problem 2(c)", "Problem 3(a)",
            "Problem 3(c)", "Problem 4"),
}

TOPICS = [
    "bigram_em",
    "gibbs",
    "elbo",
    "reparam",
    "gaussian_kl",
    "gan",
    "layernorm",
    "ring",
    "sampler",
    "rate",
    "documents",
]

LEFT_OUT = (
    "a model's definition: that a density the document writes down normalises (only the Gaussian of seed 003 (2) "
    "is checked)",
    "two equations that define one quantity differently (each is checked against the mathematics, not against "
    "the other)",
    "worded statements: which term of a loss trains which network, what a distribution is called, why a method "
    "is used",
)


class LedgerError(RuntimeError):
    """A claim whose correction does not hold, or a malformed registry."""


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a document.

    `printed` is an excerpt copied verbatim from the document; `statement` says it in plain words; `check`
    decides it. `corrected`/`correction` are the right statement and its check, for a claim that is wrong as
    printed; `note` holds caveats (the range where it holds, how the printed text was read). Checks may be given
    as functions that build them, so that the SymPy work of building a check is done (and timed) when the
    claim is decided.
    """

    id: str
    where: str
    statement: str
    printed: str
    check: Check | Callable[[], Check]
    corrected: str | None = None
    correction: Check | Callable[[], Check] | None = None
    note: str = ""

    def build_check(self) -> Check:
        return self.check() if callable(self.check) else self.check

    def build_correction(self) -> Check | None:
        return self.correction() if callable(self.correction) else self.correction

    @property
    def seed(self) -> str:
        return self.id.split("-", 1)[0]

    @property
    def source(self) -> str:
        return SOURCES[self.seed]


@dataclass(frozen=True)
class Result:
    """A decided claim, in the shape of the `elbocheck claims --json` contract."""

    claim: Claim
    decision: Decision
    correction: Decision | None
    seconds: float

    @property
    def verdict(self) -> Verdict:
        return self.decision.verdict

    @property
    def method(self) -> str:
        if self.correction is None:
            return self.decision.method
        return f"{self.decision.method}; corrected form {self.correction.verdict.value}: {self.correction.method}"

    def to_json(self) -> dict:
        refuted = self.verdict is Verdict.REFUTED
        return {
            "id": self.claim.id,
            "source": self.claim.source,
            "where": self.claim.where,
            "statement": self.claim.statement,
            "verdict": self.verdict.value,
            "method": self.method,
            "note": self.claim.note,
            "counterexample": self.decision.counterexample if refuted else None,
            "corrected": self.claim.corrected if refuted else None,
            "seconds": round(self.seconds, 4),
        }


def decide(claim: Claim) -> Result:
    """Build and run a claim's check; for a refuted claim with a correction, run the correction's check too."""
    start = time.perf_counter()
    decision = claim.build_check().decide()
    correction = None
    if decision.verdict is Verdict.REFUTED and claim.correction is not None:
        correction = claim.build_correction().decide()
        if correction.verdict is Verdict.REFUTED:
            raise LedgerError(f"{claim.id}: the corrected statement is refuted too: {correction.counterexample}")
    return Result(claim, decision, correction, time.perf_counter() - start)


def registry() -> list[Claim]:
    """Every claim of every topic module, in document order (by document, then section, then topic order)."""
    claims = []
    for topic in TOPICS:
        claims.extend(importlib.import_module(f"elbocheck.derivations.{topic}").CLAIMS)
    ids = [claim.id for claim in claims]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise LedgerError(f"claim ids must be unique; repeated: {repeated}")
    return sorted(claims, key=document_position)


def document_position(claim: Claim) -> tuple[int, int]:
    """Where a claim sits in its document: the document, then its section (SECTIONS) or equation number."""
    document = list(SOURCES).index(claim.seed)
    numbered = re.fullmatch(r"\((\d+)\)", claim.where)
    if claim.seed in SECTIONS and claim.where in SECTIONS[claim.seed]:
        return document, SECTIONS[claim.seed].index(claim.where)
    if numbered and claim.seed not in SECTIONS:
        return document, int(numbered.group(1))
    raise LedgerError(f"{claim.id}: 'where' {claim.where!r} is not a label of document {claim.seed}")


def select(claims: list[Claim], only: str | None = None) -> list[Claim]:
    """The claims of one document, given as its number ('003') or its file name; ValueError if unknown."""
    if only is None:
        return claims
    key = only.split("_", 1)[0]
    if key not in SOURCES or (("_" in only or only.endswith(".txt")) and only != SOURCES[key]):
        raise ValueError(f"--only: unknown document {only!r}; expected one of {', '.join(SOURCES)}")
    return [claim for claim in claims if claim.seed == key]


CLAIM_SECONDS = 600.0


def _decide_in_worker(claim: Claim) -> tuple[Decision, Decision | None, float]:
    result = decide(claim)
    return result.decision, result.correction, result.seconds


def ledger(only: str | None = None, jobs: int | None = None) -> list[Result]:
    """Decide every claim (of one document with `only`), in `jobs` forked processes (default: the CPU count),
    each claim in a time-boxed process of its own (derivations.workers, which stops promptly on Ctrl-C)."""
    from elbocheck.derivations.workers import run_isolated

    claims = select(registry(), only)
    jobs = min(jobs or os.cpu_count() or 1, len(claims))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [decide(claim) for claim in claims]
    import scipy.optimize  # noqa: F401  (imported once here rather than in every forked child)

    finished = run_isolated([lambda claim=claim: _decide_in_worker(claim) for claim in claims], jobs=jobs,
                            timeout=CLAIM_SECONDS)
    results = []
    for claim, outcome in zip(claims, finished):
        if outcome.status == "ok":
            results.append(Result(claim, *outcome.value))
        elif outcome.status == "timeout":
            results.append(Result(claim, Decision(Verdict.UNDECIDED, f"undecided: {outcome.reason}"), None,
                                  outcome.seconds))
        else:
            raise LedgerError(f"{claim.id}: {outcome.reason}")
    return results
