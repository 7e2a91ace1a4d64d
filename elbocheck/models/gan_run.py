"""The run of `elbocheck gan-demo`: a GAN trained on a ring of Gaussians (seed 003 (23)-(35)) with its figure and
result document, and the table of gradient estimates through a discrete bigram generator (seed 004 Problems 2
and 4): exact, autograd through the sampler (none), the pathwise finite difference (zero), straight-through and
Gumbel-softmax.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

__all__ = ["TEMPERATURES", "FINITE_DIFFERENCE_STEP", "RADIUS", "STD", "GANRun", "run_gan_demo", "snapshot_steps",
           "gradient_table", "format_table", "samples_figure"]

TEMPERATURES = (1.0, 0.5, 0.1)
FINITE_DIFFERENCE_STEP = 1e-9
RADIUS, STD = 2.0, 0.05


@dataclass
class GANRun:
    """What a run produced: the training history, the result document (without the command), the figure."""

    history: dict
    document: dict
    figure: object


def run_gan_demo(steps: int, batch: int, modes: int, learning_rate: float, optimizer: str, generator_loss: str,
                 seed: int, strings: int, device, progress=None) -> GANRun:
    """Train on one CPU thread (layers of 64 units: a second thread costs more in synchronisation than it gains;
    the caller's thread count is restored), then compute the gradient table. `progress(total=, desc=, unit=,
    leave=)` makes a tqdm-like bar (none when None). ValueError for bad settings."""
    import torch

    from elbocheck.device import device_name, resolve_device
    from elbocheck.finite import require_finite
    from elbocheck.models.gan import train_ring_gan

    device = resolve_device(device)
    snapshots = snapshot_steps(steps)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        label = device_name(device)  # the one thread the training runs on
        start = time.perf_counter()
        generator = torch.Generator().manual_seed(seed)
        bar = progress(total=steps, desc="gan-demo", unit="step", leave=False) if progress is not None else None

        def show(step, d_loss, g_loss):
            require_finite("the discriminator and generator losses", [d_loss, g_loss], f"at step {step}",
                           "try a smaller --learning-rate")
            if bar is None:
                return
            if step % 50 == 0 or step == steps - 1:
                bar.set_postfix(L=f"{-d_loss:.4f}", G_loss=f"{g_loss:.4f}", refresh=False)
            bar.update(1)

        try:
            history = train_ring_gan(generator, steps=steps, batch=batch, modes=modes, radius=RADIUS, std=STD,
                                     learning_rate=learning_rate, optimizer=optimizer, kind=generator_loss,
                                     snapshots=snapshots, device=device, progress=show)
        finally:
            if bar is not None:
                bar.close()
        train_seconds = time.perf_counter() - start
        table = gradient_table(seed, strings)
    finally:
        torch.set_num_threads(threads)
    coverage = {str(step): {"modes_covered": c[0], "share_within_3_std": c[1]}
                for step, c in history["coverage"].items()}
    document = {
        "device": label,
        "training": {
            "steps": steps, "batch": batch, "modes": modes, "radius": RADIUS, "std": STD,
            "optimizer": optimizer, "generator_loss": generator_loss, "learning_rate": learning_rate,
            "seed": seed, "seconds": round(train_seconds, 2), "threads": 1,
            "final_L": float(-history["losses"][-1, 0]), "final_generator_loss": float(history["losses"][-1, 1]),
            "coverage": coverage,
        },
        "discrete_generator_gradient": table,
    }
    title = (f"GAN on a ring of {modes} Gaussians ({optimizer}, {generator_loss} generator loss, seed {seed})")
    return GANRun(history=history, document=document, figure=samples_figure(history, generator_loss, title))


def snapshot_steps(steps: int) -> list[int]:
    """0, steps/8, steps/4, steps/2 and steps, without repeats."""
    return sorted({0, steps // 8, steps // 4, steps // 2, steps})


def gradient_table(seed: int, strings: int, vocabulary: int = 4, length: int = 3) -> dict:
    """The directional derivative of E[log(1 - D(w))] in (P, Q) by each estimator, for a random bigram generator
    and a random fixed discriminator on strings (seed 004 Problems 2 and 4)."""
    import numpy as np
    import torch

    from elbocheck.models.discrete_gradients import directional_derivatives, string_discriminator_loss

    rng = np.random.default_rng(seed)
    P = torch.tensor(rng.dirichlet(np.ones(vocabulary)))
    Q = torch.tensor(rng.dirichlet(np.ones(vocabulary), size=vocabulary))
    unary = torch.tensor(rng.normal(size=(length, vocabulary)))
    pairwise = torch.tensor(rng.normal(size=(vocabulary, vocabulary)))
    direction_P = torch.tensor(rng.normal(size=vocabulary))
    direction_P -= direction_P.mean()
    direction_Q = torch.tensor(rng.normal(size=(vocabulary, vocabulary)))
    direction_Q -= direction_Q.mean(dim=1, keepdim=True)
    eps = torch.tensor(rng.uniform(size=(strings, length)))
    gumbel = torch.tensor(rng.gumbel(size=(strings, length, vocabulary)))
    estimates = directional_derivatives(P, Q, direction_P, direction_Q,
                                        lambda y: string_discriminator_loss(y, unary, pairwise), eps, gumbel,
                                        TEMPERATURES, step=FINITE_DIFFERENCE_STEP)
    return {"vocabulary": vocabulary, "length": length, "strings": strings,
            "finite_difference_step": FINITE_DIFFERENCE_STEP, "estimates": estimates}


def format_table(table: dict) -> str:
    """The gradient table as aligned text, one estimator per line."""
    estimates = table["estimates"]
    exact = estimates["exact"]
    rows = [("estimator", "d/dh E[log(1 - D(w))]", "note")]
    rows.append((f"exact (all {table['vocabulary'] ** table['length']} strings)", f"{exact:.6g}",
                 "the true gradient of the expected loss"))
    autograd = estimates["autograd through the sampler"]
    rows.append(("autograd through the sampler", "no gradient" if autograd is None else f"{autograd:.6g}",
                 "the sampled words carry no graph: P.grad and Q.grad stay None"))
    rows.append(("pathwise finite difference", f"{estimates['pathwise finite difference']:.6g}",
                 f"h = {table['finite_difference_step']:g}, same eps; words changed by +-h: "
                 f"{estimates['words changed by the step']}"))
    for name, value in estimates.items():
        if name.startswith("straight-through") or name.startswith("Gumbel"):
            rows.append((name, f"{value:.6g}", f"{value / exact:.2f} x exact (one draw of the noise)"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    header = (f"Gradient of a discriminator loss through a discrete bigram generator (seed 004 Problem 2): I = "
              f"{table['vocabulary']}, T = {table['length']}, {table['strings']} strings,\nalong a random direction "
              f"that keeps P and the rows of Q summing to 1")
    lines = [header, ""] + ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def samples_figure(history: dict, generator_loss: str, title: str):
    """Generated points (blue) over real points (grey) at each snapshot, and the two losses against the step."""
    from elbocheck._io import pyplot

    plt = pyplot()
    steps = sorted(history["snapshots"])
    columns = math.ceil((len(steps) + 1) / 2)
    figure, grid = plt.subplots(2, columns, figsize=(3.6 * columns, 7.2), squeeze=False)
    axes = list(grid.reshape(-1))
    for unused in axes[len(steps) + 1:]:
        unused.set_visible(False)
    real, modes = history["real"].numpy(), history["modes"].numpy()
    for axis, step in zip(axes, steps):
        fake = history["snapshots"][step].numpy()
        covered, share = history["coverage"][step]
        axis.scatter(real[:, 0], real[:, 1], s=2, c="0.75", label="real")
        axis.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:blue", alpha=0.5, label="generated")
        axis.scatter(modes[:, 0], modes[:, 1], s=12, c="tab:red", marker="x", linewidths=0.8, label="mode centre")
        axis.set_xlim(-3, 3)
        axis.set_ylim(-3, 3)
        axis.set_aspect("equal")
        axis.set_title(f"step {step}: {covered}/{len(modes)} modes\n{100 * share:.0f}% within 3 std", fontsize=9)
        axis.tick_params(labelsize=7)
    axes[0].legend(loc="lower left", fontsize=7, markerscale=4)
    losses = history["losses"].numpy()
    loss_axis = axes[len(steps)]
    loss_axis.plot(-losses[:, 0], lw=0.6, label="L = E log D(x) + E log(1 - D(G(z)))")
    loss_axis.plot(losses[:, 1], lw=0.6, label=f"generator loss ({generator_loss})")
    loss_axis.axhline(-2 * math.log(2), c="k", lw=0.6, ls="--", label="L at equilibrium, -2 log 2")
    loss_axis.set_xlabel("step", fontsize=8)
    loss_axis.legend(fontsize=6, loc="lower right")
    loss_axis.tick_params(labelsize=7)
    loss_axis.set_title("losses", fontsize=9)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
