"""The ledger's structure and the mutation property: perturbing any claim turns its verdict to refuted."""

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest
import sympy as sp

from elbocheck.derivations import bigram_em, checks, claims, gibbs, layernorm, ring, sampler
from elbocheck.derivations.checks import (AllOf, Approx, AtMost, Concave, Differ, Equal, Expansion, Maximiser, Procedure,
                                StatementCheck, Verdict)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
REGISTRY = claims.registry()
BY_ID = {claim.id: claim for claim in REGISTRY}


def test_registry_is_large_unique_and_in_document_order():
    assert len(REGISTRY) >= 40
    positions = [claims.document_position(claim) for claim in REGISTRY]
    assert positions == sorted(positions)
    assert {claim.seed for claim in REGISTRY} == set(claims.SOURCES)


def test_where_labels_are_the_documents_own():
    for claim in REGISTRY:
        if claim.seed == "003":
            assert re.fullmatch(r"\(\d+\)", claim.where), claim.id
        else:
            assert claim.where in claims.SECTIONS[claim.seed], claim.id


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the documents are not at ../shared/seeds beside the checkout")
def test_printed_excerpts_are_verbatim_from_the_documents():
    def normalise(text):
        return re.sub(r"\s+", " ", text)

    texts = {seed: normalise((SEEDS / name).read_text(encoding="utf-8")) for seed, name in claims.SOURCES.items()}
    missing = [claim.id for claim in REGISTRY if normalise(claim.printed) not in texts[claim.seed]]
    assert missing == []


def test_every_refuted_claim_has_a_counterexample_and_a_correction_that_holds(results):
    refuted = [r for r in results.values() if r.verdict is Verdict.REFUTED]
    assert refuted, "the documents contain mistakes; a ledger that refutes nothing is broken"
    for result in refuted:
        assert result.decision.counterexample, result.claim.id
        assert result.claim.corrected and result.correction is not None, result.claim.id
        assert result.correction.verdict in (Verdict.PROVED, Verdict.VERIFIED), result.claim.id


def test_claims_with_a_correction_are_the_refuted_ones(results):
    for claim_id, result in results.items():
        has_correction = result.claim.correction is not None
        assert has_correction == (result.verdict is Verdict.REFUTED), claim_id


def test_json_contract(results):
    keys = {"id", "source", "where", "statement", "verdict", "method", "note", "counterexample", "corrected",
            "seconds"}
    for result in results.values():
        record = result.to_json()
        assert set(record) == keys
        assert record["source"] == claims.SOURCES[result.claim.seed]
        assert record["verdict"] in {"proved", "verified", "refuted"}
        assert (record["counterexample"] is None) == (record["verdict"] != "refuted")
        assert isinstance(record["seconds"], float) and record["seconds"] >= 0


def test_verified_claims_say_why_no_proof(results):
    for result in results.values():
        if result.verdict is Verdict.VERIFIED:
            assert re.search(r"numeric|points|random|enumerat|perturbation|differences|not established",
                             result.method), result.claim.id


def test_select_rejects_unknown_documents():
    with pytest.raises(ValueError, match="--only"):
        claims.select(REGISTRY, "005")
    assert {c.seed for c in claims.select(REGISTRY, "003_6e48a97ce6918341.txt")} == {"003"}


# ------------------------------------------------------------------------------------------------------------
# Mutation: every check, perturbed, must be refuted.

def _bad_em_step(sentences, A, B):
    """An update that moves each emission row away from its EM value (towards 1 - the EM row)."""
    from fractions import Fraction

    A_new, B_new = bigram_em.exact_em_step(sentences, A, B)
    flipped = []
    for row in B_new:
        raw = [Fraction(1) - value + Fraction(1, 100) for value in row]
        flipped.append([value / sum(raw) for value in raw])
    return A_new, flipped


PROCEDURE_MUTATIONS = {
    gibbs.em_monotone_runs: {"m_step": _bad_em_step},
    gibbs.count_assignments: {"formula": lambda k, d: k * d},
    sampler.selection_run: {"interval": sampler.closed_interval},
    sampler.second_word_run: {"shared_noise": True},
    sampler.frozen_output_run: {"sampler": lambda P, eps: P[0] + P[1]},
    sampler.quantised_run: {"quantiser": lambda codebook, value: value},
    ring.enumerate_rings: {"expected": None},
    layernorm.post_ln_product_run: {"factors": 3},
    layernorm.pre_ln_sum_run: {"identity": False},
}


