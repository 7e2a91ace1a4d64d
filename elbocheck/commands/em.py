"""Fit the latent bigram model of seed 000 Problem 1 by EM on a text corpus (default: Python's own pydoc_data
topics), with several random restarts at once, and compare its held-out perplexity with add-one unigram and
bigram baselines. Writes DIR/result.json, DIR/loglik.png and DIR/params.npz."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from elbocheck.commands import scaffold

NAME = "em"
HELP = "fit the latent bigram model by EM on a corpus; held-out perplexity against unigram and bigram baselines"
TOP_WORDS = 8
UNIGRAM_WEIGHT = 0.1  # a fixed weight, not fitted to the held-out data


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", metavar="PATH", help="a UTF-8 text file (default: the text of pydoc_data.topics)")
    parser.add_argument("--states", type=int, default=64, metavar="m", help="number of latent states m (default 64)")
    parser.add_argument("--iters", type=int, default=150, metavar="k", help="most EM iterations (default 150)")
    parser.add_argument("--restarts", type=int, default=4, metavar="R",
                        help="random starts fitted together (default 4)")
    parser.add_argument("--tol", type=float, default=1e-6,
                        help="stop when the relative log-likelihood change is at most this (default 1e-6)")
    scaffold.add_seed(parser, "the random starts and the held-out split")
    scaffold.add_dtype(parser)
    scaffold.add_device(parser)
    scaffold.add_out(parser, "out/em")


def check_options(args: argparse.Namespace) -> None:
    """ValueError naming the first bad option of the command's own."""
    integers = (("--states", args.states, 1), ("--iters", args.iters, 1), ("--restarts", args.restarts, 1))
    for name, value, least in integers:
        if value < least:
            raise ValueError(f"{name}: expected an integer >= {least}, got {value}")
    if not (math.isfinite(args.tol) and args.tol >= 0.0):
        raise ValueError(f"--tol: expected a number >= 0, got {args.tol}")


def unigram_probabilities(train) -> "np.ndarray":
    """The add-one unigram p(x') = (n(x') + 1) / (N + V), n(x') the training count of x': float64 NumPy (V,)."""
    import numpy as np

    totals = np.bincount(train.col.cpu().numpy(), weights=train.values.double().cpu().numpy(), minlength=train.V)
    return (totals + 1.0) / (totals.sum() + train.V)


def unigram_log_likelihood(train, heldout) -> float:
    """sum over held-out tokens of log p(x') under the add-one unigram of the training counts."""
    import numpy as np

    log_p = np.log(unigram_probabilities(train))
    return float(np.sum(heldout.values.double().cpu().numpy() * log_p[heldout.col.cpu().numpy()]))


def bigram_log_likelihood(train, heldout) -> float:
    """sum over held-out bigrams of log p(x'|x), p(x'|x) = (C[x,x'] + 1) / (C[x,.] + V): the add-one bigram."""
    import numpy as np

    V = train.V
    train_rows, heldout_rows = train.rows.cpu().numpy(), heldout.rows.cpu().numpy()
    train_keys = train_rows * V + train.col.cpu().numpy()  # sorted: CSR order
    heldout_keys = heldout_rows * V + heldout.col.cpu().numpy()
    train_values = np.append(train.values.double().cpu().numpy(), 0.0)
    position = np.searchsorted(train_keys, heldout_keys)
    seen = np.append(train_keys, -1)[position] == heldout_keys
    pair_counts = np.where(seen, train_values[position], 0.0)
    row_totals = np.bincount(train_rows, weights=train_values[:-1], minlength=V + 1)
    probabilities = (pair_counts + 1.0) / (row_totals[heldout_rows] + V)
    return float(np.sum(heldout.values.double().cpu().numpy() * np.log(probabilities)))


def heldout_log_likelihoods(heldout, A, B, unigram, weight: float):
    """Held-out log-likelihood (R,) of each restart's model (A (R, V+1, m), B (R, m, V)), pure and interpolated
    with the add-one unigram: p = (1 - weight) (AB)[x, x'] + weight p_unigram(x'); and the held-out tokens the pure
    model gives probability 0."""
    import torch

    rows, cols = heldout.rows, heldout.col
    counts = heldout.values.to(A.dtype)
    model = (A[:, rows] * B.transpose(1, 2)[:, cols]).sum(dim=-1)  # (R, nnz)
    mixed = (1.0 - weight) * model + weight * unigram[cols]  # (R, nnz)
    zero_tokens = (counts * (model == 0)).sum(dim=-1)  # (R,)
    return (counts * torch.log(model)).sum(dim=-1), (counts * torch.log(mixed)).sum(dim=-1), zero_tokens


