"""Deciding claims in forked processes, each within a time box and a memory bound.

SymPy can run for hours on an innocent-looking integral, and a claims file comes from someone else, so every
claim is decided in a child process of its own: the child limits its address space (RLIMIT_AS), ignores SIGINT
(the parent owns the terminal's Ctrl-C) and sends back its result through a pipe; the parent kills a child that
outlives its time box. On Ctrl-C (once or twice) the parent kills its own children by pid, reaps them, and raises
KeyboardInterrupt: it never waits on a pool that can deadlock.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Callable, Sequence

MEMORY_BYTES = 3 << 30


@dataclass(frozen=True)
class Finished:
    """What became of one task: `status` is "ok" (value set), "timeout", "memory" or "crashed" (reason set)."""

    status: str
    value: object = None
    reason: str = ""
    seconds: float = 0.0


def _child(task: Callable[[], object], connection, memory: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        if memory:
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        try:
            message = ("ok", task())
        except MemoryError:
            message = ("memory", "the memory bound was reached")
        except RecursionError:
            message = ("crashed", "the expression is nested too deeply (recursion limit)")
        except Exception as error:  # reported to the parent as this task's failure
            message = ("crashed", f"{type(error).__name__}: {error}".splitlines()[0]
                       + "\n" + traceback.format_exc(limit=-3))
        try:
            connection.send_bytes(pickle.dumps(message))
        except (MemoryError, pickle.PicklingError, TypeError) as error:
            connection.send_bytes(pickle.dumps(("crashed", f"result could not be sent back: {error}")))
        connection.close()
    finally:
        os._exit(0)


def run_isolated(tasks: Sequence[Callable[[], object]], jobs: int = 1, timeout: float | None = None,
                 memory: int | None = MEMORY_BYTES, on_done: Callable[[int, Finished], None] | None = None
                 ) -> list[Finished]:
    """Run each task in a forked child, `jobs` at a time; a list of Finished in the tasks' order."""
    context = multiprocessing.get_context("fork")
    results: list[Finished | None] = [None] * len(tasks)
    pending = list(range(len(tasks)))
    running: dict = {}  # reader -> (index, process, started)
    interrupted: list = []

    def on_interrupt(signum, frame):
        if not interrupted:  # a second Ctrl-C while stopping is absorbed, so the cleanup always finishes
            interrupted.append(signum)
            raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread: Ctrl-C is the main thread's business
        previous = None
    try:
        while pending or running:
            while pending and len(running) < max(jobs, 1):
                index = pending.pop(0)
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(tasks[index], writer, memory), daemon=True)
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
                try:  # a child is registered before an interrupt can arrive, so none is left behind
                    process.start()
                    running[reader] = (index, process, time.monotonic())
                finally:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
                writer.close()
            now = time.monotonic()
            deadlines = [started + timeout - now for _, _, started in running.values()] if timeout else []
            ready = wait(list(running), timeout=max(min(deadlines), 0) if deadlines else None)
            now = time.monotonic()
            for reader in list(running):
                index, process, started = running[reader]
                finished = None
                if reader in ready:
                    try:
                        status, payload = pickle.loads(reader.recv_bytes())
                    except (EOFError, OSError, pickle.UnpicklingError):
                        code = process.exitcode
                        status, payload = "crashed", f"the worker ended without a result (exit code {code})"
                        if code is not None and code < 0 and -code == signal.SIGKILL:
                            status, payload = "memory", "the worker was killed (likely out of memory)"
                    finished = (Finished("ok", payload, seconds=now - started) if status == "ok"
                                else Finished(status, reason=str(payload), seconds=now - started))
                elif timeout and now - started >= timeout:
                    finished = Finished("timeout", reason=f"the time box of {timeout:g} s ran out",
                                        seconds=now - started)
                if finished is not None:
                    _stop(process)
                    reader.close()
                    del running[reader]
                    results[index] = finished
                    if on_done:
                        on_done(index, finished)
    except BaseException:
        interrupted.append("stopping")
        for reader, (_, process, _) in list(running.items()):
            _stop(process)
            reader.close()
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return results


def _stop(process) -> None:
    """Kill one of our children (by its pid) if it is still alive, and reap it."""
    if process.is_alive():
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.join(5)
