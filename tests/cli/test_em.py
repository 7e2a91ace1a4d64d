"""`elbocheck em`: the files it writes, its baselines against direct counting, and one-line errors that leave
nothing on disk."""

import json
import math
from collections import Counter

import numpy as np
import pytest
import torch

from elbocheck.cli import main
from elbocheck.models import bigram_run as command
from elbocheck.fast import bigram_em as fast
from elbocheck.reference import bigram_em as reference

TEXT = "\n".join(
    [
        "the cat sat on the mat. the dog sat on the log.",
        "a cat saw a dog; the dog saw the cat! a mat is on the log?",
        "the log is on the mat. a dog is a cat: the cat is not a dog.",
    ]
    * 12
)


def test_writes_result_json_loglik_png_and_params_npz(tmp_path, cli):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, _ = cli("em", "--corpus", str(corpus), "--states", "3", "--iters", "6", "--restarts", "2",
                          "--device", "cpu", "--out", str(out))
    assert code == 0
    result = json.loads((out / "result.json").read_text())
    history = result["log_likelihood_per_token"]["train_history"]
    assert len(history) == result["iterations"] + 1 == 7
    assert all(later >= earlier - 1e-12 for earlier, later in zip(history, history[1:]))
    assert len(result["log_likelihood_per_token"]["restarts_train_history"]) == 2
    assert result["settings"]["states"] == 3 and result["device"].startswith("CPU")
    assert math.exp(-history[-1]) == pytest.approx(result["perplexity"]["em_train"], rel=1e-9)
    assert result["perplexity"]["unigram_add_one_heldout"] > 1.0
    assert result["corpus"]["train_tokens"] + result["corpus"]["heldout_tokens"] == len(TEXT.replace(";", " ").split())
    params = np.load(out / "params.npz")
    V = len(params["vocab"])
    assert params["A"].shape == (V + 1, 3) and params["B"].shape == (3, V)
    np.testing.assert_allclose(params["A"].sum(axis=1), 1.0, rtol=1e-12)
    assert (out / "loglik.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "top words" in stdout and result["command"].startswith("elbocheck em --corpus")


def test_runs_on_the_default_corpus(tmp_path, cli):
    code, stdout, _ = cli("em", "--states", "2", "--iters", "2", "--restarts", "1", "--device", "cpu",
                          "--out", str(tmp_path / "out"))
    assert code == 0
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert result["settings"]["corpus"] == "pydoc_data.topics" and result["corpus"]["V"] > 1000
    assert result["perplexity"]["em_with_unigram_heldout"] is not None


def split_counts(sentences, V):
    return fast.bigram_counts([torch.from_numpy(s) for s in sentences], V, dtype=torch.float64)


def test_baselines_equal_direct_counting():
    rng = np.random.default_rng(0)
    V = 7
    train = [rng.integers(1, V + 1, size=int(rng.integers(1, 6))) for _ in range(30)]
    heldout = [rng.integers(1, V + 1, size=int(rng.integers(1, 6))) for _ in range(10)]
    unigram = Counter(int(w) for s in train for w in s)
    bigram = Counter((int(p), int(w)) for s in train for p, w in zip([0, *s[:-1]], s))
    context = Counter(int(p) for s in train for p in [0, *s[:-1]])
    N = sum(unigram.values())
    expected_unigram = sum(math.log((unigram[int(w)] + 1) / (N + V)) for s in heldout for w in s)
    expected_bigram = sum(
        math.log((bigram[int(p), int(w)] + 1) / (context[int(p)] + V)) for s in heldout for p, w in zip([0, *s[:-1]], s)
    )
    train_counts, heldout_counts = split_counts(train, V), split_counts(heldout, V)
    assert command.unigram_log_likelihood(train_counts, heldout_counts) == pytest.approx(expected_unigram, rel=1e-12)
    assert command.bigram_log_likelihood(train_counts, heldout_counts) == pytest.approx(expected_bigram, rel=1e-12)


def test_heldout_scores_equal_the_reference_likelihood_and_the_mixture_token_by_token():
    rng = np.random.default_rng(1)
    V, m = 6, 3
    heldout = [rng.integers(1, V + 1, size=int(rng.integers(1, 6))) for _ in range(8)]
    A, B = reference.initial_params(V, m, seed=2, restarts=2)
    unigram = rng.dirichlet(np.ones(V))
    pure, mixed, zeros = command.heldout_log_likelihoods(
        split_counts(heldout, V), torch.from_numpy(A), torch.from_numpy(B), torch.from_numpy(unigram), 0.25
    )
    for r in range(2):
        assert float(pure[r]) == pytest.approx(reference.log_likelihood(heldout, A[r], B[r]), rel=1e-12)
        expected = sum(
            math.log(0.75 * (A[r] @ B[r])[p, w - 1] + 0.25 * unigram[w - 1])
            for s in heldout for p, w in zip([0, *s[:-1]], s)
        )
        assert float(mixed[r]) == pytest.approx(expected, rel=1e-12)
    assert zeros.tolist() == [0.0, 0.0]


def bad_inputs(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 au lait. un caf\xe9".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "one.txt").write_text("word.", encoding="utf-8")
    (tmp_path / "fine.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "taken").write_text("a file where the folder should go", encoding="utf-8")
    fine = ["--corpus", str(tmp_path / "fine.txt")]
    cases = [
        (["--corpus", str(tmp_path / "missing.txt")], "no such file"),
        (["--corpus", str(tmp_path)], "directory"),
        (["--corpus", str(tmp_path / "latin1.txt")], "not UTF-8"),
        (["--corpus", str(tmp_path / "empty.txt")], "fewer than two words"),
        (["--corpus", str(tmp_path / "one.txt")], "fewer than two words"),
        (fine + ["--states", "0"], "--states"),
        (fine + ["--iters", "0"], "--iters"),
        (fine + ["--restarts", "0"], "--restarts"),
        (fine + ["--tol", "-1"], "--tol"),
        (fine + ["--dtype", "float16"], "--dtype"),
        (fine + ["--device", "tpu"], "device"),
    ]
    if not torch.cuda.is_available():
        cases.append((fine + ["--device", "cuda"], "no CUDA device"))
    return cases


@pytest.mark.parametrize("case", range(12))
def test_bad_input_is_one_line_on_stderr_exit_2_and_nothing_written(tmp_path, cli, case):
    cases = bad_inputs(tmp_path)
    if case >= len(cases):
        pytest.skip("a CUDA device is present, so --device cuda is valid")
    argv, message = cases[case]
    out = tmp_path / "out"
    code, _, stderr = cli("em", *argv, "--out", str(out))
    assert code == 2
    assert stderr.count("\n") == 1 and stderr.startswith("elbocheck em: error:") and message in stderr
    assert not out.exists()


def test_an_existing_file_as_out_is_refused(tmp_path, cli):
    (tmp_path / "corpus.txt").write_text(TEXT, encoding="utf-8")
    taken = tmp_path / "taken"
    taken.write_text("keep me", encoding="utf-8")
    code, _, stderr = cli("em", "--corpus", str(tmp_path / "corpus.txt"), "--out", str(taken))
    assert code == 2 and "--out" in stderr and taken.read_text() == "keep me"


def test_a_non_integer_option_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["em", "--states", "many", "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "out").exists()


def test_a_corpus_too_small_to_hold_out_still_fits_and_says_so(tmp_path, cli):
    corpus = tmp_path / "one.txt"
    corpus.write_text("the cat saw the dog and the dog saw the cat", encoding="utf-8")
    code, stdout, _ = cli("em", "--corpus", str(corpus), "--states", "2", "--iters", "3", "--device", "cpu",
                          "--out", str(tmp_path / "out"))
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert code == 0 and "held-out: none" in stdout
    assert result["corpus"]["heldout_tokens"] == 0 and result["perplexity"]["em_heldout"] is None
    assert result["perplexity"]["em_train"] is not None
