"""elbocheck._io: strict JSON, result sets that are whole or absent, leftovers cleaned, input files that are not
regular files refused before they are opened, checkpoint digests."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from elbocheck import _io


def test_non_finite_values_become_null_with_their_pointer_and_what_they_were():
    document = {"a": 1.5, "b": [0.0, math.nan, -math.inf], "c": {"x/y": np.float32("inf")},
                "d": np.array([1.0, np.nan]), "e": torch.tensor(float("-inf"))}
    text = _io.strict_json(document)
    parsed = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in strict JSON"))
    assert parsed["a"] == 1.5 and parsed["b"] == [0.0, None, None] and parsed["c"] == {"x/y": None}
    assert parsed["d"] == [1.0, None] and parsed["e"] is None
    assert parsed["non_finite"] == {"/b/1": "NaN", "/b/2": "-Infinity", "/c/x~1y": "+Infinity", "/d/1": "NaN",
                                    "/e": "-Infinity"}


def test_finite_documents_are_unchanged_and_unknown_objects_refused():
    document = {"n": 3, "f": 0.25, "s": "text", "none": None, "list": [True, 2]}
    assert json.loads(_io.strict_json(document)) == document
    assert json.loads(_io.strict_json([math.nan])) == {"value": [None], "non_finite": {"/value/0": "NaN"}}
    with pytest.raises(TypeError):
        _io.strict_json({"f": object()})


def test_atomic_json_is_readable_by_a_strict_parser(tmp_path):
    _io.atomic_write_json(tmp_path / "r.json", {"loss": math.nan})
    text = (tmp_path / "r.json").read_text()
    assert "NaN" not in text.replace('"NaN"', "")
    assert json.loads(text)["loss"] is None


def test_a_result_set_arrives_whole(tmp_path):
    out = tmp_path / "out"
    with _io.ResultSet(out, owns=("*.txt",)) as results:
        (results.path / "a.txt").write_text("1")
        (results.path / "b.txt").write_text("1")
        assert not out.exists()
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]
    with _io.ResultSet(out, owns=("*.txt",)) as results:
        (results.path / "a.txt").write_text("2")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"], "the earlier run's b.txt must go"
    assert (out / "a.txt").read_text() == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "no partial or retired folder left"


def test_a_failed_run_leaves_the_earlier_set_and_no_partial_folder(tmp_path):
    out = tmp_path / "out"
    with _io.ResultSet(out, owns=("*.txt",)) as results:
        (results.path / "a.txt").write_text("old")
    for error in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(error):
            with _io.ResultSet(out, owns=("*.txt",)) as results:
                (results.path / "a.txt").write_text("new")
                raise error()
    assert (out / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_shared_folder_keeps_other_files_and_loses_only_the_commands_old_ones(tmp_path):
    out = tmp_path / "shared"
    out.mkdir()
    (out / "notes.md").write_text("mine")
    (out / "latent.png").write_text("from an earlier run")
    with _io.ResultSet(out, owns=("result.json", "*.png")) as results:
        (results.path / "result.json").write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == ["notes.md", "result.json"]


def test_kept_files_travel_with_the_set(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.pt").write_bytes(b"state")
    with _io.ResultSet(out, owns=("*.png",), keep=("checkpoint.pt",)) as results:
        (results.path / "a.png").write_bytes(b"png")
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "checkpoint.pt"]
    assert (out / "checkpoint.pt").read_bytes() == b"state"


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_leftovers_of_dead_runs_are_cleaned_and_live_ones_kept(tmp_path):
    dead, alive = dead_pid(), os.getpid()
    (tmp_path / f".result.json.{dead}-0123abcd.tmp").write_text("half")
    (tmp_path / f".out.partial-{dead}-0123abcd").mkdir()
    (tmp_path / f".out.old-{dead}-89abcdef").mkdir()
    (tmp_path / f".result.json.{alive}-0123abcd.tmp").write_text("being written")
    (tmp_path / ".hidden.tmp").write_text("not ours")
    (tmp_path / "result.json").write_text("{}")
    _io.atomic_write_text(tmp_path / "other.txt", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".result.json.{alive}-0123abcd.tmp", ".hidden.tmp", "result.json", "other.txt"])


def test_non_regular_files_are_refused_before_opening(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="^--corpus: .* is a FIFO, not a regular file"):
        _io.require_regular_file(fifo, "--corpus", "a UTF-8 text file")
    with pytest.raises(ValueError, match="^--corpus: '/dev/zero' is a character device"):
        _io.require_regular_file("/dev/zero", "--corpus", "a UTF-8 text file")
    with pytest.raises(ValueError, match="is a directory"):
        _io.require_regular_file(tmp_path, "--corpus", "a UTF-8 text file")
    with pytest.raises(ValueError, match="no such file"):
        _io.require_regular_file(tmp_path / "missing", "--corpus", "a UTF-8 text file")
    (tmp_path / "text").write_text("fine")
    os.symlink(tmp_path / "text", tmp_path / "link")
    assert _io.require_regular_file(tmp_path / "link", "--corpus", "text") == tmp_path / "link"


def test_tree_digest_sees_one_changed_byte():
    state = {"w": torch.arange(6, dtype=torch.float32).reshape(2, 3), "n": 3, "h": [1.0, {"k": "v"}]}
    same = {"h": [1.0, {"k": "v"}], "n": 3, "w": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    assert _io.tree_digest(state) == _io.tree_digest(same)
    changed = {**same, "w": same["w"].clone()}
    changed["w"].view(-1).view(torch.uint8)[5] ^= 1
    assert _io.tree_digest(changed) != _io.tree_digest(state)
    assert _io.tree_digest({**same, "w": same["w"].reshape(3, 2)}) != _io.tree_digest(state)
