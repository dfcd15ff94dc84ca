"""Contextual bandit policies, vectorised over runs, with the exact distribution of each choice.

Every round each run r sees a context ``x_r`` (a feature vector of width d) and picks one of K
arms. The protocol is the one of ``bandits.policies`` with the contexts added:

- ``select(contexts, rng) -> (n_runs,)`` draws the next action of every run,
- ``update(contexts, actions, rewards)`` learns from one (context, action, reward) per run,
- ``action_probabilities(contexts) -> (n_runs, n_arms)`` is the exact distribution that
  ``select`` samples for those contexts, and ``propensities(contexts, actions)`` the
  probability of one given action per run: what off-policy evaluation needs.

Three policies keep a ridge regression per arm (the disjoint linear model of Li et al. 2010):
``A_a = λI + Σ x xᵀ`` and ``b_a = Σ r x`` over the rounds that pulled arm a, the estimate
``θ̂_a = A_a⁻¹ b_a``. ``A_a⁻¹`` is kept up to date by the Sherman–Morrison formula, d² work per
round and no matrix inversion. The fourth is the softmax policy on features trained by the
policy gradient (the contextual gradient bandit).

Sources: Li, Chu, Langford & Schapire, *A contextual-bandit approach to personalized news
article recommendation* (WWW 2010), Algorithm 1; Agrawal & Goyal, *Thompson sampling for
contextual bandits with linear payoffs* (ICML 2013); Sutton & Barto (2nd ed.), §2.8 and §13.3.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol, Self

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

import gradients
from bandits import _checks
from bandits.normal_max import normal_max_probabilities
from bandits.policies import (
    _check_step,
    _sample_categorical,
    argmax_uniform,
    greedy_probabilities,
)

__all__ = [
    "POLICIES",
    "ContextualPolicy",
    "LinUCB",
    "LinearThompson",
    "RidgeEpsilonGreedy",
    "SoftmaxPolicy",
    "sherman_morrison",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Floating-point reassociation lets LLVM vectorise the dot products of the ridge kernels.
_REASSOCIATE = {"reassoc", "contract"}


class ContextualPolicy(Protocol):
    """The protocol of every contextual policy (vectorised over ``n_runs``)."""

    n_arms: int
    n_features: int
    n_runs: int

    def select(self, contexts: ArrayLike, rng: np.random.Generator) -> IntArray:
        """One action per run for (n_runs, n_features) contexts, (n_runs,) int64."""
        ...

    def update(self, contexts: ArrayLike, actions: ArrayLike, rewards: ArrayLike) -> None:
        """Learn from one (context, action, reward) per run."""
        ...

    def action_probabilities(self, contexts: ArrayLike) -> FloatArray:
        """The exact distribution of ``select`` for these contexts, (n_runs, n_arms)."""
        ...

    def propensities(self, contexts: ArrayLike, actions: ArrayLike) -> FloatArray:
        """``action_probabilities`` of the given action of every run, (n_runs,)."""
        ...


# ----------------------------------------------------------------------------------------------
# Pure functions: arrays in, arrays out.
# ----------------------------------------------------------------------------------------------


def sherman_morrison(a_inv: ArrayLike, x: ArrayLike) -> FloatArray:
    """The inverse of ``A + x xᵀ`` from the inverse of a symmetric ``A``, without inverting.

    ``(A + x xᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x)`` (Sherman & Morrison 1950).

    Args:
        a_inv: (..., d, d) inverses of symmetric positive-definite matrices.
        x: (..., d) the added vectors.

    Returns:
        (..., d, d) the updated inverses.

    >>> sherman_morrison([[0.5, 0.0], [0.0, 1.0]], [1.0, 0.0]).tolist()
    [[0.3333333333333333, 0.0], [0.0, 1.0]]
    """
    a_inv = np.asarray(a_inv, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    u = np.einsum("...ij,...j->...i", a_inv, x)
    denominator = 1.0 + np.einsum("...i,...i->...", x, u)
    return a_inv - u[..., :, None] * u[..., None, :] / denominator[..., None, None]


@numba.njit(cache=True, fastmath=_REASSOCIATE)
def _ridge_scores(
    a_inv: FloatArray, theta: FloatArray, contexts: FloatArray, widths: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``θ̂_aᵀx`` and ``θ̂_aᵀx + w_a·sqrt(xᵀA_a⁻¹x)`` of every run and arm, (K, R) (numba).

    One pass over the state gives the ridge prediction and an upper bound (LinUCB, ``w = α``)
    or a Thompson score (``w = v·Z``). The sums may be reassociated (SIMD): the last bits can
    differ between machines, never between two runs on one machine, and arms with equal
    state still get equal scores.

    Args:
        a_inv: (R, K, d, d) inverses.
        theta: (R, K, d) estimates.
        contexts: (R, d) contexts.
        widths: (K, R) weights w of the widths, any strides (a broadcast scalar is fine).

    Returns:
        ``(means, scores)``, each (K, R); ``scores`` holds ``xᵀA⁻¹x`` where ``widths`` is nan.
    """
    n_runs, n_arms, n_features = theta.shape
    means = np.empty((n_arms, n_runs))
    scores = np.empty((n_arms, n_runs))
    for run in range(n_runs):
        x = contexts[run]
        for arm in range(n_arms):
            inverse = a_inv[run, arm]
            mean = 0.0
            form = 0.0
            for i in range(n_features):
                row = 0.0
                for j in range(n_features):
                    row += inverse[i, j] * x[j]
                form += x[i] * row
                mean += theta[run, arm, i] * x[i]
            form = max(form, 0.0)
            width = widths[arm, run]
            means[arm, run] = mean
            scores[arm, run] = form if width != width else mean + width * np.sqrt(form)
    return means, scores


