"""`elbocheck residual`: the figures and numbers it writes on a tiny configuration, and one-line errors that leave
nothing on disk."""

import json

import numpy as np
import pytest

from elbocheck.commands import residual as command

TEXT = "the cat sat on the mat. the dog sat on the log. a cat saw a dog; the dog saw the cat!\n" * 20
TINY = ["--steps", "4", "--depths", "1,2", "--jacobian-depth", "3", "--draws", "2", "--d-model", "8", "--heads", "2",
        "--context", "6", "--batch-size", "2", "--device", "cpu"]


def test_writes_gradnorm_jacobian_and_json(tmp_path, cli):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, _ = cli("residual", *TINY, "--placements", "post,pre,prenorm", "--corpus", str(corpus),
                          "--out", str(out))
    assert code == 0
    for name in ("gradnorm.png", "jacobian.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads((out / "result.json").read_text())
    assert [(run_["placement"], run_["depth"]) for run_ in result["runs"]] == [
        (placement, depth) for depth in (1, 2) for placement in ("post", "pre", "prenorm")
    ]
    for run_, row in zip(result["runs"], result["summary"]):
        norms = np.array(run_["last_layer_grad_norm"])
        assert norms.shape == (4,) and np.all(norms > 0)
        assert row["grad_norm_first"] == norms[0] and row["grad_norm_max"] == norms.max()
    for entry in result["jacobian_norms"]:
        assert np.array(entry["mlp_stack"]).shape == (2, 3) and np.array(entry["transformer"]).shape == (2, 3)
    assert "median 2nd half" in stdout and "||dx_L/dx_0||_2" in stdout


def test_the_same_seed_gives_the_same_curves_on_the_default_corpus(tmp_path, cli):
    for name in ("a", "b"):
        assert cli("residual", *TINY, "--depths", "1", "--draws", "1", "--out", str(tmp_path / name))[0] == 0
    first, second = (json.loads((tmp_path / name / "result.json").read_text()) for name in ("a", "b"))
    assert first["runs"] == second["runs"] and first["jacobian_norms"] == second["jacobian_norms"]


def test_parse_helpers():
    assert command.parse_int_list("1, 5,10", "--depths") == [1, 5, 10]
    assert command.parse_placements("pre,post") == ["pre", "post"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--depths", "1,x"], "--depths: expected comma-separated integers"),
        (["--depths", "0,5"], "--depths: expected comma-separated integers >= 1"),
        (["--placements", "post,middle"], "--placements: expected distinct names"),
        (["--placements", "post,post"], "--placements: expected distinct names"),
        (["--steps", "0"], "--steps: expected an integer >= 1"),
        (["--heads", "3"], "--heads: expected a divisor of --d-model 64"),
        (["--lr", "-1"], "--lr: expected a positive learning rate"),
        (["--corpus", "/nonexistent/corpus.txt"], "corpus: no such file"),
        (["--device", "tpu"], "device: expected 'cpu', 'cuda' or 'auto'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_on_disk(tmp_path, cli, argv, message):
    out = tmp_path / "out"
    code, stdout, stderr = cli("residual", *argv, "--out", str(out))
    assert code == 2 and stdout == ""
    assert stderr.startswith("elbocheck residual: error: ") and message in stderr and stderr.count("\n") == 1
    assert not out.exists()
