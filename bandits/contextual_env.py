"""Contextual bandit problems for many runs at once, and the loop that plays a policy on them.

An environment draws one context per run with ``observe(rng)``, (n_runs, n_features); then
``step(actions, rng)`` returns the rewards of the chosen arms for those contexts and the
pseudo-regret ``max_b μ(x, b) − μ(x, a)``. ``means`` holds the expected reward of every arm
for the current contexts, (n_runs, n_arms), so the optimal policy is known.

- ``LinearBandit``: ``μ(x, a) = θ*_aᵀx``, Gaussian contexts and reward noise.
- ``ClassificationBandit``: the supervised-to-bandit conversion of a multiclass data set —
  the context is an example's features, an action is a class, the reward is 1 for the right
  class and 0 otherwise (Dudík, Langford & Li, *Doubly robust policy evaluation and
  learning*, ICML 2011, §5; Bietti, Agarwal & Langford, *A contextual bandit bake-off*, 2021).
  ``digits_bandit`` converts scikit-learn's bundled digits (1,797 8×8 images, 10 classes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bandits import _checks
from bandits.contextual import ContextualPolicy
from bandits.engine import mean_and_stderr

__all__ = [
    "ClassificationBandit",
    "ContextualEnvironment",
    "LinearBandit",
    "RegretCurves",
    "digits_bandit",
    "play",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class _ContextualBandit:
    """The current contexts' expected rewards and the regret of an action, shared."""

    n_runs: int
    n_arms: int
    n_features: int
    means: FloatArray

    def _arm_means(self, actions: ArrayLike) -> FloatArray:
        if not hasattr(self, "means"):
            raise ValueError("call observe(rng) before step: there is no context yet")
        actions = _checks.arm_indices(actions, self.n_runs, self.n_arms)
        return np.take_along_axis(self.means, actions[:, None], axis=-1)[:, 0]

    def gaps(self, actions: ArrayLike) -> FloatArray:
        """Pseudo-regret of one round, ``max_b μ(x, b) − μ(x, a)`` per run, (n_runs,)."""
        return self.means.max(axis=-1) - self._arm_means(actions)


