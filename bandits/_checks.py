"""Argument checks at the public boundary of the bandits package: one clear error each."""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np


def count(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int ≥ ``minimum``, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def real(name: str, value: Any, low: float = -math.inf, high: float = math.inf) -> float:
    """``value`` as a finite float in [low, high], or a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}], got {value:g}")
    return value


def positive_real(name: str, value: Any) -> float:
    """``value`` as a finite float > 0, or a TypeError/ValueError naming ``name``."""
    value = real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value:g}")
    return value


def bernoulli_means(name: str, value: Any) -> np.ndarray:
    """``value`` as a 1-D float array of at least 2 success probabilities in [0, 1]."""
    means = np.asarray(value, dtype=np.float64)
    if means.ndim != 1 or means.size < 2:
        raise ValueError(f"{name} must list at least 2 arm means, got shape {means.shape}")
    if not np.all((means >= 0) & (means <= 1)):
        raise ValueError(f"{name} must lie in [0, 1], got {means.tolist()}")
    return means


def arm_indices(actions: Any, n_runs: int, n_arms: int) -> np.ndarray:
    """``actions`` as (n_runs,) integers in [0, n_arms), or a TypeError/ValueError."""
    actions = np.asarray(actions)
    if not np.issubdtype(actions.dtype, np.integer):
        raise TypeError(f"actions must be integers, got dtype {actions.dtype}")
    if actions.shape != (n_runs,):
        raise ValueError(f"actions must have shape ({n_runs},), got {actions.shape}")
    if actions.min() < 0 or actions.max() >= n_arms:
        raise ValueError(f"actions must lie in [0, {n_arms}), got {actions.min()}..{actions.max()}")
    return actions
