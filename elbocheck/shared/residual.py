"""LayerNorm's epsilon, the placements of LayerNorm in a residual stack (seed 003 (36)-(39)) and their argument
checks, and one residual update written for any array type, for `reference.residual`, `fast.residual` and
`elbocheck.models.residual`."""

from __future__ import annotations

from typing import Callable

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


def residual_step(x, sublayer: Callable, norm: Callable, placement: str):
    """One residual update: norm(x + A(x)) (post), x + norm(A(x)) (pre, seed 003 (38)) or x + A(norm(x)) (prenorm)."""
    if placement == "post":
        return norm(x + sublayer(x))
    if placement == "pre":
        return x + norm(sublayer(x))
    if placement == "prenorm":
        return x + sublayer(norm(x))
    raise ValueError(f"placement: expected one of {list(PLACEMENTS)}, got {placement!r}")
