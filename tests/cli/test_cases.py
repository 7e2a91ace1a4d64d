"""`elbocheck cases`: golden vectors written to .npz, read back as a C++ or JAX user would (np.load and the
documented keys), recomputed independently, and graded with --verify."""

import json

import mpmath
import numpy as np
import pytest

import elbocheck
from elbocheck.cli import main
from elbocheck.pairs.candidate import find_pair

PAIR = "vae.kl_to_standard_normal"


def kl_closed_form(mu, logvar):
    """1/2 sum(mu^2 + e^logvar - 1 - logvar), seed 001 section 4, at 50 digits (in float64, e^v - 1 - v loses a
    third of its digits at the pair's edge input logvar = 2^-20)."""
    rows = []
    with mpmath.workdps(50):
        for mu_row, logvar_row in zip(mu.reshape(-1, mu.shape[-1]), logvar.reshape(-1, logvar.shape[-1])):
            terms = [mpmath.mpf(float(m)) ** 2 + mpmath.expm1(mpmath.mpf(float(v))) - mpmath.mpf(float(v))
                     for m, v in zip(mu_row, logvar_row)]
            rows.append(float(mpmath.fsum(terms) / 2))
    return np.array(rows).reshape(mu.shape[:-1])


def exit_code(argv) -> int:
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.fixture
def golden(tmp_path):
    path = tmp_path / "kl.npz"
    assert main(["cases", "--pair", PAIR, "--out", str(path), "--count", "7", "--seed", "5", "--dtype", "float32"]) == 0
    return path


def their_outputs(golden_path, perturb: dict | None = None) -> dict:
    """Outputs computed outside elbocheck from the stored inputs alone, following the documented layout."""
    with np.load(golden_path) as data:
        signature = json.loads(str(data["meta/signature"]))
        outputs = {}
        for case in signature["cases"]:
            mu, logvar = data[case["inputs"]["mu"]], data[case["inputs"]["logvar"]]
            value = kl_closed_form(mu, logvar).astype(np.float32)
            outputs[case["outputs"][0]] = value * (perturb or {}).get(case["case"], 1.0)
    return outputs


def test_the_file_holds_inputs_outputs_and_what_produced_them(golden):
    with np.load(golden) as data:
        assert str(data["meta/format"]) == "elbocheck-cases" and str(data["meta/pair"]) == PAIR
        assert str(data["meta/dtype"]) == "float32" and float(data["meta/rtol"]) == find_pair(PAIR).rtol["float32"]
        assert int(data["meta/seed"]) == 5 and int(data["meta/count"]) == 7
        assert str(data["meta/elbocheck_version"]) == elbocheck.__version__
        signature = json.loads(str(data["meta/signature"]))
        assert signature["arguments"] == ["mu", "logvar"] and len(signature["cases"]) == 7
        for number, case in enumerate(signature["cases"]):
            assert case["case"] == f"case{number:03d}"
            mu = data[f"case{number:03d}/input/mu"]
            logvar = data[f"case{number:03d}/input/logvar"]
            assert mu.dtype == np.float32 and logvar.dtype == np.float32
            stored = data[f"case{number:03d}/output/0"]
            assert stored.dtype == np.float64
            np.testing.assert_allclose(stored, kl_closed_form(mu, logvar), rtol=1e-12, atol=1e-300)


def test_outputs_computed_elsewhere_pass(golden, tmp_path, capsys):
    theirs = tmp_path / "theirs.npz"
    np.savez(theirs, **their_outputs(golden))
    assert main(["cases", "--verify", str(golden), "--outputs", str(theirs)]) == 0
    out = capsys.readouterr().out
    assert "7 of 7 cases pass" in out and "FAIL" not in out


