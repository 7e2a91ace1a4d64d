"""Run the bench/ suites with pytest-benchmark and write DIR/report.md, one DIR/<algorithm>.md and .png each,
and the raw DIR/benchmark.json. Reference and peer run on the CPU; fast runs on --device.

With --candidate MODULE:FUNCTION --pair NAME it times your function beside the pair's fast function, its reference
and its peer on the pair's sizes, each with its largest relative error against the reference, and prints the
table (nothing is written)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from elbocheck.benchrun import run_suites, suite_files
from elbocheck import scaffold

NAME = "bench"
HELP = "benchmark reference, fast and peer implementations; write a report with tables and plots"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scaffold.add_device(parser)
    parser.add_argument("--quick", action="store_true", help="only the small cases (a few minutes on a 2-core CPU)")
    parser.add_argument("--suite", action="append", metavar="NAME", help="run only bench/bench_NAME.py (repeatable)")
    scaffold.add_out(parser, "out/bench", "where the report goes")
    parser.add_argument("--candidate", metavar="MODULE:FUNCTION",
                        help="time this function (a module path or a .py file) beside the pair's fast, reference "
                             "and peer; needs --pair")
    parser.add_argument("--pair", metavar="NAME", help="the pair the candidate implements (`crosscheck --list`)")
    scaffold.add_dtype(parser, what="for the candidate, fast and peer (with --candidate)")
    parser.add_argument("--numpy", action="store_true", help="the candidate takes and returns NumPy arrays")
    parser.add_argument("--json", action="store_true", help="with --candidate: print the timings as JSON")


def run(args: argparse.Namespace) -> int:
    if args.candidate is not None or args.pair is not None:
        return bench_candidate(args)
    shared = scaffold.resolve(args)
    files = suite_files(args.suite)
    scaffold.make_out(shared.out)
    status, found = run_suites(files, args.device, args.quick, shared.out, scaffold.command_line(args))
    if found is None:
        print(f"elbocheck bench: the suites failed (pytest exit code {status}); no report written", file=sys.stderr)
        return 1
    print(f"wrote {Path(args.out) / 'report.md'} ({len(found)} measurements)")
    return 0 if status == 0 else 1


def bench_candidate(args: argparse.Namespace) -> int:
    """Time the user's function beside the pair's implementations; print the table. Exit 1 when the candidate
    does not match the reference at some size (its times are still shown)."""
    import contextlib

    from elbocheck._io import strict_json
    from elbocheck.benchrun import load_average
    from elbocheck.device import device_name
    from elbocheck.pairs.candidate import find_pair, load_candidate
    from elbocheck.pairs.timing import bench_candidate as run_bench, candidate_failures, format_rows, rows_to_json

    if args.candidate is None or args.pair is None:
        raise ValueError("--candidate: timing a candidate needs both --candidate MODULE:FUNCTION and --pair NAME")
    if args.quick or args.suite:
        raise ValueError("--candidate: times one pair; leave out --quick and --suite")
    pair = find_pair(args.pair)
    device = scaffold.resolve_device(args.device)
    scaffold.resolve_dtype(args.dtype)
    with contextlib.redirect_stdout(sys.stderr):  # what the candidate prints stays out of the table and the JSON
        function = load_candidate(args.candidate)
        load_before = load_average()
        rows = run_bench(pair, function, dtype=args.dtype, device=device, numpy=args.numpy)
        load = (load_before, load_average())
    failing = candidate_failures(rows)
    if args.json:
        sys.stdout.write(strict_json({
            "candidate": args.candidate, "pair": pair.name, "dtype": args.dtype, "device": device_name(device),
            "peer": pair.peer_name or None, "load_average": {"before": load[0], "after": load[1]},
            "candidate_passed": not failing, "sizes": rows_to_json(rows)}))
    else:
        print(format_rows(rows, pair, args.candidate, args.dtype, device_name(device), load))
    return 1 if failing else 0
