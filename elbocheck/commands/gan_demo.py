"""Train a small GAN on a ring of Gaussians with the fast code (seed 003 (23)-(35)) and write DIR/samples.png and
DIR/result.json; then show, as a printed table, that a discrete bigram generator (seed 004 Problem 2) gets no
gradient through its sampler while the straight-through and Gumbel-softmax estimators do."""

from __future__ import annotations

import argparse
import math

from elbocheck import scaffold

NAME = "gan-demo"
HELP = "train a small GAN on a ring of Gaussians; show the zero gradient of a discrete generator and its remedies"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    scaffold.add_out(parser, "out/gan-demo")
    parser.add_argument("--steps", type=int, default=2000, help="training steps (default 2000)")
    parser.add_argument("--batch", type=int, default=256, help="real and fake points per step (default 256)")
    parser.add_argument("--modes", type=int, default=8, help="Gaussians on the ring (default 8)")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="step size alpha (default 1e-3)")
    parser.add_argument("--optimizer", default="adam", help="adam (default) or sgd, the plain steps (34)-(35)")
    parser.add_argument("--generator-loss", default="minimax",
                        help="minimax (default): descend log(1 - D(G(z))) as in (35); or non_saturating")
    scaffold.add_seed(parser)
    parser.add_argument("--strings", type=int, default=4096, help="strings drawn for the gradient table (default 4096)")
    scaffold.add_device(parser)


def validate(args: argparse.Namespace) -> None:
    """Raise ValueError naming the first bad argument; nothing is written before this passes."""
    if args.steps < 1:
        raise ValueError(f"--steps: expected a positive number of training steps, got {args.steps}")
    if args.batch < 1:
        raise ValueError(f"--batch: expected a positive batch size, got {args.batch}")
    if args.modes < 1:
        raise ValueError(f"--modes: expected a positive number of Gaussians, got {args.modes}")
    if not (math.isfinite(args.learning_rate) and args.learning_rate > 0):
        raise ValueError(f"--learning-rate: expected a positive number, got {args.learning_rate}")
    if args.optimizer not in ("adam", "sgd"):
        raise ValueError(f"--optimizer: expected 'adam' or 'sgd', got {args.optimizer!r}")
    if args.generator_loss not in ("minimax", "non_saturating"):
        raise ValueError(f"--generator-loss: expected 'minimax' or 'non_saturating', got {args.generator_loss!r}")
    if args.strings < 1:
        raise ValueError(f"--strings: expected a positive number of strings, got {args.strings}")


def run(args: argparse.Namespace) -> int:
    from elbocheck.models.gan_run import format_table, run_gan_demo

    validate(args)
    shared = scaffold.resolve(args)
    scaffold.make_out(shared.out)
    result = run_gan_demo(args.steps, args.batch, args.modes, args.learning_rate, args.optimizer, args.generator_loss,
                          args.seed, args.strings, shared.device, progress=scaffold.progress)
    document = {"command": scaffold.command_line(args), **result.document}
    written = scaffold.write_results(shared.out, {"samples.png": result.figure, scaffold.RESULT: document})
    final = result.history["coverage"][args.steps]
    print(f"trained {args.steps} steps in {document['training']['seconds']:.1f} s on {document['device']}: "
          f"{final[0]}/{args.modes} modes covered, {100 * final[1]:.1f}% of samples within 3 std of a mode")
    print()
    print(format_table(document["discrete_generator_gradient"]))
    print()
    print(scaffold.wrote(written))
    return 0
