"""Probing and evaluating SymPy expressions for the check kinds (derivations.checks): exact rational points,
50-digit mpmath evaluation, concrete stand-ins for undefined functions, the rewrites that prove a difference 0,
and the counterexample search (derivations.search) the check kinds run after their probes.

The probes come first because their points are readable (ones, small rationals); the search then looks where a
claim is most wrong (the domain's edges, extreme scales, a local optimiser on the gap), so a claim that fails only
near one point (an inequality that is tight somewhere) is refuted instead of verified.
"""

from __future__ import annotations

import random
from functools import lru_cache
from typing import Mapping, Sequence

import mpmath
import sympy as sp
from elbocheck.words import counted

DIGITS = 50
PROBE_POINTS = 12
DEFAULT_SEED = 20240517
SEARCH_POINTS = 60
SEARCH_STARTS = 2
SEARCH_EVALUATIONS = 150


# --------------------------------------------------------------------------------------------------------------
# Sampling points and evaluating expressions


def _domain_of(symbol: sp.Symbol, domain: Mapping) -> tuple:
    if symbol in domain:
        return domain[symbol]
    if symbol.is_integer:
        return (2, 6) if symbol.is_positive else (-4, 4)
    if symbol.is_positive:
        return (sp.Rational(1, 4), 3)
    if symbol.is_nonnegative:
        return (0, 3)
    return (-3, 3)


def simple_point(symbols: Sequence[sp.Symbol], domain: Mapping) -> dict:
    """The first point tried: the smallest integer for integer symbols; 1 for the others whose range holds 1, else
    the range's midpoint."""
    point = {}
    for symbol in symbols:
        low, high = (sp.Rational(bound) for bound in _domain_of(symbol, domain))
        middle = (low + high) / 2
        if symbol.is_integer:
            point[symbol] = sp.ceiling(low)
        else:
            point[symbol] = sp.Integer(1) if low <= 1 <= high else middle
    return point


def probe_points(symbols: Sequence[sp.Symbol], domain: Mapping, rng: random.Random, count: int = PROBE_POINTS):
    """A simple point first (readable counterexamples), then random exact points."""
    yield simple_point(symbols, domain)
    for _ in range(count - 1):
        yield random_point(symbols, domain, rng)


def random_point(symbols: Sequence[sp.Symbol], domain: Mapping, rng: random.Random) -> dict:
    """An exact point: integers for integer symbols, rationals with denominator 8 inside each symbol's range."""
    point = {}
    for symbol in symbols:
        low, high = _domain_of(symbol, domain)
        if symbol.is_integer:
            point[symbol] = sp.Integer(rng.randint(int(low), int(high)))
            continue
        low8, high8 = int(sp.ceiling(sp.Rational(low) * 8)), int(sp.floor(sp.Rational(high) * 8))
        value = sp.Rational(rng.randint(low8, high8), 8)
        if symbol.is_positive and value <= 0:
            value = sp.Rational(1, 8)
        point[symbol] = value
    return point


def _undefined_functions(expr) -> set:
    return {f.func for f in expr.atoms(sp.core.function.AppliedUndef)}


def instantiate_functions(expr, rng: random.Random):
    """Replace each undefined function f by a concrete smooth one (a quadratic plus a sine, with random rational
    coefficients), so that an identity between functions can be evaluated and refuted at a point.

    Returns the evaluated expression and a description of the functions chosen.
    """
    substitutions = {}
    for function in sorted(_undefined_functions(expr), key=str):
        arity = next(iter(a for a in expr.atoms(sp.core.function.AppliedUndef) if a.func == function)).args
        args = sp.symbols(f"u0:{len(arity)}", real=True)
        coefficients = [sp.Rational(rng.randint(-12, 12), 8) for _ in range(3 * len(args) + 1)]
        body = coefficients[0]
        for index, arg in enumerate(args):
            a, b, c = coefficients[1 + 3 * index : 4 + 3 * index]
            body += a * arg + b * arg**2 / 2 + sp.sin(c * arg + 1) / 3
        substitutions[function] = sp.Lambda(args, body)
    for function, concrete in substitutions.items():
        expr = expr.subs(function, concrete)
    described = "; ".join(f"{f}{tuple(c.variables) if len(c.variables) > 1 else '(' + str(c.variables[0]) + ')'}"
                          f" = {c.expr}" for f, c in substitutions.items())
    return expr.doit(), described


