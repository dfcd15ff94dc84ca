"""Bandit policies, vectorised over independent runs: one protocol for every policy.

Every state array has shape (n_runs, n_arms); a single history is ``n_runs = 1``. Each policy

- ``select(rng) -> (n_runs,)`` draws the next action of every run at once,
- ``update(actions, rewards)`` takes one (action, reward) per run, and
- ``action_probabilities() -> (n_runs, n_arms)`` is the exact distribution ``select`` samples.

Ties between maximisers are broken uniformly at random, and ``action_probabilities`` reports
the split (two tied arms → 1/2 each). Sources: Sutton & Barto, *Reinforcement Learning: An
Introduction*, 2nd ed., chapter 2; Russo et al., *A Tutorial on Thompson Sampling* (2018).

The module is layered: small pure functions on arrays first, then the policy classes.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar, Protocol, Self

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special, stats

import gradients
from bandits import _checks

__all__ = [
    "UCB",
    "ActionValuePolicy",
    "BetaThompson",
    "EpsilonGreedy",
    "GaussianThompson",
    "GradientBandit",
    "Greedy",
    "Policy",
    "argmax_uniform",
    "epsilon_greedy_probabilities",
    "greedy_probabilities",
    "max_probabilities",
    "sample_categorical",
    "ucb_scores",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# quad_vec tolerances for the Thompson integrals: well below the 1e-9 agreement promised.
_QUAD_EPSABS = 1e-13
_QUAD_EPSREL = 1e-12


class Policy(Protocol):
    """The protocol every bandit policy follows (vectorised over ``n_runs``)."""

    n_arms: int
    n_runs: int

    def select(self, rng: np.random.Generator) -> IntArray:
        """One action per run, (n_runs,) int64."""
        ...

    def update(self, actions: ArrayLike, rewards: ArrayLike) -> None:
        """Learn from one (action, reward) pair per run, each (n_runs,)."""
        ...

    def action_probabilities(self) -> FloatArray:
        """The exact distribution of the next ``select``, (n_runs, n_arms)."""
        ...


# ----------------------------------------------------------------------------------------------
# Pure functions: arrays in, arrays out.
# ----------------------------------------------------------------------------------------------


def greedy_probabilities(scores: ArrayLike) -> FloatArray:
    """Uniform distribution over the maximisers of each row.

    ``π(a) = 1[s_a = max_b s_b] / |argmax_b s_b|`` — greedy with ties broken uniformly.

    Args:
        scores: (..., K) finite or +inf scores.

    Returns:
        (..., K) probabilities.

    >>> greedy_probabilities([[1.0, 3.0, 3.0]]).tolist()
    [[0.0, 0.5, 0.5]]
    """
    scores = np.asarray(scores, dtype=np.float64)
    is_max = scores == scores.max(axis=-1, keepdims=True)
    return is_max / is_max.sum(axis=-1, keepdims=True)


def epsilon_greedy_probabilities(scores: ArrayLike, epsilon: float) -> FloatArray:
    """ε-greedy distribution: ``π = (1 − ε)·greedy(scores) + ε/K``.

    Sutton & Barto 2nd ed., §2.2: explore with probability ε, uniformly over all K arms.

    Args:
        scores: (..., K) action values.
        epsilon: exploration probability in [0, 1].

    Returns:
        (..., K) probabilities.
    """
    epsilon = _checks.real("epsilon", epsilon, 0.0, 1.0)
    greedy = greedy_probabilities(scores)
    return (1.0 - epsilon) * greedy + epsilon / greedy.shape[-1]


@numba.njit(cache=True)
def _maximisers(by_arm: FloatArray) -> tuple[IntArray, IntArray, int]:
    """First maximiser and number of maximisers of every run, from (K, R) scores (numba).

    The arms are the outer loop and the runs the inner one, so arm-major state is read in
    memory order. A run holding nan has no maximiser (count 0), as ``s == max(s)`` is false.

    Args:
        by_arm: (K, R) scores, any strides (a broadcast view is not copied).

    Returns:
        ``(first, n_max, n_other)``: (R,) int64 index of the first maximiser, (R,) int64
        number of maximisers, and the number of runs where that number is not 1.
    """
    n_arms, n_runs = by_arm.shape
    best = by_arm[0].copy()
    first = np.zeros(n_runs, np.int64)
    n_max = np.ones(n_runs, np.int64)
    has_nan = best != best
    for arm in range(1, n_arms):
        for run in range(n_runs):
            score = by_arm[arm, run]
            greater = score > best[run]
            has_nan[run] |= score != score
            n_max[run] = 1 if greater else n_max[run] + (score == best[run])
            first[run] = arm if greater else first[run]
            best[run] = score if greater else best[run]
    n_other = 0
    for run in range(n_runs):
        n_max[run] = 0 if has_nan[run] else n_max[run]
        n_other += n_max[run] != 1
    return first, n_max, n_other


def argmax_uniform(scores: ArrayLike, rng: np.random.Generator) -> IntArray:
    """Argmax of each row, ties broken uniformly at random.

    One compiled pass over the arms finds each row's first maximiser and counts its
    maximisers (``_maximisers``; fastest on arm-major scores, the transpose of a C-contiguous
    (K, R) array, as the policies store their state). Random keys are drawn only for the rows
    that hold a tie, ``rng.random((n_tied, K))`` in row order, and each of those plays its
    tied arm of largest key: a uniform choice among its maximisers.

    Args:
        scores: (R, K) scores (+inf allowed, nan is not).
        rng: the random generator.

    Returns:
        (R,) int64 indices.

    Raises:
        ValueError: if a row holds nan (it has no maximiser).
    """
    scores = np.asarray(scores, dtype=np.float64)
    choice, n_max, n_other = _maximisers(scores.T)
    if n_other:
        if not np.all(n_max):
            raise ValueError("scores must not be nan")
        tied = np.flatnonzero(n_max > 1)
        tied_scores = scores[tied]
        is_max = tied_scores == tied_scores.max(axis=-1, keepdims=True)
        keys = rng.random((tied.size, scores.shape[-1]))
        choice[tied] = np.argmax(np.where(is_max, keys, -1.0), axis=-1)
    return choice


def _first_argmax(samples: FloatArray) -> IntArray:
    """``np.argmax(samples, axis=-1)`` of (R, K) samples: the first maximiser of each row.

    The compiled ``_maximisers`` pass gives it for every row with one maximiser (all of them
    for continuous samples, but for float coincidences); the others fall back to ``np.argmax``.
    """
    choice, n_max, n_other = _maximisers(samples.T)
    if n_other:
        rows = np.flatnonzero(n_max != 1)
        choice[rows] = np.argmax(samples[rows], axis=-1)
    return choice


@numba.njit(cache=True)
def _explore(choice: IntArray, uniform: FloatArray, epsilon: float, n_arms: int) -> None:
    """ε-greedy in place: every run with ``U < ε`` plays ``⌊U·K/ε⌋`` instead (numba).

    Given ``U < ε``, ``U/ε`` is uniform on [0, 1), so the arm is uniform on the K arms (see
    ``EpsilonGreedy``). The clip to K − 1 guards the rounding of ``U·(K/ε)`` up to K; below
    ε = 2⁻⁵³ only U = 0 explores, and the floor on ε keeps the scale finite (ε = 0 is legal).

    Args:
        choice: (R,) int64 greedy arms, overwritten where a run explores.
        uniform: (R,) draws U ~ Uniform[0, 1).
        epsilon: the exploration probability ε.
        n_arms: the number of arms K.
    """
    scale = n_arms / max(epsilon, 2.0**-53)
    for run in range(choice.size):
        if uniform[run] < epsilon:
            choice[run] = min(int(uniform[run] * scale), n_arms - 1)


@numba.njit(cache=True)
def _update_values(
    q_est: FloatArray,
    n_pulls: IntArray,
    reward_sums: FloatArray,
    actions: IntArray,
    rewards: FloatArray,
    step_size: float,
) -> None:
    """The pulled arm's estimate in every run, in place on (K, R) arm-major state (numba).

    ``N ← N + 1``, ``S ← S + R`` and ``Q ← S / N`` (sample average, ``step_size = 0``) or
    ``Q ← Q + α (R − Q)`` (constant ``step_size = α``); the same floating-point operations as
    the array expressions, so the same values bit for bit.

    Args:
        q_est: (K, R) estimates, updated in place.
        n_pulls: (K, R) int64 pull counts, updated in place.
        reward_sums: (K, R) reward sums, updated in place.
        actions: (R,) int64 arms in [0, K), checked by the caller.
        rewards: (R,) finite rewards.
        step_size: α in (0, 1], or 0 for sample averages.
    """
    for run in range(actions.size):
        arm = actions[run]
        n_pulls[arm, run] += 1
        reward_sums[arm, run] += rewards[run]
        if step_size == 0.0:
            q_est[arm, run] = reward_sums[arm, run] / n_pulls[arm, run]
        else:
            q_est[arm, run] += step_size * (rewards[run] - q_est[arm, run])


def sample_categorical(pi: ArrayLike, rng: np.random.Generator) -> IntArray:
    """One draw from each row's categorical distribution, by inverting its CDF.

    ``gradients.categorical`` with one ``U ~ Uniform[0, 1)`` per row from ``rng``, so
    ``P(A = k) = π_k``.

    Args:
        pi: (R, K) probabilities, rows summing to 1.
        rng: the random generator.

    Returns:
        (R,) int64 indices.
    """
    pi = np.asarray(pi, dtype=np.float64)
    if pi.ndim < 1 or pi.shape[-1] < 1:
        raise ValueError(f"pi must be (..., K) with K >= 1, got shape {pi.shape}")
    if not (np.all(pi >= 0) and np.allclose(pi.sum(axis=-1), 1.0, rtol=0.0, atol=1e-9)):
        raise ValueError("pi must hold probability rows: entries >= 0, each row summing to 1")
    return _sample_categorical(pi, rng)


def _sample_categorical(pi: FloatArray, rng: np.random.Generator) -> IntArray:
    return gradients.categorical(pi, rng.random(pi.shape[:-1]))


def ucb_scores(q_est: ArrayLike, n_pulls: ArrayLike, c: float) -> FloatArray:
    """Upper-confidence-bound scores, untried arms first.

    ``U_t(a) = Q_t(a) + c·sqrt(ln t / N_t(a))`` where t = Σ_a N_t(a) + 1 is the current time
    step (Sutton & Barto 2nd ed., §2.7, eq. 2.10); an arm with N_t(a) = 0 scores +inf, so the
    untried arms are played first, uniformly among themselves.

    Args:
        q_est: (R, K) action-value estimates.
        n_pulls: (R, K) pull counts.
        c: exploration weight, c ≥ 0.

    Returns:
        (R, K) scores, in the memory layout of ``n_pulls`` (arm-major for a policy's state).
    """
    c = _checks.real("c", c, 0.0)
    q_est = np.asarray(q_est, dtype=np.float64)
    n_pulls = np.asarray(n_pulls, dtype=np.int64)
    if q_est.shape != n_pulls.shape:
        q_est, n_pulls = np.broadcast_arrays(q_est, n_pulls)
    if q_est.ndim != 2:
        raise ValueError(f"q_est and n_pulls must be (R, K), got shape {q_est.shape}")
    if np.any(n_pulls < 0):
        raise ValueError("n_pulls must be >= 0")
    return _ucb_index(q_est, n_pulls, c)


def _ucb_index(q_est: FloatArray, n_pulls: IntArray, c: float) -> FloatArray:
    log_t = np.log(n_pulls.sum(axis=-1) + 1)
    return _ucb_scores(q_est.T, n_pulls.T, log_t, float(c)).T


@numba.njit(cache=True, error_model="numpy")
def _ucb_scores(
    q_by_arm: FloatArray, n_by_arm: IntArray, log_t: FloatArray, c: float
) -> FloatArray:
    """``ucb_scores`` on (K, R) arm-major arrays and ``ln t`` of each run, (R,) (numba).

    Division and square root are correctly rounded, as in numpy, so the scores are the same
    bit for bit as ``q + c·sqrt(ln t / max(N, 1))``; ``ln t`` comes from numpy. (The numpy
    error model lets the loop be vectorised: no zero-division check.)

    Args:
        q_by_arm: (K, R) estimates.
        n_by_arm: (K, R) int64 pull counts.
        log_t: (R,) ``ln t`` of each run.
        c: exploration weight.

    Returns:
        (K, R) scores, +inf for untried arms.
    """
    scores = np.empty(q_by_arm.shape)
    for arm in range(q_by_arm.shape[0]):
        for run in range(q_by_arm.shape[1]):
            n = float(n_by_arm[arm, run])
            bonus = c * np.sqrt(log_t[run] / max(n, 1.0))
            scores[arm, run] = q_by_arm[arm, run] + bonus if n > 0.0 else np.inf
    return scores


def max_probabilities(
    density: Callable[[FloatArray], FloatArray],
    cdf: Callable[[FloatArray], FloatArray],
    center: FloatArray,
    scale: FloatArray,
) -> FloatArray:
    """Probability that each independent variable is the largest, by adaptive quadrature.

    ``P(A = i) = P(X_i = max_j X_j) = ∫ f_i(x) Π_{j≠i} F_j(x) dx`` — the probability that
    Thompson sampling picks arm i. Each arm's integral is taken in its own standardised
    variable ``x = center_i + scale_i·z``, so that a narrow density far from the origin is
    never missed by the quadrature; all rows and arms are integrated at once over z ∈ ℝ with
    ``scipy.integrate.quad_vec``.

    Args:
        density: x ↦ f(x) for x of shape (R, K): entry [r, i] is f_i at x[r, i].
        cdf: x ↦ F(x) for x of shape (R, K, 1): entry [r, i, j] is F_j at x[r, i, 0] (the
            parameters broadcast as (R, 1, K)).
        center: (R, K) a central value of each variable (its mean, say).
        scale: (R, K) > 0, its spread (its standard deviation, say).

    Returns:
        (R, K) probabilities.
    """
    others = ~np.eye(center.shape[-1], dtype=bool)

    def integrand(z: float) -> FloatArray:
        x = center + scale * z
        cdfs = np.where(others, cdf(x[..., None]), 1.0)
        return density(x) * scale * np.prod(cdfs, axis=-1)

    value, _ = integrate.quad_vec(
        integrand, -np.inf, np.inf, epsabs=_QUAD_EPSABS, epsrel=_QUAD_EPSREL, limit=10_000
    )
    return value


# ----------------------------------------------------------------------------------------------
# Validation at the public boundary.
# ----------------------------------------------------------------------------------------------


def _check_step(
    n_runs: int, n_arms: int, actions: ArrayLike, rewards: ArrayLike
) -> tuple[IntArray, FloatArray]:
    """Check one step's actions and rewards, each (n_runs,) (a scalar is fine for one run).

    It runs at every step of an experiment, so each check is one cheap array operation: the
    action range from ``min`` and ``max``, finiteness from ``isfinite(...).all()``.
    """
    actions = np.asarray(actions)
    rewards = np.asarray(rewards)
    if actions.ndim == 0 and n_runs == 1:
        actions = actions.reshape(1)
    if rewards.ndim == 0 and n_runs == 1:
        rewards = rewards.reshape(1)
    if actions.shape != (n_runs,):
        raise ValueError(f"actions must have shape ({n_runs},), got {actions.shape}")
    if rewards.shape != (n_runs,):
        raise ValueError(f"rewards must have shape ({n_runs},), got {rewards.shape}")
    if actions.dtype.kind not in "iu":
        raise TypeError(f"actions must be integer arm indices, got dtype {actions.dtype}")
    if actions.min() < 0 or actions.max() >= n_arms:
        bad = actions[(actions < 0) | (actions >= n_arms)][0]
        raise ValueError(f"actions must lie in [0, {n_arms}), got {bad}")
    if rewards.dtype.kind == "c":
        raise TypeError("rewards must be real numbers, got complex")
    if rewards.dtype.kind not in "iuf":
        raise TypeError(f"rewards must be real numbers, got dtype {rewards.dtype}")
    rewards = rewards.astype(np.float64, copy=False)
    if not np.isfinite(rewards).all():
        raise ValueError("rewards must be finite, got nan or inf")
    return actions.astype(np.int64, copy=False), rewards


@functools.lru_cache(maxsize=8)
def _run_indices(n_runs: int) -> IntArray:
    """``arange(n_runs)``, made once per size (read-only)."""
    runs = np.arange(n_runs)
    runs.flags.writeable = False
    return runs


def _pulled_entries(actions: IntArray) -> IntArray:
    """Flat index of entry ``(actions[r], r)`` of an arm-major (K, R) array, for every run r."""
    n_runs = actions.size
    return actions * n_runs + _run_indices(n_runs)


def _is_pair(entry: Any) -> bool:
    """Whether ``entry`` can be an (action, reward) pair: a length-2 sequence or array."""
    is_sequence = isinstance(entry, Sequence | np.ndarray) and not isinstance(entry, str)
    return is_sequence and len(entry) == 2


def _check_history(n_arms: int, history: Iterable[tuple[int, float]]) -> list[tuple[int, float]]:
    """Check a history of (action_index, reward) pairs; returns it as a list."""
    if isinstance(history, str | bytes):
        raise TypeError("history must be a sequence of (action, reward) pairs, got a string")
    checked = []
    for step, entry in enumerate(history):
        if not _is_pair(entry):
            raise ValueError(
                f"history entry {step} must be an (action, reward) pair, got {entry!r}"
            )
        action, reward = entry
        if isinstance(action, bool) or not isinstance(action, int | np.integer):
            raise TypeError(f"history entry {step}: action must be an integer, got {action!r}")
        if not 0 <= action < n_arms:
            raise ValueError(
                f"history entry {step}: action must lie in [0, {n_arms}), got {action}"
            )
        checked.append((int(action), _checks.real(f"history entry {step}: reward", reward)))
    return checked


# ----------------------------------------------------------------------------------------------
# Policies.
# ----------------------------------------------------------------------------------------------


class _ArmMajorState:
    """A policy's (n_runs, n_arms) state array ``name``: the transposed view of ``_name``.

    The store ``_name`` is arm-major, (K, R). The attribute cannot be rebound, but writes into
    the view go to the store.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, policy: Any, owner: type | None = None) -> Any:
        if policy is None:
            return self
        return getattr(policy, f"_{self.name}").T

    def __set__(self, policy: Any, value: Any) -> None:
        raise AttributeError(
            f"{self.name} is a view of the policy's state: write into it "
            f"(policy.{self.name}[...] = values) instead of rebinding it"
        )


