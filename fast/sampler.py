"""The discrete GAN generator of seed 004 Problem 2, vectorised over a batch of strings, on any device; mirrors
`reference.sampler`, plus the estimators that do or do not give its parameters a gradient.

Words are chosen by `torch.searchsorted(c, eps, right=True)` on a float64 cumulative sum c, which is the
half-open rule c_{i-1} <= eps < c_i of claim 004-2a; eps at or beyond the last boundary (eps = 1) gives the last
word of positive probability, as in the reference.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from elbocheck.shared.sampler import SUM_TOLERANCE, check_strings, check_temperature


def check_distribution(P: torch.Tensor, name: str = "P") -> None:
    """Raise ValueError naming `name` unless P (I,) or each row of a matrix P (I', I) holds finite non-negative
    numbers summing to 1 within SUM_TOLERANCE (a float32 normalisation passes, a forgotten one does not).
    """
    if P.ndim not in (1, 2) or P.numel() == 0:
        raise ValueError(f"{name}: expected a non-empty probability vector or matrix of probability rows, "
                         f"got shape {tuple(P.shape)}")
    values = P.detach().to(torch.float64)
    if not bool((torch.isfinite(values) & (values >= 0)).all()):
        raise ValueError(f"{name}: expected finite non-negative probabilities")
    if bool(((values.sum(dim=-1) - 1.0).abs() > SUM_TOLERANCE).any()):
        raise ValueError(f"{name}: expected probabilities summing to 1 along the last axis")


def check_noise(eps: torch.Tensor, name: str = "eps") -> None:
    """Raise ValueError unless every noise value is a number in [0, 1] (NaN is not)."""
    if not bool(((eps >= 0) & (eps <= 1)).all()):
        raise ValueError(f"{name}: expected uniform noise values in [0, 1]")


def check_bigram(P: torch.Tensor, Q: torch.Tensor) -> None:
    """Raise ValueError unless P is an (I,) distribution and Q an (I, I) matrix of distribution rows."""
    check_distribution(P, "P")
    check_distribution(Q, "Q")
    if P.ndim != 1 or tuple(Q.shape) != (P.shape[0], P.shape[0]):
        raise ValueError(f"Q: expected shape ({P.shape[0]}, {P.shape[0]}) to match P of shape (I,), "
                         f"got {tuple(Q.shape)}")


def _boundaries(probabilities: torch.Tensor) -> torch.Tensor:
    """c_i = sum_{j<=i} p[j] in float64 along the last axis, with c_i = c_{i-1} exactly where p[i] = 0.

    The running maximum over the entries of positive probability is a no-op for a sequential sum (the CPU);
    it keeps the intervals of zero-probability words empty under a parallel scan's rounding (CUDA).
    """
    p = probabilities.detach().to(torch.float64)
    c = torch.cumsum(p, dim=-1)
    return torch.where(p > 0, c, torch.zeros_like(c)).cummax(dim=-1).values


def _last_positive(probabilities: torch.Tensor) -> torch.Tensor:
    """The index of the last entry of positive probability along the last axis (int64)."""
    positive = (probabilities.detach() > 0).flip(-1).to(torch.int8)
    return probabilities.shape[-1] - 1 - positive.argmax(dim=-1)


def inverse_cdf(probabilities: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """The i with c_{i-1} <= u < c_i, c_i = sum_{j<=i} p[j] (claim 004-2a), for each row of `probabilities`
    (..., n) and value of `u` (...); u at or beyond the last boundary (a float cumulative sum that ends a rounding
    error below 1) gives the last index of positive probability, so an index of probability 0 is never returned.
    The rule of `reference.sampler.inverse_cdf`, used by every sampler of `fast`; (...) int64."""
    rows = _boundaries(probabilities)  # (..., n)
    values = u.detach().to(torch.float64).reshape(rows.shape[:-1] + (1,)).contiguous()
    index = torch.searchsorted(rows.contiguous(), values, right=True).squeeze(-1)
    return torch.minimum(index, _last_positive(probabilities))


def first_word(P: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """w-hat(P, eps_1) of seed 004 Problem 2(a) for each eps: the i with c_{i-1} <= eps < c_i, c_i = sum_{j<=i} P[j], so
    P(w-hat = i) = P[i]; eps = 1 gives the last word of positive probability. P (I,), eps (B,) -> (B,) int64.

    Raises ValueError unless P is a distribution of shape (I,), eps has shape (B,) and every eps lies in [0, 1].
    Claims: 004-2a.
    """
    check_distribution(P, "P")
    if P.ndim != 1 or eps.ndim != 1:
        raise ValueError(f"eps: expected P of shape (I,) and eps of shape (B,), got {tuple(P.shape)} and "
                         f"{tuple(eps.shape)}")
    check_noise(eps)
    words = torch.searchsorted(_boundaries(P), eps.detach().to(torch.float64), right=True)
    return torch.minimum(words, _last_positive(P))


def _next_words(cumulative_Q, last_Q, previous, eps) -> torch.Tensor:
    rows = cumulative_Q[previous]  # (B, I)
    words = torch.searchsorted(rows, eps.detach().to(torch.float64).reshape(-1, 1), right=True)[:, 0]
    return torch.minimum(words, last_Q[previous])


def next_word(Q: torch.Tensor, previous: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """w-hat(Q, w_t, eps) of seed 004 Problem 2(b) for each (w_t, eps): the inverse CDF of row Q[w_t], boundaries
    sum_{k<=j} Q[w_t, k] (claim 004-2b), so P(w-hat = j) = Q[w_t, j]. Q (I, I), previous and eps (B,) -> (B,) int64.

    Raises ValueError unless each row of Q is a distribution, `previous` (B,) holds words in 0..I-1 with the shape of
    `eps`, and every eps lies in [0, 1].
    Claims: 004-2b.
    """
    check_distribution(Q, "Q")
    if previous.ndim != 1 or tuple(previous.shape) != tuple(eps.shape):
        raise ValueError(f"previous: expected the shape of eps {tuple(eps.shape)} (1-D), got {tuple(previous.shape)}")
    if previous.numel() and bool(((previous < 0) | (previous >= Q.shape[0])).any()):
        raise ValueError(f"previous: expected words in 0..{Q.shape[0] - 1}")
    check_noise(eps)
    return _next_words(_boundaries(Q), _last_positive(Q), previous.long(), eps)


def sample_strings(P: torch.Tensor, Q: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """Strings w_1..w_T from noise eps (B, T): w_1 = w-hat(P, eps_1), w_{t+1} = w-hat(Q, w_t, eps_{t+1}); (B, T)
    int64. Each word takes its own noise value (see `reference.sampler.sample_strings` on the index of eps in 2(b)).

    Raises ValueError unless P (I,) and Q (I, I) are distributions, eps has shape (B, T) with T >= 1 and every eps
    lies in [0, 1].
    Claims: 004-2a, 004-2b, 004-2b-noise, 004-2c.
    """
    check_bigram(P, Q)
    if eps.ndim != 2 or eps.shape[1] < 1:
        raise ValueError(f"eps: expected shape (B, T) with T >= 1, got {tuple(eps.shape)}")
    check_noise(eps)
    noise = eps.detach().to(torch.float64).T.contiguous()  # (T, B)
    cumulative_Q, last_Q = _boundaries(Q), _last_positive(Q)  # (I, I), (I,)
    word = torch.minimum(torch.searchsorted(_boundaries(P), noise[0], right=True), _last_positive(P))
    words = [word]
    for t in range(1, noise.shape[0]):
        word = _next_words(cumulative_Q, last_Q, word, noise[t])
        words.append(word)
    return torch.stack(words, dim=1)


def string_probabilities(P: torch.Tensor, Q: torch.Tensor, strings: torch.Tensor) -> torch.Tensor:
    """p(w) = P[w_1] prod_t Q[w_t, w_{t+1}] for each row of `strings` (N, T) of words in 0..I-1, differentiable in P
    and Q; (N,) probabilities.

    Raises ValueError unless P (I,) and Q (I, I) are distributions.
    """
    check_bigram(P, Q)
    check_strings(strings, P.shape[0])
    strings = strings.long()
    probabilities = P[strings[:, 0]]
    for t in range(1, strings.shape[1]):
        probabilities = probabilities * Q[strings[:, t - 1], strings[:, t]]
    return probabilities


def straight_through_strings(P: torch.Tensor, Q: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """One-hot strings (B, T, I) whose backward pass is that of the probabilities they were drawn from.

    y = onehot(w) + (p - sg(p)), p_1 = P, p_{t+1} = Q[w_t]: the value is exactly the one-hot sample, the gradient
    dy/dp = I is the straight-through estimator (Bengio et al. 2013; the VQ-VAE rule of seed 004 Problem 4).
    """
    words = sample_strings(P, Q, eps)  # (B, T)
    hard = F.one_hot(words, P.shape[0]).to(P.dtype)  # (B, T, I)
    soft = torch.cat([P.expand(words.shape[0], 1, -1), Q[words[:, :-1]]], dim=1)  # (B, T, I)
    return hard + (soft - soft.detach())


def straight_through_gradient(P: torch.Tensor, Q: torch.Tensor, eps: torch.Tensor, upstream: torch.Tensor):
    """(dL/dP (I,), dL/dQ (I, I)) of the straight-through estimator for L = sum_{b,t,i} upstream[b,t,i] y[b,t,i],
    y = straight_through_strings(P, Q, eps), by autograd; upstream (B, T, I).

    Raises ValueError as sample_strings does, or unless `upstream` has the shape (B, T, I) of the one-hot strings.
    Claims: 004-2c.
    """
    leaf_P, leaf_Q = P.detach().requires_grad_(True), Q.detach().requires_grad_(True)
    y = straight_through_strings(leaf_P, leaf_Q, eps)
    if tuple(upstream.shape) != tuple(y.shape):
        raise ValueError(f"upstream: expected shape {tuple(y.shape)}, got {tuple(upstream.shape)}")
    return torch.autograd.grad((y * upstream).sum(), [leaf_P, leaf_Q])


def gumbel_noise(shape, generator: torch.Generator, dtype=torch.float64, device=None) -> torch.Tensor:
    """g = -log(-log u), u ~ U(0, 1) drawn from `generator` on its device, the standard Gumbel distribution;
    a tensor of `shape` and `dtype` on `device` (default: the generator's).
    """
    u = torch.rand(shape, generator=generator, dtype=dtype, device=generator.device)
    u = u.clamp_min(torch.finfo(dtype).tiny)
    return (-torch.log(-torch.log(u))).to(device if device is not None else generator.device)


def gumbel_softmax(logits: torch.Tensor, gumbel: torch.Tensor, temperature: float) -> torch.Tensor:
    """y = softmax((logits + g) / tau) along the last axis (Jang et al. 2017; Maddison et al. 2017); logits and
    gumbel broadcast, result of their shape (..., I), rows of probabilities.

    Raises ValueError unless `temperature` is a positive finite number.
    """
    check_temperature(temperature)
    return torch.softmax((logits + gumbel) / temperature, dim=-1)


def _log_probabilities(p: torch.Tensor) -> torch.Tensor:
    """log p with log 0 = -inf and a zero (not NaN) gradient at the zeros."""
    positive = p > 0
    return torch.where(positive, torch.log(torch.where(positive, p, torch.ones_like(p))), float("-inf"))


def gumbel_softmax_strings(P: torch.Tensor, Q: torch.Tensor, gumbel: torch.Tensor, temperature: float):
    """Relaxed strings: y_1 = gumbel_softmax(log P, g_1), y_{t+1} = gumbel_softmax(log(y_t Q), g_{t+1}); gumbel
    (B, T, I) -> (B, T, I), rows of probabilities.

    Raises ValueError unless P (I,) and Q (I, I) are distributions, gumbel has shape (B, T, I) with T >= 1, and
    `temperature` is a positive finite number.
    """
    check_bigram(P, Q)
    if gumbel.ndim != 3 or gumbel.shape[2] != P.shape[0] or gumbel.shape[1] < 1:
        raise ValueError(f"gumbel: expected shape (B, T, {P.shape[0]}) with T >= 1, got {tuple(gumbel.shape)}")
    distribution = P.expand(gumbel.shape[0], -1)  # (B, I)
    relaxed = []
    for t in range(gumbel.shape[1]):
        y = gumbel_softmax(_log_probabilities(distribution), gumbel[:, t], temperature)  # (B, I)
        relaxed.append(y)
        distribution = y @ Q
    return torch.stack(relaxed, dim=1)


def check_codebook(z_e: torch.Tensor, codebook: torch.Tensor) -> None:
    """Raise ValueError unless z_e is (B, d) and codebook (K, d) with K >= 1, all finite."""
    if z_e.ndim != 2 or z_e.shape[0] < 1:
        raise ValueError(f"z_e: expected shape (B, d) with B >= 1, got {tuple(z_e.shape)}")
    if codebook.ndim != 2 or codebook.shape[0] < 1 or codebook.shape[1] != z_e.shape[1]:
        raise ValueError(f"codebook: expected shape (K, {z_e.shape[1]}) with K >= 1, got {tuple(codebook.shape)}")
    for name, tensor in (("z_e", z_e), ("codebook", codebook)):
        if not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"{name}: expected finite numbers")


def _nearest_codes(z_e: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    distance = ((z_e.detach()[:, None, :] - codebook.detach()[None, :, :]) ** 2).sum(dim=-1)  # (B, K)
    return distance.argmin(dim=1)


def vector_quantize(z_e: torch.Tensor, codebook: torch.Tensor):
    """(z_q, k): k_b = argmin_k ||z_e[b] - e_k||^2 (lowest k on ties) and z_q = sg(e_k) + (z_e - sg(z_e)), whose
    value is exactly e_{k_b} and whose gradient passes straight through to z_e (VQ-VAE; seed 004 Problem 4, where
    claim 004-4 is that z_q alone gives z_e no gradient). z_e (B, d), codebook (K, d) -> z_q (B, d), k (B,) int64.

    Raises ValueError unless z_e is (B, d) with B >= 1 and codebook (K, d) with K >= 1, all finite.
    Claims: 004-4.
    """
    check_codebook(z_e, codebook)
    indices = _nearest_codes(z_e, codebook)  # (B,)
    return codebook[indices].detach() + (z_e - z_e.detach()), indices


def vq_losses(z_e: torch.Tensor, codebook: torch.Tensor):
    """(codebook loss, commitment loss) = (mean_b ||sg(z_e[b]) - e_{k_b}||^2, mean_b ||z_e[b] - sg(e_{k_b})||^2), two
    0-d tensors, squared distances averaged over the batch; z_e (B, d), codebook (K, d).

    Raises ValueError unless z_e is (B, d) with B >= 1 and codebook (K, d) with K >= 1, all finite.
    """
    check_codebook(z_e, codebook)
    chosen = codebook[_nearest_codes(z_e, codebook)]  # (B, d)
    codebook_loss = ((z_e.detach() - chosen) ** 2).sum(dim=1).mean()
    commitment_loss = ((z_e - chosen.detach()) ** 2).sum(dim=1).mean()
    return codebook_loss, commitment_loss


def vq_gradients(z_e: torch.Tensor, codebook: torch.Tensor, upstream: torch.Tensor, beta: float):
    """(dL/dz_e (B, d), dL/dcodebook (K, d)) for L = <upstream, z_q> + codebook loss + beta * commitment loss, by
    autograd: the straight-through rule for z_e, the codebook loss for the chosen codes.

    Raises ValueError unless `upstream` has the shape of z_e, `beta` is a non-negative finite number, and z_e and the
    codebook are as vector_quantize requires.
    """
    if tuple(upstream.shape) != tuple(z_e.shape):
        raise ValueError(f"upstream: expected the shape of z_e {tuple(z_e.shape)}, got {tuple(upstream.shape)}")
    if not (float(beta) >= 0 and float(beta) < float("inf")):
        raise ValueError(f"beta: expected a non-negative finite commitment weight, got {beta!r}")
    leaf_z, leaf_codebook = z_e.detach().requires_grad_(True), codebook.detach().requires_grad_(True)
    z_q, _ = vector_quantize(leaf_z, leaf_codebook)
    codebook_loss, commitment_loss = vq_losses(leaf_z, leaf_codebook)
    total = (upstream * z_q).sum() + codebook_loss + beta * commitment_loss
    return torch.autograd.grad(total, [leaf_z, leaf_codebook])
