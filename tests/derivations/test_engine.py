"""Deciding statements: proofs, counterexamples found by search rather than luck, series, ≈, and diagnoses."""

import mpmath
import pytest
import sympy as sp

from elbocheck.derivations import engine
from elbocheck.derivations.claimsfile import parse
from elbocheck.derivations.search import Domain
from elbocheck.derivations.statement import parse_statement

MU, S = sp.Symbol("mu", real=True), sp.Symbol("s", positive=True)
SYMBOLS = {"mu": MU, "s": S, "m": sp.Symbol("m", real=True), "v": sp.Symbol("v", positive=True)}


def decide(text, **kwargs):
    return engine.decide(parse_statement(text, SYMBOLS), **kwargs)


def test_textbook_kl_is_refuted_and_the_missing_half_named():
    outcome = decide("KL(Normal(mu, s), Normal(0, 1)) = -log(s) + (s**2 + mu**2)/2")
    assert outcome.verdict == "refuted"
    point = {SYMBOLS[k]: sp.Rational(v) for k, v in outcome.counterexample["point"].items()}
    mu, s = point[MU], point[S]
    with mpmath.workdps(40):
        exact_kl = (mpmath.mpf(mu.p) / mu.q) ** 2 / 2 + (mpmath.mpf(s.p) / s.q) ** 2 / 2 - mpmath.log(
            mpmath.mpf(s.p) / s.q) - mpmath.mpf(1) / 2
        assert abs(mpmath.mpf(outcome.counterexample["lhs"]) - exact_kl) < mpmath.mpf(10) ** -29
    assert len(outcome.counterexample["lhs"].replace(".", "").lstrip("0")) >= 30
    edits = {d["edit"]: d for d in outcome.diagnosis}
    missing = [d for e, d in edits.items() if "-1/2" in e and "missing" in e]
    assert missing and missing[0]["verdict"] == "proved"


def test_true_kl_is_proved():
    assert decide("KL(Normal(mu, s), Normal(0, 1)) = (mu**2 + s**2 - 1 - log(s**2))/2").verdict == "proved"


def test_search_finds_a_counterexample_random_probing_misses():
    x = sp.Symbol("x", real=True)
    statement = parse_statement("(x - 1234/10)**2 + 1/10**6 >= 1/10**4", {"x": x})
    outcome = engine.decide(statement, diagnose=False)
    assert outcome.verdict == "refuted"
    value = sp.Rational(outcome.counterexample["point"]["x"])
    assert (value - sp.Rational(1234, 10)) ** 2 + sp.Rational(1, 10**6) < sp.Rational(1, 10**4)


def test_a_bound_one_hundredth_too_tight_is_refuted():
    outcome = decide("-KL(Normal(mu, s), Normal(m, v)) + 1/100 <= 0", diagnose=False)
    assert outcome.verdict == "refuted"


def test_inequality_that_holds_is_not_refuted_and_says_how_many_points():
    outcome = decide("KL(Normal(mu, s), Normal(m, v)) >= 0")
    assert outcome.verdict in ("proved", "verified")
    if outcome.verdict == "verified":
        assert "points" in outcome.method
    assert engine.decide(parse_statement("log(s) <= s - 1", SYMBOLS)).verdict == "proved"
    assert decide("log(s) < s - 1", diagnose=False).verdict == "refuted"


def test_series_claims():
    assert decide("exp(s) = 1 + s + s**2/2 + O(s**3)").verdict == "proved"
    outcome = decide("exp(s) = 1 + s + s**2 + O(s**3)")
    assert outcome.verdict == "refuted" and "s**2" in outcome.method


def test_approximately_equal_uses_the_printed_digits():
    assert decide("pi ≈ 3.1416").verdict == "proved"
    assert decide("pi ≈ 3.1415").verdict == "refuted"
    claims = parse('[[claim]]\nid = "a"\nstatement = "pi ~= 3.1"\ntolerance = 0.05\n')
    assert engine.decide(claims.claims[0].statement, tolerance=claims.claims[0].tolerance).verdict == "proved"