class _PolicyBase:
    """Construction from a history and broadcasting: shared by every policy.

    ``_STATE`` maps the name of each state array to its run axis. The value policies and
    Thompson sampling keep their (R, K) state arm-major — stored (K, R), run axis last, and
    exposed as the transposed (R, K) view — so that the passes over the arms that every step
    makes (the compiled argmax and update, numpy reductions) read memory in order. The
    gradient bandit stays run-major: ``gradients.softmax`` sums along the arm axis, and the
    order of that sum (hence the last bits of π) depends on the layout.
    """

    _STATE: ClassVar[dict[str, int]] = {}
    _is_broadcast = False
    n_arms: int
    n_runs: int

    def _check_rewards(self, rewards: FloatArray) -> None:
        """Policy-specific reward checks (Beta–Bernoulli needs 0 or 1); none by default."""

    @classmethod
    def from_history(cls, n_arms: int, history: Iterable[tuple[int, float]], **params: Any) -> Self:
        """A single-run policy that has learned from ``history``.

        Args:
            n_arms: the number of arms K.
            history: (action_index, reward) pairs in the order they happened.
            **params: the policy's own parameters (epsilon, c, prior, ...).

        Returns:
            The policy with ``n_runs = 1``.
        """
        policy = cls(n_arms, n_runs=1, **params)
        for action, reward in _check_history(policy.n_arms, history):
            policy.update([action], [reward])
        return policy

    def broadcast(self, n_runs: int) -> Self:
        """This single-run policy seen as ``n_runs`` identical runs, for sampling only.

        The state arrays are read-only broadcast views (no copy), so one ``select`` call draws
        ``n_runs`` independent next actions of the same history.

        Args:
            n_runs: the number of identical runs.

        Returns:
            A policy whose ``select`` returns (n_runs,) actions; it cannot be updated.
        """
        n_runs = _checks.count("n_runs", n_runs)
        if self.n_runs != 1:
            raise ValueError(f"broadcast needs a single-run policy, got n_runs={self.n_runs}")
        view = copy.copy(self)
        view.n_runs = n_runs
        view._is_broadcast = True
        for name, run_axis in self._STATE.items():
            state = getattr(self, name)
            shape = list(state.shape)
            shape[run_axis] = n_runs
            setattr(view, name, np.broadcast_to(state, shape))
        return view

    def _checked_step(self, actions: ArrayLike, rewards: ArrayLike) -> tuple[IntArray, FloatArray]:
        if self._is_broadcast:
            raise ValueError("a broadcast policy is for sampling only; update the policy itself")
        actions, rewards = _check_step(self.n_runs, self.n_arms, actions, rewards)
        self._check_rewards(rewards)
        return actions, rewards


