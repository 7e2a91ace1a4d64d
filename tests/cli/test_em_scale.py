"""`elbocheck em` beyond one process and beyond English: two gloo processes against one, --resume against an
uninterrupted run, French and Russian text, symbol-id files, the token options and the vocabulary file."""

import json
import subprocess
import sys

import numpy as np
import pytest

from elbocheck.cli import main
from elbocheck.data.streaming import Vocabulary
from elbocheck.data.tokens import TokenSpec, sentences
from tests.spawn import run_ranks

FRENCH_RUSSIAN = (
    "Le chat mange la souris. La souris mange le fromage. Le chien regarde le chat !\n"
    "Кошка ест мышь. Мышь ест сыр. Собака смотрит на кошку!\n"
    "Le fromage est bon ; le chat est content. Сыр хороший, кошка довольна.\n"
) * 15


def fit(tmp_path, name, *argv):
    out = tmp_path / name
    assert main(["em", *argv, "--device", "cpu", "--out", str(out)]) == 0
    return json.loads((out / "result.json").read_text()), np.load(out / "params.npz"), out


def em_in_rank(argv):
    main(["em", *argv])


def test_two_gloo_processes_give_the_one_process_fit(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(FRENCH_RUSSIAN.encode("utf-8"))
    argv = ["--corpus", str(corpus), "--states", "3", "--iters", "6", "--restarts", "2", "--tol", "0"]
    alone, alone_params, _ = fit(tmp_path, "one", *argv)
    run_ranks(em_in_rank, 2, argv + ["--device", "cpu", "--out", str(tmp_path / "two")])
    both = json.loads((tmp_path / "two" / "result.json").read_text())
    both_params = np.load(tmp_path / "two" / "params.npz")
    assert both["distributed"] == {"world_size": 2, "backend": "gloo"}
    assert alone["distributed"] == {"world_size": 1, "backend": None}
    np.testing.assert_allclose(both["log_likelihood_per_token"]["restarts_train_history"],
                               alone["log_likelihood_per_token"]["restarts_train_history"], rtol=1e-10)
    np.testing.assert_allclose(both["log_likelihood_per_token"]["heldout_history"],
                               alone["log_likelihood_per_token"]["heldout_history"], rtol=1e-10)
    for key in ("A", "B"):
        np.testing.assert_allclose(both_params[key], alone_params[key], rtol=1e-10, atol=1e-300)
    assert both["corpus"] == alone["corpus"]
    for key, value in alone["perplexity"].items():
        assert both["perplexity"][key] == pytest.approx(value, rel=1e-10)


def test_a_resumed_run_ends_where_the_uninterrupted_run_ends(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(FRENCH_RUSSIAN.encode("utf-8"))
    argv = ["--corpus", str(corpus), "--states", "3", "--restarts", "2", "--tol", "1e-4"]
    whole, whole_params, _ = fit(tmp_path, "whole", *argv, "--iters", "12")
    fit(tmp_path, "parts", *argv, "--iters", "4")
    resumed, resumed_params, _ = fit(tmp_path, "parts", *argv, "--iters", "12", "--resume")
    assert resumed["iterations"] == whole["iterations"] > 4
    assert resumed["resumed_from_iteration"] == 4 and whole["resumed_from_iteration"] == 0
    np.testing.assert_allclose(resumed["log_likelihood_per_token"]["restarts_train_history"],
                               whole["log_likelihood_per_token"]["restarts_train_history"], rtol=1e-12)
    np.testing.assert_allclose(resumed_params["A"], whole_params["A"], rtol=1e-12, atol=1e-300)
    code = main(["em", *argv, "--states", "4", "--iters", "20", "--resume", "--device", "cpu",
                 "--out", str(tmp_path / "parts")])
    assert code == 2 and "states" in capsys.readouterr().err


def test_ctrl_c_saves_the_iterations_done_and_resume_ends_where_the_uninterrupted_run_ends(tmp_path, capsys,
                                                                                           monkeypatch):
    import elbocheck.models.bigram_run as bigram_run

    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(FRENCH_RUSSIAN.encode("utf-8"))
    argv = ["--corpus", str(corpus), "--states", "3", "--restarts", "2", "--tol", "0", "--iters", "8"]
    whole, whole_params, _ = fit(tmp_path, "whole", *argv)
    held_out, calls = bigram_run._heldout, []

    def interrupt_in_the_fifth_iteration(*args):
        calls.append(1)
        if len(calls) == 6:  # the first call scores the starting parameters
            raise KeyboardInterrupt
        return held_out(*args)

    monkeypatch.setattr(bigram_run, "_heldout", interrupt_in_the_fifth_iteration)
    out = tmp_path / "stopped"
    assert main(["em", *argv, "--device", "cpu", "--out", str(out)]) == 130
    assert sorted(path.name for path in out.iterdir()) == ["checkpoint.pt"]
    monkeypatch.setattr(bigram_run, "_heldout", held_out)
    resumed, resumed_params, _ = fit(tmp_path, "stopped", *argv, "--resume")
    assert resumed["resumed_from_iteration"] == 4
    np.testing.assert_allclose(resumed["log_likelihood_per_token"]["restarts_train_history"],
                               whole["log_likelihood_per_token"]["restarts_train_history"], rtol=1e-12)
    np.testing.assert_allclose(resumed_params["A"], whole_params["A"], rtol=1e-12, atol=1e-300)


def test_a_run_that_converges_early_leaves_a_checkpoint_to_resume_from(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(FRENCH_RUSSIAN.encode("utf-8"))
    argv = ["--corpus", str(corpus), "--states", "2", "--restarts", "1", "--tol", "1e-2"]
    first, _, out = fit(tmp_path, "out", *argv, "--iters", "200")
    assert first["iterations"] < 200 and (out / "checkpoint.pt").is_file()
    resumed, _, _ = fit(tmp_path, "out", *argv, "--iters", "400", "--resume")
    assert resumed["resumed_from_iteration"] == first["iterations"]


def test_french_and_russian_words_are_among_the_top_words(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(FRENCH_RUSSIAN.encode("utf-8"))
    result, params, out = fit(tmp_path, "out", "--corpus", str(corpus), "--states", "4", "--iters", "5")
    top = {word for state in result["states"] for word in state["words"]}
    assert {"chat", "souris", "fromage"} <= top and {"кошка", "мышь", "сыр"} <= top
    expected_words = {word for sentence in sentences(FRENCH_RUSSIAN) for word in sentence}
    vocabulary = Vocabulary.load(out / "vocab.json")
    assert set(vocabulary.words) <= expected_words | {"<unk>"} and vocabulary.spec == TokenSpec()
    assert list(params["vocab"]) == vocabulary.words


def test_symbol_ids_in_whitespace_mode_and_the_token_options(tmp_path, capsys):
    rng = np.random.default_rng(2)
    lines = [" ".join(str(s) for s in rng.integers(0, 30, size=int(rng.integers(2, 9)))) for _ in range(300)]
    symbols = tmp_path / "symbols.txt"
    symbols.write_bytes(("\n".join(lines) + "\n").encode("ascii"))
    result, _, out = fit(tmp_path, "ids", "--corpus", str(symbols), "--tokens", "whitespace", "--min-count", "1",
                         "--states", "3", "--iters", "3")
    seen = {token for line in lines for token in line.split()}
    assert result["corpus"]["V"] == len(seen) and set(Vocabulary.load(out / "vocab.json").words) == seen
    assert result["corpus"]["train_tokens"] + result["corpus"]["heldout_tokens"] == sum(len(l.split()) for l in lines)
    assert result["tokens"]["mode"] == "whitespace" and result["tokens"]["min_count"] == 1

    cased = tmp_path / "cased.txt"
    cased.write_bytes(("Paris paris PARIS Rome rome. " * 20).encode("utf-8"))
    folded, _, _ = fit(tmp_path, "folded", "--corpus", str(cased), "--states", "2", "--iters", "2")
    kept, _, _ = fit(tmp_path, "kept", "--corpus", str(cased), "--states", "2", "--iters", "2", "--no-lowercase")
    assert folded["corpus"]["V"] == 2 and kept["corpus"]["V"] == 5


def test_python_dash_m_elbocheck_runs_the_command():
    completed = subprocess.run([sys.executable, "-m", "elbocheck", "em", "--help"], capture_output=True, text=True)
    assert completed.returncode == 0 and "--tokens" in completed.stdout and "torchrun" not in completed.stderr
