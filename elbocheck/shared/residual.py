"""LayerNorm's epsilon, the placements of LayerNorm in a residual stack (seed 003 (36)-(39)) and their argument
checks, for `reference.residual` and `fast.residual`."""

from __future__ import annotations

EPS = 1e-5
PLACEMENTS = ("post", "pre", "prenorm")


def check_placement(placement: str) -> str:
    """`placement` itself if it is one of PLACEMENTS; ValueError naming `placement` otherwise."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement: expected one of {list(PLACEMENTS)}, got {placement!r}")
    return placement


def check_start(start: int, depth: int) -> int:
    """`start` as an int if 0 <= start <= depth (the number of layers); ValueError naming `start` otherwise."""
    if not 0 <= int(start) <= depth:
        raise ValueError(f"start: expected an integer in [0, {depth}] (the number of layers), got {start!r}")
    return int(start)
