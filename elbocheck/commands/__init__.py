"""One module per subcommand of `elbocheck`.

Each module defines NAME, HELP, `add_arguments(parser)` and `run(args) -> int`, and imports the heavy
packages (torch, sympy, matplotlib) inside `run`, so that `elbocheck --help` stays fast.
"""