@numba.njit(cache=True, fastmath=_REASSOCIATE)
def _ridge_update(
    a_inv: FloatArray,
    b: FloatArray,
    theta: FloatArray,
    contexts: FloatArray,
    actions: IntArray,
    rewards: FloatArray,
) -> None:
    """The pulled arm of every run: Sherman–Morrison on ``A⁻¹``, ``b += r x``, ``θ̂ = A⁻¹b``.

    ``u = A⁻¹x``, then row by row ``A⁻¹ ← A⁻¹ − u uᵀ / (1 + xᵀu)`` and ``θ̂ = A⁻¹b`` in the
    same pass over the matrix (numba).
    """
    n_runs, _, n_features = theta.shape
    u = np.empty(n_features)
    for run in range(n_runs):
        arm = actions[run]
        x = contexts[run]
        inverse = a_inv[run, arm]
        sums = b[run, arm]
        estimate = theta[run, arm]
        denominator = 1.0
        for i in range(n_features):
            total = 0.0
            for j in range(n_features):
                total += inverse[i, j] * x[j]
            u[i] = total
            denominator += x[i] * total
        for i in range(n_features):
            sums[i] += rewards[run] * x[i]
        for i in range(n_features):
            scaled = u[i] / denominator
            total = 0.0
            for j in range(n_features):
                entry = inverse[i, j] - scaled * u[j]
                inverse[i, j] = entry
                total += entry * sums[j]
            estimate[i] = total


# ----------------------------------------------------------------------------------------------
# Policies.
# ----------------------------------------------------------------------------------------------


