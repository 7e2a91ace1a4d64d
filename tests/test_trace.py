"""Claims and code reach each other: every claim id a function cites exists, every claim is cited by a function
(unless listed below with the reason no function implements it), and the index finds what a test calls."""

from __future__ import annotations

import importlib

import pytest

from elbocheck import trace
from elbocheck.derivations import claims

NOT_IMPLEMENTED = {
    "004-3c": "the rate against the aggregate posterior: no reference/ or fast/ function computes it",
    "004-3c-prior": "the optimal prior of a fixed encoder: no reference/ or fast/ function computes it",
}


@pytest.fixture(scope="module")
def claim_ids() -> set[str]:
    return {claim.id for claim in claims.registry()}


def test_every_cited_claim_exists(claim_ids):
    unknown = {f"{site.name}: {claim_id}" for claim_id, sites in trace.implementations().items()
               for site in sites if claim_id not in claim_ids}
    assert not unknown, sorted(unknown)


def test_every_claim_is_implemented_by_a_function_or_says_why_not(claim_ids):
    assert set(NOT_IMPLEMENTED) <= claim_ids
    cited = set(trace.implementations())
    assert not cited & set(NOT_IMPLEMENTED), "a claim listed as not implemented is cited; drop it from the list"
    assert sorted(claim_ids - cited - set(NOT_IMPLEMENTED)) == []


def test_the_index_reads_the_docstrings_of_the_imported_functions():
    """Independently of the index's `ast` reading: import each module and read `__doc__`."""
    for site, claim_ids in trace.functions():
        module_name, _, function_name = site.name.rpartition(".")
        function = getattr(importlib.import_module(module_name), function_name)
        assert all(claim_id in function.__doc__ for claim_id in claim_ids), site.name


@pytest.mark.parametrize("docstring, expected", [
    ("M-step, seed 000 Problem 1.3 (claims 000-1.3-mstep-a, 000-1.3-mstep-b; 001-2-mstep).",
     ["000-1.3-mstep-a", "000-1.3-mstep-b", "001-2-mstep"]),
    ("Claims: 003-eq37, 003-eq39.\n    Claim 003-eq37.", ["003-eq37", "003-eq39"]),
    ("seed 003 (36)-(39), seed 000 Problem 1.2-1.3, Jang et al. 2017-2018", []),
    (None, []),
])
def test_cited_claims_reads_ids_and_nothing_else(docstring, expected):
    assert trace.cited_claims(docstring) == expected


def test_a_test_reaches_functions_through_aliases_helpers_and_constants(tmp_path):
    (tmp_path / "tests").mkdir()
    path = tmp_path / "tests" / "test_sample.py"
    path.write_text(
        "import elbocheck.fast.vae\n"
        "from elbocheck import reference\n"
        "from elbocheck.fast import ring as fast_ring\n"
        "from elbocheck.reference.vae import elbo\n"
        "CASES = [reference.gan.gan_loss]\n"
        "def helper():\n"
        "    return fast_ring.score(1)\n"
        "def test_one():\n"
        "    elbo(1)\n"
        "    helper()\n"
        "def test_two():\n"
        "    elbocheck.fast.vae.kl_normal(CASES)\n"
        "def not_a_test():\n"
        "    reference.ring.sample()\n",
        encoding="utf-8",
    )
    reached = {name: sorted(site.name.split("::")[1] for site in sites)
               for name, sites in trace.tests_in(path, tmp_path).items() if name.count(".") == 3}
    assert reached == {
        "elbocheck.reference.vae.elbo": ["test_one"],
        "elbocheck.fast.ring.score": ["test_one"],
        "elbocheck.fast.vae.kl_normal": ["test_two"],
        "elbocheck.reference.gan.gan_loss": ["test_two"],
    }


def test_every_implemented_claim_reaches_a_test():
    """From a claim, one step reaches a test: a test of tests/ calls one of its functions, or the pair table
    (tests/fast/test_pairs.py) cross-checks one."""
    from elbocheck.pairs import all_pairs

    pair_names = [pair.name for pair in all_pairs()]
    unreached = []
    for claim_id in trace.implementations():
        found = trace.trace(claim_id, pair_names)
        if not (found.tests or found.pairs):
            unreached.append(claim_id)
    assert unreached == []


def test_explain_names_the_functions_that_cite_the_claim_their_pair_and_a_test(capsys):
    import inspect
    import pkgutil
    import re

    from elbocheck.cli import main

    cites = re.compile(r"(?<![\w.-])003-eq10(?![\w-])")
    expected = []
    for package_name in ("elbocheck.reference", "elbocheck.fast"):
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            module = importlib.import_module(f"{package_name}.{info.name}")
            expected += [f"{module.__name__}.{name}" for name, value in inspect.getmembers(module, inspect.isfunction)
                         if value.__module__ == module.__name__ and not name.startswith("_")
                         and cites.search(value.__doc__ or "")]
    assert main(["claims", "--explain", "003-eq10"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^  (elbocheck\.\S+)", out.split("Implemented by:")[1], flags=re.M)
    assert sorted(listed) == sorted(expected) and expected
    assert "pair vae.kl_normal" in out
    assert re.search(r"^  tests/reference/test_vae\.py::test_\w+$", out, flags=re.M)
