"""The ring experiment of `elbocheck ring` (seed 004 Problem 1): the problem's values of -ln P~ at the constant
labellings, then exact samples from a ring with coupling J (forward filtering, backward sampling on the transfer
matrix), J fitted by maximum likelihood and by pseudo-likelihood on many independent sample sets of each size,
their bias and spread against the Cramer-Rao bound, the figure and the result document.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RingRun", "run_ring", "fisher_information", "problem_values", "summarise", "format_report", "plot"]


@dataclass
class RingRun:
    """What a run produced: the problem's values, one row per sample size, the document, the figure."""

    values: dict
    rows: list
    document: dict
    figure: object


def run_ring(N: int, J: float, h: float, sizes: list[int], repeats: int, seed: int, device, progress=None) -> RingRun:
    """Draw `repeats` sample sets of each size from the ring (N nodes, coupling J, field h at every node), fit J
    by both estimators with h known, and summarise. `progress(iterable, desc=, unit=)` makes a tqdm-like bar."""
    import torch

    from elbocheck.device import device_name, resolve_device
    from elbocheck.fast import ring
    from elbocheck.models._progress import bar

    device = resolve_device(device)
    values = problem_values(N)
    fields = torch.full((N,), h, dtype=torch.float64, device=device)
    information = fisher_information(J, h, N)
    generator = torch.Generator().manual_seed(seed)
    rows = []
    with bar(progress, sizes, desc="fitting J", unit="size") as steps:
        for size in steps:
            samples = ring.sample(J, fields, repeats * size, generator)
            samples = samples.reshape(repeats, size, N)  # (R, S, N)
            estimates = {
                "maximum_likelihood": ring.fit_maximum_likelihood(samples, h).cpu().numpy(),
                "pseudo_likelihood": ring.fit_pseudo_likelihood(samples, h).cpu().numpy(),
            }
            row = {"samples": size, "cramer_rao_sd": 1.0 / math.sqrt(size * information)}
            for name, values_J in estimates.items():
                row[name] = summarise(values_J, J, ring.FIT_BOUND)
            rows.append(row)
            steps.set_postfix(S=size, rmse_ml=f"{row['maximum_likelihood']['rmse']:.3g}",
                              rmse_pl=f"{row['pseudo_likelihood']['rmse']:.3g}")
    document = {
        "device": device_name(device),
        "N": N, "J": J, "h": h, "repeats": repeats,
        "fisher_information_per_sample": information,
        "problem_values": {str(key): value for key, value in values.items()},
        "fits": rows,
    }
    return RingRun(values=values, rows=rows, document=document, figure=plot(rows, N, J, h, repeats))


def fisher_information(J: float, h: float, N: int) -> float:
    """Var_J(sum of edge products) = d^2 ln Z / dJ^2 per labelling of a ring of N nodes with field h at every node
    (seed 004 Problem 1), by autograd through `elbocheck.fast.ring.log_partition_uniform` in float64: its inverse
    square root over sqrt(S) is the Cramer-Rao bound on the spread of an unbiased estimate of J from S samples."""
    import torch

    from elbocheck.fast import ring

    coupling = torch.tensor(float(J), dtype=torch.float64, requires_grad=True)
    with torch.enable_grad():
        log_Z = ring.log_partition_uniform(coupling, torch.tensor(float(h), dtype=torch.float64), N)
        (gradient,) = torch.autograd.grad(log_Z.sum(), coupling, create_graph=True)
        (curvature,) = torch.autograd.grad(gradient.sum(), coupling)
    return float(curvature)


def problem_values(N: int) -> dict:
    """-ln P~ at Y = 0 and Y = 1 for J = 1, h = 0 by the transfer-matrix code, beside the problem's N ln 3 and
    N ln(1 + e^-2 + e^-4) (signs corrected, claims 004-1a and 004-1b)."""
    import torch

    from elbocheck.fast.ring import neg_log_pseudo_likelihood

    rows = {}
    for ring_size in sorted({1, 2, N}):
        labellings = torch.stack([torch.zeros(ring_size, dtype=torch.int64), torch.ones(ring_size, dtype=torch.int64)])
        computed = neg_log_pseudo_likelihood(labellings, 1.0).tolist()
        rows[ring_size] = {
            "zeros": computed[0],
            "zeros_document": ring_size * math.log(3.0),
            "ones": computed[1],
            "ones_document": ring_size * math.log(1 + math.exp(-2) + math.exp(-4)),
        }
    return rows


