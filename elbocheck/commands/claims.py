"""Decide every checkable claim of the five documents with SymPy and print the ledger: proved, verified
numerically, or refuted with a counterexample and a corrected statement. A refuted claim is a finding, not a
failure: the command exits 0 unless it broke."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
import time
from elbocheck.words import counted

NAME = "claims"
HELP = "decide every claim of the documents: proved, verified, or refuted with a counterexample"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the ledger as JSON ({\"claims\": [...]})")
    parser.add_argument("--only", metavar="DOC", help="one document: 000, 001, 002, 003 or 004 (or its file name)")
    parser.add_argument("--explain", metavar="ID", help="print one claim as printed, its check, its counterexample, "
                                                        "its correction and the code that implements it")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="processes that decide claims in parallel (default: the number of CPUs)")


def run(args: argparse.Namespace) -> int:
    from elbocheck.derivations import claims as ledger_module

    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs: expected a positive integer, got {args.jobs}")
    if args.explain:
        return explain(args.explain)
    start = time.perf_counter()
    results = ledger_module.ledger(only=args.only, jobs=args.jobs)
    elapsed = time.perf_counter() - start
    if args.json:
        json.dump({"claims": [result.to_json() for result in results]}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    print_table(results, elapsed)
    return 0


def print_table(results, elapsed: float) -> None:
    """The ledger grouped by document, one line per claim and the findings under each refuted claim."""
    from collections import Counter

    width = max(80, min(shutil.get_terminal_size((120, 24)).columns, 160))
    by_source: dict[str, list] = {}
    for result in results:
        by_source.setdefault(result.claim.source, []).append(result)
    for index, (source, group) in enumerate(by_source.items()):
        if index:
            print()
        print(f"{source} ({counted(len(group), 'claim')})")
        for result in group:
            claim = result.claim
            head = f"  {claim.id:<22} {claim.where:<20} {result.verdict.value:<9} {result.seconds:6.2f}s  "
            print(head + _clip(claim.statement, width - len(head)))
            print(_clip(f"{'':<26}method: {result.method}", width))
            if result.verdict.value == "refuted":
                for label, text in (("counterexample", result.decision.counterexample),
                                    ("corrected", claim.corrected)):
                    if text:
                        print(textwrap.fill(text, width, initial_indent=f"{'':<26}{label}: ",
                                            subsequent_indent=" " * 28))
    from elbocheck.derivations.claims import LEFT_OUT

    counts = Counter(result.verdict.value for result in results)
    verdicts = ("proved", "verified", "refuted") + (("undecided",) if counts.get("undecided") else ())
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in verdicts)
    print("\nNot checked by the ledger: " + "; ".join(LEFT_OUT) + ".")
    print(f"\n{counted(len(results), 'claim')}: {summary}; decided in {elapsed:.1f} s")


def explain(claim_id: str) -> int:
    """Print one claim: as printed, its check, the verdict, the counterexample and the correction, then the
    functions that implement it with their pairs, tests and benchmarks."""
    from elbocheck import trace
    from elbocheck.derivations import claims as ledger_module

    known = {claim.id: claim for claim in ledger_module.registry()}
    if claim_id not in known:
        close = [i for i in known if i.startswith(claim_id.split("-")[0])][:5]
        hint = f"; ids of that document include {', '.join(close)}" if close else ""
        raise ValueError(f"--explain: unknown claim id {claim_id!r}{hint}")
    claim = known[claim_id]
    result = ledger_module.decide(claim)
    print(f"{claim.id}  ({claim.source}, {claim.where})")
    print(f"\nStatement: {claim.statement}")
    print(f"\nAs printed:\n{textwrap.indent(claim.printed, '  ')}")
    print(f"\nCheck:\n{textwrap.indent(claim.build_check().describe(), '  ')}")
    print(f"\nVerdict: {result.verdict.value} ({result.decision.method}) in {result.seconds:.2f} s")
    if result.verdict.value == "refuted":
        if result.decision.counterexample:
            print(f"\nCounterexample: {result.decision.counterexample}")
        if claim.corrected:
            print(f"\nCorrected: {claim.corrected}")
            print(f"\nCheck of the correction:\n{textwrap.indent(claim.build_correction().describe(), '  ')}")
            print(f"  -> {result.correction.verdict.value} ({result.correction.method})")
    if claim.note:
        print(f"\nNote: {claim.note}")
    print(f"\n{trace.describe(claim.id)}")
    return 0


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 10)] + "…"
