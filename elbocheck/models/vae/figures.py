"""The figures of a VAE run: the ELBO curves, decoded prior samples at several epochs (seed 003 figure 1), and the
held-out codes of the VAE beside a plain autoencoder (seed 002 figure 1)."""

from __future__ import annotations

import math

__all__ = ["plot_curves", "tile", "plot_samples", "projected", "plot_latent", "draw_figures"]


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
    """Held-out images in latent space, coloured by label (digits 0..9, EMNIST letters 1..26, any integers): the
    VAE's means beside the autoencoder's codes (seed 002 figure 1)."""
    import numpy as np

    from elbocheck._io import pyplot

    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 5))
    if labels is not None:
        labels = np.asarray(labels)
        low, high = int(labels.min()), int(labels.max())
        colours = "tab10" if high - low < 10 else "tab20" if high - low < 20 else "turbo"
    for axis, codes, name in ((axes[0], vae_codes, "VAE: posterior means mu(x)"), (axes[1], ae_codes, "plain autoencoder: codes z(x)")):
        points, label = projected(codes)
        if labels is None:
            axis.scatter(points[:, 0], points[:, 1], s=4, color="tab:blue", alpha=0.6)
        else:
            scatter = axis.scatter(points[:, 0], points[:, 1], c=labels, cmap=colours, vmin=low - 0.5, vmax=high + 0.5,
                                   s=5, alpha=0.8)
        axis.set_title(name)
        axis.set_xlabel(f"{label} 1")
        axis.set_ylabel(f"{label} 2")
        axis.grid(True, alpha=0.3)
    if labels is not None:
        figure.colorbar(scatter, ax=axes, ticks=range(low, high + 1, max(1, (high - low) // 12 + 1)), label="label")
    figure.suptitle(title if labels is not None else f"{title} (no labels file: one colour)")
    return figure


def draw_figures(trainers: dict, history: dict, tensors: dict, final: dict, baseline: float, data, config) -> dict:
    """{file name: figure}: curves.png, samples.png and, when an autoencoder was trained, latent.png."""
    from elbocheck.models.vae.trainer import codes

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
