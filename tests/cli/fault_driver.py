"""Runs `elbocheck ARGS...` in this process with one fault injected, for tests/cli/test_faults.py:

    python fault_driver.py FAULT [--stub-report] -- ARGS...

FAULT is one of
  none                 no fault
  kill-at-set-rename   SIGKILL at the rename that moves a finished result set into place
  kill-at-file-rename  SIGKILL at the first rename of a written temporary file over its target
  interrupt-twice      SIGINT at the second file written into a result set (or at a single .npz file), and
                       SIGINT again as the cleanup that the first one started removes the partial folder
--stub-report makes `report` skip the ledger and the cross-check (they are tested elsewhere) so that it reaches
its benchmark child at once.
"""

import os
import signal
import sys


def kill_at_rename(match):
    real_rename, real_replace = os.rename, os.replace

    def guarded(real):
        def rename(source, target, *args, **kwargs):
            if match(str(source)):
                os.kill(os.getpid(), signal.SIGKILL)
            return real(source, target, *args, **kwargs)
        return rename

    os.rename, os.replace = guarded(real_rename), guarded(real_replace)


def interrupt_twice():
    from elbocheck import _io

    real_write, real_remove = _io.atomic_write_bytes, _io._remove
    written = []

    def write(path, data):
        if ".partial-" in str(path) or str(path).endswith(".npz"):
            written.append(path)
            if len(written) == 2 or str(path).endswith(".npz"):
                os.kill(os.getpid(), signal.SIGINT)
        return real_write(path, data)

    def remove(path):
        if path is not None and ".partial-" in str(path):
            os.kill(os.getpid(), signal.SIGINT)
        return real_remove(path)

    _io.atomic_write_bytes, _io._remove = write, remove


def stub_report():
    import elbocheck.pairs
    from elbocheck.derivations import claims

    claims.ledger = lambda only=None, jobs=None: []
    elbocheck.pairs.all_pairs = lambda: []


def main(argv):
    split = argv.index("--")
    options, arguments = argv[:split], argv[split + 1:]
    fault = options[0]
    if "--stub-report" in options and arguments[:1] == ["report"]:
        stub_report()
    if fault == "kill-at-set-rename":
        kill_at_rename(lambda source: ".partial-" in os.path.basename(source))
    elif fault == "kill-at-file-rename":
        kill_at_rename(lambda source: source.endswith(".tmp"))
    elif fault == "interrupt-twice":
        interrupt_twice()
    elif fault != "none":
        raise SystemExit(f"unknown fault {fault!r}")
    from elbocheck.cli import main as elbocheck

    return elbocheck(arguments)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
