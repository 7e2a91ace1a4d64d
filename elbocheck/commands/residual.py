"""Reproduce seed 003's figure 2: train a small transformer language model with LayerNorm after the residual addition
(post) or on the branch (pre, x + LayerNorm(A(x)) as the document writes it), shallow and deep, and record the norm
of the last layer's gradient at every step (DIR/gradnorm.png); and measure ||dx_L/dx_0|| at initialisation against
depth for both placements, on random MLP residual stacks and on the transformer (DIR/jacobian.png). The numbers go
to DIR/result.json."""

from __future__ import annotations

import argparse
from elbocheck.commands import scaffold

NAME = "residual"
HELP = "LayerNorm before vs after the residual addition: gradient norms in training and Jacobians vs depth"

PLACEMENT_LABELS = {
    "post": "post-LN  x + A(x) -> LN",
    "pre": "pre-LN as written  x + LN(A(x))",
    "prenorm": "usual pre-LN  x + A(LN(x))",
}


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
    values = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [value for value in values if value not in PLACEMENT_LABELS]
    if not values or unknown or len(set(values)) != len(values):
        raise ValueError(
            f"--placements: expected distinct names from {list(PLACEMENT_LABELS)} separated by commas, got {text!r}"
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
    from elbocheck.fast import residual
    from elbocheck.device import device_name
    from elbocheck.finite import require_finite

    options = validate(args)
    shared = scaffold.resolve(args)
    device = shared.device
    corpus = load_corpus(args.corpus)
    stream = residual.token_stream(corpus.train)
    if stream.numel() <= args.context:
        raise ValueError(f"--context: the corpus has {stream.numel()} training tokens; expected more than {args.context}")
    vocab_size = corpus.V + 1
    scaffold.make_out(shared.out)

    runs = []
    total = len(options["depths"]) * len(options["placements"]) * args.steps
    with scaffold.progress(total=total, desc="training", unit="step") as progress:
        for depth in options["depths"]:
            for placement in options["placements"]:
                progress.set_description(f"{placement} depth {depth}")

                def on_step(step, loss, norm):
                    require_finite("the training loss", loss, f"at step {step} ({placement}, depth {depth})",
                                   "try a smaller --lr")
                    progress.update(1)
                    progress.set_postfix(loss=f"{loss:.3f}", last_layer_grad=f"{norm:.3g}")

                curves = residual.train_language_model(
                    stream, vocab_size, placement, depth, args.steps, run_generator(args.seed, depth),
                    d_model=args.d_model,
                    heads=args.heads, context=args.context, batch_size=args.batch_size, learning_rate=args.lr,
                    device=device, on_step=on_step,
                )
                runs.append({"placement": placement, "depth": depth, **{k: v.tolist() for k, v in curves.items()}})

    jacobians = []
    for placement in scaffold.progress(options["placements"], desc="jacobians at initialisation", unit="placement"):
        generator = run_generator(args.seed, 0)
        stack = residual.jacobian_norms_by_depth(
            args.jacobian_depth, placement, args.d_model, args.d_model, args.draws, generator, device=device
        )
        transformer = residual.transformer_jacobian_norms(
            args.jacobian_depth, placement, vocab_size, generator, d_model=args.d_model, heads=args.heads,
            context=args.context, draws=args.draws, device=device,
        )
        jacobians.append({"placement": placement, "mlp_stack": stack.tolist(), "transformer": transformer.tolist()})

    summary = summarise(runs)
    document = {"command": scaffold.command_line(args), "device": device_name(device), "corpus": corpus.name,
                "summary": summary, "runs": runs, "jacobian_norms": jacobians}
    written = scaffold.write_results(shared.out, {
        "gradnorm.png": plot_gradnorm(runs, options["depths"], options["placements"]),
        "jacobian.png": plot_jacobians(jacobians, args.d_model),
        scaffold.RESULT: document,
    })
    print(format_summary(summary, jacobians))
    print(scaffold.wrote(written))
    return 0


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

