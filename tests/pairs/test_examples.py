"""The candidates of examples/ behave as the README shows: the right KL passes, the one with sigma for sigma^2
fails with a shrunk input where the closed form and the candidate really differ."""

from pathlib import Path

import numpy as np
import torch

from elbocheck.pairs.candidate import check_candidate, find_pair, load_candidate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "kl_candidates.py"


def test_the_right_candidate_passes_and_the_wrong_one_fails_where_the_closed_form_says():
    pair = find_pair("vae.kl_to_standard_normal")
    assert check_candidate(pair, load_candidate(f"{EXAMPLE}:kl")).passed
    wrong = load_candidate(f"{EXAMPLE}:kl_sigma_for_variance")
    report = check_candidate(pair, wrong)
    assert not report.passed and set(report.problems()) == {"tolerance"}
    mu, logvar = report.shrunk.sample.args
    closed_form = 0.5 * np.sum(mu ** 2 + np.exp(logvar) - 1.0 - logvar, axis=-1)
    got = wrong(torch.tensor(mu), torch.tensor(logvar)).numpy()
    assert np.max(np.abs(got - closed_form)) > 1e-3 * max(np.max(np.abs(closed_form)), 1.0)


def test_the_readme_shows_both_runs():
    readme = (ROOT / "README.md").read_text()
    for name in ("kl", "kl_sigma_for_variance"):
        assert f"elbocheck crosscheck --candidate examples/kl_candidates.py:{name} --pair vae.kl_to_standard_normal" \
               in readme
