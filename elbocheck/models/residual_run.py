"""The run of `elbocheck residual` (seed 003 figure 2): a transformer language model trained with each LayerNorm
placement at each depth, the last block's gradient norm and the loss at every step; ||dx_L/dx_0||_2 at
initialisation against depth on MLP residual stacks and on the transformer; the summary table, both figures and
the result document. Losses in nats per token.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PLACEMENT_LABELS", "ResidualRun", "run_residual", "run_generator", "summarise", "format_summary",
           "plot_gradnorm", "plot_jacobians"]

PLACEMENT_LABELS = {
    "post": "post-LN  x + A(x) -> LN",
    "pre": "pre-LN as written  x + LN(A(x))",
    "prenorm": "usual pre-LN  x + A(LN(x))",
}


@dataclass
class ResidualRun:
    """What a run produced: the summary rows, the Jacobian norms, the document and the figures by file name."""

    summary: list
    jacobians: list
    document: dict
    figures: dict


def run_residual(stream, vocab_size: int, depths: list[int], placements: list[str], steps: int, batch_size: int,
                 context: int, d_model: int, heads: int, lr: float, jacobian_depth: int, draws: int, seed: int,
                 device, progress=None) -> ResidualRun:
    """Train one model per (depth, placement) on the token stream (every placement at a depth starts from the same
    weights and sees the same batches), then measure the Jacobian norms. `progress(iterable=None, total=, desc=,
    unit=)` makes a tqdm-like bar (none when None)."""
    from elbocheck.device import device_name, resolve_device
    from elbocheck.finite import require_finite
    from elbocheck.models import residual
    from elbocheck.models._progress import bar

    device = resolve_device(device)
    runs = []
    total = len(depths) * len(placements) * steps
    with bar(progress, total=total, desc="training", unit="step") as training:
        for depth in depths:
            for placement in placements:
                training.set_description(f"{placement} depth {depth}")

                def on_step(step, loss, norm):
                    require_finite("the training loss", loss, f"at step {step} ({placement}, depth {depth})",
                                   "try a smaller --lr")
                    training.update(1)
                    training.set_postfix(loss=f"{loss:.3f}", last_layer_grad=f"{norm:.3g}")

                curves = residual.train_language_model(
                    stream, vocab_size, placement, depth, steps, run_generator(seed, depth), d_model=d_model,
                    heads=heads, context=context, batch_size=batch_size, learning_rate=lr, device=device,
                    on_step=on_step,
                )
                runs.append({"placement": placement, "depth": depth, **{k: v.tolist() for k, v in curves.items()}})

    jacobians = []
    for placement in bar(progress, placements, desc="jacobians at initialisation", unit="placement"):
        generator = run_generator(seed, 0)
        stack = residual.jacobian_norms_by_depth(jacobian_depth, placement, d_model, d_model, draws, generator,
                                                 device=device)
        transformer = residual.transformer_jacobian_norms(
            jacobian_depth, placement, vocab_size, generator, d_model=d_model, heads=heads, context=context,
            draws=draws, device=device,
        )
        jacobians.append({"placement": placement, "mlp_stack": stack.tolist(), "transformer": transformer.tolist()})

    summary = summarise(runs)
    document = {"device": device_name(device), "summary": summary, "runs": runs, "jacobian_norms": jacobians}
    figures = {"gradnorm.png": plot_gradnorm(runs, depths, placements), "jacobian.png": plot_jacobians(jacobians, d_model)}
    return ResidualRun(summary=summary, jacobians=jacobians, document=document, figures=figures)


def run_generator(seed: int, depth: int):
    """A torch.Generator for one depth: every placement at that depth gets the same initial weights (the draws do
    not depend on where LayerNorm sits) and the same batches."""
    import numpy as np
    import torch

    state = int(np.random.SeedSequence([seed, depth]).generate_state(1, dtype=np.uint64)[0] >> 1)
    return torch.Generator().manual_seed(state)


def summarise(runs: list[dict]) -> list[dict]:
    """Per run: the last layer's gradient norm at step 0, its median and spread over the last half, and its
    largest step-to-step ratio; the mean loss over the first and the last tenth of the steps."""
    import numpy as np

    rows = []
    for run in runs:
        norms = np.asarray(run["last_layer_grad_norm"])
        losses = np.asarray(run["loss"])
        tail = norms[len(norms) // 2:]
        tenth = max(1, len(losses) // 10)
        jumps = norms[1:] / norms[:-1] if len(norms) > 1 else np.ones(1)
        rows.append({
            "placement": run["placement"],
            "depth": run["depth"],
            "grad_norm_first": float(norms[0]),
            "grad_norm_max": float(norms.max()),
            "grad_norm_median_second_half": float(np.median(tail)),
            "grad_norm_cv_second_half": float(tail.std() / tail.mean()) if tail.mean() > 0 else float("nan"),
            "largest_step_ratio": float(max(jumps.max(), (1.0 / jumps).max())),
            "loss_first": float(losses[:tenth].mean()),
            "loss_last": float(losses[-tenth:].mean()),
        })
    return rows


def format_summary(summary: list[dict], jacobians: list[dict]) -> str:
    """The table printed at the end of a run."""
    import numpy as np

    lines = [
        "last layer's gradient norm during training (cv = std / mean over the second half of the steps)",
        f"{'placement':<9} {'depth':>5} {'step 0':>9} {'max':>9} {'median 2nd half':>16} {'cv':>6} "
        f"{'loss first':>10} {'loss last':>10}",
    ]
    for row in summary:
        lines.append(
            f"{row['placement']:<9} {row['depth']:>5} {row['grad_norm_first']:>9.3g} {row['grad_norm_max']:>9.3g} "
            f"{row['grad_norm_median_second_half']:>16.3g} {row['grad_norm_cv_second_half']:>6.2f} "
            f"{row['loss_first']:>10.3f} {row['loss_last']:>10.3f}"
        )
    lines.append("||dx_L/dx_0||_2 at initialisation, mean over draws (MLP stack | transformer)")
    for entry in jacobians:
        stack = np.mean(entry["mlp_stack"], axis=0)
        transformer = np.mean(entry["transformer"], axis=0)
        picks = sorted({0, len(stack) // 4, len(stack) // 2, len(stack) - 1})
        cells = ", ".join(f"L={i + 1}: {stack[i]:.3g} | {transformer[i]:.3g}" for i in picks)
        lines.append(f"{entry['placement']:<9} {cells}")
    return "\n".join(lines)


def _rolling_median(values, window: int):
    import numpy as np

    values = np.asarray(values)
    half = window // 2
    return np.array([np.median(values[max(0, i - half): i + half + 1]) for i in range(len(values))])


def plot_gradnorm(runs: list[dict], depths: list[int], placements: list[str]):
    """One column per depth (shallowest left): the last layer's gradient norm per step (top) and the loss (bottom)."""
    import numpy as np

    from elbocheck._io import pyplot

    plt = pyplot()
    figure, axes = plt.subplots(2, len(depths), figsize=(5 * len(depths), 7), squeeze=False, sharex=True)
    colours = {"post": "tab:red", "pre": "tab:blue", "prenorm": "tab:green"}
    for column, depth in enumerate(depths):
        top, bottom = axes[0, column], axes[1, column]
        for run in runs:
            if run["depth"] != depth:
                continue
            steps = np.arange(len(run["loss"]))
            colour = colours[run["placement"]]
            window = max(5, len(steps) // 20)
            top.plot(steps, run["last_layer_grad_norm"], color=colour, alpha=0.3, linewidth=0.8)
            top.plot(steps, _rolling_median(run["last_layer_grad_norm"], window), color=colour,
                     label=PLACEMENT_LABELS[run["placement"]])
            bottom.plot(steps, run["loss"], color=colour, alpha=0.3, linewidth=0.8)
            bottom.plot(steps, _rolling_median(run["loss"], window), color=colour)
        top.set_yscale("log")
        top.set_title(f"{depth} layer{'s' if depth > 1 else ''}")
        top.set_ylabel("||grad of last layer's parameters||")
        top.grid(True, which="both", alpha=0.3)
        top.legend(fontsize=8)
        bottom.set_xlabel("training step")
        bottom.set_ylabel("training loss (nats/token)")
        bottom.grid(True, alpha=0.3)
    figure.suptitle("Gradient norm of the last layer during training (thin: per step; thick: rolling median)")
    figure.tight_layout()
    return figure


def plot_jacobians(jacobians: list[dict], width: int):
    """||dx_L/dx_0||_2 against depth L at initialisation: MLP residual stacks (left), the transformer (right)."""
    import numpy as np

    from elbocheck._io import pyplot

    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = {"post": "tab:red", "pre": "tab:blue", "prenorm": "tab:green"}
    titles = {
        "mlp_stack": f"MLP residual stack (width {width}, tanh), x_0 ~ N(0, I)",
        "transformer": f"transformer blocks at init (d_model {width}), last position",
    }
    for axis, key in zip(axes, ("mlp_stack", "transformer")):
        for entry in jacobians:
            norms = np.asarray(entry[key])  # (draws, L)
            depths = np.arange(1, norms.shape[1] + 1)
            colour = colours[entry["placement"]]
            axis.plot(depths, norms.mean(axis=0), marker="o", markersize=3, color=colour,
                      label=PLACEMENT_LABELS[entry["placement"]])
            axis.fill_between(depths, norms.min(axis=0), norms.max(axis=0), color=colour, alpha=0.2)
        axis.set_yscale("log")
        axis.set_xlabel("depth L")
        axis.set_ylabel("||dx_L / dx_0||_2")
        axis.set_title(titles[key], fontsize=10)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("Input-output Jacobian norm at initialisation (line: mean; band: min to max over draws)")
    figure.tight_layout()
    return figure
