"""Derivatives of a linear softmax layer S = softmax(Wᵀx) with respect to its weights.

Two routes to the same numbers. The *explicit* forms build every Jacobian in full and
multiply them (dS/dW = dS/dz · dz/dW): they exist to teach the chain rule and to check the
*shortcut* ``dS_t/dW[j, i] = S_t (δ_it − S_i) x_j``, which skips the mostly-zero dz/dW.
The explicit forms grow as K²·D per example.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradients import _validate
from gradients.softmax import softmax, softmax_jacobian

Method = Literal["chain", "shortcut"]
METHODS: tuple[str, ...] = ("chain", "shortcut")


def check_method(method: str) -> None:
    """Raise a ValueError unless ``method`` is "chain" or "shortcut"."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")


def linear_jacobian(x: ArrayLike, n_outputs: int) -> NDArray[np.float64]:
    """Explicit Jacobian of the logits z = Wᵀx with respect to W (teaching form).

    ``dz_k/dW[j, i] = x_j if i = k else 0``: K slices of shape (D, K), each zero but for one
    column, which holds x.

    Args:
        x: input (D,) or a batch (B, D).
        n_outputs: the number of classes K (columns of W).

    Returns:
        (K, D, K) indexed [k, j, i], or (B, K, D, K) for a batch.
    """
    x = _validate.float_array("x", x)
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, int | np.integer) or n_outputs < 1:
        raise ValueError(f"n_outputs must be an integer ≥ 1, got {n_outputs!r}")
    eye = np.eye(n_outputs)
    return x[..., None, :, None] * eye[:, None, :]


def softmax_layer_jacobian(
    W: ArrayLike, x: ArrayLike, method: Method = "shortcut"
) -> NDArray[np.float64]:
    """Jacobian of the layer output S = softmax(Wᵀx) with respect to the weights W.

    ``dS_t/dW[j, i] = S_t (δ_it − S_i) x_j``. "chain" multiplies the explicit Jacobians
    dS/dz (K × K) and dz/dW (K × D·K); "shortcut" forms the product of dS/dz and x directly.

    Args:
        W: weights (D, K).
        x: input (D,) or a batch (B, D).
        method: "chain" (explicit, teaching) or "shortcut" (fast).

    Returns:
        (K, D, K) indexed [t, j, i], or (B, K, D, K) for a batch.
    """
    check_method(method)
    W, x = _validate.weights_and_inputs(W, x)
    ds_dz = softmax_jacobian(softmax(x @ W))
    if method == "chain":
        return np.einsum("...tk,...kji->...tji", ds_dz, linear_jacobian(x, W.shape[1]))
    return ds_dz[..., :, None, :] * x[..., None, :, None]
