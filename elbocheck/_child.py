"""Running a Python module as a child process that never outlives the command that started it.

`call_module` starts `python -m elbocheck._child PARENT_PID MODULE ARGS...`; on Linux the child first asks the
kernel to send it SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), so even a SIGKILL of the command ends
it, then runs MODULE as `python -m MODULE ARGS...` would. When the parent is interrupted (Ctrl-C, SIGTERM) or
fails while waiting, the child is sent SIGTERM and, if it has not ended within a few seconds, SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

GRACE_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1


def call_module(module: str, arguments: list[str], **options) -> int:
    """Run `python -m module *arguments` (Popen `options` such as cwd, stdout) and return its exit status; the
    child is stopped if this process is interrupted or dies."""
    command = [sys.executable, "-m", "elbocheck._child", str(os.getpid()), module, *arguments]
    process = subprocess.Popen(command, **options)
    try:
        return process.wait()
    except BaseException:
        stop(process)
        raise


def stop(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; returns once the process has ended."""
    if process.poll() is not None:
        return
    try:
        process.terminate()
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(128 + signal.SIGTERM)


def main(argv: list[str]) -> None:
    import runpy

    parent, module, *arguments = argv
    _die_with_parent(int(parent))
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