def test_sums_over_a_symbolic_dimension():
    d = sp.Symbol("d", integer=True, positive=True)
    symbols = {"d": d, "mu": sp.Symbol("mu", real=True), "s": sp.Symbol("s", positive=True)}
    true = parse_statement("Sum(KL(Normal(mu[j], s[j]), Normal(0, 1)), (j, 1, d)) = "
                           "Sum(mu[j]**2 + s[j]**2 - 1 - 2*log(s[j]), (j, 1, d))/2", symbols)
    assert engine.decide(true).verdict == "proved"
    false = parse_statement("Sum(KL(Normal(mu[j], s[j]), Normal(0, 1)), (j, 1, d)) = "
                            "Sum(mu[j]**2 + s[j]**2 - 2*log(s[j]), (j, 1, d))/2 - 1/2", symbols)
    outcome = engine.decide(false, diagnose=False)
    assert outcome.verdict == "refuted" and int(outcome.counterexample["point"]["d"]) >= 2


def test_no_single_edit_is_said_when_none_holds():
    outcome = decide("KL(Normal(mu, s), Normal(0, 1)) = exp(mu) + s**7")
    assert outcome.verdict == "refuted" and outcome.diagnosis == []


def test_swapped_kl_arguments_are_diagnosed():
    outcome = decide("KL(Normal(0, 1), Normal(mu, s)) = (mu**2 + s**2 - 1 - log(s**2))/2")
    assert outcome.verdict == "refuted"
    assert any("swap" in d["edit"] and d["verdict"] == "proved" for d in outcome.diagnosis)


def test_variance_for_standard_deviation_is_diagnosed():
    outcome = decide("KL(Normal(mu, s**2), Normal(0, 1)) = (mu**2 + s**2 - 1 - log(s**2))/2")
    assert outcome.verdict == "refuted"
    assert any("variance" in d["edit"] for d in outcome.diagnosis)


TRUE_KL = "(mu**2 + s**2 - 1 - log(s**2))/2"


@pytest.mark.parametrize(("written", "edit"), [
    ("(mu**2 + s**2 + 1 - log(s**2))/2", "flip the sign of 1/2 on the right side"),
    ("(mu**2 + s**2 - 1 + log(s**2))/2", "flip the sign of log(s**2)/2 on the right side"),
    ("(mu**2 + s**2 - 1 - 2*log(s**2))/2", "halve the term -log(s**2) on the right side"),
    ("(2*mu**2 + s**2 - 1 - log(s**2))/2", "halve the term mu**2 on the right side"),
    ("mu**2 + s**2 - 1 - log(s**2)", "multiply the right side by 1/2"),
])
def test_a_sign_or_coefficient_slip_is_named_as_such_not_as_a_missing_term(written, edit):
    outcome = decide(f"KL(Normal(mu, s), Normal(0, 1)) = {written}")
    assert outcome.verdict == "refuted"
    named = [d for d in outcome.diagnosis if d["edit"].startswith(edit)]
    assert named and named[0]["verdict"] == "proved"
    assert parse_statement(named[0]["statement"], SYMBOLS).rhs.equals(parse_statement(f"0 = {TRUE_KL}", SYMBOLS).rhs)
    assert not any(d["edit"].startswith("a term is missing") for d in outcome.diagnosis)


def test_a_dropped_term_is_named_when_no_other_edit_holds():
    outcome = decide("KL(Normal(mu, s), Normal(0, 1)) = (mu**2 + s**2 - log(s**2))/2")
    assert [d["edit"] for d in outcome.diagnosis] == ["a term is missing: add -1/2 to the right side"]


@pytest.mark.parametrize("statement", ["log(x**2) = 2*log(x)", "log(x*y) = log(x) + log(y)",
                                       "sqrt(x)*sqrt(y) = sqrt(x*y)"])
