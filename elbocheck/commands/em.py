"""Fit the latent bigram model of seed 000 Problem 1 by EM on a text corpus (default: Python's own pydoc_data
topics), with several random restarts at once, and compare its held-out perplexity with add-one unigram and
bigram baselines. Writes DIR/result.json, DIR/loglik.png and DIR/params.npz."""

from __future__ import annotations

import argparse
import math

from elbocheck.commands import scaffold

NAME = "em"
HELP = "fit the latent bigram model by EM on a corpus; held-out perplexity against unigram and bigram baselines"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", metavar="PATH", help="a UTF-8 text file (default: the text of pydoc_data.topics)")
    parser.add_argument("--states", type=int, default=64, metavar="m", help="number of latent states m (default 64)")
    parser.add_argument("--iters", type=int, default=150, metavar="k", help="most EM iterations (default 150)")
    parser.add_argument("--restarts", type=int, default=4, metavar="R",
                        help="random starts fitted together (default 4)")
    parser.add_argument("--tol", type=float, default=1e-6,
                        help="stop when the relative log-likelihood change is at most this (default 1e-6)")
    scaffold.add_seed(parser, "the random starts and the held-out split")
    scaffold.add_dtype(parser)
    scaffold.add_device(parser)
    scaffold.add_out(parser, "out/em")


def check_options(args: argparse.Namespace) -> None:
    """ValueError naming the first bad option of the command's own."""
    for name, value, least in (("--states", args.states, 1), ("--iters", args.iters, 1),
                               ("--restarts", args.restarts, 1)):
        if value < least:
            raise ValueError(f"{name}: expected an integer >= {least}, got {value}")
    if not (math.isfinite(args.tol) and args.tol >= 0.0):
        raise ValueError(f"--tol: expected a number >= 0, got {args.tol}")


def run(args: argparse.Namespace) -> int:
    import time

    from elbocheck.data.corpus import load_corpus
    from elbocheck.models.bigram_run import report_lines, run_em

    started = time.perf_counter()
    check_options(args)
    shared = scaffold.resolve(args)
    corpus = load_corpus(args.corpus, seed=args.seed)
    scaffold.make_out(shared.out)
    result = run_em(corpus, args.states, args.iters, args.restarts, args.tol, args.seed, args.dtype, shared.device,
                    progress=scaffold.progress)
    summary = {"command": scaffold.command_line(args), **result.document}
    summary["timings_seconds"]["total"] = time.perf_counter() - started
    written = scaffold.write_results(shared.out, {"loglik.png": result.figure, "params.npz": result.params,
                                                  scaffold.RESULT: summary})
    print("\n".join(report_lines(summary)))
    print(scaffold.wrote(written))
    return 0
