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

__all__ = ["Curves", "mean_and_stderr", "run"]

FloatArray = NDArray[np.float64]

# Per-step values are buffered for up to this many (step, run) entries and steps, then reduced
# over runs (and the progress callback told). 2¹⁵ entries keep the three buffers (3 × 256 KiB)
# in a core's L2 cache next to the policy's state: with 2¹⁸ they spill, and each step at
# R = 2000 cost ≈ 25 µs more (measured with benchmarks/bench_bandits.py).
_BUFFER_ENTRIES = 1 << 15
_BUFFER_STEPS = 100


@dataclass(frozen=True)
class Curves:
    """The measurements of one experiment, averaged over runs.

    Attributes:
        mean_reward: (T,) mean reward at each step.
        reward_stderr: (T,) its standard error.
        optimal: (T,) fraction of runs that pulled an optimal arm.
        optimal_stderr: (T,) its standard error.
        regret: (T,) mean cumulative pseudo-regret after each step.
        regret_stderr: (T,) its standard error.
        run_mean_reward: (R,) each run's average reward over all T steps.
        run_final_reward: (R,) each run's average reward over the last ``window`` steps.
        run_final_optimal: (R,) each run's fraction of optimal pulls over the last ``window``.
        window: the number of final steps the ``run_final_*`` arrays average.
    """

    mean_reward: FloatArray
    reward_stderr: FloatArray
    optimal: FloatArray
    optimal_stderr: FloatArray
    regret: FloatArray
    regret_stderr: FloatArray
    run_mean_reward: FloatArray
    run_final_reward: FloatArray
    run_final_optimal: FloatArray
    window: int

    @property
    def n_steps(self) -> int:
        """The number of steps T."""
        return self.mean_reward.size

    @property
    def n_runs(self) -> int:
        """The number of runs R."""
        return self.run_mean_reward.size


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
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[axis]
    mean = values.mean(axis=axis)
    if n < 2:
        return mean, np.full_like(mean, np.nan)
    deviations = values - np.expand_dims(mean, axis)
    variance = np.square(deviations, out=deviations).sum(axis=axis) / (n - 1)
    return mean, np.sqrt(variance / n)


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
    stats = np.empty((6, n_steps))
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
        stats[0, block], stats[1, block] = mean_and_stderr(rewards[:size])
        stats[2, block], stats[3, block] = mean_and_stderr(optimal[:size])
        stats[4, block], stats[5, block] = mean_and_stderr(regret[:size])
        reward_total += rewards[:size].sum(axis=0)
        tail = max(0, n_steps - window - start)  # rows of this block inside the final window
        final_reward += rewards[tail:size].sum(axis=0)
        final_optimal += optimal[tail:size].sum(axis=0)
        if progress is not None:
            progress(size)
    return Curves(
        mean_reward=stats[0],
        reward_stderr=stats[1],
        optimal=stats[2],
        optimal_stderr=stats[3],
        regret=stats[4],
        regret_stderr=stats[5],
        run_mean_reward=reward_total / n_steps,
        run_final_reward=final_reward / window,
        run_final_optimal=final_optimal / window,
        window=window,
    )