def mutate(check):
    """A perturbed copy of a check: a coefficient changed, a term added, a claimed value moved."""
    nudge = sp.Rational(8, 7)
    if isinstance(check, Equal):
        rhs = check.rhs.applyfunc(lambda e: e * nudge + sp.Rational(1, 7)) if isinstance(
            check.rhs, sp.MatrixBase) else sp.sympify(check.rhs) * nudge + sp.Rational(1, 7)
        return dataclasses.replace(check, rhs=rhs)
    if isinstance(check, Differ):
        return dataclasses.replace(check, rhs=check.lhs)
    if isinstance(check, Approx):
        return dataclasses.replace(check, claimed=str(Decimal(check.claimed) * 3 + 1))
    if isinstance(check, Expansion):
        return dataclasses.replace(check, claimed=check.claimed + check.small[0] / 7)
    if isinstance(check, Maximiser):
        if check.value is not None:
            return dataclasses.replace(check, value=check.value + sp.Rational(1, 7))
        first = check.variables[0]
        return dataclasses.replace(check, point={**check.point, first: check.point[first] * nudge})
    if isinstance(check, Concave):
        return dataclasses.replace(check, expr=check.expr + 1000 * check.variables[0] ** 2)
    if isinstance(check, AtMost):
        # content-dependent: refuted only where the bound is within 1/100 of tight, which the search must find
        return dataclasses.replace(check, lhs=check.lhs + sp.Rational(1, 100))
    if isinstance(check, Procedure):
        change = dict(PROCEDURE_MUTATIONS[check.run])
        if "expected" in change:
            original = check.params["expected"]
            change["expected"] = lambda size: original(size) + sp.Rational(1, 7)
        return dataclasses.replace(check, params={**check.params, **change})
    if isinstance(check, StatementCheck):
        rhs = check.statement.rhs * nudge + sp.Rational(1, 7)
        return dataclasses.replace(check, statement=check.statement.with_sides(check.statement.lhs, rhs))
    raise TypeError(type(check))


def mutants(check):
    """One mutant per part: every part of a multi-part check is perturbed in turn."""
    if isinstance(check, AllOf):
        for index, part in enumerate(check.parts):
            for mutant in mutants(part):
                yield checks.replace_part(check, index, mutant)
        return
    yield mutate(check)


@pytest.mark.parametrize("claim_id", sorted(BY_ID))
def test_mutated_claim_is_refuted(claim_id, results):
    claim, result = BY_ID[claim_id], results[claim_id]
    refuted = result.verdict is Verdict.REFUTED
    holding = claim.build_correction() if refuted else claim.build_check()
    assert (result.correction if refuted else result.decision).verdict in (Verdict.PROVED, Verdict.VERIFIED)
    for number, mutant in enumerate(mutants(holding)):
        decision = mutant.decide()
        assert decision.verdict is Verdict.REFUTED, f"{claim_id} part {number}: mutated check still {decision.verdict.value}"
        assert decision.counterexample


def test_a_bound_one_hundredth_too_tight_is_refuted_by_the_search():
    from elbocheck.derivations import elbo

    bound = elbo.bound()
    decision = dataclasses.replace(bound, lhs=bound.lhs + sp.Rational(1, 100)).decide()
    assert decision.verdict is Verdict.REFUTED and "search" in decision.method


def test_documents_claims_come_from_the_shipped_toml_files():
    from importlib import resources

    from elbocheck.derivations import documents

    shipped = sorted(p.name for p in resources.files("elbocheck.derivations").joinpath("documents").iterdir()
                     if p.name.endswith(".toml"))
    assert shipped == [f"{seed}.toml" for seed in claims.SOURCES if documents.document_claims(seed)]
    from_files = [claim for claim in REGISTRY if isinstance(claim.build_check(), StatementCheck)]
    assert {claim.id for claim in from_files} == {claim.id for claim in documents.CLAIMS}
    assert all((claim.correction is None) == (claim.corrected is None) for claim in from_files)
