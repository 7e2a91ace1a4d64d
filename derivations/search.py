"""Numeric search for a counterexample: many points of the declared domain, then a local optimiser on the gap.

Sampling a dozen points misses a claim that fails only somewhere (ELBO + 1/100 <= log p(x) fails wherever
q is close to the posterior). The search here looks for the point where a claim is most wrong:

1. candidate points: a simple point (ones, or midpoints), each symbol alone moved to the edges of its domain and
   to extreme scales (1e-8 ... 1e8, both signs where allowed), and random points mixing those values with
   log-uniform magnitudes;
2. the gap at each point, evaluated by mpmath at 50 digits: |lhs - rhs| / (1 + |lhs| + |rhs|) for an identity,
   (lhs - rhs) / (1 + |lhs| + |rhs|) for lhs <= rhs;
3. from the worst points, SciPy's Nelder-Mead on the gap, in coordinates where the domain is all of R
   (exp for positive symbols, a logistic map for intervals);
4. a point where the claim fails by more than the noise of 50-digit arithmetic is confirmed at 80 digits and
   rounded to a readable value that still fails.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import mpmath
import sympy as sp

DIGITS = 50
CONFIRM_DIGITS = 80
NOISE = mpmath.mpf(10) ** -25
SCALES = (sp.Rational(1, 10**8), sp.Rational(1, 1000), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2),
          sp.Integer(3), sp.Integer(10), sp.Integer(1000), sp.Integer(10**8))
INTERVAL_FRACTIONS = (sp.Rational(1, 10**8), sp.Rational(1, 1000), sp.Rational(1, 4), sp.Rational(1, 2),
                      sp.Rational(3, 4), 1 - sp.Rational(1, 1000), 1 - sp.Rational(1, 10**8))


@dataclass(frozen=True)
class Domain:
    """Where a symbol ranges: an interval with open or closed ends (possibly infinite), integers or reals."""

    low: sp.Expr = -sp.oo
    high: sp.Expr = sp.oo
    low_open: bool = True
    high_open: bool = True
    integer: bool = False

    def contains(self, value) -> bool:
        value = sp.Rational(value)
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return bool(above and below) and (not self.integer or value.is_integer)

    def special_values(self) -> list:
        """Edges and extreme scales inside the domain, readable exact numbers."""
        if self.integer:
            low = int(self.low) if self.low != -sp.oo else -6
            high = int(self.high) if self.high != sp.oo else max(low + 6, 6)
            values = {low, high, 0, 1, -1, 2, low + 1, (low + high) // 2}
            return [sp.Integer(v) for v in sorted(values) if self.contains(v)]
        values = []
        if self.low != -sp.oo and self.high != sp.oo:
            width = self.high - self.low
            values = [self.low + width * f for f in INTERVAL_FRACTIONS]
            values += [v for v in (self.low, self.high) if self.contains(v)]
        else:
            for scale in SCALES:
                values += [scale, -scale, self.low + scale if self.low != -sp.oo else None,
                           self.high - scale if self.high != sp.oo else None]
            values += [sp.Integer(0), self.low if self.low != -sp.oo else None, self.high if self.high != sp.oo else None]
        return [v for v in dict.fromkeys(values) if v is not None and self.contains(v)]

    def simple_value(self):
        if self.integer:
            return min(self.special_values(), key=lambda v: (abs(v - 1), v))
        if self.contains(1):
            return sp.Integer(1)
        if self.low != -sp.oo and self.high != sp.oo:
            return (self.low + self.high) / 2
        return self.low + 1 if self.low != -sp.oo else self.high - 1

    def random_value(self, rng: random.Random):
        if self.integer:
            return rng.choice(self.special_values())
        if self.low != -sp.oo and self.high != sp.oo:
            fraction = sp.Rational(rng.randint(1, 999), 1000)
            return self.low + (self.high - self.low) * fraction
        magnitude = _readable(10 ** rng.uniform(-4, 4))
        if self.low == -sp.oo and self.high == sp.oo:
            return magnitude if rng.random() < 0.5 else -magnitude
        if self.low != -sp.oo:
            return self.low + magnitude
        return self.high - magnitude

    def from_unconstrained(self, u: float):
        """The point of the domain that the optimiser's coordinate u in R stands for."""
        u = max(min(u, 40.0), -40.0)
        if self.low != -sp.oo and self.high != sp.oo:
            return self.low + (self.high - self.low) / (1 + sp.exp(-sp.Float(u, 30)))
        if self.low != -sp.oo:
            return self.low + sp.exp(sp.Float(u, 30))
        if self.high != sp.oo:
            return self.high - sp.exp(sp.Float(u, 30))
        return sp.Float(u, 30) * (1 + sp.Float(u, 30) ** 2 / 100)

    def to_unconstrained(self, value) -> float:
        value = float(value)
        low, high = float(self.low), float(self.high)
        if math.isfinite(low) and math.isfinite(high):
            fraction = min(max((value - low) / (high - low), 1e-12), 1 - 1e-12)
            return math.log(fraction / (1 - fraction))
        if math.isfinite(low):
            return math.log(max(value - low, 1e-300))
        if math.isfinite(high):
            return math.log(max(high - value, 1e-300))
        u = value if abs(value) < 10 else math.copysign((100 * abs(value)) ** (1 / 3), value)
        for _ in range(60):  # Newton on u (1 + u^2 / 100) = value
            step = (u * (1 + u * u / 100) - value) / (1 + 3 * u * u / 100)
            u -= step
            if abs(step) < 1e-14 * (1 + abs(u)):
                break
        return u


