"""The scaffold every command shares: --out refused before any work (a file, a path below a file, a folder that
takes no writes), the reproduce-this-run line that parses back to the same options, and result files written by
their suffix."""

import errno
import json
import os
import shlex
import tempfile

import numpy as np
import pytest

from elbocheck.cli import COMMANDS, build_parser, main
from elbocheck import scaffold

WRITERS = ["em", "vae", "gan-demo", "ring", "residual", "bench", "report"]


def options(namespace) -> dict:
    return {key: value for key, value in vars(namespace).items() if key not in ("run", "command_parser")}


@pytest.mark.parametrize("command", WRITERS)
def test_out_naming_a_file_is_one_line_exit_2_and_the_file_kept(tmp_path, capsys, command):
    target = tmp_path / "file"
    target.write_text("keep")
    assert main([command, "--out", str(target)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"elbocheck {command}: error: --out")
    assert target.read_text() == "keep"


@pytest.mark.parametrize("command", WRITERS)
def test_out_below_a_file_is_refused_and_nothing_is_created(tmp_path, capsys, command):
    (tmp_path / "file").write_text("keep")
    assert main([command, "--out", str(tmp_path / "file" / "deeper" / "out")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--out" in error and "is a file" in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ValueError, match="--out: cannot write"):
            scaffold.check_out(folder / "out")
    finally:
        folder.chmod(0o755)


def test_a_folder_on_a_read_only_file_system_is_refused(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    with pytest.raises(ValueError, match="--out: cannot write in .*Read-only file system"):
        scaffold.check_out(tmp_path / "a" / "b")
    assert list(tmp_path.iterdir()) == []


def test_check_out_creates_nothing_and_make_out_creates_the_folder_and_leaves_no_probe(tmp_path):
    out = tmp_path / "a" / "b"
    assert scaffold.check_out(out) == out and not (tmp_path / "a").exists()
    assert scaffold.make_out(out) == out and out.is_dir() and list(out.iterdir()) == []
    assert list(tmp_path.iterdir()) == [tmp_path / "a"]


@pytest.mark.parametrize("command, argv", [
    ("em", ["--states", "3", "--tol", "1e-07", "--corpus", "my file.txt", "--dtype", "float32"]),
    ("vae", ["--ae", "--lr", "0.0003", "--hidden", "16,8"]),
    ("gan-demo", ["--learning-rate", "0.01", "--generator-loss", "non_saturating"]),
    ("ring", ["--J", "0.8", "--samples", "20,200"]),
    ("residual", ["--depths", "1,3", "--lr", "0.1"]),
    ("crosscheck", ["--pair", "vae.elbo", "--pair", "ring.sample", "--json"]),
    ("bench", ["--quick", "--suite", "ring"]),
    ("report", ["--figures", "a b", "--only", "003"]),
    ("claims", ["--jobs", "2"]),
])
def test_the_reproduce_line_parses_back_to_the_same_options(command, argv):
    parser = build_parser()
    parsed = parser.parse_args([command, *argv])
    line = scaffold.command_line(parsed)
    words = shlex.split(line)
    assert words[:2] == ["elbocheck", command]
    assert options(parser.parse_args(words[1:])) == options(parsed)
    for word in argv:
        assert word in words


def test_every_command_gets_its_parser_and_the_shared_options_read_alike():
    parser = build_parser()
    for name in COMMANDS:
        command = name.replace("_", "-")
        parsed = parser.parse_args([command])
        assert parsed.command_parser.prog == f"elbocheck {command}"
        for option, default in (("device", "auto"), ("seed", 0), ("dtype", "float64")):
            if hasattr(parsed, option):
                assert getattr(parsed, option) == default


def test_bad_shared_options_name_themselves(tmp_path):
    parser = build_parser()
    for argv, name in ((["--seed", "-1"], "--seed"), (["--dtype", "float16"], "--dtype"), (["--device", "tpu"], "--device")):
        with pytest.raises(ValueError, match=f"^{name}: expected"):
            scaffold.resolve(parser.parse_args(["em", *argv, "--out", str(tmp_path / "out")]))
    assert list(tmp_path.iterdir()) == []


def test_result_files_are_written_by_their_suffix(tmp_path):
    plt = __import__("elbocheck._io", fromlist=["pyplot"]).pyplot()
    figure, axes = plt.subplots()
    axes.plot([0, 1], [1, 0])
    arrays = {"A": np.eye(2), "vocab": np.array(["a", "b"])}
    written = scaffold.write_results(tmp_path, {"figure.png": figure, "params.npz": arrays, "notes.md": "# x\n",
                                                "blob.pt": b"\x00\x01", scaffold.RESULT: {"x": np.float64(0.5)}})
    assert [path.name for path in written] == ["figure.png", "params.npz", "notes.md", "blob.pt", "result.json"]
    assert (tmp_path / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with np.load(tmp_path / "params.npz") as loaded:
        np.testing.assert_array_equal(loaded["A"], np.eye(2))
    assert (tmp_path / "notes.md").read_text() == "# x\n" and (tmp_path / "blob.pt").read_bytes() == b"\x00\x01"
    assert json.loads((tmp_path / "result.json").read_text()) == {"x": 0.5}


def test_the_progress_bar_writes_to_stderr(capsys):
    for _ in scaffold.progress(range(3), desc="work", unit="step"):
        pass
    captured = capsys.readouterr()
    assert captured.out == "" and "work" in captured.err and "3/3" in captured.err
