"""The process machinery: time boxes, memory bounds, and Ctrl-C (once or twice) that never hangs."""

import os
import signal
import subprocess
import sys
import textwrap
import time

from elbocheck.derivations.workers import run_isolated


def test_results_in_order_timeouts_and_memory():
    results = run_isolated([lambda: 1 + 1, lambda: time.sleep(30), lambda: bytearray(8 << 30), lambda: 1 / 0],
                           jobs=2, timeout=1.0, memory=1 << 30)
    assert [r.status for r in results] == ["ok", "timeout", "memory", "crashed"]
    assert results[0].value == 2
    assert "ZeroDivisionError" in results[3].reason


SCRIPT = textwrap.dedent(r"""
    import os, sys, time
    from elbocheck.derivations.workers import run_isolated

    def task():
        os.write(1, f"{os.getpid()}\n".encode())
        time.sleep(60)

    try:
        run_isolated([task] * 6, jobs=2, timeout=120)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
""")


def _interrupt(times: int):
    process = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    children = [int(process.stdout.readline()) for _ in range(2)]
    for _ in range(times):
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    process.communicate(timeout=30)
    # 130 from the script's handler, or killed by a second SIGINT that landed after run_isolated returned
    assert process.returncode in (130, -signal.SIGINT)
    for pid in children:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"child {pid} outlived the interrupt")


def test_one_interrupt_stops_promptly_and_reaps_the_children():
    _interrupt(1)


def test_two_interrupts_stop_promptly_and_reap_the_children():
    _interrupt(2)
