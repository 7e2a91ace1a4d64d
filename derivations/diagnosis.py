"""Naming the slip in a refuted statement: the single edits that make it hold, each decided by the same engine.

The edits tried, on the statement as written (before KL, H, E are derived; SymPy has already multiplied a
number into the sum it scales, so (a + b - 1)/2 offers the terms a/2, b/2 and -1/2):
- a term too many: each term of either side removed;
- a coefficient doubled or halved: each term of either side multiplied by 1/2 or 2;
- a sign flipped: each term of either side negated;
- a factor 1/2 missing: a whole side multiplied by 1/2 (or by 2);
- a variance written where a standard deviation belongs, or the reverse: a distribution's scale s replaced by
  sqrt(s) or s**2, and a positive symbol s replaced by sqrt(s) or s**2 throughout one side;
- two arguments swapped: in KL(P, Q), in a distribution's parameters, in any two-argument function;
- only when none of these holds, a term dropped: the difference of the two sides, when it is a short
  expression, added back to the right side (an edit that holds by construction, so it names the slip only
  where no edit above does: a sign flipped is reported as such, not as twice the term missing).
Each candidate is decided by engine.decide with a smaller search and no diagnosis of its own; the edits that come
out proved or verified are returned, an edit that gives the same statement as an earlier one tried once.
"""

from __future__ import annotations

import itertools

import sympy as sp

from elbocheck.derivations import vocabulary
from elbocheck.derivations.statement import Statement
from elbocheck.derivations.vocabulary import IntegrationTimeout, time_budget

MAX_CANDIDATES = 100
SIMPLE_OPS = 8


def _terms(side) -> list:
    return list(sp.Add.make_args(side)) if isinstance(side, sp.Add) else [side]


def _replace_term(side, term, new):
    terms = _terms(side)
    index = terms.index(term)
    return sp.Add(*(terms[:index] + [new] + terms[index + 1:]))


def _side_edits(name: str, side):
    """(description, new side) for the edits of one side."""
    terms = _terms(side)
    if len(terms) > 1:
        for term in terms:
            yield f"drop the term {sp.sstr(term)} from the {name}", _replace_term(side, term, sp.Integer(0))
    for term in terms:
        if term == 0:
            continue
        yield f"flip the sign of {sp.sstr(term)} on the {name}", _replace_term(side, term, -term)
        if len(terms) == 1:  # halving the only term is the factor 1/2 below, named as such
            continue
        yield f"halve the term {sp.sstr(term)} on the {name} (its coefficient was doubled)", \
            _replace_term(side, term, term / 2)
        yield f"double the term {sp.sstr(term)} on the {name} (its coefficient was halved)", \
            _replace_term(side, term, 2 * term)
    yield f"multiply the {name} by 1/2 (a factor 1/2 is missing)", side / 2
    yield f"multiply the {name} by 2 (a factor 1/2 too many)", side * 2
    for term in terms if len(terms) > 1 else []:
        for symbol in sorted(term.free_symbols, key=str):
            if symbol.is_positive:
                yield (f"write {symbol}**2 for {symbol} in the term {sp.sstr(term)} (a standard deviation written "
                       f"where the variance belongs)", _replace_term(side, term, term.xreplace({symbol: symbol**2})))
                yield (f"write sqrt({symbol}) for {symbol} in the term {sp.sstr(term)} (a variance written where "
                       f"the standard deviation belongs)",
                       _replace_term(side, term, term.xreplace({symbol: sp.sqrt(symbol)})))
    for symbol in sorted(side.free_symbols, key=str):
        if symbol.is_positive:
            yield (f"write sqrt({symbol}) for {symbol} on the {name} (a variance written for a standard deviation)",
                   side.xreplace({symbol: sp.sqrt(symbol)}))
            yield (f"write {symbol}**2 for {symbol} on the {name} (a standard deviation written for a variance)",
                   side.xreplace({symbol: symbol**2}))
    for node in sp.preorder_traversal(side):
        if isinstance(node, vocabulary.Distribution) and "scale" in node.parameters:
            position = node.parameters.index("scale")
            scale = node.args[position]
            for new, why in ((sp.sqrt(scale), "a variance written where the standard deviation belongs"),
                             (scale**2, "a standard deviation written where the variance belongs")):
                args = list(node.args)
                args[position] = new
                yield (f"write {type(node).__name__}(..., {sp.sstr(new)}) for {sp.sstr(node)} ({why}; "
                       f"torch.distributions' scale is the standard deviation)", side.xreplace({node: node.func(*args)}))
        if isinstance(node, (sp.Function, vocabulary.VocabularyFunction)) and len(node.args) == 2 \
                and not isinstance(node, (sp.Sum, sp.Product)):
            swapped = node.func(node.args[1], node.args[0])
            if swapped != node:
                yield f"swap the arguments of {sp.sstr(node)}", side.xreplace({node: swapped})


def candidates(statement: Statement):
    """(description, edited Statement) for every named single edit, left side first."""
    for description, lhs in _side_edits("left side", statement.lhs):
        yield description, statement.with_sides(lhs, statement.rhs)
    for description, rhs in _side_edits("right side", statement.rhs):
        yield description, statement.with_sides(statement.lhs, rhs)


def missing_term(statement: Statement, lhs_derived, rhs_derived):
    """("a term is missing: add d to the right side", edited Statement) for a short difference d of the derived
    sides, or None."""
    try:
        with time_budget(3):
            difference = sp.simplify(sp.expand_log(lhs_derived - rhs_derived, force=True))
    except (IntegrationTimeout, TypeError, ValueError, NotImplementedError, RecursionError):
        return None
    if difference == 0 or difference.has(sp.Integral) or sp.count_ops(difference) > SIMPLE_OPS:
        return None
    return (f"a term is missing: add {sp.sstr(difference)} to the right side",
            statement.with_sides(statement.lhs, statement.rhs + difference))


def diagnose(statement: Statement, lhs_derived, rhs_derived, domains, tolerance) -> list[dict]:
    """[{edit, statement, verdict}] for the single edits that make the statement hold (empty when none does): the
    named edits that hold, else the missing term when it holds."""
    from elbocheck.derivations.engine import QUICK, decide

    tried = set()

    def holds(description, edited):
        key = (sp.srepr(edited.lhs), sp.srepr(edited.rhs))
        if key in tried:
            return None
        tried.add(key)
        try:
            outcome = decide(edited, domains, tolerance, budget=QUICK, diagnose=False)
        except Exception:  # an edit SymPy cannot evaluate is not a diagnosis
            return None
        if outcome.verdict in ("proved", "verified"):
            return {"edit": description, "statement": edited.text, "verdict": outcome.verdict}
        return None

    named = (holds(*edit) for edit in itertools.islice(candidates(statement), MAX_CANDIDATES))
    holding = [entry for entry in named if entry is not None]
    if holding:
        return holding
    edit = missing_term(statement, lhs_derived, rhs_derived)
    entry = holds(*edit) if edit is not None else None
    return [entry] if entry is not None else []
