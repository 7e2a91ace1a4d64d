"""The sparse bigram count matrix of a corpus, C[x, x'] = count(x, x') with x = 0 the start symbol (seed 000
Problem 1.3), as torch CSR for C and for its transpose: what `elbocheck.fast.bigram_em.bigram_counts` and the
streaming counter build, and what EM and the baselines read.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["BigramCounts"]


@dataclass(frozen=True)
class BigramCounts:
    """C[x, x'] = count(x, x') as CSR (crow (V+2,), col, values (nnz,)) and Cᵀ as CSR (t_crow (V+1,), t_col),
    with t_order mapping Cᵀ's nonzeros to C's: Cᵀ.values = C.values[t_order]."""

    V: int
    crow: torch.Tensor
    col: torch.Tensor
    values: torch.Tensor
    t_crow: torch.Tensor
    t_col: torch.Tensor
    t_order: torch.Tensor

    @property
    def nnz(self) -> int:
        return int(self.col.numel())

    @property
    def n_tokens(self) -> float:
        return float(self.values.sum())

    @property
    def rows(self) -> torch.Tensor:
        """The context x of each nonzero, in CSR order."""
        return torch.repeat_interleave(torch.arange(self.V + 1, device=self.crow.device), self.crow.diff())

    def dense(self) -> torch.Tensor:
        """C as a dense (V+1, V) tensor (small V only)."""
        out = torch.zeros(self.V + 1, self.V, dtype=self.values.dtype, device=self.values.device)
        out[self.rows, self.col] = self.values
        return out

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> "BigramCounts":
        """The same counts on another device or with values of another float dtype."""
        crow, col, t_crow, t_col, t_order = (
            tensor.to(device=device) for tensor in (self.crow, self.col, self.t_crow, self.t_col, self.t_order)
        )
        values = self.values.to(device=device, dtype=dtype or self.values.dtype)
        return BigramCounts(self.V, crow, col, values, t_crow, t_col, t_order)
