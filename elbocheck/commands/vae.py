"""Train the variational autoencoder of seed 003 Problem 1 (seed 001 section 4) on scikit-learn's 8x8 digits or
on MNIST from local IDX files, then report the held-out ELBO and the importance-weighted bound (K = 100) in nats
per image beside the independent-pixel baseline. Writes DIR/result.json, DIR/curves.png (train and held-out ELBO),
DIR/samples.png (decoded prior samples at several points of training), DIR/latent.png (held-out codes of the VAE
beside a plain autoencoder, with --latent 2 or --ae) and DIR/checkpoint.pt, rewritten after every epoch, from
which --resume continues exactly."""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from pathlib import Path

from elbocheck.commands import scaffold

NAME = "vae"
HELP = "train a VAE on digits or MNIST; held-out ELBO and IWAE against the independent-pixel baseline, with figures"
CHECKPOINT = "checkpoint.pt"
CHECKPOINT_FORMAT = 1
PRIOR_SAMPLES = 64
EVAL_SEED_OFFSET = 7919
SNAPSHOT_BASE = 4
SMALL_IMAGE = 256


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


# ---------------------------------------------------------------- options and data


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
    from elbocheck.fast.vae import DECODERS, TrainConfig

    for name, value, least in (("--latent", args.latent, 1), ("--samples", args.samples, 1), ("--epochs", args.epochs, 1),
                               ("--batch", args.batch, 1), ("--iwae", args.iwae, 1), ("--threads", args.threads, 0)):
        if value < least:
            raise ValueError(f"{name}: expected an integer >= {least}, got {value}")
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise ValueError(f"--lr: expected a positive number, got {args.lr}")
    if args.decoder not in DECODERS:
        raise ValueError(f"--decoder: expected one of {list(DECODERS)}, got {args.decoder!r}")
    if args.compile not in ("none", "default", "reduce-overhead"):
        raise ValueError(f"--compile: expected 'none', 'default' or 'reduce-overhead', got {args.compile!r}")
    return TrainConfig(latent=args.latent, hidden=parse_hidden(args.hidden), decoder=args.decoder, samples=args.samples,
                       batch=args.batch, lr=args.lr, seed=args.seed, compile=args.compile).validate()


def load_data(spec: str):
    """ImageData for 'digits' or a folder of MNIST IDX files."""
    from elbocheck.data.digits import load_digits_data
    from elbocheck.data.idx import load_mnist

    return load_digits_data() if spec == "digits" else load_mnist(spec)


def model_inputs(data, decoder: str, seed: int):
    """(train, heldout) float arrays for the decoder: binarised for Bernoulli, dequantised (fixed noise) for Gaussian."""
    import numpy as np

    if decoder == "bernoulli":
        return data.binarized("train"), data.binarized("heldout")
    rng = np.random.default_rng(seed)
    return data.dequantized("train", rng), data.dequantized("heldout", rng)


def cpu_threads(requested: int, pixels: int) -> int:
    """`requested`, or for 0: one thread when an image has fewer than SMALL_IMAGE pixels, else PyTorch's default.

    Measured (bench/results/vae_cpu.md): on the digits' 64-pixel images the matrices are too small to split, and on
    a busy 2-core machine two threads made an epoch two to four times slower than one.
    """
    import torch

    if requested:
        return requested
    return 1 if pixels < SMALL_IMAGE else torch.get_num_threads()


# ---------------------------------------------------------------- checkpoints


