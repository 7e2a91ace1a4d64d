"""`elbocheck ring`: the report and files it writes, their agreement with the closed forms, and one-line errors
that leave nothing on disk."""

import json
import math

import numpy as np
import pytest


def test_writes_ring_png_and_json_with_both_estimators(tmp_path, cli):
    out = tmp_path / "out"
    code, stdout, _ = cli("ring", "--N", "6", "--J", "0.8", "--samples", "200,20", "--repeats", "6", "--seed", "3",
                          "--device", "cpu", "--out", str(out))
    assert code == 0
    assert (out / "ring.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = json.loads((out / "result.json").read_text())
    assert [row["samples"] for row in result["fits"]] == [20, 200]
    for row in result["fits"]:
        for name in ("maximum_likelihood", "pseudo_likelihood"):
            estimates = np.array(row[name]["estimates"], dtype=float)
            assert estimates.shape == (6,)
            assert row[name]["mean"] == pytest.approx(estimates.mean(), rel=1e-12)
            assert row[name]["rmse"] == pytest.approx(np.sqrt(np.mean((estimates - 0.8) ** 2)), rel=1e-12)
        assert row["cramer_rao_sd"] == pytest.approx(1 / math.sqrt(row["samples"] * result["fisher_information_per_sample"]))
    large = result["fits"][1]
    assert abs(large["maximum_likelihood"]["mean"] - 0.8) < 0.15 and abs(large["pseudo_likelihood"]["mean"] - 0.8) < 0.15
    values = result["problem_values"]
    assert values["6"]["zeros"] == pytest.approx(6 * math.log(3), rel=1e-12)
    assert values["6"]["ones"] == pytest.approx(6 * math.log(1 + math.exp(-2) + math.exp(-4)), rel=1e-12)
    assert values["1"]["zeros"] == pytest.approx(math.log(1 + 2 * math.e), rel=1e-12)
    assert "holds" in stdout and "differs" in stdout and "PL rmse" in stdout
    assert result["command"].startswith("elbocheck ring --N 6")


def test_the_same_seed_gives_the_same_estimates(tmp_path, cli):
    for name in ("a", "b"):
        assert cli("ring", "--N", "4", "--samples", "15", "--repeats", "3", "--device", "cpu",
                   "--out", str(tmp_path / name))[0] == 0
    first, second = (json.loads((tmp_path / name / "result.json").read_text())["fits"] for name in ("a", "b"))
    assert first == second


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--N", "0"], "--N: expected an integer >= 1"),
        (["--J", "nan"], "--J: expected a finite coupling"),
        (["--J", "15"], "--J: expected a finite coupling"),
        (["--h", "inf"], "--h: expected a finite field"),
        (["--samples", "10,zero"], "--samples: expected comma-separated integers"),
        (["--samples", "0,10"], "--samples: expected comma-separated integers >= 1"),
        (["--repeats", "1"], "--repeats: expected an integer >= 2"),
        (["--samples", "100000000", "--repeats", "10"], "--samples: 10 repeats"),
        (["--device", "tpu"], "device: expected 'cpu', 'cuda' or 'auto'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_on_disk(tmp_path, cli, argv, message):
    out = tmp_path / "out"
    code, stdout, stderr = cli("ring", *argv, "--out", str(out))
    assert code == 2 and stdout == ""
    assert stderr.startswith("elbocheck ring: error: ") and message in stderr and stderr.count("\n") == 1
    assert not out.exists()
