"""What every command shares: the options --device, --dtype, --seed and --out (each command adds those it uses),
the checks of those options done before any work, the reproduce-this-run line built from the parser, the progress
bar, and the naming and writing of result files.

A command's `run(args)` goes: its own option checks, `resolve(args)` for the shared ones (which checks --out
without creating it), loading its inputs, `make_out(out)` right before the work, then `write_results(out, ...)`.
Bad options raise ValueError naming the option; `elbocheck.cli.main` prints that as one line and exits 2.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

RESULT = "result.json"  # every command's result document
DEVICE_HELP = "cpu, cuda, or auto (CUDA when present; default)"


# ---------------------------------------------------------------- the shared options


def add_device(parser: argparse.ArgumentParser) -> None:
    """--device: cpu, cuda[:N] or auto (default)."""
    parser.add_argument("--device", default="auto", help=DEVICE_HELP)


def add_dtype(parser: argparse.ArgumentParser, default: str = "float64", what: str = "") -> None:
    """--dtype: float32 or float64; `what` says what it applies to."""
    suffix = f" {what}" if what else ""
    parser.add_argument("--dtype", default=default, help=f"float32 or float64{suffix} (default {default})")


def add_seed(parser: argparse.ArgumentParser, what: str = "every random draw") -> None:
    """--seed: a non-negative integer, default 0; `what` says what it seeds."""
    parser.add_argument("--seed", type=int, default=0, help=f"seed of {what} (default 0)")


def add_out(parser: argparse.ArgumentParser, default: str, what: str = "where the results go") -> None:
    """--out DIR: the output folder."""
    parser.add_argument("--out", default=default, metavar="DIR", help=f"{what} (default {default})")


@dataclass(frozen=True)
class Shared:
    """The shared options once checked: torch device and dtype (None when the command has no such option), the
    seed and the output folder (None when absent)."""

    device: object = None
    dtype: object = None
    seed: int | None = None
    out: Path | None = None


def resolve(args: argparse.Namespace) -> Shared:
    """Check the shared options the command has: --seed >= 0, --dtype float32|float64, --device resolvable,
    --out usable (see `check_out`; nothing is created). ValueError naming the first bad option."""
    seed = getattr(args, "seed", None)
    if seed is not None and seed < 0:
        raise ValueError(f"--seed: expected an integer >= 0, got {seed}")
    dtype = resolve_dtype(args.dtype) if hasattr(args, "dtype") else None
    device = resolve_device(args.device) if hasattr(args, "device") else None
    out = check_out(args.out) if hasattr(args, "out") else None
    return Shared(device=device, dtype=dtype, seed=seed, out=out)


def resolve_device(name: str):
    """The torch device of --device; ValueError naming --device when it is unknown or CUDA is absent."""
    from elbocheck.device import resolve_device as resolve

    try:
        return resolve(name)
    except ValueError as error:
        raise ValueError(f"--{error}") from None


def resolve_dtype(name: str):
    """The torch dtype of --dtype; ValueError naming --dtype unless it is float32 or float64."""
    if name not in ("float32", "float64"):
        raise ValueError(f"--dtype: expected 'float32' or 'float64', got {name!r}")
    import torch

    return getattr(torch, name)


# ---------------------------------------------------------------- the output folder


def check_out(path: str | os.PathLike) -> Path:
    """The output folder `path`, checked without creating anything: ValueError naming --out when it names a file,
    lies below a file, or its nearest existing folder refuses a write (probed with a temporary file that is gone
    at once)."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out: '{out}' exists and is not a folder")
    existing = out
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise ValueError(f"--out: '{out}' lies below '{existing}', which is a file")
    _probe(existing, out)
    return out


_created: list[Path] = []  # folders make_out created in this process, deepest first


