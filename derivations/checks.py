"""The kinds of check that decide a claim, each a frozen record of SymPy objects with a `decide()` method.

A check never looks up an answer: `decide()` computes a Decision from the objects it holds, so changing a
coefficient of a claim changes its verdict. The common pattern (SymPy's own `verify_numerically` and
`(lhs - rhs).simplify() == 0`):

1. evaluate the difference at random exact rational points of the symbols' domain, at 50 digits; a point
   where it is clearly non-zero is a counterexample and refutes the claim;
2. otherwise simplify the difference with increasingly expensive rewrites (or, for an inequality, check its
   witness); reaching 0 proves the claim;
3. otherwise search for the point where the claim is most wrong (derivations.probing.search_counterexample:
   the domain's edges, extreme scales, a local optimiser on the gap); a point where it fails refutes the claim,
   and without one the claim is verified numerically only, and the method says how many points were searched.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Mapping

import mpmath
import sympy as sp

from elbocheck.derivations.rewrites import is_zero
from elbocheck.derivations.probing import (  # noqa: F401  (re-exported for the topic modules and tests)
    DEFAULT_SEED, DIGITS, PROBE_POINTS, _describe_point, _domain_of, _entries, _short, _tiny,
    _undefined_functions, evaluate, high_precision, instantiate_functions, probe_points, random_point,
    search_counterexample, simple_point,
)


class Verdict(str, Enum):
    PROVED = "proved"
    VERIFIED = "verified"
    REFUTED = "refuted"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Decision:
    """What a check concluded, how, and (when refuted) the point that shows it."""

    verdict: Verdict
    method: str
    counterexample: str | None = None


# --------------------------------------------------------------------------------------------------------------
# The checks


@dataclass(frozen=True)
class Equal:
    """lhs = rhs (scalars or matrices) for every value of the free symbols in their domain."""

    lhs: sp.Expr
    rhs: sp.Expr
    domain: Mapping = field(default_factory=dict)
    labels: tuple[str, str] = ("left side", "right side")
    symbolic: bool = True

    def describe(self) -> str:
        return f"{self.labels[0]}:\n{sp.pretty(self.lhs)}\n{self.labels[1]}:\n{sp.pretty(self.rhs)}"

    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        rng = random.Random(seed)
        pairs = list(zip(_entries(self.lhs), _entries(self.rhs)))
        if len(_entries(self.lhs)) != len(_entries(self.rhs)):
            return Decision(Verdict.REFUTED, "shapes differ", "the two sides have different shapes")
        counterexample = self.search_counterexample(pairs, rng)
        if counterexample:
            return Decision(Verdict.REFUTED, "counterexample at an exact rational point, evaluated to 50 digits",
                            counterexample)
        if self.symbolic and all(is_zero(sp.sympify(a) - sp.sympify(b)) for a, b in pairs):
            return Decision(Verdict.PROVED, "the difference of the two sides simplifies to 0")
        searched = ""
        for index, (left, right) in enumerate(pairs):
            point, left_value, right_value, searched = search_counterexample(left, right, "identity", self.domain,
                                                                             seed)
            if point is not None:
                where = f" (entry {index})" if len(pairs) > 1 else ""
                return Decision(Verdict.REFUTED, f"counterexample found by {searched}, confirmed at 80 digits",
                                f"at {_describe_point(point)}{where}: {self.labels[0]} = {_short(left_value)}, "
                                f"{self.labels[1]} = {_short(right_value)}")
        reason = "simplification not attempted (the expression is too large)" if not self.symbolic else (
            "simplification did not reach 0")
        return Decision(
            Verdict.VERIFIED,
            f"{reason}; equal to 50 digits at {PROBE_POINTS} random exact points (mpmath) and in {searched}",
        )

    def search_counterexample(self, pairs, rng: random.Random) -> str | None:
        symbols = sorted(set().union(*(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols
                                       for a, b in pairs)), key=str)
        has_functions = any(_undefined_functions(sp.sympify(a)) | _undefined_functions(sp.sympify(b))
                            for a, b in pairs)
        instances = [instantiate_functions(sp.Tuple(*[e for pair in pairs for e in pair]), rng)
                     for _ in range(3)] if has_functions else [(sp.Tuple(*[e for pair in pairs for e in pair]), "")]
        for number, point in enumerate(probe_points(symbols, self.domain, rng)):
            values, functions = instances[number % len(instances)]
            for index in range(len(pairs)):
                left, right = values[2 * index], values[2 * index + 1]
                left_value, right_value = _evaluate_pair(left, right, point)
                if left_value is None:
                    continue
                scale = 1 + abs(left_value) + abs(right_value)
                if abs(left_value - right_value) > _tiny(scale):
                    where = f" (entry {index})" if len(pairs) > 1 else ""
                    at = f"at {_describe_point(point)}" if point else "exactly"
                    with_functions = f" with {functions}" if functions else ""
                    return (f"{at}{with_functions}{where}: {self.labels[0]} = {_short(left_value)}, "
                            f"{self.labels[1]} = {_short(right_value)}")
        return None


def _evaluate_pair(left, right, point):
    try:
        return evaluate(left, point), evaluate(right, point)
    except (ValueError, ZeroDivisionError):
        return None, None


@dataclass(frozen=True)
class Differ:
    """lhs != rhs for every value of the free symbols (refuted by solving lhs = rhs inside the domain)."""

    lhs: sp.Expr
    rhs: sp.Expr
    solve_for: tuple[sp.Symbol, ...]
    labels: tuple[str, str] = ("left side", "right side")

    def describe(self) -> str:
        return f"{self.labels[0]} != {self.labels[1]}:\n{sp.pretty(self.lhs)}\n  vs\n{sp.pretty(self.rhs)}"

    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        difference = sp.simplify(self.lhs - self.rhs)
        if difference == 0:
            return Decision(Verdict.REFUTED, "the two sides are identical", "they are equal everywhere")
        solutions = sp.solve(difference, list(self.solve_for), dict=True)
        for solution in solutions:
            if all(value.is_real is not False for value in solution.values()):
                where = ", ".join(f"{k} = {v}" for k, v in solution.items())
                return Decision(Verdict.REFUTED, "solved lhs = rhs exactly",
                                f"the two sides are equal when {where}")
        return Decision(Verdict.PROVED, f"lhs - rhs = {difference} has no solution in {self.solve_for}")


@dataclass(frozen=True)
class Approx:
    """expr ≈ claimed, as printed: |expr - claimed| is at most half a unit in the last printed digit.

    With `per`, the claim is expr ≈ claimed * per (e.g. "≈ 1.1 N"), decided on expr / per. Free symbols are
    probed over their domain: the claim must hold at every point.
    """

    expr: sp.Expr
    claimed: str
    per: sp.Expr | None = None
    domain: Mapping = field(default_factory=dict)

    def decimals(self) -> int:
        return len(self.claimed.split(".")[1]) if "." in self.claimed else 0

    def tolerance(self) -> sp.Rational:
        return sp.Rational(1, 2 * 10 ** self.decimals())

    def describe(self) -> str:
        unit = f" * {self.per}" if self.per is not None else ""
        return f"{sp.pretty(self.expr)}\n  ≈ {self.claimed}{unit} (tolerance {self.tolerance()})"

    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        rng = random.Random(seed)
        value_expr = sp.simplify(self.expr / self.per) if self.per is not None else self.expr
        claimed = sp.Rational(self.claimed)
        symbols = sorted(value_expr.free_symbols, key=str)
        points = list(probe_points(symbols, self.domain, rng)) if symbols else [{}]
        for point in points:
            value = evaluate(value_expr, point)
            if abs(value - mpmath.mpf(claimed.p) / claimed.q) > mpmath.mpf(1) / (2 * 10 ** self.decimals()):
                at = f"at {_describe_point(point)}: " if point else ""
                unit = f" per {self.per}" if self.per is not None else ""
                return Decision(
                    Verdict.REFUTED,
                    "exact value evaluated to 50 digits and compared with the printed digits",
                    f"{at}the value{unit} is {_short(value)}, not {self.claimed} (± {self.tolerance()})",
                )
        where = f" at {len(points)} random points" if symbols else ""
        return Decision(
            Verdict.PROVED,
            f"exact value evaluated to 50 digits{where}; within half a unit of the printed last digit",
        )


@dataclass(frozen=True)
class Expansion:
    """expr ≃ claimed to the given total order in the small symbols (a Taylor expansion as printed)."""

    expr: sp.Expr
    claimed: sp.Expr
    small: tuple[sp.Symbol, ...]
    order: int
    domain: Mapping = field(default_factory=dict)

    def describe(self) -> str:
        return (f"{sp.pretty(self.expr)}\n  ≃ {sp.pretty(self.claimed)}\nto order {self.order} in "
                f"{', '.join(map(str, self.small))}")

    def series(self, expr) -> sp.Expr:
        scale = sp.Dummy("t", positive=True)
        scaled = expr.subs({symbol: scale * symbol for symbol in self.small}, simultaneous=True)
        return sp.expand(sp.series(scaled, scale, 0, self.order + 1).removeO()), scale

    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        true_series, scale = self.series(self.expr)
        claimed_series = sp.expand(self.claimed.subs({s: scale * s for s in self.small}, simultaneous=True))
        claimed_series = sum(
            (claimed_series.coeff(scale, k) * scale**k for k in range(self.order + 1)), sp.Integer(0)
        )
        for k in range(self.order + 1):
            true_term = sp.simplify(true_series.coeff(scale, k))
            claimed_term = sp.simplify(claimed_series.coeff(scale, k))
            if sp.simplify(true_term - claimed_term) != 0:
                small = ", ".join(map(str, self.small))
                return Decision(
                    Verdict.REFUTED,
                    f"Taylor series in {small} to order {self.order}, compared term by term",
                    f"the terms of order {k} in {small} are {true_term} in the true expansion but "
                    f"{claimed_term} as printed",
                )
        return Decision(Verdict.PROVED, f"Taylor series to order {self.order} agrees term by term")


@dataclass(frozen=True)
class Maximiser:
    """`point` maximises `objective` over `variables` subject to affine `constraints` (each = 0), with maximum
    `value`; with point None the stationary point is solved for.

    Decided by Lagrange stationarity (the multipliers solved exactly), strict concavity of the objective
    (a diagonal Hessian with negative entries under the symbols' assumptions) and affine constraints, which make
    the stationary point the unique global maximiser; then the value is compared.
    """

    objective: sp.Expr
    variables: tuple[sp.Symbol, ...]
    constraints: tuple[sp.Expr, ...]
    point: Mapping | None = None
    value: sp.Expr | None = None
    domain: Mapping = field(default_factory=dict)

    def describe(self) -> str:
        lines = [f"maximise {sp.pretty(self.objective)}", f"over {', '.join(map(str, self.variables))}"]
        lines += [f"subject to {sp.pretty(c)} = 0" for c in self.constraints]
        if self.point is not None:
            lines += [f"claimed maximiser {k} = {sp.pretty(v)}" for k, v in self.point.items()]
        if self.value is not None:
            lines.append(f"claimed maximum {sp.pretty(self.value)}")
        return "\n".join(lines)

    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        rng = random.Random(seed)
        for constraint in self.constraints:
            if any(sp.diff(constraint, a, b) != 0 for a in self.variables for b in self.variables):
                raise ValueError(f"constraint {constraint} is not affine in the variables")
        multipliers = sp.symbols(f"lambda0:{len(self.constraints)}", real=True)
        lagrangian = self.objective + sum(m * c for m, c in zip(multipliers, self.constraints))
        gradient = [sp.diff(lagrangian, v) for v in self.variables]
        point = self.point
        if point is None:
            solutions = sp.solve(gradient + list(self.constraints), list(self.variables) + list(multipliers),
                                 dict=True)
            if not solutions:
                raise ValueError("no stationary point found")
            point = {v: sp.simplify(solutions[0][v]) for v in self.variables}
        for constraint in self.constraints:
            residual = sp.simplify(constraint.subs(point, simultaneous=True))
            if residual != 0:
                return Decision(Verdict.REFUTED, "the claimed maximiser violates a constraint",
                                f"constraint {constraint} = 0 evaluates to {residual}")
        stationarity = [sp.simplify(g.subs(point, simultaneous=True)) for g in gradient]
        solved = sp.solve(stationarity, list(multipliers), dict=True) if multipliers else [{}]
        solved = [s for s in solved if all(sp.simplify(e.subs(s)) == 0 for e in stationarity)]
        if not solved:
            return Decision(Verdict.REFUTED, "Lagrange stationarity fails at the claimed point",
                            self._ascent_counterexample(point, rng))
        concavity = self._concavity()
        if concavity is None:
            return self._numeric_decision(point, rng)
        value_method = ""
        if self.value is not None:
            at_point = self.objective.subs(point, simultaneous=True)
            value_decision = Equal(at_point, self.value, self.domain, ("objective at the maximiser",
                                                                        "claimed maximum")).decide(seed)
            if value_decision.verdict is Verdict.REFUTED:
                return Decision(Verdict.REFUTED, "the maximum value differs from the claimed one",
                                value_decision.counterexample)
            value_method = "; the value at the maximiser " + (
                "simplifies to the claimed maximum" if value_decision.verdict is Verdict.PROVED
                else "equals the claimed maximum numerically")
            if value_decision.verdict is Verdict.VERIFIED:
                return Decision(Verdict.VERIFIED, f"{concavity}{value_method}")
        multiplier_text = ", ".join(f"{k} = {v}" for k, v in solved[0].items())
        return Decision(
            Verdict.PROVED,
            f"Lagrange stationarity holds exactly ({multiplier_text or 'no constraints'}); {concavity}; "
            f"affine constraints, so the stationary point is the global maximiser{value_method}",
        )

    def _numeric_decision(self, point, rng: random.Random) -> Decision:
        """Without concavity: compare the claimed point with random feasible perturbations of it."""
        parameters = sorted(self.objective.free_symbols - set(self.variables), key=str)
        jacobian = sp.Matrix([[sp.diff(c, v) for v in self.variables] for c in self.constraints])
        null_space = jacobian.nullspace() if jacobian.rows else [sp.eye(len(self.variables))[:, i]
                                                                  for i in range(len(self.variables))]
        for _ in range(PROBE_POINTS):
            values = random_point(parameters, self.domain, rng)
            at = {v: sp.sympify(point[v]).subs(values) for v in self.variables}
            objective = self.objective.subs(values)
            best = evaluate(objective.subs(at), {})
            for _ in range(10):
                direction = sum((sp.Rational(rng.randint(-8, 8), 8) * basis for basis in null_space),
                                sp.zeros(len(self.variables), 1))
                moved = {v: at[v] + sp.Rational(1, 20) * direction[i] for i, v in enumerate(self.variables)}
                if any(sp.N(m) <= 0 for m in moved.values()):
                    continue
                value = evaluate(objective.subs(moved), {})
                if value > best + _tiny(1):
                    return Decision(Verdict.REFUTED, "a feasible perturbation of the claimed maximiser scores higher",
                                    f"at {_describe_point(values)}: {_short(value)} > {_short(best)}")
        return Decision(Verdict.VERIFIED, "stationary, but concavity not established; no feasible random "
                                          "perturbation scored higher")

    def _concavity(self) -> str | None:
        hessian = sp.hessian(self.objective, self.variables)
        off_diagonal = [hessian[i, j] for i in range(hessian.rows) for j in range(hessian.cols) if i != j]
        diagonal = [hessian[i, i] for i in range(hessian.rows)]
        if all(sp.simplify(e) == 0 for e in off_diagonal) and all(d.is_negative for d in diagonal):
            return "the Hessian is diagonal with negative entries (strictly concave)"
        if all(sp.simplify(e) == 0 for e in off_diagonal) and all(d.is_nonpositive for d in diagonal):
            return "the Hessian is diagonal with non-positive entries (concave)"
        return None

    def _ascent_counterexample(self, point, rng: random.Random) -> str:
        """A numeric instance where a feasible step from the claimed point increases the objective."""
        parameters = sorted((self.objective.free_symbols | set().union(*(sp.sympify(v).free_symbols
                            for v in point.values()))) - set(self.variables), key=str)
        for _ in range(20):
            values = random_point(parameters, self.domain, rng)
            at = {v: sp.sympify(point[v]).subs(values) for v in self.variables}
            objective = self.objective.subs(values)
            gradient = sp.Matrix([sp.diff(objective, v).subs(at) for v in self.variables])
            jacobian = sp.Matrix([[sp.diff(c, v) for v in self.variables] for c in self.constraints])
            if jacobian.rows:
                projector = sp.eye(len(self.variables)) - jacobian.T * (jacobian * jacobian.T).inv() * jacobian
                direction = projector * gradient
            else:
                direction = gradient
            direction = sp.Matrix([sp.nsimplify(sp.N(d, 30), rational=True, tolerance=1e-12)
                                   for d in direction])
            if all(d == 0 for d in direction):
                continue
            for step in (sp.Rational(1, 10), sp.Rational(1, 100), sp.Rational(1, 1000)):
                moved = {v: at[v] + step * direction[i] for i, v in enumerate(self.variables)}
                if any(sp.N(m) <= 0 for m in moved.values()):
                    continue
                before, after = evaluate(objective.subs(at), {}), evaluate(objective.subs(moved), {})
                if after > before:
                    return (f"at {_describe_point(values)}: the objective is {_short(before)} at the claimed "
                            f"maximiser and {_short(after)} after a feasible step of size {step}")
        return "the gradient of the Lagrangian does not vanish at the claimed point for any multiplier"


@dataclass(frozen=True)
class Concave:
    """`expr` is concave in `variables` over the domain of the other symbols."""

    expr: sp.Expr
    variables: tuple[sp.Symbol, ...]
    domain: Mapping = field(default_factory=dict)

    def describe(self) -> str:
        return f"{sp.pretty(self.expr)}\nis concave in {', '.join(map(str, self.variables))}"

    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        rng = random.Random(seed)
        hessian = sp.hessian(self.expr, self.variables)
        symbols = sorted(hessian.free_symbols, key=str)
        for point in probe_points(symbols, self.domain, rng):
            with mpmath.workdps(DIGITS):
                numeric = mpmath.matrix([[evaluate(hessian[i, j], point) for j in range(hessian.cols)]
                                         for i in range(hessian.rows)])
                largest = max(mpmath.re(e) for e in mpmath.eig(numeric)[0])
            if largest > _tiny(1):
                return Decision(Verdict.REFUTED, "the Hessian has a positive eigenvalue",
                                f"at {_describe_point(point)} the Hessian's largest eigenvalue is {_short(largest)}")
        diagonal = all(sp.simplify(hessian[i, j]) == 0 for i in range(hessian.rows) for j in range(hessian.cols)
                       if i != j)
        if diagonal and all(hessian[i, i].is_nonpositive for i in range(hessian.rows)):
            return Decision(Verdict.PROVED, "the Hessian is diagonal with non-positive entries")
        return Decision(Verdict.VERIFIED, f"Hessian negative semidefinite at {PROBE_POINTS} random points")


@dataclass(frozen=True)
class AtMost:
    """lhs <= rhs everywhere in the domain, proved by a witness: terms whose sum is rhs - lhs, each non-negative
    by SymPy's assumptions or of the form c (u - 1 - log u) with c >= 0 and u > 0 (`convexity_lemma`)."""

    lhs: sp.Expr
    rhs: sp.Expr
    witness: tuple = ()
    domain: Mapping = field(default_factory=dict)
    labels: tuple[str, str] = ("left side", "right side")

    def describe(self) -> str:
        text = f"{self.labels[0]}:\n{sp.pretty(self.lhs)}\n<= {self.labels[1]}:\n{sp.pretty(self.rhs)}"
        if self.witness:
            text += "\nwitness terms (summing to right - left):\n" + "\n".join(sp.pretty(t) for t in self.witness)
        return text

    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        rng = random.Random(seed)
        gap = sp.sympify(self.rhs - self.lhs)
        symbols = sorted(gap.free_symbols, key=str)
        for point in probe_points(symbols, self.domain, rng):
            value = evaluate(gap, point)
            if value < -_tiny(1):
                return Decision(Verdict.REFUTED, "a point where the inequality fails",
                                f"at {_describe_point(point)}: {self.labels[0]} exceeds {self.labels[1]} by "
                                f"{_short(-value)}")
        if self.witness and is_zero(gap - sp.Add(*self.witness)) and all(
                _nonnegative_term(term) for term in self.witness):
            return Decision(
                Verdict.PROVED,
                "right minus left simplifies to a sum of terms each non-negative "
                "(by SymPy's assumptions, or c (u - 1 - log u) >= 0 by convexity)",
            )
        point, left_value, right_value, searched = search_counterexample(self.lhs, self.rhs, "at most", self.domain,
                                                                         seed, evaluations=400)
        if point is not None:
            return Decision(Verdict.REFUTED, f"a point where the inequality fails, found by {searched} and "
                                             f"confirmed at 80 digits",
                            f"at {_describe_point(point)}: {self.labels[0]} exceeds {self.labels[1]} by "
                            f"{_short(left_value - right_value)}")
        return Decision(Verdict.VERIFIED, f"non-negative gap at {PROBE_POINTS} exact points and in {searched}")


_U = sp.Symbol("u", positive=True)


def convexity_lemma() -> bool:
    """u - 1 - log u >= 0 for u > 0: convex (second derivative 1/u^2 > 0), stationary and zero at u = 1."""
    phi = _U - 1 - sp.log(_U)
    return bool(sp.diff(phi, _U, 2).is_positive and sp.diff(phi, _U).subs(_U, 1) == 0 and phi.subs(_U, 1) == 0)


def _nonnegative_term(term) -> bool:
    if term.is_nonnegative:
        return True
    factors = term.args if isinstance(term, sp.Mul) else (term,)
    sums = [f for f in factors if isinstance(f, sp.Add)]
    others = [f for f in factors if not isinstance(f, sp.Add)]
    if len(sums) != 1 or not all(f.is_nonnegative for f in others):
        return False
    candidate = sums[0]
    for log_term in candidate.atoms(sp.log):
        u = log_term.args[0]
        if u.is_positive and sp.simplify(candidate - (u - 1 - sp.log(u))) == 0:
            return convexity_lemma()
    return False


def _describe_parameter(value) -> str:
    """A parameter of a procedure as a reader wants it: a function by its name and the first line of its
    docstring, a lambda by its source text, anything else by str (never an object's address)."""
    import inspect

    if callable(value) and not isinstance(value, (sp.Basic, type)):
        name = getattr(value, "__name__", type(value).__name__)
        if name == "<lambda>":
            return _lambda_source(value)
        doc = inspect.getdoc(value)
        return f"{name}: {doc.splitlines()[0]}" if doc else name
    text = str(value)
    return type(value).__name__ if " at 0x" in text else text


def _lambda_source(function) -> str:
    """The text `lambda args: body` of a lambda, cut from its file by the columns of its body's instructions."""
    import inspect

    try:
        lines, _ = inspect.findsource(function)
        positions = [p for p in function.__code__.co_positions() if None not in p and (p[1], p[3]) > (p[0], p[2])]
        first, last = min(p[0] for p in positions), max(p[1] for p in positions)
        start = min(p[2] for p in positions if p[0] == first)
        end = max(p[3] for p in positions if p[1] == last)
        keyword = lines[first - 1].rfind("lambda", 0, start)
        if keyword < 0:
            raise ValueError("no lambda keyword before the body")
        text = lines[first - 1][keyword:] if first != last else lines[first - 1][keyword:end]
        if first != last:
            text += "".join(lines[first:last - 1]) + lines[last - 1][:end]
        return " ".join(text.split())
    except (OSError, TypeError, ValueError, IndexError):
        return "a formula (lambda)"


@dataclass(frozen=True)
class Procedure:
    """A claim decided by running a computation on `params`: exact enumeration or high-precision numerics.

    `run(params)` returns (holds, detail, counterexample). `exact` says whether a pass proves the claim for the
    cases it covers (exact arithmetic over all of them) or only verifies it.
    """

    run: Callable[..., tuple[bool, str, str | None]]
    params: Mapping = field(default_factory=dict)
    method: str = ""
    exact: bool = False

    def describe(self) -> str:
        lines = [f"  {name} = {_describe_parameter(value)}" for name, value in self.params.items()]
        return f"{self.method}\nparameters:\n" + "\n".join(lines) if lines else self.method


    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        holds, detail, counterexample = self.run(**self.params)
        if not holds:
            return Decision(Verdict.REFUTED, f"{self.method}: {detail}", counterexample)
        return Decision(Verdict.PROVED if self.exact else Verdict.VERIFIED, f"{self.method}: {detail}")


@dataclass(frozen=True)
class AllOf:
    """Every part holds; refuted by the first part that is refuted, proved only when every part is proved."""

    parts: tuple
    labels: tuple[str, ...]

    def describe(self) -> str:
        return "\n\n".join(f"[{label}]\n{part.describe()}" for label, part in zip(self.labels, self.parts))

    @high_precision
    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        decisions = []
        for label, part in zip(self.labels, self.parts):
            decision = part.decide(seed)
            if decision.verdict is Verdict.REFUTED:
                return Decision(Verdict.REFUTED, f"{label}: {decision.method}",
                                f"{label}: {decision.counterexample}")
            decisions.append(decision)
        method = "; ".join(f"{label}: {d.method}" for label, d in zip(self.labels, decisions))
        if all(d.verdict is Verdict.PROVED for d in decisions):
            return Decision(Verdict.PROVED, method)
        return Decision(Verdict.VERIFIED, method)


@dataclass(frozen=True)
class StatementCheck:
    """A statement of the claims-file language (derivations.statement), decided by derivations.engine: the check
    of every claim the documents' TOML files hold, and of users' claims files."""

    statement: object
    domains: Mapping = field(default_factory=dict)
    tolerance: object = None

    def describe(self) -> str:
        text = self.statement.text
        if self.statement.order is None:
            text += f"\nleft side:\n{sp.pretty(self.statement.lhs)}\nright side:\n{sp.pretty(self.statement.rhs)}"
        return text

    def decide(self, seed: int = DEFAULT_SEED) -> Decision:
        from elbocheck.derivations import engine

        outcome = engine.decide(self.statement, dict(self.domains), self.tolerance, diagnose=False)
        counterexample = None
        if outcome.counterexample is not None:
            point = ", ".join(f"{k} = {v}" for k, v in outcome.counterexample["point"].items())
            at = f"at {point}: " if point else ""
            counterexample = (f"{at}left side = {outcome.counterexample['lhs']}, "
                              f"right side = {outcome.counterexample['rhs']}")
        return Decision(Verdict(outcome.verdict), outcome.method, counterexample)


Check = Equal | Differ | Approx | Expansion | Maximiser | Concave | AtMost | Procedure | AllOf | StatementCheck


def replace_part(check: AllOf, index: int, part) -> AllOf:
    """A copy of an AllOf with one part replaced (for mutating claims in tests)."""
    parts = list(check.parts)
    parts[index] = part
    return dataclasses.replace(check, parts=tuple(parts))
