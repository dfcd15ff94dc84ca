"""Actor-critic learning: GAE, gradient clipping, an A2C update on a batch (or PPO's several).

Pure functions on arrays and ``a2c_update``; the optimiser is ``gradients.optim.Adam``, the
project's one Adam (re-exported here, where checkpoints and the trainer import it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from gradients.optim import Adam
from nethack_agent.policy import action_log_probs, policy_loss_grad, value

__all__ = [
    "Adam",
    "UpdateStats",
    "a2c_update",
    "clip_by_global_norm",
    "gae",
    "policy_gradient_estimate",
    "shaped_rewards",
]


def shaped_rewards(rewards: np.ndarray, terminated: np.ndarray, death_penalty: float) -> np.ndarray:
    """Reward shaping for dying: ``r'_t = r_t − penalty · [the character died at step t]``.

    Args:
        rewards: (T, N) rewards (in-game score changes).
        terminated: (T, N) bool, the game ended at that step in death or, on the Challenge,
            in the no-progress timeout (not at a key limit).
        death_penalty: score points a death costs (≥ 0).

    Returns:
        (T, N) shaped rewards (a new array).
    """
    return rewards - death_penalty * np.asarray(terminated, dtype=np.float64)


def gae(
    rewards: np.ndarray,
    values: np.ndarray,
    last_values: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    gamma: float,
    lam: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Generalised advantage estimates and λ-returns (Schulman et al. 2016, eq. 16).

    ``δ_t = r_t + γ V_next,t − V(s_t)``, ``A_t = δ_t + γλ (1 − done_t) A_{t+1}``, where
    ``V_next,t`` is 0 if the game ended at t (``terminated``), ``V(s_t)`` itself if it was cut
    by the time limit (``truncated``: the state after the cut is gone, so the value of the last
    state stands in for it), else ``V(s_{t+1})`` (``last_values`` after the last step). With
    λ = 1 and V = 0 the advantages are the discounted returns ``G_t = r_t + γ G_{t+1}``.

    Args:
        rewards: (T, N).
        values: (T, N), V(s_t).
        last_values: (N,), V of the observation after the last step.
        terminated: (T, N) bool, the game ended at t.
        truncated: (T, N) bool, the episode was cut at t.
        gamma: discount γ in [0, 1].
        lam: GAE λ in [0, 1].

    Returns:
        advantages (T, N) and returns = advantages + values (T, N).
    """
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {lam}")
    if not rewards.shape == values.shape == terminated.shape == truncated.shape:
        raise ValueError(
            "rewards, values, terminated and truncated must have one shape (T, N), got "
            f"{rewards.shape}, {values.shape}, {terminated.shape}, {truncated.shape}"
        )
    next_values = np.concatenate([values[1:], last_values[None]], axis=0)
    next_values = np.where(truncated, values, next_values)
    next_values = np.where(terminated, 0.0, next_values)
    deltas = rewards + gamma * next_values - values
    not_done = 1.0 - (terminated | truncated)
    advantages = np.zeros_like(deltas, dtype=np.float64)
    _discounted_backwards(
        deltas.reshape(len(deltas), -1),
        gamma * lam,
        not_done.reshape(len(deltas), -1),
        advantages.reshape(len(deltas), -1),
    )
    return advantages, advantages + values


@numba.njit(cache=True)
def _discounted_backwards(deltas, discount, not_done, out):
    """``out[t] = deltas[t] + discount · not_done[t] · out[t + 1]``, from the last t back.

    (Arrays (T, N), one pass over the batch; the same operations, in the same order, as the
    numpy loop ``running = deltas[t] + discount * not_done[t] * running``.)
    """
    running = np.zeros(deltas.shape[1])
    for t in range(deltas.shape[0] - 1, -1, -1):
        for n in range(deltas.shape[1]):
            running[n] = deltas[t, n] + discount * not_done[t, n] * running[n]
            out[t, n] = running[n]