class ActionValuePolicy(_PolicyBase):
    """Action-value estimates shared by greedy, ε-greedy and UCB (and reusable by KL-UCB).

    Sample average ``Q_n = (R_1 + … + R_n) / n`` (kept as a reward sum, so equal means give equal
    floats and ties are seen), or a constant step size
    ``Q ← Q + α (R − Q)`` (Sutton & Barto 2nd ed., §2.4–2.5). Untried arms hold
    ``initial_value`` (optimistic Q1, §2.6). Note that with sample averages the first reward
    replaces the initial value, as in the book.

    Args:
        n_arms: the number of arms K ≥ 1.
        n_runs: the number of independent runs R ≥ 1.
        step_size: None for sample averages, or a constant α in (0, 1].
        initial_value: Q1 of every arm.

    Attributes:
        q_est: (R, K) action-value estimates (a view of the arm-major (K, R) store).
        n_pulls: (R, K) int64 pull counts (likewise).
        reward_sums: (R, K) sums of the rewards of each arm (likewise).
    """

    _STATE = {"_q_est": -1, "_n_pulls": -1, "_reward_sums": -1}
    q_est = _ArmMajorState()
    n_pulls = _ArmMajorState()
    reward_sums = _ArmMajorState()

    def __init__(
        self,
        n_arms: int,
        *,
        n_runs: int = 1,
        step_size: float | None = None,
        initial_value: float = 0.0,
    ):
        self.n_arms = _checks.count("n_arms", n_arms)
        self.n_runs = _checks.count("n_runs", n_runs)
        if step_size is not None:
            step_size = _checks.real("step_size", step_size, 0.0, 1.0)
        self.step_size = step_size
        if self.step_size == 0.0:
            raise ValueError("step_size must lie in (0, 1], got 0")
        self.initial_value = _checks.real("initial_value", initial_value)
        shape = (self.n_arms, self.n_runs)
        self._q_est = np.full(shape, self.initial_value)
        self._n_pulls = np.zeros(shape, dtype=np.int64)
        self._reward_sums = np.zeros(shape)

    def update(self, actions: ArrayLike, rewards: ArrayLike) -> None:
        """Update the pulled arm's estimate in every run.

        Args:
            actions: (n_runs,) arm indices in [0, K).
            rewards: (n_runs,) finite rewards.
        """
        actions, rewards = self._checked_step(actions, rewards)
        step_size = 0.0 if self.step_size is None else self.step_size
        _update_values(self._q_est, self._n_pulls, self._reward_sums, actions, rewards, step_size)


