"""Reading a data file's bytes, with one ValueError line naming the file when it cannot be read."""

from __future__ import annotations

from pathlib import Path

from elbocheck._io import require_regular_file


def read_bytes(path: str | Path, what: str, expected: str) -> bytes:
    """The bytes of `path`; ValueError prefixed by `what` if it is missing, a folder (not `expected`), not a regular
    file (a device such as /dev/zero or a FIFO is refused before it is opened: it could be endless or block) or
    unreadable."""
    path = require_regular_file(path, what, expected)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"{what}: no such file: '{path}'") from None
    except IsADirectoryError:
        raise ValueError(f"{what}: '{path}' is a directory, expected {expected}") from None
    except OSError as error:
        raise ValueError(f"{what}: cannot read '{path}': {error.strerror}") from None
