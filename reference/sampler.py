"""The discrete GAN generator of seed 004 Problem 2 and the remedies for its vanishing gradient, in NumPy float64.

Words are 0..I-1 as in the problem. The generator's parameters are a bigram model, P[i] = P(w_1 = i) and
Q[i, j] = P(w_{t+1} = j | w_t = i), and its noise is eps_1..eps_T drawn uniformly from [0, 1]. A word is chosen
by the inverse CDF: with c_i = sum_{j<=i} P[j], word i owns the half-open interval [c_{i-1}, c_i) (claim 004-2a).
Half-open intervals make the word unique for every eps in [0, 1) and never choose a word of probability zero,
whose interval is empty; eps = 1 exactly (probability zero, but inside the problem's closed interval) goes to the
last word of positive probability, closing that word's interval at 1, so a zero-probability word is never drawn
there either. The same rule covers eps above a float64 cumulative sum that ends a rounding error below 1.

Problem 2(c) (claim 004-2c): the words are piecewise constant in (P, Q), so their derivative is zero almost
everywhere; the remedies below are the straight-through gradient (the VQ-VAE rule of Problem 4) and the
Gumbel-softmax relaxation.
"""

from __future__ import annotations

import numpy as np

from elbocheck.shared.sampler import SUM_TOLERANCE, check_strings, check_temperature


def check_distribution(P, name: str = "P") -> None:
    """Raise ValueError unless P is a non-empty vector (or each row of a matrix) of finite non-negative numbers
    summing to 1 within SUM_TOLERANCE (a float32 normalisation passes, a forgotten one does not)."""
    array = np.asarray(P, dtype=np.float64)
    if array.ndim not in (1, 2) or array.shape[-1] == 0 or array.size == 0:
        raise ValueError(f"{name}: expected a non-empty probability vector or matrix of probability rows, "
                         f"got shape {array.shape}")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"{name}: expected finite non-negative probabilities")
    totals = array.sum(axis=-1)
    if np.any(np.abs(totals - 1.0) > SUM_TOLERANCE):
        raise ValueError(f"{name}: expected probabilities summing to 1 along the last axis, got sums "
                         f"{np.atleast_1d(totals)[:4].tolist()}")


def check_noise(eps, name: str = "eps") -> None:
    """Raise ValueError unless every noise value is a number in [0, 1] (NaN is not)."""
    array = np.asarray(eps, dtype=np.float64)
    if not np.all((array >= 0.0) & (array <= 1.0)):
        raise ValueError(f"{name}: expected uniform noise values in [0, 1]")


def check_bigram(P, Q) -> None:
    """Raise ValueError unless P is an (I,) distribution and Q an (I, I) matrix of distribution rows."""
    check_distribution(P, "P")
    check_distribution(Q, "Q")
    if tuple(Q.shape) != (P.shape[0], P.shape[0]):
        raise ValueError(f"Q: expected shape ({P.shape[0]}, {P.shape[0]}) to match P, got {tuple(Q.shape)}")


def inverse_cdf(probabilities: np.ndarray, e: float) -> int:
    """The i with e in [c_{i-1}, c_i), c_i = sum_{j<=i} p[j], by a loop over the cumulative sum (claim 004-2a);
    e at or beyond the last boundary gives the last word of positive probability.
    Claims: 004-2a.
    """
    c = 0.0
    last_positive = 0
    for i, p in enumerate(probabilities):
        c = c + p
        if p > 0:
            last_positive = i
        if e < c:
            return i
    return last_positive


