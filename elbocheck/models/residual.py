"""The transformer language model of seed 003's figure 2 and the experiments on it: LayerNorm after the residual
addition (post), on the branch as the document writes it (pre, x + LN(A(x)), seed 003 (38)), or the usual pre-LN
(prenorm, x + A(LN(x))); its training with the last block's gradient norm recorded (item 20), and ||dx_L/dx_0||_2
at initialisation against depth, on the transformer and on random MLP residual stacks (items 19-20, claims
003-eq36 to 003-eq39). The residual maths is `elbocheck.fast.residual`'s.
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch.func import jacrev

from elbocheck.fast.residual import layer_jacobian, residual_layer
from elbocheck.fast.vae import init_mlp
from elbocheck.shared.residual import check_placement, residual_step

__all__ = ["init_stack", "jacobian_norms_by_depth", "CausalSelfAttention", "Block", "TransformerLM",
           "init_parameters", "token_stream", "sample_windows", "gradient_norm", "train_language_model",
           "transformer_jacobian_norms"]


def init_stack(depth: int, width: int, hidden_width: int, generator: torch.Generator, dtype=torch.float64,
               device=None):
    """`depth` layers, each an MLP width -> hidden_width -> width with torch.nn.Linear's initial distribution."""
    if int(depth) < 1:
        raise ValueError(f"depth: expected an integer >= 1, got {depth!r}")
    return [init_mlp([width, hidden_width, width], generator, dtype=dtype, device=device) for _ in range(depth)]


def jacobian_norms_by_depth(
    max_depth: int, placement: str, width: int, hidden_width: int, draws: int, generator: torch.Generator,
    hidden: str = "tanh", dtype=torch.float64, device=None,
) -> torch.Tensor:
    """||dx_L/dx_0||_2 (spectral norm) for L = 1..max_depth on `draws` random stacks at x_0 ~ N(0, I); (draws, L).

    The running product J_{L-1} ... J_0 is built one layer at a time, each J_l by autograd.
    """
    check_placement(placement)
    norms = torch.empty(int(draws), int(max_depth), dtype=dtype)
    for draw in range(int(draws)):
        layers = init_stack(max_depth, width, hidden_width, generator, dtype=dtype, device=device)
        x = torch.randn(width, generator=generator, dtype=dtype).to(device)
        product = torch.eye(width, dtype=dtype, device=device)
        for depth, params in enumerate(layers):
            product = layer_jacobian(params, x, placement, hidden) @ product
            x = residual_layer(params, x, placement, hidden)
            norms[draw, depth] = torch.linalg.matrix_norm(product, ord=2).cpu()
    return norms


class CausalSelfAttention(torch.nn.Module):
    """Multi-head self-attention with a causal mask: softmax(Q K^T / sqrt(d_head) + mask) V, heads concatenated."""

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        if d_model % heads:
            raise ValueError(f"heads: expected a divisor of d_model={d_model}, got {heads}")
        self.heads = heads
        self.query_key_value = torch.nn.Linear(d_model, 3 * d_model)
        self.output = torch.nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, d = x.shape
        q, k, v = self.query_key_value(x).split(d, dim=-1)  # (B, T, d) each
        q, k, v = (t.view(B, T, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))  # (B, h, T, dh)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d // self.heads)  # (B, h, T, T)
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        weights = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        return self.output((weights @ v).transpose(1, 2).reshape(B, T, d))


class Block(torch.nn.Module):
    """A transformer layer: attention then MLP, each wrapped by `residual_step` with its own LayerNorm."""

    def __init__(self, d_model: int, heads: int, placement: str):
        super().__init__()
        self.placement = check_placement(placement)
        self.attention = CausalSelfAttention(d_model, heads)
        self.mlp = torch.nn.Sequential(
            torch.nn.Linear(d_model, 4 * d_model), torch.nn.GELU(), torch.nn.Linear(4 * d_model, d_model)
        )
        self.attention_norm = torch.nn.LayerNorm(d_model)
        self.mlp_norm = torch.nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = residual_step(x, self.attention, self.attention_norm, self.placement)
        return residual_step(x, self.mlp, self.mlp_norm, self.placement)


