"""Golden cases for implementations outside Python. `--pair NAME --out FILE.npz` writes the pair's edge inputs and
random inputs with the reference's outputs as named arrays, with the signature, tolerance, seed and elbocheck
version beside them (the layout is in the README and in elbocheck.pairs.golden). `--verify FILE.npz --outputs
THEIRS.npz` grades outputs computed elsewhere against them, case by case; exit 1 when any case fails."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from elbocheck import scaffold
from elbocheck.words import counted

NAME = "cases"
HELP = "write golden input/output cases of a pair to an .npz, or grade outputs computed elsewhere against them"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pair", metavar="NAME", help="the pair whose cases to write (`crosscheck --list`)")
    parser.add_argument("--out", metavar="FILE.npz", help="where to write the cases")
    parser.add_argument("--count", type=int, default=20,
                        help="number of cases: the edge inputs first, then random ones (default 20)")
    scaffold.add_seed(parser, "the random cases")
    scaffold.add_dtype(parser, what="of the inputs; the reference outputs are float64")
    parser.add_argument("--verify", metavar="FILE.npz", help="a cases file written by --out, to grade --outputs")
    parser.add_argument("--outputs", metavar="THEIRS.npz", help="outputs computed elsewhere: caseNNN/output/K")
    parser.add_argument("--json", action="store_true", help="print the grading as JSON")


def run(args: argparse.Namespace) -> int:
    if args.verify is not None or args.outputs is not None:
        if args.verify is None or args.outputs is None:
            raise ValueError("--verify: grading needs both --verify FILE.npz and --outputs THEIRS.npz")
        if args.pair is not None or args.out is not None:
            raise ValueError("--verify: grades a file already written; leave out --pair and --out")
        return verify(args)
    if args.pair is None or args.out is None:
        raise ValueError("--pair: writing cases needs --pair NAME and --out FILE.npz (or --verify and --outputs)")
    return write(args)


def check_out_file(path: str) -> Path:
    """--out as a file path: ending in .npz, not a folder, in a folder that exists or can be made and takes a write."""
    out = Path(path)
    if out.suffix != ".npz":
        raise ValueError(f"--out: expected a file name ending in .npz, got '{out}'")
    if out.is_dir():
        raise ValueError(f"--out: '{out}' is a folder; expected a file name ending in .npz")
    scaffold.check_out(out.parent if str(out.parent) else Path("."))
    return out


def write(args: argparse.Namespace) -> int:
    from elbocheck.pairs.candidate import find_pair
    from elbocheck.pairs.golden import build_cases

    if args.count < 1:
        raise ValueError(f"--count: expected an integer >= 1, got {args.count}")
    pair = find_pair(args.pair)
    scaffold.resolve_dtype(args.dtype)
    if args.seed < 0:
        raise ValueError(f"--seed: expected an integer >= 0, got {args.seed}")
    out = check_out_file(args.out)
    arrays = build_cases(pair, args.count, args.seed, args.dtype)
    scaffold.make_out(out.parent if str(out.parent) else Path("."))
    from elbocheck._io import atomic_save_npz

    atomic_save_npz(out, **arrays)
    edges = min(len(pair.edges), args.count)
    print(f"wrote {out}: {counted(args.count, 'case')} of {pair.name} ({counted(edges, 'edge input')}, "
          f"{args.count - edges} random), "
          f"inputs in {args.dtype}, rtol {pair.rtol[args.dtype]:g}, seed {args.seed}")
    return 0


def verify(args: argparse.Namespace) -> int:
    from elbocheck.pairs import golden

    cases = golden.load_npz(args.verify, "--verify")
    golden.check_golden(cases)
    theirs = golden.load_npz(args.outputs, "--outputs")
    rows = golden.verify(cases, theirs)
    pair, rtol = str(cases["meta/pair"]), float(cases["meta/rtol"])
    failed = [row for row in rows if not row["passed"]]
    if args.json:
        document = {"pair": pair, "dtype": str(cases["meta/dtype"]), "rtol": rtol, "cases": len(rows),
                    "failed": len(failed), "passed": not failed,
                    "rows": [row | {"error": _finite(row["error"])} for row in rows]}
        json.dump(document, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return 1 if failed else 0
    print(f"{pair}: {args.outputs} against {args.verify} ({str(cases['meta/dtype'])}, rtol {rtol:g})")
    print(f"{'case':<8}  {'rel error':>10}  {'result':<6}  input")
    for row in rows:
        error = "-" if row["error"] is None else f"{row['error']:.3e}"
        verdict = "pass" if row["passed"] else "FAIL"
        line = f"{row['case']:<8}  {error:>10}  {verdict:<6}  {row['origin']} ({row['label']})"
        print(line if row["passed"] else f"{line}: {row['problem']}")
    print(f"\n{len(rows) - len(failed)} of {len(rows)} cases pass")
    return 1 if failed else 0


def _finite(value):
    import math

    return value if value is not None and math.isfinite(value) else None
