"""Fault injection for every command that writes: Ctrl-C once and twice, SIGKILL at the rename, a full disk, a
read-only folder and a closed stdout. After each, the output folder holds the earlier run's whole set or the new
run's whole set (never a mix, never half a file), no temporary file or partial folder survives the next run, and
the command said what happened in one line without a traceback (issue 11 kinds 1, 4 and 5).

Each command runs with its smallest options. Faults that end the process (SIGKILL, a second Ctrl-C) run in a
child process through tests/cli/fault_driver.py; the others run in this process.
"""

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from elbocheck import _io
from elbocheck.cli import main

DRIVER = Path(__file__).with_name("fault_driver.py")
TEXT = "the cat sat on the mat. the dog sat on the log. a cat saw a dog; the dog saw the cat!\n" * 6
LEFTOVER = re.compile(r"^\..*(\.partial-|\.old-|\.tmp$)")

# command: (its smallest arguments, the names of its result set, whether --out is a file)
COMMANDS = {
    "em": (["--corpus", "{corpus}", "--states", "2", "--iters", "1", "--restarts", "1", "--device", "cpu"],
           ["result.json", "loglik.png", "params.npz", "vocab.json"], False),
    "vae": (["--epochs", "1", "--hidden", "8", "--iwae", "2", "--threads", "1", "--batch", "512", "--device", "cpu"],
            ["result.json", "curves.png", "samples.png", "checkpoint.pt"], False),
    "gan-demo": (["--steps", "2", "--batch", "8", "--strings", "8", "--device", "cpu"],
                 ["result.json", "samples.png"], False),
    "ring": (["--N", "3", "--samples", "4", "--repeats", "2", "--device", "cpu"], ["result.json", "ring.png"], False),
    "residual": (["--corpus", "{corpus}", "--depths", "1", "--placements", "pre", "--steps", "2", "--batch-size", "2",
                  "--context", "4", "--d-model", "8", "--heads", "1", "--jacobian-depth", "1", "--draws", "1",
                  "--device", "cpu"], ["result.json", "gradnorm.png", "jacobian.png"], False),
    "bench": (["--suite", "ceilings", "--quick", "--device", "cpu"], ["report.md", "benchmark.json"], False),
    "report": (["--only", "004", "--suite", "ceilings", "--trials", "1", "--device", "cpu", "--figures", "{figures}"],
               ["index.html", "ledger.json", "crosscheck.json", "bench"], False),
    "cases": (["--pair", "vae.kl_to_standard_normal"], [], True),
}
WRITERS = sorted(COMMANDS)


def arguments(command: str, tmp_path: Path, out: Path) -> list[str]:
    corpus = tmp_path / "corpus.txt"
    if not corpus.exists():
        corpus.write_text(TEXT, encoding="utf-8")
    figures = tmp_path / "figures"
    figures.mkdir(exist_ok=True)
    argv, _, _ = COMMANDS[command]
    return [command, *(part.format(corpus=corpus, figures=figures) for part in argv), "--out", str(out)]


def target(command: str, tmp_path: Path) -> Path:
    return tmp_path / "runs" / ("cases.npz" if COMMANDS[command][2] else "out")


def earlier_set(command: str, out: Path) -> dict:
    """A stand-in for an earlier run's files: {name: bytes}."""
    if COMMANDS[command][2]:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"earlier cases")
        return {out.name: b"earlier cases"}
    out.mkdir(parents=True)
    files = {}
    for name in COMMANDS[command][1]:
        if name == "bench":
            (out / name).mkdir()
            (out / name / "report.md").write_bytes(b"earlier")
            continue
        (out / name).write_bytes(f"earlier {name}".encode())
        if name != "checkpoint.pt":  # rewritten after every epoch, by design
            files[name] = f"earlier {name}".encode()
    return files


def unchanged(out: Path, files: dict) -> bool:
    if out.is_file():
        return {out.name: out.read_bytes()} == files
    return all((out / name).read_bytes() == content for name, content in files.items())


def leftovers(folder: Path) -> list[str]:
    found = []
    for root, dirs, names in os.walk(folder):
        found += [os.path.join(root, name) for name in dirs + names if LEFTOVER.match(name)]
    return found


