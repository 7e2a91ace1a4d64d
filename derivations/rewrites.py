"""The rewrites that show an expression is 0, and when SymPy's forced rewrites are identities.

`expand_log(force=True)` writes log(a b) = log a + log b and log(a**n) = n log a, and `powsimp(force=True)` writes
a**c b**c = (a b)**c, whatever the signs: forced, log(s**2) - 2 log(s) is 0 for a real s, although for s < 0 the
left side is real and the right one is not. A forced rewrite is an identity when every factor of every log's
argument is positive and every base of a non-integer power is non-negative (by the symbols' assumptions); the
rewrites below are forced only then, and respect the assumptions otherwise.
"""

from __future__ import annotations

import sympy as sp


def forcing_is_sound(expr) -> bool:
    """Whether expand_log and powsimp may be forced on `expr`: each factor of each log's argument is positive,
    each base of a power with a non-integer exponent is non-negative."""
    for atom in expr.atoms(sp.log):
        for factor in sp.Mul.make_args(atom.args[0]):
            part = factor.base if isinstance(factor, sp.Pow) else factor
            if not part.is_positive:
                return False
    return all(power.exp.is_integer or power.base.is_nonnegative for power in expr.atoms(sp.Pow))


def is_zero(expr) -> bool:
    """True when one of a sequence of rewrites (expand, expand_log, expand_func, simplify, powsimp) gives 0,
    each forced only where forcing_is_sound."""
    force = forcing_is_sound(expr)
    rewrites = (
        lambda e: e,
        sp.expand,
        lambda e: sp.expand(sp.expand_log(e, force=force)),
        lambda e: sp.simplify(sp.expand_log(e, force=force)),
        lambda e: sp.simplify(sp.expand(sp.expand_func(sp.expand_log(e, force=force)))),
        lambda e: sp.simplify(sp.powsimp(sp.together(e), force=force)),
    )
    for rewrite in rewrites:
        try:
            if rewrite(expr) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError, RecursionError, AttributeError):
            continue
    return False
