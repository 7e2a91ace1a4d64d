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
    assert code == 0
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