class _ContextualBase:
    """Sizes and the checks of contexts and steps, shared by every contextual policy."""

    n_arms: int
    n_features: int
    n_runs: int

    def _init_sizes(self, n_arms: int, n_features: int, n_runs: int) -> None:
        self.n_arms = _checks.count("n_arms", n_arms)
        self.n_features = _checks.count("n_features", n_features)
        self.n_runs = _checks.count("n_runs", n_runs)

    def _check_contexts(self, contexts: ArrayLike) -> FloatArray:
        """(n_runs, n_features) finite floats (one (n_features,) context is fine for one run)."""
        contexts = np.asarray(contexts)
        if contexts.ndim == 1 and self.n_runs == 1:
            contexts = contexts.reshape(1, -1)
        expected = (self.n_runs, self.n_features)
        if contexts.shape != expected:
            raise ValueError(f"contexts must have shape {expected}, got {contexts.shape}")
        if contexts.dtype.kind not in "iuf":
            raise TypeError(f"contexts must be real numbers, got dtype {contexts.dtype}")
        contexts = np.ascontiguousarray(contexts, dtype=np.float64)
        if not np.isfinite(contexts).all():
            raise ValueError("contexts must be finite, got nan or inf")
        return contexts

    _frozen = False

    def _checked_step(
        self, contexts: ArrayLike, actions: ArrayLike, rewards: ArrayLike
    ) -> tuple[FloatArray, IntArray, FloatArray]:
        if self._frozen:
            raise ValueError("a frozen replicate is for evaluation only; update the policy itself")
        contexts = self._check_contexts(contexts)
        actions, rewards = _check_step(self.n_runs, self.n_arms, actions, rewards)
        return contexts, actions, rewards

    @property
    def params(self) -> dict[str, float]:
        """The policy's own parameters, by name (for reports)."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def propensities(self, contexts: ArrayLike, actions: ArrayLike) -> FloatArray:
        """``π(a_r | x_r)`` of the given action of every run, (n_runs,).

        The column of ``action_probabilities`` (linear Thompson sampling integrates that
        column only).

        Args:
            contexts: (n_runs, n_features).
            actions: (n_runs,) arm indices in [0, K).
        """
        pi = self.action_probabilities(contexts)
        actions = self._check_actions(actions)
        return np.take_along_axis(pi, actions[:, None], axis=-1)[:, 0]

    def _check_actions(self, actions: ArrayLike) -> IntArray:
        actions, _ = _check_step(self.n_runs, self.n_arms, actions, np.zeros(self.n_runs))
        return actions

    def replicate(self, n_runs: int, run: int = 0, *, frozen: bool = False) -> Self:
        """A new policy whose ``n_runs`` runs are copies of this policy's run ``run``.

        Off-policy evaluation uses it to apply one learned policy to many logs at once.

        Args:
            n_runs: the number of copies.
            run: the run to copy, in [0, self.n_runs).
            frozen: read-only views of the one run's state instead of copies (no memory per
                run); the result can select and give probabilities, not learn.

        Returns:
            An independent policy (its state arrays are copies), or a frozen view.
        """
        n_runs = _checks.count("n_runs", n_runs)
        run = _checks.count("run", run, minimum=0)
        if run >= self.n_runs:
            raise ValueError(f"run must lie in [0, {self.n_runs}), got {run}")
        twin = copy.copy(self)
        twin.n_runs = n_runs
        twin._frozen = bool(frozen)
        for name in self._STATE:
            state = getattr(self, name)[run : run + 1]
            if frozen:
                setattr(twin, name, np.broadcast_to(state, (n_runs, *state.shape[1:])))
            else:
                setattr(twin, name, np.repeat(state, n_runs, axis=0))
        return twin

    _PARAMS: tuple[str, ...] = ()
    _STATE: tuple[str, ...] = ()


class _RidgeArms(_ContextualBase):
    """A ridge regression of the reward on the context for every arm of every run.

    ``A_a = λI + Σ x xᵀ``, ``b_a = Σ r x`` over the rounds that pulled arm a, and
    ``θ̂_a = A_a⁻¹ b_a``; ``A_a⁻¹`` follows each update by Sherman–Morrison (d² operations).

    Attributes:
        a_inv: (R, K, d, d) the inverses ``A_a⁻¹``.
        b: (R, K, d) the sums ``b_a``.
        theta: (R, K, d) the estimates ``θ̂_a``.
    """

    def __init__(self, n_arms: int, n_features: int, *, n_runs: int = 1, lam: float = 1.0):
        self._init_sizes(n_arms, n_features, n_runs)
        self.lam = _checks.positive_real("lam", lam)
        shape = (self.n_runs, self.n_arms)
        self.a_inv = np.tile(np.eye(self.n_features) / self.lam, (*shape, 1, 1))
        self.b = np.zeros((*shape, self.n_features))
        self.theta = np.zeros((*shape, self.n_features))

    def moments(self, contexts: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """The ridge prediction ``θ̂_aᵀx`` and its width ``xᵀA_a⁻¹x`` for every run and arm.

        Args:
            contexts: (n_runs, n_features).

        Returns:
            ``(means, quadratic)``, each (n_runs, n_arms) (transposed views of arm-major arrays).
        """
        return self._scores(contexts, np.full((1, 1), np.nan))

    def _scores(self, contexts: ArrayLike, widths: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``_ridge_scores`` on checked contexts, (widths broadcast to (K, R)), as (R, K)."""
        contexts = self._check_contexts(contexts)
        widths = np.broadcast_to(widths, (self.n_arms, self.n_runs))
        means, scores = _ridge_scores(self.a_inv, self.theta, contexts, widths)
        return means.T, scores.T

    def update(self, contexts: ArrayLike, actions: ArrayLike, rewards: ArrayLike) -> None:
        """Add one (context, reward) to the regression of each run's pulled arm.

        Args:
            contexts: (n_runs, n_features) finite.
            actions: (n_runs,) arm indices in [0, K).
            rewards: (n_runs,) finite rewards.
        """
        contexts, actions, rewards = self._checked_step(contexts, actions, rewards)
        _ridge_update(self.a_inv, self.b, self.theta, contexts, actions, rewards)

    _STATE = ("a_inv", "b", "theta")


