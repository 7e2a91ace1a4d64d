"""The latent bigram model of seed 000 Problem 1 as an estimator in scikit-learn's and hmmlearn's conventions.

    p(x_1..x_T) = prod_t sum_z p(z | x_{t-1}) p(x_t | z),   x_0 = * (the start symbol),

with A[x, z] = p(z | x) for x in {*} + vocabulary ((V+1, m)) and B[z, x'] = p(x' | z) ((m, V)), fitted by EM
(seed 001 section 2; claims 001-2-estep, 001-2-mstep) with `elbocheck.fast.bigram_em.fit`, several random
restarts at once, the best kept.

Input, as hmmlearn's CategoricalHMM takes it: X a column (N, 1) (or a vector (N,)) of integer token ids
0..n_features-1, with `lengths` the sentence lengths summing to N (one sentence when omitted); or a list of
sentences, each a sequence of words (strings; the vocabulary is learnt by `fit`) or of integer ids 0..n_features-1.
All log-likelihoods are in nats, totals over the tokens given.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator

__all__ = ["LatentBigramModel"]


class LatentBigramModel(BaseEstimator):
    """EM for the latent bigram model (seed 000 Problem 1), with `n_restarts` random starts fitted together.

    Parameters: n_states m >= 1; n_restarts >= 1; tol >= 0 (stop when every restart's log-likelihood changes by at
    most tol relatively; 0 never stops early); max_iter >= 1; random_state, an integer seed of the starts (start r
    drawn from numpy.random.default_rng([random_state, r]), the same on every device and in `reference`);
    n_features, the vocabulary size V for integer input (default: the largest id seen by `fit` plus one); dtype
    'float64' or 'float32'; device 'cpu', 'cuda' or 'auto'.

    Fitted attributes: A_ (V+1, m) = p(z | previous word), row 0 for the start symbol; start_ = A_[0] (m,);
    transition_ = A_[1:] (V, m); B_ = emission_ (m, V) = p(word | z); n_features_ V; vocabulary_ (the words of
    ids 0..V-1, when fitted on words); n_iter_; converged_; log_likelihood_history_ (n_iter_ + 1,) of the best
    restart (nats, before the first iteration, then after each); restart_log_likelihood_histories_ (R, n_iter_ + 1);
    best_restart_. All arrays are NumPy in the fitted dtype.

    Errors: ValueError naming the parameter or the input that is out of range (an empty corpus, ids outside
    0..n_features-1, words outside the vocabulary when scoring, lengths that do not sum to len(X)).
    """

    def __init__(self, n_states: int = 8, n_restarts: int = 1, tol: float = 1e-6, max_iter: int = 100,
                 random_state: int = 0, n_features: int | None = None, dtype: str = "float64", device: str = "cpu"):
        self.n_states = n_states
        self.n_restarts = n_restarts
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.n_features = n_features
        self.dtype = dtype
        self.device = device

    # ------------------------------------------------------------ fitting

    def fit(self, X, lengths=None, callback: Callable | None = None) -> "LatentBigramModel":
        """Fit by EM; returns self. `callback(iteration, A, B, log_likelihoods)` sees every restart's parameters
        after each iteration (torch, (R, V+1, m) and (R, m, V)) and the log-likelihoods (R,) before it."""
        import torch

        from elbocheck.fast import bigram_em

        self._check_params()
        sentences, V, vocabulary = self._encode(X, lengths, fitting=True)
        counts = bigram_em.bigram_counts([torch.from_numpy(s) for s in sentences], V, dtype=self._torch_dtype(),
                                         device=self._device())
        return self.fit_counts(counts, vocabulary, callback=callback)

    def fit_counts(self, counts, vocabulary: list[str] | None = None, callback: Callable | None = None,
                   reduce: Callable | None = None, resume=None) -> "LatentBigramModel":
        """Fit by EM on bigram counts C already made (elbocheck.fast.bigram_em.BigramCounts, e.g. streamed from a
        file by elbocheck.data.streaming.count_corpus), `vocabulary` the words of ids 0..V-1 if any; returns self.

        `reduce(tensor)` sums over processes that each hold part of C (elbocheck.distributed.all_reduce_sum), so
        each fits the model of the whole; `resume` = (A (R, V+1, m), B (R, m, V), previous log-likelihoods (R,))
        continues a fit from its parameters after some iteration (see elbocheck.fast.bigram_em.fit)."""
        import torch

        from elbocheck.fast import bigram_em

        self._check_params()
        V = counts.V
        torch_dtype, device = self._torch_dtype(), self._device()
        counts = counts.to(device=device, dtype=torch_dtype)
        if resume is None:
            start = bigram_em.initial_params(V, self.n_states, self.random_state, self.n_restarts, torch_dtype, device)
            previous = None
        else:
            start, previous = resume[:2], resume[2]
        histories = []

        def record(iteration, A, B, before):
            histories.append(before.double().cpu())
            if callback is not None:
                callback(iteration, A, B, before)

        result = bigram_em.fit(counts, self.n_states, n_iter=self.max_iter, tol=self.tol, init=start, callback=record,
                               reduce=reduce, previous=previous)
        finals = result.restart_log_likelihoods.double().cpu()
        self.A_ = result.A.cpu().numpy()
        self.B_ = result.B.cpu().numpy()
        self.n_features_ = V
        if vocabulary is not None:
            self.vocabulary_ = vocabulary
        elif hasattr(self, "vocabulary_"):
            del self.vocabulary_
        self.n_iter_ = result.n_iter
        self.converged_ = result.converged
        self.restart_log_likelihood_histories_ = torch.stack(histories + [finals], dim=1).numpy()
        self.best_restart_ = int(torch.argmax(torch.nan_to_num(finals, nan=-math.inf)))
        self.log_likelihood_history_ = self.restart_log_likelihood_histories_[self.best_restart_]
        return self

    @property
    def start_(self) -> np.ndarray:
        """p(z | *), the first row of A_: (m,)."""
        return self.A_[0]

    @property
    def transition_(self) -> np.ndarray:
        """p(z | previous word) for each word of the vocabulary: (V, m)."""
        return self.A_[1:]

    @property
    def emission_(self) -> np.ndarray:
        """p(word | z) = B_: (m, V)."""
        return self.B_

    # ------------------------------------------------------------ using a fitted model

    def score(self, X, lengths=None) -> float:
        """log p(X) = sum over sentences and tokens of log sum_z A[x_{t-1}, z] B[z, x_t], in nats (-inf when the
        model gives some bigram probability 0)."""
        import torch

        from elbocheck.fast import bigram_em

        counts = self.counts(X, lengths)
        A, B = (torch.as_tensor(matrix, device=self._device()) for matrix in (self.A_, self.B_))
        return float(bigram_em.log_likelihood(counts, A, B))

    def perplexity(self, X, lengths=None) -> float:
        """exp(-score / number of tokens): the model's perplexity per token (inf when score is -inf)."""
        tokens = self.counts(X, lengths).n_tokens
        if tokens <= 0:
            raise ValueError("X: expected at least one token")
        log_likelihood = self.score(X, lengths)
        return math.inf if log_likelihood == -math.inf else math.exp(-log_likelihood / tokens)

    def sample(self, lengths, random_state=None) -> list:
        """Sentences of the given lengths drawn from the model (z_t ~ A[x_{t-1}], x_t ~ B[z_t]) by the inverse CDF
        of uniforms from numpy.random.default_rng(random_state); each an array of ids 0..V-1, or a list of words
        when the model was fitted on words."""
        import torch

        from elbocheck.fast import bigram_em

        self._check_fitted()
        lengths = np.asarray(lengths)
        if lengths.ndim != 1 or (lengths.size and (not np.issubdtype(lengths.dtype, np.integer) or lengths.min() < 0)):
            raise ValueError("lengths: expected a 1-D sequence of non-negative integers")
        uniforms = np.random.default_rng(random_state).random((int(lengths.sum()), 2))
        A, B = (torch.as_tensor(matrix, dtype=torch.float64) for matrix in (self.A_, self.B_))
        sentences = [s.numpy() - 1 for s in bigram_em.sample_corpus(A, B, lengths, torch.from_numpy(uniforms))]
        if hasattr(self, "vocabulary_"):
            return [[self.vocabulary_[i] for i in s] for s in sentences]
        return sentences

    def counts(self, X, lengths=None):
        """The bigram counts of X under the fitted vocabulary: elbocheck.fast.bigram_em.BigramCounts, in the
        model's dtype and on its device."""
        import torch

        from elbocheck.fast import bigram_em

        self._check_fitted()
        sentences, V, _ = self._encode(X, lengths, fitting=False)
        return bigram_em.bigram_counts([torch.from_numpy(s) for s in sentences], V, dtype=self._torch_dtype(),
                                       device=self._device())

    # ------------------------------------------------------------ checks and input

    def _check_params(self) -> None:
        for name, least in (("n_states", 1), ("n_restarts", 1), ("max_iter", 1), ("random_state", 0)):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name}: expected an integer >= {least}, got {value!r}")
        if not isinstance(self.tol, (int, float, np.floating)) or not (math.isfinite(self.tol) and self.tol >= 0):
            raise ValueError(f"tol: expected a finite number >= 0, got {self.tol!r}")
        if self.n_features is not None and (not isinstance(self.n_features, (int, np.integer)) or self.n_features < 1):
            raise ValueError(f"n_features: expected None or an integer >= 1, got {self.n_features!r}")
        self._torch_dtype()

    def _torch_dtype(self):
        import torch

        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype: expected 'float32' or 'float64', got {self.dtype!r}")
        return getattr(torch, self.dtype)

    def _device(self):
        from elbocheck.device import resolve_device

        return resolve_device(self.device)

    def _check_fitted(self) -> None:
        if not hasattr(self, "A_"):
            raise ValueError("LatentBigramModel: not fitted yet; call fit(X) first")

    def _encode(self, X, lengths, fitting: bool) -> tuple[list[np.ndarray], int, list[str] | None]:
        """Sentences as arrays of ids 1..V (0 is the start symbol inside), V, and the vocabulary learnt (words)."""
        if _is_array(X):
            return self._encode_column(X, lengths, fitting)
        if lengths is not None:
            raise ValueError("lengths: only for X given as one column of token ids; sentences carry their lengths")
        sentences = [list(s) if not isinstance(s, str) else s.split() for s in X]
        words = any(isinstance(token, str) for sentence in sentences for token in sentence)
        if not words:
            arrays = [np.asarray(s, dtype=np.int64) if len(s) else np.zeros(0, np.int64) for s in sentences]
            column = np.concatenate(arrays) if arrays else np.zeros(0, np.int64)
            return self._encode_column(column, [len(a) for a in arrays], fitting)
        if not all(isinstance(token, str) for sentence in sentences for token in sentence):
            raise ValueError("X: expected every sentence to hold words (strings) or every one integer ids, not both")
        if fitting:
            vocabulary = list(dict.fromkeys(word for sentence in sentences for word in sentence))
        else:
            if not hasattr(self, "vocabulary_"):
                raise ValueError("X: the model was fitted on token ids; give ids, not words")
            vocabulary = self.vocabulary_
        index = {word: i + 1 for i, word in enumerate(vocabulary)}
        encoded = []
        for sentence in sentences:
            unknown = [word for word in sentence if word not in index]
            if unknown:
                raise ValueError(f"X: the word {unknown[0]!r} is not in the fitted vocabulary")
            encoded.append(np.array([index[word] for word in sentence], dtype=np.int64))
        self._require_tokens(encoded)
        return encoded, len(vocabulary), vocabulary if fitting else None

    def _encode_column(self, X, lengths, fitting: bool):
        column = np.asarray(X)
        if column.ndim == 2 and column.shape[1] == 1:
            column = column[:, 0]
        if column.ndim != 1 or (column.size and not np.issubdtype(column.dtype, np.integer)):
            raise ValueError(f"X: expected a column (N, 1) of integer token ids, got shape {np.shape(X)}")
        if not fitting and hasattr(self, "vocabulary_"):
            raise ValueError("X: the model was fitted on words; give sentences of words, not ids")
        lengths = np.array([column.size] if lengths is None else lengths)
        if lengths.ndim != 1 or (lengths.size and (not np.issubdtype(lengths.dtype, np.integer) or lengths.min() < 0)):
            raise ValueError("lengths: expected a 1-D sequence of non-negative integers")
        if int(lengths.sum()) != column.size:
            raise ValueError(f"lengths: expected them to sum to len(X) = {column.size}, got {int(lengths.sum())}")
        if fitting:
            V = self.n_features if self.n_features is not None else (int(column.max()) + 1 if column.size else 0)
        else:
            V = self.n_features_
        if column.size and (column.min() < 0 or column.max() >= V):
            raise ValueError(f"X: token ids must lie in 0..n_features-1 = 0..{V - 1}, got {column.min()}..{column.max()}")
        sentences = np.split(column.astype(np.int64) + 1, np.cumsum(lengths)[:-1])
        self._require_tokens(sentences)
        return sentences, V, None

    @staticmethod
    def _require_tokens(sentences) -> None:
        if not any(len(sentence) for sentence in sentences):
            raise ValueError("X: expected at least one token, got an empty corpus")


def _is_array(X) -> bool:
    if isinstance(X, np.ndarray):
        return True
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return isinstance(X, torch.Tensor)
