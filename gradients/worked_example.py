"""The worked example of a softmax layer (3 features, 5 classes, target class 3), step by step."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gradients.cross_entropy import cross_entropy, cross_entropy_grad, cross_entropy_weight_grad
from gradients.layer import linear_jacobian, softmax_layer_jacobian
from gradients.softmax import one_hot, softmax, softmax_jacobian

X = np.array([0.1, 0.5, 0.4])
W = np.array(
    [
        [0.1, 0.2, 0.3, 0.4, 0.5],
        [0.6, 0.7, 0.8, 0.9, 0.1],
        [0.11, 0.12, 0.13, 0.14, 0.15],
    ]
)
TARGET_CLASS = 3
"""1-based, as the example states it; index 2 in code."""


def worked_example() -> dict[str, NDArray[np.float64] | float]:
    """Every quantity of the example, in the order a lecture derives them.

    Returns:
        A mapping from the quantity's name to its value; the keys ``*_max_abs_diff`` hold the
        largest absolute difference between the chain and the shortcut routes.
    """
    z = X @ W
    s = softmax(z)
    y = one_hot(TARGET_CLASS - 1, W.shape[1])
    ds_dw_chain = softmax_layer_jacobian(W, X, "chain")
    ds_dw_shortcut = softmax_layer_jacobian(W, X, "shortcut")
    dxe_dw_chain = cross_entropy_weight_grad(W, X, y, "chain")
    dxe_dw_shortcut = cross_entropy_weight_grad(W, X, y, "shortcut")
    return {
        "x": X,
        "W": W,
        "z": z,
        "S": s,
        "dS_dz": softmax_jacobian(s),
        "dz_dW": linear_jacobian(X, W.shape[1]),
        "dS_dW_chain": ds_dw_chain,
        "dS_dW_shortcut": ds_dw_shortcut,
        "dS_dW_max_abs_diff": float(np.abs(ds_dw_chain - ds_dw_shortcut).max()),
        "y": y,
        "XE": cross_entropy(y, s),
        "dXE_dS": cross_entropy_grad(y, s),
        "dXE_dW_chain": dxe_dw_chain,
        "dXE_dW_shortcut": dxe_dw_shortcut,
        "dXE_dW_max_abs_diff": float(np.abs(dxe_dw_chain - dxe_dw_shortcut).max()),
    }