def test_a_wrong_case_fails_row_by_row(golden, tmp_path, capsys):
    outputs = their_outputs(golden, perturb={"case003": 1.01})
    del outputs["case005/output/0"]
    outputs["case006/output/0"] = outputs["case006/output/0"][:, None]
    theirs = tmp_path / "theirs.npz"
    np.savez(theirs, **outputs)
    assert main(["cases", "--verify", str(golden), "--outputs", str(theirs), "--json"]) == 1
    rows = {row["case"]: row for row in json.loads(capsys.readouterr().out)["rows"]}
    assert [case for case, row in rows.items() if not row["passed"]] == ["case003", "case005", "case006"]
    assert rows["case003"]["error"] == pytest.approx(0.01, rel=1e-3)
    assert "missing case005/output/0" in rows["case005"]["problem"]
    assert "shape" in rows["case006"]["problem"]


def test_nested_arguments_round_trip(tmp_path):
    path = tmp_path / "counts.npz"
    assert main(["cases", "--pair", "bigram_em.bigram_counts", "--out", str(path), "--count", "6"]) == 0
    with np.load(path) as data:
        signature = json.loads(str(data["meta/signature"]))
        for case in signature["cases"]:
            sentences = [data[key] for key in case["inputs"]["sentences"]]
            V = int(data[case["inputs"]["V"]])
            counts = np.zeros((V + 1, V))
            for sentence in sentences:
                previous = 0
                for word in sentence:
                    counts[previous, word - 1] += 1
                    previous = word
            np.testing.assert_array_equal(data[case["outputs"][0]], counts)


@pytest.mark.parametrize("argv, argument", [
    (["cases", "--pair", PAIR], "--pair"),
    (["cases", "--pair", "vae.kl", "--out", "{tmp}/a.npz"], "--pair"),
    (["cases", "--pair", PAIR, "--out", "{tmp}/a.txt"], "--out"),
    (["cases", "--pair", PAIR, "--out", "{tmp}"], "--out"),
    (["cases", "--pair", PAIR, "--out", "{tmp}/a.npz", "--count", "0"], "--count"),
    (["cases", "--pair", PAIR, "--out", "{tmp}/a.npz", "--dtype", "float16"], "--dtype"),
    (["cases", "--verify", "{tmp}/absent.npz", "--outputs", "{tmp}/absent.npz"], "--verify"),
    (["cases", "--verify", "{tmp}/not.npz", "--outputs", "{tmp}/not.npz"], "--verify"),
    (["cases", "--verify", "{tmp}/a.npz"], "--verify"),
])
def test_bad_arguments_are_one_line_exit_2_and_write_nothing(tmp_path, capsys, argv, argument):
    (tmp_path / "not.npz").write_text("not a zip file")
    before = sorted(tmp_path.iterdir())
    assert exit_code([part.format(tmp=tmp_path) for part in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and argument in err[0]
    assert sorted(tmp_path.iterdir()) == before


def test_a_cancelling_case_is_graded_on_the_scale_of_its_terms_as_crosscheck_grades_it(golden, tmp_path, capsys):
    """case000 is the edge input with logvar near 0, where e^v - 1 - v cancels: a float32 implementation of the
    formula as written is off by far more than 1e-5 of the tiny KL, but not of the terms it sums."""
    with np.load(golden) as data:
        signature = json.loads(str(data["meta/signature"]))
        mu, logvar = data["case000/input/mu"].astype(np.float64), data["case000/input/logvar"].astype(np.float64)
        np.testing.assert_allclose(data["case000/scale/0"],
                                   0.5 * np.sum(mu**2 + np.exp(logvar) + 1 + np.abs(logvar), axis=-1), rtol=1e-12)
        outputs = {}
        for case in signature["cases"]:
            m, v = data[case["inputs"]["mu"]], data[case["inputs"]["logvar"]]
            with np.errstate(over="ignore", invalid="ignore"):
                outputs[case["outputs"][0]] = (0.5 * (m**2 + np.exp(v) - 1 - v).sum(-1)).astype(np.float32)
    assert abs(float(outputs["case000/output/0"][0]) - kl_closed_form(mu, logvar)[0]) > \
        1e-5 * abs(kl_closed_form(mu, logvar)[0])
    theirs = tmp_path / "theirs.npz"
    np.savez(theirs, **outputs)
    main(["cases", "--verify", str(golden), "--outputs", str(theirs), "--json"])
    rows = {row["case"]: row for row in json.loads(capsys.readouterr().out)["rows"]}
    assert rows["case000"]["passed"]
