"""Off-policy evaluation: the value of a target policy from another policy's logs.

A log holds, for every round t, the context ``x_t``, the logged action ``a_t``, its reward
``r_t`` and its propensity ``p_t = π₀,t(a_t | x_t)``, the probability that the logging policy
(learning as it went) chose that action. The value of a fixed target policy π is
``V(π) = E_x Σ_a π(a|x) μ(x, a)``. With the importance weight ``w_t = π(a_t|x_t) / p_t``:

- inverse propensity scoring, ``V̂_IPS = (1/n) Σ w_t r_t`` (Horvitz & Thompson 1952), unbiased
  given the true propensities, also under an adaptive logging policy;
- self-normalised IPS, ``V̂_SNIPS = Σ w_t r_t / Σ w_t`` (Swaminathan & Joachims 2015);
- doubly robust, ``V̂_DR = (1/n) Σ [Σ_a π(a|x_t) q̂(x_t, a) + w_t (r_t − q̂(x_t, a_t))]``
  (Dudík, Langford & Li 2011) with a ridge reward model q̂ per arm, cross-fitted: the
  prediction for round t comes from a model fitted on the other folds.

Each estimate has a 95 % interval from the normal approximation of its per-round terms (for
SNIPS, of its influence function ``w_t (r_t − V̂) / w̄``).

The propensities are either exact — the policy's own ``action_probabilities`` — or estimated
by Monte Carlo, as tools do for Thompson sampling: the frequency of the logged action among
N fresh ``select`` draws of the same state and context, floored at 1/N (a logged action was
drawn at least once; a frequency of 0 would make its weight infinite).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from bandits import _checks
from bandits.contextual import ContextualPolicy
from bandits.contextual_env import ContextualEnvironment
from bandits.engine import mean_and_stderr

__all__ = [
    "ESTIMATORS",
    "Estimate",
    "Log",
    "collect",
    "cross_fitted_ridge",
    "doubly_robust",
    "estimate_all",
    "ips",
    "on_policy_value",
    "snips",
    "summarise",
    "target_probabilities",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_Z95 = 1.959963984540054  # the 97.5 % quantile of the standard normal
_SUM_ATOL = 1e-9


@dataclass(frozen=True)
class Estimate:
    """A value estimate and its 95 % confidence interval.

    Attributes:
        value: the estimate V̂.
        ci_low: lower end of the interval.
        ci_high: upper end.
    """

    value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Log:
    """Logged rounds of R independent logs (one per run of the logging policy).

    Attributes:
        contexts: (R, T, d) contexts.
        actions: (R, T) int64 logged actions.
        rewards: (R, T) rewards.
        propensities: (R, T) exact probabilities of the logged actions.
        estimated_propensities: (R, T) Monte Carlo estimates from ``draws`` draws, or None.
        draws: the number N of Monte Carlo draws per round (0: none).
        floored: how many Monte Carlo estimates were raised from 0 to 1/N.
    """

    contexts: FloatArray
    actions: IntArray
    rewards: FloatArray
    propensities: FloatArray
    estimated_propensities: FloatArray | None
    draws: int
    floored: int


# ----------------------------------------------------------------------------------------------
# Estimators: pure functions on one log of n rounds.
# ----------------------------------------------------------------------------------------------


def _check_log(
    actions: ArrayLike, rewards: ArrayLike, propensities: ArrayLike, target: ArrayLike
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """One log's arrays: (n,) actions, rewards and propensities in (0, 1]; (n, K) target π."""
    target = np.asarray(target, dtype=np.float64)
    if target.ndim != 2 or target.shape[0] < 2:
        raise ValueError(f"target probabilities must be (n, K) with n >= 2, got {target.shape}")
    n, n_arms = target.shape
    if not (np.all(target >= 0) and np.allclose(target.sum(axis=-1), 1.0, atol=_SUM_ATOL)):
        raise ValueError("target probabilities must be rows of probabilities summing to 1")
    actions = np.asarray(actions)
    if actions.shape != (n,) or actions.dtype.kind not in "iu":
        raise ValueError(f"actions must be ({n},) integers, got {actions.dtype} {actions.shape}")
    if actions.min() < 0 or actions.max() >= n_arms:
        raise ValueError(f"actions must lie in [0, {n_arms})")
    rewards = np.asarray(rewards, dtype=np.float64)
    if rewards.shape != (n,) or not np.isfinite(rewards).all():
        raise ValueError(f"rewards must be ({n},) finite numbers, got shape {rewards.shape}")
    propensities = np.asarray(propensities, dtype=np.float64)
    if propensities.shape != (n,):
        raise ValueError(f"propensities must have shape ({n},), got {propensities.shape}")
    if not np.all((propensities > 0) & (propensities <= 1)):
        bad = propensities[~((propensities > 0) & (propensities <= 1))][0]
        raise ValueError(f"propensities must lie in (0, 1], got {bad:g}")
    return actions.astype(np.int64), rewards, propensities, target


