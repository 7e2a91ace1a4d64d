"""The MNIST IDX loader against files written here byte by byte (struct, big-endian), and `elbocheck vae --data DIR`
on such a folder: good files load, every damaged one is a one-line error that leaves nothing on disk."""

import gzip
import struct

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from elbocheck.cli import main
from elbocheck.data.idx import load_mnist, parse_idx, read_idx

TYPE_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
              np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of `array`: 0x00 0x00 type ndim, the sizes as big-endian uint32, big-endian elements."""
    big_endian = array.astype(array.dtype.newbyteorder(">")) if array.dtype.itemsize > 1 else array
    code = TYPE_CODES[big_endian.dtype]
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", size) for size in array.shape)
    return header + big_endian.tobytes()


def write_idx(path, array: np.ndarray, packed: bool = False):
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if packed else data)
    return path


def mnist_folder(folder, count=60, shape=(7, 5), labels=True, test=0, packed=False, seed=0):
    """A small MNIST-like folder: images with a bright left or right half by label parity, optional t10k files."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if packed else ""
    for prefix, n in (("train", count), ("t10k", test)):
        if n == 0:
            continue
        digits = rng.integers(0, 10, size=n).astype(np.uint8)
        images = rng.integers(0, 60, size=(n, *shape)).astype(np.uint8)
        half = shape[1] // 2
        for index, digit in enumerate(digits):
            columns = slice(0, half) if digit % 2 == 0 else slice(half, shape[1])
            images[index, :, columns] = rng.integers(180, 256, size=(shape[0], len(range(*columns.indices(shape[1])))))
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, packed)
        if labels:
            write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", digits, packed)
    return folder


arrays = st.sampled_from(sorted(TYPE_CODES, key=str)).flatmap(
    lambda dtype: hnp.arrays(dtype.newbyteorder("="), hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
                             elements=hnp.from_dtype(dtype.newbyteorder("="), allow_nan=False))
)


@given(arrays)
def test_any_array_survives_a_round_trip_through_the_idx_format(array):
    loaded = parse_idx(idx_bytes(array))
    assert loaded.shape == array.shape and loaded.dtype == array.dtype.newbyteorder("=")
    assert np.array_equal(loaded, array)


@given(arrays.filter(lambda array: array.size > 0), st.data())
def test_every_truncation_of_a_valid_file_is_a_value_error(array, data):
    encoded = idx_bytes(array)
    cut = data.draw(st.integers(0, len(encoded) - 1), label="bytes kept")
    with pytest.raises(ValueError, match="truncated|fewer than|magic"):
        parse_idx(encoded[:cut])


@pytest.mark.parametrize("header, message", [
    (b"\x08\x03\x00\x00", "magic"),
    (b"\x00\x01\x08\x01", "magic"),
    (b"\x00\x00\x07\x01", "magic"),
    (b"\x00\x00\x08\x00", "magic"),
])
def test_a_wrong_magic_number_is_named(header, message):
    with pytest.raises(ValueError, match=message):
        parse_idx(header + b"\x00\x00\x00\x01\x05")


def test_bytes_beyond_the_described_array_are_refused():
    with pytest.raises(ValueError, match="beyond"):
        parse_idx(idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3)) + b"\x00")


