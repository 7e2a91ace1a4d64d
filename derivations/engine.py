"""Deciding one parsed statement: proved, verified, refuted (with a counterexample) or undecided; and, for a
refuted one, the single edits that would make it hold.

1. KL, H, E and logpdf are derived from the densities (vocabulary.derive).
2. A first probe of the search's candidate points (search.Search) looks for a quick counterexample.
3. Otherwise a proof is attempted: the difference of the sides simplifies to 0 (sums over a symbolic dimension
   are compared summand by summand), or the gap of an inequality is non-negative by SymPy's assumptions, or a
   constant is evaluated exactly.
4. Without a proof, the full search (edges, extreme scales, random points, a local optimiser on the gap) looks
   for a counterexample; one found refutes, and without one the claim is verified, the method saying how many
   points were searched and why there is no proof.
4. A series claim `lhs = rhs + O(e**k)` compares the Taylor coefficients of e^0 ... e^(k-1).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from elbocheck.derivations import rewrites, vocabulary
from elbocheck.derivations.evaluation import compile_sides, dimensions, instantiate
from elbocheck.derivations.search import Domain, Search, describe_value, digits, domain_of
from elbocheck.derivations.statement import Statement
from elbocheck.derivations.vocabulary import IntegrationTimeout, time_budget
from elbocheck.words import counted

PROOF_SECONDS = 8.0
POINTS = 200
DIMENSIONS = (1, 2, 3)


@dataclass
class Outcome:
    """A decided statement in the shape of one entry of `elbocheck check --json` (less id, where, seconds)."""

    verdict: str
    method: str
    counterexample: dict | None = None
    diagnosis: list = field(default_factory=list)

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "method": self.method, "counterexample": self.counterexample,
                "diagnosis": self.diagnosis}


@dataclass
class Budget:
    """How hard the search looks: candidate points, optimiser starts and evaluations per start."""

    points: int = POINTS
    starts: int = 3
    evaluations: int = 120
    proof_seconds: float = PROOF_SECONDS
    prove_first: bool = True


QUICK = Budget(points=40, starts=1, evaluations=60, proof_seconds=2.0, prove_first=False)
PROBE = Budget(points=20, starts=0, evaluations=0)


def decide(statement: Statement, domains: dict | None = None, tolerance=None, budget: Budget = Budget(),
           diagnose: bool = True) -> Outcome:
    """Decide a statement; `domains` maps symbols to search.Domain (else their assumptions decide)."""
    domains = domains or {}
    conditions = parameter_conditions(statement)
    lhs, rhs = (_done(vocabulary.derive(side), budget) for side in (statement.lhs, statement.rhs))
    if statement.order is not None:
        outcome = _decide_series(lhs, rhs, statement.order, domains, budget)
    else:
        outcome = _decide_relation(lhs, statement.relation, rhs, domains, tolerance, statement.decimals, budget,
                                   conditions)
    if diagnose and outcome.verdict == "refuted" and statement.relation in ("=", "<=", ">=", "<", ">"):
        from elbocheck.derivations.diagnosis import diagnose as find_edits

        outcome.diagnosis = find_edits(statement, lhs, rhs, domains, tolerance)
    return outcome


def _numeric_note(lhs, rhs) -> str:
    if (lhs - rhs).has(sp.Integral):
        return "; SymPy could not integrate every term in its time budget, so the expectation is computed by " \
               "mpmath quadrature (tanh-sinh) at 50 digits"
    return ""


def _kind(relation: str, lhs, rhs):
    if relation == "=":
        return "identity", lhs, rhs
    if relation in ("<=", "<"):
        return ("at most" if relation == "<=" else "below"), lhs, rhs
    if relation in (">=", ">"):
        return ("at most" if relation == ">=" else "below"), rhs, lhs
    return "within", lhs, rhs


def _done(expr, budget: Budget):
    """expr with derivatives, integrals and limits the statement wrote carried out (kept as written past the
    time budget)."""
    if not expr.has(sp.Derivative, sp.Integral, sp.Limit):
        return expr
    try:
        with time_budget(budget.proof_seconds):
            return expr.doit()
    except (IntegrationTimeout, NotImplementedError, ValueError, TypeError):
        return expr


def parameter_conditions(statement: Statement) -> tuple:
    """What the statement's distributions need of their parameters (a scale > 0, ...), as SymPy relations."""
    conditions = []
    for side in (statement.lhs, statement.rhs):
        for distribution in side.atoms(vocabulary.Distribution):
            conditions += [c for c in distribution.constraints() if c is not sp.true]
    return tuple(dict.fromkeys(conditions))