def _mean_interval(terms: FloatArray, value: float | None = None) -> Estimate:
    """``value`` (default the mean of ``terms``) ± 1.96 · sd(terms) / sqrt(n)."""
    mean, stderr = mean_and_stderr(terms)
    centre = float(mean) if value is None else value
    return Estimate(centre, centre - _Z95 * float(stderr), centre + _Z95 * float(stderr))


def _weights(actions: IntArray, propensities: FloatArray, target: FloatArray) -> FloatArray:
    return np.take_along_axis(target, actions[:, None], axis=-1)[:, 0] / propensities


def ips(
    actions: ArrayLike, rewards: ArrayLike, propensities: ArrayLike, target: ArrayLike
) -> Estimate:
    """Inverse propensity scoring: ``V̂ = (1/n) Σ_t π(a_t|x_t) / p_t · r_t``.

    Args:
        actions: (n,) logged actions.
        rewards: (n,) their rewards.
        propensities: (n,) logging probabilities of the logged actions, in (0, 1].
        target: (n, K) the target policy's probabilities in each logged context.

    Returns:
        The estimate and its 95 % interval.

    >>> ips([0, 1], [1.0, 0.0], [0.5, 0.5], [[1.0, 0.0], [1.0, 0.0]]).value
    1.0
    """
    actions, rewards, propensities, target = _check_log(actions, rewards, propensities, target)
    return _mean_interval(_weights(actions, propensities, target) * rewards)


def snips(
    actions: ArrayLike, rewards: ArrayLike, propensities: ArrayLike, target: ArrayLike
) -> Estimate:
    """Self-normalised IPS: ``V̂ = Σ_t w_t r_t / Σ_t w_t`` with ``w_t = π(a_t|x_t) / p_t``.

    The interval uses the delta method: the terms ``w_t (r_t − V̂) / w̄`` (w̄ the mean weight).

    Args:
        actions: (n,) logged actions.
        rewards: (n,) their rewards.
        propensities: (n,) logging probabilities of the logged actions, in (0, 1].
        target: (n, K) the target policy's probabilities in each logged context.

    Returns:
        The estimate and its 95 % interval (a point at 0 if every weight is 0).
    """
    actions, rewards, propensities, target = _check_log(actions, rewards, propensities, target)
    weights = _weights(actions, propensities, target)
    mean_weight = weights.mean()
    if mean_weight == 0.0:
        return Estimate(0.0, 0.0, 0.0)
    value = float(np.sum(weights * rewards) / np.sum(weights))
    influence = weights * (rewards - value) / mean_weight
    _, stderr = mean_and_stderr(influence)
    return Estimate(value, value - _Z95 * float(stderr), value + _Z95 * float(stderr))


