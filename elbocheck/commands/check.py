"""Decide the claims of your own claims file (TOML): proved, verified, refuted with a counterexample and the
single edits that would make it hold, or undecided when the time box ran out.

Exit code 0 when the file was decided (a refuted claim is a finding); with --strict, 1 when a claim is refuted
or undecided; 2 with one line for a malformed file."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from elbocheck.words import counted

NAME = "check"
HELP = "decide the claims of your own TOML claims file (KL, H, E of distributions, identities, inequalities)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", nargs="?",
                        help="a TOML claims file ([symbols] and [[claim]] entries), e.g. examples/claims.toml")
    parser.add_argument("--json", action="store_true", help="print {\"claims\": [...]} as JSON")
    parser.add_argument("--only", metavar="ID", help="decide only the claim with this id")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a claim is refuted or undecided")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S",
                        help="time box per claim in seconds (default 60)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="claims decided in parallel (default: the number of CPUs)")


def run(args: argparse.Namespace) -> int:
    from elbocheck.derivations import checking, claimsfile

    if args.file is None:
        raise ValueError("FILE: expected a TOML claims file, e.g. elbocheck check examples/claims.toml")
    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs: expected a positive integer, got {args.jobs}")
    if not args.timeout > 0:
        raise ValueError(f"--timeout: expected a positive number of seconds, got {args.timeout}")
    claims_file = claimsfile.load(args.file)
    claims_file.select(args.only)
    records = checking.decide_file(claims_file, only=args.only, jobs=args.jobs, timeout=args.timeout)
    if args.json:
        json.dump({"claims": records}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for record in records:
            print_record(record)
        print_summary(records)
    failing = [r for r in records if r["verdict"] in ("refuted", "undecided")]
    return 1 if args.strict and failing else 0


def print_record(record: dict) -> None:
    where = f", {record['where']}" if record["where"] else ""
    print(f"{record['id']}{where}: {record['verdict']}  [{record['seconds']:.2f} s]")
    print(textwrap.indent(record["statement"], "    "))
    print(textwrap.fill(record["method"], 110, initial_indent="    method: ", subsequent_indent="      "))
    counterexample = record["counterexample"]
    if counterexample:
        point = ", ".join(f"{k} = {v}" for k, v in counterexample["point"].items())
        print(f"    counterexample at {point}:" if point else "    counterexample (constants, no symbol to vary):")
        print(f"      lhs = {counterexample['lhs']}")
        print(f"      rhs = {counterexample['rhs']}")
    if record["verdict"] == "refuted":
        if record["diagnosis"]:
            for edit in record["diagnosis"]:
                print(f"    slip? {edit['edit']} -> {edit['verdict']}")
                print(f"          {edit['statement']}")
        else:
            print("    no single edit (coefficient, sign, term, variance/std, swapped arguments, factor 1/2) "
                  "makes it hold")
    print()


def print_summary(records: list) -> None:
    from collections import Counter

    counts = Counter(r["verdict"] for r in records)
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("proved", "verified", "refuted", "undecided"))
    print(f"{counted(len(records), 'claim')}: {summary}")
