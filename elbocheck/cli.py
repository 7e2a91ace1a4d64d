"""The `elbocheck` command: wires each subcommand to the packages that do the work.

Bad input raises ValueError anywhere below; here it becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = [
    "claims",
    "em",
    "vae",
    "gan_demo",
    "ring",
    "residual",
    "crosscheck",
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


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return its exit code (2 for bad input, 130 when interrupted)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except ValueError as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"elbocheck {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"elbocheck {args.command}: interrupted", file=sys.stderr)
        return 130
