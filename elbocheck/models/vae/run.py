"""One VAE run with its evaluation: the decoder's inputs, training with the curves and prior snapshots recorded
after each epoch and a checkpoint written, the held-out ELBO and IWAE_K beside the independent-pixel baseline,
the figures and the result document (`elbocheck vae` writes them). Nats per image throughout.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from elbocheck.models.vae.checkpoints import CHECKPOINT, check_resumable, read_checkpoint, restore, write_checkpoint
from elbocheck.models.vae.figures import draw_figures

__all__ = [
    "PRIOR_SAMPLES", "EVAL_SEED_OFFSET", "SNAPSHOT_BASE", "SMALL_IMAGE", "VAERun", "run_vae", "model_inputs",
    "cpu_threads", "snapshot_due", "train", "new_history", "prepare_tensors", "make_trainers", "evaluate",
    "result_document", "summary_lines",
]

PRIOR_SAMPLES = 64
EVAL_SEED_OFFSET = 7919
SNAPSHOT_BASE = 4
SMALL_IMAGE = 256


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


def snapshot_due(epoch: int) -> bool:
    """Prior samples are kept at epochs 1, 4, 16, 64, ... (and the last), whatever --epochs is, so a resumed run
    keeps the same ones."""
    while epoch % SNAPSHOT_BASE == 0:
        epoch //= SNAPSHOT_BASE
    return epoch == 1


def train(trainers: dict, history: dict, tensors: dict, epochs: int, prior_z, decoder: str, checkpoint, progress=None):
    """Run every trainer from its current epoch to `epochs`, recording the curves and prior snapshots in
    `history` and calling `checkpoint()` after each epoch. `progress(iterable, desc=, unit=, initial=, total=)` makes
    a tqdm-like bar (none when None)."""
    import torch

    from elbocheck.fast.vae import elbo, tree_leaves
    from elbocheck.finite import require_finite
    from elbocheck.models.vae.trainer import prior_means

    vae = trainers["vae"]
    epochs_left = range(vae.epochs_done, epochs)
    bar = progress(epochs_left, desc="vae", unit="epoch", initial=vae.epochs_done, total=epochs) if progress else None
    try:
        for _ in bar if bar is not None else epochs_left:
            train_loss = vae.epoch(tensors["train"])
            with torch.no_grad():
                heldout = elbo(vae.detached(), tensors["heldout"], tensors["heldout_eps"], decoder).mean()
            kept = vae.epochs_done - 1
            when = f"at epoch {vae.epochs_done}; " + (f"the checkpoint of epoch {kept} is kept" if kept
                                                      else "no checkpoint written")
            require_finite("the training loss", float(train_loss), when, "try a smaller --lr")
            require_finite("the parameters", tree_leaves(vae.detached()), when, "try a smaller --lr")
            require_finite("the held-out ELBO", float(heldout), when, "try a smaller --lr")
            history["epoch"].append(vae.epochs_done)
            history["train_elbo"].append(-float(train_loss))
            history["heldout_elbo"].append(float(heldout))
            if "autoencoder" in trainers:
                autoencoder_loss = float(trainers["autoencoder"].epoch(tensors["train"]))
                require_finite("the autoencoder's training loss", autoencoder_loss, when, "try a smaller --lr")
                history["autoencoder_train_loss"].append(autoencoder_loss)
            if snapshot_due(vae.epochs_done):
                history["snapshots"][vae.epochs_done] = prior_means(vae.detached(), prior_z, decoder).cpu()
            if bar is not None:
                bar.set_postfix_str(f"ELBO train {history['train_elbo'][-1]:.2f} held-out {history['heldout_elbo'][-1]:.2f} nats")
            checkpoint()
    finally:
        if bar is not None:
            bar.close()


def new_history() -> dict:
    return {"epoch": [], "train_elbo": [], "heldout_elbo": [], "autoencoder_train_loss": [], "snapshots": {}}


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


def make_trainers(config, pixels: int, device, with_autoencoder: bool, state: dict | None,
                  group=None) -> tuple[dict, dict]:
    """The VAE's trainer (and the plain autoencoder's), restored from `state` when resuming; and the history.
    `group`: the processes training together (elbocheck.distributed.Group), if several."""
    from elbocheck.models.vae.trainer import Trainer

    trainers = {"vae": Trainer(config, pixels, device, group=group)}
    if with_autoencoder:
        trainers["autoencoder"] = Trainer(dataclasses.replace(config, autoencoder=True), pixels, device, group=group)
    if state is None:
        return trainers, new_history()
    if set(state["trainers"]) != set(trainers):
        raise ValueError(f"--resume: the checkpoint holds {sorted(state['trainers'])}, but --ae/--latent ask for "
                         f"{sorted(trainers)}")
    return trainers, restore(trainers, state)


def evaluate(trainers: dict, tensors: dict, samples: int, config) -> dict:
    """Held-out ELBO and IWAE_K (the same K draws per image), and the autoencoder's reconstruction loss."""
    import torch

    from elbocheck.models.vae.trainer import heldout_estimates, reconstruction_loss

    vae_params = trainers["vae"].detached()
    generator = torch.Generator(device=tensors["heldout"].device).manual_seed(config.seed + 2 * EVAL_SEED_OFFSET)
    elbos, iwaes = heldout_estimates(vae_params, tensors["heldout"], samples, generator, config.decoder)
    final = {"samples": samples, "elbo": float(elbos.mean()), "iwae": float(iwaes.mean())}
    if "autoencoder" in trainers:
        loss = reconstruction_loss(trainers["autoencoder"].detached(), tensors["heldout"], config.decoder)
        final["autoencoder"] = float(loss)
    return final


