"""Pseudo-likelihood against maximum likelihood on the ring model of seed 004 Problem 1: check the problem's values
of -ln P~ at the constant labellings, then draw exact samples (forward filtering, backward sampling on the transfer
matrix) from a ring with coupling J, fit J by both estimators on many independent sample sets of each size, and
report their bias and spread against the Cramer-Rao bound. Writes DIR/ring.png and DIR/result.json."""

from __future__ import annotations

import argparse
import math

from elbocheck import scaffold

NAME = "ring"
HELP = "pseudo-likelihood vs maximum-likelihood estimates of the ring coupling J on exact samples"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--N", type=int, default=16, help="nodes on the ring (default 16)")
    parser.add_argument("--J", type=float, default=1.0, help="true coupling (default 1, the problem's)")
    parser.add_argument("--h", type=float, default=0.0, help="field at every node, known to both fits (default 0)")
    parser.add_argument("--samples", default="10,30,100,300,1000,3000",
                        help="comma-separated sample sizes (default 10,30,100,300,1000,3000)")
    parser.add_argument("--repeats", type=int, default=100,
                        help="independent sample sets per size, for the spread (default 100)")
    scaffold.add_seed(parser, "the sampler")
    scaffold.add_device(parser)
    scaffold.add_out(parser, "out/ring", "output folder")


def parse_sizes(text: str) -> list[int]:
    """'10,100' -> [10, 100], sorted and distinct; ValueError naming --samples unless each is an integer >= 1."""
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(f"--samples: expected comma-separated integers like '10,100,1000', got {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise ValueError(f"--samples: expected comma-separated integers >= 1, got {text!r}")
    return sizes


def validate(args: argparse.Namespace) -> list[int]:
    """Every option checked before anything is written; the sample sizes."""
    from elbocheck.fast.ring import FIT_BOUND

    if args.N < 1:
        raise ValueError(f"--N: expected an integer >= 1, got {args.N}")
    if not (math.isfinite(args.J) and abs(args.J) < FIT_BOUND / 2):
        raise ValueError(f"--J: expected a finite coupling with |J| < {FIT_BOUND / 2:g}, got {args.J}")
    if not (math.isfinite(args.h) and abs(args.h) < FIT_BOUND / 2):
        raise ValueError(f"--h: expected a finite field with |h| < {FIT_BOUND / 2:g}, got {args.h}")
    if args.repeats < 2:
        raise ValueError(f"--repeats: expected an integer >= 2 (the spread needs two), got {args.repeats}")
    sizes = parse_sizes(args.samples)
    if args.repeats * sizes[-1] * args.N > 5 * 10**8:
        raise ValueError(
            f"--samples: {args.repeats} repeats x {sizes[-1]} samples x {args.N} nodes is more than 5e8 labels"
        )
    return sizes


def run(args: argparse.Namespace) -> int:
    from elbocheck.models.ring_run import format_report, run_ring

    sizes = validate(args)
    shared = scaffold.resolve(args)
    scaffold.make_out(shared.out)
    result = run_ring(args.N, args.J, args.h, sizes, args.repeats, args.seed, shared.device, progress=scaffold.progress)
    document = {"command": scaffold.command_line(args), **result.document}
    written = scaffold.write_results(shared.out, {"ring.png": result.figure, scaffold.RESULT: document})
    print(format_report(result.values, result.rows, args.N, args.J, args.h, args.repeats))
    print(scaffold.wrote(written))
    return 0
