"""The latent bigram model of seed 000 Problem 1: p(x_1..x_T, z_1..z_T) = prod_t p(z_t | x_{t-1}) p(x_t | z_t).

A[x][z] = p(z | x) with x in {*, 1..V}, B[z][x'] = p(x' | z). The counting MLE and the M-step are decided as
constrained maximisers (Lagrange stationarity, strict concavity, affine constraints) for V = 2, m = 2 with
symbolic counts and posteriors; the E-step is compared with the posterior marginal of the full joint.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import sympy as sp

from elbocheck.derivations.checks import Equal, Maximiser
from elbocheck.derivations.claims import Claim

V, M = 2, 2
CONTEXTS = range(V + 1)
WORDS = range(1, V + 1)
STATES = range(M)


def table(name: str, rows, cols) -> dict:
    """Positive symbols name_{r}_{c} for each row and column."""
    return {(r, c): sp.Symbol(f"{name}_{r}_{c}", positive=True) for r in rows for c in cols}


def mle_claim() -> Maximiser:
    """Problem 1.1: with z observed, argmax of sum n[x,z] log A[x,z] + sum n'[z,x'] log B[z,x'] over tables."""
    A, B = table("A", CONTEXTS, STATES), table("B", STATES, WORDS)
    n, n_prime = table("n", CONTEXTS, STATES), table("c", STATES, WORDS)
    objective = sum(n[k] * sp.log(A[k]) for k in A) + sum(n_prime[k] * sp.log(B[k]) for k in B)
    constraints = tuple(sum(A[x, z] for z in STATES) - 1 for x in CONTEXTS) + tuple(
        sum(B[z, w] for w in WORDS) - 1 for z in STATES)
    point = {A[x, z]: n[x, z] / sum(n[x, zp] for zp in STATES) for x, z in A}
    point.update({B[z, w]: n_prime[z, w] / sum(n_prime[z, wp] for wp in WORDS) for z, w in B})
    return Maximiser(objective, tuple(A.values()) + tuple(B.values()), constraints, point)


def estep_claim(sentence=(1, 2, 1), t: int = 2) -> Equal:
    """Problem 1.2: p(z_t | x_1..x_T) from the full joint equals the printed per-token posterior."""
    A, B = table("A", CONTEXTS, STATES), table("B", STATES, WORDS)
    contexts = (0,) + tuple(sentence[:-1])

    def joint(states) -> sp.Expr:
        return sp.Mul(*[A[contexts[i], s] * B[s, sentence[i]] for i, s in enumerate(states)])

    numerator = sum(joint(states) for states in product(STATES, repeat=len(sentence)) if states[t - 1] == 0)
    evidence = sum(joint(states) for states in product(STATES, repeat=len(sentence)))
    previous, word = contexts[t - 1], sentence[t - 1]
    printed = A[previous, 0] * B[0, word] / sum(A[previous, z] * B[z, word] for z in STATES)
    return Equal(sp.cancel(numerator / evidence), printed,
                 labels=("p(z_t = 1 | x_1..x_T) from the joint", "printed posterior"))


def mstep_objective():
    """Expected complete-data log-likelihood with counts c(x, x') and posteriors r(z | x, x') as symbols."""
    A, B = table("A", CONTEXTS, STATES), table("B", STATES, WORDS)
    counts = table("count", CONTEXTS, WORDS)
    posterior = {(x, w, z): sp.Symbol(f"r_{x}_{w}_{z}", positive=True) for x in CONTEXTS for w in WORDS
                 for z in STATES}
    objective = sum(counts[x, w] * posterior[x, w, z] * (sp.log(A[x, z]) + sp.log(B[z, w]))
                    for x in CONTEXTS for w in WORDS for z in STATES)
    return A, B, counts, posterior, objective


def mstep_a_claim() -> Maximiser:
    """Problem 1.3: p_new(z|x) = sum_x' c(x,x') r(z|x,x') / sum_z' sum_x' c(x,x') r(z'|x,x')."""
    A, B, counts, posterior, objective = mstep_objective()
    expected = {(x, z): sum(counts[x, w] * posterior[x, w, z] for w in WORDS) for x in CONTEXTS for z in STATES}
    point = {A[x, z]: expected[x, z] / sum(expected[x, zp] for zp in STATES) for x, z in A}
    constraints = tuple(sum(A[x, z] for z in STATES) - 1 for x in CONTEXTS)
    return Maximiser(objective, tuple(A.values()), constraints, point)


def mstep_b_claim() -> Maximiser:
    """Problem 1.3: p_new(x'|z) = sum_x c(x,x') r(z|x,x') / sum_x'' sum_x c(x,x'') r(z|x,x'')."""
    A, B, counts, posterior, objective = mstep_objective()
    expected = {(z, w): sum(counts[x, w] * posterior[x, w, z] for x in CONTEXTS) for z in STATES for w in WORDS}
    point = {B[z, w]: expected[z, w] / sum(expected[z, wp] for wp in WORDS) for z, w in B}
    constraints = tuple(sum(B[z, w] for w in WORDS) - 1 for z in STATES)
    return Maximiser(objective, tuple(B.values()), constraints, point)


def exact_likelihood(sentences, A, B) -> Fraction:
    """prod over tokens of sum_z A[x_{t-1}][z] B[z][x_t - 1], in exact arithmetic."""
    likelihood = Fraction(1)
    for sentence in sentences:
        previous = 0
        for word in sentence:
            likelihood *= sum(A[previous][z] * B[z][word - 1] for z in range(len(B)))
            previous = word
    return likelihood


def exact_em_step(sentences, A, B):
    """One EM iteration of seed 000 Problem 1.2-1.3 in exact arithmetic: posteriors, expected counts, ratios."""
    m, V = len(B), len(B[0])
    expected_A = [[Fraction(0)] * m for _ in range(V + 1)]
    expected_B = [[Fraction(0)] * V for _ in range(m)]
    for sentence in sentences:
        previous = 0
        for word in sentence:
            weights = [A[previous][z] * B[z][word - 1] for z in range(m)]
            total = sum(weights)
            for z in range(m):
                expected_A[previous][z] += weights[z] / total
                expected_B[z][word - 1] += weights[z] / total
            previous = word
    new_A = [[value / sum(row) for value in row] if sum(row) else old for row, old in zip(expected_A, A)]
    new_B = [[value / sum(row) for value in row] if sum(row) else old for row, old in zip(expected_B, B)]
    return new_A, new_B


S = "000"

CLAIMS = [
    Claim(
        id="000-1.1-mle",
        where="Problem 1.1",
        statement="with z observed, the MLE is p(z|x) = count(x_{t-1} = x, z_t = z) / count(x_{t-1} = x) and "
                  "p(x'|z) = count(x_t = x', z_t = z) / count(z_t = z)",
        printed=r"p(z|x) = \frac{\sum_{t=1}^T \mathbb{1}(x_{t-1} = x, z_t = z)}{\sum_{t=1}^T (\sum_{z'=1}^m \mathbb{1}(x_{t-1} = x, z_t = z'))}",
        check=lambda: mle_claim(),
        note="Decided for V = 2 words and m = 2 states with symbolic positive counts; the proof does not depend "
             "on V or m. For a context never seen (a word that only ends sentences) the formula is 0/0: any "
             "distribution maximises the likelihood there.",
    ),
    Claim(
        id="000-1.2-estep",
        where="Problem 1.2",
        statement="E-step: p(z | x_{t-1}, x_t) = p(z | x_{t-1}) p(x_t | z) / sum_z' p(z' | x_{t-1}) p(x_t | z')",
        printed=r"p(z|x_{t-1}, x_t) = \frac{p(z|x = x_{t-1})p(x' = x_t|z)}{\sum_{z' \in Z} p(z'|x = x_{t-1})p(x' = x_t|z')}",
        check=lambda: estep_claim(),
        note="Compared with the posterior marginal of z_2 under the full joint of a 3-token sentence, summed over "
             "all 8 latent paths: z_t depends on the sentence only through x_{t-1} and x_t.",
    ),
    Claim(
        id="000-1.3-mstep-a",
        where="Problem 1.3",
        statement="M-step: p_new(z|x) = sum_x' count(x, x') p(z|x, x') / sum_z' sum_x' count(x, x') p(z'|x, x') "
                  "maximises the expected complete-data log-likelihood",
        printed=r"p^{new}(z|x) = \frac{\sum_{x_t \in V} \text{count}(x, x_t) p(z|x, x_t)}{\sum_{z' \in Z} (\sum_{x_t \in V} \text{count}(x, x_t) p(z'|x, x_t))}",
        check=lambda: mstep_a_claim(),
        note="Counts and posteriors are symbolic positive numbers, V = 2, m = 2. The formula is 0/0 for a context "
             "never seen; any distribution maximises Q there (the implementations use the uniform one).",
    ),
    Claim(
        id="000-1.3-mstep-b",
        where="Problem 1.3",
        statement="M-step: p_new(x'|z) = sum_x count(x, x') p(z|x, x') / sum_x'' sum_x count(x, x'') p(z|x, x'') "
                  "maximises the expected complete-data log-likelihood",
        printed=r"p^{new}(x'|z) = \frac{\sum_{x_{(t-1)} \in V \cup \{*\}} \text{count}(x_{(t-1)}, x') p(z|x_{(t-1)}, x')}",
        check=lambda: mstep_b_claim(),
        note="Counts and posteriors are symbolic positive numbers, V = 2, m = 2. The formula is 0/0 for a state "
             "that receives no posterior mass; any distribution maximises Q there.",
    ),
]
