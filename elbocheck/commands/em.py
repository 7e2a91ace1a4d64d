"""Fit the latent bigram model of seed 000 Problem 1 by EM on a text corpus (default: Python's own pydoc_data
topics), with several random restarts at once, and compare its held-out perplexity with add-one unigram and
bigram baselines. The corpus is streamed into sparse bigram counts (memory O(nnz(C) + V m), not O(tokens)).
Writes DIR/result.json, DIR/loglik.png, DIR/params.npz, DIR/vocab.json (the vocabulary with the token settings,
so a fit can be reused on new text) and DIR/checkpoint.pt, from which --resume continues.

Several processes: `torchrun --nproc-per-node N -m elbocheck em ...` (add --nnodes, --node-rank and
--rdzv-endpoint for several machines): each process counts its byte range of the corpus, they agree on one
vocabulary, and every EM iteration sums the expected counts over them (gloo on CPU, NCCL on CUDA); the fit is
the one-process fit. Process 0 alone writes files."""

from __future__ import annotations

import argparse
import math

from elbocheck import scaffold
from elbocheck.words import counted

NAME = "em"
HELP = "fit the latent bigram model by EM on a corpus; held-out perplexity against unigram and bigram baselines"
CHECKPOINT = "checkpoint.pt"
VOCABULARY = "vocab.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", metavar="PATH", help="a UTF-8 text file (default: the text of pydoc_data.topics)")
    parser.add_argument("--tokens", default="words", choices=("words", "whitespace"),
                        help="words: Unicode words, NFKC, sentences end at . ! ? ; : and blank lines (default); "
                             "whitespace: pre-tokenised text or integer symbol ids, one sequence per line")
    parser.add_argument("--min-count", type=int, default=2, metavar="n",
                        help="tokens seen fewer times in training become <unk> (default 2)")
    parser.add_argument("--no-lowercase", action="store_true", help="keep case (default: casefold every token)")
    parser.add_argument("--chunk-mb", type=float, default=4.0, metavar="MB",
                        help="how much of the corpus is read at a time (default 4)")
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
    parser.add_argument("--resume", action="store_true", help=f"continue from DIR/{CHECKPOINT} up to --iters")


def check_options(args: argparse.Namespace) -> None:
    """ValueError naming the first bad option of the command's own."""
    for name, value, least in (("--states", args.states, 1), ("--iters", args.iters, 1),
                               ("--restarts", args.restarts, 1), ("--min-count", args.min_count, 1)):
        if value < least:
            raise ValueError(f"{name}: expected an integer >= {least}, got {value}")
    if not (math.isfinite(args.tol) and args.tol >= 0.0):
        raise ValueError(f"--tol: expected a number >= 0, got {args.tol}")
    if not (math.isfinite(args.chunk_mb) and args.chunk_mb > 0):
        raise ValueError(f"--chunk-mb: expected a positive number, got {args.chunk_mb}")


def vocabulary_cut(vocabulary) -> dict:
    """What the cut at --min-count did: the words kept, and the training tokens that became <unk>."""
    unknown = vocabulary.counts[-1] if vocabulary.unknown_id else 0
    total = sum(vocabulary.counts)
    return {"min_count": vocabulary.min_count, "words_kept": vocabulary.V - (1 if vocabulary.unknown_id else 0),
            "train_tokens_to_unknown": int(unknown), "train_tokens": int(total),
            "share_to_unknown": unknown / total if total else 0.0}


def describe_cut(cut: dict) -> str:
    """The vocabulary cut as one line."""
    return (f"vocabulary: {counted(cut['words_kept'], 'word')} seen at least "
            f"{counted(cut['min_count'], 'time')} in training; "
            f"{cut['train_tokens_to_unknown']} of {cut['train_tokens']} training tokens "
            f"({100 * cut['share_to_unknown']:.1f}%) became <unk>")


def run(args: argparse.Namespace) -> int:
    import time

    from elbocheck import distributed
    from elbocheck.data.corpus import DEFAULT_NAME, default_text
    from elbocheck.data.streaming import count_corpus, open_corpus
    from elbocheck.data.tokens import TokenSpec
    from elbocheck.memory import em_bytes, require_memory
    from elbocheck.models.bigram_run import HELDOUT_FRACTION, CountedCorpus, report_lines, run_em

    started = time.perf_counter()
    check_options(args)
    shared = scaffold.resolve(args)
    spec = TokenSpec(args.tokens, lowercase=not args.no_lowercase)
    with distributed.joined(shared.device) as (group, device):
        source = args.corpus if args.corpus else default_text().encode("utf-8")
        name = args.corpus or DEFAULT_NAME
        size = open_corpus(source)
        bar = scaffold.progress(total=None if group.distributed else size, desc="counting", unit="B", unit_scale=True,
                                delay=2.0, disable=not group.is_main)
        with bar:
            vocabulary, train, heldout = count_corpus(
                source, spec, args.min_count, HELDOUT_FRACTION, args.seed, name, group,
                chunk_bytes=max(1, int(args.chunk_mb * 2**20)), dtype=shared.dtype, device=device,
                progress=bar.update)
        require_memory("--states", em_bytes(vocabulary.V, args.states, args.restarts, train.nnz,
                                            shared.dtype.itemsize), device,
                       f"{args.states} states x {args.restarts} restarts over V = {vocabulary.V} words",
                       "use fewer --states or --restarts, or --dtype float32")
        if group.is_main:
            scaffold.make_out(shared.out)
        corpus = CountedCorpus(name, vocabulary.words, train, heldout, vocabulary.sentences[0],
                               vocabulary.sentences[1])
        result = run_em(corpus, args.states, args.iters, args.restarts, args.tol, args.seed, args.dtype, device,
                        progress=scaffold.progress if group.is_main else None, group=group,
                        checkpoint=shared.out / CHECKPOINT, resume=args.resume)
        if not group.is_main:
            return 0
        summary = {"command": scaffold.command_line(args), **result.document,
                   "tokens": {**spec.as_dict(), "min_count": args.min_count},
                   "vocabulary_cut": vocabulary_cut(vocabulary),
                   "distributed": group.as_dict()}
        summary["timings_seconds"]["total"] = time.perf_counter() - started
        written = scaffold.write_results(shared.out, {"loglik.png": result.figure, "params.npz": result.params,
                                                      VOCABULARY: vocabulary.as_dict(), scaffold.RESULT: summary},
                                         keep=(CHECKPOINT,))
        print(describe_cut(summary["vocabulary_cut"]))
        print("\n".join(report_lines(summary)))
        print(scaffold.wrote([*written, shared.out / CHECKPOINT]))
        return 0
