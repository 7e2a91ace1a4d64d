"""`elbocheck crosscheck` on the real table and on pairs broken on purpose."""

import json
import sys

import numpy as np
import pytest

import elbocheck.pairs
from elbocheck.cli import main
from elbocheck.pairs import Pair, Sample
from elbocheck.pairs.core import run_pair


def softmax_reference(logits):
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


def softmax_fast(logits):
    return logits.softmax(dim=-1)


def sample(rng, size):
    return Sample((rng.normal(size=size),), label=f"n={size}")


GOOD = Pair("toy.softmax", softmax_reference, softmax_fast, sample, sizes=(2, 4, 8))
WRONG_FROM_4 = Pair("toy.softmax_wrong_from_4", softmax_reference,
                    lambda x: softmax_fast(x) * (1 + 1e-3 * (x.shape[0] >= 4)), sample, sizes=(8, 2, 4))
CRASHING = Pair("toy.crashing", softmax_reference, lambda x: x.reshape(3, 7), sample, sizes=(2,))


def test_a_correct_pair_passes():
    report = run_pair(GOOD, base_seed=0, trials=2, dtype_name="float64")
    assert report.passed and report.inputs == 6 and report.max_error < 1e-12


def test_the_smallest_failing_input_is_reported():
    report = run_pair(WRONG_FROM_4, base_seed=0, trials=2, dtype_name="float64")
    assert not report.passed
    failure = report.smallest_failure
    assert failure.size == 4 and failure.label == "n=4"
    redrawn = sample(np.random.default_rng(failure.seed), failure.size).args[0]
    assert redrawn.shape == (4,)


def test_a_crash_fails_the_pair():
    report = run_pair(CRASHING, base_seed=0, trials=1, dtype_name="float64")
    assert not report.passed and "RuntimeError" in report.error


@pytest.fixture
def toy_table(monkeypatch):
    monkeypatch.setattr(elbocheck.pairs, "all_pairs", lambda: [GOOD, WRONG_FROM_4, CRASHING])


def test_command_exit_code_and_table(toy_table, capsys):
    assert main(["crosscheck", "--device", "cpu", "--trials", "2"]) == 1
    out = capsys.readouterr().out
    assert "toy.softmax " in out and "FAIL" in out and "1 of 3 pairs pass" in out
    assert "smallest failing input: size 4 (n=4)" in out and "numpy.random.default_rng(" in out
    assert main(["crosscheck", "--device", "cpu", "--pair", "toy.softmax"]) == 0


def test_command_json(toy_table, capsys):
    assert main(["crosscheck", "--device", "cpu", "--json", "--dtype", "float32"]) == 1
    document = json.loads(capsys.readouterr().out)
    by_name = {entry["pair"]: entry for entry in document["pairs"]}
    assert by_name["toy.softmax"]["passed"] and by_name["toy.softmax"]["rtol"] == 1e-5
    assert by_name["toy.softmax_wrong_from_4"]["smallest_failure"]["size"] == 4


def test_every_real_pair_is_named_uniquely_and_samples_all_its_sizes():
    pairs = elbocheck.pairs.all_pairs()
    assert len({pair.name for pair in pairs}) == len(pairs) >= 10
    for pair in pairs:
        assert len(pair.sizes) >= 2, pair.name