def doubly_robust(
    actions: ArrayLike,
    rewards: ArrayLike,
    propensities: ArrayLike,
    target: ArrayLike,
    predictions: ArrayLike,
) -> Estimate:
    """Doubly robust: ``(1/n) Σ_t [Σ_a π(a|x_t) q̂_t(a) + w_t (r_t − q̂_t(a_t))]``.

    With ``q̂ = 0`` it is IPS; with exact propensities it is unbiased whatever q̂ is, if q̂_t
    does not depend on round t's own reward (hence the cross-fitting of ``cross_fitted_ridge``).

    Args:
        actions: (n,) logged actions.
        rewards: (n,) their rewards.
        propensities: (n,) logging probabilities of the logged actions, in (0, 1].
        target: (n, K) the target policy's probabilities in each logged context.
        predictions: (n, K) the reward model's q̂(x_t, a) for every arm.

    Returns:
        The estimate and its 95 % interval.
    """
    actions, rewards, propensities, target = _check_log(actions, rewards, propensities, target)
    predictions = np.asarray(predictions, dtype=np.float64)
    if predictions.shape != target.shape or not np.isfinite(predictions).all():
        raise ValueError(f"predictions must be finite, of shape {target.shape}")
    logged = np.take_along_axis(predictions, actions[:, None], axis=-1)[:, 0]
    weights = _weights(actions, propensities, target)
    terms = np.sum(target * predictions, axis=-1) + weights * (rewards - logged)
    return _mean_interval(terms)


def cross_fitted_ridge(
    contexts: ArrayLike,
    actions: ArrayLike,
    rewards: ArrayLike,
    n_arms: int,
    *,
    folds: int = 2,
    lam: float = 1.0,
) -> FloatArray:
    """Cross-fitted ridge predictions of every arm's reward in every logged context.

    Round t belongs to fold ``t mod folds``; its predictions ``q̂(x_t, a) = θ_aᵀx_t`` come from
    ridge regressions ``θ_a = (λI + XᵀX)⁻¹ Xᵀr`` on the rounds of the other folds that logged
    arm a (θ_a = 0 where there are none).

    Args:
        contexts: (n, d) logged contexts.
        actions: (n,) logged actions in [0, n_arms).
        rewards: (n,) their rewards.
        n_arms: K.
        folds: the number of folds, in [2, n].
        lam: ridge penalty λ > 0.

    Returns:
        (n, K) predictions.
    """
    contexts = np.asarray(contexts, dtype=np.float64)
    actions = np.asarray(actions)
    rewards = np.asarray(rewards, dtype=np.float64)
    n_arms = _checks.count("n_arms", n_arms)
    lam = _checks.positive_real("lam", lam)
    if contexts.ndim != 2 or not np.isfinite(contexts).all():
        raise ValueError(f"contexts must be (n, d) finite, got shape {contexts.shape}")
    n, n_features = contexts.shape
    if actions.shape != (n,) or actions.dtype.kind not in "iu":
        raise ValueError(f"actions must be ({n},) integers, got {actions.dtype} {actions.shape}")
    if rewards.shape != (n,) or not np.isfinite(rewards).all():
        raise ValueError(f"rewards must be ({n},) finite numbers, got shape {rewards.shape}")
    folds = _checks.count("folds", folds, minimum=2)
    if folds > n:
        raise ValueError(f"folds must lie in [2, {n}] (the number of rounds), got {folds}")
    fold = np.arange(n) % folds
    predictions = np.empty((n, n_arms))
    for held_out in range(folds):
        train = fold != held_out
        for arm in range(n_arms):
            rows = train & (actions == arm)
            x, r = contexts[rows], rewards[rows]
            theta = np.linalg.solve(lam * np.eye(n_features) + x.T @ x, x.T @ r)
            predictions[~train, arm] = contexts[~train] @ theta
    return predictions


#: Estimator names, as in the reports.
ESTIMATORS = ("ips", "snips", "dr")


