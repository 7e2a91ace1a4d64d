"""Writing results so that no reader ever sees half of them, and no run leaves litter behind.

Three rules, used by every command that writes:

- One file is written atomically: its bytes go to a hidden temporary file in the same folder,
  `.NAME.PID-RANDOM.tmp` (RANDOM: eight random hex digits), which is flushed, synced and renamed over
  NAME (`atomic_write_bytes`).
- A run's set of files is whole or absent (`ResultSet`): the files go into a hidden folder beside the
  output folder, `.OUT.partial-PID-RANDOM`, which replaces OUT by renames once everything is written.
  A reader finds the previous run's whole set, or this run's whole set, or (for the instant between two
  renames, and only if the run is killed exactly there) no OUT at all; never files of two runs side by side.
  OUT is replaced whole only when it holds nothing but names the command writes; in a folder shared with other
  files, the command's old files are removed and each new file renamed into place on its own.
- Leftovers are cleaned: hidden temporaries and partial folders whose process (the PID in the name) no
  longer runs are removed by the next write into the same folder.

JSON is written strictly (`allow_nan=False`): a NaN or an infinity becomes `null`, and the document gains
`"non_finite": {JSON pointer: what the value was}` beside the values, so that other tools can read it and
no non-finite number passes unnoticed.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import os
import re
import secrets
import shutil
import stat
from pathlib import Path

import numpy as np

_LEFTOVER = re.compile(r"^\..+\.(?:partial-|old-)?(\d+)-[0-9a-f]{8}(?:\.tmp)?$")


# ---------------------------------------------------------------- one file


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` through a hidden temporary file in the same folder, synced, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(path.parent)
    temporary = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            _write_all(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 `text` to `path` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj) -> Path:
    """Write `obj` as indented strict JSON (see `strict_json`) to `path` atomically."""
    return atomic_write_text(path, strict_json(obj))


def atomic_save_npz(path: str | os.PathLike, **arrays: np.ndarray) -> Path:
    """Write arrays to a compressed .npz at `path` atomically."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return atomic_write_bytes(path, buffer.getvalue())