class TransformerLM(torch.nn.Module):
    """Token and position embeddings, `depth` blocks, a final LayerNorm for the pre placements, a linear head."""

    def __init__(self, vocab_size: int, d_model: int, heads: int, depth: int, context: int, placement: str):
        super().__init__()
        if int(depth) < 1:
            raise ValueError(f"depth: expected an integer >= 1, got {depth!r}")
        self.context = int(context)
        self.placement = check_placement(placement)
        self.token_embedding = torch.nn.Embedding(vocab_size, d_model)
        self.position_embedding = torch.nn.Embedding(self.context, d_model)
        self.blocks = torch.nn.ModuleList(Block(d_model, heads, placement) for _ in range(int(depth)))
        self.final_norm = torch.nn.Identity() if placement == "post" else torch.nn.LayerNorm(d_model)
        self.head = torch.nn.Linear(d_model, vocab_size)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """x_0 = token embedding + position embedding; tokens (B, T) -> (B, T, d)."""
        positions = torch.arange(tokens.shape[-1], device=tokens.device)
        return self.token_embedding(tokens) + self.position_embedding(positions)

    def residual_stream(self, x: torch.Tensor, depth: int | None = None) -> torch.Tensor:
        """x_L after the first `depth` blocks (all when None), from x_0 of shape (B, T, d)."""
        for block in self.blocks[: depth if depth is not None else len(self.blocks)]:
            x = block(x)
        return x

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Next-token logits (B, T, V)."""
        return self.head(self.final_norm(self.residual_stream(self.embed(tokens))))


def init_parameters(model: torch.nn.Module, generator: torch.Generator, std: float = 0.02) -> None:
    """Weights ~ N(0, std^2) (GPT-2's initialisation), biases 0, LayerNorm gains 1, drawn from `generator`."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.fill_(1.0)
                module.bias.zero_()
            elif isinstance(module, (torch.nn.Linear, torch.nn.Embedding)):
                noise = torch.randn(module.weight.shape, generator=generator, dtype=module.weight.dtype)
                module.weight.copy_(noise.to(module.weight.device) * std)
                if getattr(module, "bias", None) is not None:
                    module.bias.zero_()


def token_stream(sentences) -> torch.Tensor:
    """The training sentences (token ids 1..V) joined into one stream, each preceded by the start symbol 0."""
    pieces = []
    for sentence in sentences:
        pieces.append(torch.zeros(1, dtype=torch.int64))
        pieces.append(torch.as_tensor(sentence, dtype=torch.int64))
    if not pieces:
        raise ValueError("sentences: expected at least one sentence")
    return torch.cat(pieces)


def sample_windows(stream: torch.Tensor, batch_size: int, context: int, generator: torch.Generator):
    """`batch_size` random windows of the stream: inputs (B, T) and their next tokens (B, T)."""
    if stream.numel() < context + 1:
        raise ValueError(f"stream: expected more than context={context} tokens, got {stream.numel()}")
    starts = torch.randint(0, stream.numel() - context, (batch_size,), generator=generator)
    offsets = torch.arange(context + 1)
    windows = stream[starts[:, None] + offsets]  # (B, T+1)
    return windows[:, :-1], windows[:, 1:]


def gradient_norm(parameters) -> torch.Tensor:
    """The Euclidean norm of the gradients of `parameters`, all concatenated."""
    return torch.sqrt(sum((p.grad.detach() ** 2).sum() for p in parameters if p.grad is not None))


def train_language_model(
    stream: torch.Tensor,
    vocab_size: int,
    placement: str,
    depth: int,
    steps: int,
    generator: torch.Generator,
    d_model: int = 64,
    heads: int = 4,
    context: int = 32,
    batch_size: int = 16,
    learning_rate: float = 1e-3,
    device: torch.device | str = "cpu",
    on_step: Callable[[int, float, float], None] | None = None,
) -> dict:
    """Train a TransformerLM by Adam on next-token cross-entropy; record, at every step, the loss and the norm of
    the gradient of the last block's parameters (item 20 of seed 003). Returns {"loss": (steps,), "last_layer_grad
    _norm": (steps,)} as float64 tensors on the CPU."""
    if int(steps) < 1:
        raise ValueError(f"steps: expected an integer >= 1, got {steps!r}")
    device = torch.device(device)
    model = TransformerLM(vocab_size, d_model, heads, depth, context, placement)
    init_parameters(model, generator)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    last_block = list(model.blocks[-1].parameters())
    losses = torch.empty(int(steps), dtype=torch.float64)
    norms = torch.empty(int(steps), dtype=torch.float64)
    for step in range(int(steps)):
        inputs, targets = sample_windows(stream, batch_size, context, generator)
        inputs, targets = inputs.to(device), targets.to(device)
        logits = model(inputs)  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        losses[step] = loss.item()
        norms[step] = gradient_norm(last_block).item()
        optimizer.step()
        if on_step is not None:
            on_step(step, float(losses[step]), float(norms[step]))
    return {"loss": losses, "last_layer_grad_norm": norms}


def transformer_jacobian_norms(
    max_depth: int, placement: str, vocab_size: int, generator: torch.Generator, d_model: int = 64, heads: int = 4,
    context: int = 32, draws: int = 2, device: torch.device | str = "cpu",
) -> torch.Tensor:
    """||dx_L[t]/dx_0[t]||_2 at the last position t of a random window, for L = 1..max_depth, at initialisation.

    Attention is causal, so no earlier position depends on x_0[t] and dx_L[t]/dx_0[t] is the product of the
    blocks' d x d Jacobians at position t with the earlier positions held fixed, built one block at a time. Each
    draw is a fresh TransformerLM initialised by `init_parameters`, run on random tokens; returns (draws, L).
    """
    device = torch.device(device)
    norms = torch.empty(int(draws), int(max_depth), dtype=torch.float64)
    for draw in range(int(draws)):
        model = TransformerLM(vocab_size, d_model, heads, max_depth, context, placement)
        init_parameters(model, generator)
        model.to(device)
        tokens = torch.randint(0, vocab_size, (1, context), generator=generator).to(device)
        with torch.no_grad():
            x = model.embed(tokens)[0]  # (T, d)
        product = torch.eye(d_model, dtype=x.dtype, device=device)
        for depth, block in enumerate(model.blocks):

            def last_position(x_last, block=block, earlier=x[:-1]):
                return block(torch.cat([earlier, x_last[None]], dim=0)[None])[0, -1]

            product = jacrev(last_position)(x[-1]).detach() @ product  # (d, d)
            with torch.no_grad():
                x = block(x[None])[0]
            norms[draw, depth] = torch.linalg.matrix_norm(product.double(), ord=2).cpu()
    return norms