@lru_cache(maxsize=4096)
def _compiled(expr, symbols: tuple):
    return sp.lambdify(symbols, expr, modules="mpmath")


def evaluate(expr, point: Mapping):
    """The value of `expr` at an exact point, computed by mpmath at DIGITS + 10 digits (an mpf, or an mpc)."""
    expr = sp.sympify(expr)
    symbols = tuple(sorted(expr.free_symbols, key=str))
    missing = [s for s in symbols if s not in point]
    if missing:
        raise TypeError(f"no value for {missing} in {expr}")
    with mpmath.workdps(DIGITS + 10):
        arguments = [mpmath.mpf(int(sp.Rational(point[s]).p)) / int(sp.Rational(point[s]).q) for s in symbols]
        value = _compiled(expr, symbols)(*arguments)
        if isinstance(value, (int, float)):
            value = mpmath.mpf(value)
        if mpmath.isnan(value) or mpmath.isinf(value):
            raise ZeroDivisionError(f"{expr} is undefined at {point}")
        if isinstance(value, mpmath.mpc) and abs(value.imag) <= mpmath.mpf(10) ** (-DIGITS) * (1 + abs(value)):
            value = value.real
        return +value


def high_precision(decide):
    """Run a `decide` method with mpmath working at DIGITS + 10 digits, so that every comparison is made there."""

    def wrapped(self, *args, **kwargs):
        with mpmath.workdps(DIGITS + 10):
            return decide(self, *args, **kwargs)

    wrapped.__doc__, wrapped.__name__ = decide.__doc__, decide.__name__
    return wrapped


def _tiny(scale):
    return mpmath.mpf(10) ** -25 * scale


def _describe_point(point: Mapping) -> str:
    return ", ".join(f"{symbol} = {value}" for symbol, value in sorted(point.items(), key=lambda kv: str(kv[0])))


def _short(value) -> str:
    return mpmath.nstr(value, 8)


def _entries(expr) -> list:
    if isinstance(expr, sp.MatrixBase):
        return list(expr)
    return [expr]


def search_domains(symbols: Sequence[sp.Symbol], domain: Mapping) -> dict:
    """search.Domain for each symbol: a check's declared range as a closed interval, else its assumptions."""
    from elbocheck.derivations.search import Domain, domain_of

    out = {}
    for symbol in symbols:
        if symbol in domain:
            low, high = (sp.Rational(bound) for bound in domain[symbol])
            out[symbol] = Domain(low, high, False, False, bool(symbol.is_integer))
        else:
            out[symbol] = domain_of(symbol)
    return out


def search_counterexample(left, right, kind: str, domain: Mapping, seed: int = DEFAULT_SEED,
                          points: int = SEARCH_POINTS, evaluations: int = SEARCH_EVALUATIONS):
    """A point where left = right ("identity") or left <= right ("at most") fails, found by search.Search and
    confirmed at 80 digits: (point, left value, right value, what was searched) or (None, None, None, searched)."""
    from elbocheck.derivations.evaluation import compile_sides
    from elbocheck.derivations.search import Search

    left, right = sp.sympify(left), sp.sympify(right)
    if _undefined_functions(left) | _undefined_functions(right) or left.has(sp.Integral, sp.Sum) or right.has(
            sp.Integral, sp.Sum):
        return None, None, None, "no search (undefined functions, integrals or sums)"
    symbols = tuple(sorted(left.free_symbols | right.free_symbols, key=str))
    try:
        compiled = compile_sides((left, right), symbols)
    except (TypeError, NameError, KeyError, SyntaxError):
        return None, None, None, "no search (the expression does not compile to mpmath)"
    finder = Search(sides=lambda point: tuple(compiled(point)), symbols=symbols,
                    domains=search_domains(symbols, domain), kind=kind, points=points, starts=SEARCH_STARTS,
                    evaluations=evaluations, seed=seed)
    found, _ = finder.run()
    searched = f"a search of {counted(finder.evaluated, 'point')} (domain edges, extreme scales, Nelder-Mead on the gap)"
    if found is None:
        return None, None, None, searched
    return found.point, found.lhs, found.rhs, searched