def _decide_relation(lhs, relation, rhs, domains, tolerance, decimals, budget: Budget, conditions=()) -> Outcome:
    kind, small, large = _kind(relation, lhs, rhs)
    if kind == "within":
        tolerance = sp.Rational(tolerance) if tolerance is not None else (
            sp.Rational(1, 2 * 10 ** decimals) if decimals is not None else sp.Rational(1, 2))
    note = _numeric_note(lhs, rhs)
    found, worst, searched = search(small, large, kind, domains, tolerance, PROBE if budget.prove_first else budget,
                                    conditions)
    proof_timed_out = False
    if found is None and kind != "within" and not note:
        started = time.perf_counter()
        proof = prove(small, large, kind, budget.proof_seconds)
        substitution = _open_interval_substitution(small - large, domains)
        if not proof and substitution:
            proof = prove(small.xreplace(substitution), large.xreplace(substitution), kind, budget.proof_seconds)
            proof = proof and f"{proof}, with each symbol of an open interval (a, b) written a + (b - a)/(1 + t), t > 0"
        if proof:
            return Outcome("proved", proof)
        proof_timed_out = time.perf_counter() - started >= budget.proof_seconds
    if found is None and budget.prove_first:
        found, worst, searched = search(small, large, kind, domains, tolerance, budget, conditions)
    if found is not None:
        point, left, right = found
        if kind != "identity" and kind != "within" and small is rhs:
            left, right = right, left
        return Outcome("refuted", f"counterexample found by {searched}, confirmed at 80 digits{note}",
                       {"point": point, "lhs": digits(left), "rhs": digits(right)})
    if worst is None:
        return Outcome("undecided", "neither side could be evaluated at any point of the declared domain "
                                    f"({searched}); check the symbols' assumptions")
    if kind == "within":
        exact = not (lhs - rhs).free_symbols and not note
        if exact:
            return Outcome("proved", f"exact value evaluated to 50 digits; within {tolerance} of the printed value")
        return Outcome("verified", f"within {tolerance} at every point of {searched}{note}")
    if note:
        why = "the expectation is numeric"
    elif proof_timed_out:
        why = f"simplification did not reach a proof within {budget.proof_seconds:g} s"
    else:
        why = "SymPy's rewrites did not reach a proof"
    return Outcome("verified", f"no counterexample in {searched}, where sides closer than 1e-25 of 1 + |lhs| + "
                               f"|rhs| count as equal; {why}{note}")


def _open_interval_substitution(expr, domains: dict) -> dict:
    """{x: a + (b - a)/(1 + t)} for each symbol of `expr` declared on an open interval (a, b) with finite ends
    (a + t on (a, oo), b - t on (-oo, b)), each t a new positive symbol. The map from t > 0 onto the interval is a
    bijection, so an identity or inequality in the t's for every t > 0 is one in the x's on their intervals; under
    it SymPy knows x - a and b - x to be positive (1 - p for p in (0, 1)), which its assumptions cannot say of x."""
    substitution = {}
    for symbol in expr.free_symbols:
        domain = domains.get(symbol)
        if domain is None or domain.integer or not (domain.low_open and domain.high_open):
            continue
        t = sp.Dummy(f"t_{symbol}", positive=True)
        if domain.low != -sp.oo and domain.high != sp.oo:
            substitution[symbol] = domain.low + (domain.high - domain.low) / (1 + t)
        elif domain.low != -sp.oo and domain.low != 0:
            substitution[symbol] = domain.low + t
        elif domain.high != sp.oo:
            substitution[symbol] = domain.high - t
    return substitution


