"""Run every reference/fast pair of the project (the table in elbocheck.pairs) on its edge inputs and on fresh random
inputs of several sizes and report, per pair, the inputs tried, the largest relative error against the dtype's
tolerance, pass or fail, and the time. A failing pair shows the smallest failing input and the seed that reproduces
it. Exit code 1 when any pair fails.

--list names every pair with its reference and fast functions, its arguments (shapes and dtypes) and its tolerance
per dtype. --candidate MODULE:FUNCTION --pair NAME checks your own function where the pair calls fast (MODULE a
module path or a .py file): on a failure it prints the smallest failing input, shrunk, the seed, both outputs and
the first index where they differ, and exits 1."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from elbocheck import scaffold
from elbocheck._io import strict_json

NAME = "crosscheck"
HELP = "compare every fast function with its reference on random inputs; exit 1 if any pair fails"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scaffold.add_device(parser)
    scaffold.add_dtype(parser, what="for the fast side; the reference is always float64")
    scaffold.add_seed(parser, "the random inputs (the base seed)")
    parser.add_argument("--trials", type=int, default=3, help="inputs per size and pair (default 3)")
    parser.add_argument("--pair", action="append", metavar="NAME", help="run only this pair (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--list", action="store_true",
                        help="list every pair: functions, arguments with shapes and dtypes, tolerance per dtype")
    parser.add_argument("--candidate", metavar="MODULE:FUNCTION",
                        help="check this function where the pair calls fast (MODULE: a module path or a .py file); "
                             "needs exactly one --pair")
    parser.add_argument("--numpy", action="store_true",
                        help="the candidate takes and returns NumPy arrays (of --dtype) instead of torch tensors")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS",
                        help="a candidate call running longer fails its input and ends the run (default 10)")


def select_pairs(pairs, names: list[str] | None):
    """The pairs named (all of them when `names` is None); ValueError naming an unknown one."""
    if not names:
        return pairs
    known = {pair.name: pair for pair in pairs}
    unknown = [name for name in names if name not in known]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], known, n=3, cutoff=0.4)
        hint = f"did you mean {', '.join(close)}?" if close else "`elbocheck crosscheck --list` names every pair"
        raise ValueError(f"--pair: unknown pair {unknown[0]!r}; {hint}")
    return [known[name] for name in names]


def run(args: argparse.Namespace) -> int:
    if args.trials < 1:
        raise ValueError(f"--trials: expected a positive integer, got {args.trials}")
    if args.list:
        return list_pairs(args)
    if args.candidate is not None:
        return check_candidate(args)
    if args.numpy:
        raise ValueError("--numpy: applies to a --candidate only")
    from elbocheck.pairs import all_pairs
    from elbocheck.pairs.core import run_pair
    from elbocheck.device import device_name

    device = scaffold.resolve(args).device
    pairs = select_pairs(all_pairs(), args.pair)
    reports = []
    progress = scaffold.progress(pairs, desc="crosscheck", unit="pair", disable=args.json or None)
    for pair in progress:
        progress.set_postfix_str(pair.name)
        reports.append(run_pair(pair, args.seed, args.trials, args.dtype, device))
    failed = [report for report in reports if not report.passed]
    if args.json:
        sys.stdout.write(strict_json({"device": device_name(device), "dtype": args.dtype, "seed": args.seed,
                                      "trials": args.trials, "pairs": [report.to_json() for report in reports]}))
    else:
        print_table(reports, device_name(device), args)
    return 1 if failed else 0


def print_table(reports, device: str, args: argparse.Namespace) -> None:
    """One row per pair, then the smallest failing input of each failing pair."""
    width = max(len(report.pair) for report in reports) if reports else 10
    print(f"crosscheck on {device}, fast in {args.dtype}, seed {args.seed}, {args.trials} trials per size")
    print(f"{'pair':<{width}}  {'inputs':>6}  {'max rel error':>13}  {'rtol':>7}  {'result':<6}  {'seconds':>8}")
    for report in reports:
        verdict = "pass" if report.passed else "FAIL"
        print(f"{report.pair:<{width}}  {report.inputs:>6}  {report.max_error:>13.3e}  {report.rtol:>7.0e}  "
              f"{verdict:<6}  {report.seconds:>8.2f}")
    for report in reports:
        if report.passed:
            continue
        if report.error:
            print(f"\n{report.pair}: raised {report.error}")
        failure = report.smallest_failure
        if failure is not None:
            where = f"edge input {failure.edge}" if failure.edge is not None else f"size {failure.size}"
            print(f"\n{report.pair}: smallest failing input: {where} ({failure.label}), relative error "
                  f"{failure.error:.3e} > {failure.rtol:g}\n  reproduce: elbocheck crosscheck --pair {report.pair} "
                  f"--dtype {args.dtype} --seed {args.seed} (input: {failure.origin})")
    passed = sum(report.passed for report in reports)
    print(f"\n{passed} of {len(reports)} pairs pass")


def list_pairs(args: argparse.Namespace) -> int:
    """Print every pair (or those named by --pair) with its functions, arguments and tolerances."""
    from elbocheck.pairs import all_pairs
    from elbocheck.pairs.signature import describe_pair, format_listing
    from elbocheck.pairs.unpaired import UNPAIRED

    descriptions = [describe_pair(pair) for pair in select_pairs(all_pairs(), args.pair)]
    if args.json:
        json.dump({"pairs": descriptions, "unpaired": UNPAIRED}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_listing(descriptions))
    return 0


def check_candidate(args: argparse.Namespace) -> int:
    """Check the user's function against one pair's reference; exit 1 when any input fails."""
    if not args.pair or len(args.pair) != 1:
        raise ValueError("--pair: --candidate needs exactly one --pair NAME (`elbocheck crosscheck --list` names them)")
    if not (args.time_limit > 0):
        raise ValueError(f"--time-limit: expected a positive number of seconds, got {args.time_limit}")
    from elbocheck.pairs.candidate import check_candidate as check, find_pair, load_candidate

    pair = find_pair(args.pair[0])
    shared = scaffold.resolve(args)
    with contextlib.redirect_stdout(sys.stderr):  # what the candidate prints stays out of the report and the JSON
        function = load_candidate(args.candidate)
        report = check(pair, function, name=args.candidate, dtype=args.dtype, device=shared.device,
                       trials=args.trials, seed=args.seed, numpy=args.numpy, time_limit=args.time_limit)
    if args.json:
        sys.stdout.write(strict_json(report.to_json()))
    else:
        print(report.format())
    return 0 if report.passed else 1
