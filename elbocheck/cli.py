"""The `elbocheck` command: wires each subcommand to the packages that do the work.

Bad input raises ValueError anywhere below, and a failing disk or folder OSError; here each becomes one line on
stderr and exit code 2. A run that diverges (elbocheck.finite.NonFiniteError) is one line and exit code 1. Ctrl-C
and SIGTERM unwind the run (so that partial results are removed and child processes stopped) and exit 130 and
143; a second Ctrl-C while that happens ends the process at once. A closed stdout (`elbocheck claims | head`)
ends the run quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading

COMMANDS = [
    "claims",
    "check",
    "em",
    "vae",
    "gan_demo",
    "ring",
    "residual",
    "crosscheck",
    "cases",
    "bench",
    "report",
]


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser with one subparser per module named in COMMANDS."""
    parser = ArgumentParser(
        prog="elbocheck",
        description="Claims decided by SymPy, literal NumPy references and fast PyTorch, cross-checked.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=ArgumentParser)
    for module_name in COMMANDS:
        module = importlib.import_module(f"elbocheck.commands.{module_name}")
        subparser = subparsers.add_parser(module.NAME, help=module.HELP, description=module.__doc__)
        module.add_arguments(subparser)
        subparser.set_defaults(run=module.run, command_parser=subparser)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C so that the same cleanup runs."""


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return its exit code (2 for bad input or a failing disk, 1 for a run that diverged,
    130 when interrupted, 143 when terminated, 141 when stdout was closed)."""
    from elbocheck.finite import NonFiniteError

    args = build_parser().parse_args(argv)
    prefix = f"elbocheck {args.command}"
    with _signals_unwind():
        try:
            code = int(args.run(args) or 0)
            sys.stdout.flush()
            return code
        except BrokenPipeError:
            _detach_stdout()
            return 141
        except ValueError as error:
            return _one_line(prefix, "error", _first_line(error), 2)
        except OSError as error:
            return _one_line(prefix, "error", describe_os_error(error), 2)
        except NonFiniteError as error:
            return _one_line(prefix, "stopped", _first_line(error), 1)
        except Terminated:
            return _one_line(prefix, "terminated", None, 143)
        except KeyboardInterrupt:
            return _one_line(prefix, "interrupted", None, 130)
        finally:
            from elbocheck.scaffold import remove_unused_out

            remove_unused_out()


def describe_os_error(error: OSError) -> str:
    """An OSError as one line: what failed, on which path."""
    what = error.strerror or str(error) or type(error).__name__
    if error.filename is not None:
        return f"{what}: '{os.fsdecode(error.filename)}'"
    return what


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _one_line(prefix: str, kind: str, message: str | None, code: int) -> int:
    text = f"{prefix}: {kind}: {message}" if message else f"{prefix}: {kind}"
    try:
        sys.stderr.write(text + "\n")  # one write: a second Ctrl-C cannot leave the line without its end
        sys.stderr.flush()
    except OSError:
        pass
    return code


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so that the flush at exit finds no closed pipe to complain about."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


@contextlib.contextmanager
def _signals_unwind():
    """While the run lasts: SIGTERM raises Terminated; after the first Ctrl-C, a second one kills the process
    with the default action instead of interrupting the cleanup that the first one started."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous_term = signal.getsignal(signal.SIGTERM)
    previous_int = signal.getsignal(signal.SIGINT)

    def terminate(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        raise Terminated()

    def interrupt(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, terminate)
    if previous_int is signal.default_int_handler:
        signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)
