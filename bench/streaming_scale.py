"""Counting throughput (MB/s) and peak memory of the streamed bigram counts, and of a whole `elbocheck em` fit,
against corpus size: generated Zipf corpora written to a temporary folder and deleted afterwards.

    python -m elbocheck.bench.streaming_scale --sizes 10,100,1000 [--em-size 1000] [--out bench/results/...md]

Each measurement runs in a fresh process, so its peak resident memory (ru_maxrss) is its own. Not a test: the
figures depend on the machine and its load, which the report records (`uptime` before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WORDS = 50_000
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def vocabulary(rng: np.random.Generator, size: int = WORDS) -> list[str]:
    """`size` distinct lowercase words of 2 to 9 letters."""
    words: dict[str, None] = {}
    while len(words) < size:
        lengths = rng.integers(2, 10, size=size)
        for length in lengths:
            words.setdefault("".join(rng.choice(LETTERS, size=int(length))), None)
            if len(words) == size:
                break
    return list(words)


def write_zipf_corpus(path: Path, megabytes: float, seed: int = 0, block_tokens: int = 1 << 20) -> int:
    """A text of about `megabytes` MB: tokens drawn independently from Zipf(1) over 50k words, sentences of 3 to
    24 words ending in '. ', a line break after every 8th sentence. Returns its size in bytes."""
    rng = np.random.default_rng(seed)
    words = np.array(vocabulary(rng), dtype=object)
    weights = 1.0 / np.arange(1, WORDS + 1)
    cdf = np.cumsum(weights / weights.sum())
    target = int(megabytes * 1e6)
    written = 0
    with open(path, "w", encoding="utf-8") as stream:
        while written < target:
            ids = np.minimum(np.searchsorted(cdf, rng.random(block_tokens), side="right"), WORDS - 1)
            ends = np.cumsum(rng.integers(3, 25, size=block_tokens // 3))
            ends = ends[ends < block_tokens]
            suffix = np.full(block_tokens, " ", dtype=object)
            suffix[ends] = ". "
            suffix[ends[7::8]] = ".\n"
            text = "".join((words[ids] + suffix).tolist())
            stream.write(text)
            written += len(text.encode("utf-8"))
    return path.stat().st_size


def count_only(path: str, chunk_bytes: int) -> dict:
    """Stream the file into the sparse counts; seconds and sizes (run in a child process)."""
    from elbocheck.data.streaming import Counter, agree_vocabulary, encode_counts
    from elbocheck.data.tokens import TokenSpec

    started = time.perf_counter()
    spec = TokenSpec()
    local = Counter(spec).count_file(path, chunk_bytes=chunk_bytes)
    vocabulary = agree_vocabulary([local.summary()], spec)
    train, heldout = encode_counts(local, vocabulary, release=True)
    return {"seconds": time.perf_counter() - started, "V": vocabulary.V, "nnz_train": train.nnz,
            "nnz_heldout": heldout.nnz, "tokens": train.n_tokens + heldout.n_tokens}


def child(argv: list[str]) -> dict:
    """Run argv in a fresh Python; its JSON output and its peak resident memory in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, *argv], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb < before:
        raise RuntimeError("ru_maxrss went down")
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    return {**result, "wall_seconds": wall, "peak_rss_mb": peak_kb / 1024}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000", help="corpus sizes in MB, comma-separated")
    parser.add_argument("--chunk-mb", type=float, default=4.0, help="chunk size in MB (default 4)")
    parser.add_argument("--em-size", type=float, default=0.0, help="also fit `elbocheck em` on a corpus of this many MB")
    parser.add_argument("--em-args", default="--states 16 --restarts 1 --iters 5 --device cpu",
                        help="options of that em run")
    parser.add_argument("--out", default=None, help="write a Markdown report here")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "CHUNK"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(count_only(args.child[0], int(args.child[1]))))
        return 0
    folder = Path(tempfile.mkdtemp(prefix="elbocheck-scale-"))
    rows, lines = [], [f"load before: {uptime()}"]
    try:
        for megabytes in (float(size) for size in args.sizes.split(",")):
            path = folder / f"zipf_{megabytes:g}MB.txt"
            size = write_zipf_corpus(path, megabytes)
            measured = child(["-m", "elbocheck.bench.streaming_scale", "--child", str(path),
                              str(int(args.chunk_mb * 2**20))])
            rows.append({"file_mb": size / 1e6, **measured, "mb_per_s": size / 1e6 / measured["seconds"]})
            print(json.dumps(rows[-1]), flush=True)
            if megabytes == args.em_size:
                out = folder / "em"
                em = child(["-m", "elbocheck", "em", "--corpus", str(path), *args.em_args.split(), "--out", str(out)])
                result = json.loads((out / "result.json").read_text())
                rows[-1]["em"] = {"args": args.em_args, "peak_rss_mb": em["peak_rss_mb"],
                                  "wall_seconds": em["wall_seconds"], "timings": result.get("timings_seconds")}
                print(json.dumps(rows[-1]["em"]), flush=True)
            path.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    lines.append(f"load after: {uptime()}")
    if args.out:
        write_report(Path(args.out), rows, lines, args)
    return 0


def write_report(path: Path, rows: list[dict], lines: list[str], args) -> None:
    table = ["| file (MB) | tokens | V | nnz(C) train | count time (s) | MB/s | peak RSS (MB) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        table.append(f"| {row['file_mb']:.0f} | {row['tokens']:.3g} | {row['V']} | {row['nnz_train']:.3g} | "
                     f"{row['seconds']:.1f} | {row['mb_per_s']:.1f} | {row['peak_rss_mb']:.0f} |")
    em = [f"- `elbocheck em {row['em']['args']}` on {row['file_mb']:.0f} MB: peak RSS {row['em']['peak_rss_mb']:.0f} MB, "
          f"{row['em']['wall_seconds']:.0f} s in all" for row in rows if "em" in row]
    command = "python -m elbocheck.bench.streaming_scale " + " ".join(
        f"--{key.replace('_', '-')} '{value}'" for key, value in vars(args).items()
        if key not in ("child", "out") and value)
    text = "\n".join([
        "# Streaming bigram counts: throughput and peak memory against corpus size", "",
        f"Command: `{command}` ({os.cpu_count()} CPUs).", "", *[f"- {line}" for line in lines], "",
        *table, "", *em, "",
    ])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