class RidgeEpsilonGreedy(_RidgeArms):
    """ε-greedy on per-arm ridge regressions: a uniform arm with probability ε, else argmax θ̂ᵀx.

    ``π(a|x) = (1 − ε)·greedy(θ̂ᵀx)(a) + ε/K``, ties uniformly (Sutton & Barto 2nd ed., §2.2).

    Args:
        n_arms: the number of arms K.
        n_features: the context width d.
        epsilon: exploration probability in [0, 1].
        **options: ``n_runs`` (R) and ``lam`` (λ > 0) of the ridge regressions.
    """

    _PARAMS = ("epsilon", "lam")

    def __init__(self, n_arms: int, n_features: int, *, epsilon: float = 0.1, **options: Any):
        super().__init__(n_arms, n_features, **options)
        self.epsilon = _checks.real("epsilon", epsilon, 0.0, 1.0)

    def select(self, contexts: ArrayLike, rng: np.random.Generator) -> IntArray:
        """One action per run, (n_runs,).

        Draws ``rng.random(R)`` (who explores), the greedy ties, then ``rng.integers`` (the
        arms of the exploring runs).
        """
        means, _ = self.moments(contexts)
        explore = rng.random(self.n_runs) < self.epsilon
        choice = argmax_uniform(means, rng)
        choice[explore] = rng.integers(0, self.n_arms, int(explore.sum()))
        return choice

    def action_probabilities(self, contexts: ArrayLike) -> FloatArray:
        """(n_runs, n_arms): ``(1 − ε)·greedy(θ̂ᵀx) + ε/K``."""
        means, _ = self.moments(contexts)
        return (1.0 - self.epsilon) * greedy_probabilities(means) + self.epsilon / self.n_arms