def domain_of(symbol: sp.Symbol, declared: Mapping | None = None) -> Domain:
    """A symbol's Domain: the declared one, else what its SymPy assumptions allow."""
    if declared and symbol in declared:
        return declared[symbol]
    integer = bool(symbol.is_integer)
    if symbol.is_positive:
        return Domain(sp.Integer(1) if integer else sp.Integer(0), sp.oo, low_open=not integer, integer=integer)
    if symbol.is_nonnegative:
        return Domain(sp.Integer(0), sp.oo, low_open=False, integer=integer)
    return Domain(integer=integer)


def _readable(value: float):
    """value rounded to 2 significant digits, as an exact rational."""
    if value == 0:
        return sp.Integer(0)
    exponent = math.floor(math.log10(abs(value)))
    return sp.Rational(round(value / 10 ** (exponent - 1))) * sp.Rational(10) ** (exponent - 1)


@dataclass
class Found:
    """The worst point found, the gap there and the two sides' values (mpmath numbers at 50 digits)."""

    point: dict
    gap: object
    lhs: object
    rhs: object


@dataclass
class Search:
    """Look for a point where `gap(point)` (a relative violation, positive when the claim fails) exceeds `limit`.

    `sides(point)` returns (lhs, rhs) as mpmath numbers or raises ArithmeticError/ValueError where undefined;
    `kind` is "identity", "at most", "below" or "within" (|lhs - rhs| <= tolerance, absolute).

    Values closer than NOISE times (1 + |lhs| + |rhs|) count as equal, which absorbs the rounding of 50-digit
    evaluation and quadrature: a strict inequality must clear that margin to hold. With `closed_form` (sides
    evaluated to working precision, no quadrature), a strict inequality that fails only by that margin is
    re-judged at CONFIRM_DIGITS against the sides' own size (exp(-100) > 0 holds).
    """

    sides: Callable[[dict], tuple]
    symbols: Sequence[sp.Symbol]
    domains: Mapping[sp.Symbol, Domain]
    kind: str = "identity"
    tolerance: object = None
    points: int = 200
    starts: int = 3
    evaluations: int = 120
    seed: int = 20240517
    feasible: Callable[[dict], bool] = lambda point: True
    closed_form: bool = False
    evaluated: int = field(default=0, init=False)

    def gap(self, lhs, rhs):
        scale = 1 + abs(lhs) + abs(rhs)
        if self.kind == "identity":
            return abs(lhs - rhs) / scale - NOISE
        if self.kind == "at most":
            return (lhs - rhs) / scale - NOISE
        if self.kind == "below":
            return (lhs - rhs) / scale + NOISE
        return abs(lhs - rhs) - self.tolerance

    def score(self, point: dict):
        if not self.feasible(point):
            return None
        try:
            with mpmath.workdps(DIGITS):
                found = self._judge(point, *self.sides(point))
                if found is not None:
                    self.evaluated += 1
                return found
        except (ArithmeticError, ValueError, TypeError, OverflowError):
            return None

    def _judge(self, point: dict, lhs, rhs) -> Found | None:
        """Found at `point` for the sides' values, or None where the claim says nothing there (a side NaN, or
        both sides non-real). An infinite side is compared on the extended real line: the claim holds there
        (gap -1) or fails (gap 1). One side real and the other not is a counterexample (gap 1): the claim relates
        real numbers, and there the two sides are not both real."""
        real_lhs, real_rhs = _real(lhs), _real(rhs)
        if real_lhs is not None and real_rhs is not None:
            return Found(point, self.gap(real_lhs, real_rhs), real_lhs, real_rhs)
        extended_lhs, extended_rhs = _real(lhs, infinite=True), _real(rhs, infinite=True)
        if extended_lhs is not None and extended_rhs is not None:
            holds = {"identity": extended_lhs == extended_rhs, "within": extended_lhs == extended_rhs,
                     "at most": extended_lhs <= extended_rhs, "below": extended_lhs < extended_rhs}[self.kind]
            return Found(point, mpmath.mpf(-1 if holds else 1), extended_lhs, extended_rhs)
        if (extended_lhs is None and _non_real(lhs) and extended_rhs is not None) or \
                (extended_rhs is None and _non_real(rhs) and extended_lhs is not None):
            return Found(point, mpmath.mpf(1), lhs, rhs)
        return None

    def candidates(self):
        rng = random.Random(self.seed)
        domains = [self.domains[s] for s in self.symbols]
        simple = {s: d.simple_value() for s, d in zip(self.symbols, domains)}
        yield simple
        for symbol, domain in zip(self.symbols, domains):
            for value in domain.special_values():
                yield {**simple, symbol: value}
        specials = [d.special_values() for d in domains]
        while True:
            yield {s: (rng.choice(v) if v and rng.random() < 0.5 else d.random_value(rng))
                   for s, d, v in zip(self.symbols, domains, specials)}

    def run(self) -> tuple[Found | None, Found | None]:
        """(counterexample or None, worst point seen)."""
        found = []
        seen = set()
        for point in self.candidates():
            if len(seen) >= self.points or (not self.symbols and seen):
                break
            key = tuple(point[s] for s in self.symbols)
            if key in seen:
                continue
            seen.add(key)
            result = self.score(point)
            if result is None:
                continue
            if result.gap > 0:
                confirmed = self.confirm(result)
                if confirmed:
                    return confirmed, confirmed
            found.append(result)
        if not found:
            return None, None
        found.sort(key=lambda r: r.gap, reverse=True)
        worst = found[0]
        if not self.symbols or any(self.domains[s].integer for s in self.symbols):
            return None, worst
        for start in found[: self.starts]:
            result = self.optimise(start)
            if result is not None and result.gap > worst.gap:
                worst = result
            if result is not None and result.gap > 0:
                confirmed = self.confirm(result)
                if confirmed:
                    return confirmed, confirmed
        return None, worst

    def optimise(self, start: Found) -> Found | None:
        from scipy.optimize import minimize

        domains = [self.domains[s] for s in self.symbols]
        best = [start]

        def point_of(u):
            return {s: d.from_unconstrained(float(v)) for s, d, v in zip(self.symbols, domains, u)}

        def objective(u):
            result = self.score(point_of(u))
            if result is None:
                return 1e300
            if result.gap > best[0].gap:
                best[0] = result
            return -float(result.gap)

        x0 = [d.to_unconstrained(start.point[s]) for s, d in zip(self.symbols, domains)]
        try:
            minimize(objective, x0, method="Nelder-Mead",
                     options={"maxfev": self.evaluations, "xatol": 1e-10, "fatol": 1e-30})
        except (ValueError, OverflowError, ArithmeticError):
            pass
        return best[0] if best[0] is not start else None

    def confirm(self, result: Found) -> Found | None:
        """The failing point rounded to a readable one that still fails, re-evaluated at 80 digits."""
        for candidate in (_round_point(result.point, 2), _round_point(result.point, 6), result.point):
            if not all(self.domains[s].contains(v) for s, v in candidate.items()):
                continue
            with mpmath.workdps(CONFIRM_DIGITS):
                try:
                    lhs, rhs = self.sides(candidate)
                except (ArithmeticError, ValueError, TypeError, OverflowError):
                    continue
                found = self._judge(candidate, lhs, rhs)
                if found is not None and found.gap > 0 and self.feasible(candidate) and \
                        not self._resolved_below(found.lhs, found.rhs):
                    return found
        return None

    def _resolved_below(self, lhs, rhs) -> bool:
        """Whether a strict inequality lhs < rhs between closed forms holds at CONFIRM_DIGITS after all: the
        margin exceeds the rounding of the sides themselves, however small both are."""
        if self.kind != "below" or not self.closed_form or not all(isinstance(v, mpmath.mpf) for v in (lhs, rhs)):
            return False
        if mpmath.isinf(lhs) or mpmath.isinf(rhs):
            return False
        return rhs - lhs > mpmath.mpf(10) ** (-(CONFIRM_DIGITS - 15)) * (abs(lhs) + abs(rhs))


