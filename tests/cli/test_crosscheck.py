"""`elbocheck crosscheck` on the real table and on pairs broken on purpose."""

import json

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
