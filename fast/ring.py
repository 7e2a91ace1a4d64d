"""Ring models over labels in {-1, 0, 1} by transfer matrices in log space, batched, in PyTorch; seed 004 Problem 1.

Same names and meaning as `reference.ring`. With edge n joining Y[n] and Y[n+1 mod N] (for N = 1 the edge Y[0]Y[0]),
the partition function is a trace, Z_s = trace(T_0 T_1 ... T_{N-1}) with T_n[a, b] = exp(J a b + h[n] a). Products
are taken in log space, (A (x) B)[i, k] = logsumexp_j(A[i, j] + B[j, k]), so N in the thousands and |J| in the
hundreds neither overflow nor underflow. Gradients in J and h are autograd's.
"""

from __future__ import annotations

import torch

from elbocheck.fast.sampler import inverse_cdf

_LABEL_VALUES = (-1.0, 0.0, 1.0)
FIT_BOUND = 20.0


def _values(like: torch.Tensor) -> torch.Tensor:
    """The labels -1, 0, 1 as a (3,) tensor of `like`'s dtype and device."""
    return torch.tensor(_LABEL_VALUES, dtype=like.dtype, device=like.device)


def _float_dtype(*values) -> torch.dtype:
    """The floating dtype of the first floating tensor among `values`, else float64."""
    for value in values:
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.dtype
    return torch.float64


def _device(*values) -> torch.device:
    for value in values:
        if isinstance(value, torch.Tensor):
            return value.device
    return torch.device("cpu")