class Greedy(ActionValuePolicy):
    """Greedy: ``A = argmax_a Q(a)``, ties uniformly (Sutton & Barto 2nd ed., §2.2).

    Constructed as ActionValuePolicy; a large ``initial_value`` makes it optimistic greedy.

    >>> Greedy.from_history(2, [(0, 0.0), (1, 1.0)]).action_probabilities().tolist()
    [[0.0, 1.0]]
    """

    def select(self, rng: np.random.Generator) -> IntArray:
        """One greedy action per run, (n_runs,)."""
        return argmax_uniform(self.q_est, rng)

    def action_probabilities(self) -> FloatArray:
        """(n_runs, n_arms): uniform over the arms of largest estimate."""
        return greedy_probabilities(self.q_est)


class EpsilonGreedy(ActionValuePolicy):
    """ε-greedy: a uniformly random arm with probability ε, else greedy (S&B 2nd ed., §2.2).

    ``π(a) = (1 − ε)·greedy(a) + ε/K``.

    One uniform ``U`` per run decides both: the run explores when ``U < ε`` and then plays
    ``⌊U·K/ε⌋``, since given ``U < ε`` the ratio ``U/ε`` is uniform on [0, 1). This saves an
    ``integers`` draw per step (about a tenth of an engine step). It is as exact as the
    decision itself: ``U`` is a multiple of 2⁻⁵³, so ``P(U < ε)`` already differs from ε by up
    to 2⁻⁵³, and cutting the exploring multiples of 2⁻⁵³ into K ranges of equal length moves
    each arm's probability by a few multiples of 2⁻⁵³ at most (≈ 1e-16; a simulation of 10⁹
    draws resolves 1e-5).

    Args:
        n_arms: the number of arms K.
        epsilon: exploration probability in [0, 1].
        **options: ``n_runs``, ``step_size``, ``initial_value`` as in ActionValuePolicy.
    """

    def __init__(self, n_arms: int, *, epsilon: float = 0.1, **options: Any):
        super().__init__(n_arms, **options)
        self.epsilon = _checks.real("epsilon", epsilon, 0.0, 1.0)

    def select(self, rng: np.random.Generator) -> IntArray:
        """One ε-greedy action per run, (n_runs,).

        Draws ``rng.random(n_runs)``, then the tie keys of ``argmax_uniform``.
        """
        uniform = rng.random(self.n_runs)
        choice = argmax_uniform(self.q_est, rng)
        _explore(choice, uniform, self.epsilon, self.n_arms)
        return choice

    def action_probabilities(self) -> FloatArray:
        """(n_runs, n_arms): ``(1 − ε)·greedy + ε/K``."""
        return epsilon_greedy_probabilities(self.q_est, self.epsilon)