def search(small, large, kind, domains, tolerance, budget: Budget, conditions=()):
    """(counterexample (point, lhs, rhs) or None, worst Found, what was searched in words)."""
    if (small - large).has(sp.Integral):
        budget = Budget(points=min(budget.points, 30), starts=1, evaluations=min(budget.evaluations, 30),
                        proof_seconds=budget.proof_seconds)
    dims = sorted(dimensions(small) | dimensions(large), key=str)
    sizes = [[d for d in DIMENSIONS if domain_of(s, domains).contains(d)] or [domain_of(s, domains).simple_value()]
             for s in dims]
    assignments = [dict(zip(dims, values)) for values in itertools.product(*sizes)] or [{}]
    per_assignment = max(budget.points // len(assignments), 20)
    total_points, total_evaluations, worst = 0, 0, None
    for fixed in assignments:
        left, right, *needs = instantiate((small, large, *conditions), fixed)
        symbols = tuple(sorted((left.free_symbols | right.free_symbols) - set(fixed), key=str))
        compiled = compile_sides((left, right), symbols)
        needs = [c for c in needs if c is not sp.true and c.free_symbols <= set(symbols)]
        feasible = _feasibility(needs, symbols)
        finder = Search(sides=lambda point, c=compiled: tuple(c(point)), symbols=symbols,
                        domains={s: domain_of(s, domains) for s in symbols}, kind=kind,
                        tolerance=mpmath.mpf(tolerance.p) / tolerance.q if tolerance is not None else None,
                        points=per_assignment, starts=budget.starts, evaluations=budget.evaluations,
                        feasible=feasible, closed_form=not (left - right).has(sp.Integral))
        found, seen = finder.run()
        total_points += min(per_assignment, finder.evaluated)
        total_evaluations += finder.evaluated
        if seen is not None and (worst is None or seen.gap > worst.gap):
            worst = seen
        if found is not None:
            point = {str(s): describe_value(v) for s, v in {**fixed, **found.point}.items()}
            return (point, found.lhs, found.rhs), found, _searched(total_evaluations, assignments, dims)
    return None, worst, _searched(total_evaluations, assignments, dims)


def _searched(evaluations: int, assignments, dims) -> str:
    text = (f"a search of {counted(evaluations, 'point')} (a simple point, the domain's edges and extreme scales "
            f"1e-8..1e8, random points, then Nelder-Mead on the gap from the worst ones)")
    if dims:
        text += f" for {', '.join(str(d) for d in dims)} in {sorted({tuple(a.values()) for a in assignments})}"
    return text


def _feasibility(conditions, symbols):
    if not conditions:
        return lambda point: True
    functions = [sp.lambdify(symbols, c, modules="mpmath") for c in conditions]

    def feasible(point):
        from elbocheck.derivations.evaluation import mp_value
        values = [mp_value(point[s]) for s in symbols]
        return all(bool(f(*values)) for f in functions)

    return feasible


# ----------------------------------------------------------------------------------------------------------------
# Proofs


def is_zero(expr) -> bool:
    """True when rewrites.is_zero shows expr is 0, sums compared termwise."""
    expr = sp.sympify(expr)
    if expr.has(sp.Sum):
        return _sums_cancel(expr)
    return rewrites.is_zero(expr)


def _log_product_as_sum(expr):
    """log(Product(f, limits)) written as Sum(log(f), limits) for a positive f."""
    return expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Product) and e.args[0].function.is_positive,
        lambda e: sp.Sum(sp.log(e.args[0].function), *e.args[0].limits))


def _sums_cancel(expr) -> bool:
    """Sums over the same range are merged and their summand shown to be 0; terms outside every sum are spread
    evenly over the one range (sum_{j=1}^d r/d = r)."""
    buckets: dict = {}
    rest = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(_log_product_as_sum(expr))):
        sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
        if len(sums) == 1 and len(sums[0].limits) == 1:
            coefficient = term / sums[0]
            (index, low, high), = sums[0].limits
            if not coefficient.has(index):
                buckets.setdefault((low, high), []).append((index, coefficient * sums[0].function))
                continue
        rest += term
    if not buckets:
        return False
    merged = {}
    for (low, high), parts in buckets.items():
        index = parts[0][0]
        merged[(low, high)] = (index, sp.Add(*(part.subs(i, index) for i, part in parts)))
    if rest != 0:
        if len(merged) != 1:
            return False
        (low, high), (index, summand) = next(iter(merged.items()))
        merged[(low, high)] = (index, summand + rest / (high - low + 1))
    return all(is_zero(summand) for index, summand in merged.values())