def _as_float(value, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    return torch.as_tensor(value, dtype=dtype, device=device)


def _check_labels(Y: torch.Tensor) -> torch.Tensor:
    """Y as an int64 tensor of shape (..., N), N >= 1, with labels in {-1, 0, 1}."""
    if Y.dim() == 0 or Y.shape[-1] < 1:
        raise ValueError(f"Y: expected labels of shape (..., N) with N >= 1, got shape {tuple(Y.shape)}")
    if Y.is_floating_point() and not bool((torch.isfinite(Y) & (Y == Y.round())).all()):
        raise ValueError("Y: expected integer labels in {-1, 0, 1}")
    labels = Y.to(torch.int64)
    if labels.numel() and bool(((labels < -1) | (labels > 1)).any()):
        raise ValueError("Y: expected labels in {-1, 0, 1}")
    return labels


def _log_matmul(A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """ln(e^A e^B) for batches of square matrices: logsumexp_j(A[..., i, j] + B[..., j, k])."""
    return torch.logsumexp(A.unsqueeze(-1) + B.unsqueeze(-3), dim=-2)  # (..., n, n)


def _log_chain_product(log_T: torch.Tensor) -> torch.Tensor:
    """ln(e^{T_0} e^{T_1} ... e^{T_{N-1}}) for log_T of shape (..., N, 3, 3), by pairwise products (depth log N)."""
    factors = log_T
    while factors.shape[-3] > 1:
        count = factors.shape[-3]
        paired = _log_matmul(factors[..., 0 : count - 1 : 2, :, :], factors[..., 1:count:2, :, :])
        if count % 2:
            paired = torch.cat([paired, factors[..., count - 1 :, :, :]], dim=-3)
        factors = paired
    return factors[..., 0, :, :]  # (..., 3, 3)


def _log_matrix_power(log_T: torch.Tensor, N: int) -> torch.Tensor:
    """ln((e^{log_T})^N) for N >= 1 by repeated squaring in log space: O(log N) products."""
    result = None
    base = log_T
    remaining = int(N)
    while remaining:
        if remaining & 1:
            result = base if result is None else _log_matmul(result, base)
        remaining >>= 1
        if remaining:
            base = _log_matmul(base, base)
    return result


def _log_transfer_matrices(J, h: torch.Tensor) -> torch.Tensor:
    """ln T_n[a, b] = J a b + h[n] a for h of shape (..., N) and J broadcasting to (...); shape (..., N, 3, 3)."""
    values = _values(h)
    J = _as_float(J, h.dtype, h.device)
    coupling = J[..., None, None, None] * values[:, None] * values[None, :]  # (..., 1, 3, 3)
    field = h[..., :, None, None] * values[:, None]  # (..., N, 3, 1)
    return coupling + field


def log_partition(J, h: torch.Tensor) -> torch.Tensor:
    """ln Z_s = ln sum_Y e^{s(Y)} = ln trace(T_0 ... T_{N-1}) in nats, by transfer matrices in log space, for node
    fields h (..., N) and couplings J broadcasting to (...); result (...).

    Raises ValueError unless `h` has a last axis N >= 1.
    """
    if h.dim() == 0 or h.shape[-1] < 1:
        raise ValueError(f"h: expected node fields of shape (..., N) with N >= 1, got shape {tuple(h.shape)}")
    product = _log_chain_product(_log_transfer_matrices(J, h))  # (..., 3, 3)
    return torch.logsumexp(torch.diagonal(product, dim1=-2, dim2=-1), dim=-1)


def log_partition_uniform(J, h, N: int) -> torch.Tensor:
    """ln Z_s = ln trace(T^N) in nats for rings of N nodes with the same field h at every node,
    T[a, b] = exp(J a b + h (a + b) / 2); J and h broadcast to a batch shape (...) of models, result (...); T^N by
    repeated squaring in log space.

    Raises ValueError unless N >= 1.
    """
    if int(N) < 1:
        raise ValueError(f"N: expected an integer >= 1, got {N!r}")
    dtype, device = _float_dtype(J, h), _device(J, h)
    J, h = torch.broadcast_tensors(_as_float(J, dtype, device), _as_float(h, dtype, device))
    values = _values(J)
    log_T = (
        J[..., None, None] * values[:, None] * values[None, :]
        + h[..., None, None] * (values[:, None] + values[None, :]) / 2
    )  # (..., 3, 3)
    power = _log_matrix_power(log_T, int(N))
    return torch.logsumexp(torch.diagonal(power, dim1=-2, dim2=-1), dim=-1)


def _edge_sums(Y: torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """sum_{n=0}^{N-2} Y[n]Y[n+1] + Y[N-1]Y[0] of labellings Y (..., N); shape (...)."""
    y = Y.to(dtype)
    return (y * torch.roll(y, shifts=-1, dims=-1)).sum(dim=-1)


def score(Y: torch.Tensor, J=1.0, h=None) -> torch.Tensor:
    """s(Y) = J (sum_{n=0}^{N-2} Y[n]Y[n+1] + Y[N-1]Y[0]) + sum_n h[n]Y[n], seed 004 Problem 1 (J = 1, h = 0 there),
    for labellings Y (..., N); J broadcasts to (...), h to (..., N); result (...), a score in nats (ln of the
    unnormalised probability).

    Raises ValueError unless `Y` holds labels in {-1, 0, 1} with a last axis N >= 1.
    Claims: 004-1b-scores.
    """
    labels = _check_labels(Y)
    dtype, device = _float_dtype(J, h), labels.device
    y = labels.to(dtype)
    fields = torch.zeros((), dtype=dtype, device=device) if h is None else _as_float(h, dtype, device)
    return _as_float(J, dtype, device) * _edge_sums(labels, dtype) + (fields * y).sum(dim=-1)


def log_probability(Y: torch.Tensor, J, h: torch.Tensor) -> torch.Tensor:
    """ln P_s(Y) = s(Y) - ln Z_s in nats, seed 004 Problem 1, for labellings Y (..., N) under one model (scalar J,
    h of shape (N,)); result (...).

    Raises ValueError unless `Y` holds labels in {-1, 0, 1} with a last axis N >= 1.
    """
    return score(Y, J, h) - log_partition(J, h)


def _conditional_logits(Y: torch.Tensor, J, h=None) -> torch.Tensor:
    """s(Y[n=v]) - s(Y[n=0]) for every node n and v in (-1, 0, 1): shape (..., N, 3).

    For N >= 2 it is v (J (Y[n-1] + Y[n+1]) + h[n]) (both ring neighbours; for N = 2 the same node twice, as the
    two edges Y[0]Y[1] + Y[1]Y[0] say); for N = 1 the self-edge makes it J v^2 + h v.
    """
    labels = _check_labels(Y)
    dtype, device = _float_dtype(J, h), labels.device
    y = labels.to(dtype)
    values = torch.tensor(_LABEL_VALUES, dtype=dtype, device=device)
    J = _as_float(J, dtype, device)
    fields = torch.zeros((), dtype=dtype, device=device) if h is None else _as_float(h, dtype, device)
    N = labels.shape[-1]
    if fields.ndim and fields.shape[-1] not in (1, N):
        raise ValueError(f"h: expected a scalar or node fields of shape (..., {N}), got shape {tuple(fields.shape)}")
    for name, value in (("J", J), ("h", fields)):
        if not bool(torch.isfinite(value).all()):
            raise ValueError(f"{name}: expected finite numbers")
    if N == 1:
        fields_at_node = torch.broadcast_to(fields, labels.shape)[..., None]  # (..., 1, 1)
        return J[..., None, None] * values**2 + fields_at_node * values
    neighbours = torch.roll(y, 1, dims=-1) + torch.roll(y, -1, dims=-1)  # (..., N)
    local_field = J[..., None] * neighbours + fields  # (..., N)
    return local_field[..., None] * values  # (..., N, 3)


def conditionals(Y: torch.Tensor, J=1.0, h=None) -> torch.Tensor:
    """P_n(v | Y/n) = e^{s(Y[n=v])} / Z_n with Z_n = sum_{v in {-1, 0, 1}} e^{s(Y[n=v])}, seed 004 Problem 1(a), for
    every node n and v in (-1, 0, 1): Y (..., N) -> probabilities (..., N, 3).

    Raises ValueError unless `Y` holds labels in {-1, 0, 1} with a last axis N >= 1.
    Claims: 004-1a-z, 004-1b-scores, 004-1b-z, 004-1b-p.
    """
    return torch.softmax(_conditional_logits(Y, J, h), dim=-1)


def neg_log_pseudo_likelihood(Y: torch.Tensor, J=1.0, h=None) -> torch.Tensor:
    """-ln P~_s(Y) = -sum_n ln P_n(Y[n] | Y/n) in nats per labelling, seed 004 Problem 1(a)-(b), for Y (..., N);
    result (...).

    Raises ValueError unless `Y` holds labels in {-1, 0, 1} with a last axis N >= 1.
    Claims: 004-1a, 004-1b.
    """
    labels = _check_labels(Y)
    log_conditionals = torch.log_softmax(_conditional_logits(labels, J, h), dim=-1)  # (..., N, 3)
    chosen = log_conditionals.gather(-1, (labels + 1).unsqueeze(-1)).squeeze(-1)  # (..., N)
    return -chosen.sum(dim=-1)


def expected_statistics(J, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(E[sum of edge products], E[Y[n]]) under P_s = (d ln Z / dJ, d ln Z / dh) by autograd, the gradient of
    ln Z_s in J and h; shapes (...) and (..., N) for h (..., N) and J broadcasting to (...).

    Raises ValueError unless `h` has a last axis N >= 1.
    """
    with torch.enable_grad():
        J = _as_float(J, h.dtype, h.device).detach().requires_grad_(True)
        fields = h.detach().requires_grad_(True)
        batch = torch.broadcast_shapes(J.shape, fields.shape[:-1])
        log_Z = log_partition(J.expand(batch), fields.expand(batch + fields.shape[-1:]))
        grad_J, grad_h = torch.autograd.grad(log_Z.sum(), (J, fields))
    return torch.broadcast_to(grad_J, batch), torch.broadcast_to(grad_h, batch + h.shape[-1:])


def _categorical(logits: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """The index k with cdf[k-1] <= u < cdf[k] of softmax(logits) (..., 3) for uniforms u (...): inverse-CDF
    sampling by the one half-open rule of `fast.sampler.inverse_cdf` (a label of probability 0 is never drawn)."""
    return inverse_cdf(torch.softmax(logits, dim=-1), uniforms)


def sample(J, h: torch.Tensor, num_samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """`num_samples` labellings drawn exactly from P_s for node fields h (N,), by forward filtering, backward sampling
    on the ring; returns (num_samples, N) int64 labels in {-1, 0, 1}, the noise from `generator`.

    Y[0] ~ [T_0 ... T_{N-1}]_{aa} / Z_s; given Y[0] = a the rest is a chain whose last edge T_{N-1}[., a] is a node
    factor: forward messages alpha_k(y) = sum_{y'} alpha_{k-1}(y') T_{k-1}[y', y] from alpha_0 = [y = a], then
    Y[N-1] ~ alpha_{N-1}(y) T_{N-1}[y, a] and Y[k] ~ alpha_k(y) T_k[y, Y[k+1]] downwards.

    Raises ValueError unless `h` has shape (N,) with N >= 1 and `num_samples` >= 0.
    """
    if h.dim() != 1 or h.shape[0] < 1:
        raise ValueError(f"h: expected node fields of shape (N,) with N >= 1, got shape {tuple(h.shape)}")
    if int(num_samples) < 0:
        raise ValueError(f"num_samples: expected an integer >= 0, got {num_samples!r}")
    S, N = int(num_samples), h.shape[0]
    log_T = _log_transfer_matrices(J, h)  # (N, 3, 3)
    noise_device = generator.device if generator is not None else h.device
    uniforms = torch.rand(S, N, generator=generator, dtype=h.dtype, device=noise_device).to(h.device)
    start = torch.full((3, 3), float("-inf"), dtype=h.dtype, device=h.device)
    start.fill_diagonal_(0.0)
    messages = [start]  # messages[k][a, y] = ln alpha_k(y) given Y[0] = a
    for k in range(1, N + 1):
        messages.append(_log_matmul(messages[-1], log_T[k - 1]))
    first = _categorical(torch.diagonal(messages[N]).expand(S, 3), uniforms[:, 0])  # (S,)
    indices = torch.empty(S, N, dtype=torch.int64, device=h.device)
    indices[:, 0] = first
    following = first
    for k in range(N - 1, 0, -1):
        logits = messages[k][first] + log_T[k][:, following].T  # (S, 3)
        following = _categorical(logits, uniforms[:, k])
        indices[:, k] = following
    return indices - 1


def _newton_on_bracket(gradient_and_curvature, at_high: torch.Tensor, at_low: torch.Tensor, dtype: torch.dtype,
                       iterations: int = 100) -> torch.Tensor:
    """The root of a nondecreasing gradient g(J) in [-FIT_BOUND, FIT_BOUND] for a batch of independent scalars.

    Where g stays below zero as J -> +inf (`at_high`: the data sit on the upper end of the statistic's range and the
    estimate is +inf) the result is FIT_BOUND, and -FIT_BOUND where `at_low`; where both hold the objective is flat
    (the samples say nothing about J) and the result is NaN. Elsewhere Newton steps from J = 0, replaced by
    bisection whenever they leave the bracket known to hold the root.
    """
    low = torch.full(at_high.shape, -FIT_BOUND, dtype=dtype, device=at_high.device)
    high = torch.full_like(low, FIT_BOUND)
    J = torch.zeros_like(low)
    for _ in range(iterations):
        gradient, curvature = gradient_and_curvature(J)
        low = torch.where(gradient < 0, J, low)
        high = torch.where(gradient > 0, J, high)
        newton = J - gradient / curvature.clamp_min(torch.finfo(J.dtype).tiny)
        inside = (newton > low) & (newton < high) & torch.isfinite(newton)
        proposal = torch.where(inside, newton, (low + high) / 2)
        settled = (gradient == 0) | ((proposal - J).abs() <= 4 * torch.finfo(J.dtype).eps * (1 + J.abs()))
        J = torch.where(gradient == 0, J, proposal)
        if bool((settled | at_high | at_low).all()):
            break
    J = torch.where(at_high, high.new_tensor(FIT_BOUND), torch.where(at_low, low.new_tensor(-FIT_BOUND), J))
    return torch.where(at_high & at_low, J.new_tensor(float("nan")), J)


def _edge_sum_range(N: int) -> tuple[int, int]:
    """The smallest and largest edge sum over labellings of a ring of N nodes: (-N or -(N - 2) for odd N >= 3, N);
    (0, 1) for N = 1, whose one edge is Y[0]^2."""
    if N == 1:
        return 0, 1
    return (-N if N % 2 == 0 else -(N - 2)), N


def _derivatives(objective, J: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """First and second derivatives of a separable objective sum_r f_r(J_r), each in its own J_r, by autograd."""
    with torch.enable_grad():
        J = J.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(objective(J).sum(), J, create_graph=True)
        (curvature,) = torch.autograd.grad(gradient.sum(), J)
    return gradient.detach(), curvature.detach()


def _fit_batch(Y: torch.Tensor) -> tuple[torch.Tensor, tuple]:
    """Y as (R, S, N) int64 labels and the batch shape (R,) or () of the estimates."""
    labels = _check_labels(Y)
    if labels.dim() == 2:
        return labels.unsqueeze(0), ()
    if labels.dim() == 3:
        return labels, labels.shape[:1]
    raise ValueError(f"Y: expected samples of shape (S, N) or (R, S, N), got shape {tuple(Y.shape)}")


def fit_maximum_likelihood(Y: torch.Tensor, h=0.0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """argmax_J of mean_s ln P_s(Y_s) with the uniform field h known, for samples Y (S, N) or R sets (R, S, N);
    returns J, () or (R,): +-FIT_BOUND where the samples sit at an end of the edge-sum range (the estimate is
    +-inf), NaN where they say nothing about J.

    The objective ln Z_s(J) - J mean_s(edges) is convex; its Newton steps use autograd through the transfer matrix.

    Raises ValueError unless `Y` holds labels in {-1, 0, 1} of shape (S, N) or (R, S, N).
    """
    labels, batch = _fit_batch(Y)
    N = labels.shape[-1]
    fields = _as_float(h, dtype, labels.device)
    mean_edges = _edge_sums(labels, dtype).mean(dim=-1)  # (R,)
    mean_nodes = labels.to(dtype).sum(dim=-1).mean(dim=-1)  # (R,)

    def negative_log_likelihood(J):
        return log_partition_uniform(J, fields, N) - J * mean_edges - fields * mean_nodes

    smallest, largest = _edge_sum_range(N)
    J = _newton_on_bracket(lambda J: _derivatives(negative_log_likelihood, J), mean_edges >= largest,
                           mean_edges <= smallest, dtype)
    return J.reshape(batch)


def _neighbour_label_counts(Y: torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """w[..., c + 2, y + 1]: how often, per sample, a node has label y and ring-neighbour sum c, for Y (..., S, N).

    For N >= 2 the pseudo-likelihood depends on the samples only through these counts (averaged over S).
    """
    labels = _check_labels(Y)
    neighbours = torch.roll(labels, 1, dims=-1) + torch.roll(labels, -1, dims=-1)  # (..., S, N) in -2..2
    cell = (neighbours + 2) * 3 + (labels + 1)  # (..., S, N) in 0..14
    flat = cell.reshape(-1, cell.shape[-2] * cell.shape[-1])
    counts = torch.zeros(flat.shape[0], 15, dtype=dtype, device=labels.device)
    counts.scatter_add_(1, flat, torch.ones_like(flat, dtype=dtype))
    return (counts / labels.shape[-2]).reshape(labels.shape[:-2] + (5, 3))


def fit_pseudo_likelihood(Y: torch.Tensor, h=0.0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """argmin_J of mean_s -ln P~_s(Y_s) with the uniform field h known, for samples Y (S, N) or R sets (R, S, N);
    returns J, () or (R,): +-FIT_BOUND where the objective keeps falling as J -> +-inf, NaN where it is flat.

    With c the sum of a node's two ring neighbours, -ln P_n = ln sum_v e^{v (J c + h)} - Y[n] (J c + h), so the
    objective is a weighted sum over the 5 x 3 (c, y) cells: convex in J, minimised by safeguarded Newton steps.
    For N = 1 the one conditional is the marginal, and the estimate is the maximum-likelihood one.

    Raises ValueError unless `Y` holds labels in {-1, 0, 1} of shape (S, N) or (R, S, N).
    """
    labels, batch = _fit_batch(Y)
    if labels.shape[-1] == 1:
        return fit_maximum_likelihood(Y, h, dtype)
    weights = _neighbour_label_counts(labels, dtype)  # (R, 5, 3)
    neighbour_sums = torch.arange(-2, 3, dtype=dtype, device=labels.device)  # (5,)
    values = torch.tensor(_LABEL_VALUES, dtype=dtype, device=labels.device)  # (3,)
    fields = _as_float(h, dtype, labels.device)

    def mean_negative_log_pseudo_likelihood(J):
        local_field = J[:, None] * neighbour_sums + fields  # (R, 5)
        log_conditionals = torch.log_softmax(local_field[..., None] * values, dim=-1)  # (R, 5, 3)
        return -(weights * log_conditionals).sum(dim=(-2, -1))

    # As J -> +-inf the gradient tends to sum w (+-|c| - y c); where that limit is 0 the estimate is +-inf.
    limit_high = (weights * (neighbour_sums.abs()[:, None] - neighbour_sums[:, None] * values)).sum(dim=(-2, -1))
    limit_low = (weights * (-neighbour_sums.abs()[:, None] - neighbour_sums[:, None] * values)).sum(dim=(-2, -1))
    J = _newton_on_bracket(lambda J: _derivatives(mean_negative_log_pseudo_likelihood, J), limit_high <= 0,
                           limit_low >= 0, dtype)
    return J.reshape(batch)
