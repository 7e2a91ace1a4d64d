"""Train a small GAN on a ring of Gaussians with the fast code (seed 003 (23)-(35)) and write DIR/samples.png and
DIR/result.json; then show, as a printed table, that a discrete bigram generator (seed 004 Problem 2) gets no
gradient through its sampler while the straight-through and Gumbel-softmax estimators do."""

from __future__ import annotations

import argparse
import math
from elbocheck.commands import scaffold

NAME = "gan-demo"
HELP = "train a small GAN on a ring of Gaussians; show the zero gradient of a discrete generator and its remedies"

TEMPERATURES = (1.0, 0.5, 0.1)
FINITE_DIFFERENCE_STEP = 1e-9


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


def snapshot_steps(steps: int) -> list[int]:
    """0, steps/8, steps/4, steps/2 and steps, without repeats."""
    return sorted({0, steps // 8, steps // 4, steps // 2, steps})


def run(args: argparse.Namespace) -> int:
    import time

    import torch

    from elbocheck.device import device_name
    from elbocheck.fast.gan import train_ring_gan
    from elbocheck.finite import require_finite

    validate(args)
    shared = scaffold.resolve(args)
    device = shared.device
    scaffold.make_out(shared.out)
    snapshots = snapshot_steps(args.steps)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # layers of 64 units: a second thread costs more in synchronisation than it gains
    try:
        start = time.perf_counter()
        generator = torch.Generator().manual_seed(args.seed)
        with scaffold.progress(total=args.steps, desc="gan-demo", unit="step", leave=False) as bar:
            def progress(step, d_loss, g_loss):
                require_finite("the discriminator and generator losses", [d_loss, g_loss], f"at step {step}",
                               "try a smaller --learning-rate")
                if step % 50 == 0 or step == args.steps - 1:
                    bar.set_postfix(L=f"{-d_loss:.4f}", G_loss=f"{g_loss:.4f}", refresh=False)
                bar.update(1)

            history = train_ring_gan(generator, steps=args.steps, batch=args.batch, modes=args.modes,
                                     learning_rate=args.learning_rate, optimizer=args.optimizer,
                                     kind=args.generator_loss, snapshots=snapshots, device=device, progress=progress)
        train_seconds = time.perf_counter() - start
        table = gradient_table(args.seed, args.strings)
    finally:
        torch.set_num_threads(threads)

    coverage = {str(step): {"modes_covered": c[0], "share_within_3_std": c[1]}
                for step, c in history["coverage"].items()}
    written = scaffold.write_results(shared.out, {"samples.png": samples_figure(history, args), scaffold.RESULT: {
        "command": scaffold.command_line(args),
        "device": device_name(device),
        "training": {
            "steps": args.steps, "batch": args.batch, "modes": args.modes, "radius": 2.0, "std": 0.05,
            "optimizer": args.optimizer, "generator_loss": args.generator_loss, "learning_rate": args.learning_rate,
            "seed": args.seed, "seconds": round(train_seconds, 2), "threads": 1,
            "final_L": float(-history["losses"][-1, 0]), "final_generator_loss": float(history["losses"][-1, 1]),
            "coverage": coverage,
        },
        "discrete_generator_gradient": table,
    }})
    final = history["coverage"][args.steps]
    print(f"trained {args.steps} steps in {train_seconds:.1f} s on {device_name(device)}: "
          f"{final[0]}/{args.modes} modes covered, {100 * final[1]:.1f}% of samples within 3 std of a mode")
    print()
    print(format_table(table))
    print()
    print(scaffold.wrote(written))
    return 0


def gradient_table(seed: int, strings: int, vocabulary: int = 4, length: int = 3) -> dict:
    """The directional derivative of E[log(1 - D(w))] in (P, Q) by each estimator, for a random bigram generator
    and a random fixed discriminator on strings (seed 004 Problems 2 and 4)."""
    import numpy as np
    import torch

    from elbocheck.fast.sampler import directional_derivatives, string_discriminator_loss

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


def samples_figure(history: dict, args: argparse.Namespace):
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
    loss_axis.plot(losses[:, 1], lw=0.6, label=f"generator loss ({args.generator_loss})")
    loss_axis.axhline(-2 * math.log(2), c="k", lw=0.6, ls="--", label="L at equilibrium, -2 log 2")
    loss_axis.set_xlabel("step", fontsize=8)
    loss_axis.legend(fontsize=6, loc="lower right")
    loss_axis.tick_params(labelsize=7)
    loss_axis.set_title("losses", fontsize=9)
    figure.suptitle(f"GAN on a ring of {args.modes} Gaussians ({args.optimizer}, {args.generator_loss} generator "
                    f"loss, seed {args.seed})", fontsize=10)
    figure.tight_layout()
    return figure

