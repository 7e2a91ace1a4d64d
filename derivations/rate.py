"""The rate term with the aggregate-posterior prior, seed 004 Problem 3(c).

Decided with a sentence s of two values and a code z of three values, Pop(s) and p(z | s) normalised from
positive weights: sums stand in for the document's integrals, the identities are the same.
"""

from __future__ import annotations

import sympy as sp

from elbocheck.derivations.checks import Equal, Maximiser
from elbocheck.derivations.claims import Claim

mass = sp.symbols("m0 m1", positive=True)
population = tuple(m / sum(mass) for m in mass)
weights = [[sp.Symbol(f"a{s}{z}", positive=True) for z in range(3)] for s in range(2)]
encoder = [[w / sum(row) for w in row] for row in weights]
marginal = [sum(population[s] * encoder[s][z] for s in range(2)) for z in range(3)]


def rate_claim() -> Equal:
    """rate = E_{s, z} ln p(z | s) / p_agg(z) against I(s; z) = H(z) - H(z | s)."""
    rate = sum(population[s] * encoder[s][z] * sp.log(encoder[s][z] / marginal[z]) for s in range(2) for z in range(3))
    entropy = -sum(m * sp.log(m) for m in marginal)
    conditional = -sum(population[s] * encoder[s][z] * sp.log(encoder[s][z]) for s in range(2) for z in range(3))
    return Equal(rate, entropy - conditional, labels=("rate", "H(z) - H(z | s)"))


def optimal_prior_claim() -> Maximiser:
    """With the encoder fixed, the prior maximising E_{s, z} ln p_Phi(z) (minimising the rate) is p_agg."""
    prior = sp.symbols("r0:3", positive=True)
    objective = sum(population[s] * encoder[s][z] * sp.log(prior[z]) for s in range(2) for z in range(3))
    return Maximiser(objective, prior, (sum(prior) - 1,), point=dict(zip(prior, marginal)))


CLAIMS = [
    Claim(
        id="004-3c-prior",
        where="Problem 3(c)",
        statement="with the encoder fixed, the optimal prior p_Phi(z) is the aggregate posterior p_Pop,Psi(z)",
        printed=r"the optimal value of the prior density  $p_{\Phi}(z)$  is just the marginal on z",
        check=lambda: optimal_prior_claim(),
        note="The rate E ln p(z | s) / p_Phi(z) depends on the prior only through -E ln p_Phi(z).",
    ),
    Claim(
        id="004-3c",
        where="Problem 3(c)",
        statement="rate = E_{s ~ Pop, z ~ p(z | s)} ln p(z | s) / p_Pop,Psi(z) = I_Pop,Psi(s, z)",
        printed=r"$$I_{\text{Pop},\Psi}(s,z)$$",
        check=lambda: rate_claim(),
    ),
]
