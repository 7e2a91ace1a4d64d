"""Inputs that are not files, too big, degenerate or damaged: each is one line on stderr naming the option, exit
code 2, found before the work and with nothing written (issue 11 kinds 6, 7 and 9, and damaged checkpoints)."""

import dataclasses
import json
import io
import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from elbocheck.cli import main
from elbocheck.commands.report import figure_paths
from elbocheck.fast import bigram_em

TEXT = "the cat sat on the mat. the dog sat on the log. a cat saw a dog; the dog saw the cat!\n" * 6


def one_line(capsys, command: str) -> str:
    error = capsys.readouterr().err.strip().splitlines()
    error = [line for line in error if line.startswith("elbocheck")]
    assert len(error) == 1 and error[0].startswith(f"elbocheck {command}: error: "), error
    return error[0]


def run_cli(*argv, timeout=120):
    """The command in a fresh process (an input that blocks or never ends cannot hang the test run)."""
    return subprocess.run([sys.executable, "-m", "elbocheck", *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_is_refused_before_it_is_opened(tmp_path, kind):
    if kind == "fifo":
        source = tmp_path / "fifo"
        os.mkfifo(source)
        expected = "is a FIFO, not a regular file"
    else:
        source, expected = "/dev/zero", "is a character device, not a regular file"
    done = run_cli("em", "--corpus", source, "--states", "2", "--iters", "1", "--out", tmp_path / "out", timeout=60)
    assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_an_idx_file_that_is_a_fifo_is_refused(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    os.mkfifo(folder / "train-images-idx3-ubyte")
    done = run_cli("vae", "--data", folder, "--epochs", "1", "--out", tmp_path / "out", timeout=60)
    assert done.returncode == 2 and "is a FIFO" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("argv, option", [
    (["em", "--states", "1000000", "--iters", "1"], "--states"),
    (["vae", "--hidden", "100000000", "--epochs", "1"], "--hidden"),
    (["vae", "--hidden", "200000,200000", "--epochs", "1"], "--hidden"),
])
def test_a_run_too_big_for_memory_is_refused_naming_the_option(tmp_path, capsys, argv, option):
    assert main([*argv, "--device", "cpu", "--out", str(tmp_path / "out")]) == 2
    line = one_line(capsys, argv[0])
    assert line.startswith(f"elbocheck {argv[0]}: error: {option}:") and "available on cpu" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ["hello world", " ".join(f"w{i}" for i in range(5000))],
                         ids=["two-words", "5000-words-once"])
@pytest.mark.parametrize("command", ["em", "residual"])
def test_a_corpus_that_leaves_one_symbol_is_refused_saying_what_the_cut_did(tmp_path, capsys, text, command):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(text, encoding="utf-8")
    distinct = len(set(text.split()))
    assert main([command, "--corpus", str(corpus), "--out", str(tmp_path / "out")]) == 2
    line = one_line(capsys, command)
    assert f"leaves 0 of {distinct} distinct words" in line and "nothing to learn" in line
    assert not (tmp_path / "out").exists()


def test_a_corpus_of_one_repeated_word_is_refused(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("echo " * 50, encoding="utf-8")
    assert main(["em", "--corpus", str(corpus), "--out", str(tmp_path / "out")]) == 2
    assert "leaves 1 of 1 distinct words" in one_line(capsys, "em")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.int64])
def test_em_counts_in_a_dtype_it_cannot_use_are_a_value_error(dtype):
    with pytest.raises(ValueError, match="^dtype: expected counts in torch.float32 or torch.float64"):
        bigram_em.bigram_counts([np.array([1, 2, 1, 2])], 2, dtype=dtype)
    counts = bigram_em.bigram_counts([np.array([1, 2, 1, 2])], 2, dtype=torch.float32)
    counts = dataclasses.replace(counts, values=counts.values.to(dtype))
    with pytest.raises(ValueError, match="^counts: expected counts in torch.float32 or torch.float64"):
        bigram_em.fit(counts, 2, n_iter=1)


# ---------------------------------------------------------------- checkpoints


def vae_checkpoint(tmp_path):
    out = tmp_path / "run"
    assert main(["vae", "--epochs", "1", "--hidden", "8", "--iwae", "2", "--threads", "1", "--out", str(out)]) == 0
    return out, out / "checkpoint.pt"


def em_checkpoint(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "run"
    argv = ["em", "--corpus", str(corpus), "--states", "2", "--restarts", "1", "--device", "cpu"]
    assert main([*argv, "--iters", "2", "--out", str(out)]) == 0
    return out, out / "checkpoint.pt", argv


def resume(kind, tmp_path, out, extra=()):
    if kind == "vae":
        return main(["vae", "--epochs", "2", "--hidden", "8", "--iwae", "2", "--threads", "1", "--resume",
                     "--out", str(out)])
    return main([*extra, "--iters", "4", "--resume", "--out", str(out)])


def flip_weight_bytes(path, count=50, seed=0):
    """Flip `count` bytes inside the tensor data of a torch checkpoint (its zip entries under data/)."""
    import zipfile

    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        spans = []
        for info in archive.infolist():
            if "/data/" in info.filename and info.file_size >= 8:
                start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
                spans.append((start, info.file_size))
    rng = random.Random(seed)
    for _ in range(count):
        start, size = rng.choice(spans)
        raw[start + rng.randrange(size)] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("kind", ["vae", "em"])
def test_a_checkpoint_with_flipped_weight_bytes_is_refused(tmp_path, capsys, kind):
    made = vae_checkpoint(tmp_path) if kind == "vae" else em_checkpoint(tmp_path)
    out, path = made[0], made[1]
    flip_weight_bytes(path)
    capsys.readouterr()
    assert resume(kind, tmp_path, out, made[2] if kind == "em" else ()) == 2
    line = one_line(capsys, kind)
    assert "--resume" in line and ("damaged" in line or "not a readable" in line)


@pytest.mark.parametrize("kind", ["vae", "em"])
@pytest.mark.parametrize("damage", ["drop-key", "drop-seal", "nan-weight", "not-a-dict", "empty"])
def test_a_hand_made_or_incomplete_checkpoint_is_one_line(tmp_path, capsys, kind, damage):
    from elbocheck._io import seal

    made = vae_checkpoint(tmp_path) if kind == "vae" else em_checkpoint(tmp_path)
    out, path = made[0], made[1]
    state = torch.load(path, weights_only=True)
    state.pop("sha256")
    key = "data" if kind == "vae" else "A"
    if damage == "drop-key":
        state.pop(key)
        torch.save(seal(state), path)
    elif damage == "drop-seal":
        torch.save(state, path)
    elif damage == "nan-weight":
        if kind == "vae":
            state["trainers"]["vae"]["params"][0][0] = float("nan")
        else:
            state["A"][0, 0, 0] = float("nan")
        torch.save(seal(state), path)
    elif damage == "not-a-dict":
        torch.save([1, 2, 3], path)
    else:
        path.write_bytes(b"")
    capsys.readouterr()
    assert resume(kind, tmp_path, out, made[2] if kind == "em" else ()) == 2
    assert "--resume" in one_line(capsys, kind)


def test_a_vae_checkpoint_lacking_a_trainers_parameters_is_one_line(tmp_path, capsys):
    from elbocheck._io import seal

    out, path = vae_checkpoint(tmp_path)
    state = torch.load(path, weights_only=True)
    state.pop("sha256")
    state["trainers"]["vae"]["params"] = state["trainers"]["vae"]["params"][:-1]
    torch.save(seal(state), path)
    capsys.readouterr()
    assert resume("vae", tmp_path, out) == 2
    assert "lacks parameters" in one_line(capsys, "vae")
    state["trainers"]["vae"].pop("optimizer")
    state["trainers"]["vae"]["params"] = torch.load(path, weights_only=True)["trainers"]["vae"]["params"]
    torch.save(seal(state), path)
    assert resume("vae", tmp_path, out) == 2
    assert "--resume" in one_line(capsys, "vae")


# ---------------------------------------------------------------- report --figures


def png(path):
    from elbocheck._io import atomic_save_figure, pyplot

    figure, axes = pyplot().subplots()
    axes.plot([0, 1])
    atomic_save_figure(path, figure)
    return path


def test_figures_pass_over_a_folder_named_png_and_refuse_a_false_png(tmp_path, capsys):
    folder = tmp_path / "figures"
    folder.mkdir()
    png(folder / "a.png")
    (folder / "x.png").mkdir()
    assert figure_paths([str(folder)]) == [folder / "a.png"]
    named = tmp_path / "x.png"
    named.mkdir()
    png(named / "b.png")
    assert figure_paths([str(named)]) == [named / "b.png"]
    (folder / "c.png").write_text("not an image")
    assert main(["report", "--figures", str(folder), "--out", str(tmp_path / "out")]) == 2
    assert "is named .png but is not a PNG image" in one_line(capsys, "report")
    assert main(["report", "--figures", str(folder / "a.png"), "--out", str(tmp_path / "out")]) == 2
    assert "is a file, expected a folder" in one_line(capsys, "report")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- runs that diverge


@pytest.mark.parametrize("argv, what", [
    (["vae", "--epochs", "3", "--lr", "1e6", "--hidden", "16", "--iwae", "2", "--threads", "1"], "the training loss"),
    (["gan-demo", "--steps", "5", "--batch", "8", "--strings", "8", "--learning-rate", "1e12", "--optimizer", "sgd"],
     "the discriminator and generator losses"),
    (["residual", "--corpus", "{corpus}", "--depths", "1", "--placements", "pre", "--steps", "5", "--batch-size", "2",
      "--context", "4", "--d-model", "8", "--heads", "1", "--jacobian-depth", "1", "--draws", "1", "--lr", "1e9"],
     "the training loss"),
])
def test_a_run_that_goes_non_finite_stops_with_exit_1_and_writes_no_result(tmp_path, capfd, argv, what):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    assert main([part.format(corpus=corpus) for part in argv] + ["--device", "cpu", "--out", str(out)]) == 1
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("elbocheck")]
    assert len(lines) == 1 and lines[0].startswith(f"elbocheck {argv[0]}: stopped: {what}")
    assert "NaN" in lines[0] or "infinite" in lines[0]
    assert not (out / "result.json").exists() and not (out / "checkpoint.pt").exists()


def test_em_stops_when_the_log_likelihood_is_not_finite(tmp_path, capfd, monkeypatch):
    from elbocheck.models import bigram

    real = bigram.LatentBigramModel.fit_counts

    def poisoned(self, counts, callback=None, **options):
        def spoilt(iteration, A, B, before):
            callback(iteration, A, B, before * float("nan"))
        return real(self, counts, callback=spoilt, **options)

    monkeypatch.setattr(bigram.LatentBigramModel, "fit_counts", poisoned)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["em", "--corpus", str(corpus), "--states", "2", "--iters", "3", "--restarts", "1", "--device", "cpu",
                 "--out", str(out)]) == 1
    assert "elbocheck em: stopped: the training log-likelihood" in capfd.readouterr().err
    assert not (out / "result.json").exists()


def test_em_says_what_the_vocabulary_cut_did(tmp_path, capfd):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("x x x y y z w", encoding="utf-8")  # one sentence: nothing held out
    out = tmp_path / "out"
    assert main(["em", "--corpus", str(corpus), "--states", "2", "--iters", "1", "--restarts", "1", "--device", "cpu",
                 "--out", str(out)]) == 0
    assert "vocabulary: 2 words seen at least 2 times in training; 2 of 7 training tokens (28.6%) became <unk>" \
        in capfd.readouterr().out
    cut = json.loads((out / "result.json").read_text())["vocabulary_cut"]
    assert cut == {"min_count": 2, "words_kept": 2, "train_tokens_to_unknown": 2, "train_tokens": 7,
                   "share_to_unknown": 2 / 7}