def estimate_all(
    contexts: ArrayLike,
    actions: ArrayLike,
    rewards: ArrayLike,
    propensities: ArrayLike,
    target: ArrayLike,
    predictions: ArrayLike | None = None,
) -> dict[str, Estimate]:
    """IPS, SNIPS and DR on one log (DR with ``cross_fitted_ridge`` unless ``predictions``).

    Args:
        contexts: (n, d) logged contexts.
        actions: (n,) logged actions.
        rewards: (n,) their rewards.
        propensities: (n,) logging probabilities of the logged actions.
        target: (n, K) target probabilities.
        predictions: (n, K) reward-model predictions, or None for the cross-fitted ridge.

    Returns:
        ``{"ips": …, "snips": …, "dr": …}``.
    """
    target = np.asarray(target, dtype=np.float64)
    if predictions is None:
        predictions = cross_fitted_ridge(contexts, actions, rewards, target.shape[-1])
    return {
        "ips": ips(actions, rewards, propensities, target),
        "snips": snips(actions, rewards, propensities, target),
        "dr": doubly_robust(actions, rewards, propensities, target, predictions),
    }


# ----------------------------------------------------------------------------------------------
# Logging and the true value.
# ----------------------------------------------------------------------------------------------


def _check_pair(policy: ContextualPolicy, env: ContextualEnvironment) -> None:
    if (policy.n_runs, policy.n_arms, policy.n_features) != (
        env.n_runs,
        env.n_arms,
        env.n_features,
    ):
        raise ValueError(
            f"policy has {policy.n_runs} runs x {policy.n_arms} arms x {policy.n_features} "
            f"features but the environment {env.n_runs} x {env.n_arms} x {env.n_features}"
        )