def test_a_rewrite_that_needs_positive_symbols_proves_nothing_about_real_ones(statement):
    real = {"x": sp.Symbol("x", real=True), "y": sp.Symbol("y", real=True)}
    positive = {"x": sp.Symbol("x", positive=True), "y": sp.Symbol("y", positive=True)}
    assert engine.decide(parse_statement(statement, positive), diagnose=False).verdict == "proved"
    outcome = engine.decide(parse_statement(statement, real), diagnose=False)
    assert outcome.verdict == "refuted"
    point = {name: sp.Rational(value) for name, value in outcome.counterexample["point"].items()}
    assert any(value < 0 for value in point.values())
    left, right = (sp.sympify(side, locals=real).subs({real[k]: v for k, v in point.items()})
                   for side in statement.split(" = "))
    assert sp.N(left - right, 30) != 0


def test_the_names_a_sum_or_an_expectation_binds_need_no_declaration():
    assert parse_statement("log(s**2) = 2*log(s)", {}).assumed == ("s",)
    bound = parse_statement("E(x**2, x, Normal(mu, s)) + Sum(j, (j, 1, d)) = mu**2 + s**2",
                            {"mu": MU, "s": S, "d": sp.Symbol("d", positive=True, integer=True)})
    assert bound.assumed == ()


def test_an_infinite_side_is_compared_on_the_extended_line():
    outcome = engine.decide(parse_statement("KL(Uniform(0, 2), Uniform(0, 1)) = log(2)", {}))
    assert outcome.verdict == "refuted" and outcome.counterexample["lhs"] == "+inf"
    assert [d["edit"] for d in outcome.diagnosis] == ["swap the arguments of KL(Uniform(0, 2), Uniform(0, 1))"]
    assert engine.decide(parse_statement("-KL(Uniform(0, 2), Uniform(0, 1)) <= 0", {})).verdict == "proved"


def test_symbols_on_open_intervals_are_written_through_positive_parameters_for_a_proof():
    p, q = sp.Symbol("p", positive=True), sp.Symbol("q", positive=True)
    domains = {p: Domain(sp.Integer(0), sp.Integer(1)), q: Domain(sp.Integer(0), sp.Integer(1))}
    statement = parse_statement("KL(Bernoulli(p), Bernoulli(q)) = p*log(p/q) + (1-p)*log((1-p)/(1-q))",
                                {"p": p, "q": q})
    outcome = engine.decide(statement, domains, diagnose=False)
    assert outcome.verdict == "proved" and "a + (b - a)/(1 + t)" in outcome.method
    wrong = parse_statement("KL(Bernoulli(p), Bernoulli(q)) = p*log(q/p) + (1-p)*log((1-p)/(1-q))", {"p": p, "q": q})
    assert engine.decide(wrong, domains, diagnose=False).verdict == "refuted"


@pytest.mark.parametrize("statement", ["exp(-x**2) > 0", "sigmoid(x) > 0", "1 + 10**-30 > 1", "x**2 + 10**-30 > 0"])
def test_a_strict_inequality_with_a_tiny_margin_is_not_refuted(statement):
    outcome = engine.decide(parse_statement(statement, {"x": sp.Symbol("x", real=True)}), diagnose=False)
    assert outcome.verdict in ("proved", "verified"), outcome.counterexample


def test_a_strict_inequality_that_fails_is_refuted_and_the_resolution_of_equality_is_stated():
    x = sp.Symbol("x", real=True)
    outcome = engine.decide(parse_statement("x**2 > 0", {"x": x}), diagnose=False)
    assert outcome.verdict == "refuted" and sp.Rational(outcome.counterexample["point"]["x"]) == 0
    tiny = engine.decide(parse_statement("x + 10**-30 = x", {"x": x}), diagnose=False)
    assert tiny.verdict == "verified" and "closer than 1e-25 of 1 + |lhs| + |rhs| count as equal" in tiny.method
