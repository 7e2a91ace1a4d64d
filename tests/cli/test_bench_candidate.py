"""`elbocheck bench --candidate`: a user's function timed beside fast, reference and peer on the CPU path, each with
its relative error against the reference (no timing is asserted)."""

import json

import pytest

from elbocheck.pairs.candidate import find_pair
from elbocheck.pairs.timing import bench_candidate

CANDIDATES = '''
import torch


def layer_norm(x):
    centred = x - x.mean(dim=-1, keepdim=True)
    return centred / torch.sqrt((centred ** 2).mean(dim=-1, keepdim=True) + 1e-5)


def layer_norm_without_eps(x):
    centred = x - x.mean(dim=-1, keepdim=True)
    return centred / torch.sqrt((centred ** 2).mean(dim=-1, keepdim=True))


def broken(x):
    raise NotImplementedError("later")
'''


@pytest.fixture
def candidates(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(CANDIDATES)
    return path


def test_the_candidate_is_timed_beside_fast_reference_and_peer(cli, candidates):
    code, out, err = cli("bench", "--candidate", f"{candidates}:layer_norm", "--pair", "residual.layer_norm",
                         "--device", "cpu", "--json")
    assert code == 0
    document = json.loads(out)
    pair = find_pair("residual.layer_norm")
    assert document["peer"] == pair.peer_name and [row["size"] for row in document["sizes"]] == list(pair.bench_sizes)
    for row in document["sizes"]:
        assert set(row["timings"]) == {"candidate", "fast", "reference", "peer"}
        for name, timing in row["timings"].items():
            assert timing["seconds"] > 0 and timing["rounds"] >= 3 and timing["problem"] is None
            assert timing["relative_error"] <= pair.rtol["float32"], name


def test_errors_sit_beside_the_times_and_a_raising_candidate_is_a_cell(candidates):
    pair = find_pair("residual.layer_norm")
    from elbocheck.pairs.candidate import load_candidate

    rows = bench_candidate(pair, load_candidate(f"{candidates}:layer_norm_without_eps"), dtype="float64",
                           budget_seconds=0.01)
    assert all(row.timings["candidate"].error > pair.rtol["float64"] for row in rows)  # eps = 1e-5 is missing
    assert all(row.timings["fast"].error <= pair.rtol["float64"] for row in rows)
    rows = bench_candidate(pair, load_candidate(f"{candidates}:broken"), budget_seconds=0.01)
    assert all(row.timings["candidate"].problem == "raised NotImplementedError: later" for row in rows)
    assert all(row.timings["candidate"].seconds is None and row.timings["fast"].seconds > 0 for row in rows)


def test_the_table_names_every_implementation(cli, candidates):
    code, out, _ = cli("bench", "--candidate", f"{candidates}:broken", "--pair", "residual.layer_norm",
                       "--device", "cpu")
    assert code == 1  # a candidate that raises does not match the reference
    assert "| size | input | candidate (" in out
    assert "| fast | reference | peer (torch.nn.functional.layer_norm) |" in out
    assert out.count("raised NotImplementedError: later") == len(find_pair("residual.layer_norm").bench_sizes)


@pytest.mark.parametrize("argv, argument", [
    (["bench", "--candidate", "{path}:layer_norm"], "--candidate"),
    (["bench", "--pair", "residual.layer_norm"], "--candidate"),
    (["bench", "--candidate", "{path}:absent", "--pair", "residual.layer_norm"], "--candidate"),
    (["bench", "--candidate", "{path}:layer_norm", "--pair", "residual.layer_nrom"], "--pair"),
    (["bench", "--candidate", "{path}:layer_norm", "--pair", "residual.layer_norm", "--dtype", "int8"], "--dtype"),
])
def test_bad_arguments_are_one_line_exit_2(cli, candidates, argv, argument):
    code, out, err = cli(*[part.format(path=candidates) for part in argv])
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and argument in lines[0]


def test_a_candidate_that_does_not_match_fails_the_run_and_says_so(cli, candidates):
    argv = ("bench", "--candidate", f"{candidates}:layer_norm_without_eps", "--pair", "residual.layer_norm",
            "--device", "cpu", "--dtype", "float64")
    code, out, err = cli(*argv)
    assert code == 1 and "FAIL: the candidate does not match the reference at sizes" in out
    assert "outside rtol 1e-10" in out and "load average" in out.splitlines()[0]
    code, out, err = cli(*argv, "--json")
    document = json.loads(out)
    assert code == 1 and document["candidate_passed"] is False
    assert all(row["timings"]["candidate"]["problem"] == "outside rtol 1e-10" for row in document["sizes"])
    assert all(row["timings"]["fast"]["problem"] is None for row in document["sizes"])


def test_what_the_candidate_prints_stays_out_of_the_json(cli, tmp_path):
    path = tmp_path / "noisy.py"
    path.write_text("import torch\nprint('loading')\n\ndef kl(mu, logvar):\n    print('called')\n"
                    "    return 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(-1)\n")
    for command in (("bench",), ("crosscheck", "--trials", "1")):
        code, out, err = cli(*command, "--candidate", f"{path}:kl", "--pair", "vae.kl_to_standard_normal",
                             "--device", "cpu", "--json")
        assert code == 0 and json.loads(out)["pair"] == "vae.kl_to_standard_normal" and "called" in err
