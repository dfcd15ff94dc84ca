"""KL-UCB for Bernoulli rewards: the index that matches the Lai–Robbins lower bound.

The Bernoulli relative entropy

    kl(p, q) = p ln(p / q) + (1 − p) ln((1 − p) / (1 − q)),   0 ln 0 = 0,

gives the KL-UCB index of an arm pulled ``N`` times with sample mean ``μ̂`` at time ``t``

    U = max{ q ∈ [μ̂, 1] : N · kl(μ̂, q) ≤ ln t },

and the Lai–Robbins constant of a Bernoulli bandit with means ``μ`` (best ``μ*``)

    C(μ) = Σ_{a: μ_a < μ*} (μ* − μ_a) / kl(μ_a, μ*),

so that every consistent policy has ``liminf_T  E[regret(T)] / ln T ≥ C(μ)``; KL-UCB attains it.

Source: Garivier & Cappé, "The KL-UCB algorithm for bounded stochastic bandits and beyond",
COLT 2011 (their exploration threshold ``ln t + c ln ln t`` with ``c = 0``); Lai & Robbins,
"Asymptotically efficient adaptive allocation rules", Adv. Appl. Math. 6 (1985).

Example:
    >>> round(float(lai_robbins_constant([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])), 2)
    7.52
    >>> round(float(kl_ucb_index(0.5, 10, 5 * np.log(4 / 3))), 12)  # 10 kl(0.5, 0.75) = 5 ln(4/3)
    0.75
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import rel_entr, xlogy

from bandits import _checks
from bandits.policies import ActionValuePolicy, argmax_uniform, greedy_probabilities

__all__ = ["KLUCB", "bernoulli_kl", "kl_ucb_index", "lai_robbins_constant"]

_TOLERANCE = 1e-12
_MAX_ITERATIONS = 100


def bernoulli_kl(p: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
    """Relative entropy ``kl(p, q)`` of Bernoulli(p) from Bernoulli(q), elementwise.

    Args:
        p: probabilities in [0, 1], any shape.
        q: probabilities in [0, 1], broadcastable with ``p``.

    Returns:
        ``kl(p, q) ≥ 0`` in the broadcast shape; ``+inf`` where ``q ∈ {0, 1}`` and ``p ≠ q``.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    for name, value in (("p", p), ("q", q)):
        if not np.all((value >= 0) & (value <= 1)):
            raise ValueError(f"{name} must lie in [0, 1] (nan is not allowed)")
    return rel_entr(p, q) + rel_entr(1.0 - p, 1.0 - q)