def _round_point(point: dict, digits: int) -> dict:
    rounded = {}
    for symbol, value in point.items():
        value = to_rational(value)
        if value.is_Integer or value == 0:
            rounded[symbol] = value
            continue
        exponent = math.floor(math.log10(abs(float(value))))
        unit = sp.Rational(10) ** (exponent - digits + 1)
        rounded[symbol] = sp.Rational(round(sp.Rational(value) / unit)) * unit
    return rounded


def _non_real(value) -> bool:
    """Whether `value` is a finite complex number with an imaginary part beyond rounding."""
    return isinstance(value, mpmath.mpc) and mpmath.isfinite(value) and \
        abs(value.imag) > mpmath.mpf(10) ** (-DIGITS + 10) * (1 + abs(value))


def _real(value, infinite: bool = False):
    """`value` as a real mpf, or None for NaN, a non-real number, or (unless `infinite`) an infinity."""
    if isinstance(value, mpmath.mpc):
        if mpmath.isnan(value) or abs(value.imag) > mpmath.mpf(10) ** (-DIGITS + 10) * (1 + abs(value)):
            return None
        value = value.real
    if isinstance(value, (int, float)):
        value = mpmath.mpf(value)
    value = +value
    if mpmath.isnan(value) or (mpmath.isinf(value) and not infinite):
        return None
    return value


def to_rational(value):
    """An exact rational for a point coordinate (SymPy Float, Rational or int)."""
    if isinstance(value, sp.Float):
        return sp.Rational(str(value))
    return sp.Rational(value)


def describe_value(value) -> str:
    """An exact point coordinate as text: an integer, a terminating decimal, or p/q."""
    value = to_rational(value)
    if value.is_Integer:
        return str(value)
    q = int(value.q)
    while q % 2 == 0:
        q //= 2
    while q % 5 == 0:
        q //= 5
    if q == 1:
        from decimal import Decimal, localcontext

        with localcontext() as context:
            context.prec = 200
            return format(Decimal(int(value.p)) / Decimal(int(value.q)), "f")
    return f"{value.p}/{value.q}"


def digits(value, count: int = 32) -> str:
    """A value with `count` significant digits (trailing zeros kept, so the precision shows)."""
    with mpmath.workdps(count + 10):
        return mpmath.nstr(value, count, strip_zeros=False, min_fixed=-5, max_fixed=count)
