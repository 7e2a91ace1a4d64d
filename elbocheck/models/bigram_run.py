"""One EM run of the latent bigram model on a corpus with its evaluation: held-out log-likelihood of every restart
after each iteration (pure, and mixed with the add-one unigram), the add-one unigram and bigram baselines, the
perplexities, the top words of each state, the figure and the result document (`elbocheck em` writes them).

Log-likelihoods are in nats, totals over tokens unless named per token; perplexity = exp(-log-likelihood / tokens).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "TOP_WORDS", "UNIGRAM_WEIGHT", "EMRun", "run_em", "unigram_probabilities", "unigram_log_likelihood",
    "bigram_log_likelihood", "heldout_log_likelihoods", "perplexity", "per_token", "top_words", "plot",
    "report_lines",
]

TOP_WORDS = 8
UNIGRAM_WEIGHT = 0.1  # a fixed weight, not fitted to the held-out data
HELDOUT_FRACTION = 0.1


@dataclass
class EMRun:
    """What a run produced: the fitted estimator, the result document, the figure and the parameters' arrays."""

    model: object
    document: dict
    figure: object
    params: dict


def run_em(corpus, states: int, iters: int, restarts: int, tol: float, seed: int, dtype: str = "float64",
           device="cpu", progress=None) -> EMRun:
    """Fit `LatentBigramModel` on corpus.train and evaluate it on corpus.heldout (see the module's docstring).
    `progress(total=..., desc=..., unit=...)` makes a tqdm-like bar (none when None). ValueError for bad settings
    or an empty corpus."""
    from elbocheck.fast import bigram_em
    from elbocheck.device import device_name, resolve_device
    from elbocheck.models.bigram import LatentBigramModel

    started = time.perf_counter()
    device = resolve_device(device)
    model = LatentBigramModel(n_states=states, n_restarts=restarts, tol=tol, max_iter=iters, random_state=seed,
                              n_features=corpus.V, dtype=dtype, device=str(device))
    column, lengths = _column(corpus.train)
    model._check_params()
    torch_dtype = model._torch_dtype()
    train = bigram_em.bigram_counts(corpus.train, corpus.V, dtype=torch_dtype, device=device)
    heldout = bigram_em.bigram_counts(corpus.heldout, corpus.V, dtype=torch_dtype, device=device)
    train_tokens, heldout_tokens = train.n_tokens, heldout.n_tokens
    unigram = torch.as_tensor(unigram_probabilities(train), dtype=torch_dtype, device=device)
    start_A, start_B = bigram_em.initial_params(corpus.V, states, seed, restarts, torch_dtype, device)
    heldout_curves = [heldout_log_likelihoods(heldout, start_A, start_B, unigram, UNIGRAM_WEIGHT)]
    loaded = time.perf_counter()

    bar = progress(total=iters, desc="EM", unit="it") if progress is not None else None

    def show(iteration, A, B, before):
        heldout_curves.append(heldout_log_likelihoods(heldout, A, B, unigram, UNIGRAM_WEIGHT))
        if bar is not None:
            per_token_now = float(before.double().max()) / train_tokens
            bar.set_postfix({"loglik/token": f"{per_token_now:.4f}", "train ppl": f"{math.exp(-per_token_now):.1f}"})
            bar.update(1)

    try:
        model.fit(column, lengths, callback=show)
    finally:
        if bar is not None:
            bar.close()
    fitted = time.perf_counter()

    best = model.best_restart_
    restart_curves = (model.restart_log_likelihood_histories_ / train_tokens).tolist()  # (R, iterations + 1)
    final = float(model.restart_log_likelihood_histories_[best, -1])
    pure, mixed, zero_tokens = (float(value[best]) for value in heldout_curves[-1])
    unigram_total = unigram_log_likelihood(train, heldout)
    bigram_total = bigram_log_likelihood(train, heldout)
    pure_curve = [per_token(float(curve[0][best]), heldout_tokens) for curve in heldout_curves]
    mixed_curve = [per_token(float(curve[1][best]), heldout_tokens) for curve in heldout_curves]
    A = torch.as_tensor(model.A_)
    B = torch.as_tensor(model.B_)
    document = {
        "settings": {
            "corpus": corpus.name, "states": states, "iters": iters, "restarts": restarts, "tol": tol, "seed": seed,
            "dtype": dtype, "heldout_fraction": HELDOUT_FRACTION, "unigram_weight": UNIGRAM_WEIGHT,
        },
        "device": device_name(device),
        "corpus": {
            "V": corpus.V, "train_sentences": len(corpus.train), "train_tokens": int(train_tokens),
            "heldout_sentences": len(corpus.heldout), "heldout_tokens": int(heldout_tokens),
            "train_bigram_types": train.nnz,
        },
        "iterations": model.n_iter_,
        "converged": model.converged_,
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
            "em_train": perplexity(final, train_tokens),
            "em_heldout": perplexity(pure, heldout_tokens),
            "em_with_unigram_heldout": perplexity(mixed, heldout_tokens),
            "unigram_add_one_heldout": perplexity(unigram_total, heldout_tokens),
            "bigram_add_one_heldout": perplexity(bigram_total, heldout_tokens),
        },
        "heldout_tokens_with_zero_probability": zero_tokens,
        "states": top_words(corpus, A, B, train),
        "timings_seconds": {
            "load": loaded - started, "fit": fitted - loaded, "per_iteration": (fitted - loaded) / model.n_iter_,
        },
    }
    per_token_figures = document["log_likelihood_per_token"]
    figure = plot(
        restart_curves,
        best,
        {"EM held-out (-inf once a held-out bigram gets p = 0)": pure_curve,
         f"EM + {UNIGRAM_WEIGHT:g} add-one unigram, held-out": mixed_curve},
        {"add-one unigram, held-out": per_token_figures["unigram_add_one_heldout"],
         "add-one bigram, held-out": per_token_figures["bigram_add_one_heldout"]},
        f"latent bigram EM on {Path(corpus.name).name}: V={corpus.V}, m={states}, {restarts} restarts",
    )
    params = {"A": A.double().numpy(), "B": B.double().numpy(), "vocab": np.array(corpus.vocab)}
    return EMRun(model=model, document=document, figure=figure, params=params)


def _column(sentences) -> tuple[np.ndarray, list[int]]:
    """Sentences of ids 1..V as hmmlearn's input: a column of ids 0..V-1 and the lengths."""
    lengths = [len(sentence) for sentence in sentences]
    tokens = np.concatenate([np.asarray(s, dtype=np.int64) for s in sentences]) if sentences else np.zeros(0, np.int64)
    return (tokens - 1)[:, None], lengths


def unigram_probabilities(train) -> np.ndarray:
    """The add-one unigram p(x') = (n(x') + 1) / (N + V), n(x') the training count of x': float64 NumPy (V,)."""
    totals = np.bincount(train.col.cpu().numpy(), weights=train.values.double().cpu().numpy(), minlength=train.V)
    return (totals + 1.0) / (totals.sum() + train.V)


def unigram_log_likelihood(train, heldout) -> float:
    """sum over held-out tokens of log p(x') under the add-one unigram of the training counts."""
    log_p = np.log(unigram_probabilities(train))
    return float(np.sum(heldout.values.double().cpu().numpy() * log_p[heldout.col.cpu().numpy()]))


def bigram_log_likelihood(train, heldout) -> float:
    """sum over held-out bigrams of log p(x'|x), p(x'|x) = (C[x,x'] + 1) / (C[x,.] + V): the add-one bigram."""
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
    """What `elbocheck em` prints at the end: perplexities, then the top words of each latent state."""
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
