"""Running the bench/ suites under pytest-benchmark and writing their report: DIR/report.md with the machine's
load and CPU frequency scaling, one DIR/<algorithm>.md and .png each, and the raw DIR/benchmark.json."""

from __future__ import annotations

import os
import sys
from pathlib import Path


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