def collect(
    policy: ContextualPolicy,
    env: ContextualEnvironment,
    rounds: int,
    rng: np.random.Generator,
    *,
    draws: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Log:
    """Play the logging policy for ``rounds`` rounds in every run and log what it did.

    Each round: observe contexts, select, step, the exact propensity of the chosen action
    (``policy.propensities``), re-sample ``draws`` times for the Monte Carlo propensities,
    update. The re-sampling draws from its
    own stream (``rng.spawn``), so the log itself does not depend on ``draws``.

    Args:
        policy: the logging policy, learning as it goes; one log per run.
        env: the environment (every run the same problem, for one true value).
        rounds: T ≥ 2.
        rng: the random generator.
        draws: N ≥ 0 Monte Carlo draws per round (0: no Monte Carlo propensities).
        progress: called with 1 after every round.

    Returns:
        The logs.
    """
    rounds = _checks.count("rounds", rounds, minimum=2)
    draws = _checks.count("draws", draws, minimum=0)
    _check_pair(policy, env)
    log_rng, draw_rng = rng.spawn(2)
    shape = (env.n_runs, rounds)
    contexts = np.empty((*shape, env.n_features))
    actions = np.empty(shape, dtype=np.int64)
    rewards = np.empty(shape)
    propensities = np.empty(shape)
    counts = np.zeros(shape, dtype=np.int64)
    for t in range(rounds):
        x = env.observe(log_rng)
        a = policy.select(x, log_rng)
        r, _ = env.step(a, log_rng)
        propensities[:, t] = policy.propensities(x, a)
        for _ in range(draws):
            counts[:, t] += policy.select(x, draw_rng) == a
        policy.update(x, a, r)
        contexts[:, t], actions[:, t], rewards[:, t] = x, a, r
        if progress is not None:
            progress(1)
    estimated = np.maximum(counts, 1) / draws if draws else None
    floored = int(np.sum(counts == 0)) if draws else 0
    return Log(contexts, actions, rewards, propensities, estimated, draws, floored)


def on_policy_value(
    policy: ContextualPolicy, env: ContextualEnvironment, rounds: int, rng: np.random.Generator
) -> tuple[float, float]:
    """The value of a fixed policy from an on-policy run: the mean of ``μ(x, A)``, A ~ π(·|x).

    The policy is not updated. Expected rewards (no reward noise) keep the error small.

    Args:
        policy: the policy, one copy per run of ``env``.
        env: the environment.
        rounds: rounds of every run, ≥ 1.
        rng: the random generator.

    Returns:
        ``(value, stderr)`` over the ``rounds × n_runs`` decisions.
    """
    rounds = _checks.count("rounds", rounds)
    _check_pair(policy, env)
    values = np.empty((rounds, env.n_runs))
    for t in range(rounds):
        x = env.observe(rng)
        values[t] = env.means[np.arange(env.n_runs), policy.select(x, rng)]
    mean, stderr = mean_and_stderr(values.ravel())
    return float(mean), float(stderr)


def target_probabilities(
    policy: ContextualPolicy,
    contexts: ArrayLike,
    progress: Callable[[int], None] | None = None,
) -> FloatArray:
    """A fixed policy's probabilities in every logged context, (R, T, K).

    Args:
        policy: the target policy with R runs (one copy per log, ``replicate``).
        contexts: (R, T, d) logged contexts.
        progress: called with 1 after every round.

    Returns:
        (R, T, K) probabilities.
    """
    contexts = np.asarray(contexts, dtype=np.float64)
    if contexts.ndim != 3 or contexts.shape[0] != policy.n_runs:
        raise ValueError(f"contexts must be ({policy.n_runs}, T, d), got {contexts.shape}")
    rounds = contexts.shape[1]
    pi = np.empty((policy.n_runs, rounds, policy.n_arms))
    for t in range(rounds):
        pi[:, t] = policy.action_probabilities(contexts[:, t])
        if progress is not None:
            progress(1)
    return pi


@dataclass(frozen=True)
class Summary:
    """One estimator with one propensity source, over R logs.

    Attributes:
        estimator: "ips", "snips" or "dr".
        propensities: "exact", "monte-carlo" or "exact-clipped".
        draws: N of the Monte Carlo propensities or of the clip 1/N (None for exact).
        mean: mean estimate over the logs.
        mse: mean squared error against the true value.
        ci_coverage: fraction of the logs whose 95 % interval holds the true value.
        ci_low: mean lower end of the interval.
        ci_high: mean upper end.
    """

    estimator: str
    propensities: str
    draws: int | None
    mean: float
    mse: float
    ci_coverage: float
    ci_low: float
    ci_high: float


def summarise(
    log: Log, target: ArrayLike, true_value: float, *, clipped: bool = False
) -> list[Summary]:
    """Every estimator with exact and (if logged) Monte Carlo propensities, over the R logs.

    Args:
        log: R logs of T rounds.
        target: (R, T, K) the target policy's probabilities in the logged contexts.
        true_value: the target policy's value, from ``on_policy_value``.
        clipped: also the exact propensities raised to at least 1/N ("exact-clipped"), the
            floor the Monte Carlo estimates have: it tells the clipping of the importance
            weights apart from the Monte Carlo noise.

    Returns:
        One ``Summary`` per estimator and propensity source, exact first.
    """
    target = np.asarray(target, dtype=np.float64)
    sources = {"exact": (log.propensities, None)}
    if log.estimated_propensities is not None:
        sources["monte-carlo"] = (log.estimated_propensities, log.draws)
        if clipped:
            floor = np.maximum(log.propensities, 1.0 / log.draws)
            sources["exact-clipped"] = (floor, log.draws)
    estimates: dict[tuple[str, str], list[Estimate]] = {}
    for run in range(log.actions.shape[0]):
        data = (log.contexts[run], log.actions[run], log.rewards[run])
        predictions = cross_fitted_ridge(*data, target.shape[-1])
        for source, (propensities, _) in sources.items():
            found = estimate_all(*data, propensities[run], target[run], predictions)
            for name, estimate in found.items():
                estimates.setdefault((name, source), []).append(estimate)
    summaries = []
    for source, (_, draws) in sources.items():
        for name in ESTIMATORS:
            values = np.array([[e.value, e.ci_low, e.ci_high] for e in estimates[name, source]])
            covered = (values[:, 1] <= true_value) & (true_value <= values[:, 2])
            summaries.append(
                Summary(
                    estimator=name,
                    propensities=source,
                    draws=draws,
                    mean=float(values[:, 0].mean()),
                    mse=float(np.mean((values[:, 0] - true_value) ** 2)),
                    ci_coverage=float(covered.mean()),
                    ci_low=float(values[:, 1].mean()),
                    ci_high=float(values[:, 2].mean()),
                )
            )
    return summaries
