"""`elbocheck vae` on two gloo processes (DistributedDataParallel, each taking its share of every global batch)
against one process: the same curves to float32 rounding, --resume included, and the world size recorded."""

import json

import numpy as np

from elbocheck.cli import main
from tests.spawn import run_ranks

SMALL = ["--hidden", "16", "--latent", "3", "--batch", "100", "--iwae", "4", "--device", "cpu"]
FLOAT32_CURVES = dict(rtol=1e-5, atol=1e-4)  # nats per image of about 40: float32 sums taken in another order


def vae_in_rank(argv):
    main(["vae", *argv])


def curves(out):
    result = json.loads((out / "result.json").read_text())
    return result, np.array([result["curves"]["train_elbo"], result["curves"]["heldout_elbo"]])


def test_two_processes_follow_the_one_process_curves_and_resume(tmp_path, capsys):
    assert main(["vae", *SMALL, "--epochs", "3", "--out", str(tmp_path / "one")]) == 0
    run_ranks(vae_in_rank, 2, SMALL + ["--epochs", "2", "--out", str(tmp_path / "two")])
    run_ranks(vae_in_rank, 2, SMALL + ["--epochs", "3", "--resume", "--out", str(tmp_path / "two")])
    alone, alone_curves = curves(tmp_path / "one")
    both, both_curves = curves(tmp_path / "two")
    assert both["distributed"] == {"world_size": 2, "backend": "gloo"}
    assert alone["distributed"] == {"world_size": 1, "backend": None}
    assert both_curves.shape == alone_curves.shape == (2, 3) and both["epochs"] == 3
    np.testing.assert_allclose(both_curves, alone_curves, **FLOAT32_CURVES)
    assert not np.array_equal(both_curves[:, 1:], both_curves[:, :-1])
