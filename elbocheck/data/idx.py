"""MNIST from local IDX files, read and checked byte by byte: no download, no third-party reader.

An IDX file is a 4-byte magic number 0x00 0x00 T n (T the element type, n the number of dimensions), then n
big-endian uint32 sizes, then the elements, big-endian, row-major; optionally gzip-compressed (`.gz`). A folder
holds `train-images-idx3-ubyte[.gz]` and optionally `train-labels-idx1-ubyte[.gz]`, `t10k-images-idx3-ubyte[.gz]`
and `t10k-labels-idx1-ubyte[.gz]`. Every departure from the format is a ValueError naming the file.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from elbocheck.data import files
from elbocheck.data.digits import ImageData, split_fixed

ELEMENT_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MNIST_HELDOUT_FRACTION = 1 / 6


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it is gzip (by its magic 1f 8b); ValueError if unreadable or corrupt."""
    raw = files.read_bytes(path, "idx", "an IDX file")
    if raw[:2] != b"\x1f\x8b":
        if path.suffix == ".gz":
            raise ValueError(f"idx: '{path}' is named .gz but is not gzip data (it starts with {raw[:2].hex() or 'nothing'})")
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"idx: '{path}' is corrupt or truncated gzip data ({error})") from None


def parse_idx(data: bytes, name: str = "idx data") -> np.ndarray:
    """The array an IDX byte string holds; ValueError on a wrong magic number, a short header or a wrong length."""
    if len(data) < 4:
        raise ValueError(f"idx: '{name}' has {len(data)} bytes, fewer than the 4-byte magic number")
    zero, element_type, ndim = int.from_bytes(data[:2], "big"), data[2], data[3]
    if zero != 0 or element_type not in ELEMENT_TYPES or ndim == 0:
        raise ValueError(
            f"idx: '{name}' has magic number 0x{data[:4].hex()}, expected 0x0000TTNN with element type TT in "
            f"{{{', '.join(f'{code:02x}' for code in ELEMENT_TYPES)}}} and NN >= 1 dimensions"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"idx: '{name}' is truncated in its header: {ndim} dimensions need {header} bytes, found {len(data)}")
    shape = tuple(int.from_bytes(data[4 + 4 * axis : 8 + 4 * axis], "big") for axis in range(ndim))
    dtype = np.dtype(ELEMENT_TYPES[element_type])
    expected = math.prod(shape) * dtype.itemsize
    found = len(data) - header
    if found < expected:
        raise ValueError(f"idx: '{name}' is truncated: dimensions {list(shape)} need {expected} data bytes, found {found}")
    if found > expected:
        raise ValueError(f"idx: '{name}' has {found - expected} bytes beyond the {expected} its dimensions {list(shape)} describe")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an IDX file (gzip or not)."""
    path = Path(path)
    return parse_idx(read_bytes(path), str(path))


def find_file(folder: Path, stem: str) -> Path | None:
    """folder/stem or folder/stem.gz, whichever exists (ValueError if both do); None if neither."""
    plain, packed = folder / stem, folder / f"{stem}.gz"
    if plain.exists() and packed.exists():
        raise ValueError(f"idx: both '{plain}' and '{packed}' exist; keep one")
    return plain if plain.exists() else packed if packed.exists() else None


def read_images(path: Path) -> np.ndarray:
    """An IDX image file: (N, rows, cols) of unsigned bytes."""
    images = read_idx(path)
    if images.ndim != 3 or images.dtype != np.uint8 or 0 in images.shape:
        raise ValueError(
            f"idx: '{path}' holds a {images.dtype} array of shape {list(images.shape)}, expected unsigned bytes "
            "(N, rows, cols) with N, rows, cols >= 1"
        )
    return images


def read_labels(path: Path, count: int) -> np.ndarray:
    """An IDX label file: `count` unsigned bytes, any values (MNIST's digits 0..9, EMNIST letters' 1..26): they only
    colour a plot."""
    labels = read_idx(path)
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(f"idx: '{path}' holds a {labels.dtype} array of shape {list(labels.shape)}, expected (N,) unsigned bytes")
    if labels.shape[0] != count:
        raise ValueError(f"idx: '{path}' has {labels.shape[0]} labels for {count} images")
    return labels.astype(np.int64)


def load_split(folder: Path, prefix: str, required: bool):
    """(images (N, rows * cols), labels or None, (rows, cols)) of `prefix`-images/labels, or None if absent."""
    images_path = find_file(folder, f"{prefix}-images-idx3-ubyte")
    if images_path is None:
        if required:
            raise ValueError(f"data: '{folder}' has no {prefix}-images-idx3-ubyte[.gz]; expected an MNIST folder")
        return None
    images = read_images(images_path)
    labels_path = find_file(folder, f"{prefix}-labels-idx1-ubyte")
    labels = None if labels_path is None else read_labels(labels_path, images.shape[0])
    return images.reshape(images.shape[0], -1), labels, images.shape[1:]


def load_mnist(folder: str | Path) -> ImageData:
    """MNIST from `folder`: t10k-* is the held-out set when present, else a fixed sixth of train-* is held out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"data: '{folder}' is not a folder; expected 'digits' or a folder of MNIST IDX files")
    train_images, train_labels, shape = load_split(folder, "train", required=True)
    test = load_split(folder, "t10k", required=False)
    if test is not None:
        heldout_images, heldout_labels, test_shape = test
        if test_shape != shape:
            raise ValueError(f"idx: t10k images are {list(test_shape)}, train images {list(shape)}; expected the same size")
    else:
        count = train_images.shape[0]
        if count < 2:
            raise ValueError(f"idx: '{folder}' has {count} training image; expected at least 2 to hold one out")
        train, heldout = split_fixed(count, max(1, int(round(count * MNIST_HELDOUT_FRACTION))))
        heldout_images, train_images = train_images[heldout], train_images[train]
        if train_labels is not None:
            heldout_labels, train_labels = train_labels[heldout], train_labels[train]
        else:
            heldout_labels = None
    if (train_labels is None) != (heldout_labels is None):
        train_labels = heldout_labels = None
    return ImageData(f"MNIST ({folder})", train_images, heldout_images, train_labels, heldout_labels, tuple(shape), 255)