def kl_ucb_index(means: ArrayLike, counts: ArrayLike, threshold: ArrayLike) -> NDArray[np.float64]:
    """The KL-UCB upper confidence bound ``max{q ∈ [μ̂, 1] : N · kl(μ̂, q) ≤ threshold}``.

    Solved for all entries at once by Newton's method in ``s = −ln(1 − q)``, where
    ``g(s) = kl(μ̂, 1 − e^{−s}) − d`` (``d = threshold / N``) is convex and increasing for
    ``q > μ̂`` with ``g'(s) = 1 − μ̂ / q``: started above the root, Newton descends onto it
    monotonically and converges quadratically. The start is the smaller of two upper bounds,
    Pinsker's ``q ≤ μ̂ + sqrt(d / 2)`` and ``(1 − μ̂) s ≤ d + H(μ̂)`` (from ``−μ̂ ln q ≥ 0``,
    ``H`` the binary entropy, which is exact for ``μ̂ = 0``). Five iterations typically reach
    float precision; the loop stops when no entry moves by more than 1e-12.

    Args:
        means: sample means ``μ̂`` in [0, 1], any shape, e.g. (n_runs, n_arms).
        counts: pull counts ``N ≥ 0``, broadcastable with ``means``; ``N = 0`` gives 1.
        threshold: exploration level ``ln t ≥ 0``, broadcastable (e.g. (n_runs, 1));
            ``threshold = 0`` gives ``μ̂``.

    Returns:
        The index in ``[μ̂, 1]``, in the broadcast shape.
    """
    means = np.asarray(means, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    threshold = np.asarray(threshold, dtype=np.float64)
    if not np.all((means >= 0) & (means <= 1)):
        raise ValueError("means must lie in [0, 1] (nan is not allowed)")
    if not np.all(counts >= 0):
        raise ValueError("counts must be >= 0 (nan is not allowed)")
    if not np.all((threshold >= 0) & np.isfinite(threshold)):
        raise ValueError("threshold (ln t) must be finite and >= 0")
    try:
        means, counts, threshold = np.broadcast_arrays(means, counts, threshold)
    except ValueError as error:
        raise ValueError(f"means, counts and threshold must broadcast together: {error}") from None
    return _kl_ucb_index(means, counts, threshold)


def _kl_ucb_index(
    means: NDArray[np.float64], counts: NDArray[np.float64], threshold: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``kl_ucb_index`` on checked arrays of one shape (the policy's hot path)."""
    solve = (counts > 0) & (means < 1) & (threshold > 0)
    p = np.where(solve, means, 0.5)  # placeholders keep the masked-out entries finite
    level = np.where(solve, threshold / np.where(solve, counts, 1.0), 1.0)
    one_minus_p = 1.0 - p
    neg_entropy = xlogy(p, p) + xlogy(one_minus_p, one_minus_p)
    with np.errstate(divide="ignore"):
        s_pinsker = -np.log1p(-np.minimum(1.0, p + np.sqrt(level / 2.0)))
    s = np.minimum(s_pinsker, (level - neg_entropy) / one_minus_p)
    q = -np.expm1(-s)
    offset = neg_entropy - level
    for _ in range(_MAX_ITERATIONS):
        # kl(p, q) − d = −H(p) − p ln q + (1 − p) s, using ln(1 − q) = −s exactly (q near 1
        # loses no precision); q > 0 here since d > 0, so p ln q is finite even for p = 0
        excess = offset - p * np.log(q) + one_minus_p * s
        s = s - excess * q / (q - p)
        q_next = -np.expm1(-s)
        converged = not np.any(np.abs(q_next - q) > _TOLERANCE)
        q = q_next
        if converged:
            break
    untried_or_certain = np.where((counts > 0) & (threshold == 0), means, 1.0)
    return np.where(solve, q, untried_or_certain)


def lai_robbins_constant(means: ArrayLike) -> float:
    """``C(μ) = Σ_{a: μ_a < μ*} (μ* − μ_a) / kl(μ_a, μ*)`` for Bernoulli arms.

    Args:
        means: (n_arms,) success probabilities in [0, 1], at least two arms.

    Returns:
        The constant in front of ``ln T`` in the asymptotic regret lower bound; 0 when every
        arm is optimal or ``μ* = 1`` (then ``kl(μ_a, 1) = ∞``).
    """
    means = _checks.bernoulli_means("means", means)
    best = means.max()
    suboptimal = means[means < best]
    return float(np.sum((best - suboptimal) / bernoulli_kl(suboptimal, best)))


class KLUCB(ActionValuePolicy):
    """KL-UCB for rewards in [0, 1]: play ``argmax_a U_t(a)``, untried arms first.

    ``U_t(a) = max{q : N_t(a) · kl(μ̂_t(a), q) ≤ ln t}`` with ``μ̂`` the sample mean and
    ``t = Σ_a N_t(a) + 1`` the current step (Garivier & Cappé 2011, with ``c = 0``). Ties are
    broken uniformly at random, and ``action_probabilities`` reports the split.

    Args:
        n_arms: the number of arms K.
        n_runs: the number of independent runs R.

    >>> KLUCB.from_history(2, [(0, 0.0), (1, 1.0)]).action_probabilities().tolist()
    [[0.0, 1.0]]
    """

    def __init__(self, n_arms: int, *, n_runs: int = 1):
        super().__init__(n_arms, n_runs=n_runs)

    def _check_rewards(self, rewards: NDArray[np.float64]) -> None:
        if np.any((rewards < 0.0) | (rewards > 1.0)):
            bad = rewards[(rewards < 0.0) | (rewards > 1.0)][0]
            raise ValueError(f"KL-UCB needs rewards in [0, 1], got {bad:g}")

    def scores(self) -> NDArray[np.float64]:
        """(n_runs, n_arms) KL-UCB indices, +inf for untried arms."""
        t = self.n_pulls.sum(axis=-1, keepdims=True) + 1
        counts = self.n_pulls.astype(np.float64)
        threshold = np.broadcast_to(np.log(t), counts.shape)
        index = _kl_ucb_index(self.q_est, counts, threshold)
        return np.where(self.n_pulls > 0, index, np.inf)

    def select(self, rng: np.random.Generator) -> NDArray[np.int64]:
        """One KL-UCB action per run, (n_runs,)."""
        return argmax_uniform(self.scores(), rng)

    def action_probabilities(self) -> NDArray[np.float64]:
        """(n_runs, n_arms): uniform over the arms of largest index."""
        return greedy_probabilities(self.scores())