def read_checkpoint(path: Path) -> dict:
    """The checkpoint at `path`; ValueError if it is missing, unreadable or not one of ours."""
    import io

    import torch

    if not path.is_file():
        raise ValueError(f"--resume: no checkpoint at '{path}'; run without --resume first")
    try:
        state = torch.load(io.BytesIO(path.read_bytes()), map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for a damaged file
        raise ValueError(f"--resume: '{path}' is not a readable checkpoint ({type(error).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"--resume: '{path}' is not a checkpoint of `elbocheck vae` (format {CHECKPOINT_FORMAT})")
    return state


def check_resumable(state: dict, data, epochs: int) -> None:
    """ValueError if the checkpoint was trained on other data or has already passed --epochs."""
    if state["data"] != data.name or state["pixels"] != data.dim:
        raise ValueError(f"--resume: the checkpoint was trained on {state['data']} ({state['pixels']} pixels), not {data.name}")
    if state["epochs_done"] > epochs:
        raise ValueError(f"--epochs: the checkpoint has done {state['epochs_done']} epochs, more than --epochs {epochs}")


def write_checkpoint(path: Path, trainers: dict, history: dict, data) -> None:
    """Every trainer's state and the history so far, to `path` atomically."""
    import io

    import torch

    from elbocheck._io import atomic_write_bytes

    buffer = io.BytesIO()
    torch.save({
        "format": CHECKPOINT_FORMAT,
        "data": data.name,
        "pixels": data.dim,
        "epochs_done": trainers["vae"].epochs_done,
        "trainers": {name: trainer.state_dict() for name, trainer in trainers.items()},
        "history": history,
    }, buffer)
    atomic_write_bytes(path, buffer.getvalue())


# ---------------------------------------------------------------- training


def snapshot_due(epoch: int) -> bool:
    """Prior samples are kept at epochs 1, 4, 16, 64, ... (and the last), whatever --epochs is, so a resumed run
    keeps the same ones."""
    while epoch % SNAPSHOT_BASE == 0:
        epoch //= SNAPSHOT_BASE
    return epoch == 1


def train(trainers: dict, history: dict, tensors: dict, epochs: int, prior_z, decoder: str, checkpoint, progress: bool):
    """Run every trainer from its current epoch to `epochs`, recording the curves and prior snapshots in
    `history` and calling `checkpoint()` after each epoch."""
    import torch

    from elbocheck.fast.vae import elbo, prior_means

    vae = trainers["vae"]
    bar = scaffold.progress(range(vae.epochs_done, epochs), desc="vae", unit="epoch", disable=not progress,
                            initial=vae.epochs_done, total=epochs)
    for _ in bar:
        train_loss = vae.epoch(tensors["train"])
        with torch.no_grad():
            heldout = elbo(vae.detached(), tensors["heldout"], tensors["heldout_eps"], decoder).mean()
        history["epoch"].append(vae.epochs_done)
        history["train_elbo"].append(-float(train_loss))
        history["heldout_elbo"].append(float(heldout))
        if "autoencoder" in trainers:
            history["autoencoder_train_loss"].append(float(trainers["autoencoder"].epoch(tensors["train"])))
        if snapshot_due(vae.epochs_done):
            history["snapshots"][vae.epochs_done] = prior_means(vae.detached(), prior_z, decoder).cpu()
        bar.set_postfix_str(f"ELBO train {history['train_elbo'][-1]:.2f} held-out {history['heldout_elbo'][-1]:.2f} nats")
        checkpoint()
    bar.close()


def new_history() -> dict:
    return {"epoch": [], "train_elbo": [], "heldout_elbo": [], "autoencoder_train_loss": [], "snapshots": {}}


# ---------------------------------------------------------------- figures


def plot_curves(history: dict, baseline: float, final: dict, title: str):
    """Train (running) and held-out ELBO per epoch, the baseline, and the final IWAE bound."""
    from elbocheck._io import pyplot

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.plot(history["epoch"], history["train_elbo"], color="tab:blue", label="train ELBO (running mean over the epoch)")
    axes.plot(history["epoch"], history["heldout_elbo"], color="tab:orange", label="held-out ELBO (fixed noise, r = 1)")
    axes.axhline(-baseline, color="tab:red", linestyle=":", label=f"independent-pixel baseline ({-baseline:.2f})")
    if baseline > 0:
        axes.axhline(-0.75 * baseline, color="0.5", linestyle="--", linewidth=0.8, label="25% better than the baseline")
    last = history["epoch"][-1]
    axes.plot([last], [final["elbo"]], "o", color="tab:orange", label=f"held-out ELBO, K = {final['samples']}: {final['elbo']:.2f}")
    axes.plot([last], [final["iwae"]], "s", color="tab:green", label=f"held-out IWAE, K = {final['samples']}: {final['iwae']:.2f}")
    lows = [value for value in history["heldout_elbo"] + history["train_elbo"] if math.isfinite(value)]
    floor = min(sorted(lows)[len(lows) // 20] if lows else -baseline, -baseline) - 1.0
    axes.set_ylim(floor, max(max(lows, default=0.0), final["iwae"]) + 1.0)
    axes.set_xlabel("epoch")
    axes.set_ylabel("ELBO (nats per image)")
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    return figure


def tile(images, shape: tuple[int, int], columns: int = 8):
    """Images (n, h * w) in [0, 1] as one mosaic of `columns` per row, with one-pixel gaps of NaN between them."""
    import numpy as np

    height, width = shape
    rows = math.ceil(images.shape[0] / columns)
    mosaic = np.full((rows * (height + 1) + 1, columns * (width + 1) + 1), np.nan)
    for index, image in enumerate(images):
        top, left = 1 + (index // columns) * (height + 1), 1 + (index % columns) * (width + 1)
        mosaic[top : top + height, left : left + width] = np.clip(image.reshape(height, width), 0.0, 1.0)
    return mosaic


def plot_samples(snapshots: dict, shape: tuple[int, int], decoder: str, title: str):
    """One 8x8 mosaic of decoded prior samples (the same 64 draws of z) per kept epoch, seed 003 figure 1."""
    from elbocheck._io import pyplot

    plt = pyplot()
    epochs = sorted(snapshots)
    colours = plt.get_cmap("gray_r").with_extremes(bad="#9fb7d3")
    figure, axes = plt.subplots(1, len(epochs), figsize=(3.2 * len(epochs), 3.6), squeeze=False)
    for axis, epoch in zip(axes[0], epochs):
        axis.imshow(tile(snapshots[epoch].numpy(), shape), cmap=colours, vmin=0.0, vmax=1.0, interpolation="nearest")
        axis.set_title(f"epoch {epoch}")
        axis.axis("off")
    what = "p(pixel on | z)" if decoder == "bernoulli" else "decoder mean"
    figure.suptitle(f"{title}: {what} for 64 fixed z ~ N(0, I)")
    return figure


def projected(codes):
    """Codes (N, k) as two columns: themselves when k <= 2 (padded with zeros for k = 1), else their first two
    principal components. Returns (points (N, 2), axis label)."""
    import numpy as np

    codes = np.asarray(codes, dtype=np.float64)
    if codes.shape[1] == 2:
        return codes, "z"
    if codes.shape[1] == 1:
        return np.column_stack([codes[:, 0], np.zeros(codes.shape[0])]), "z"
    centred = codes - codes.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T, "principal component of z"


def plot_latent(vae_codes, ae_codes, labels, title: str):
    """Held-out images in latent space, coloured by digit: the VAE's means beside the autoencoder's codes
    (seed 002 figure 1)."""
    from elbocheck._io import pyplot

    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 5))
    for axis, codes, name in ((axes[0], vae_codes, "VAE: posterior means mu(x)"), (axes[1], ae_codes, "plain autoencoder: codes z(x)")):
        points, label = projected(codes)
        if labels is None:
            axis.scatter(points[:, 0], points[:, 1], s=4, color="tab:blue", alpha=0.6)
        else:
            scatter = axis.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=5, alpha=0.8)
        axis.set_title(name)
        axis.set_xlabel(f"{label} 1")
        axis.set_ylabel(f"{label} 2")
        axis.grid(True, alpha=0.3)
    if labels is not None:
        figure.colorbar(scatter, ax=axes, ticks=range(10), label="digit")
    figure.suptitle(title if labels is not None else f"{title} (no labels file: one colour)")
    return figure


# ---------------------------------------------------------------- the command


def prepare_tensors(data, config, device) -> tuple[dict, float, "torch.Tensor"]:
    """The decoder's inputs on the device, the fixed held-out noise, the baseline, and 64 fixed prior draws."""
    import torch

    from elbocheck.data.digits import independent_pixel_nats

    train_x, heldout_x = model_inputs(data, config.decoder, config.seed)
    tensors = {"train": torch.as_tensor(train_x, dtype=torch.float32, device=device),
               "heldout": torch.as_tensor(heldout_x, dtype=torch.float32, device=device)}
    generator = torch.Generator(device=device).manual_seed(config.seed + EVAL_SEED_OFFSET)
    tensors["heldout_eps"] = torch.randn((heldout_x.shape[0], 1, config.latent), generator=generator, device=device)
    prior_z = torch.randn((PRIOR_SAMPLES, config.latent), generator=generator, device=device)
    return tensors, independent_pixel_nats(train_x, heldout_x, config.decoder), prior_z


def make_trainers(config, pixels: int, device, with_autoencoder: bool, state: dict | None) -> tuple[dict, dict]:
    """The VAE's trainer (and the plain autoencoder's), restored from `state` when resuming; and the history."""
    from elbocheck.fast.vae import Trainer

    trainers = {"vae": Trainer(config, pixels, device)}
    if with_autoencoder:
        trainers["autoencoder"] = Trainer(dataclasses.replace(config, autoencoder=True), pixels, device)
    if state is None:
        return trainers, new_history()
    if set(state["trainers"]) != set(trainers):
        raise ValueError(f"--resume: the checkpoint holds {sorted(state['trainers'])}, but --ae/--latent ask for "
                         f"{sorted(trainers)}")
    for name, trainer in trainers.items():
        trainer.load_state_dict(state["trainers"][name])
    return trainers, state["history"]


def evaluate(trainers: dict, tensors: dict, samples: int, config) -> dict:
    """Held-out ELBO and IWAE_K (the same K draws per image), and the autoencoder's reconstruction loss."""
    import torch

    from elbocheck.fast.vae import heldout_estimates, reconstruction_loss

    vae_params = trainers["vae"].detached()
    generator = torch.Generator(device=tensors["heldout"].device).manual_seed(config.seed + 2 * EVAL_SEED_OFFSET)
    elbos, iwaes = heldout_estimates(vae_params, tensors["heldout"], samples, generator, config.decoder)
    final = {"samples": samples, "elbo": float(elbos.mean()), "iwae": float(iwaes.mean())}
    if "autoencoder" in trainers:
        loss = reconstruction_loss(trainers["autoencoder"].detached(), tensors["heldout"], config.decoder)
        final["autoencoder"] = float(loss)
    return final


def draw_figures(trainers: dict, history: dict, tensors: dict, final: dict, baseline: float, data, config) -> dict:
    """{file name: figure}: curves.png, samples.png and, when an autoencoder was trained, latent.png."""
    from elbocheck.fast.vae import codes

    title = f"VAE on {data.name}, k = {config.latent}, {config.decoder} decoder"
    figures = {"curves.png": plot_curves(history, baseline, final, title),
               "samples.png": plot_samples(history["snapshots"], data.image_shape, config.decoder, title)}
    if "autoencoder" not in trainers:
        return figures
    vae_codes = codes(trainers["vae"].detached(), tensors["heldout"], autoencoder=False).cpu().numpy()
    ae_codes = codes(trainers["autoencoder"].detached(), tensors["heldout"], autoencoder=True).cpu().numpy()
    figures["latent.png"] = plot_latent(vae_codes, ae_codes, data.labels("heldout"),
                                        f"held-out {data.name} in latent space (k = {config.latent})")
    return figures


def result_document(args, config, data, tensors, trainers, history, final, baseline, device) -> dict:
    """What result.json holds: the command, the data, the settings, the held-out figures beside the baseline."""
    import torch

    from elbocheck.fast._device import device_name

    bernoulli = config.decoder == "bernoulli"
    result = {
        "command": scaffold.command_line(args),
        "data": {"name": data.name, "train_images": int(tensors["train"].shape[0]),
                 "heldout_images": int(tensors["heldout"].shape[0]), "pixels": data.dim,
                 "decoder_sees": "binarised pixels" if bernoulli else "dequantised grey levels in (0, 1)"},
        "config": config.as_dict(),
        "epochs": trainers["vae"].epochs_done,
        "device": device_name(device),
        "threads": torch.get_num_threads(),
        "heldout": {"elbo_nats_per_image": final["elbo"], "iwae_nats_per_image": final["iwae"],
                    "iwae_samples": final["samples"], "negative_elbo_nats_per_image": -final["elbo"]},
        "baseline": {"name": "independent Bernoulli pixels at their training means" if bernoulli
                     else "independent Gaussian pixels at their training means and variances",
                     "negative_log_likelihood_nats_per_image": baseline},
        "negative_elbo_below_baseline": 1.0 + final["elbo"] / baseline if baseline > 0 else None,
        "curves": {key: history[key] for key in ("epoch", "train_elbo", "heldout_elbo")},
    }
    if "autoencoder" in final:
        result["autoencoder"] = {"heldout_reconstruction_nats_per_image": final["autoencoder"],
                                 "train_loss": history["autoencoder_train_loss"]}
    return result


def summary_lines(result: dict) -> list[str]:
    """What the command prints at the end."""
    heldout, baseline = result["heldout"], result["baseline"]["negative_log_likelihood_nats_per_image"]
    improvement = result["negative_elbo_below_baseline"]
    lines = [f"held-out, nats per image: -ELBO {-heldout['elbo_nats_per_image']:.2f}  "
             f"-IWAE(K={heldout['iwae_samples']}) {-heldout['iwae_nats_per_image']:.2f}  "
             f"independent-pixel baseline {baseline:.2f}"
             + (f"  (-ELBO {100 * improvement:.1f}% below the baseline)" if improvement is not None else "")]
    if "autoencoder" in result:
        lines.append(f"plain autoencoder, held-out reconstruction: "
                     f"{result['autoencoder']['heldout_reconstruction_nats_per_image']:.2f} nats per image")
    return lines


def run(args: argparse.Namespace) -> int:
    import torch

    from elbocheck.fast._device import synchronize
    from elbocheck.fast.vae import prior_means

    started = time.perf_counter()
    config = check_options(args)
    shared = scaffold.resolve(args)
    device, out = shared.device, shared.out
    data = load_data(args.data)
    state = None
    if args.resume:
        state = read_checkpoint(out / CHECKPOINT)
        check_resumable(state, data, args.epochs)
    torch.set_num_threads(cpu_threads(args.threads, data.dim))
    tensors, baseline, prior_z = prepare_tensors(data, config, device)
    trainers, history = make_trainers(config, data.dim, device, args.ae or config.latent == 2, state)

    scaffold.make_out(out)
    train_started = time.perf_counter()
    train(trainers, history, tensors, args.epochs, prior_z, config.decoder,
          lambda: write_checkpoint(out / CHECKPOINT, trainers, history, data), progress=True)
    synchronize(device)
    train_seconds = time.perf_counter() - train_started

    final = evaluate(trainers, tensors, args.iwae, config)
    history["snapshots"][trainers["vae"].epochs_done] = prior_means(trainers["vae"].detached(), prior_z,
                                                                    config.decoder).cpu()
    figures = draw_figures(trainers, history, tensors, final, baseline, data, config)
    result = result_document(args, config, data, tensors, trainers, history, final, baseline, device)
    result["seconds"] = {"train": train_seconds, "total": time.perf_counter() - started}
    result["files"] = [scaffold.RESULT, *figures, CHECKPOINT]
    written = scaffold.write_results(out, {**figures, scaffold.RESULT: result})
    for line in summary_lines(result):
        print(line)
    print(f"{scaffold.wrote([*written, out / CHECKPOINT])} in {result['seconds']['total']:.1f} s")
    return 0
