"""Ring models over labels in {-1, 0, 1}, by their definitions: enumeration of all 3^N labellings, seed 004 Problem 1.

The score generalises the problem's (J = 1, h = 0) to a coupling J and node fields h:
s(Y) = J (sum_{n=0}^{N-2} Y[n] Y[n+1] + Y[N-1] Y[0]) + sum_n h[n] Y[n]. For N = 1 the only edge is Y[0] Y[0].
P_s(Y) = e^{s(Y)} / Z_s with Z_s = sum over all labellings of e^{s(Y)}; the pseudo-likelihood is the product over
n of the conditionals P_n(Y[n] | Y / n). Everything here loops over labellings, nodes and models as the text writes
it; `fast.ring` computes the same quantities with transfer matrices.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp

from elbocheck.reference.sampler import inverse_cdf

_LABELS = (-1, 0, 1)
_MAX_ENUMERATED_N = 14
FIT_BOUND = 20.0


def _labels_array(Y, name: str = "Y") -> np.ndarray:
    """Y as an int64 array of labels in {-1, 0, 1} with at least one node; ValueError naming `name` otherwise."""
    array = np.asarray(Y)
    if array.ndim == 0 or array.shape[-1] < 1:
        raise ValueError(f"{name}: expected labels of shape (..., N) with N >= 1, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.integer):
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise ValueError(f"{name}: expected integer labels in {{-1, 0, 1}}")
    array = array.astype(np.int64)
    if array.size and not np.all(np.isin(array, _LABELS)):
        raise ValueError(f"{name}: expected labels in {{-1, 0, 1}}, got values {sorted(set(array.ravel()) - set(_LABELS))}")
    return array


def _node_fields(h, N: int) -> np.ndarray:
    """The (N,) float64 node fields: `h` itself if it has shape (N,), a scalar repeated, or zeros for None."""
    if h is None:
        return np.zeros(N)
    fields = np.asarray(h, dtype=np.float64)
    if fields.ndim == 0:
        return np.full(N, float(fields))
    if fields.shape != (N,):
        raise ValueError(f"h: expected a scalar or node fields of shape ({N},), got shape {fields.shape}")
    if not np.all(np.isfinite(fields)):
        raise ValueError("h: expected finite numbers")
    return fields


def score(Y, J: float = 1.0, h=None) -> np.ndarray:
    """s(Y) = J (sum_{n=0}^{N-2} Y[n]Y[n+1] + Y[N-1]Y[0]) + sum_n h[n]Y[n], seed 004 Problem 1 (J=1, h=0 there).

    Y has shape (N,) or (S, N); returns a float or an (S,) array.
    Claims: 004-1b-scores.
    """
    labels = _labels_array(Y)
    rows = labels.reshape(-1, labels.shape[-1])  # (S, N)
    N = rows.shape[1]
    fields = _node_fields(h, N)
    if not np.isfinite(J):
        raise ValueError(f"J: expected a finite number, got {J!r}")
    scores = np.empty(len(rows))
    for row_index, y in enumerate(rows):
        edges = 0.0
        for n in range(N - 1):
            edges += y[n] * y[n + 1]
        edges += y[N - 1] * y[0]
        nodes = 0.0
        for n in range(N):
            nodes += fields[n] * y[n]
        scores[row_index] = J * edges + nodes
    return scores.reshape(labels.shape[:-1]) if labels.ndim > 1 else scores[0]


def _labellings(N: int) -> np.ndarray:
    """All 3^N labellings in {-1, 0, 1}^N, in lexicographic order, shape (3^N, N)."""
    if not 1 <= int(N) <= _MAX_ENUMERATED_N:
        raise ValueError(f"N: expected an integer in [1, {_MAX_ENUMERATED_N}] for enumeration, got {N!r}")
    return np.array(list(itertools.product(_LABELS, repeat=int(N))), dtype=np.int64)


def _edge_sums(Y: np.ndarray) -> np.ndarray:
    """sum_{n=0}^{N-2} Y[n]Y[n+1] + Y[N-1]Y[0] of each row of Y (S, N)."""
    N = Y.shape[1]
    edges = np.zeros(len(Y))
    for n in range(N - 1):
        edges += Y[:, n] * Y[:, n + 1]
    edges += Y[:, N - 1] * Y[:, 0]
    return edges


def _all_scores(J: float, fields: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labellings, s of each labelling): the sums over edges and nodes written as loops over n, vectorised over Y."""
    N = len(fields)
    Y = _labellings(N)  # (3^N, N)
    nodes = np.zeros(len(Y))
    for n in range(N):
        nodes += fields[n] * Y[:, n]
    return Y, J * _edge_sums(Y) + nodes


