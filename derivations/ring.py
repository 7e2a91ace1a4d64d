"""Pseudo-likelihood of the ring model, seed 004 Problem 1.

s(Y) = sum_{n=0}^{N-2} Y[n] Y[n+1] + Y[N-1] Y[0] with labels in {-1, 0, 1}; the conditional
P_n(Y[n] | Y / n) = exp(s(Y)) / sum_i exp(s(Y[n = i])) and -ln P~(Y) = -sum_n ln P_n. For a constant labelling
Y = c every node sees the same conditional, so -ln P~ = N ln(Z_n / exp(s(Y))).

Each value is decided twice: for symbolic N >= 3 from the score split around one node (a SymPy Sum over the
untouched edges), and by evaluating the definitions exactly for every node of every ring with N = 2..12. The
N = 1 ring, whose single edge is Y[0] Y[0], is evaluated too and reported as the exception.
"""

from __future__ import annotations

import sympy as sp

from elbocheck.derivations.checks import AllOf, Approx, Equal, Procedure
from elbocheck.derivations.claims import Claim

N = sp.Symbol("N", integer=True, positive=True)
LABELS = (1, 0, -1)
SIZES = range(2, 13)


def score(labels) -> int:
    """s(Y): the ring's edge potentials, the wrap-around edge Y[N-1] Y[0] included."""
    size = len(labels)
    return sum(labels[n] * labels[n + 1] for n in range(size - 1)) + labels[size - 1] * labels[0]


def changed(labels, n: int, value: int) -> list:
    """Y[n = value]: the labelling with node n set to value."""
    copy = list(labels)
    copy[n] = value
    return copy


T = sp.Symbol("t", positive=True)


def local_partition(labels, n: int) -> sp.Expr:
    """Z_n = sum over the three labels i of exp(s(Y[n = i])), written with t for e."""
    return sum(T ** score(changed(labels, n, i)) for i in LABELS)


def pseudo_likelihood(labels, n: int = 0) -> sp.Expr:
    """P~(Y) = prod_n exp(s(Y)) / Z_n, written with t for e (the same for every n)."""
    return sp.Mul(*[T ** score(labels) / local_partition(labels, m) for m in range(len(labels))])


def local_score(i: int):
    """s(Y[n = i]) as a function of (labels, n)."""
    return lambda labels, n: sp.Integer(score(changed(labels, n, i)))


def with_t(expr) -> sp.Expr:
    """A closed form in exp written with t for e: exp(a) -> t^a."""
    return sp.sympify(expr).replace(sp.exp, lambda argument: T**argument)


def exactly_equal(a, b) -> bool:
    """a = b as rational functions of t. Scores are integers, so every value here is a rational function of
    t = e; two distinct ones cannot agree at t = e, which is transcendental."""
    return sp.cancel(sp.together(a - b)) == 0


def enumerate_rings(quantity, expected, c: int, logarithmic: bool = False,
                    sizes=SIZES) -> tuple[bool, str, str | None]:
    """quantity(labels, n) == expected(N) exactly for every node n of the constant ring c, N in `sizes`; for a
    logarithmic `expected` (ln P~) the comparison is made between P~ and exp(expected). Also reports N = 1."""

    def target(size):
        return with_t(sp.powsimp(sp.exp(expected(size)), force=True) if logarithmic else expected(size))

    for size in sizes:
        labels = [c] * size
        for n in range(size):
            got, want = quantity(labels, n), target(size)
            if not exactly_equal(got, want):
                shown = (lambda v: sp.log(v)) if logarithmic else (lambda v: v)
                return (False, f"N = {size}, node {n}",
                        f"N = {size}, node {n}: the definition gives {sp.N(shown(got.subs(T, sp.E)), 8)}, "
                        f"the formula {sp.N(shown(want.subs(T, sp.E)), 8)}")
    single, wanted = quantity([c], 0), target(1)
    exception = ("also holds for N = 1" if exactly_equal(single, wanted) else
                 f"fails for N = 1 (a single edge Y[0] Y[0]): {sp.simplify(single.subs(T, sp.E))} instead of "
                 f"{sp.simplify(wanted.subs(T, sp.E))}")
    return True, f"exact for every node of every ring with N = {sizes[0]}..{sizes[-1]}; {exception}", None


def general_score(c, i) -> sp.Expr:
    """s(Y[n = i]) for the constant labelling c on a ring of symbolic size N >= 3, node n interior (every node
    is, after a rotation): the edges before n, the two edges at n, the edges after n and the wrap edge."""
    k, n = sp.Symbol("k", integer=True), sp.Symbol("n", integer=True, positive=True)
    before = sp.Sum(c * c, (k, 0, n - 2)).doit()
    after = sp.Sum(c * c, (k, n + 1, N - 2)).doit()
    return sp.simplify(before + c * i + i * c + after + c * c)


def general_partition(c) -> sp.Expr:
    return sum(sp.exp(general_score(c, i)) for i in LABELS)


def general_log_pseudo_likelihood(c) -> sp.Expr:
    """ln P~ for the constant labelling c and symbolic N >= 3: N (s(Y) - ln Z_n)."""
    return sp.expand(N * (general_score(c, c) - sp.log(general_partition(c))))


def ring_claim(general, quantity, expected, c: int, logarithmic: bool = False, name: str = "value") -> AllOf:
    """A value for symbolic N >= 3 and, exactly, for N = 2..12 with N = 1 reported."""
    return AllOf(
        (Equal(general, expected(N), domain={N: (3, 40)},
               labels=(f"{name} from the definition", f"{name} by the printed formula")),
         Procedure(enumerate_rings, {"quantity": quantity, "expected": expected, "c": c, "logarithmic": logarithmic},
                   method="exact evaluation of the definitions (t = e)", exact=True)),
        ("symbolic N", "every node, N = 2..12"),
    )


