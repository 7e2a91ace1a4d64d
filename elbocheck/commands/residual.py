"""Reproduce seed 003's figure 2: train a small transformer language model with LayerNorm after the residual addition
(post) or on the branch (pre, x + LayerNorm(A(x)) as the document writes it), shallow and deep, and record the norm
of the last layer's gradient at every step (DIR/gradnorm.png); and measure ||dx_L/dx_0|| at initialisation against
depth for both placements, on random MLP residual stacks and on the transformer (DIR/jacobian.png). The numbers go
to DIR/result.json."""

from __future__ import annotations

import argparse

from elbocheck import scaffold

NAME = "residual"
HELP = "LayerNorm before vs after the residual addition: gradient norms in training and Jacobians vs depth"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--depths", default="1,5", help="comma-separated numbers of layers, shallow first (default 1,5)")
    parser.add_argument("--placements", default="post,pre",
                        help="comma-separated from post, pre (x + LN(A(x))), prenorm (x + A(LN(x))); default post,pre")
    parser.add_argument("--steps", type=int, default=200, help="Adam steps per model (default 200)")
    parser.add_argument("--batch-size", type=int, default=16, help="windows per step (default 16)")
    parser.add_argument("--context", type=int, default=32, help="tokens per window (default 32)")
    parser.add_argument("--d-model", type=int, default=64, help="width of the residual stream (default 64)")
    parser.add_argument("--heads", type=int, default=4, help="attention heads, dividing --d-model (default 4)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    parser.add_argument("--jacobian-depth", type=int, default=24,
                        help="deepest stack in jacobian.png (default 24)")
    parser.add_argument("--draws", type=int, default=3, help="random initialisations per curve of jacobian.png")
    parser.add_argument("--corpus", default=None, metavar="FILE",
                        help="UTF-8 text to train on (default: Python's pydoc_data topics, as `elbocheck em`)")
    scaffold.add_seed(parser)
    scaffold.add_device(parser)
    scaffold.add_out(parser, "out/residual", "output folder")


def parse_int_list(text: str, name: str, minimum: int = 1) -> list[int]:
    """'1,5,10' -> [1, 5, 10]; ValueError naming `name` unless every entry is an integer >= minimum."""
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"{name}: expected comma-separated integers like '1,5', got {text!r}") from None
    if not values or any(value < minimum for value in values):
        raise ValueError(f"{name}: expected comma-separated integers >= {minimum}, got {text!r}")
    return values


def parse_placements(text: str) -> list[str]:
    """'post,pre' -> ['post', 'pre']; ValueError naming --placements for anything else."""
    from elbocheck.shared.residual import PLACEMENTS

    values = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [value for value in values if value not in PLACEMENTS]
    if not values or unknown or len(set(values)) != len(values):
        raise ValueError(
            f"--placements: expected distinct names from {list(PLACEMENTS)} separated by commas, got {text!r}"
        )
    return values


def validate(args: argparse.Namespace) -> dict:
    """Every option checked before anything is written; the parsed lists."""
    depths = parse_int_list(args.depths, "--depths")
    placements = parse_placements(args.placements)
    for name, value, minimum in (
        ("--steps", args.steps, 1), ("--batch-size", args.batch_size, 1), ("--context", args.context, 2),
        ("--d-model", args.d_model, 2), ("--heads", args.heads, 1), ("--jacobian-depth", args.jacobian_depth, 1),
        ("--draws", args.draws, 1),
    ):
        if value < minimum:
            raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    if args.d_model % args.heads:
        raise ValueError(f"--heads: expected a divisor of --d-model {args.d_model}, got {args.heads}")
    if not args.lr > 0:
        raise ValueError(f"--lr: expected a positive learning rate, got {args.lr}")
    return {"depths": depths, "placements": placements}


def run(args: argparse.Namespace) -> int:
    from elbocheck.data.corpus import load_corpus
    from elbocheck.models.residual import token_stream
    from elbocheck.models.residual_run import format_summary, run_residual

    options = validate(args)
    shared = scaffold.resolve(args)
    corpus = load_corpus(args.corpus)
    stream = token_stream(corpus.train)
    if stream.numel() <= args.context:
        raise ValueError(f"--context: the corpus has {stream.numel()} training tokens; expected more than {args.context}")
    scaffold.make_out(shared.out)
    result = run_residual(stream, corpus.V + 1, options["depths"], options["placements"], args.steps, args.batch_size,
                          args.context, args.d_model, args.heads, args.lr, args.jacobian_depth, args.draws, args.seed,
                          shared.device, progress=scaffold.progress)
    document = {"command": scaffold.command_line(args), "device": result.document["device"], "corpus": corpus.name,
                **result.document}
    written = scaffold.write_results(shared.out, {**result.figures, scaffold.RESULT: document})
    print(format_summary(result.summary, result.jacobians))
    print(scaffold.wrote(written))
    return 0