def _models(J, h) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Couplings (B,) and node fields (B, N) of a batch of models, and the batch shape to return."""
    couplings = np.asarray(J, dtype=np.float64)
    fields = np.asarray(h, dtype=np.float64)
    if fields.ndim == 0:
        raise ValueError("h: expected node fields of shape (..., N), got a scalar")
    batch = np.broadcast_shapes(couplings.shape, fields.shape[:-1])
    couplings = np.broadcast_to(couplings, batch).reshape(-1)
    fields = np.broadcast_to(fields, batch + fields.shape[-1:]).reshape(-1, fields.shape[-1])
    return couplings, fields, batch


def log_partition(J, h) -> np.ndarray:
    """ln Z_s = ln sum_Y e^{s(Y)} by enumerating all 3^N labellings, seed 004 Problem 1.

    J has shape (...) and h (..., N) (node fields); models broadcast and the result has the batch shape.
    """
    couplings, fields, batch = _models(J, h)
    out = np.empty(len(couplings))
    for model in range(len(couplings)):
        _, scores = _all_scores(couplings[model], fields[model])
        out[model] = logsumexp(scores)
    return out.reshape(batch)


def log_partition_uniform(J, h, N: int) -> np.ndarray:
    """ln Z_s of rings of N nodes with the same field h at every node; J and h broadcast to the batch shape."""
    couplings, fields = np.broadcast_arrays(np.asarray(J, dtype=np.float64), np.asarray(h, dtype=np.float64))
    return log_partition(couplings, np.repeat(fields[..., None], int(N), axis=-1))


def log_probability(Y, J: float = 1.0, h=None) -> np.ndarray:
    """ln P_s(Y) = s(Y) - ln Z_s, seed 004 Problem 1."""
    labels = _labels_array(Y)
    fields = _node_fields(h, labels.shape[-1])
    return score(labels, J, fields) - log_partition(J, fields)


def _with_node_set(y: np.ndarray, n: int) -> np.ndarray:
    """The three labellings Y[n=v] for v = -1, 0, 1, shape (3, N)."""
    changed = np.repeat(y[None, :], len(_LABELS), axis=0)
    changed[:, n] = _LABELS
    return changed


def conditionals(Y, J: float = 1.0, h=None) -> np.ndarray:
    """P_n(v | Y/n) = e^{s(Y[n=v])} / Z_n with Z_n = sum_{v in {-1,0,1}} e^{s(Y[n=v])}, seed 004 Problem 1(a).

    Y has shape (N,) or (S, N); returns (..., N, 3), the last axis over v = -1, 0, 1.
    Claims: 004-1a-z, 004-1b-scores, 004-1b-z, 004-1b-p.
    """
    labels = _labels_array(Y)
    rows = labels.reshape(-1, labels.shape[-1])  # (S, N)
    N = rows.shape[1]
    fields = _node_fields(h, N)
    out = np.empty((len(rows), N, len(_LABELS)))
    for row_index, y in enumerate(rows):
        for n in range(N):
            changed = _with_node_set(y, n)  # (3, N): Y[n=-1], Y[n=0], Y[n=1]
            changed_scores = score(changed, J, fields)  # (3,)
            out[row_index, n] = np.exp(changed_scores - logsumexp(changed_scores))
    return out.reshape(labels.shape + (len(_LABELS),))


def neg_log_pseudo_likelihood(Y, J: float = 1.0, h=None) -> np.ndarray:
    """-ln P~_s(Y) = -sum_n ln P_n(Y[n] | Y/n), seed 004 Problem 1(a).

    For J = 1, h = 0 it is N ln 3 at Y = 0 and N ln(1 + e^-2 + e^-4) at Y = 1 when N >= 2 (the document prints
    these with the wrong sign, claims 004-1a and 004-1b); the N = 1 ring is the exception.

    ln P_n(Y[n] | Y/n) = s(Y) - ln Z_n is taken in log space, so that a conditional too small for exp (strong
    couplings) still gives its finite logarithm.
    Claims: 004-1a, 004-1b.
    """
    labels = _labels_array(Y)
    rows = labels.reshape(-1, labels.shape[-1])  # (S, N)
    fields = _node_fields(h, rows.shape[1])
    out = np.empty(len(rows))
    for row_index, y in enumerate(rows):
        total = 0.0
        for n in range(len(y)):
            changed_scores = score(_with_node_set(y, n), J, fields)  # (3,): Y[n=-1], Y[n=0], Y[n=1]
            total -= changed_scores[y[n] + 1] - logsumexp(changed_scores)
        out[row_index] = total
    return out.reshape(labels.shape[:-1]) if labels.ndim > 1 else out[0]


def expected_statistics(J, h) -> tuple[np.ndarray, np.ndarray]:
    """(E[sum of edge products], E[Y[n]]) under P_s by enumeration: the gradient of ln Z_s in J and h.

    J has shape (...) and h (..., N); returns arrays of shapes (...) and (..., N).
    """
    couplings, fields, batch = _models(J, h)
    N = fields.shape[1]
    edge_means = np.empty(len(couplings))
    node_means = np.empty((len(couplings), N))
    for model in range(len(couplings)):
        Y, scores = _all_scores(couplings[model], fields[model])
        probabilities = np.exp(scores - logsumexp(scores))  # (3^N,)
        edge_means[model] = probabilities @ _edge_sums(Y)
        node_means[model] = probabilities @ Y
    return edge_means.reshape(batch), node_means.reshape(batch + (N,))


def sample(J: float, h, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """`num_samples` labellings drawn exactly from P_s by enumerating it, each by the inverse CDF of one uniform
    (the half-open rule of `reference.sampler.inverse_cdf`); h is (N,). Returns (num_samples, N)."""
    fields = np.asarray(h, dtype=np.float64)
    if fields.ndim != 1:
        raise ValueError(f"h: expected node fields of shape (N,), got shape {fields.shape}")
    if int(num_samples) < 0:
        raise ValueError(f"num_samples: expected an integer >= 0, got {num_samples!r}")
    Y, scores = _all_scores(float(J), fields)
    probabilities = np.exp(scores - logsumexp(scores))
    uniforms = rng.random(int(num_samples))
    return Y[np.array([inverse_cdf(probabilities, u) for u in uniforms], dtype=np.int64)]


def _root_on_bound(gradient) -> float:
    """The root of a nondecreasing gradient(J) in [-20, 20] by Brent's method; the nearer end if it has none there,
    NaN if the gradient is zero at both ends (a flat objective: the samples say nothing about J)."""
    low, high = gradient(-FIT_BOUND), gradient(FIT_BOUND)
    if low >= 0 and high <= 0:
        return float("nan")
    if low >= 0:
        return -FIT_BOUND
    if high <= 0:
        return FIT_BOUND
    return float(brentq(gradient, -FIT_BOUND, FIT_BOUND, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))


def fit_maximum_likelihood(Y, h=0.0) -> float:
    """The J with E_J[edges] = mean_s edges(Y_s) (the stationary point of mean_s ln P_s(Y_s)), the field h known."""
    labels = _labels_array(Y)
    fields = _node_fields(h, labels.shape[-1])
    mean_edges = _edge_sums(labels.reshape(-1, labels.shape[-1])).mean()

    def gradient(J: float) -> float:
        return float(expected_statistics(J, fields)[0]) - mean_edges

    return _root_on_bound(gradient)


def fit_pseudo_likelihood(Y, h=0.0) -> float:
    """The J where d/dJ mean_s -ln P~_s(Y_s) = mean_s sum_n (sum_v P_n(v | Y/n) edges(Y[n=v]) - edges(Y)) is zero."""
    labels = _labels_array(Y)
    rows = labels.reshape(-1, labels.shape[-1])  # (S, N)
    N = rows.shape[1]
    fields = _node_fields(h, N)

    def gradient(J: float) -> float:
        probabilities = conditionals(rows, J, fields)  # (S, N, 3)
        total = 0.0
        for row_index, y in enumerate(rows):
            for n in range(N):
                total += probabilities[row_index, n] @ _edge_sums(_with_node_set(y, n))
                total -= _edge_sums(y[None])[0]
        return total / len(rows)

    return _root_on_bound(gradient)
