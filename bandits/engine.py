"""The vectorised experiment engine: R independent runs × T steps of any bandit policy at once.

Each step is three array calls on all runs together — ``policy.select(rng)``,
``env.step(actions, rng)``, ``policy.update(actions, rewards)`` — with state of shape
(n_runs, n_arms) and one ``numpy.random.Generator`` drawing for every run. The per-step
measurements are averaged over the runs, each with its standard error ``s / sqrt(R)`` (``s``
the sample standard deviation over runs):

- mean reward ``R̄_t``,
- fraction of runs that pulled an optimal arm,
- cumulative pseudo-regret ``Σ_{s≤t} (μ* − μ(A_s))``.

Source: Sutton & Barto (2nd ed.) §2.3 (averages over 2000 runs); Lattimore & Szepesvári,
*Bandit Algorithms* (2020), §4.5 (pseudo-regret).

Example:
    >>> import numpy as np
    >>> from bandits.environments import BernoulliBandit
    >>> from bandits.policies import UCB
    >>> rng = np.random.default_rng(0)
    >>> curves = run(UCB(2, n_runs=100, c=2.0), BernoulliBandit([0.1, 0.9], n_runs=100), 50, rng)
    >>> curves.mean_reward.shape, bool(curves.optimal[-1] > 0.5)
    ((50,), True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bandits import _checks
from bandits.environments import BernoulliBandit, GaussianBandit
from bandits.policies import Policy

__all__ = ["Curves", "Moments", "block_bytes", "mean_and_stderr", "run"]

FloatArray = NDArray[np.float64]

# Per-step values are buffered for up to this many (step, run) entries and steps, then reduced
# over runs (and the progress callback told). 2¹⁵ entries keep the three buffers (3 × 256 KiB)
# in a core's L2 cache next to the policy's state: with 2¹⁸ they spill, and each step at
# R = 2000 cost ≈ 25 µs more (measured with benchmarks/bench_bandits.py).
_BUFFER_ENTRIES = 1 << 15
_BUFFER_STEPS = 100


@dataclass(frozen=True)
class Moments:
    """Mean and sum of squared deviations of a quantity over ``count`` independent runs.

    Two sets of runs merge exactly in the mathematics (Chan, Golub & LeVeque 1979)::

        n = n_a + n_b,  δ = x̄_b − x̄_a,  x̄ = x̄_a + δ·n_b/n,  M₂ = M₂_a + M₂_b + δ²·n_a·n_b/n

    so blocks of runs can be reduced one at a time in bounded memory; merged in the same
    order, the same blocks give the same numbers bit for bit.

    Attributes:
        count: the number of runs n.
        mean: the mean over runs x̄ (any shape: a scalar, or one value per step).
        m2: the sum of squared deviations from the mean, Σ (x − x̄)², same shape.
    """

    count: int
    mean: FloatArray
    m2: FloatArray

    @classmethod
    def of(cls, values: FloatArray, axis: int = -1) -> Moments:
        """The moments of ``values`` with the runs along ``axis``."""
        values = np.asarray(values, dtype=np.float64)
        mean = values.mean(axis=axis)
        deviations = values - np.expand_dims(mean, axis)
        return cls(values.shape[axis], mean, np.square(deviations, out=deviations).sum(axis=axis))

    @property
    def stderr(self) -> FloatArray:
        """The standard error of the mean ``s / sqrt(n)``, ``s² = M₂ / (n − 1)``; nan if n < 2."""
        if self.count < 2:
            return np.full_like(self.mean, np.nan)
        return np.sqrt(self.m2 / (self.count - 1) / self.count)

    def merge(self, other: Moments) -> Moments:
        """The moments of the runs of ``self`` followed by those of ``other``."""
        count = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / count)
        m2 = self.m2 + other.m2 + np.square(delta) * (self.count * other.count / count)
        return Moments(count, mean, m2)


@dataclass(frozen=True)
class Curves:
    """The measurements of one experiment, as moments over runs (so blocks of runs merge).

    Attributes:
        step_reward: (T,) moments of the reward at each step.
        step_optimal: (T,) moments of "pulled an optimal arm" (0 or 1) at each step.
        step_regret: (T,) moments of the cumulative pseudo-regret after each step.
        run_mean_reward: moments of each run's average reward over all T steps.
        run_final_reward: moments of each run's average reward over the last ``window`` steps.
        run_final_optimal: moments of each run's fraction of optimal pulls over the last
            ``window`` steps.
        window: the number of final steps the ``run_final_*`` moments average.
    """

    step_reward: Moments
    step_optimal: Moments
    step_regret: Moments
    run_mean_reward: Moments
    run_final_reward: Moments
    run_final_optimal: Moments
    window: int

    @property
    def mean_reward(self) -> FloatArray:
        """(T,) mean reward at each step."""
        return self.step_reward.mean

    @property
    def reward_stderr(self) -> FloatArray:
        """(T,) its standard error."""
        return self.step_reward.stderr

    @property
    def optimal(self) -> FloatArray:
        """(T,) fraction of runs that pulled an optimal arm."""
        return self.step_optimal.mean

    @property
    def optimal_stderr(self) -> FloatArray:
        """(T,) its standard error."""
        return self.step_optimal.stderr

    @property
    def regret(self) -> FloatArray:
        """(T,) mean cumulative pseudo-regret after each step."""
        return self.step_regret.mean

    @property
    def regret_stderr(self) -> FloatArray:
        """(T,) its standard error."""
        return self.step_regret.stderr

    @property
    def n_steps(self) -> int:
        """The number of steps T."""
        return self.step_reward.mean.size

    @property
    def n_runs(self) -> int:
        """The number of runs R."""
        return self.step_reward.count

    def merge(self, other: Curves) -> Curves:
        """The curves of the runs of ``self`` followed by those of ``other`` (same T, window)."""
        if (other.n_steps, other.window) != (self.n_steps, self.window):
            raise ValueError(
                f"cannot merge curves of (steps, window) = {(other.n_steps, other.window)} "
                f"into {(self.n_steps, self.window)}"
            )
        fields = (name for name in self.__dataclass_fields__ if name != "window")
        merged = {name: getattr(self, name).merge(getattr(other, name)) for name in fields}
        return Curves(**merged, window=self.window)


def mean_and_stderr(values: FloatArray, axis: int = -1) -> tuple[FloatArray, FloatArray]:
    """Mean over independent runs and its standard error ``s / sqrt(n)``.

    ``s`` is the sample standard deviation (``ddof = 1``); with a single run the standard
    error is undefined and returned as ``nan``.

    Args:
        values: array with the runs along ``axis``.
        axis: the axis of the runs.

    Returns:
        ``(mean, stderr)``, each with ``axis`` removed.
    """
    moments = Moments.of(values, axis)
    return moments.mean, moments.stderr


def block_bytes(n_runs: int, n_arms: int, n_steps: int) -> int:
    """An upper estimate of the memory ``run`` needs for ``n_runs`` runs of ``n_arms`` arms.

    Counts the policy's and environment's (runs, arms) arrays (at most eight, temporaries
    included), the per-run vectors, the step buffers and the (T,) curves.

    Args:
        n_runs: R.
        n_arms: K.
        n_steps: T.

    Returns:
        Bytes.
    """
    entries = min(n_runs * min(n_steps, _BUFFER_STEPS), max(_BUFFER_ENTRIES, n_runs))
    return 8 * (8 * n_runs * n_arms + 16 * n_runs + 3 * entries + 12 * n_steps)


def _check_sizes(policy: Policy, env: GaussianBandit | BernoulliBandit, n_steps: int) -> int:
    n_steps = _checks.count("n_steps", n_steps)
    if (policy.n_runs, policy.n_arms) != (env.n_runs, env.n_arms):
        raise ValueError(
            f"policy has (n_runs, n_arms) = {(policy.n_runs, policy.n_arms)} but the "
            f"environment has {(env.n_runs, env.n_arms)}; they must match"
        )
    return int(n_steps)


def run(
    policy: Policy,
    env: GaussianBandit | BernoulliBandit,
    n_steps: int,
    rng: np.random.Generator,
    *,
    window: int = 100,
    progress: Callable[[int], object] | None = None,
) -> Curves:
    """Run ``policy`` on ``env`` for ``n_steps`` steps, all runs at once.

    Args:
        policy: any policy of the protocol, with ``n_runs`` and ``n_arms`` equal to the env's.
        env: the bandit problems, one per run.
        n_steps: the horizon T >= 1.
        rng: the one generator for every draw (policy and rewards); same seed → same curves.
        window: the number of final steps summarised per run, >= 1 (clipped to ``n_steps``).
        progress: called with the number of steps just done, after every block of <= 100.

    Returns:
        The per-step curves with their standard errors, and per-run summaries.
    """
    n_steps = _check_sizes(policy, env, n_steps)
    window = min(_checks.count("window", window), n_steps)
    n_runs = env.n_runs
    chunk = max(1, min(n_steps, _BUFFER_STEPS, _BUFFER_ENTRIES // n_runs))
    rewards = np.empty((chunk, n_runs))
    optimal = np.empty((chunk, n_runs))
    regret = np.empty((chunk, n_runs))
    step_stats = np.empty((6, n_steps))  # mean and M₂ of reward, optimal, regret
    cumulative = np.zeros(n_runs)
    reward_total = np.zeros(n_runs)
    final_reward = np.zeros(n_runs)
    final_optimal = np.zeros(n_runs)
    for start in range(0, n_steps, chunk):
        size = min(chunk, n_steps - start)
        for i in range(size):
            actions = policy.select(rng)
            rewards[i], gaps = env.step(actions, rng)
            policy.update(actions, rewards[i])
            optimal[i] = gaps == 0.0
            cumulative += gaps
            regret[i] = cumulative
        block = slice(start, start + size)
        for row, values in enumerate((rewards, optimal, regret)):
            moments = Moments.of(values[:size])
            step_stats[2 * row, block], step_stats[2 * row + 1, block] = moments.mean, moments.m2
        reward_total += rewards[:size].sum(axis=0)
        tail = max(0, n_steps - window - start)  # rows of this block inside the final window
        final_reward += rewards[tail:size].sum(axis=0)
        final_optimal += optimal[tail:size].sum(axis=0)
        if progress is not None:
            progress(size)
    return Curves(
        step_reward=Moments(n_runs, step_stats[0], step_stats[1]),
        step_optimal=Moments(n_runs, step_stats[2], step_stats[3]),
        step_regret=Moments(n_runs, step_stats[4], step_stats[5]),
        run_mean_reward=Moments.of(reward_total / n_steps),
        run_final_reward=Moments.of(final_reward / window),
        run_final_optimal=Moments.of(final_optimal / window),
        window=window,
    )