def summarise(estimates, true_J: float, bound: float) -> dict:
    """Mean, sd, RMSE about the true J over the identifiable estimates, and how many sat on the bound or were NaN
    (a sample set whose objective is flat in J)."""
    import numpy as np

    finite = estimates[np.isfinite(estimates)]
    return {
        "estimates": [None if not np.isfinite(value) else float(value) for value in estimates],
        "mean": float(finite.mean()) if finite.size else float("nan"),
        "sd": float(finite.std(ddof=1)) if finite.size > 1 else float("nan"),
        "rmse": float(np.sqrt(np.mean((finite - true_J) ** 2))) if finite.size else float("nan"),
        "at_bound": int(np.sum(np.abs(finite) >= bound)),
        "not_identifiable": int(estimates.size - finite.size),
    }


def format_report(values: dict, rows: list[dict], N: int, J: float, h: float, repeats: int) -> str:
    """The problem's values, then one line per sample size with both estimators' mean, sd and RMSE."""
    lines = ["seed 004 Problem 1 (J = 1, h = 0): -ln P~ at constant labellings, computed | N ln 3, N ln(1+e^-2+e^-4)"]
    for ring_size, row in values.items():
        holds = abs(row["zeros"] - row["zeros_document"]) < 1e-9 and abs(row["ones"] - row["ones_document"]) < 1e-9
        lines.append(
            f"  N={ring_size:<5} Y=0: {row['zeros']:.6f} | {row['zeros_document']:.6f}   "
            f"Y=1: {row['ones']:.6f} | {row['ones_document']:.6f}   "
            + ("holds" if holds else "differs (the one edge of the N = 1 ring is Y[0]Y[0])")
        )
    lines.append(
        f"estimates of J = {J:g} on a ring of N = {N} (h = {h:g} known), "
        f"{repeats} independent sample sets per size"
    )
    lines.append(
        f"{'samples':>8} {'ML mean':>9} {'ML sd':>8} {'ML rmse':>8} {'PL mean':>9} {'PL sd':>8} {'PL rmse':>8} "
        f"{'CR bound':>9} {'var ML/PL':>9}"
    )
    for row in rows:
        ml, pl = row["maximum_likelihood"], row["pseudo_likelihood"]
        efficiency = ml["sd"] ** 2 / pl["sd"] ** 2 if pl["sd"] > 0 else float("nan")
        lines.append(
            f"{row['samples']:>8} {ml['mean']:>9.4f} {ml['sd']:>8.4f} {ml['rmse']:>8.4f} {pl['mean']:>9.4f} "
            f"{pl['sd']:>8.4f} {pl['rmse']:>8.4f} {row['cramer_rao_sd']:>9.4f} {efficiency:>9.3f}"
        )
        if ml["at_bound"] or pl["at_bound"]:
            lines.append(f"{'':>8} ({ml['at_bound']} ML and {pl['at_bound']} PL estimates at the bound |J| = 20)")
        if ml["not_identifiable"] or pl["not_identifiable"]:
            lines.append(f"{'':>8} ({ml['not_identifiable']} ML and {pl['not_identifiable']} PL sample sets say "
                         "nothing about J; left out)")
    return "\n".join(lines)


def plot(rows: list[dict], N: int, J: float, h: float, repeats: int):
    """Left: RMSE of both estimators against sample size with the Cramer-Rao bound; right: the estimates."""
    import numpy as np

    from elbocheck._io import pyplot

    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    sizes = np.array([row["samples"] for row in rows], dtype=float)
    styles = {"maximum_likelihood": ("tab:blue", "o", "maximum likelihood"),
              "pseudo_likelihood": ("tab:orange", "s", "pseudo-likelihood")}
    for name, (colour, marker, label) in styles.items():
        left.plot(sizes, [row[name]["rmse"] for row in rows], marker=marker, color=colour, label=label)
    left.plot(sizes, [row["cramer_rao_sd"] for row in rows], "k--", label="Cramer-Rao bound 1/sqrt(S I(J))")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("samples S per fit")
    left.set_ylabel(f"RMSE of the estimate of J over {repeats} sets")
    left.set_title(f"error against sample size (ring N = {N}, J = {J:g}, h = {h:g})", fontsize=10)
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)

    offsets = {"maximum_likelihood": 0.93, "pseudo_likelihood": 1.07}
    for name, (colour, marker, label) in styles.items():
        for row in rows:
            estimates = np.array([value for value in row[name]["estimates"] if value is not None])
            right.scatter(np.full(estimates.shape, row["samples"] * offsets[name]), estimates, s=6, color=colour,
                          alpha=0.35)
        means = [row[name]["mean"] for row in rows]
        sds = [row[name]["sd"] for row in rows]
        right.errorbar(sizes * offsets[name], means, yerr=sds, color=colour, marker=marker, capsize=3,
                       label=f"{label}: mean +- sd")
    right.axhline(J, color="k", linestyle=":", label=f"true J = {J:g}")
    right.set_xscale("log")
    right.set_xlabel("samples S per fit")
    right.set_ylabel("estimate of J")
    right.set_title("the estimates (dots: one per sample set)", fontsize=10)
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    figure.tight_layout()
    return figure