def pseudo_value_claim(c: int, expected) -> AllOf:
    """ln P~ = expected(N) for the constant ring c."""
    return ring_claim(general_log_pseudo_likelihood(c), pseudo_likelihood, expected, c, logarithmic=True,
                      name="ln P~")


E2, E4 = sp.exp(-2), sp.exp(-4)

CLAIMS = [
    Claim(
        id="004-1a-z",
        where="Problem 1(a)",
        statement="for Y = 0: s(Y[n = i]) = 0 for every i, Z_n = 3 and P_n(Y[n] | Y / n) = 1/3",
        printed=r"$$Z_{n} = 3$$",
        check=lambda: ring_claim(general_partition(0), local_partition, lambda size: sp.Integer(3), 0),
        note="Holds for N >= 2; the N = 1 ring, where the only edge is Y[0] Y[0], is the exception.",
    ),
    Claim(
        id="004-1a",
        where="Problem 1(a)",
        statement="ln P~(Y) = N ln(1/3) ≈ 1.1 N nats for Y = 0",
        printed=r"\ln \tilde{P}(\mathcal{Y}) = N \ln \frac{1}{3} \approx 1.1 N \text{ nats (you didn't have to calculate it)}",
        check=lambda: AllOf((pseudo_value_claim(0, lambda size: size * sp.log(sp.Rational(1, 3))),
                     Approx(general_log_pseudo_likelihood(0), "1.1", per=N)),
                    ("ln P~ = N ln(1/3)", "≈ 1.1 N")),
        corrected="ln P~(Y) = N ln(1/3) ≈ -1.1 N, i.e. -ln P~(Y) = N ln 3 ≈ 1.1 N nats",
        correction=lambda: AllOf((pseudo_value_claim(0, lambda size: -size * sp.log(3)),
                          Approx(-general_log_pseudo_likelihood(0), "1.1", per=N)),
                         ("ln P~ = -N ln 3", "-ln P~ ≈ 1.1 N")),
        note="A sign slip: N ln(1/3) is about -1.0986 N. Holds for N >= 2 (N = 1 is the exception).",
    ),
    Claim(
        id="004-1b-scores",
        where="Problem 1(b)",
        statement="for Y = 1: s(Y[n = 1]) = N, s(Y[n = 0]) = N - 2, s(Y[n = -1]) = N - 4",
        printed=r"$$s(\mathcal{Y}[n=-1]) = N - 4$$",
        check=lambda: AllOf(tuple(ring_claim(general_score(1, i), local_score(i), lambda size, i=i: size - 2 * (1 - i), 1)
                          for i in LABELS),
                    ("i = 1", "i = 0", "i = -1")),
        note="Holds for N >= 2; for N = 1 the scores are 1, 0, 1.",
    ),
    Claim(
        id="004-1b-z",
        where="Problem 1(b)",
        statement="for Y = 1: Z_n = e^N (1 + e^-2 + e^-4)",
        printed=r"$$Z_{n} = e^{N}(1 + e^{-2} + e^{-4})$$",
        check=lambda: ring_claim(general_partition(1), local_partition, lambda size: sp.exp(size) * (1 + E2 + E4), 1),
        note="Holds for N >= 2.",
    ),
    Claim(
        id="004-1b-p",
        where="Problem 1(b)",
        statement="P_s(Y | Y / n) = 1 / (1 + e^-2 + e^-4) ≈ .87",
        printed=r"$$P_{s}(\mathcal{Y} \mid \mathcal{Y}/n) = \frac{1}{1 + e^{-2} + e^{-4}} \approx .87$$",
        check=lambda: AllOf((Equal(sp.exp(general_score(1, 1)) / general_partition(1), 1 / (1 + E2 + E4),
                           domain={N: (3, 40)}, labels=("P_n from the definition", "printed")),
                     Approx(1 / (1 + E2 + E4), ".87")),
                    ("value", "≈ .87")),
        note="Holds for N >= 3 symbolically (and for N = 2 by the enumeration of 004-1b-z).",
    ),
    Claim(
        id="004-1b",
        where="Problem 1(b)",
        statement="-ln P~(Y) = N ln(1 / (1 + e^-2 + e^-4)) ≈ .14 N nats for Y = 1",
        printed=r"-\ln \tilde{P}(\mathcal{Y}) = N \ln \frac{1}{1 + e^{-2} + e^{-4}} \approx .14 N \text{ nats.}",
        check=lambda: AllOf((pseudo_value_claim(1, lambda size: -size * sp.log(1 / (1 + E2 + E4))),
                     Approx(-general_log_pseudo_likelihood(1), ".14", per=N)),
                    ("-ln P~ = N ln(1 / (1 + e^-2 + e^-4))", "≈ .14 N")),
        corrected="-ln P~(Y) = N ln(1 + e^-2 + e^-4) ≈ .14 N nats",
        correction=lambda: AllOf((pseudo_value_claim(1, lambda size: -size * sp.log(1 + E2 + E4)),
                          Approx(-general_log_pseudo_likelihood(1), ".14", per=N)),
                         ("-ln P~ = N ln(1 + e^-2 + e^-4)", "≈ .14 N")),
        note="A sign slip: N ln(1 / (1 + e^-2 + e^-4)) is about -0.143 N, while -ln P~ is +0.143 N (the "
             "approximation is right, the exact expression has the wrong sign). Holds for N >= 2.",
    ),
]