def atomic_save_figure(path: str | os.PathLike, figure, dpi: int = 120) -> Path:
    """Render a matplotlib figure to PNG at `path` atomically, then close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(figure)
    return atomic_write_bytes(path, buffer.getvalue())


def tree_digest(tree) -> str:
    """SHA-256 (hex) of nested dicts, lists and tuples of tensors, arrays, numbers, strings and bytes: every
    tensor's dtype, shape and bytes and every other leaf's type and repr, dict keys in sorted order. Stored
    inside a checkpoint, it shows on loading whether any byte of its content changed."""
    import hashlib

    digest = hashlib.sha256()
    _feed(digest, tree)
    return digest.hexdigest()


def seal(state: dict) -> dict:
    """`state` with the key "sha256": its tree_digest, to be saved with it."""
    return {**state, "sha256": tree_digest(state)}


def check_seal(state: dict, what: str) -> None:
    """ValueError prefixed by `what` unless `state` (as loaded) carries "sha256" and its other keys still digest
    to it: one flipped byte of a weight or a count is found."""
    recorded = state.get("sha256")
    if not isinstance(recorded, str):
        raise ValueError(f"{what} lacks its SHA-256; expected a file written by elbocheck")
    if tree_digest({key: value for key, value in state.items() if key != "sha256"}) != recorded:
        raise ValueError(f"{what} is damaged: its content no longer matches the SHA-256 written with it")


def _feed(digest, tree) -> None:
    if isinstance(tree, dict):
        digest.update(b"{")
        for key in sorted(tree, key=repr):
            digest.update(repr(key).encode("utf-8") + b":")
            _feed(digest, tree[key])
        digest.update(b"}")
    elif isinstance(tree, (list, tuple)):
        digest.update(b"[" if isinstance(tree, list) else b"(")
        for item in tree:
            _feed(digest, item)
            digest.update(b",")
        digest.update(b"]")
    elif type(tree).__module__ == "torch" and hasattr(tree, "untyped_storage"):
        import torch

        flat = tree.detach().cpu().contiguous().reshape(-1)
        digest.update(f"tensor {tree.dtype} {tuple(tree.shape)}:".encode("utf-8"))
        digest.update(flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
    elif isinstance(tree, np.ndarray):
        digest.update(f"array {tree.dtype} {tree.shape}:".encode("utf-8") + np.ascontiguousarray(tree).tobytes())
    elif isinstance(tree, bytes):
        digest.update(b"bytes:" + tree)
    else:
        digest.update(f"{type(tree).__name__}:{tree!r};".encode("utf-8"))


# ---------------------------------------------------------------- strict JSON


def strict_json(obj) -> str:
    """`obj` as indented JSON text with no NaN or Infinity in it.

    Non-finite floats become null; when there are any and `obj` is a dict, it gains the key "non_finite", a
    dict from the JSON pointer (RFC 6901) of each such value to what it was ("NaN", "+Infinity", "-Infinity").
    NumPy scalars and arrays, 0-d and small tensors and paths are converted; anything else is a TypeError.
    """
    reasons: dict[str, str] = {}
    clean = _finite(obj, "", reasons)
    if reasons:
        if not isinstance(clean, dict):
            clean = {"value": clean}
            reasons = {f"/value{pointer}": reason for pointer, reason in reasons.items()}
        clean = {**clean, "non_finite": reasons}
    return json.dumps(clean, indent=2, allow_nan=False) + "\n"


def _finite(value, pointer: str, reasons: dict):
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        reasons[pointer] = "NaN" if math.isnan(value) else ("+Infinity" if value > 0 else "-Infinity")
        return None
    if isinstance(value, dict):
        return {str(key): _finite(item, f"{pointer}/{_escape(str(key))}", reasons) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item, f"{pointer}/{index}", reasons) for index, item in enumerate(value)]
    if isinstance(value, (np.generic, np.ndarray)):
        return _finite(value.tolist(), pointer, reasons)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if type(value).__module__ == "torch" and hasattr(value, "tolist"):
        return _finite(value.detach().cpu().tolist(), pointer, reasons)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------- a run's set of files


class ResultSet:
    """The files of one run, written under `.path` (a hidden folder beside `out`) and moved into `out` together
    when the `with` block ends without an exception; on an exception or an interrupt nothing reaches `out` and
    the hidden folder is removed.

    `owns` holds glob patterns of every name the command may write (its files of earlier runs too, such as a
    figure that only some options draw). When `out` holds only such names, it is replaced whole by two renames;
    in a folder shared with other files, the owned names of an earlier run that this run did not write are
    removed and the new files renamed in one by one (the guarantee is then per file). `keep` names files that
    live in `out` while the run works (a checkpoint rewritten every epoch) and belong to the finished set: each is
    hard-linked (or copied) into the set just before it is moved.

        with ResultSet(out, owns=("result.json", "*.png")) as results:
            atomic_write_json(results.path / "result.json", summary)
    """

    def __init__(self, out: str | os.PathLike, owns: tuple[str, ...] = (), keep: tuple[str, ...] = ()):
        self.out = Path(out)
        self.owns = tuple(owns)
        self.keep = tuple(keep)
        self.path: Path | None = None

    def __enter__(self) -> "ResultSet":
        parent = self.out.parent
        parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(parent)
        if self.out.is_dir():
            clean_leftovers(self.out)
        self.path = parent / f".{self.out.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
        self.path.mkdir()
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                _remove(self.path)
                raise
        else:
            _remove(self.path)

    def commit(self) -> None:
        """Move the set into `out`: a rename of the whole folder when `out` holds only owned names, else one
        rename per file."""
        staged = self.path
        for name in self.keep:
            kept = self.out / name
            if kept.is_file() and not (staged / name).exists():
                try:
                    os.link(kept, staged / name)
                except OSError:
                    shutil.copy2(kept, staged / name)
        names = sorted(entry.name for entry in staged.iterdir())
        _sync_folder(staged)
        if not self.out.exists():
            os.rename(staged, self.out)
        elif self._owned_only(names):
            retired = self.out.parent / f".{self.out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
            os.rename(self.out, retired)
            os.rename(staged, self.out)
            _remove(retired)
        else:
            for entry in list(self.out.iterdir()):
                if entry.name not in names and self._owns(entry.name):
                    _remove(entry)
            for name in names:
                target = self.out / name
                if target.is_dir() and not target.is_symlink():
                    retired = self.out / f".{name}.old-{os.getpid()}-{secrets.token_hex(4)}"
                    os.rename(target, retired)
                    os.rename(staged / name, target)
                    _remove(retired)
                else:
                    os.replace(staged / name, target)
            staged.rmdir()
        _sync_folder(self.out.parent)

    def _owns(self, name: str) -> bool:
        import fnmatch

        return name in self.keep or any(fnmatch.fnmatchcase(name, pattern) for pattern in self.owns)

    def _owned_only(self, names: list[str]) -> bool:
        """Whether `out` is a folder holding nothing but owned names, new names and leftovers (nothing else lost)."""
        if not self.out.is_dir() or self.out.is_symlink():
            return False
        return all(entry.name in names or self._owns(entry.name) or _LEFTOVER.match(entry.name)
                   for entry in self.out.iterdir())


def _sync_folder(folder: Path) -> None:
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _remove(path: Path | None) -> None:
    if path is None:
        return
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def clean_leftovers(folder: str | os.PathLike) -> list[Path]:
    """Remove the hidden temporary files and partial or retired folders that these writers left in `folder`
    (names `.NAME.PID-RANDOM.tmp`, `.NAME.partial-PID-RANDOM`, `.NAME.old-PID-RANDOM`) when process PID
    no longer runs; the paths removed. Nothing else is touched."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _LEFTOVER.match(entry.name)
        if match and not _running(int(match.group(1))):
            _remove(entry)
            removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


# ---------------------------------------------------------------- input files


def require_regular_file(path: str | os.PathLike, option: str, expected: str) -> Path:
    """`path`, if it is a regular file (or a link to one); ValueError naming `option` if it is missing, a
    folder, or a device, FIFO or socket, which could be endless or block forever, checked before opening it."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ValueError(f"{option}: no such file: '{path}'") from None
    except OSError as error:
        raise ValueError(f"{option}: cannot read '{path}': {error.strerror or error}") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"{option}: '{path}' is a directory, expected {expected}")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
                else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
        raise ValueError(f"{option}: '{path}' is {kind}, not a regular file; expected {expected}")
    return path


def pyplot():
    """matplotlib.pyplot on the Agg backend, which needs no display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
