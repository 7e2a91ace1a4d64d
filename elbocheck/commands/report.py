"""Run the claim ledger, the cross-check of every reference/fast pair and the quick benchmarks, and write one
self-contained HTML page, DIR/index.html, with the ledger (refuted claims first), the cross-check table, the
benchmark tables and plots, and the figures the other commands wrote (out/em, out/vae, out/gan-demo, out/ring,
out/residual, or the folders given with --figures)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from elbocheck import scaffold

NAME = "report"
HELP = "run claims, crosscheck and the quick bench; write one HTML page with every table and figure"
FIGURE_FOLDERS = ("out/em", "out/vae", "out/gan-demo", "out/ring", "out/residual")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scaffold.add_out(parser, "out/report", "where index.html goes")
    scaffold.add_device(parser)
    parser.add_argument("--figures", action="append", metavar="DIR",
                        help=f"a folder of PNGs to include (repeatable; default: those of {', '.join(FIGURE_FOLDERS)} "
                             "that exist)")
    parser.add_argument("--only", metavar="DOC", help="only the claims of one document (000..004)")
    parser.add_argument("--trials", type=int, default=3, help="cross-check inputs per size and pair (default 3)")
    parser.add_argument("--suite", action="append", metavar="NAME", help="only this bench suite (repeatable)")


def figure_paths(folders: list[str] | None) -> list[Path]:
    """The PNG files of the given folders (each must exist), or of the default folders that exist; a folder
    named *.png is passed over; ValueError naming --figures for a .png that is not a regular file or not PNG."""
    from elbocheck._io import require_regular_file

    if folders:
        files = [folder for folder in folders if Path(folder).exists() and not Path(folder).is_dir()]
        if files:
            raise ValueError(f"--figures: '{files[0]}' is a file, expected a folder of PNG images")
        missing = [folder for folder in folders if not Path(folder).is_dir()]
        if missing:
            raise ValueError(f"--figures: no such folder: '{missing[0]}'")
        chosen = [Path(folder) for folder in folders]
    else:
        chosen = [Path(folder) for folder in FIGURE_FOLDERS if Path(folder).is_dir()]
    found = [path for folder in chosen for path in sorted(folder.glob("*.png")) if not path.is_dir()]
    for path in found:
        require_regular_file(path, "--figures", "a PNG image")
        with path.open("rb") as stream:
            if stream.read(8) != PNG_SIGNATURE:
                raise ValueError(f"--figures: '{path}' is named .png but is not a PNG image")
    return found


def run(args: argparse.Namespace) -> int:
    import datetime

    from elbocheck.derivations import claims
    from elbocheck import htmlreport
    from elbocheck._io import ResultSet, atomic_write_json, atomic_write_text
    from elbocheck import benchrun as bench
    from elbocheck.pairs import all_pairs
    from elbocheck.pairs.core import run_pair
    from elbocheck.device import device_name

    if args.trials < 1:
        raise ValueError(f"--trials: expected a positive integer, got {args.trials}")
    shared = scaffold.resolve(args)
    device, out = shared.device, shared.out
    claims.select(claims.registry(), args.only)
    suites = bench.suite_files(args.suite)
    figures = figure_paths(args.figures)
    scaffold.make_out(out)

    started = time.perf_counter()
    print("report: deciding the claims", file=sys.stderr)
    results = claims.ledger(only=args.only)
    print("report: cross-checking every pair", file=sys.stderr)
    reports = [run_pair(pair, 0, args.trials, "float64", device)
               for pair in scaffold.progress(all_pairs(), desc="crosscheck", unit="pair")]
    print("report: running the quick benchmarks", file=sys.stderr)
    bench_command = f"elbocheck bench --quick --device {args.device}" + "".join(
        f" --suite {name}" for name in args.suite or [])
    with ResultSet(out, owns=("index.html", "ledger.json", "crosscheck.json", "bench", "figures")) as written:
        status, found = bench.run_suites(suites, args.device, True, written.path / "bench", bench_command)
        elapsed = time.perf_counter() - started

        header = [
            f"generated {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')} in {elapsed:.0f} s",
            f"device: {device_name(device)}",
            "commands: elbocheck claims" + (f" --only {args.only}" if args.only else "")
            + f"; elbocheck crosscheck --device {args.device} --trials {args.trials}; {bench_command}",
        ]
        links = htmlreport.copy_figures(figures, written.path / "figures")
        sections = [
            htmlreport.ledger_section(results),
            htmlreport.crosscheck_section(reports, device_name(device), "float64", args.trials),
            htmlreport.bench_section(written.path / "bench", "bench"),
            htmlreport.figures_section(figures, links),
        ]
        atomic_write_json(written.path / "ledger.json", {"claims": [result.to_json() for result in results]})
        atomic_write_json(written.path / "crosscheck.json", {"pairs": [report.to_json() for report in reports]})
        atomic_write_text(written.path / "index.html",
                          htmlreport.page("elbocheck verification report", header, sections))
    failed = [report.pair for report in reports if not report.passed]
    print(f"wrote {out / 'index.html'}: {len(results)} claims, {len(reports) - len(failed)} of {len(reports)} pairs "
          f"pass, {0 if found is None else len(found)} measurements")
    return 1 if failed or found is None or status != 0 else 0
