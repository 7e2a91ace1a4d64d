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

from elbocheck.words import counted

__all__ = [
    "TOP_WORDS", "UNIGRAM_WEIGHT", "EMRun", "run_em", "unigram_probabilities", "unigram_log_likelihood",
    "bigram_log_likelihood", "heldout_log_likelihoods", "perplexity", "per_token", "top_words", "plot",
    "report_lines",
]

TOP_WORDS = 8
UNIGRAM_WEIGHT = 0.1  # a fixed weight, not fitted to the held-out data
HELDOUT_FRACTION = 0.1
CHECKPOINT_SECONDS = 60.0
CHECKPOINT_FORMAT = 2  # 2: sealed with the SHA-256 of its content (elbocheck._io.seal)


@dataclass
class EMRun:
    """What a run produced: the fitted estimator, the result document, the figure and the parameters' arrays."""

    model: object
    document: dict
    figure: object
    params: dict


@dataclass(frozen=True)
class CountedCorpus:
    """A corpus as EM needs it: its name, the words of ids 1..V, this process's training and held-out bigram counts
    (elbocheck.fast.bigram_em.BigramCounts; summed over the processes they give the whole corpus's) and the
    whole corpus's sentence numbers."""

    name: str
    vocab: list
    train: object
    heldout: object
    train_sentences: int
    heldout_sentences: int

    @property
    def V(self) -> int:
        return len(self.vocab)

    def word(self, token_id: int) -> str:
        return self.vocab[token_id - 1]

    @staticmethod
    def of(corpus, dtype: torch.dtype, device) -> "CountedCorpus":
        """The counts of an in-memory elbocheck.data.corpus.Corpus (sentences of ids), or `corpus` itself."""
        from elbocheck.fast import bigram_em

        if isinstance(corpus, CountedCorpus):
            return corpus
        train = bigram_em.bigram_counts(corpus.train, corpus.V, dtype=dtype, device=device)
        heldout = bigram_em.bigram_counts(corpus.heldout, corpus.V, dtype=dtype, device=device)
        return CountedCorpus(corpus.name, corpus.vocab, train, heldout, len(corpus.train), len(corpus.heldout))


def _identity(tensor):
    return tensor


