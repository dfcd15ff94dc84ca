"""Sampling from categorical distributions, the one sampler of the three packages."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["categorical"]


def categorical(probabilities: ArrayLike, uniforms: ArrayLike) -> NDArray[np.int64]:
    """Inverse-CDF sampling: one index per row from its categorical distribution.

    ``A = min(#{k : Σ_{j≤k} π_j ≤ u · Σ_j π_j}, K − 1)``, so ``P(A = k) = π_k`` when
    ``u ~ Uniform[0, 1)``; scaling u by the row's total keeps rows whose sum is 1 only up to
    rounding exact. The uniforms are an argument, so the caller decides where they come from
    (one ``numpy.random.Generator`` for all rows, or one per environment).

    Args:
        probabilities: (..., K) non-negative rows summing to 1.
        uniforms: (...) draws from U[0, 1), one per row.

    Returns:
        (...) int64 indices in [0, K).

    >>> categorical([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]], [0.25, 0.5]).tolist()
    [1, 1]
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    uniforms = np.asarray(uniforms, dtype=np.float64)
    cumulative = np.cumsum(probabilities, axis=-1)
    below = cumulative <= uniforms[..., None] * cumulative[..., -1:]
    return np.minimum(below.sum(axis=-1, dtype=np.int64), probabilities.shape[-1] - 1)
