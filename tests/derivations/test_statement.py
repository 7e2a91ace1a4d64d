"""The statement parser reads numbers, names, arithmetic and known functions, and refuses everything else
without executing it."""

import pytest
import sympy as sp

from elbocheck.derivations import vocabulary
from elbocheck.derivations.statement import StatementError, parse_statement

HOSTILE = [
    "__import__('os').system('touch pwned') = 0",
    "x.__class__ = 1",
    "sp.exp(1) = 1",
    "(lambda: 1)() = 1",
    "sum([y for y in range(9)]) = 1",
    "'text' = 1",
    "9**9**9**9 = 1",
    "10**100000 = 1",
    "2**99999 = 1",
    "factorial(10**8) = 1",
    "1" * 70 + " = 1",
    "log(x, base=2) = 1",
    "exec(1) = 1",
    "eval(x) = 1",
    "open(x) = 1",
    "_secret = 1",
    "x[0].y = 1",
    "(x := 3) = 1",
    "x if y else z = 1",
    "(" * 300 + "x" + ")" * 300 + " = 1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_statements_are_refused(text):
    with pytest.raises(StatementError):
        parse_statement(text)


@pytest.mark.parametrize("text, message", [
    ("x + 1", "no relation"),
    ("x = 1 = y", "2 relations"),
    ("foo(x) = 1", "unknown function"),
    ("Gaussian(0, 1) = 1", "unknown function"),
    ("KL(Normal(0, 1)) = 0", "KL"),
    ("Normal(0, 1, 2) = 0", "Normal"),
    ("H(x) = 0", "distribution"),
    ("x = 1 + O(x**2) + y", "O"),
])
def test_malformed_statements_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_statement(text)


def test_relations_and_sides():
    x = sp.Symbol("x", real=True)
    for text, relation in [("x = 1", "="), ("x <= 1", "<="), ("x >= 1", ">="), ("x < 1", "<"), ("x > 1", ">"),
                           ("x ≈ 1.5", "≈"), ("x ~= 1.5", "≈"), ("x ≤ 1", "<=")]:
        statement = parse_statement(text, {"x": x})
        assert statement.relation == relation
        assert statement.lhs == x
    assert parse_statement("x ≈ 3.1416").decimals == 4
    assert parse_statement("x**2 = Max(x, 2)").rhs == sp.Max(sp.Symbol("x", real=True), 2)


def test_decimals_are_exact_and_caret_is_power():
    statement = parse_statement("x^2 = 0.1")
    assert statement.rhs == sp.Rational(1, 10)
    assert statement.lhs == sp.Symbol("x", real=True) ** 2


def test_series_claim():
    statement = parse_statement("exp(e) = 1 + e + O(e**2)")
    assert statement.order == (sp.Symbol("e", real=True), 2)
    assert statement.rhs == 1 + sp.Symbol("e", real=True)


def test_vocabulary_calls_stay_unevaluated_until_derived():
    s = sp.Symbol("s", positive=True)
    statement = parse_statement("KL(Normal(0, s), Normal(0, 1)) = 0", {"s": s})
    assert isinstance(statement.lhs, vocabulary.KL)
    assert isinstance(statement.lhs.args[0], vocabulary.Normal)


def test_indexed_symbols_and_sums():
    statement = parse_statement("Sum(mu[j]**2, (j, 1, d)) >= 0", {"d": sp.Symbol("d", integer=True, positive=True)})
    assert isinstance(statement.lhs, sp.Sum)
    assert statement.lhs.has(sp.Indexed)


def test_latex_syntax():
    statement = parse_statement(r"\frac{1}{2} x^{2} \le x^{2}", syntax="latex")
    assert statement.relation == "<="
    x = sp.Symbol("x", real=True)
    assert sp.simplify(statement.lhs - x**2 / 2) == 0
    with pytest.raises(StatementError):
        parse_statement(r"\input{/etc/passwd} = 1", syntax="latex")


@pytest.mark.parametrize(("text", "lhs"), [
    (r"\log(a) + 1 = 0", "log(a) + 1"),
    (r"\log{a} \cdot 2 = 0", "2*log(a)"),
    (r"\exp(\log(a) + 1) - \sin(a) = 0", "exp(log(a) + 1) - sin(a)"),
    (r"\frac{\log(a)}{2} = 0", "log(a)/2"),
])
def test_a_latex_function_call_ends_at_its_closing_bracket(text, lhs):
    a = sp.Symbol("a", positive=True)
    statement = parse_statement(text, {"a": a}, syntax="latex")
    assert statement.lhs == sp.sympify(lhs, locals={"a": a}, evaluate=True)
