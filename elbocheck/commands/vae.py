"""Train the variational autoencoder of seed 003 Problem 1 (seed 001 section 4) on scikit-learn's 8x8 digits or
on MNIST from local IDX files, then report the held-out ELBO and the importance-weighted bound (K = 100) in nats
per image beside the independent-pixel baseline. Writes DIR/result.json, DIR/curves.png (train and held-out ELBO),
DIR/samples.png (decoded prior samples at several points of training), DIR/latent.png (held-out codes of the VAE
beside a plain autoencoder, with --latent 2 or --ae) and DIR/checkpoint.pt, rewritten after every epoch, from
which --resume continues exactly.

Several processes: `torchrun --nproc-per-node N -m elbocheck vae ...` (with --nnodes, --node-rank and
--rdzv-endpoint for several machines) trains with DistributedDataParallel: every process draws the same global
batches and noise and takes its share of each batch, so the curves are the one-process curves to float rounding.
Process 0 alone reads and writes the files."""

from __future__ import annotations

import argparse
import math
import os
import time

from elbocheck import scaffold

NAME = "vae"
HELP = "train a VAE on digits or MNIST; held-out ELBO and IWAE against the independent-pixel baseline, with figures"
CHECKPOINT = "checkpoint.pt"
SMALL_IMAGE = 256
COMPILE_MODES = ("none", "default", "reduce-overhead")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default="digits", metavar="digits|DIR",
                        help="'digits' (scikit-learn's 8x8 digits; default) or a folder of MNIST IDX files")
    parser.add_argument("--latent", type=int, default=8, metavar="k", help="latent dimension k (default 8)")
    parser.add_argument("--hidden", default="512", metavar="H[,H...]", help="hidden layer widths (default 512)")
    parser.add_argument("--decoder", default="bernoulli", help="bernoulli (binarised pixels; default) or gaussian")
    parser.add_argument("--samples", type=int, default=1, metavar="r", help="samples of z per image in training (default 1)")
    parser.add_argument("--epochs", type=int, default=200, metavar="n", help="training epochs (default 200)")
    parser.add_argument("--batch", type=int, default=128, help="mini-batch size (default 128)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (default 1e-3)")
    parser.add_argument("--iwae", type=int, default=100, metavar="K", help="samples of the importance-weighted bound (default 100)")
    scaffold.add_seed(parser, "the weights, the shuffling and the noise")
    scaffold.add_device(parser)
    parser.add_argument("--threads", type=int, default=0,
                        help=f"CPU threads for PyTorch (default 0: one for images under {SMALL_IMAGE} pixels, else PyTorch's choice)")
    parser.add_argument("--compile", default="none", help="none (default), default or reduce-overhead: torch.compile the loss")
    parser.add_argument("--ae", action="store_true", help="also train a plain autoencoder of the same size (implied by --latent 2)")
    parser.add_argument("--resume", action="store_true", help=f"continue from DIR/{CHECKPOINT} up to --epochs")
    scaffold.add_out(parser, "out/vae")


def parse_hidden(text: str) -> tuple[int, ...]:
    """'512' or '512,256' -> (512,) or (512, 256); ValueError naming --hidden otherwise."""
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--hidden: expected positive integers separated by commas, got {text!r}") from None
    if any(width < 1 for width in widths):
        raise ValueError(f"--hidden: expected positive integers separated by commas, got {text!r}")
    return widths


def check_options(args: argparse.Namespace):
    """The training configuration, or ValueError naming the first bad option; creates nothing."""
    from elbocheck.fast.vae import DECODERS
    from elbocheck.models.vae import TrainConfig

    for name, value, least in (("--latent", args.latent, 1), ("--samples", args.samples, 1), ("--epochs", args.epochs, 1),
                               ("--batch", args.batch, 1), ("--iwae", args.iwae, 1), ("--threads", args.threads, 0)):
        if value < least:
            raise ValueError(f"{name}: expected an integer >= {least}, got {value}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise ValueError(f"--lr: expected a positive number, got {args.lr}")
    if args.decoder not in DECODERS:
        raise ValueError(f"--decoder: expected one of {list(DECODERS)}, got {args.decoder!r}")
    if args.compile not in COMPILE_MODES:
        raise ValueError(f"--compile: expected 'none', 'default' or 'reduce-overhead', got {args.compile!r}")
    return TrainConfig(latent=args.latent, hidden=parse_hidden(args.hidden), decoder=args.decoder, samples=args.samples,
                       batch=args.batch, lr=args.lr, seed=args.seed, compile=args.compile).validate()


def load_data(spec: str):
    """ImageData for 'digits' or a folder of MNIST IDX files."""
    from elbocheck.data.digits import load_digits_data
    from elbocheck.data.idx import load_mnist

    return load_digits_data() if spec == "digits" else load_mnist(spec)


def run(args: argparse.Namespace) -> int:
    from elbocheck import distributed
    from elbocheck.memory import require_memory, vae_bytes
    from elbocheck.models.vae.run import run_vae, summary_lines

    started = time.perf_counter()
    config = check_options(args)
    shared = scaffold.resolve(args)
    data = load_data(args.data)
    models = 2 if args.ae or config.latent == 2 else 1
    require_memory("--hidden", vae_bytes(data.dim, config.hidden, config.latent, config.batch, models), shared.device,
                   f"{models} network{'s' if models > 1 else ''} with hidden widths {args.hidden} on {data.dim} pixels",
                   "use narrower --hidden layers or a smaller --batch")
    if args.resume and os.environ.get("RANK", "0") == "0" and not (shared.out / CHECKPOINT).is_file():
        raise ValueError(f"--resume: no checkpoint at '{shared.out / CHECKPOINT}'; run without --resume first")
    with distributed.joined(shared.device) as (group, device):
        if group.is_main:
            scaffold.make_out(shared.out)
        distributed.barrier(group)
        result = run_vae(data, config, args.epochs, args.iwae, device, shared.out, threads=args.threads,
                         with_autoencoder=args.ae, resume=args.resume, progress=scaffold.progress, group=group)
        if result is None:
            return 0
        document = {"command": scaffold.command_line(args), **result.document}
        document["seconds"]["total"] = time.perf_counter() - started
        document["files"] = [scaffold.RESULT, *result.figures, CHECKPOINT]
        written = scaffold.write_results(shared.out, {**result.figures, scaffold.RESULT: document},
                                         owns=("*.png",), keep=(CHECKPOINT,))
        for line in summary_lines(document):
            print(line)
        print(f"{scaffold.wrote([*written, shared.out / CHECKPOINT])} in {document['seconds']['total']:.1f} s")
        return 0