def first_word(P: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """w-hat(P, eps_1) of seed 004 Problem 2(a) for each eps: P(w-hat = i) = P[i]; (B,) int64.

    Claims: 004-2a.
    """
    check_distribution(P, "P")
    check_noise(eps)
    eps = np.asarray(eps, dtype=np.float64)
    if eps.ndim != 1:
        raise ValueError(f"eps: expected shape (B,), got {eps.shape}")
    words = np.empty(eps.shape, dtype=np.int64)
    for b, e in enumerate(eps):
        words[b] = inverse_cdf(P, e)
    return words


def next_word(Q: np.ndarray, previous: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """w-hat(Q, w_t, eps) of seed 004 Problem 2(b) for each (w_t, eps): P(w-hat = j) = Q[w_t, j]; (B,) int64.

    The inverse CDF of row Q[w_t]; the upper boundary of word j is the cumulative sum sum_{k<=j} Q[w_t, k], where
    the problem prints sum_{k<=j} Q[w_t, j], whose summand does not depend on k (claim 004-2b).
    Claims: 004-2b.
    """
    check_distribution(Q, "Q")
    check_noise(eps)
    previous = np.asarray(previous)
    eps = np.asarray(eps, dtype=np.float64)
    if previous.ndim != 1 or previous.shape != eps.shape:
        raise ValueError(f"previous: expected the shape of eps {eps.shape}, got {previous.shape}")
    if previous.size and (previous.min() < 0 or previous.max() >= Q.shape[0]):
        raise ValueError(f"previous: expected words in 0..{Q.shape[0] - 1}")
    words = np.empty(eps.shape, dtype=np.int64)
    for b, (w, e) in enumerate(zip(previous, eps)):
        words[b] = inverse_cdf(Q[int(w)], e)
    return words


def sample_strings(P: np.ndarray, Q: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """Strings w_1..w_T from noise eps (B, T): w_1 = w-hat(P, eps_1), w_{t+1} = w-hat(Q, w_t, eps_{t+1}); (B, T).

    Each word takes its own noise value. Problem 2(b) as printed feeds eps_t to the step that returns w_{t+1},
    which with the T values eps_1..eps_T reuses eps_1 for w_1 and w_2 (so w_2 given w_1 is not distributed as
    Q[w_1]) and leaves eps_T unused.
    Claims: 004-2a, 004-2b, 004-2b-noise, 004-2c.
    """
    check_bigram(P, Q)
    eps = np.asarray(eps, dtype=np.float64)
    if eps.ndim != 2 or eps.shape[1] < 1:
        raise ValueError(f"eps: expected shape (B, T) with T >= 1, got {eps.shape}")
    check_noise(eps)
    count, length = eps.shape
    words = np.empty((count, length), dtype=np.int64)
    for b in range(count):
        words[b, 0] = inverse_cdf(P, eps[b, 0])
        for t in range(1, length):
            words[b, t] = inverse_cdf(Q[words[b, t - 1]], eps[b, t])
    return words


def string_probabilities(P: np.ndarray, Q: np.ndarray, strings: np.ndarray) -> np.ndarray:
    """p(w) = P[w_1] prod_t Q[w_t, w_{t+1}] for each string of `strings` (N, T); (N,)."""
    check_bigram(P, Q)
    strings = np.asarray(strings)
    check_strings(strings, P.shape[0])
    probabilities = np.empty(strings.shape[0])
    for n, string in enumerate(strings):
        p = P[string[0]]
        for t in range(1, strings.shape[1]):
            p = p * Q[string[t - 1], string[t]]
        probabilities[n] = p
    return probabilities


def straight_through_strings(P: np.ndarray, Q: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """The value of the straight-through strings (B, T, I): the one-hot encoding of sample_strings(P, Q, eps). The
    estimator changes only the backward pass (dy/dp = I, Bengio et al. 2013), which straight_through_gradient writes
    out; ValueError as sample_strings."""
    words = sample_strings(P, Q, eps)  # (B, T)
    return np.eye(np.asarray(P).shape[0])[words]


def straight_through_gradient(P: np.ndarray, Q: np.ndarray, eps: np.ndarray, upstream: np.ndarray):
    """(dL/dP, dL/dQ) of the straight-through estimator for L = sum_{b,t,i} upstream[b,t,i] y[b,t,i].

    The forward value y[b, t] is the one-hot vector of the sampled word; the backward pass treats it as the
    probability vector it was drawn from (P for t = 1, Q[w_{t-1}] after), so dL/dP = sum_b upstream[b, 1] and
    row i of dL/dQ sums upstream[b, t] over the steps with w_{t-1} = i (seed 004 Problem 4: straight-through).
    Claims: 004-2c.
    """
    words = sample_strings(P, Q, eps)
    upstream = np.asarray(upstream, dtype=np.float64)
    if upstream.shape != words.shape + (P.shape[0],):
        raise ValueError(f"upstream: expected shape {words.shape + (P.shape[0],)}, got {upstream.shape}")
    grad_P = np.zeros_like(P, dtype=np.float64)
    grad_Q = np.zeros_like(Q, dtype=np.float64)
    for b in range(words.shape[0]):
        grad_P += upstream[b, 0]
        for t in range(1, words.shape[1]):
            grad_Q[words[b, t - 1]] += upstream[b, t]
    return grad_P, grad_Q


def gumbel_noise(shape, rng: np.random.Generator) -> np.ndarray:
    """g = -log(-log u), u ~ U(0, 1), the standard Gumbel distribution."""
    u = rng.uniform(np.finfo(np.float64).tiny, 1.0, size=shape)
    return -np.log(-np.log(u))


def gumbel_softmax(logits: np.ndarray, gumbel: np.ndarray, temperature: float) -> np.ndarray:
    """y = softmax((logits + g) / tau) along the last axis (Jang et al. 2017; Maddison et al. 2017).

    argmax_i (logits_i + g_i) is distributed as softmax(logits) (the Gumbel-max trick), and y tends to its
    one-hot vector as tau -> 0. Logits of -inf (words of probability zero) get y = 0.
    """
    check_temperature(temperature)
    logits = np.asarray(logits, dtype=np.float64)
    gumbel = np.asarray(gumbel, dtype=np.float64)
    scores = (logits + gumbel) / temperature  # (..., I)
    flat = scores.reshape(-1, scores.shape[-1])
    out = np.empty_like(flat)
    for row, s in enumerate(flat):
        top = np.max(s)
        weights = np.exp(s - top)
        out[row] = weights / np.sum(weights)
    return out.reshape(scores.shape)


def gumbel_softmax_strings(P: np.ndarray, Q: np.ndarray, gumbel: np.ndarray, temperature: float) -> np.ndarray:
    """Relaxed strings: y_1 = gumbel_softmax(log P, g_1), y_{t+1} = gumbel_softmax(log(y_t Q), g_{t+1}); (B, T, I).

    y_t Q is the next-word distribution averaged over the relaxed word y_t; as tau -> 0, y_t becomes one-hot and
    y_t Q the row Q[w_t], so the strings tend to bigram samples.
    """
    check_bigram(P, Q)
    gumbel = np.asarray(gumbel, dtype=np.float64)
    if gumbel.ndim != 3 or gumbel.shape[2] != P.shape[0] or gumbel.shape[1] < 1:
        raise ValueError(f"gumbel: expected shape (B, T, {P.shape[0]}) with T >= 1, got {gumbel.shape}")
    count, length, _ = gumbel.shape
    y = np.empty(gumbel.shape)
    for b in range(count):
        distribution = P
        for t in range(length):
            y[b, t] = gumbel_softmax(_log(distribution), gumbel[b, t], temperature)
            distribution = y[b, t] @ Q
    return y


def _log(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p)


def vector_quantize(z_e: np.ndarray, codebook: np.ndarray):
    """VQ-VAE quantisation: k_b = argmin_k ||z_e[b] - e_k||^2 (lowest k on ties), z_q[b] = e_{k_b}.

    Returns (z_q (B, d), k (B,) int64). Seed 004 Problem 4 (claim 004-4): k is discrete, so dz_q/dz_e = 0 off ties.
    Claims: 004-4.
    """
    check_codebook(z_e, codebook)
    z_q = np.empty_like(z_e, dtype=np.float64)
    indices = np.empty(z_e.shape[0], dtype=np.int64)
    for b, z in enumerate(z_e):
        best, best_distance = 0, np.inf
        for k, e in enumerate(codebook):
            distance = np.sum((z - e) ** 2)
            if distance < best_distance:
                best, best_distance = k, distance
        indices[b] = best
        z_q[b] = codebook[best]
    return z_q, indices


def vq_losses(z_e: np.ndarray, codebook: np.ndarray):
    """(codebook loss, commitment loss) = (mean_b ||sg(z_e[b]) - e_{k_b}||^2, mean_b ||z_e[b] - sg(e_{k_b})||^2).

    Equal in value; they differ in which side receives the gradient (sg = stop-gradient). The codebook loss is
    the K-means term of seed 004 Problem 4: its minimiser over e_k is the mean of the z_e assigned to k.
    """
    z_q, _ = vector_quantize(z_e, codebook)
    loss = float(np.mean(np.sum((z_e - z_q) ** 2, axis=1)))
    return loss, loss


def vq_gradients(z_e: np.ndarray, codebook: np.ndarray, upstream: np.ndarray, beta: float):
    """(dL/dz_e, dL/dcodebook) for L = <upstream, z_q> + codebook loss + beta * commitment loss, straight-through.

    Straight-through (van den Oord et al. 2017, seed 004 Problem 4): dz_q/dz_e is taken as the identity, so
    dL/dz_e[b] = upstream[b] + 2 beta (z_e[b] - e_{k_b}) / B and dL/de_k = sum_{b: k_b = k} 2 (e_k - z_e[b]) / B.
    """
    upstream = np.asarray(upstream, dtype=np.float64)
    if upstream.shape != z_e.shape:
        raise ValueError(f"upstream: expected the shape of z_e {z_e.shape}, got {upstream.shape}")
    if not (np.isfinite(float(beta)) and float(beta) >= 0):
        raise ValueError(f"beta: expected a non-negative finite commitment weight, got {beta!r}")
    z_q, indices = vector_quantize(z_e, codebook)
    count = z_e.shape[0]
    grad_z_e = np.empty_like(z_q)
    grad_codebook = np.zeros_like(codebook, dtype=np.float64)
    for b in range(count):
        grad_z_e[b] = upstream[b] + 2.0 * beta * (z_e[b] - z_q[b]) / count
        grad_codebook[indices[b]] += 2.0 * (z_q[b] - z_e[b]) / count
    return grad_z_e, grad_codebook


def check_codebook(z_e, codebook) -> None:
    """Raise ValueError unless z_e is (B, d) and codebook (K, d) with K >= 1, all finite."""
    if z_e.ndim != 2 or z_e.shape[0] < 1:
        raise ValueError(f"z_e: expected shape (B, d) with B >= 1, got {tuple(z_e.shape)}")
    if codebook.ndim != 2 or codebook.shape[0] < 1 or codebook.shape[1] != z_e.shape[1]:
        raise ValueError(f"codebook: expected shape (K, {z_e.shape[1]}) with K >= 1, got {tuple(codebook.shape)}")
    for name, array in (("z_e", z_e), ("codebook", codebook)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name}: expected finite numbers")
