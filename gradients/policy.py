"""Score-function gradients of a linear softmax policy π(·|φ) = softmax(Wᵀφ).

The one place softmax-policy gradients live: the gradient bandit and the NetHack agent
both call these.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradients import _validate
from gradients.softmax import log_softmax_grad, log_softmax_unchecked


def log_policy_grad(W: ArrayLike, phi: ArrayLike, a: int) -> NDArray[np.float64]:
    """Gradient of log π(a|φ) with respect to W, for one state: ``outer(φ, e_a − π)``.

    The cross-entropy shortcut ``outer(x, S − y)`` with y = e_a and the sign flipped
    (Sutton & Barto 2nd ed., §13.3, eq. 13.9 for linear softmax preferences).

    Args:
        W: weights (D, K).
        phi: features of one state, (D,).
        a: the action taken, an integer in [0, K).

    Returns:
        (D, K), the shape of W.

    >>> log_policy_grad([[0.0, 0.0]], [2.0], 0).tolist()
    [[1.0, -1.0]]
    """
    W, phi = _validate.weights_and_inputs(W, phi, x_name="phi")
    if phi.ndim != 1:
        raise ValueError(f"phi must be one state of shape ({W.shape[0]},), got {phi.shape}")
    return np.outer(phi, log_softmax_grad(phi @ W, a))


def policy_gradient(
    W: ArrayLike, phi: ArrayLike, actions: ArrayLike, weights: ArrayLike
) -> NDArray[np.float64]:
    """Weighted sum of score functions: ``Σ_b w_b ∇_W log π(a_b|φ_b)``.

    Computed as one product ``φᵀ (w ⊙ (onehot(a) − π))``; with w the advantages this is the
    REINFORCE / actor-critic ascent direction (Williams 1992; Sutton & Barto §13.3–13.5).

    Args:
        W: weights (D, K).
        phi: features (B, D), or one state (D,).
        actions: integer actions (B,) in [0, K), or one action.
        weights: per-example weights (B,), or one weight; finite.

    Returns:
        (D, K), the shape of W.
    """
    W, phi = _validate.weights_and_inputs(W, phi, x_name="phi")
    weights = _validate.weights(weights, phi.shape[:-1])
    scores = log_softmax_grad(phi @ W, actions)
    return np.atleast_2d(phi).T @ np.atleast_2d(weights[..., None] * scores)


def actor_logit_grad(
    z: ArrayLike, actions: ArrayLike, weights: ArrayLike, entropy_coef: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Gradient of ``Σ_b [w_b log π(a_b|z_b) + β H(π_b)]`` with respect to the logits, and H.

    The actor's objective in advantage actor-critic (Mnih et al. 2016) with w the advantages:
    per row ``w_b (e_{a_b} − π_b) − β π_b ⊙ (log π_b + H_b)`` — ``log_softmax_grad`` and
    ``softmax_entropy_grad`` at once, from one log-softmax (the speed form of the two).

    Args:
        z: logits (B, K).
        actions: integer actions (B,) in [0, K).
        weights: per-row weights w (B,), finite.
        entropy_coef: β, finite.

    Returns:
        The gradient (B, K) and the entropies H(π_b) (B,).
    """
    z = _validate.float_array("z", z, ndims=(2,))
    actions = _validate.actions(actions, z.shape[-1], z.shape[:-1])
    weights = _validate.weights(weights, z.shape[:-1])
    if not np.isfinite(entropy_coef):
        raise ValueError(f"entropy_coef must be finite, got {entropy_coef}")
    log_pi = log_softmax_unchecked(z)
    pi = np.exp(log_pi)
    entropy = -(pi * log_pi).sum(axis=-1)
    grad = -weights[:, None] * pi - entropy_coef * pi * (log_pi + entropy[:, None])
    grad[np.arange(len(actions)), actions] += weights
    return grad, entropy
