"""`elbocheck gan-demo`: the files it writes, the printed gradient table, and one-line errors that leave nothing on
disk."""

import json
import math

import pytest
import torch
from PIL import Image

from elbocheck.models import gan_run as gan_demo


def test_writes_samples_png_and_result_json_and_prints_the_gradient_table(tmp_path, cli):
    out = tmp_path / "demo"
    threads = torch.get_num_threads()
    code, stdout, _ = cli("gan-demo", "--steps", "40", "--batch", "64", "--strings", "512", "--device", "cpu",
                          "--out", str(out))
    assert code == 0
    assert torch.get_num_threads() == threads
    with Image.open(out / "samples.png") as image:
        assert image.size[0] > 600 and image.size[1] > 400
    result = json.loads((out / "result.json").read_text())
    training = result["training"]
    assert training["steps"] == 40 and sorted(map(int, training["coverage"])) == gan_demo.snapshot_steps(40)
    assert math.isfinite(training["final_L"]) and math.isfinite(training["final_generator_loss"])
    estimates = result["discrete_generator_gradient"]["estimates"]
    assert estimates["autograd through the sampler"] is None
    assert estimates["pathwise finite difference"] == 0.0 and estimates["words changed by the step"] == 0
    assert estimates["straight-through"] != 0.0 and estimates["exact"] != 0.0
    assert "no gradient" in stdout and "straight-through" in stdout and "Gumbel-softmax tau=0.1" in stdout
    assert sorted(path.name for path in out.iterdir()) == ["result.json", "samples.png"]


def test_snapshot_steps_are_distinct_and_end_at_the_last_step():
    assert gan_demo.snapshot_steps(2000) == [0, 250, 500, 1000, 2000]
    assert gan_demo.snapshot_steps(1) == [0, 1]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--steps", "0"], "--steps"),
        (["--batch", "-1"], "--batch"),
        (["--learning-rate", "nan"], "--learning-rate"),
        (["--optimizer", "rmsprop"], "--optimizer"),
        (["--generator-loss", "hinge"], "--generator-loss"),
        (["--strings", "0"], "--strings"),
        (["--modes", "0"], "--modes"),
        (["--device", "tpu"], "device"),
    ],
)
def test_bad_input_is_one_line_on_stderr_exit_2_and_nothing_on_disk(tmp_path, cli, argv, message):
    out = tmp_path / "demo"
    code, stdout, stderr = cli("gan-demo", *argv, "--out", str(out))
    assert code == 2
    assert stderr.count("\n") == 1 and message in stderr and "Traceback" not in stderr
    assert not out.exists()


def test_out_that_is_a_file_is_refused(tmp_path, cli):
    target = tmp_path / "file"
    target.write_text("keep")
    code, _, stderr = cli("gan-demo", "--steps", "1", "--out", str(target))
    assert code == 2 and "--out" in stderr and target.read_text() == "keep"