def result_document(config, data, tensors, trainers, history, final, baseline, device) -> dict:
    """What result.json holds: the command, the data, the settings, the held-out figures beside the baseline."""
    import torch

    from elbocheck.device import device_name

    bernoulli = config.decoder == "bernoulli"
    result = {
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
    lines = [f"held-out, nats per image, K = {heldout['iwae_samples']} draws per image (the curves' figures use "
             f"one fixed draw): -ELBO {-heldout['elbo_nats_per_image']:.2f}  "
             f"-IWAE(K={heldout['iwae_samples']}) {-heldout['iwae_nats_per_image']:.2f}  "
             f"independent-pixel baseline {baseline:.2f}"
             + (f"  (-ELBO {100 * abs(improvement):.1f}% {'below' if improvement >= 0 else 'above'} the baseline)"
                if improvement is not None else "")]
    if "autoencoder" in result:
        lines.append(f"plain autoencoder, held-out reconstruction: "
                     f"{result['autoencoder']['heldout_reconstruction_nats_per_image']:.2f} nats per image")
    return lines




def _read_resumable(path: Path, data, epochs: int, group) -> dict:
    """The checkpoint as the main process reads and checks it, sent to every process; its ValueError raised on
    every process."""
    from elbocheck import distributed

    state, error = None, None
    if group.is_main:
        try:
            state = read_checkpoint(path)
            check_resumable(state, data, epochs)
        except ValueError as caught:
            error = str(caught)
    state, error = distributed.broadcast_object((state, error), group)
    if error is not None:
        raise ValueError(error)
    return state


@dataclass
class VAERun:
    """What a run produced: the trainers, the result document, the figures by file name, the history."""

    trainers: dict
    document: dict
    figures: dict
    history: dict


def run_vae(data, config, epochs: int, iwae: int, device, out: Path, threads: int = 0, with_autoencoder: bool = False,
            resume: bool = False, progress=None, group=None) -> VAERun | None:
    """Train `config` on `data` (ImageData) for `epochs` (continuing from out/checkpoint.pt when `resume`), writing
    that checkpoint after each epoch, then evaluate with K = `iwae` samples. ValueError for an unusable
    checkpoint. The folder `out` must exist.

    With several processes (`group`, elbocheck.distributed.Group, from torchrun), they train together under
    DistributedDataParallel; the main process alone reads (and sends the others) and writes the checkpoint,
    evaluates and returns the run; the others return None."""
    import torch

    from elbocheck import distributed
    from elbocheck.device import resolve_device, synchronize
    from elbocheck.finite import require_finite
    from elbocheck.models.vae.trainer import prior_means

    device = resolve_device(device)
    group = group or distributed.SINGLE
    state = _read_resumable(out / CHECKPOINT, data, epochs, group) if resume else None
    torch.set_num_threads(cpu_threads(threads, data.dim))
    tensors, baseline, prior_z = prepare_tensors(data, config, device)
    trainers, history = make_trainers(config, data.dim, device, with_autoencoder or config.latent == 2, state, group)
    train_started = time.perf_counter()

    def checkpoint():
        if group.is_main:
            write_checkpoint(out / CHECKPOINT, trainers, history, data)

    train(trainers, history, tensors, epochs, prior_z, config.decoder, checkpoint,
          progress=progress if group.is_main else None)
    synchronize(device)
    train_seconds = time.perf_counter() - train_started
    if not group.is_main:
        return None

    final = evaluate(trainers, tensors, iwae, config)
    require_finite("the held-out ELBO and IWAE bound", [final["elbo"], final["iwae"]], "after training")
    history["snapshots"][trainers["vae"].epochs_done] = prior_means(trainers["vae"].detached(), prior_z,
                                                                    config.decoder).cpu()
    figures = draw_figures(trainers, history, tensors, final, baseline, data, config)
    document = result_document(config, data, tensors, trainers, history, final, baseline, device)
    document["seconds"] = {"train": train_seconds}
    document["distributed"] = group.as_dict()
    return VAERun(trainers=trainers, document=document, figures=figures, history=history)
