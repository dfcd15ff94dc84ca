"""Stationary bandit problems for many independent runs at once.

An environment holds the expected reward of every arm in every run, ``means`` of shape
(n_runs, n_arms), and draws the rewards of one step for all runs with one call on a
``numpy.random.Generator``. Like bsuite's environments it also knows its own regret: the
pseudo-regret of pulling arm ``a`` is ``max_b means[b] - means[a]``.

Source: Sutton & Barto, *Reinforcement Learning: An Introduction* (2nd ed.), §2.3 (the
10-armed testbed); Lattimore & Szepesvári, *Bandit Algorithms* (2020), §4.5 (Bernoulli
bandits, pseudo-regret).

Example:
    >>> import numpy as np
    >>> env = BernoulliBandit([0.2, 0.8], n_runs=3)
    >>> rewards, gaps = env.step(np.array([0, 1, 1]), np.random.default_rng(0))
    >>> rewards.shape, gaps.tolist()
    ((3,), [0.6000000000000001, 0.0, 0.0])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bandits import _checks

__all__ = ["BernoulliBandit", "GaussianBandit", "gaussian_testbed"]

FloatArray = NDArray[np.float64]


class _Bandit:
    """Shared bookkeeping: the (n_runs, n_arms) means and the regret of an action.

    Subclasses define ``_draw(arm_means, rng)``, the rewards of one step given the means of
    the pulled arms.
    """

    def __init__(self, means: NDArray[np.float64]) -> None:
        self.means = np.array(means, dtype=np.float64)  # a private, read-only copy
        self.means.flags.writeable = False
        self.n_runs, self.n_arms = means.shape
        self.best_means = means.max(axis=-1)
        # means[run, a] as flat[run * K + a]: a 1-D gather is ~3x faster than 2-D indexing
        self._flat_means = self.means.ravel()
        self._row_starts = np.arange(self.n_runs) * self.n_arms

    def _arm_means(self, actions: ArrayLike) -> FloatArray:
        """``means[run, actions[run]]`` for every run, after checking the actions."""
        actions = _checks.arm_indices(actions, self.n_runs, self.n_arms)
        return self._flat_means[self._row_starts + actions]

    def gaps(self, actions: ArrayLike) -> NDArray[np.float64]:
        """Pseudo-regret of one step, ``Δ(a) = max_b μ(b) − μ(a)`` per run.

        Args:
            actions: (n_runs,) int, the arm pulled in each run.

        Returns:
            (n_runs,) float, zero where the arm is optimal.
        """
        return self.best_means - self._arm_means(actions)

    def step(
        self, actions: ArrayLike, rng: np.random.Generator
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Pull one arm in every run: the rewards and the pseudo-regret of the step.

        Args:
            actions: (n_runs,) int in [0, n_arms).
            rng: draws the rewards of all runs with one call.

        Returns:
            ``(rewards, gaps)``, each (n_runs,) float; ``gaps`` as in ``gaps``.
        """
        arm_means = self._arm_means(actions)
        return self._draw(arm_means, rng), self.best_means - arm_means


class GaussianBandit(_Bandit):
    """Arms with Gaussian rewards ``R ~ N(means[run, a], reward_std²)``.

    Args:
        means: (n_runs, n_arms) expected rewards, finite.
        reward_std: standard deviation of every reward, > 0.
    """

    def __init__(self, means: ArrayLike, *, reward_std: float = 1.0) -> None:
        means = np.asarray(means, dtype=np.float64)
        if means.ndim != 2 or means.size == 0:
            raise ValueError(f"means must be a non-empty (n_runs, n_arms) array, got {means.shape}")
        if not np.all(np.isfinite(means)):
            raise ValueError("means must be finite, got nan or inf")
        reward_std = _checks.real("reward_std", reward_std)
        if reward_std <= 0:
            raise ValueError(f"reward_std must be > 0, got {reward_std}")
        super().__init__(means)
        self.reward_std = reward_std

    def _draw(
        self, arm_means: NDArray[np.float64], rng: np.random.Generator
    ) -> NDArray[np.float64]:
        """``arm_means + reward_std · ε`` with one ``standard_normal(n_runs)`` call."""
        return arm_means + self.reward_std * rng.standard_normal(self.n_runs)


class BernoulliBandit(_Bandit):
    """Arms with rewards in {0, 1}, ``P(R = 1 | a) = means[a]``, the same arms in every run.

    Args:
        means: (n_arms,) success probabilities in [0, 1], at least two arms.
        n_runs: number of independent runs.
    """

    def __init__(self, means: ArrayLike, *, n_runs: int = 1) -> None:
        means = _checks.bernoulli_means("means", means)
        n_runs = _checks.count("n_runs", n_runs)
        super().__init__(np.tile(means, (n_runs, 1)))

    @classmethod
    def testbed(cls, n_runs: int, n_arms: int, rng: np.random.Generator) -> BernoulliBandit:
        """A Bernoulli testbed: every run its own arms, ``μ(a) ~ U(0, 1)`` independently.

        Args:
            n_runs: number of independent bandit problems R, >= 1.
            n_arms: arms per problem K, >= 2.
            rng: draws all means with one ``random((n_runs, n_arms))`` call.

        Returns:
            A ``BernoulliBandit`` with ``means`` of shape (n_runs, n_arms).
        """
        shape = (_checks.count("n_runs", n_runs), _checks.count("n_arms", n_arms, 2))
        env = cls.__new__(cls)  # per-run means: the shared bookkeeping takes them as they are
        _Bandit.__init__(env, rng.random(shape))
        return env

    def _draw(
        self, arm_means: NDArray[np.float64], rng: np.random.Generator
    ) -> NDArray[np.float64]:
        """``1.0`` with probability ``arm_means``, else ``0.0``; one ``random(n_runs)`` call."""
        return (rng.random(self.n_runs) < arm_means).astype(np.float64)


def gaussian_testbed(
    n_runs: int,
    n_arms: int,
    rng: np.random.Generator,
    *,
    q_mean: float = 0.0,
    q_std: float = 1.0,
    reward_std: float = 1.0,
) -> GaussianBandit:
    """The k-armed testbed: ``q*(a) ~ N(q_mean, q_std²)`` per run, rewards ``N(q*(a), 1)``.

    Sutton & Barto (2nd ed.) §2.3 uses ``q_mean = 0``; §2.8 (Figure 2.5) uses ``q_mean = +4``.

    Args:
        n_runs: number of independent bandit problems R, >= 1.
        n_arms: arms per problem K, >= 2.
        rng: draws all ``q*`` with one ``normal(size=(n_runs, n_arms))`` call.
        q_mean: mean of the true action values.
        q_std: spread of the true action values, > 0.
        reward_std: reward noise around ``q*(a)``, > 0.

    Returns:
        A ``GaussianBandit`` with ``means`` of shape (n_runs, n_arms).
    """
    n_runs = _checks.count("n_runs", n_runs)
    n_arms = _checks.count("n_arms", n_arms)
    if n_arms < 2:
        raise ValueError(f"n_arms must be >= 2, got {n_arms}")
    q_mean = _checks.real("q_mean", q_mean)
    q_std = _checks.real("q_std", q_std)
    if q_std <= 0:
        raise ValueError(f"q_std must be > 0, got {q_std}")
    q_star = rng.normal(q_mean, q_std, size=(n_runs, n_arms))
    return GaussianBandit(q_star, reward_std=reward_std)