class UCB(ActionValuePolicy):
    """Upper-confidence-bound action selection (Sutton & Barto 2nd ed., §2.7; Auer et al. 2002).

    ``A_t = argmax_a Q_t(a) + c·sqrt(ln t / N_t(a))`` with t = (pulls so far) + 1; untried arms
    first, uniformly among themselves; ties uniformly.

    Args:
        n_arms: the number of arms K.
        c: exploration weight, c ≥ 0 (UCB1 is c = sqrt(2) with rewards in [0, 1]).
        **options: ``n_runs``, ``step_size``, ``initial_value`` as in ActionValuePolicy.
    """

    def __init__(self, n_arms: int, *, c: float = 2.0, **options: Any):
        super().__init__(n_arms, **options)
        self.c = _checks.real("c", c, 0.0)

    def scores(self) -> FloatArray:
        """(n_runs, n_arms) upper confidence bounds (+inf for untried arms)."""
        return _ucb_index(self.q_est, self.n_pulls, self.c)

    def select(self, rng: np.random.Generator) -> IntArray:
        """One UCB action per run, (n_runs,)."""
        return argmax_uniform(self.scores(), rng)

    def action_probabilities(self) -> FloatArray:
        """(n_runs, n_arms): uniform over the arms of largest upper bound."""
        return greedy_probabilities(self.scores())


