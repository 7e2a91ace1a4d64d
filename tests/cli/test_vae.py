"""`elbocheck vae` end to end: the files it writes, the numbers in them against independent computations, exact
resumption from its checkpoint, one-line errors that leave nothing on disk, and the quality floor of the
defaults on the digits."""

import io
import json
import math

import numpy as np
import pytest
import torch
from scipy import stats

from elbocheck.cli import main
from elbocheck.data.digits import load_digits_data

TINY = ["--hidden", "16", "--iwae", "5", "--threads", "1"]


def run_vae(*argv) -> int:
    return main(["vae", *map(str, argv)])


def read_result(folder) -> dict:
    return json.loads((folder / "result.json").read_text())


def read_checkpoint(folder) -> dict:
    return torch.load(io.BytesIO((folder / "checkpoint.pt").read_bytes()), weights_only=True)


def test_a_small_run_writes_results_figures_and_a_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_vae("--epochs", 3, "--latent", 2, *TINY, "--out", out) == 0
    for name in ("result.json", "curves.png", "samples.png", "latent.png", "checkpoint.pt"):
        assert (out / name).stat().st_size > 0
    for name in ("curves.png", "samples.png", "latent.png"):
        image = __import__("matplotlib.image", fromlist=["imread"]).imread(out / name)
        assert image.ndim == 3 and min(image.shape[:2]) > 100
    result = read_result(out)
    heldout = result["heldout"]
    assert heldout["iwae_nats_per_image"] >= heldout["elbo_nats_per_image"]
    assert result["epochs"] == 3 and result["curves"]["epoch"] == [1, 2, 3]
    assert result["autoencoder"]["heldout_reconstruction_nats_per_image"] > 0
    assert "-ELBO" in capsys.readouterr().out


def test_the_baseline_is_independent_bernoulli_pixels_at_their_training_means(tmp_path):
    """Recomputed here with SciPy's Bernoulli log-pmf over the same split of the digits."""
    out = tmp_path / "run"
    assert run_vae("--epochs", 1, *TINY, "--out", out) == 0
    data = load_digits_data()
    train, heldout = data.binarized("train"), data.binarized("heldout")
    p = np.clip(train.mean(axis=0), 0.5 / len(train), 1 - 0.5 / len(train))
    expected = -np.mean(np.sum(stats.bernoulli.logpmf(heldout, p), axis=1))
    baseline = read_result(out)["baseline"]["negative_log_likelihood_nats_per_image"]
    assert baseline == pytest.approx(expected, rel=1e-12)
    assert baseline == pytest.approx(25.2, abs=0.05)


def test_a_run_resumed_from_its_checkpoint_equals_the_uninterrupted_run_bit_for_bit(tmp_path):
    straight, split = tmp_path / "straight", tmp_path / "split"
    assert run_vae("--epochs", 4, "--ae", "--samples", 2, *TINY, "--out", straight) == 0
    assert run_vae("--epochs", 2, "--ae", "--samples", 2, *TINY, "--out", split) == 0
    assert read_checkpoint(split)["epochs_done"] == 2
    assert run_vae("--epochs", 4, "--ae", "--samples", 2, *TINY, "--resume", "--out", split) == 0
    a, b = read_checkpoint(straight), read_checkpoint(split)
    assert a["epochs_done"] == b["epochs_done"] == 4
    for name in ("vae", "autoencoder"):
        for left, right in zip(a["trainers"][name]["params"], b["trainers"][name]["params"]):
            assert torch.equal(left, right)
        assert torch.equal(a["trainers"][name]["generator"], b["trainers"][name]["generator"])
    first, second = read_result(straight), read_result(split)
    assert first["heldout"] == second["heldout"]
    assert first["curves"] == second["curves"]
    assert first["autoencoder"] == second["autoencoder"]