def assert_whole(command: str, out: Path) -> None:
    if COMMANDS[command][2]:
        assert out.read_bytes()[:2] == b"PK"
        return
    for name in COMMANDS[command][1]:
        assert (out / name).exists(), name
        if name.endswith(".json"):
            json.loads((out / name).read_text(), parse_constant=lambda constant: pytest.fail(constant))
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def one_line(stderr: str, command: str, kind: str) -> str:
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith(f"elbocheck {command}:")]
    assert len(lines) == 1 and lines[0].startswith(f"elbocheck {command}: {kind}"), stderr[-2000:]
    return lines[0]


@pytest.fixture
def stubbed(monkeypatch, request):
    """`report` without the ledger and the cross-check, which other tests run: it goes straight to its bench."""
    import elbocheck.pairs
    from elbocheck.derivations import claims

    if request.node.callspec.params.get("command") == "report":
        monkeypatch.setattr(claims, "ledger", lambda only=None, jobs=None: [])
        monkeypatch.setattr(elbocheck.pairs, "all_pairs", lambda: [])


def fail_in_result_set(monkeypatch, error):
    """Raise `error` at the second file written into a result set (the first is then already written)."""
    real = _io.atomic_write_bytes
    written = []

    def write(path, data):
        if ".partial-" in str(path) or str(path).endswith(".npz"):
            written.append(path)
            if len(written) == min(2, len(COMMANDS)) or str(path).endswith(".npz"):
                error()
        return real(path, data)

    monkeypatch.setattr(_io, "atomic_write_bytes", write)


# ---------------------------------------------------------------- in this process


@pytest.mark.parametrize("command", WRITERS)
def test_a_full_disk_is_one_line_exit_2_and_the_earlier_set_stays(command, tmp_path, capfd, monkeypatch, stubbed):
    out = target(command, tmp_path)
    files = earlier_set(command, out)

    def full():
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    fail_in_result_set(monkeypatch, full)
    assert main(arguments(command, tmp_path, out)) == 2
    assert "No space left on device" in one_line(capfd.readouterr().err, command, "error")
    assert unchanged(out, files) and leftovers(tmp_path / "runs") == []


@pytest.mark.parametrize("command", WRITERS)
def test_ctrl_c_while_writing_leaves_the_earlier_set(command, tmp_path, capfd, monkeypatch, stubbed):
    out = target(command, tmp_path)
    files = earlier_set(command, out)
    fail_in_result_set(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGINT))
    assert main(arguments(command, tmp_path, out)) == 130
    one_line(capfd.readouterr().err, command, "interrupted")
    assert unchanged(out, files) and leftovers(tmp_path / "runs") == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("command", [command for command in WRITERS if command not in ("em", "vae", "cases")])
def test_ctrl_c_into_a_new_folder_leaves_no_folder(command, tmp_path, capfd, monkeypatch, stubbed):
    """em and vae keep the folder: their checkpoint, written each iteration, is what --resume reads."""
    fail_in_result_set(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGINT))
    assert main(arguments(command, tmp_path, target(command, tmp_path))) == 130
    one_line(capfd.readouterr().err, command, "interrupted")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("command", WRITERS)