class BetaThompson(_PolicyBase):
    """Thompson sampling for Bernoulli rewards with Beta(α₀, β₀) priors.

    Posterior of arm a: Beta(α₀ + successes, β₀ + failures) — reward 1 → α ← α + 1, reward 0 →
    β ← β + 1. ``select`` draws θ_a from each posterior and plays the argmax; its distribution is
    ``P(A = i) = ∫₀¹ f_i(x) Π_{j≠i} F_j(x) dx`` (Russo et al. 2018, §3; Thompson 1933).

    Args:
        n_arms: the number of arms K.
        n_runs: the number of independent runs R.
        prior: (α₀, β₀), both > 0; Beta(1, 1) is uniform.

    Attributes:
        alpha: (R, K) posterior α parameters (a view of the arm-major (K, R) store).
        beta: (R, K) posterior β parameters (likewise).

    >>> policy = BetaThompson.from_history(2, [(0, 0), (1, 1)])
    >>> policy.alpha.tolist(), policy.beta.tolist()
    ([[1.0, 2.0]], [[2.0, 1.0]])
    """

    _STATE = {"_alpha": -1, "_beta": -1}
    alpha = _ArmMajorState()
    beta = _ArmMajorState()

    def __init__(self, n_arms: int, *, n_runs: int = 1, prior: tuple[float, float] = (1.0, 1.0)):
        self.n_arms = _checks.count("n_arms", n_arms)
        self.n_runs = _checks.count("n_runs", n_runs)
        if not isinstance(prior, Sequence) or len(prior) != 2:
            raise ValueError(f"prior must be a pair (alpha0, beta0), got {prior!r}")
        self.prior = (
            _checks.positive_real("prior alpha0", prior[0]),
            _checks.positive_real("prior beta0", prior[1]),
        )
        shape = (self.n_arms, self.n_runs)
        self._alpha = np.full(shape, self.prior[0])
        self._beta = np.full(shape, self.prior[1])

    def _check_rewards(self, rewards: FloatArray) -> None:
        if np.any((rewards != 0.0) & (rewards != 1.0)):
            bad = rewards[(rewards != 0.0) & (rewards != 1.0)][0]
            raise ValueError(f"Beta–Bernoulli Thompson sampling needs rewards 0 or 1, got {bad:g}")

    def update(self, actions: ArrayLike, rewards: ArrayLike) -> None:
        """Count a success (reward 1) or a failure (reward 0) for each run's arm.

        Args:
            actions: (n_runs,) arm indices in [0, K).
            rewards: (n_runs,) rewards, each 0 or 1.
        """
        actions, rewards = self._checked_step(actions, rewards)
        pulled = _pulled_entries(actions)
        self._alpha.reshape(-1)[pulled] += rewards
        self._beta.reshape(-1)[pulled] += 1.0 - rewards

    def select(self, rng: np.random.Generator) -> IntArray:
        """Sample θ ~ posterior for every run and arm, play the argmax, (n_runs,).

        Draws ``rng.beta`` of shape (n_runs, n_arms), run-major (one row per run).
        """
        return _first_argmax(rng.beta(self.alpha, self.beta))

    def action_probabilities(self) -> FloatArray:
        """(n_runs, n_arms): ``∫₀¹ f_i Π_{j≠i} F_j dx`` by adaptive quadrature.

        Integrated in the log-odds s = ln(x / (1 − x)): there ``f(x) dx`` becomes
        ``x^α (1 − x)^β / B(α, β) ds``, smooth and bounded even for α or β < 1, where the
        density in x is infinite at an end of [0, 1]. The log-odds of a Beta(α, β) variable
        has mean ψ(α) − ψ(β) and variance ψ'(α) + ψ'(β) (ψ the digamma function).
        """
        alpha, beta = self.alpha, self.beta
        log_norm = special.betaln(alpha, beta)
        return max_probabilities(
            lambda s: np.exp(
                alpha * special.log_expit(s) + beta * special.log_expit(-s) - log_norm
            ),
            lambda s: special.betainc(alpha[..., None, :], beta[..., None, :], special.expit(s)),
            special.digamma(alpha) - special.digamma(beta),
            np.sqrt(special.polygamma(1, alpha) + special.polygamma(1, beta)),
        )


