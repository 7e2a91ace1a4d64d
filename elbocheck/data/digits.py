"""Image data for the variational autoencoder: scikit-learn's bundled 8x8 digits (no download) with a fixed
train/held-out split, and the container `ImageData` that MNIST (elbocheck.data.idx) fills too.

Images are kept as grey levels 0..max_level. The Bernoulli decoder sees them binarised at half the range (8 of 16
for the digits, 128 of 255 for MNIST); the Gaussian decoder sees them dequantised, (v + u) / (max_level + 1) with
u ~ U(0, 1), so that a density on [0, 1]^D has a finite maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIGITS_HELDOUT = 360
SPLIT_SEED = 0


@dataclass(frozen=True)
class ImageData:
    """Training and held-out images as grey levels (N, D) in 0..max_level, their labels (or None), and the shape
    (height, width) of one image."""

    name: str
    train: np.ndarray
    heldout: np.ndarray
    train_labels: np.ndarray | None
    heldout_labels: np.ndarray | None
    image_shape: tuple[int, int]
    max_level: int

    @property
    def dim(self) -> int:
        return int(self.train.shape[1])

    def binarized(self, split: str) -> np.ndarray:
        """The images of `split` ('train' or 'heldout') as 0/1 floats: 1 where the level is at least half the range."""
        return (2 * self._levels(split).astype(np.int64) >= self.max_level).astype(np.float64)

    def dequantized(self, split: str, rng: np.random.Generator) -> np.ndarray:
        """The images of `split` as (v + u) / (max_level + 1), u ~ U(0, 1) drawn from `rng`: values in (0, 1)."""
        levels = self._levels(split).astype(np.float64)
        return (levels + rng.random(levels.shape)) / (self.max_level + 1)

    def labels(self, split: str) -> np.ndarray | None:
        return self.train_labels if split == "train" else self.heldout_labels

    def _levels(self, split: str) -> np.ndarray:
        if split not in ("train", "heldout"):
            raise ValueError(f"split: expected 'train' or 'heldout', got {split!r}")
        return self.train if split == "train" else self.heldout


def split_fixed(count: int, heldout: int, seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, heldout) of a fixed random split of range(count): `heldout` of them held out."""
    if not 0 < heldout < count:
        raise ValueError(f"heldout: expected between 1 and {count - 1} images held out of {count}, got {heldout}")
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[heldout:]), np.sort(order[:heldout])


def load_digits_data() -> ImageData:
    """scikit-learn's 1797 digits (8x8, levels 0..16): 1437 for training and a fixed 360 held out."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = bunch.data.astype(np.uint8)  # (1797, 64)
    labels = bunch.target.astype(np.int64)
    train, heldout = split_fixed(images.shape[0], DIGITS_HELDOUT)
    return ImageData("digits", images[train], images[heldout], labels[train], labels[heldout], (8, 8), 16)


def independent_pixel_nats(train: np.ndarray, heldout: np.ndarray, decoder: str) -> float:
    """The baseline: mean over held-out images of -log p(x) in nats, every pixel independent and fitted to `train`.

    Bernoulli: p_d = the training mean of pixel d, clipped to [1/(2N), 1 - 1/(2N)] so that a value never seen in
    training costs log(2N) nats rather than infinity. Gaussian: N(mean_d, var_d) with the training moments.
    """
    count = train.shape[0]
    if decoder == "bernoulli":
        p = np.clip(train.mean(axis=0), 1.0 / (2 * count), 1.0 - 1.0 / (2 * count))  # (D,)
        return float(-np.mean(heldout @ np.log(p) + (1.0 - heldout) @ np.log1p(-p)))
    if decoder == "gaussian":
        mean, var = train.mean(axis=0), train.var(axis=0)  # (D,)
        return float(np.mean(0.5 * np.sum(np.log(2 * np.pi * var) + (heldout - mean) ** 2 / var, axis=1)))
    raise ValueError(f"decoder: expected 'bernoulli' or 'gaussian', got {decoder!r}")
