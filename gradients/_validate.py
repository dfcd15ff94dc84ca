"""Argument checks shared by the public functions: clear ValueErrors at the boundary."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

DISTRIBUTION_ATOL = 1e-6


def float_array(
    name: str, value: ArrayLike, ndims: tuple[int, ...] = (1, 2)
) -> NDArray[np.float64]:
    """``value`` as a finite float array with one of ``ndims`` dimensions, or a ValueError."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        kind = type(value).__name__
        raise TypeError(f"{name} must be an array of numbers, got {kind}") from error
    if array.ndim not in ndims:
        allowed = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{name} must be {allowed}, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got nan or inf")
    return array


def weights_and_inputs(
    W: ArrayLike, x: ArrayLike, x_name: str = "x"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Check ``W`` is (D, K) and ``x`` is (D,) or (B, D) with the same D."""
    W = float_array("W", W, ndims=(2,))
    x = float_array(x_name, x)
    if x.shape[-1] != W.shape[0]:
        raise ValueError(
            f"{x_name} has {x.shape[-1]} features but W has {W.shape[0]} rows; "
            f"expected {x_name} of shape ({W.shape[0]},) or (B, {W.shape[0]}), got {x.shape}"
        )
    return W, x


def distribution(
    name: str, value: ArrayLike, n_classes: int, batch_shape: tuple[int, ...]
) -> NDArray[np.float64]:
    """Check ``value`` holds probability vectors over ``n_classes`` with the given batch shape."""
    array = float_array(name, value)
    if array.shape != (*batch_shape, n_classes):
        raise ValueError(f"{name} must have shape {(*batch_shape, n_classes)}, got {array.shape}")
    if np.any(array < 0) or np.any(array > 1):
        raise ValueError(f"{name} must be a distribution: entries in [0, 1]")
    sums = array.sum(axis=-1)
    if not np.allclose(sums, 1.0, rtol=0.0, atol=DISTRIBUTION_ATOL):
        raise ValueError(f"{name} must be a distribution: each row must sum to 1, got sums {sums}")
    return array


def weights(value: ArrayLike, batch_shape: tuple[int, ...]) -> NDArray[np.float64]:
    """Check ``value`` holds finite per-example weights with the given batch shape."""
    array = np.asarray(value, dtype=np.float64)
    if array.shape != batch_shape:
        raise ValueError(f"weights must have shape {batch_shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("weights must be finite, got nan or inf")
    return array


def actions(value: ArrayLike, n_actions: int, batch_shape: tuple[int, ...]) -> NDArray[np.intp]:
    """Check ``value`` holds integer actions in [0, n_actions) with the given batch shape."""
    array = np.asarray(value)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"actions must be integers, got dtype {array.dtype}")
    if array.shape != batch_shape:
        raise ValueError(f"actions must have shape {batch_shape}, got {array.shape}")
    if np.any(array < 0) or np.any(array >= n_actions):
        raise ValueError(f"actions must lie in [0, {n_actions}), got {array.min()}..{array.max()}")
    return array.astype(np.intp, copy=False)