class GaussianThompson(_PolicyBase):
    """Thompson sampling for Gaussian rewards of known noise, with a normal prior.

    Conjugate update (known variance σ²): posterior precision ``τ_n = 1/s₀² + n/σ²`` and mean
    ``μ_n = (m₀/s₀² + ΣR/σ²) / τ_n`` (Murphy, *Conjugate Bayesian analysis of the Gaussian
    distribution*, 2007, §2; Russo et al. 2018, §4).

    Args:
        n_arms: the number of arms K.
        n_runs: the number of independent runs R.
        prior_mean: m₀ of every arm.
        prior_std: s₀ > 0.
        noise_std: σ > 0, the known reward noise.
    """

    _STATE = {"_n_pulls": -1, "_reward_sums": -1}
    n_pulls = _ArmMajorState()
    reward_sums = _ArmMajorState()

    def __init__(
        self,
        n_arms: int,
        *,
        n_runs: int = 1,
        prior_mean: float = 0.0,
        prior_std: float = 1.0,
        noise_std: float = 1.0,
    ):
        self.n_arms = _checks.count("n_arms", n_arms)
        self.n_runs = _checks.count("n_runs", n_runs)
        self.prior_mean = _checks.real("prior_mean", prior_mean)
        self.prior_std = _checks.positive_real("prior_std", prior_std)
        self.noise_std = _checks.positive_real("noise_std", noise_std)
        shape = (self.n_arms, self.n_runs)
        self._n_pulls = np.zeros(shape, dtype=np.int64)
        self._reward_sums = np.zeros(shape)

    @property
    def posterior_std(self) -> FloatArray:
        """(n_runs, n_arms) posterior standard deviations ``1/sqrt(τ_n)``."""
        return 1.0 / np.sqrt(self.prior_std**-2 + self.n_pulls / self.noise_std**2)

    @property
    def posterior_mean(self) -> FloatArray:
        """(n_runs, n_arms) posterior means ``μ_n``."""
        precision_mean = self.prior_mean / self.prior_std**2 + self.reward_sums / self.noise_std**2
        return precision_mean * self.posterior_std**2

    def update(self, actions: ArrayLike, rewards: ArrayLike) -> None:
        """Add one reward to each run's pulled arm.

        Args:
            actions: (n_runs,) arm indices in [0, K).
            rewards: (n_runs,) finite rewards.
        """
        actions, rewards = self._checked_step(actions, rewards)
        pulled = _pulled_entries(actions)
        self._n_pulls.reshape(-1)[pulled] += 1
        self._reward_sums.reshape(-1)[pulled] += rewards

    def select(self, rng: np.random.Generator) -> IntArray:
        """Sample θ ~ posterior for every run and arm, play the argmax, (n_runs,).

        Draws ``rng.normal`` of shape (n_runs, n_arms), run-major (one row per run).
        """
        return _first_argmax(rng.normal(self.posterior_mean, self.posterior_std))

    def action_probabilities(self) -> FloatArray:
        """(n_runs, n_arms): ``∫ f_i Π_{j≠i} F_j`` over the real line by adaptive quadrature."""
        mean, std = self.posterior_mean, self.posterior_std
        return max_probabilities(
            lambda x: stats.norm.pdf(x, mean, std),
            lambda x: special.ndtr((x - mean[..., None, :]) / std[..., None, :]),
            mean,
            std,
        )