def test_resuming_with_other_settings_is_refused_and_leaves_the_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_vae("--epochs", 1, *TINY, "--out", out) == 0
    before = (out / "checkpoint.pt").read_bytes()
    capsys.readouterr()
    assert run_vae("--epochs", 2, "--latent", 3, *TINY, "--resume", "--out", out) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("elbocheck vae: error:") and "checkpoint" in error[0]
    assert (out / "checkpoint.pt").read_bytes() == before
    assert run_vae("--epochs", 2, *TINY, "--ae", "--resume", "--out", out) == 2
    assert run_vae("--epochs", 2, *TINY, "--data", out, "--resume", "--out", out) == 2
    assert (out / "checkpoint.pt").read_bytes() == before


@pytest.mark.parametrize("argv, named", [
    (["--latent", "0"], "--latent"),
    (["--epochs", "0"], "--epochs"),
    (["--samples", "-1"], "--samples"),
    (["--hidden", "16,x"], "--hidden"),
    (["--hidden", "0"], "--hidden"),
    (["--decoder", "poisson"], "--decoder"),
    (["--lr", "-1"], "--lr"),
    (["--lr", "nan"], "--lr"),
    (["--compile", "max"], "--compile"),
    (["--iwae", "0"], "--iwae"),
    (["--data", "/nonexistent/mnist"], "data"),
    (["--resume"], "--resume"),
])
def test_bad_input_is_one_line_and_exit_2_and_writes_nothing(tmp_path, capsys, argv, named):
    out = tmp_path / "never"
    assert run_vae(*argv, "--out", out) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("elbocheck vae: error:") and named in error[0]
    assert not out.exists()


def test_an_output_path_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("keep")
    assert run_vae("--epochs", 1, "--out", target) == 2
    assert "--out" in capsys.readouterr().err
    assert target.read_text() == "keep"


def test_the_gaussian_decoder_runs_on_dequantised_grey_levels(tmp_path):
    out = tmp_path / "run"
    assert run_vae("--epochs", 2, "--decoder", "gaussian", *TINY, "--out", out) == 0
    result = read_result(out)
    assert "Gaussian" in result["baseline"]["name"]
    values = [result["heldout"]["elbo_nats_per_image"], result["heldout"]["iwae_nats_per_image"],
              result["baseline"]["negative_log_likelihood_nats_per_image"]]
    assert all(math.isfinite(value) for value in values)
    assert result["heldout"]["iwae_nats_per_image"] >= result["heldout"]["elbo_nats_per_image"]


def test_the_defaults_beat_the_independent_pixel_baseline_by_a_quarter(tmp_path):
    """The quality floor of the issue, on the command's defaults (one thread, for a predictable run time)."""
    out = tmp_path / "defaults"
    assert run_vae("--threads", 1, "--out", out) == 0
    result = read_result(out)
    assert result["negative_elbo_below_baseline"] >= 0.25
    assert -result["heldout"]["iwae_nats_per_image"] <= 0.75 * result["baseline"]["negative_log_likelihood_nats_per_image"]


def test_the_digits_split_is_fixed_disjoint_and_binarised_at_8_of_16():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    data, again = load_digits_data(), load_digits_data()
    assert data.train.shape == (1437, 64) and data.heldout.shape == (360, 64) and data.image_shape == (8, 8)
    assert np.array_equal(data.heldout, again.heldout) and np.array_equal(data.train_labels, again.train_labels)
    rows = {row.tobytes(): label for row, label in zip(bunch.data.astype(np.uint8), bunch.target)}
    assert all(rows[row.tobytes()] == label for row, label in zip(data.heldout, data.heldout_labels))
    together = np.sort(np.concatenate([data.train, data.heldout]).view("V64").ravel())
    assert np.array_equal(together, np.sort(bunch.data.astype(np.uint8).view("V64").ravel()))
    levels, binary = data.train.ravel(), data.binarized("train").ravel()
    assert np.all(binary[levels >= 8] == 1.0) and np.all(binary[levels <= 7] == 0.0)
    grey = data.dequantized("heldout", np.random.default_rng(0))
    assert np.all((grey > 0) & (grey < 1)) and np.array_equal(np.floor(grey * 17).astype(np.uint8), data.heldout)