def test_a_read_only_folder_is_refused_before_the_work(command, tmp_path, capfd, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_open, real_mkdir = os.open, os.mkdir

    def refuse(real):
        def call(path, *args, **kwargs):
            if str(path).startswith(str(locked)):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real(path, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "open", refuse(real_open))
    monkeypatch.setattr(os, "mkdir", refuse(real_mkdir))
    out = locked / ("cases.npz" if COMMANDS[command][2] else "out")
    started = []
    monkeypatch.setattr(_io, "atomic_write_bytes", lambda *a: started.append(a))
    assert main(arguments(command, tmp_path, out)) == 2
    line = one_line(capfd.readouterr().err, command, "error")
    assert "--out" in line and "Read-only file system" in line
    assert started == [] and list(locked.iterdir()) == []


class ClosedPipe:
    def write(self, text):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    def fileno(self):
        raise OSError("no descriptor")


@pytest.mark.parametrize("command", WRITERS)
def test_a_closed_stdout_ends_quietly_with_a_whole_set_or_none(command, tmp_path, capfd, monkeypatch, stubbed):
    out = target(command, tmp_path)
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(arguments(command, tmp_path, out)) == 141
    assert "Traceback" not in capfd.readouterr().err
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        assert_whole(command, out)
    assert leftovers(tmp_path / "runs") == []


def test_claims_into_a_closed_pipe_ends_quietly():
    done = subprocess.run(f"{sys.executable} -m elbocheck claims --only 000 --jobs 1 | head -3", shell=True,
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.count("\n") == 3 and "Traceback" not in done.stderr and "Error" not in done.stderr


# ---------------------------------------------------------------- in a child process


def drive(fault: str, argv: list[str], timeout: int = 300, **options):
    return subprocess.run([sys.executable, str(DRIVER), fault, "--stub-report", "--", *argv], capture_output=True,
                          text=True, timeout=timeout, **options)


@pytest.mark.parametrize("command", WRITERS)
def test_sigkill_at_the_rename_leaves_a_whole_set_or_none_and_the_next_run_cleans_up(command, tmp_path, capfd,
                                                                                    stubbed):
    out = target(command, tmp_path)
    files = earlier_set(command, out)
    fault = "kill-at-file-rename" if COMMANDS[command][2] else "kill-at-set-rename"
    done = drive(fault, arguments(command, tmp_path, out))
    assert done.returncode == -signal.SIGKILL
    assert leftovers(tmp_path / "runs"), "the kill should have struck between the write and the rename"
    assert not out.exists() or unchanged(out, files)
    assert main(arguments(command, tmp_path, out)) == 0
    assert leftovers(tmp_path / "runs") == []
    assert_whole(command, out)


@pytest.mark.parametrize("command", ["vae", "em"])
def test_sigkill_while_a_checkpoint_is_renamed_is_cleaned_and_resumable(command, tmp_path, stubbed):
    out = target(command, tmp_path)
    done = drive("kill-at-file-rename", arguments(command, tmp_path, out))
    assert done.returncode == -signal.SIGKILL and leftovers(out)
    assert main(arguments(command, tmp_path, out)) == 0
    assert leftovers(tmp_path / "runs") == []
    assert_whole(command, out)


@pytest.mark.parametrize("command", WRITERS)
def test_a_second_ctrl_c_during_the_cleanup_ends_the_run_at_once(command, tmp_path):
    out = target(command, tmp_path)
    files = earlier_set(command, out)
    done = drive("interrupt-twice", arguments(command, tmp_path, out), timeout=240)
    assert done.returncode in (-signal.SIGINT, 130) and "Traceback" not in done.stderr
    assert unchanged(out, files)
    for folder in {Path(path).parent for path in leftovers(tmp_path / "runs")}:
        _io.clean_leftovers(folder)  # what the next run into these folders does
    assert leftovers(tmp_path / "runs") == []


# ---------------------------------------------------------------- signals from outside, and the real disk


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def gone(pid: int) -> bool:
    try:
        return "zombie" in Path(f"/proc/{pid}/status").read_text().split("State:")[1].splitlines()[0]
    except (OSError, IndexError):
        return True


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to find the child process")
@pytest.mark.parametrize("signals, code", [((signal.SIGINT,), 130), ((signal.SIGINT, signal.SIGINT), -signal.SIGINT),
                                           ((signal.SIGTERM,), 143)], ids=["sigint", "sigint-twice", "sigterm"])
def test_report_stops_its_benchmark_child_when_interrupted_or_terminated(tmp_path, signals, code):
    out = tmp_path / "runs" / "out"
    process = subprocess.Popen([sys.executable, str(DRIVER), "none", "--stub-report", "--",
                                *arguments("report", tmp_path, out)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    child = []
    for _ in range(1200):
        child = children(process.pid)
        if child or process.poll() is not None:
            break
        time.sleep(0.05)
    assert child, "report never started its benchmark child"
    for number in signals:
        process.send_signal(number)
        time.sleep(0.2)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code and "Traceback" not in stderr
    for _ in range(200):
        if all(gone(pid) for pid in child):
            break
        time.sleep(0.05)
    assert all(gone(pid) for pid in child), "the benchmark child outlived the report"
    assert not out.exists() or list(out.iterdir()) == []
    _io.clean_leftovers(out.parent)
    assert leftovers(tmp_path / "runs") == []


def tmpfs_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not tmpfs_works(), reason="no user namespace to mount a small tmpfs in; the injected full disk "
                                              "and read-only folder above cover this")
@pytest.mark.parametrize("mount, expected", [("size=32k", "No space left on device"),
                                             ("size=1m,ro", "--out: cannot write")], ids=["full", "read-only"])
def test_em_on_a_real_small_or_read_only_tmpfs(tmp_path, mount, expected):
    disk = tmp_path / "disk"
    disk.mkdir()
    argv = " ".join(arguments("em", tmp_path, disk / "out"))
    script = f"mount -t tmpfs -o {mount} tmpfs {disk} && exec {sys.executable} -m elbocheck {argv}"
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and expected in one_line(done.stderr, "em", "error")