def test_gzip_files_are_read_and_damaged_gzip_is_refused(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(read_idx(write_idx(tmp_path / "a-idx3-ubyte.gz", array, packed=True)), array)
    packed = gzip.compress(idx_bytes(array))
    (tmp_path / "cut.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(tmp_path / "cut.gz")
    (tmp_path / "plain.gz").write_bytes(idx_bytes(array))
    with pytest.raises(ValueError, match="not gzip"):
        read_idx(tmp_path / "plain.gz")
    with pytest.raises(ValueError, match="no such file"):
        read_idx(tmp_path / "missing")


def test_a_folder_without_test_files_holds_out_a_fixed_sixth(tmp_path):
    data = load_mnist(mnist_folder(tmp_path / "mnist", count=60))
    assert data.train.shape == (50, 35) and data.heldout.shape == (10, 35) and data.image_shape == (7, 5)
    assert data.max_level == 255 and len(data.train_labels) == 50
    again = load_mnist(tmp_path / "mnist")
    assert np.array_equal(again.heldout, data.heldout)
    assert set(np.unique(data.binarized("train"))) <= {0.0, 1.0}


def test_test_files_are_the_held_out_set_and_labels_are_optional(tmp_path):
    data = load_mnist(mnist_folder(tmp_path / "mnist", count=30, test=12, labels=False, packed=True))
    assert data.train.shape == (30, 35) and data.heldout.shape == (12, 35)
    assert data.train_labels is None and data.labels("heldout") is None


@pytest.mark.parametrize("damage, message", [
    ("labels_count", "labels for"),
    ("images_ndim", "rows, cols"),
    ("both_forms", "keep one"),
    ("test_shape", "same size"),
    ("no_images", "no train-images"),
])
def test_an_inconsistent_folder_is_a_value_error(tmp_path, damage, message):
    folder = mnist_folder(tmp_path / "mnist", count=20, test=5)
    if damage == "labels_count":
        write_idx(folder / "train-labels-idx1-ubyte", np.zeros(19, dtype=np.uint8))
    elif damage == "images_ndim":
        write_idx(folder / "train-images-idx3-ubyte", np.zeros((20, 35), dtype=np.uint8))
    elif damage == "both_forms":
        write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((20, 7, 5), dtype=np.uint8), packed=True)
    elif damage == "test_shape":
        write_idx(folder / "t10k-images-idx3-ubyte", np.zeros((5, 5, 7), dtype=np.uint8))
    elif damage == "no_images":
        (folder / "train-images-idx3-ubyte").unlink()
    with pytest.raises(ValueError, match=message):
        load_mnist(folder)


def test_the_command_trains_on_an_idx_folder(tmp_path, capsys):
    folder = mnist_folder(tmp_path / "mnist", count=80, test=20)
    out = tmp_path / "run"
    argv = ["vae", "--data", str(folder), "--epochs", "2", "--latent", "2", "--hidden", "8", "--iwae", "4",
            "--threads", "1", "--out", str(out)]
    assert main(argv) == 0
    assert (out / "latent.png").exists() and (out / "samples.png").exists()
    assert "held-out" in capsys.readouterr().out


def test_emnist_letter_labels_1_to_26_only_colour_the_latent_plot(tmp_path, capsys):
    folder = mnist_folder(tmp_path / "emnist", count=60, test=20)
    rng = np.random.default_rng(1)
    letters = {prefix: rng.integers(1, 27, size=n).astype(np.uint8) for prefix, n in (("train", 60), ("t10k", 20))}
    for prefix, labels in letters.items():
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", labels)
    data = load_mnist(folder)
    assert np.array_equal(data.labels("heldout"), letters["t10k"])
    out = tmp_path / "run"
    argv = ["vae", "--data", str(folder), "--epochs", "1", "--latent", "2", "--hidden", "8", "--iwae", "2",
            "--threads", "1", "--out", str(out)]
    assert main(argv) == 0
    assert (out / "latent.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("damage", ["magic", "truncated", "gzip"])
def test_a_damaged_file_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, damage):
    folder = mnist_folder(tmp_path / "mnist", count=20, packed=(damage == "gzip"))
    name = "train-images-idx3-ubyte" + (".gz" if damage == "gzip" else "")
    raw = (folder / name).read_bytes()
    damaged = {"magic": b"\x00\x00\x08\x05" + raw[4:], "truncated": raw[:-7], "gzip": raw[: len(raw) - 9]}[damage]
    (folder / name).write_bytes(damaged)
    out = tmp_path / "never"
    assert main(["vae", "--data", str(folder), "--epochs", "1", "--out", str(out)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("elbocheck vae: error: idx:") and name in error[0]
    assert not out.exists()
