"""Independent numeric oracles for the ledger: for each claim, NumPy/SciPy code (no SymPy, no derivations/) that
tests the printed statement at one random instance and returns whether it holds there.

One module per topic of derivations/ (bigram_em, gibbs, elbo, ...), each with its ORACLES and, for the refuted
claims, CORRECTED: the oracles of their corrected statements. Quadrature is scipy.integrate.quad against
scipy.stats densities; expectations over standard normals use Gauss-Hermite nodes (common.py).
"""

from __future__ import annotations

from tests.derivations.oracles import (
    bigram_em, elbo, gan, gaussian_kl, gibbs, layernorm, rate, reparam, ring, sampler,
)

TOPICS = (bigram_em, gibbs, elbo, reparam, gaussian_kl, gan, layernorm, ring, sampler, rate)


def merged(table: str) -> dict:
    """The topics' tables of one name merged; a claim id in two topics is an error of the oracles."""
    merged_table = {}
    for topic in TOPICS:
        repeated = set(merged_table) & set(getattr(topic, table))
        if repeated:
            raise ValueError(f"{table}: claim ids in more than one topic: {sorted(repeated)}")
        merged_table.update(getattr(topic, table))
    return merged_table


ORACLES = merged("ORACLES")
CORRECTED = merged("CORRECTED")