def perplexity(log_likelihood: float, tokens: float) -> float | None:
    """exp(-log-likelihood / tokens); None when there are no tokens or some token has probability 0."""
    if tokens <= 0 or not math.isfinite(log_likelihood):
        return None
    return math.exp(-log_likelihood / tokens)


def per_token(log_likelihood: float, tokens: float) -> float | None:
    """log-likelihood / tokens; None when there are no tokens or it is not finite."""
    if tokens <= 0 or not math.isfinite(log_likelihood):
        return None
    return log_likelihood / tokens


def top_words(corpus, A, B, train_counts, count: int = TOP_WORDS) -> list[dict]:
    """For each latent state, most used first: its share of training tokens and its `count` likeliest words."""
    import torch

    context_totals = torch.zeros(train_counts.V + 1, dtype=torch.float64)
    context_totals.index_put_((train_counts.rows.cpu(),), train_counts.values.double().cpu(), accumulate=True)
    share = (context_totals[:, None] * A.double().cpu()).sum(dim=0) / context_totals.sum()  # (m,)
    states = []
    for z in torch.argsort(share, descending=True).tolist():
        probabilities, ids = torch.topk(B[z].double().cpu(), min(count, train_counts.V))
        states.append({
            "state": z,
            "share": float(share[z]),
            "words": [corpus.word(int(i) + 1) for i in ids],
            "probabilities": [float(p) for p in probabilities],
        })
    return states


