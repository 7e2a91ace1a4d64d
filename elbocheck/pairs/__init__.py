"""The table of reference/fast pairs, OpInfo-style: one entry per function that exists in both packages.

`elbocheck crosscheck` and tests/fast/test_pairs.py both run every entry of `all_pairs()`, so adding a pair
to a module listed in MODULES adds it everywhere. Each module defines `PAIRS: list[Pair]`.
"""

from __future__ import annotations

import dataclasses
import importlib

from elbocheck.pairs.core import DEFAULT_RTOL, Pair, Sample, Trial, relative_error, run_trial

MODULES = [
    "bigram_em",
    "gan",
    "residual",
    "ring",
    "sampler",
    "vae",
]


def all_pairs() -> list[Pair]:
    """Every pair of every module in MODULES, in table order, with its peer from elbocheck.pairs.peers."""
    from elbocheck.pairs.peers import PEERS

    pairs = []
    for module_name in MODULES:
        for pair in importlib.import_module(f"elbocheck.pairs.{module_name}").PAIRS:
            if pair.name in PEERS and pair.peer is None:
                peer, peer_name, bench_sizes = PEERS[pair.name]
                pair = dataclasses.replace(pair, peer=peer, peer_name=peer_name, bench_sizes=bench_sizes)
            pairs.append(pair)
    names = [pair.name for pair in pairs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise RuntimeError(f"pair names must be unique; repeated: {duplicates}")
    return pairs


__all__ = ["DEFAULT_RTOL", "MODULES", "Pair", "Sample", "Trial", "all_pairs", "relative_error", "run_trial"]