def clip_by_global_norm(
    grads: dict[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Scale all gradients by ``min(1, max_norm / ‖g‖)``, ‖g‖ the norm of them all together.

    Args:
        grads: name → gradient array.
        max_norm: the largest allowed global norm, > 0.

    Returns:
        The clipped gradients and the norm before clipping.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
    scale = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {name: g * scale for name, g in grads.items()}, norm


@dataclass(frozen=True)
class UpdateStats:
    """What one update measured."""

    entropy: float
    """mean policy entropy over the batch (nats)"""
    value_loss: float
    """mean squared error of the baseline against the λ-returns (scaled rewards)"""
    grad_norm: float
    """global gradient norm before clipping"""


def a2c_update(
    params: dict[str, np.ndarray],
    optimiser: Adam,
    batch: dict[str, np.ndarray],
    *,
    gamma: float,
    gae_lambda: float,
    entropy_coef: float,
    value_coef: float,
    max_grad_norm: float,
    reward_scale: float,
    epochs: int = 1,
    clip: float = 0.2,
) -> UpdateStats:
    """One advantage actor-critic update on a rollout (Mnih et al. 2016), in place.

    Advantages by GAE on rewards × ``reward_scale``, normalised over the batch; the loss is
    ``policy_loss + value_coef · ½ mean (V − G^λ)²``; gradients are clipped to a global norm of
    ``max_grad_norm`` and applied by ``optimiser``. With ``epochs`` > 1 the batch is used
    again, that many optimiser steps in all, by PPO's clipped objective (Schulman et al. 2017,
    eq. 7): from the second step on, each sample's advantage is weighted by the ratio
    ρ = π(a|s) / π_first(a|s) to the policy of the first step, and dropped where ρ has left
    [1 − clip, 1 + clip] in the direction its advantage pushes (there ``min(ρA, clip(ρ)A)`` is
    flat). The advantages and λ-returns stay those of the first step. ``epochs`` = 1 is A2C.

    Args:
        params: parameters, updated in place.
        optimiser: the Adam state, updated in place.
        batch: ``psi`` (T, N, Ds), ``phi`` (T, N, 8, Dd), ``actions`` (T, N), ``rewards``,
            ``terminated``, ``truncated`` (T, N), ``last_psi`` (N, Ds).
        gamma: discount γ.
        gae_lambda: GAE λ.
        entropy_coef: entropy bonus β.
        value_coef: weight of the baseline's loss.
        max_grad_norm: global gradient norm clip.
        reward_scale: rewards are multiplied by it before GAE.
        epochs: optimiser steps on the batch, ≥ 1.
        clip: PPO's ε, > 0 (used when ``epochs`` > 1).

    Returns:
        The first step's ``UpdateStats``.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if not clip > 0:
        raise ValueError(f"clip must be > 0, got {clip}")
    flat_psi, flat_phi, actions, values, flat_adv, flat_returns = _advantages(
        params, batch, gamma, gae_lambda, reward_scale
    )
    first_log_prob = action_log_probs(params, flat_psi, flat_phi, actions) if epochs > 1 else None
    stats = None
    for epoch in range(epochs):
        weights = flat_adv
        if epoch:
            ratio = np.exp(action_log_probs(params, flat_psi, flat_phi, actions) - first_log_prob)
            flat = ((ratio > 1 + clip) & (flat_adv > 0)) | ((ratio < 1 - clip) & (flat_adv < 0))
            weights = np.where(flat, 0.0, ratio * flat_adv)
        grads, mean_entropy = policy_loss_grad(
            params, flat_psi, flat_phi, actions, weights, entropy_coef
        )
        value_error = (values if epoch == 0 else value(params, flat_psi)) - flat_returns
        grads["v"] = value_coef * flat_psi.T @ value_error / len(value_error)
        grads, norm = clip_by_global_norm(grads, max_grad_norm)
        optimiser.step(params, grads)
        if stats is None:
            stats = UpdateStats(
                entropy=mean_entropy, value_loss=float(np.mean(value_error**2)), grad_norm=norm
            )
    return stats


def policy_gradient_estimate(
    params: dict[str, np.ndarray],
    batch: dict[str, np.ndarray],
    *,
    gamma: float,
    gae_lambda: float,
    entropy_coef: float,
    reward_scale: float,
) -> np.ndarray:
    """The policy's gradient that ``a2c_update`` takes from one rollout, before clipping.

    The same advantages (GAE on scaled rewards, normalised over the batch) and the same loss
    as its first optimiser step; the baseline's gradient is left out.

    Args:
        params: parameters.
        batch: a rollout, as ``a2c_update`` takes it.
        gamma: discount γ.
        gae_lambda: GAE λ.
        entropy_coef: entropy bonus β.
        reward_scale: rewards are multiplied by it before GAE.

    Returns:
        The gradient of the policy's loss with respect to every policy parameter, each
        flattened and concatenated in ``params``' order (the baseline ``v`` left out).
    """
    flat_psi, flat_phi, actions, _, flat_adv, _ = _advantages(
        params, batch, gamma, gae_lambda, reward_scale
    )
    grads, _ = policy_loss_grad(params, flat_psi, flat_phi, actions, flat_adv, entropy_coef)
    return np.concatenate([grads[name].ravel() for name in params if name != "v"])


def _advantages(params, batch, gamma, gae_lambda, reward_scale):
    """A batch flattened over (T, N): ψ, φ, actions, values, normalised advantages, λ-returns."""
    psi = batch["psi"].astype(np.float64)
    values = value(params, psi)
    advantages, returns = gae(
        batch["rewards"] * reward_scale,
        values,
        value(params, batch["last_psi"].astype(np.float64)),
        batch["terminated"],
        batch["truncated"],
        gamma,
        gae_lambda,
    )
    flat_adv = advantages.ravel()
    flat_adv = (flat_adv - flat_adv.mean()) / (flat_adv.std() + 1e-8)
    return (
        psi.reshape(-1, psi.shape[-1]),
        batch["phi"].astype(np.float64).reshape(-1, *batch["phi"].shape[-2:]),
        batch["actions"].ravel(),
        values.ravel(),
        flat_adv,
        returns.ravel(),
    )