class GradientBandit(_PolicyBase):
    """The softmax gradient bandit (Sutton & Barto 2nd ed., §2.8).

    ``π = softmax(H)``; after action A and reward R,
    ``H ← H + α (R − R̄) (e_A − π)``, the score ``e_A − π`` from ``gradients.log_softmax_grad``.
    The baseline R̄ is the average of the rewards before this one (R̄ = R₁ at the first step,
    as in the book), or 0 without a baseline.

    Args:
        n_arms: the number of arms K.
        n_runs: the number of independent runs R.
        alpha: step size α > 0.
        baseline: whether to subtract the average reward.

    Attributes:
        preferences: (R, K) action preferences H.
        mean_reward: (R,) the average reward so far.
        n_steps: (R,) int64 steps so far.
    """

    _STATE = {"preferences": 0, "mean_reward": 0, "n_steps": 0}

    def __init__(self, n_arms: int, *, n_runs: int = 1, alpha: float = 0.1, baseline: bool = True):
        self.n_arms = _checks.count("n_arms", n_arms)
        self.n_runs = _checks.count("n_runs", n_runs)
        self.alpha = _checks.positive_real("alpha", alpha)
        if not isinstance(baseline, bool | np.bool_):
            raise TypeError(f"baseline must be True or False, got {baseline!r}")
        self.baseline = bool(baseline)
        self.preferences = np.zeros((self.n_runs, self.n_arms))
        self.mean_reward = np.zeros(self.n_runs)
        self.n_steps = np.zeros(self.n_runs, dtype=np.int64)

    def update(self, actions: ArrayLike, rewards: ArrayLike) -> None:
        """One stochastic-gradient-ascent step on the expected reward, every run at once.

        Args:
            actions: (n_runs,) arm indices in [0, K).
            rewards: (n_runs,) finite rewards.
        """
        actions, rewards = self._checked_step(actions, rewards)
        if self.baseline:
            baseline = np.where(self.n_steps > 0, self.mean_reward, rewards)
        else:
            baseline = 0.0
        score = gradients.log_softmax_grad(self.preferences, actions)
        self.preferences += self.alpha * (rewards - baseline)[:, None] * score
        self.n_steps += 1
        self.mean_reward += (rewards - self.mean_reward) / self.n_steps

    def select(self, rng: np.random.Generator) -> IntArray:
        """One action per run drawn from ``softmax(H)``, (n_runs,)."""
        return _sample_categorical(self.action_probabilities(), rng)

    def action_probabilities(self) -> FloatArray:
        """(n_runs, n_arms): ``softmax(H)``."""
        return gradients.softmax(self.preferences)
