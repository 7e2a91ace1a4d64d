"""Deciding claims in forked worker processes, each claim within a time box and a memory bound.

SymPy can run for hours on an innocent-looking integral, and a claims file comes from someone else, so claims
are decided in child processes: each worker limits its address space (RLIMIT_AS), ignores SIGINT (the parent owns
the terminal's Ctrl-C), decides the claims it is sent one after another (SymPy's caches stay warm) and sends each
result back through a pipe; the parent kills a worker whose claim outlives its time box and starts another. On Ctrl-C (once or twice) the parent kills its own children by pid, reaps them, and raises
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


def _worker(tasks: Sequence[Callable[[], object]], inbox, outbox, memory: int | None) -> None:
    """A forked worker: runs the tasks whose indices arrive on `inbox` one after another (so SymPy's caches stay
    warm from claim to claim) and sends (index, (status, payload)) back on `outbox`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        if memory:
            import resource

            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        while True:
            try:
                index = inbox.recv()
            except EOFError:
                break
            if index is None:
                break
            try:
                message = ("ok", tasks[index]())
            except MemoryError:
                message = ("memory", "the memory bound was reached")
            except RecursionError:
                message = ("crashed", "the expression is nested too deeply (recursion limit)")
            except Exception as error:  # reported to the parent as this task's failure
                message = ("crashed", f"{type(error).__name__}: {error}".splitlines()[0]
                           + "\n" + traceback.format_exc(limit=-3))
            try:
                payload = pickle.dumps((index, message))
            except (MemoryError, pickle.PicklingError, TypeError) as error:
                payload = pickle.dumps((index, ("crashed", f"result could not be sent back: {error}")))
            outbox.send_bytes(payload)
    finally:
        os._exit(0)


@dataclass
class _Worker:
    process: object
    inbox: object
    outbox: object
    task: int | None = None
    started: float = 0.0


def run_isolated(tasks: Sequence[Callable[[], object]], jobs: int = 1, timeout: float | None = None,
                 memory: int | None = MEMORY_BYTES, on_done: Callable[[int, Finished], None] | None = None
                 ) -> list[Finished]:
    """Run the tasks in `jobs` forked workers, each task within `timeout` seconds (a worker that outlives it is
    killed and replaced); a list of Finished in the tasks' order."""
    context = multiprocessing.get_context("fork")
    results: list[Finished | None] = [None] * len(tasks)
    pending = list(range(len(tasks)))
    workers: list[_Worker] = []
    interrupted: list = []

    def on_interrupt(signum, frame):
        if not interrupted:  # a second Ctrl-C while stopping is absorbed, so the cleanup always finishes
            interrupted.append(signum)
            raise KeyboardInterrupt

    def start_worker() -> _Worker:
        inbox_reader, inbox_writer = context.Pipe(duplex=False)
        outbox_reader, outbox_writer = context.Pipe(duplex=False)
        process = context.Process(target=_worker, args=(tasks, inbox_reader, outbox_writer, memory), daemon=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:  # a worker is registered before an interrupt can arrive, so none is left behind
            process.start()
            worker = _Worker(process, inbox_writer, outbox_reader)
            workers.append(worker)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        inbox_reader.close()
        outbox_writer.close()
        return worker

    def finish(worker: _Worker, finished: Finished, stop: bool) -> None:
        results[worker.task] = finished
        if on_done:
            on_done(worker.task, finished)
        worker.task = None
        if stop:
            _stop(worker.process)
            worker.inbox.close()
            worker.outbox.close()
            workers.remove(worker)

    try:
        previous = signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread: Ctrl-C is the main thread's business
        previous = None
    try:
        while pending or any(w.task is not None for w in workers):
            while pending and len(workers) < max(jobs, 1):
                start_worker()
            for worker in workers:
                if worker.task is None and pending:
                    worker.task, worker.started = pending.pop(0), time.monotonic()
                    worker.inbox.send(worker.task)
            busy = [w for w in workers if w.task is not None]
            now = time.monotonic()
            deadlines = [w.started + timeout - now for w in busy] if timeout else []
            ready = wait([w.outbox for w in busy], timeout=max(min(deadlines), 0) if deadlines else None)
            now = time.monotonic()
            for worker in busy:
                seconds = now - worker.started
                if worker.outbox in ready:
                    try:
                        index, (status, payload) = pickle.loads(worker.outbox.recv_bytes())
                    except (EOFError, OSError, pickle.UnpicklingError):
                        worker.process.join(1)
                        code = worker.process.exitcode
                        status, payload = "crashed", f"the worker ended without a result (exit code {code})"
                        if code is not None and code < 0 and -code == signal.SIGKILL:
                            status, payload = "memory", "the worker was killed (likely out of memory)"
                        finish(worker, Finished(status, reason=payload, seconds=seconds), stop=True)
                        continue
                    finished = (Finished("ok", payload, seconds=seconds) if status == "ok"
                                else Finished(status, reason=str(payload), seconds=seconds))
                    finish(worker, finished, stop=status == "memory")
                elif timeout and seconds >= timeout:
                    finish(worker, Finished("timeout", reason=f"the time box of {timeout:g} s ran out",
                                            seconds=seconds), stop=True)
        for worker in list(workers):
            try:
                worker.inbox.send(None)
            except OSError:
                pass
            worker.process.join(5)
            _stop(worker.process)
    except BaseException:
        interrupted.append("stopping")
        for worker in list(workers):
            _stop(worker.process)
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
