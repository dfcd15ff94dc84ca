"""Central finite differences: the independent reference every analytic gradient is checked with."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray


def numerical_gradient(
    f: Callable[[NDArray[np.float64]], float], W: ArrayLike, eps: float = 1e-6
) -> NDArray[np.float64]:
    """Gradient of a scalar function by central differences, one entry at a time.

    ``∂f/∂W_i ≈ (f(W + ε e_i) − f(W − ε e_i)) / 2ε``, error O(ε²). A checking tool: it calls
    ``f`` twice per entry, so keep W small.

    Args:
        f: scalar function of an array shaped like W.
        W: the point, any shape.
        eps: the step, > 0.

    Returns:
        The shape of W.

    >>> numerical_gradient(lambda w: float((w**2).sum()), [1.0, -2.0]).round(6).tolist()
    [2.0, -4.0]
    """
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    W = np.array(W, dtype=np.float64)
    grad = np.empty_like(W)
    for index in np.ndindex(W.shape):
        original = W[index]
        W[index] = original + eps
        upper = f(W)
        W[index] = original - eps
        lower = f(W)
        W[index] = original
        grad[index] = (upper - lower) / (2 * eps)
    return grad