class LinUCB(_RidgeArms):
    """Disjoint LinUCB: ``A = argmax_a θ̂_aᵀx + α·sqrt(xᵀA_a⁻¹x)``, ties uniformly.

    Li et al. (2010), Algorithm 1; with rewards in [0, 1], ``α = 1 + sqrt(ln(2/δ)/2)`` gives
    the bound of their Theorem 1.

    Args:
        n_arms: the number of arms K.
        n_features: the context width d.
        alpha: exploration weight α ≥ 0.
        **options: ``n_runs`` (R) and ``lam`` (λ > 0; 1 in the paper) of the ridge regressions.
    """

    _PARAMS = ("alpha", "lam")

    def __init__(self, n_arms: int, n_features: int, *, alpha: float = 1.0, **options: Any):
        super().__init__(n_arms, n_features, **options)
        self.alpha = _checks.real("alpha", alpha, 0.0)

    def scores(self, contexts: ArrayLike) -> FloatArray:
        """(n_runs, n_arms) upper confidence bounds ``θ̂_aᵀx + α·sqrt(xᵀA_a⁻¹x)``."""
        return self._scores(contexts, np.full((1, 1), self.alpha))[1]

    def select(self, contexts: ArrayLike, rng: np.random.Generator) -> IntArray:
        """One LinUCB action per run, (n_runs,)."""
        return argmax_uniform(self.scores(contexts), rng)

    def action_probabilities(self, contexts: ArrayLike) -> FloatArray:
        """(n_runs, n_arms): uniform over the arms of largest upper bound."""
        return greedy_probabilities(self.scores(contexts))


