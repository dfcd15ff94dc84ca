"""The data sets of the networks: scikit-learn's digits, MNIST's IDX files, XOR, reversed bits.

Nothing is downloaded: the digits ship inside scikit-learn, MNIST is read from a folder the
user filled, and the two toy sets are written out here (REFERENCE §5).
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MNIST_FILES",
    "Split",
    "load_digits",
    "load_mnist",
    "read_idx",
    "reverse_binary",
    "stratified_split",
    "xor",
]

MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
"""The four files of MNIST (LeCun et al.), each optionally gzipped (``.gz``)."""
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class Split:
    """A training and a test set: inputs (N, D) and integer labels or targets."""

    x_train: NDArray
    """training inputs (N_train, D)"""
    y_train: NDArray
    """training labels (N_train,) or targets (N_train, K)"""
    x_test: NDArray
    """test inputs (N_test, D)"""
    y_test: NDArray
    """test labels or targets"""


def stratified_split(
    labels: NDArray[np.integer], test_fraction: float, rng: np.random.Generator
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices of a seeded stratified split: each class gives ``round(f·n_c)`` to the test set.

    Args:
        labels: integer class labels (N,).
        test_fraction: f in (0, 1).
        rng: shuffles each class (and then each side).

    Returns:
        Training and test indices, each in random order.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = int(round(test_fraction * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def load_digits(rng: np.random.Generator, test_fraction: float = 0.2) -> Split:
    """scikit-learn's bundled 8×8 digits (1,797 images, no download), pixels scaled to [0, 1].

    Args:
        rng: draws the stratified split.
        test_fraction: the share of each class held out.

    Returns:
        A ``Split`` with inputs (N, 64) in [0, 1] and labels 0–9.
    """
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = digits.data / 16.0
    y = digits.target.astype(np.intp)
    train, test = stratified_split(y, test_fraction, rng)
    return Split(x[train], y[train], x[test], y[test])


def read_idx(path: str | os.PathLike) -> NDArray:
    """Read one IDX file (gzipped or not): the format of MNIST's four files.

    The header is two zero bytes, a type byte (0x08 unsigned byte, …), the number of
    dimensions n, then n big-endian 32-bit sizes; the data follow, big-endian.

    Args:
        path: the file; gzip is recognised by its magic bytes, whatever the name.

    Returns:
        The array, shaped by the header.

    Raises:
        ValueError: the file is not a well-formed IDX file.
    """
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()})")
    n_dims = raw[3]
    header = 4 + 4 * n_dims
    if n_dims == 0 or len(raw) < header:
        raise ValueError(f"{path}: not an IDX file (header of {n_dims} dimensions)")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=n_dims, offset=4))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: header promises {shape} ({expected} bytes of data), "
            f"file holds {len(raw) - header}"
        )
    return (
        np.frombuffer(raw, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def load_mnist(data_dir: str | os.PathLike) -> Split:
    """MNIST from the four IDX files in ``data_dir`` (``.gz`` or not), pixels scaled to [0, 1].

    Args:
        data_dir: the folder holding ``MNIST_FILES``.

    Returns:
        A ``Split`` with inputs (N, 784) and labels 0–9.

    Raises:
        FileNotFoundError: a file is missing (the message names it).
        ValueError: a file is malformed or the counts disagree.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"--data {data_dir}: no such directory")
    arrays = {}
    for key, name in MNIST_FILES.items():
        candidates = [data_dir / name, data_dir / f"{name}.gz"]
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            raise FileNotFoundError(f"MNIST file {name} (or {name}.gz) not found in {data_dir}")
        arrays[key] = read_idx(found)
    for part in ("train", "test"):
        images, labels = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"MNIST {part} files disagree: images {images.shape}, labels {labels.shape}"
            )
    return Split(
        *(
            arrays[key].reshape(len(arrays[key]), -1) / 255.0
            if key.startswith("x")
            else arrays[key].astype(np.intp)
            for key in MNIST_FILES
        )
    )


def xor() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """XOR: inputs [[0,0],[0,1],[1,0],[1,1]] (4, 2), targets [0,1,1,0] (4, 1)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return x, np.logical_xor(x[:, :1], x[:, 1:]).astype(np.float64)


def reverse_binary() -> Split:
    """Reverse a 4-bit number: train on the six with first bit 0, hold out six with first bit 1.

    Training inputs 0000, 0001, 0010, 0101, 0110, 0111; held out 1000, 1001, 1010, 1101,
    1110, 1111 — each the training input at the same row with its first bit set. Targets are
    the inputs' bits in reverse order (REFERENCE §5).

    Returns:
        A ``Split`` of bit arrays (6, 4), targets (6, 4).
    """
    train = np.array([0b0000, 0b0001, 0b0010, 0b0101, 0b0110, 0b0111])
    bits = ((np.concatenate([train, train | 0b1000])[:, None] >> np.arange(3, -1, -1)) & 1).astype(
        np.float64
    )
    reversed_bits = bits[:, ::-1].copy()
    return Split(bits[:6], reversed_bits[:6], bits[6:], reversed_bits[6:])