def make_out(out: Path) -> Path:
    """Create the output folder (and its parents) and probe it with a write; ValueError naming --out if either
    fails. Call it after the inputs are checked, right before the work. The folders it creates are removed again
    by remove_unused_out if the run stops before writing into them."""
    out = check_out(out)
    missing = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"--out: cannot create '{out}' ({error.strerror or type(error).__name__})") from None
    _created.extend(missing)
    _probe(out, out)
    return out


def remove_unused_out() -> None:
    """Remove the folders make_out created that are still empty: a run interrupted or stopped before it wrote
    anything leaves no trace. Folders holding anything (results, a checkpoint to resume from) stay."""
    while _created:
        folder = _created.pop(0)
        try:
            folder.rmdir()
        except OSError:
            pass  # holds files, or is gone already


def _probe(folder: Path, out: Path) -> None:
    try:
        with tempfile.TemporaryFile(dir=folder) as probe:
            probe.write(b"probe")
    except OSError as error:
        raise ValueError(
            f"--out: cannot write in '{folder}' ({error.strerror or type(error).__name__}); choose another folder"
            + ("" if folder == out else f" for '{out}'")
        ) from None


# ---------------------------------------------------------------- reproducing a run


def command_line(args: argparse.Namespace) -> str:
    """`elbocheck COMMAND` with every option of the command's parser spelled out as parsed, in the parser's order,
    so that the line reruns the same run. Flags appear when set, options with no value are left out, repeatable
    options once per value. The parser is the one `elbocheck.cli.build_parser` attached as args.command_parser."""
    parser = args.command_parser
    parts = [parser.prog]
    for action in parser._actions:  # argparse exposes no public list of a parser's actions
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        flag = max(action.option_strings, key=len)
        value = getattr(args, action.dest, None)
        if action.nargs == 0:
            if value != action.default:
                parts.append(flag)
            continue
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            parts += [flag, shlex.quote(_spell(item))]
    return " ".join(parts)


def _spell(value) -> str:
    if isinstance(value, float):
        return f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return str(value)


# ---------------------------------------------------------------- progress and result files


def progress(iterable=None, *, desc: str, unit: str, **options):
    """A tqdm progress bar on stderr that follows the terminal's width; `options` go to tqdm (total, initial,
    leave, disable, ...)."""
    from tqdm import tqdm

    options.setdefault("file", sys.stderr)
    options.setdefault("dynamic_ncols", True)
    return tqdm(iterable, desc=desc, unit=unit, **options)


def write_results(out: Path, files: dict, owns: tuple[str, ...] = (), keep: tuple[str, ...] = ()) -> list[Path]:
    """Write one run's result files into `out` as one set, whole or absent (elbocheck._io.ResultSet), each by its
    name's suffix: .json a strict JSON document, .png a matplotlib figure, .npz a dict of arrays, .pt/.bin bytes,
    anything else text. `owns` adds names (glob patterns) the command writes in some runs only, so that an
    earlier run's copy goes; `keep` names files already in `out` that belong to the set (a checkpoint). Returns
    the paths written, in order."""
    from elbocheck import _io

    with _io.ResultSet(out, owns=(*files, *owns), keep=keep) as results:
        staged = _write_each(results.path, files)
    return [Path(out) / path.name for path in staged]


def _write_each(folder: Path, files: dict) -> list[Path]:
    from elbocheck import _io

    written = []
    for name, content in files.items():
        path = Path(folder) / name
        suffix = path.suffix
        if suffix == ".json":
            _io.atomic_write_json(path, content)
        elif suffix == ".png":
            _io.atomic_save_figure(path, content)
        elif suffix == ".npz":
            _io.atomic_save_npz(path, **content)
        elif isinstance(content, bytes):
            _io.atomic_write_bytes(path, content)
        else:
            _io.atomic_write_text(path, content)
        written.append(path)
    return written


def wrote(paths: list[Path]) -> str:
    """The closing line of a command: the files it wrote."""
    return "wrote " + ", ".join(str(path) for path in paths)