class LinearBandit(_ContextualBandit):
    """A linear contextual bandit: ``R = θ*_aᵀx + σε`` with ``x ~ N(0, I_d)``, ``ε ~ N(0, 1)``.

    Each run has its own ``θ*_a ~ N(0, I_d / d)`` for every arm, or all runs share one (so
    ``μ(x, a)`` has variance about 1, like the 10-armed testbed); the optimal arm for x is
    ``argmax_a θ*_aᵀx``.

    Args:
        n_arms: K ≥ 2.
        n_features: d ≥ 1.
        rng: draws every ``θ*`` with one ``standard_normal((n_runs, n_arms, n_features))``.
        n_runs: independent runs R.
        noise_std: σ ≥ 0.
        shared: one ``θ*`` for every run (drawn with shape (1, K, d)): R runs of the same
            problem, as off-policy evaluation needs; else a problem per run.

    Attributes:
        theta_star: (R, K, d) true parameters.
    """

    def __init__(
        self,
        n_arms: int,
        n_features: int,
        rng: np.random.Generator,
        *,
        n_runs: int = 1,
        noise_std: float = 1.0,
        shared: bool = False,
    ):
        self.n_arms = _checks.count("n_arms", n_arms, minimum=2)
        self.n_features = _checks.count("n_features", n_features)
        self.n_runs = _checks.count("n_runs", n_runs)
        self.noise_std = _checks.real("noise_std", noise_std, 0.0)
        shape = (1 if shared else self.n_runs, self.n_arms, self.n_features)
        theta_star = rng.standard_normal(shape) / np.sqrt(self.n_features)
        self.theta_star = np.broadcast_to(theta_star, (self.n_runs, *shape[1:]))

    def observe(self, rng: np.random.Generator) -> FloatArray:
        """New contexts, ``rng.standard_normal((n_runs, n_features))``; sets ``means``."""
        contexts = rng.standard_normal((self.n_runs, self.n_features))
        self.means = np.einsum("rkd,rd->rk", self.theta_star, contexts)
        return contexts

    def step(self, actions: ArrayLike, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """Rewards ``μ(x, a) + σ·standard_normal(R)`` and the pseudo-regret, each (n_runs,)."""
        arm_means = self._arm_means(actions)
        rewards = arm_means + self.noise_std * rng.standard_normal(self.n_runs)
        return rewards, self.means.max(axis=-1) - arm_means


class ClassificationBandit(_ContextualBandit):
    """A multiclass data set as a bandit: context = features, action = class, reward = 1 if right.

    Every round each run draws one example uniformly with replacement; the expected reward
    of arm a is ``1[a = y]``, so the rewards are deterministic and the optimal policy is the
    true label (regret 1 per wrong answer).

    Args:
        features: (n_examples, d) finite.
        labels: (n_examples,) integers in [0, n_classes).
        n_runs: independent runs R.
        n_classes: the number of arms K ≥ 2; default ``max(labels) + 1``.
    """

    def __init__(
        self,
        features: ArrayLike,
        labels: ArrayLike,
        *,
        n_runs: int = 1,
        n_classes: int | None = None,
    ):
        features = np.asarray(features, dtype=np.float64)
        labels = np.asarray(labels)
        if features.ndim != 2 or features.shape[0] == 0:
            raise ValueError(f"features must be (n_examples, d), got shape {features.shape}")
        if not np.isfinite(features).all():
            raise ValueError("features must be finite, got nan or inf")
        if labels.shape != features.shape[:1]:
            raise ValueError(f"labels must have shape ({features.shape[0]},), got {labels.shape}")
        if labels.dtype.kind not in "iu":
            raise TypeError(f"labels must be integer classes, got dtype {labels.dtype}")
        top = int(labels.max()) + 1
        n_classes = top if n_classes is None else _checks.count("n_classes", n_classes, 2)
        if labels.min() < 0 or top > n_classes or n_classes < 2:
            raise ValueError(f"labels must lie in [0, {n_classes}) with n_classes >= 2")
        self.features = features
        self.labels = labels.astype(np.int64)
        self.n_runs = _checks.count("n_runs", n_runs)
        self.n_arms = n_classes
        self.n_features = features.shape[1]
        self._one_hot = np.eye(n_classes)[self.labels]

    def observe(self, rng: np.random.Generator) -> FloatArray:
        """Features of ``rng.integers(0, n_examples, n_runs)`` examples; sets ``means``."""
        self.examples = rng.integers(0, self.features.shape[0], self.n_runs)
        self.means = self._one_hot[self.examples]
        return self.features[self.examples]

    def step(self, actions: ArrayLike, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """Reward ``1[a = y]`` and regret ``1 − 1[a = y]``, each (n_runs,); ``rng`` is unused."""
        rewards = self._arm_means(actions)
        return rewards, 1.0 - rewards


def digits_bandit(*, n_runs: int = 1) -> ClassificationBandit:
    """scikit-learn's bundled digits as a 10-armed bandit (read from the package, no download).

    Contexts are the 64 pixel intensities scaled to [0, 1] and a constant 1 (the intercept),
    so d = 65.

    Args:
        n_runs: independent runs R.

    Returns:
        A ``ClassificationBandit`` with 1,797 examples and K = 10.
    """
    from sklearn.datasets import load_digits  # imported here: only this environment needs it

    digits = load_digits()
    features = np.column_stack([digits.data / 16.0, np.ones(len(digits.target))])
    return ClassificationBandit(features, digits.target, n_runs=n_runs, n_classes=10)


ContextualEnvironment = LinearBandit | ClassificationBandit


@dataclass(frozen=True)
class RegretCurves:
    """Cumulative regret and reward of a contextual experiment, mean over runs.

    Attributes:
        regret: (T,) mean cumulative pseudo-regret after each round.
        regret_stderr: (T,) its standard error over runs.
        reward: (T,) mean cumulative reward.
        reward_stderr: (T,) its standard error.
        n_runs: the number of runs R.
    """

    regret: FloatArray
    regret_stderr: FloatArray
    reward: FloatArray
    reward_stderr: FloatArray
    n_runs: int


def play(
    policy: ContextualPolicy,
    env: ContextualEnvironment,
    rounds: int,
    rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
) -> RegretCurves:
    """Play ``rounds`` rounds of every run: observe, select, step, update.

    Args:
        policy: a contextual policy with ``n_runs`` and ``n_arms`` of the environment.
        env: the environment.
        rounds: T ≥ 1.
        rng: draws contexts, actions and rewards, in that order each round.
        progress: called with the number of rounds done since the last call (every 100).

    Returns:
        The cumulative regret and reward curves.
    """
    rounds = _checks.count("rounds", rounds)
    if (policy.n_runs, policy.n_arms) != (env.n_runs, env.n_arms):
        raise ValueError(
            f"policy has {policy.n_runs} runs x {policy.n_arms} arms but the environment "
            f"{env.n_runs} x {env.n_arms}"
        )
    regret = np.zeros((rounds, env.n_runs))
    reward = np.zeros((rounds, env.n_runs))
    for t in range(rounds):
        contexts = env.observe(rng)
        actions = policy.select(contexts, rng)
        reward[t], regret[t] = env.step(actions, rng)
        policy.update(contexts, actions, reward[t])
        if progress is not None and (t + 1) % 100 == 0:
            progress(100)
    if progress is not None and rounds % 100:
        progress(rounds % 100)
    cumulative_regret = np.cumsum(regret, axis=0)
    cumulative_reward = np.cumsum(reward, axis=0)
    regret_mean, regret_stderr = mean_and_stderr(cumulative_regret)
    reward_mean, reward_stderr = mean_and_stderr(cumulative_reward)
    return RegretCurves(regret_mean, regret_stderr, reward_mean, reward_stderr, env.n_runs)