def plot(restart_curves, best: int, heldout_curves: dict, baselines: dict, title: str):
    """Log-likelihood per token against EM iteration: train for every restart (the best in colour), held-out for
    the best restart, and the baselines' held-out values as horizontal lines."""
    from elbocheck._io import pyplot

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 4.8))
    for restart, curve in enumerate(restart_curves):
        if restart != best:
            axes.plot(range(len(curve)), curve, color="0.7", linewidth=0.8)
    axes.plot(range(len(restart_curves[best])), restart_curves[best], color="tab:blue", linewidth=2,
              label="EM train (best restart; grey: the others)")
    for (name, curve), style in zip(heldout_curves.items(), ("--", ":")):
        values = [float("nan") if value is None else value for value in curve]
        axes.plot(range(len(values)), values, color="tab:orange", linestyle=style, linewidth=2, label=name)
    for (name, value), colour in zip(baselines.items(), ("tab:green", "tab:red")):
        if value is not None:
            axes.axhline(value, color=colour, linestyle="-.", linewidth=1.2, label=name)
    axes.set_xlabel("EM iteration")
    axes.set_ylabel("log-likelihood per token (nats)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)
    return figure


def report_lines(summary: dict) -> list[str]:
    """What the command prints at the end: perplexities, then the top words of each latent state."""
    ppl = summary["perplexity"]
    show = lambda value: "inf" if value is None else f"{value:.1f}"  # noqa: E731
    if summary["corpus"]["heldout_tokens"]:
        heldout = (
            f"held-out: EM {show(ppl['em_heldout'])} ({summary['heldout_tokens_with_zero_probability']:g} tokens with "
            f"p = 0), EM + {UNIGRAM_WEIGHT:g} add-one unigram {show(ppl['em_with_unigram_heldout'])}, "
            f"add-one unigram {show(ppl['unigram_add_one_heldout'])}, "
            f"add-one bigram {show(ppl['bigram_add_one_heldout'])}"
        )
    else:
        heldout = "held-out: none (too few sentences to hold 10% out)"
    lines = [
        f"EM: {summary['iterations']} iterations ({'converged' if summary['converged'] else 'iteration limit'}), "
        f"best of {summary['settings']['restarts']} restarts, {summary['timings_seconds']['fit']:.1f} s",
        f"perplexity: EM train {show(ppl['em_train'])}; {heldout}",
        "top words of each latent state (share of training tokens):",
    ]
    for state in summary["states"]:
        lines.append(f"  z={state['state']:<3d} {100 * state['share']:5.1f}%  " + " ".join(state["words"]))
    return lines


def run(args: argparse.Namespace) -> int:
    import time

    import numpy as np
    import torch

    from elbocheck.data.corpus import load_corpus
    from elbocheck.fast import bigram_em
    from elbocheck.fast._device import device_name

    started = time.perf_counter()
    check_options(args)
    shared = scaffold.resolve(args)
    device, dtype = shared.device, shared.dtype
    corpus = load_corpus(args.corpus, seed=args.seed)
    scaffold.make_out(shared.out)
    train = bigram_em.bigram_counts(corpus.train, corpus.V, dtype=dtype, device=device)
    heldout = bigram_em.bigram_counts(corpus.heldout, corpus.V, dtype=dtype, device=device)
    train_tokens, heldout_tokens = train.n_tokens, heldout.n_tokens
    unigram = torch.as_tensor(unigram_probabilities(train), dtype=dtype, device=device)
    loaded = time.perf_counter()

    start_A, start_B = bigram_em.initial_params(corpus.V, args.states, args.seed, args.restarts, dtype, device)
    train_curves = []  # (R,) per iteration: the log-likelihood of the parameters before it
    heldout_curves = [heldout_log_likelihoods(heldout, start_A, start_B, unigram, UNIGRAM_WEIGHT)]
    bar = scaffold.progress(total=args.iters, desc="EM", unit="it")

    def show(iteration, A, B, before):
        train_curves.append(before.double().cpu())
        best = float(train_curves[-1].max())
        per_token_now = best / train_tokens
        bar.set_postfix({"loglik/token": f"{per_token_now:.4f}", "train ppl": f"{math.exp(-per_token_now):.1f}"})
        bar.update(1)
        heldout_curves.append(heldout_log_likelihoods(heldout, A, B, unigram, UNIGRAM_WEIGHT))

    try:
        result = bigram_em.fit(
            train, args.states, n_iter=args.iters, tol=args.tol, init=(start_A, start_B), callback=show
        )
    finally:
        bar.close()
    fitted = time.perf_counter()

    finals = result.restart_log_likelihoods.double().cpu()
    best = int(torch.argmax(torch.nan_to_num(finals, nan=-math.inf)))
    restart_curves = (torch.stack(train_curves + [finals], dim=1) / train_tokens).tolist()  # (R, iterations + 1)
    pure, mixed, zero_tokens = (float(value[best]) for value in heldout_curves[-1])
    unigram_total = unigram_log_likelihood(train, heldout)
    bigram_total = bigram_log_likelihood(train, heldout)
    pure_curve = [per_token(float(curve[0][best]), heldout_tokens) for curve in heldout_curves]
    mixed_curve = [per_token(float(curve[1][best]), heldout_tokens) for curve in heldout_curves]
    summary = {
        "command": scaffold.command_line(args),
        "settings": {
            "corpus": corpus.name, "states": args.states, "iters": args.iters, "restarts": args.restarts,
            "tol": args.tol, "seed": args.seed, "dtype": args.dtype, "heldout_fraction": 0.1,
            "unigram_weight": UNIGRAM_WEIGHT,
        },
        "device": device_name(device),
        "corpus": {
            "V": corpus.V, "train_sentences": len(corpus.train), "train_tokens": int(train_tokens),
            "heldout_sentences": len(corpus.heldout), "heldout_tokens": int(heldout_tokens),
            "train_bigram_types": train.nnz,
        },
        "iterations": result.n_iter,
        "converged": result.converged,
        "best_restart": best,
        "log_likelihood_per_token": {
            "train_history": restart_curves[best],
            "restarts_train_history": restart_curves,
            "heldout_history": pure_curve,
            "heldout_with_unigram_history": mixed_curve,
            "unigram_add_one_heldout": per_token(unigram_total, heldout_tokens),
            "bigram_add_one_heldout": per_token(bigram_total, heldout_tokens),
        },
        "perplexity": {
            "em_train": perplexity(float(finals[best]), train_tokens),
            "em_heldout": perplexity(pure, heldout_tokens),
            "em_with_unigram_heldout": perplexity(mixed, heldout_tokens),
            "unigram_add_one_heldout": perplexity(unigram_total, heldout_tokens),
            "bigram_add_one_heldout": perplexity(bigram_total, heldout_tokens),
        },
        "heldout_tokens_with_zero_probability": zero_tokens,
        "states": top_words(corpus, result.A, result.B, train),
        "timings_seconds": {
            "load": loaded - started, "fit": fitted - loaded, "per_iteration": (fitted - loaded) / result.n_iter,
        },
    }
    per_token_figures = summary["log_likelihood_per_token"]
    figure = plot(
        restart_curves,
        best,
        {"EM held-out (-inf once a held-out bigram gets p = 0)": pure_curve,
         f"EM + {UNIGRAM_WEIGHT:g} add-one unigram, held-out": mixed_curve},
        {"add-one unigram, held-out": per_token_figures["unigram_add_one_heldout"],
         "add-one bigram, held-out": per_token_figures["bigram_add_one_heldout"]},
        f"latent bigram EM on {Path(corpus.name).name}: V={corpus.V}, m={args.states}, {args.restarts} restarts",
    )
    params = {"A": result.A.double().cpu().numpy(), "B": result.B.double().cpu().numpy(), "vocab": np.array(corpus.vocab)}
    summary["timings_seconds"]["total"] = time.perf_counter() - started
    written = scaffold.write_results(shared.out, {"loglik.png": figure, "params.npz": params, scaffold.RESULT: summary})
    print("\n".join(report_lines(summary)))
    print(scaffold.wrote(written))
    return 0