def run_em(corpus, states: int, iters: int, restarts: int, tol: float, seed: int, dtype: str = "float64",
           device="cpu", progress=None, group=None, checkpoint: Path | None = None, resume: bool = False) -> EMRun:
    """Fit `LatentBigramModel` on the training counts of `corpus` (an elbocheck.data.corpus.Corpus or a
    CountedCorpus) and evaluate it on the held-out ones (see the module's docstring).

    `progress(total=..., desc=..., unit=...)` makes a tqdm-like bar (none when None). `group`: the processes
    (elbocheck.distributed.Group) that each hold part of the counts; expected counts and every figure are summed
    over them, so each process fits and reports the whole corpus's model. `checkpoint`: a file the main process
    rewrites after an iteration at most every CHECKPOINT_SECONDS and after the last, from which `resume`
    continues the fit exactly (every process reads it); an interrupted fit (KeyboardInterrupt, SIGTERM through
    the command line) saves its last whole iteration there before it stops. ValueError for bad settings, an empty
    corpus or a checkpoint of another run."""
    from functools import partial

    from elbocheck import distributed
    from elbocheck.fast import bigram_em
    from elbocheck.device import device_name, resolve_device
    from elbocheck.finite import require_finite
    from elbocheck.models.bigram import LatentBigramModel

    started = time.perf_counter()
    device = resolve_device(device)
    group = group or distributed.SINGLE
    reduce = partial(distributed.all_reduce_sum, group=group) if group.distributed else None
    total = reduce or _identity
    is_main = group.is_main
    model = LatentBigramModel(n_states=states, n_restarts=restarts, tol=tol, max_iter=iters, random_state=seed,
                              n_features=corpus.V, dtype=dtype, device=str(device))
    model._check_params()
    torch_dtype = model._torch_dtype()
    corpus = CountedCorpus.of(corpus, torch_dtype, device)
    train, heldout = (counts.to(device=device, dtype=torch_dtype) for counts in (corpus.train, corpus.heldout))
    token_totals = total(torch.tensor([train.n_tokens, heldout.n_tokens], dtype=torch.float64, device=device))
    train_tokens, heldout_tokens = (float(value) for value in token_totals)
    if train_tokens <= 0:
        raise ValueError("corpus: expected at least one training token, got none")
    unigram = torch.as_tensor(unigram_probabilities(train, total), dtype=torch_dtype, device=device)
    settings = {"corpus": corpus.name, "states": states, "restarts": restarts, "seed": seed, "dtype": dtype,
                "V": corpus.V, "train_tokens": train_tokens}
    state = _agreed_checkpoint(checkpoint, settings, group, torch_dtype, device) if resume else None
    if state is None:
        start_A, start_B = bigram_em.initial_params(corpus.V, states, seed, restarts, torch_dtype, device)
        train_curves, resume_from = [], None
        heldout_curves = [_heldout(heldout, start_A, start_B, unigram, total)]
    else:
        train_curves, heldout_curves = state["train_curves"], state["heldout_curves"]
        resume_from = (state["A"], state["B"], train_curves[-1].to(device=device, dtype=torch_dtype))
    done_before = len(train_curves)
    loaded = time.perf_counter()
    remaining = iters - done_before
    if remaining < 1:
        raise ValueError(f"--iters: the checkpoint holds {done_before} iterations already; ask for more to resume")
    bar = progress(total=iters, initial=done_before, desc="EM", unit="it") if progress is not None else None
    last_saved = [time.perf_counter()]
    latest = {}

    def show_likelihood(log_likelihoods):
        per_token_now = float(torch.as_tensor(log_likelihoods).double().max()) / train_tokens
        bar.set_postfix({"loglik/token": f"{per_token_now:.4f}", "train ppl": f"{math.exp(-per_token_now):.1f}"})

    def show(iteration, A, B, before):
        require_finite("the training log-likelihood", before, f"at EM iteration {iteration}",
                       "with --dtype float32 try float64")
        train_curves.append(before.double().cpu())
        heldout_curves.append(_heldout(heldout, A, B, unigram, total))
        if bar is not None:
            show_likelihood(before)
            bar.update(1)
        last = iteration == remaining
        latest.update(A=A, B=B, train=list(train_curves), heldout=list(heldout_curves), saved=False)  # one call: a
        # Ctrl-C lands before or after it, so an interrupted run saves a consistent iteration
        if checkpoint is not None and is_main and (last or time.perf_counter() - last_saved[0] >= CHECKPOINT_SECONDS):
            save_checkpoint(checkpoint, settings, A, B, train_curves, heldout_curves)
            last_saved[0] = time.perf_counter()
            latest["saved"] = True

    try:
        model.max_iter = remaining
        model.fit_counts(train, callback=show, reduce=reduce, resume=resume_from)
        if bar is not None:  # each iteration shows the likelihood it started from; the bar ends on the fitted one
            show_likelihood(model.restart_log_likelihood_histories_[:, -1])
        if checkpoint is not None and is_main and latest and not latest["saved"]:
            save_checkpoint(checkpoint, settings, latest["A"], latest["B"], train_curves, heldout_curves)
        model.max_iter = iters
    except KeyboardInterrupt:  # keep the iterations done, for --resume
        if checkpoint is not None and is_main and latest and not latest["saved"]:
            save_checkpoint(checkpoint, settings, latest["A"], latest["B"], latest["train"], latest["heldout"])
        raise
    finally:
        if bar is not None:
            bar.close()
    fitted = time.perf_counter()
    best = model.best_restart_
    finals = torch.as_tensor(model.restart_log_likelihood_histories_[:, -1]).double()
    restart_curves = (torch.stack(train_curves + [finals], dim=1) / train_tokens).tolist()  # (R, iterations + 1)
    final = float(finals[best])
    pure, mixed, zero_tokens = (float(value[best]) for value in heldout_curves[-1])
    unigram_total = float(total(torch.tensor([unigram_log_likelihood(train, heldout, unigram.double().cpu().numpy())],
                                             dtype=torch.float64, device=device)))
    bigram_total = float(total(torch.tensor([bigram_log_likelihood(train, heldout, group)], dtype=torch.float64,
                                            device=device)))
    pure_curve = [per_token(float(curve[0][best]), heldout_tokens) for curve in heldout_curves]
    mixed_curve = [per_token(float(curve[1][best]), heldout_tokens) for curve in heldout_curves]
    A = torch.as_tensor(model.A_)
    B = torch.as_tensor(model.B_)
    iterations = len(train_curves)
    require_finite("the fitted parameters", [A, B], "after EM", "with --dtype float32 try float64")
    document = {
        "settings": {
            "corpus": corpus.name, "states": states, "iters": iters, "restarts": restarts, "tol": tol, "seed": seed,
            "dtype": dtype, "heldout_fraction": HELDOUT_FRACTION, "unigram_weight": UNIGRAM_WEIGHT,
        },
        "device": device_name(device),
        "corpus": {
            "V": corpus.V, "train_sentences": corpus.train_sentences, "train_tokens": int(train_tokens),
            "heldout_sentences": corpus.heldout_sentences, "heldout_tokens": int(heldout_tokens),
            "train_bigram_types": distributed.count_distinct(_pair_keys(train), group),
        },
        "iterations": iterations,
        "resumed_from_iteration": done_before,
        "converged": bool(model.converged_),
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
        "states": top_words(corpus, A, B, train, total=total),
        "timings_seconds": {
            "load": loaded - started, "fit": fitted - loaded,
            "per_iteration": (fitted - loaded) / max(iterations - done_before, 1),
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
    ) if is_main else None
    params = {"A": A.double().numpy(), "B": B.double().numpy(), "vocab": np.array(corpus.vocab)}
    return EMRun(model=model, document=document, figure=figure, params=params)


def _column(sentences) -> tuple[np.ndarray, list[int]]:
    """Sentences of ids 1..V as hmmlearn's input: a column of ids 0..V-1 and the lengths."""
    lengths = [len(sentence) for sentence in sentences]
    tokens = np.concatenate([np.asarray(s, dtype=np.int64) for s in sentences]) if sentences else np.zeros(0, np.int64)
    return (tokens - 1)[:, None], lengths


def save_checkpoint(path: Path, settings: dict, A, B, train_curves: list, heldout_curves: list) -> None:
    """Every restart's A (R, V+1, m) and B (R, m, V) after the last iteration, with the curves so far, written
    atomically to `path`."""
    import io

    from elbocheck._io import atomic_write_bytes, seal

    buffer = io.BytesIO()
    torch.save(seal({"format": CHECKPOINT_FORMAT, "settings": settings, "A": A.cpu(), "B": B.cpu(),
                     "train_curves": [c.cpu() for c in train_curves],
                     "heldout_curves": [tuple(t.cpu() for t in c) for c in heldout_curves]}), buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_checkpoint(path: Path, settings: dict, dtype: torch.dtype, device) -> dict:
    """The state save_checkpoint wrote; ValueError naming --resume when it is missing, unreadable or from a run
    with other settings (corpus, states, restarts, seed, dtype, vocabulary size or token count), and when it is
    damaged (its content no longer matches its SHA-256), lacks a key, or holds parameters of the wrong shape or
    that are not finite."""
    import io

    from elbocheck._io import check_seal
    from elbocheck.data.files import read_bytes

    if not Path(path).exists():
        raise ValueError(f"--resume: no checkpoint at '{path}'; run without --resume first")
    data = read_bytes(path, "--resume", "an EM checkpoint file")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:  # torch.load raises many kinds for a damaged file
        raise ValueError(f"--resume: '{path}' is not a readable EM checkpoint ({type(error).__name__})") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"--resume: '{path}' is not an EM checkpoint of format {CHECKPOINT_FORMAT}")
    check_seal(state, f"--resume: '{path}'")
    kinds = {"settings": dict, "A": torch.Tensor, "B": torch.Tensor, "train_curves": list, "heldout_curves": list}
    missing = [key for key, kind in kinds.items() if not isinstance(state.get(key), kind)]
    if missing:
        raise ValueError(f"--resume: '{path}' lacks {', '.join(repr(key) for key in missing)} or holds the wrong "
                         "type there; expected a checkpoint written by `elbocheck em`")
    differing = [key for key in settings if state["settings"].get(key) != settings[key]]
    if differing:
        key = differing[0]
        raise ValueError(f"--resume: the checkpoint's {key} is {state['settings'].get(key)!r}, this run's {settings[key]!r}")
    expected = {"A": (settings["restarts"], settings["V"] + 1, settings["states"]),
                "B": (settings["restarts"], settings["states"], settings["V"])}
    for key, shape in expected.items():
        if tuple(state[key].shape) != shape:
            raise ValueError(f"--resume: the checkpoint's {key} has shape {tuple(state[key].shape)}, expected {shape}")
        if not bool(torch.isfinite(state[key]).all()):
            raise ValueError(f"--resume: the checkpoint's {key} holds NaN or infinite values")
    state["A"], state["B"] = (state[key].to(device=device, dtype=dtype) for key in ("A", "B"))
    state["heldout_curves"] = [tuple(c) for c in state["heldout_curves"]]
    return state


def _agreed_checkpoint(path: Path, settings: dict, group, dtype: torch.dtype, device) -> dict:
    """The checkpoint as the main process reads it, sent to every process (whose machines need not share the
    output folder); its ValueError raised on every process."""
    from elbocheck import distributed

    state, error = None, None
    if group.is_main:
        try:
            state = load_checkpoint(path, settings, dtype, "cpu")
        except ValueError as caught:
            error = str(caught)
    state, error = distributed.broadcast_object((state, error), group)
    if error is not None:
        raise ValueError(error)
    state["A"], state["B"] = (state[key].to(device) for key in ("A", "B"))
    return state


def _heldout(heldout, A, B, unigram, total):
    """heldout_log_likelihoods summed over the processes."""
    return tuple(total(value).cpu() for value in heldout_log_likelihoods(heldout, A, B, unigram, UNIGRAM_WEIGHT))


def _pair_keys(counts) -> np.ndarray:
    """x V + x' of each nonzero of C, in CSR order: int64 NumPy (nnz,), built in place (one array over the
    nonzeros)."""
    crow = counts.crow.cpu().numpy()
    keys = np.repeat(np.arange(crow.size - 1, dtype=np.int64), np.diff(crow))
    keys *= counts.V
    keys += counts.col.cpu().numpy()
    return keys


def unigram_probabilities(train, total=_identity) -> np.ndarray:
    """The add-one unigram p(x') = (n(x') + 1) / (N + V), n(x') the training count of x' (summed over processes by
    `total`): float64 NumPy (V,)."""
    totals = np.bincount(train.col.cpu().numpy(), weights=train.values.double().cpu().numpy(), minlength=train.V)
    totals = total(torch.from_numpy(totals).to(train.values.device)).cpu().numpy()
    return (totals + 1.0) / (totals.sum() + train.V)


def unigram_log_likelihood(train, heldout, probabilities: np.ndarray | None = None) -> float:
    """sum over held-out tokens of log p(x') under the add-one unigram of the training counts (or under
    `probabilities` (V,))."""
    log_p = np.log(unigram_probabilities(train) if probabilities is None else probabilities)
    return float(np.sum(heldout.values.double().cpu().numpy() * log_p[heldout.col.cpu().numpy()]))


def bigram_log_likelihood(train, heldout, group=None) -> float:
    """sum over held-out bigrams of log p(x'|x), p(x'|x) = (C[x,x'] + 1) / (C[x,.] + V): the add-one bigram.

    With several processes (`group`, an elbocheck.distributed.Group), C[x, x'] and C[x, .] are summed over them
    at this process's held-out bigrams, and the result is this process's share of the sum (sum it over the
    processes), so no process needs the others' counts whole."""
    V = train.V
    if group is None or not group.distributed:
        return _add_one_bigram(train, heldout, V)
    train_rows, heldout_rows = train.rows.cpu().numpy(), heldout.rows.cpu().numpy()
    train_keys = train_rows * V + train.col.cpu().numpy()  # sorted: CSR order
    train_values = np.append(train.values.double().cpu().numpy(), 0.0)
    row_totals = np.bincount(train_rows, weights=train_values[:-1], minlength=V + 1)
    device = train.values.device
    from functools import partial

    from elbocheck import distributed

    total = partial(distributed.all_reduce_sum, group=group)
    shares = distributed.all_gather_object(
        (heldout_rows * V + heldout.col.cpu().numpy(), heldout.values.double().cpu().numpy()), group)
    row_totals = total(torch.from_numpy(row_totals).to(device)).cpu().numpy()
    result = 0.0
    for rank, (keys, values) in enumerate(shares):
        position = np.searchsorted(train_keys, keys)
        seen = np.append(train_keys, -1)[position] == keys
        pair_counts = total(torch.from_numpy(np.where(seen, train_values[position], 0.0)).to(device)).cpu().numpy()
        if rank == group.rank:
            probabilities = (pair_counts + 1.0) / (row_totals[keys // V] + V)
            result = float(np.sum(values * np.log(probabilities)))
    return result


ROWS_BLOCK = 1 << 20


def _row_blocks(crow: np.ndarray, block: int = ROWS_BLOCK):
    """Consecutive row ranges [r0, r1) of a CSR matrix holding about `block` nonzeros each (at least one row), so
    per-nonzero work over all of C needs O(block) memory rather than O(nnz)."""
    r0, n_rows = 0, len(crow) - 1
    while r0 < n_rows:
        r1 = int(np.searchsorted(crow, crow[r0] + block, side="right")) - 1
        r1 = min(max(r1, r0 + 1), n_rows)
        yield r0, r1
        r0 = r1


def _block_rows(crow: np.ndarray, r0: int, r1: int) -> np.ndarray:
    """The row of each nonzero of rows [r0, r1), in CSR order."""
    return np.repeat(np.arange(r0, r1), np.diff(crow[r0:r1 + 1]))


def _add_one_bigram(train, heldout, V) -> float:
    """The add-one bigram log-likelihood of one process's counts, row block by row block."""
    t_crow, t_col = train.crow.cpu().numpy(), train.col.cpu().numpy()
    t_values = train.values.cpu().numpy()
    h_crow, h_col = heldout.crow.cpu().numpy(), heldout.col.cpu().numpy()
    h_values = heldout.values.cpu().numpy()
    result = 0.0
    for r0, r1 in _row_blocks(t_crow):
        a, b, c, d = t_crow[r0], t_crow[r1], h_crow[r0], h_crow[r1]
        rows = _block_rows(t_crow, r0, r1)
        keys = rows * V + t_col[a:b]
        values = np.append(t_values[a:b].astype(np.float64), 0.0)
        row_totals = np.bincount(rows - r0, weights=values[:-1], minlength=r1 - r0)
        heldout_rows = _block_rows(h_crow, r0, r1)
        heldout_keys = heldout_rows * V + h_col[c:d]
        position = np.searchsorted(keys, heldout_keys)
        seen = np.append(keys, -1)[position] == heldout_keys
        pair_counts = np.where(seen, values[position], 0.0)
        probabilities = (pair_counts + 1.0) / (row_totals[heldout_rows - r0] + V)
        result += float(np.sum(h_values[c:d].astype(np.float64) * np.log(probabilities)))
    return result


def heldout_log_likelihoods(heldout, A, B, unigram, weight: float, block: int = 1 << 15):
    """Held-out log-likelihood (R,) of each restart's model (A (R, V+1, m), B (R, m, V)), pure and interpolated
    with the add-one unigram: p = (1 - weight) (AB)[x, x'] + weight p_unigram(x'); and the held-out tokens the pure
    model gives probability 0. Computed `block` nonzeros at a time, so memory is O(R block m)."""
    rows, cols = heldout.rows, heldout.col
    counts = heldout.values.to(A.dtype)
    B_transposed = B.transpose(1, 2)  # (R, V, m)
    sums = torch.zeros(3, A.shape[0], dtype=A.dtype, device=A.device)
    for start in range(0, counts.numel(), block):
        part = slice(start, start + block)
        model = (A[:, rows[part]] * B_transposed[:, cols[part]]).sum(dim=-1)  # (R, block)
        mixed = (1.0 - weight) * model + weight * unigram[cols[part]]  # (R, block)
        sums[0] += (counts[part] * torch.log(model)).sum(dim=-1)
        sums[1] += (counts[part] * torch.log(mixed)).sum(dim=-1)
        sums[2] += (counts[part] * (model == 0)).sum(dim=-1)
    return sums[0], sums[1], sums[2]


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


def top_words(corpus, A, B, train_counts, count: int = TOP_WORDS, total=_identity) -> list[dict]:
    """For each latent state, most used first: its share of training tokens and its `count` likeliest words."""
    crow, values = train_counts.crow.cpu().numpy(), train_counts.values.cpu().numpy()
    context_totals = np.zeros(train_counts.V + 1)
    for r0, r1 in _row_blocks(crow):
        context_totals[r0:r1] = np.bincount(_block_rows(crow, r0, r1) - r0,
                                            weights=values[crow[r0]:crow[r1]].astype(np.float64), minlength=r1 - r0)
    context_totals = total(torch.from_numpy(context_totals).to(train_counts.values.device)).cpu()
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
        f"EM: {counted(summary['iterations'], 'iteration')} "
        f"({'converged' if summary['converged'] else 'iteration limit'}), "
        f"best of {counted(summary['settings']['restarts'], 'restart')}, {summary['timings_seconds']['fit']:.1f} s",
        f"perplexity: EM train {show(ppl['em_train'])}; {heldout}",
        "top words of each latent state (share of training tokens):",
    ]
    for state in summary["states"]:
        lines.append(f"  z={state['state']:<3d} {100 * state['share']:5.1f}%  " + " ".join(state["words"]))
    return lines
