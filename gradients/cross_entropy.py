"""Cross-entropy of a softmax layer and its gradients, explicit and shortcut."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradients import _validate
from gradients.layer import Method, check_method, softmax_layer_jacobian
from gradients.softmax import log_softmax, softmax


def cross_entropy(y: ArrayLike, s: ArrayLike) -> NDArray[np.float64] | float:
    """Cross-entropy from probabilities: ``XE = −Σ_c y_c log S_c``.

    Classes with y_c = 0 contribute 0 whatever S_c is (0·log 0 = 0), so no log(0) is taken
    there; prefer :func:`cross_entropy_from_logits` when logits are at hand.

    Args:
        y: target distribution (one-hot or soft), (K,) or (B, K).
        s: predicted distribution of the same shape.

    Returns:
        A float, or (B,) per example for a batch.

    >>> round(cross_entropy([0.0, 1.0], [0.5, 0.5]), 6)
    0.693147
    """
    from scipy.special import xlogy  # on use: the command lines import gradients, not scipy

    s = _validate.distribution("s", s, np.shape(s)[-1], np.shape(s)[:-1])
    y = _validate.distribution("y", y, s.shape[-1], s.shape[:-1])
    return _per_example(-xlogy(y, s).sum(axis=-1))


def cross_entropy_from_logits(y: ArrayLike, z: ArrayLike) -> NDArray[np.float64] | float:
    """Cross-entropy from logits: ``XE = −Σ_c y_c log_softmax(z)_c``, stable for any z.

    Args:
        y: target distribution (one-hot or soft), (K,) or (B, K).
        z: logits of the same shape.

    Returns:
        A float, or (B,) per example for a batch.
    """
    z = _validate.float_array("z", z)
    y = _validate.distribution("y", y, z.shape[-1], z.shape[:-1])
    return _per_example(-(y * log_softmax(z)).sum(axis=-1))


def cross_entropy_grad(y: ArrayLike, s: ArrayLike) -> NDArray[np.float64]:
    """Gradient of the cross-entropy with respect to the probabilities: ``dXE/dS = −y / S``.

    Args:
        y: target distribution, (K,) or (B, K).
        s: predicted distribution of the same shape, positive wherever y > 0.

    Returns:
        The shape of ``s``; 0 where y = 0.
    """
    s = _validate.distribution("s", s, np.shape(s)[-1], np.shape(s)[:-1])
    y = _validate.distribution("y", y, s.shape[-1], s.shape[:-1])
    if np.any((y > 0) & (s == 0)):
        raise ValueError("s must be positive wherever y > 0 (the cross-entropy is infinite)")
    return np.divide(-y, s, out=np.zeros_like(y), where=y > 0)


def cross_entropy_weight_grad(
    W: ArrayLike, x: ArrayLike, y: ArrayLike, method: Method = "shortcut"
) -> NDArray[np.float64]:
    """Gradient of the cross-entropy of S = softmax(Wᵀx) with respect to W.

    ``dXE/dW[j, i] = x_j (S_i − y_i)``, i.e. ``outer(x, S − y)``; for a batch, the gradient of
    the mean loss, ``xᵀ(S − Y) / B``. "chain" forms dXE/dS · dS/dW from the explicit
    Jacobians (teaching form, K²·D per example); "shortcut" is one matrix product.

    Args:
        W: weights (D, K).
        x: input (D,) or a batch (B, D).
        y: target distribution (K,) or (B, K).
        method: "chain" or "shortcut".

    Returns:
        (D, K), the shape of W.
    """
    check_method(method)
    W, x = _validate.weights_and_inputs(W, x)
    y = _validate.distribution("y", y, W.shape[1], x.shape[:-1])
    n_examples = x.shape[0] if x.ndim == 2 else 1
    if method == "chain":
        dxe_ds = cross_entropy_grad(y, softmax(x @ W))
        ds_dw = softmax_layer_jacobian(W, x, "chain")
        per_example = ds_dw.reshape(-1, *ds_dw.shape[-3:])
        return np.einsum("bt,btji->ji", np.atleast_2d(dxe_ds), per_example) / n_examples
    return np.atleast_2d(x).T @ np.atleast_2d(softmax(x @ W) - y) / n_examples


def _per_example(values: NDArray[np.float64]) -> NDArray[np.float64] | float:
    return float(values) if values.ndim == 0 else values
