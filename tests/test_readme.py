"""The README's "From Python" examples run as they stand, each in a fresh namespace, and what they print agrees
with what the models promise (checked beside each block here)."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## From Python", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def run(index: int, capsys) -> dict:
    namespace: dict = {"__name__": "readme"}
    exec(compile(examples()[index], f"README example {index}", "exec"), namespace)
    capsys.readouterr()
    return namespace


def test_there_is_one_example_per_algorithm():
    assert len(examples()) == 5


def test_the_bigram_estimator_example(capsys):
    found = run(0, capsys)
    model = found["model"]
    assert model.vocabulary_[:3] == ["the", "cat", "sat"] and model.emission_.shape == (4, len(model.vocabulary_))
    tokens = sum(len(s.split()) for s in found["sentences"])
    assert model.perplexity(found["sentences"]) == pytest.approx(math.exp(-model.score(found["sentences"]) / tokens))


def test_the_vae_example(capsys):
    found = run(1, capsys)
    assert float(found["iwae"].mean()) >= float(found["elbo"].mean())
    assert found["trainer"].epochs_done == 3 and found["vae"].sample(3).shape == (3, found["data"].dim)


def test_the_gan_example(capsys):
    covered, share = run(2, capsys)["history"]["coverage"][100]
    assert 0 <= covered <= 8 and 0.0 <= share <= 1.0


def test_the_ring_example(capsys):
    found = run(3, capsys)
    assert abs(float(found["ml"].mean()) - 1.0) < 0.1 and abs(float(found["pl"].mean()) - 1.0) < 0.1
    assert [row["samples"] for row in found["run"].rows] == [50, 200]


def test_the_residual_example(capsys):
    found = run(4, capsys)
    assert found["curves"]["loss"].shape == (20,) and found["norms"].shape == (2, 8)
    assert np.all(np.isfinite(found["norms"].numpy()))
