"""Run the bench/ suites with pytest-benchmark and write DIR/report.md, one DIR/<algorithm>.md and .png each,
and the raw DIR/benchmark.json. Reference and peer run on the CPU; fast runs on --device.

With --candidate MODULE:FUNCTION --pair NAME it times your function beside the pair's fast function, its reference
and its peer on the pair's sizes, each with its largest relative error against the reference, and prints the
table (nothing is written)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from elbocheck.commands import scaffold

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


def bench_dir() -> Path:
    """The folder of the benchmark suites, installed as the package `elbocheck.bench`."""
    import elbocheck.bench

    return Path(elbocheck.bench.__file__).resolve().parent


def suite_files(names: list[str] | None) -> list[Path]:
    """bench/bench_NAME.py for each name, or every suite when `names` is None."""
    folder = bench_dir()
    available = {path.stem.removeprefix("bench_"): path for path in sorted(folder.glob("bench_*.py"))}
    if not names:
        return list(available.values())
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ValueError(f"--suite: unknown suite {unknown[0]!r}; expected one of {sorted(available)}")
    return [available[name] for name in names]


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


def run_suites(files: list[Path], device_argument: str, quick: bool, out: Path, command_line: str):
    """Run the suites under pytest-benchmark and write out/report.md, out/<algorithm>.md and .png, and
    out/benchmark.json. Returns pytest's exit status and the measurements (None when pytest wrote no JSON)."""
    import datetime
    import json
    import tempfile

    from elbocheck import benchreport
    from elbocheck._child import call_module
    from elbocheck._io import ResultSet, atomic_save_figure, atomic_write_bytes, atomic_write_text
    from elbocheck.device import device_name, resolve_device

    device = resolve_device(device_argument)
    with tempfile.TemporaryDirectory() as scratch:
        raw_path = Path(scratch) / "benchmark.json"
        arguments = [
            *map(str, files), "-q", "-p", "no:cacheprovider",
            f"--rootdir={bench_dir()}", "-o", "python_files=bench_*.py",
            f"--benchmark-json={raw_path}", "--benchmark-disable-gc", f"--device={device_argument}",
            "--benchmark-columns=median,rounds",
        ]
        if quick:
            arguments.append("--quick")
        load_before, frequency_before = load_average(), cpu_frequency_scaling()
        status = call_module("pytest", arguments, cwd=bench_dir().parent, stdout=sys.stderr)
        load_after = load_average()
        if not raw_path.exists():
            return status, None
        raw_bytes = raw_path.read_bytes()

    raw = json.loads(raw_bytes)
    found = benchreport.measurements(raw)
    groups = benchreport.by_algorithm(found)
    when = raw.get("datetime", datetime.datetime.now(datetime.timezone.utc).isoformat())
    header = [
        "# elbocheck benchmarks",
        "",
        f"- command: `{command_line}`",
        f"- date: {when}",
        f"- fast on: {device_name(device)}; reference and peer on: {device_name(resolve_device('cpu'))}",
        "- times are medians per call (CUDA events on a GPU, the host clock otherwise); ratios are measured in this "
        "run (higher is faster for fast); rates are against the ceilings measured in this run; fast and peer calls "
        "alternate round by round, so a change of load falls on both",
        f"- machine load (1, 5, 15-minute load averages over {os.cpu_count()} logical CPUs): {load_before} before, "
        f"{load_after} after",
        f"- CPU frequency scaling: {frequency_before}",
        "",
    ]
    sections = []
    with ResultSet(out, owns=("*.md", "*.png", "benchmark.json")) as results:
        atomic_write_bytes(results.path / "benchmark.json", raw_bytes)
        limits = benchreport.ceilings(found)
        if benchreport.CEILINGS in groups:
            section = f"## Device ceilings\n\n{benchreport.ceilings_table(groups.pop(benchreport.CEILINGS))}\n"
            sections.append(section)
            atomic_write_text(results.path / f"{benchreport.CEILINGS}.md", "\n".join(header) + "\n" + section)
        for algorithm, group in groups.items():
            table = benchreport.algorithm_table(group, limits)
            section = f"## {algorithm}\n\n{table}\n\n![{algorithm}]({algorithm}.png)\n"
            sections.append(section)
            atomic_write_text(results.path / f"{algorithm}.md", "\n".join(header) + "\n" + section)
            atomic_save_figure(results.path / f"{algorithm}.png", benchreport.plot_algorithm(group, algorithm))
        atomic_write_text(results.path / "report.md", "\n".join(header) + "\n" + "\n".join(sections))
    return status, found



def bench_candidate(args: argparse.Namespace) -> int:
    """Time the user's function beside the pair's implementations; print the table."""
    import json

    from elbocheck.device import device_name
    from elbocheck.pairs.candidate import find_pair, load_candidate
    from elbocheck.pairs.timing import bench_candidate as run_bench, format_rows, rows_to_json

    if args.candidate is None or args.pair is None:
        raise ValueError("--candidate: timing a candidate needs both --candidate MODULE:FUNCTION and --pair NAME")
    if args.quick or args.suite:
        raise ValueError("--candidate: times one pair; leave out --quick and --suite")
    pair = find_pair(args.pair)
    device = scaffold.resolve_device(args.device)
    scaffold.resolve_dtype(args.dtype)
    function = load_candidate(args.candidate)
    rows = run_bench(pair, function, dtype=args.dtype, device=device, numpy=args.numpy)
    if args.json:
        json.dump({"candidate": args.candidate, "pair": pair.name, "dtype": args.dtype, "device": device_name(device),
                   "peer": pair.peer_name or None, "sizes": rows_to_json(rows)}, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(format_rows(rows, pair, args.candidate, args.dtype, device_name(device)))
    return 0


def load_average() -> str:
    """The 1, 5 and 15-minute load averages (os.getloadavg), or 'unknown' where the platform has none."""
    try:
        return "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())
    except (AttributeError, OSError):
        return "unknown (os.getloadavg is not available here)"


def cpu_frequency_scaling(root: str = "/sys/devices/system/cpu") -> str:
    """The governors and current/min/max frequencies of ROOT/cpu*/cpufreq, summarised over CPUs; 'unknown' with
    the reason when there is none (virtual machines, containers, macOS)."""
    import glob

    folders = sorted(glob.glob(os.path.join(root, "cpu[0-9]*", "cpufreq")))
    if not folders:
        return f"unknown (no {root}/cpu*/cpufreq on this machine)"

    def read(folder: str, name: str) -> str | None:
        try:
            with open(os.path.join(folder, name)) as handle:
                return handle.read().strip()
        except OSError:
            return None

    def kilohertz(name: str) -> list[int]:
        return [int(value) for folder in folders if (value := read(folder, name)) and value.isdigit()]

    governors = sorted({value for folder in folders if (value := read(folder, "scaling_governor"))})
    current = kilohertz("scaling_cur_freq")
    lowest, highest = kilohertz("scaling_min_freq"), kilohertz("scaling_max_freq")
    parts = [f"{len(folders)} CPUs with cpufreq", f"governor {', '.join(governors) or 'unknown'}"]
    if current:
        parts.append(f"current {min(current) / 1e3:.0f}-{max(current) / 1e3:.0f} MHz")
    if lowest and highest:
        parts.append(f"range {min(lowest) / 1e3:.0f}-{max(highest) / 1e3:.0f} MHz")
    return "; ".join(parts)
