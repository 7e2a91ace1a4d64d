"""Turning pytest-benchmark's JSON into the tables and plots of `elbocheck bench`.

Each benchmark's extra_info follows the contract in bench/conftest.py. Times are medians over rounds, from CUDA
events where the benchmark recorded them and from the host clock otherwise. For each algorithm and case the table
puts reference, fast and peer side by side, with the speed ratios measured in the same run, the quality figure
of each implementation beside its time, and the fast kernel's achieved rate against the device's ceilings
(bench/bench_ceilings.py) measured in the same run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

IMPLS = ("reference", "fast", "peer")
CEILINGS = "ceilings"


@dataclass(frozen=True)
class Measurement:
    """One benchmark: which algorithm, case and implementation, its median time and its quality figure."""

    algorithm: str
    case: str
    size: float
    impl: str
    name: str
    seconds: float
    rounds: int
    quality_name: str
    quality: float | None
    device: str
    peer: str
    bytes: float | None
    flops: float | None
    timer: str = "host clock"
    ceiling: str = ""
    dtype: str = "float32"


def measurements(raw: dict) -> list[Measurement]:
    """The benchmarks of a pytest-benchmark JSON document that carry the extra_info contract."""
    found = []
    for entry in raw.get("benchmarks", []):
        for info in entry.get("extra_info", {}).get("interleaved", {}).values():
            if "algorithm" in info and info.get("impl") in IMPLS:
                found.append(_measurement(info, entry["name"], float(info["seconds"]), int(info["rounds"]),
                                          str(info.get("timer", "host clock"))))
        info = entry.get("extra_info", {})
        if "algorithm" not in info or info.get("impl") not in IMPLS:
            continue
        quality = info.get("quality")
        cuda_seconds = info.get("cuda_event_seconds")
        found.append(
            Measurement(
                algorithm=info["algorithm"],
                case=str(info.get("case", entry["name"])),
                size=float(info.get("size", 0.0)),
                impl=info["impl"],
                name=entry["name"],
                seconds=float(cuda_seconds if cuda_seconds is not None else entry["stats"]["median"]),
                rounds=int(entry["stats"]["rounds"]),
                quality_name=str(info.get("quality_name", "")),
                quality=None if quality is None else float(quality),
                device=str(info.get("device", "")),
                peer=str(info.get("peer", "")),
                bytes=info.get("bytes"),
                flops=info.get("flops"),
                timer="CUDA events" if cuda_seconds is not None else "host clock",
                ceiling=str(info.get("ceiling", "")),
                dtype=str(info.get("dtype", "float32")),
            )
        )
    return found


def _measurement(info: dict, name: str, seconds: float, rounds: int, timer: str) -> Measurement:
    quality = info.get("quality")
    return Measurement(
        algorithm=info["algorithm"], case=str(info.get("case", name)), size=float(info.get("size", 0.0)),
        impl=info["impl"], name=f"{name}[{info['impl']}]", seconds=seconds, rounds=rounds,
        quality_name=str(info.get("quality_name", "")), quality=None if quality is None else float(quality),
        device=str(info.get("device", "")), peer=str(info.get("peer", "")), bytes=info.get("bytes"),
        flops=info.get("flops"), timer=timer, ceiling=str(info.get("ceiling", "")),
        dtype=str(info.get("dtype", "float32")),
    )


def by_algorithm(found: list[Measurement]) -> dict[str, list[Measurement]]:
    """Measurements grouped by algorithm, in the order first seen."""
    groups: dict[str, list[Measurement]] = defaultdict(list)
    for measurement in found:
        groups[measurement.algorithm].append(measurement)
    return dict(groups)


def format_seconds(value: float | None) -> str:
    """A time in seconds as s, ms or us with three significant figures; "-" for None."""
    if value is None:
        return "-"
    if value >= 1.0:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} us"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0.0:
        return "-"
    return f"{numerator / denominator:.1f}x"


def _quality(measurement: Measurement | None, named: bool) -> str:
    if measurement is None or measurement.quality is None:
        return "-"
    value = f"{measurement.quality:.6g}"
    return f"{measurement.quality_name}: {value}" if named else value


def ceilings(found: list[Measurement]) -> dict[str, float]:
    """The measured ceilings of this run: 'copy' in bytes/s and 'matmul <dtype>' in FLOP/s."""
    rates = {}
    for measurement in found:
        if measurement.algorithm != CEILINGS or not measurement.ceiling:
            continue
        rate = (measurement.bytes or measurement.flops or 0.0) / measurement.seconds
        rates[measurement.ceiling] = max(rates.get(measurement.ceiling, 0.0), rate)
    return rates


def _rate(measurement: Measurement | None, limits: dict[str, float]) -> str:
    if measurement is None:
        return ""
    parts = []
    if measurement.bytes:
        rate = measurement.bytes / measurement.seconds
        share = f" ({100 * rate / limits['copy']:.0f}% of copy)" if limits.get("copy") else ""
        parts.append(f"{rate / 1e9:.1f} GB/s{share}")
    if measurement.flops:
        rate = measurement.flops / measurement.seconds
        limit = limits.get(f"matmul {measurement.dtype}")
        share = f" ({100 * rate / limit:.0f}% of matmul {measurement.dtype})" if limit else ""
        parts.append(f"{rate / 1e9:.1f} GFLOP/s{share}")
    return ", ".join(parts)


def ceilings_table(found: list[Measurement]) -> str:
    """A Markdown table of the ceilings measured in this run."""
    lines = ["| ceiling | case | median time | rate | timer |", "|---|---|---:|---:|---|"]
    for measurement in found:
        if measurement.algorithm != CEILINGS:
            continue
        if measurement.bytes:
            rate = f"{measurement.bytes / measurement.seconds / 1e9:.1f} GB/s"
        else:
            rate = f"{(measurement.flops or 0.0) / measurement.seconds / 1e9:.1f} GFLOP/s"
        lines.append(f"| {measurement.ceiling} | {measurement.case} | {format_seconds(measurement.seconds)} | {rate} "
                     f"| {measurement.timer} |")
    return "\n".join(lines)


def algorithm_table(found: list[Measurement], limits: dict[str, float] | None = None) -> str:
    """A Markdown table for one algorithm: per case, the three times, the two ratios, the quality figures and
    the fast kernel's rate against the ceilings."""
    limits = limits or {}
    cases: dict[str, dict[str, Measurement]] = defaultdict(dict)
    sizes: dict[str, float] = {}
    for measurement in found:
        cases[measurement.case][measurement.impl] = measurement
        sizes[measurement.case] = measurement.size
    names = {m.quality_name for m in found if m.quality_name}
    named = len(names) > 1
    quality_name = "quality" if named or not names else names.pop()
    peers = sorted({m.peer for m in found if m.impl == "peer" and m.peer})
    peer_label = f"peer ({', '.join(peers)})" if peers else "peer"
    lines = [
        f"| case | reference | fast | {peer_label} | fast vs reference | fast vs peer | "
        f"{quality_name}: reference / fast / peer | fast rate |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for case in sorted(cases, key=lambda name: (sizes[name], name)):
        row = cases[case]
        reference, fast, peer = (row.get(impl) for impl in IMPLS)
        seconds = {impl: (row[impl].seconds if impl in row else None) for impl in IMPLS}
        lines.append(
            f"| {case} | {format_seconds(seconds['reference'])} | {format_seconds(seconds['fast'])} "
            f"| {format_seconds(seconds['peer'])} "
            f"| {_ratio(seconds['reference'], seconds['fast'])} | {_ratio(seconds['peer'], seconds['fast'])} "
            f"| {_quality(reference, named)} / {_quality(fast, named)} / {_quality(peer, named)} "
            f"| {_rate(fast, limits)} |"
        )
    return "\n".join(lines)


def plot_algorithm(found: list[Measurement], title: str):
    """Time against size on log axes, one line per implementation; returns the matplotlib figure."""
    from elbocheck._io import pyplot

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    for impl, marker, colour in zip(IMPLS, ("o", "s", "^"), ("tab:blue", "tab:orange", "tab:green")):
        points = sorted((m.size, m.seconds) for m in found if m.impl == impl and m.size > 0)
        if points:
            xs, ys = zip(*points)
            label = impl if impl != "peer" else f"peer ({next((m.peer for m in found if m.impl == 'peer'), '')})"
            axes.plot(xs, ys, marker=marker, color=colour, label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("size")
    axes.set_ylabel("median seconds per call")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    return figure
