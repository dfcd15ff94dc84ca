"""The softmax function, its logarithm and their derivatives with respect to the logits."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradients import _validate


def one_hot(actions: ArrayLike, n_classes: int) -> NDArray[np.float64]:
    """Indicator vectors ``e_a``: (..., n_classes) with a 1 at each action's index.

    Args:
        actions: integer indices in [0, n_classes), any shape.
        n_classes: the number of classes K.

    Returns:
        Float array of shape ``actions.shape + (n_classes,)``.
    """
    actions = _validate.actions(actions, n_classes, np.shape(actions))
    return (np.arange(n_classes) == actions[..., None]).astype(np.float64)


def softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    """Softmax along ``axis``, through the log-sum-exp shift.

    ``S_i = exp(z_i - m) / Σ_j exp(z_j - m)`` with ``m = max_j z_j``: the shift leaves the value
    unchanged and keeps every exponent ≤ 0, so logits of ±1000 neither overflow nor give nan.

    Args:
        z: logits, any shape with at least one dimension.
        axis: the axis of the classes.

    Returns:
        Probabilities of the shape of ``z``, summing to 1 along ``axis``.

    >>> softmax([1000.0, -1000.0]).tolist()
    [1.0, 0.0]
    """
    return softmax_unchecked(_validate.float_array("z", z, ndims=tuple(range(1, 33))), axis)


def softmax_unchecked(z: NDArray[np.floating], axis: int = -1) -> NDArray[np.floating]:
    """:func:`softmax` without the checks, in the dtype of ``z`` (float32 stays float32)."""
    shifted = np.exp(z - z.max(axis=axis, keepdims=True))
    shifted /= shifted.sum(axis=axis, keepdims=True)
    return shifted


def log_softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    """Logarithm of the softmax, computed without ever taking log(0).

    ``log S_i = (z_i - m) - log Σ_j exp(z_j - m)``; the sum holds the term exp(0) = 1, so its
    logarithm is finite and ≥ 0.

    Args:
        z: logits, any shape with at least one dimension.
        axis: the axis of the classes.

    Returns:
        Log-probabilities of the shape of ``z``.

    >>> log_softmax([0.0, 0.0]).round(6).tolist()
    [-0.693147, -0.693147]
    """
    return log_softmax_unchecked(_validate.float_array("z", z, ndims=tuple(range(1, 33))), axis)


def log_softmax_unchecked(z: NDArray[np.floating], axis: int = -1) -> NDArray[np.floating]:
    """:func:`log_softmax` without the checks, in the dtype of ``z``."""
    shifted = z - z.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def softmax_jacobian(s: ArrayLike) -> NDArray[np.float64]:
    """Jacobian of the softmax with respect to its logits, from its output.

    ``dS_i/dz_j = S_i (δ_ij − S_j)``, i.e. ``diag(S) − S Sᵀ``. Every row sums to 0, since the
    outputs always sum to 1.

    Args:
        s: softmax output, (K,) or a batch (B, K).

    Returns:
        (K, K), or (B, K, K) for a batch.
    """
    s = _validate.distribution("s", s, np.shape(s)[-1], np.shape(s)[:-1])
    return s[..., :, None] * np.eye(s.shape[-1]) - s[..., :, None] * s[..., None, :]


def log_softmax_grad(z: ArrayLike, actions: ArrayLike) -> NDArray[np.float64]:
    """Gradient of log softmax(z)_a with respect to the logits: the score ``e_a − π``.

    ``∂ log π_a / ∂z_k = δ_ak − π_k`` with ``π = softmax(z)``. The gradient bandit's update
    (Sutton & Barto 2nd ed., §2.8) is ``H ← H + α (R − R̄) (e_A − π)``: this function, batched
    over any leading axes (one row per run).

    Args:
        z: logits (..., K).
        actions: integer actions of shape z.shape[:-1], each in [0, K).

    Returns:
        (..., K), the shape of ``z``.

    >>> log_softmax_grad([0.0, 0.0], 1).tolist()
    [-0.5, 0.5]
    """
    z = _validate.float_array("z", z, ndims=tuple(range(1, 33)))
    actions = _validate.actions(actions, z.shape[-1], z.shape[:-1])
    return one_hot(actions, z.shape[-1]) - softmax(z)


def softmax_entropy(z: ArrayLike) -> NDArray[np.float64] | float:
    """Entropy of the softmax distribution, from logits: ``H(π) = −Σ_k π_k log π_k``.

    Computed with :func:`log_softmax`, so a class of probability 0 adds exactly 0 (never
    0·log 0 = nan) and logits of ±1000 are fine.

    Args:
        z: logits (..., K).

    Returns:
        A float, or (...) for a batch.

    >>> round(softmax_entropy([0.0, 0.0]), 6)
    0.693147
    """
    log_pi = log_softmax(z)
    entropy = -(np.exp(log_pi) * log_pi).sum(axis=-1)
    return float(entropy) if entropy.ndim == 0 else entropy


def softmax_entropy_grad(z: ArrayLike) -> NDArray[np.float64]:
    """Gradient of the softmax entropy with respect to the logits (shortcut form).

    ``∂H/∂z_k = −π_k (log π_k + H)``: the chain ``(∂H/∂π) · (∂π/∂z)`` with ``∂H/∂π_i =
    −(log π_i + 1)`` and the softmax Jacobian, collapsed to O(K) per example instead of the
    explicit O(K²) product. It is the gradient of an entropy bonus in policy-gradient methods
    (Williams & Peng 1991; Mnih et al. 2016).

    Args:
        z: logits (..., K).

    Returns:
        (..., K), the shape of ``z``.
    """
    log_pi = log_softmax(z)
    pi = np.exp(log_pi)
    entropy = -(pi * log_pi).sum(axis=-1, keepdims=True)
    return -pi * (log_pi + entropy)