def exit_code(argv) -> int:
    """main's return value, or the code argparse exits with on a malformed command line."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize("argv, argument", [
    (["crosscheck", "--trials", "0"], "--trials"),
    (["crosscheck", "--pair", "vae.encdoe"], "--pair"),
    (["crosscheck", "--dtype", "float16"], "--dtype"),
])
def test_bad_arguments(argv, argument, capsys):
    assert exit_code(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and argument in err[0]


CANDIDATES = '''
import time


def kl(mu, logvar):
    return 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(-1)


def kl_sigma_for_variance(mu, logvar):
    return 0.5 * (mu ** 2 + (0.5 * logvar).exp() - 1 - logvar).sum(-1)


def kl_slow(mu, logvar):
    time.sleep(60)


def kl_exits(mu, logvar):
    import sys
    sys.exit(3)


def kl_nan(mu, logvar):
    return (mu * float("nan")).sum(-1)
'''


@pytest.fixture
def candidates(tmp_path):
    path = tmp_path / "kernels" / "mine.py"
    path.parent.mkdir()
    path.write_text(CANDIDATES)
    return path


def test_candidate_that_matches_passes(candidates, capsys):
    argv = ["crosscheck", "--candidate", f"{candidates}:kl", "--pair", "vae.kl_to_standard_normal", "--device", "cpu"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "vae.kl_to_standard_normal" in out and "pass" in out and "FAIL" not in out


def test_candidate_that_differs_fails_with_the_shrunk_input(candidates, capsys):
    argv = ["crosscheck", "--candidate", f"{candidates}:kl_sigma_for_variance", "--pair", "vae.kl_to_standard_normal",
            "--device", "cpu", "--dtype", "float32", "--seed", "3"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    for words in ("FAIL", "smallest failing input", "mu = array(", "logvar = array(", "reference: array(",
                  "candidate: array(", "first difference: index", "seed: 3"):
        assert words in out


def test_candidate_json_is_strict_and_says_what_failed(candidates, capsys):
    argv = ["crosscheck", "--candidate", f"{candidates}:kl_slow", "--pair", "vae.kl_to_standard_normal",
            "--device", "cpu", "--json", "--time-limit", "0.2"]
    assert main(argv) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is False and document["problems"] == {"timed out": 1}
    assert document["skipped_after_time_limit"] > 0 and document["smallest_failure"]["problem"] == "timed out"


def test_candidate_json_names_the_first_failure_and_each_non_finite_value(candidates, capsys):
    argv = ["crosscheck", "--candidate", f"{candidates}:kl_nan", "--pair", "vae.kl_to_standard_normal",
            "--device", "cpu", "--json", "--trials", "2"]
    assert main(argv) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["first_failure"]["problem"] == "NaN" and document["first_failure"]["origin"].startswith("edge")
    assert document["max_relative_error"] is None and document["non_finite"]["/max_relative_error"] == "+Infinity"
    assert document["smallest_failure"]["candidate"] == [None]
    assert document["non_finite"]["/smallest_failure/candidate/0"] == "NaN"


@pytest.mark.parametrize("spec, pair, words", [
    ("{path}:missing", "vae.kl_to_standard_normal", "no function 'missing'"),
    ("{dir}/absent.py:kl", "vae.kl_to_standard_normal", "no Python file"),
    ("not_a_module_anywhere:kl", "vae.kl_to_standard_normal", "cannot import not_a_module_anywhere"),
    ("{path}:kl", "vae.kl_to_standard", "unknown pair 'vae.kl_to_standard'"),
    ("{path}", "vae.kl_to_standard_normal", "expected MODULE:FUNCTION"),
])
def test_candidate_that_cannot_run_is_one_line_exit_2(candidates, capsys, spec, pair, words):
    spec = spec.format(path=candidates, dir=candidates.parent)
    assert exit_code(["crosscheck", "--candidate", spec, "--pair", pair]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and words in err[0] and captured.out == ""


def test_list_names_functions_arguments_and_tolerances(capsys):
    assert main(["crosscheck", "--list", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    by_name = {entry["name"]: entry for entry in document["pairs"]}
    assert set(by_name) == {pair.name for pair in elbocheck.pairs.all_pairs()}
    kl = by_name["vae.kl_to_standard_normal"]
    assert kl["reference"] == "elbocheck.reference.vae.kl_to_standard_normal"
    assert kl["fast"] == "elbocheck.fast.vae.kl_to_standard_normal"
    assert [argument["name"] for argument in kl["arguments"]] == ["mu", "logvar"]
    assert all(text.startswith("float array (") for text in kl["arguments"][0]["by_size"].values())
    assert kl["rtol"] == elbocheck.pairs.DEFAULT_RTOL
    assert "ring.sample" in document["unpaired"]
    assert main(["crosscheck", "--list", "--pair", "sampler.first_word"]) == 0
    out = capsys.readouterr().out
    assert "sampler.first_word" in out and "reference  elbocheck.reference.sampler.first_word" in out
    assert "rtol: float64 1e-10, float32 1e-05" in out


def test_a_module_in_the_current_folder_is_found_by_its_name(candidates, monkeypatch, capsys):
    monkeypatch.chdir(candidates.parent)
    module = f"mine_{abs(hash(str(candidates)))}"
    (candidates.parent / f"{module}.py").write_text(CANDIDATES)
    argv = ["crosscheck", "--candidate", f"{module}:kl", "--pair", "vae.kl_to_standard_normal", "--device", "cpu",
            "--trials", "1"]
    assert main(argv) == 0 and "pass" in capsys.readouterr().out
    assert str(candidates.parent) not in sys.path


def test_a_candidate_that_calls_sys_exit_is_a_failing_row_not_the_end_of_the_run(candidates, capsys):
    argv = ["crosscheck", "--candidate", f"{candidates}:kl_exits", "--pair", "vae.kl_to_standard_normal",
            "--device", "cpu", "--trials", "1"]
    assert main(argv) == 1
    assert "raised ExitCalled: the function called sys.exit(3)" in capsys.readouterr().out