def prove(small, large, kind: str, seconds: float) -> str | None:
    """A proof of small = large (identity) or small <= large, in words, or None."""
    difference = large - small
    try:
        with time_budget(seconds):
            if kind == "identity":
                return "the difference of the two sides simplifies to 0" if is_zero(difference) else None
            if not difference.free_symbols:
                value = sp.N(difference, 50)
                holds = value > 0 if kind == "below" else value >= 0
                return f"the gap is the constant {sp.N(difference, 12)}, evaluated exactly" if holds else None
            for candidate in (difference, sp.expand(difference), sp.simplify(difference), sp.factor(difference)):
                if (candidate.is_positive if kind == "below" else candidate.is_nonnegative):
                    return "the gap (right minus left) is non-negative by the symbols' assumptions (SymPy)"
            if kind == "at most" and _convex_terms(difference):
                return ("the gap is a sum of terms each non-negative by the assumptions or of the form "
                        "c (u - 1 - log u) with c >= 0, u > 0 (convexity)")
    except (IntegrationTimeout, TypeError, ValueError, NotImplementedError, RecursionError):
        return None
    return None


def _convex_terms(difference) -> bool:
    from elbocheck.derivations.checks import _nonnegative_term

    force = rewrites.forcing_is_sound(difference)
    terms = sp.Add.make_args(sp.expand(sp.expand_log(difference, force=force)))
    logs = [t for t in terms if t.has(sp.log)]
    log_part = sp.Add(*logs)
    for log_atom in sp.Add(*logs).atoms(sp.log):
        u = log_atom.args[0]
        c = -log_part.coeff(log_atom)
        if c.is_nonnegative and u.is_positive:
            rest = sp.expand(difference - c * (u - 1 - sp.log(u)))
            rest = sp.expand(sp.expand_log(rest, force=force))
            if rest == 0 or rest.is_nonnegative or sp.factor(rest).is_nonnegative:
                return _nonnegative_term(sp.Mul(c, u - 1 - sp.log(u), evaluate=False)) or True
    return False


# ----------------------------------------------------------------------------------------------------------------
# Series


def _decide_series(lhs, rhs, order, domains, budget: Budget) -> Outcome:
    variable, power = order
    try:
        with time_budget(budget.proof_seconds * 2):
            expansion = sp.series(lhs, variable, 0, power).removeO()
    except (IntegrationTimeout, NotImplementedError, ValueError, TypeError):
        return Outcome("undecided", f"SymPy's series of the left side in {variable} did not finish in "
                                    f"{budget.proof_seconds * 2:g} s")
    claimed = sp.expand(rhs)
    for k in range(power):
        left = sp.simplify(expansion.coeff(variable, k)) if k else sp.simplify(expansion.subs(variable, 0))
        right = sp.simplify(claimed.coeff(variable, k)) if k else sp.simplify(claimed.subs(variable, 0))
        if k == 0:
            left = sp.simplify(sp.expand(expansion).as_independent(variable, as_Add=True)[0])
            right = sp.simplify(claimed.as_independent(variable, as_Add=True)[0])
        if is_zero(left - right):
            continue
        found, worst, searched = search(left, right, "identity", domains, None, Budget(points=60, starts=1))
        point = found[0] if found else {}
        values = (found[1], found[2]) if found else (None, None)
        counterexample = {"point": point, "lhs": digits(values[0]) if found else str(left),
                          "rhs": digits(values[1]) if found else str(right)}
        return Outcome("refuted", f"the coefficients of {variable}**{k} differ: the left side's series has "
                                  f"{left}, the right side {right} (lhs and rhs below are those coefficients)",
                       counterexample)
    return Outcome("proved", f"the Taylor coefficients of {variable}**0 .. {variable}**{power - 1} of the left side "
                             f"(sympy.series) equal the right side's")


def symbol_domains(symbols: dict, declared: dict) -> dict:
    """Map SymPy symbols to Domains from a {name: Domain} table."""
    return {symbol: declared[name] for name, symbol in symbols.items() if name in declared}


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


__all__ = ["Outcome", "Budget", "QUICK", "decide", "search", "prove", "is_zero", "Domain"]
