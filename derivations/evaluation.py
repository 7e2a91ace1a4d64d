"""Evaluating SymPy expressions at exact points with mpmath, including integrals SymPy left unevaluated.

`compile_sides` turns expressions into one function of the symbols' values that returns mpmath numbers at the
working precision. An `Integral` inside is computed by `mpmath.quad` (tanh-sinh) with the zeros of |linear|
terms of its integrand as breakpoints, so a Laplace density's kink does not cost digits. Sums over a symbolic
dimension (`Sum(f(mu[j]), (j, 1, d))`) are evaluated after `instantiate` fixes the dimension and turns each
indexed entry mu[1], mu[2], ... into a symbol of its own.
"""

from __future__ import annotations

from functools import lru_cache

import mpmath
import sympy as sp


def mp_value(value):
    """An exact rational (or SymPy Float) as an mpmath number at the current precision."""
    if isinstance(value, sp.Float):
        return mpmath.mpf(str(value))
    value = sp.Rational(value)
    return mpmath.mpf(int(value.p)) / int(value.q)


def _breakpoints(integrand, x):
    points = []
    for atom in integrand.atoms(sp.Abs):
        argument = atom.args[0]
        if argument.has(x) and argument.is_polynomial(x) and sp.Poly(argument, x).degree() == 1:
            points.append(sp.solve(argument, x)[0])
    return points


class Compiled:
    """Expressions compiled once into a function of `symbols`' values (mpmath numbers)."""

    def __init__(self, exprs, symbols):
        self.symbols = tuple(symbols)
        self.integrals = []
        replaced = []
        substitutions = {}
        for expr in exprs:
            for integral in sorted(sp.sympify(expr).atoms(sp.Integral), key=sp.default_sort_key):
                if integral in substitutions:
                    continue
                dummy = sp.Dummy("integral")
                substitutions[integral] = dummy
                (x, low, high), = integral.limits
                body = integral.function
                self.integrals.append((
                    sp.lambdify((x,) + self.symbols, body, modules="mpmath"),
                    sp.lambdify(self.symbols, sp.Tuple(low, *_breakpoints(body, x), high), modules="mpmath"),
                ))
        for expr in exprs:
            replaced.append(sp.sympify(expr).xreplace(substitutions))
        self.dummies = list(substitutions.values())
        self.function = sp.lambdify(self.symbols + tuple(self.dummies), replaced, modules="mpmath")

    def __call__(self, point: dict):
        values = [mp_value(point[s]) for s in self.symbols]
        quadratures = []
        for body, limits in self.integrals:
            low, *middle, high = limits(*values)
            inside = sorted(p for p in (mpmath.re(m) for m in middle) if low < p < high)
            quadratures.append(mpmath.quad(lambda t: body(t, *values), [low, *inside, high]))
        return self.function(*values, *quadratures)


@lru_cache(maxsize=256)
def compile_sides(exprs: tuple, symbols: tuple) -> Compiled:
    return Compiled(exprs, symbols)


def dimensions(expr) -> set:
    """The symbols that bound a Sum or Product (the symbolic dimensions to fix before evaluating)."""
    found = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Sum, sp.Product)):
            for _, low, high in node.limits:
                found |= (sp.sympify(low).free_symbols | sp.sympify(high).free_symbols)
    return found


def instantiate(exprs, fixed: dict):
    """The expressions with the dimensions in `fixed` substituted and sums done; indexed entries become symbols
    with their base's assumptions (mu[2] -> a real symbol named mu[2])."""
    out = []
    for expr in exprs:
        expr = sp.sympify(expr)
        if fixed:
            expr = expr.subs(fixed).replace(lambda e: isinstance(e, (sp.Sum, sp.Product)),
                                            lambda e: e.doit(deep=False))
        entries = {}
        for entry in expr.atoms(sp.Indexed):
            base = entry.base.label
            entries[entry] = sp.Symbol(str(entry), **base.assumptions0)
        out.append(expr.xreplace(entries))
    return out