class LinearThompson(_RidgeArms):
    """Linear Thompson sampling with a Gaussian posterior per arm (Agrawal & Goyal 2013).

    Each arm's parameter is drawn as ``θ̃_a ~ N(θ̂_a, v²A_a⁻¹)`` and the run plays
    ``argmax_a θ̃_aᵀx``. Given the context the sampled score ``θ̃_aᵀx`` is normal,
    ``N(θ̂_aᵀx, v²·xᵀA_a⁻¹x)``, and the arms are independent, so ``select`` draws the K scores
    directly (d times less work than drawing θ̃, the same distribution of the action) and
    ``action_probabilities`` is the probability that each independent normal is the largest
    (``normal_max_probabilities``, the integral of ``GaussianThompson``).

    Args:
        n_arms: the number of arms K.
        n_features: the context width d.
        v: posterior scale v > 0 (the reward noise σ makes ``v²A⁻¹`` the Bayesian posterior
            of a N(0, σ²/λ·I) prior).
        **options: ``n_runs`` (R) and ``lam`` (λ > 0) of the ridge regressions.
    """

    _PARAMS = ("v", "lam")

    def __init__(self, n_arms: int, n_features: int, *, v: float = 1.0, **options: Any):
        super().__init__(n_arms, n_features, **options)
        self.v = _checks.positive_real("v", v)

    def score_distribution(self, contexts: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Mean ``θ̂_aᵀx`` and standard deviation ``v·sqrt(xᵀA_a⁻¹x)`` of each sampled score."""
        means, quadratic = self.moments(contexts)
        return means, self.v * np.sqrt(quadratic)

    def select(self, contexts: ArrayLike, rng: np.random.Generator) -> IntArray:
        """The argmax of sampled scores, (n_runs,); draws ``rng.standard_normal((R, K))``."""
        widths = self.v * rng.standard_normal((self.n_runs, self.n_arms))
        return argmax_uniform(self._scores(contexts, widths.T)[1], rng)

    def action_probabilities(self, contexts: ArrayLike) -> FloatArray:
        """(n_runs, n_arms): ``P(θ̃_aᵀx = max_b θ̃_bᵀx)`` by one-dimensional quadrature."""
        return normal_max_probabilities(*self.score_distribution(contexts))

    def propensities(self, contexts: ArrayLike, actions: ArrayLike) -> FloatArray:
        """(n_runs,): ``P(θ̃_aᵀx = max_b θ̃_bᵀx)`` of the given arm a of every run only."""
        actions = self._check_actions(actions)
        return normal_max_probabilities(*self.score_distribution(contexts), arms=actions)


class SoftmaxPolicy(_ContextualBase):
    """The softmax policy on features, ``π(·|x) = softmax(Wᵀx)``, trained by the policy gradient.

    After action A and reward R in context x: ``W ← W + α (R − R̄) ∇_W log π(A|x)`` with
    ``∇_W log π(A|x) = outer(x, e_A − π)`` (``gradients.policy_gradient``; the contextual
    gradient bandit, Sutton & Barto 2nd ed., §2.8 with §13.3). R̄ is the average of the
    earlier rewards (R̄ = R₁ at the first step, as in ``GradientBandit``), or 0 without a
    baseline.

    Args:
        n_arms: the number of arms K.
        n_features: the context width d.
        n_runs: the number of independent runs R.
        alpha: step size α > 0.
        baseline: whether to subtract the average reward.

    Attributes:
        weights: (R, d, K) the weights W of every run.
        mean_reward: (R,) the average reward so far.
        n_steps: (R,) int64 steps so far.
    """

    _PARAMS = ("alpha", "baseline")
    _STATE = ("weights", "mean_reward", "n_steps")

    def __init__(
        self,
        n_arms: int,
        n_features: int,
        *,
        n_runs: int = 1,
        alpha: float = 0.1,
        baseline: bool = True,
    ):
        self._init_sizes(n_arms, n_features, n_runs)
        self.alpha = _checks.positive_real("alpha", alpha)
        if not isinstance(baseline, bool | np.bool_):
            raise TypeError(f"baseline must be True or False, got {baseline!r}")
        self.baseline = bool(baseline)
        self.weights = np.zeros((self.n_runs, self.n_features, self.n_arms))
        self.mean_reward = np.zeros(self.n_runs)
        self.n_steps = np.zeros(self.n_runs, dtype=np.int64)

    def _probabilities(self, contexts: FloatArray) -> FloatArray:
        return gradients.softmax(np.einsum("rd,rdk->rk", contexts, self.weights))

    def update(self, contexts: ArrayLike, actions: ArrayLike, rewards: ArrayLike) -> None:
        """One policy-gradient ascent step per run, all runs at once.

        Args:
            contexts: (n_runs, n_features) finite.
            actions: (n_runs,) arm indices in [0, K).
            rewards: (n_runs,) finite rewards.
        """
        contexts, actions, rewards = self._checked_step(contexts, actions, rewards)
        if self.baseline:
            baseline = np.where(self.n_steps > 0, self.mean_reward, rewards)
        else:
            baseline = np.zeros(self.n_runs)
        logits = np.einsum("rd,rdk->rk", contexts, self.weights)
        # Run r's step is α·policy_gradient(W_r, x_r, a_r, R_r − R̄_r): the score
        # outer(x, e_A − π) of every run from one batched log_softmax_grad call.
        score = gradients.log_softmax_grad(logits, actions)
        advantage = self.alpha * (rewards - baseline)
        self.weights += contexts[:, :, None] * (advantage[:, None] * score)[:, None, :]
        self.n_steps += 1
        self.mean_reward += (rewards - self.mean_reward) / self.n_steps

    def select(self, contexts: ArrayLike, rng: np.random.Generator) -> IntArray:
        """One action per run drawn from ``softmax(Wᵀx)`` by inverting its CDF, (n_runs,)."""
        return _sample_categorical(self._probabilities(self._check_contexts(contexts)), rng)

    def action_probabilities(self, contexts: ArrayLike) -> FloatArray:
        """(n_runs, n_arms): ``softmax(Wᵀx)``."""
        return self._probabilities(self._check_contexts(contexts))


#: Policy names (as on the command line) and their classes.
POLICIES: dict[str, type] = {
    "epsilon-greedy": RidgeEpsilonGreedy,
    "linucb": LinUCB,
    "lints": LinearThompson,
    "softmax": SoftmaxPolicy,
}
