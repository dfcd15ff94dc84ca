"""The probability of a bandit policy's next action, three independent ways.

- **exact**: a closed form from the history. Rational where the answer is rational — greedy,
  ε-greedy with a rational ε, UCB, and Beta–Bernoulli Thompson sampling with integer
  parameters — as :class:`fractions.Fraction`; a float from a closed form otherwise (Gaussian
  Thompson sampling, the softmax gradient bandit).
- **integration**: numerical quadrature (``scipy.integrate``, ``scipy.stats``) of
  ``P(A = i) = ∫ f_i(x) Π_{j≠i} F_j(x) dx`` for Thompson sampling; ``None`` where there is no
  integral (greedy, ε-greedy, UCB, softmax).
- **simulation**: the policy's own ``select`` run N times, vectorised (a broadcast state
  draws a chunk of next actions per call), with a Clopper–Pearson confidence interval.

A decimal the user typed is the rational it reads as: ``epsilon="0.1"`` or ``epsilon=0.1``
is exactly 1/10 on the exact route (floats are read through their shortest repr).

>>> action_probabilities("thompson", [(0, 0), (1, 1)])
(Fraction(1, 6), Fraction(5, 6))
>>> action_probabilities("epsilon-greedy", [(0, 0), (1, 1)], epsilon="0.1")
(Fraction(1, 20), Fraction(19, 20))
"""

from __future__ import annotations

import itertools
import math
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction
from numbers import Rational, Real
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from bandits import _checks
from bandits.policies import (
    UCB,
    BetaThompson,
    EpsilonGreedy,
    GaussianThompson,
    GradientBandit,
    Greedy,
    Policy,
    _is_pair,
)
from gradients.cli import progress_bar

__all__ = [
    "METHODS",
    "POLICIES",
    "SimulationEstimate",
    "action_probabilities",
    "beta_posterior",
    "beta_thompson_exact",
    "beta_greater_probability",
    "ExactBudgetExceeded",
    "build_policy",
    "gaussian_thompson_exact",
    "simulate",
]

METHODS = ("exact", "integration", "simulation")

#: Policy names (as on the command line) and their classes.
POLICIES: dict[str, type] = {
    "greedy": Greedy,
    "epsilon-greedy": EpsilonGreedy,
    "ucb": UCB,
    "thompson": BetaThompson,
    "gaussian-thompson": GaussianThompson,
    "gradient": GradientBandit,
}

# Draws per select call in the simulation: big enough to amortise Python overhead, small
# enough that a chunk's (chunk, K) float arrays stay in cache-friendly tens of megabytes.
_CHUNK = 1 << 19
# Digits of the first Decimal evaluation of UCB bounds (doubled until the order is certain).
_UCB_DIGITS = 50
_UCB_MAX_DIGITS = 6400
# Genz's quasi-Monte Carlo method randomises its lattice: a fixed seed makes it repeatable.
_GENZ_SEED = 2024

Probabilities = tuple[Fraction, ...] | tuple[float, ...]


@dataclass(frozen=True)
class SimulationEstimate:
    """Frequencies of simulated next actions, with a confidence interval per arm.

    Attributes:
        frequency: (K,) fraction of the draws that chose each arm.
        ci_low: (K,) lower end of the Clopper–Pearson interval.
        ci_high: (K,) upper end.
        samples: the number of draws N.
        confidence: the interval's confidence level, e.g. 0.99.
    """

    frequency: NDArray[np.float64]
    ci_low: NDArray[np.float64]
    ci_high: NDArray[np.float64]
    samples: int
    confidence: float


# ----------------------------------------------------------------------------------------------
# Exact rational arithmetic.
# ----------------------------------------------------------------------------------------------


def _fraction(name: str, value: Any) -> Fraction:
    """The rational a user means: Fraction/int as is, a float or a decimal string as read."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if isinstance(value, Rational):
        return Fraction(value)
    if isinstance(value, Real):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        return Fraction(repr(float(value)))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(
                f"{name} must be a number such as 0.1 or 1/10, got {value!r}"
            ) from None
    raise TypeError(f"{name} must be a number, got {type(value).__name__}")


def _uniform_over_max(values: Sequence[Fraction]) -> tuple[Fraction, ...]:
    """``1/|argmax|`` on each maximiser, 0 elsewhere: greedy with uniform tie-breaking."""
    best = max(values)
    n_best = sum(value == best for value in values)
    return tuple(Fraction(int(value == best), n_best) for value in values)


def _action_values(
    n_arms: int,
    history: Sequence[tuple[int, Fraction]],
    step_size: Fraction | None,
    initial_value: Fraction,
) -> tuple[list[Fraction], list[int]]:
    """Exact Q and N: sample averages, or ``Q ← Q + α(R − Q)`` from ``initial_value``."""
    values = [initial_value] * n_arms
    counts = [0] * n_arms
    sums = [Fraction(0)] * n_arms
    for action, reward in history:
        counts[action] += 1
        sums[action] += reward
        if step_size is None:
            values[action] = sums[action] / counts[action]
        else:
            values[action] += step_size * (reward - values[action])
    return values, counts


def _ucb_exact(values: list[Fraction], counts: list[int], c: Fraction) -> tuple[Fraction, ...]:
    """UCB's distribution: untried arms first, else uniform over argmax Q + c·sqrt(ln t / N).

    Two arms tie only if they have the same Q and (for c > 0) the same N: otherwise their
    bounds differ by c·sqrt(ln t)·(1/√N_i − 1/√N_j) ≠ Q_j − Q_i, because ln t is transcendental
    for integer t ≥ 2 (Lindemann–Weierstrass). Distinct bounds are ordered in Decimal
    arithmetic, doubling the precision until their gap is far above the rounding error.
    """
    untried = [Fraction(int(n == 0)) for n in counts]
    if any(untried):
        return _uniform_over_max(untried)
    if c == 0:
        return _uniform_over_max(values)
    t = sum(counts) + 1
    classes = sorted(set(zip(values, counts, strict=True)))
    digits = _UCB_DIGITS
    while digits <= _UCB_MAX_DIGITS:
        with localcontext() as context:
            context.prec = digits
            root_log_t = Decimal(t).ln().sqrt()
            c_dec = Decimal(c.numerator) / c.denominator
            bounds = [
                Decimal(q.numerator) / q.denominator + c_dec * root_log_t / Decimal(n).sqrt()
                for q, n in classes
            ]
            ordered = sorted(bounds, reverse=True)
            margin = Decimal(10) ** (10 - digits) * max(1, abs(ordered[0]))
            if len(ordered) == 1 or ordered[0] - ordered[1] > margin:
                best = classes[bounds.index(ordered[0])]
                keys = zip(values, counts, strict=True)
                return _uniform_over_max([Fraction(int(key == best)) for key in keys])
        digits *= 2
    raise ArithmeticError(f"UCB bounds closer than 1e-{_UCB_MAX_DIGITS - 10}: cannot order them")


class ExactBudgetExceeded(TimeoutError):
    """The exact route would take longer than the time it was given."""


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ExactBudgetExceeded("the exact route ran out of its time budget")


def _poly_mul(p: list[int], q: list[int], deadline: float | None = None) -> list[int]:
    """Product of two polynomials in scaled Bernstein form: a convolution of coefficients.

    ``Σ_k p_k x^k (1−x)^(n−k) · Σ_l q_l x^l (1−x)^(m−l)
    = Σ_{k,l} p_k q_l x^(k+l) (1−x)^(n+m−k−l)``.
    """
    out = [0] * (len(p) + len(q) - 1)
    for i, p_i in enumerate(p):
        if p_i:
            _check_deadline(deadline)
            for j, q_j in enumerate(q):
                out[i + j] += p_i * q_j
    return out


def _beta_cdf_poly(a: int, b: int) -> list[int]:
    """Beta(a, b) distribution function for integers a, b ≥ 1, in scaled Bernstein form.

    ``I_x(a, b) = Σ_{k=a}^{n} C(n, k) x^k (1−x)^(n−k)`` with n = a + b − 1: the probability that
    a Binomial(n, x) variable is at least a. Every coefficient is a non-negative integer.
    """
    n = a + b - 1
    return [math.comb(n, k) if k >= a else 0 for k in range(n + 1)]


def _beta_expectation(a: int, b: int, g: list[int], factorial: list[int]) -> Fraction:
    """``∫₀¹ f(x) G(x) dx`` for the Beta(a, b) density f and G in scaled Bernstein form.

    ``f(x) = x^(a−1) (1−x)^(b−1) / B(a, b)`` and ``∫₀¹ x^k (1−x)^l dx = k! l! / (k+l+1)!``, so
    with G of degree m: ``Σ_k g_k (k+a−1)! (m−k+b−1)! / ((m+a+b−1)! B(a, b))``.
    """
    m = len(g) - 1
    inverse_beta = (a + b - 1) * math.comb(a + b - 2, a - 1)  # 1/B(a, b), an integer
    numerator = sum(
        g_k * factorial[k + a - 1] * factorial[m - k + b - 1] for k, g_k in enumerate(g) if g_k
    )
    return Fraction(inverse_beta * numerator, factorial[m + a + b - 1])


def _beta_thompson_polynomial(
    params: list[tuple[int, int]], deadline: float | None = None
) -> tuple[Fraction, ...]:
    """``∫ f_i Π_{j≠i} F_j`` for every arm by exact polynomial products (any number of arms)."""
    cdfs = [_beta_cdf_poly(a, b) for a, b in params]
    # Π_{j≠i} F_j for every i from prefix and suffix products: 2K multiplications, not K².
    prefix = [[1]]
    for cdf in cdfs[:-1]:
        prefix.append(_poly_mul(prefix[-1], cdf, deadline))
    suffix = [[1]]
    for cdf in cdfs[:0:-1]:
        suffix.append(_poly_mul(suffix[-1], cdf, deadline))
    suffix.reverse()
    top = sum(a + b for a, b in params)
    factorial = list(itertools.accumulate(range(1, top + 1), operator.mul, initial=1))
    return tuple(
        _beta_expectation(a, b, _poly_mul(prefix[i], suffix[i], deadline), factorial)
        for i, (a, b) in enumerate(params)
    )


def _hypergeometric_split(
    lo: int, hi: int, p: Callable[[int], int], q: Callable[[int], int]
) -> tuple[int, int, int]:
    """Binary splitting of ``Σ_{i=lo}^{hi−1} Π_{j=lo}^{i} p(j)/q(j)`` = T/Q; returns (P, Q, T)."""
    if hi - lo == 1:
        return p(lo), q(lo), p(lo)
    mid = (lo + hi) // 2
    p1, q1, t1 = _hypergeometric_split(lo, mid, p, q)
    p2, q2, t2 = _hypergeometric_split(mid, hi, p, q)
    return p1 * p2, q1 * q2, t1 * q2 + p1 * t2


def _greater_sum(a1: int, b1: int, a2: int, b2: int) -> Fraction:
    """``P(X₂ > X₁)`` by the finite sum over ``i < a2`` (see ``beta_greater_probability``)."""
    n = a1 + b1 + b2
    first = Fraction(
        math.perm(b1 + b2 - 1, b2), math.perm(n - 1, b2)
    )  # t₀ = B(a1, b1+b2)/B(a1, b1)
    if a2 == 1:
        return first
    # t_{i+1}/t_i = (a1+i)(b2+i) / ((n+i)(i+1)): Σ t_i = t₀ (1 + T/Q), exact in integers.
    _, q, t = _hypergeometric_split(
        0, a2 - 1, lambda j: (a1 + j) * (b2 + j), lambda j: (n + j) * (j + 1)
    )
    return first * Fraction(q + t, q)


def beta_greater_probability(a1: int, b1: int, a2: int, b2: int) -> Fraction:
    """Exact ``P(X₂ > X₁)`` for independent X₁ ~ Beta(a1, b1), X₂ ~ Beta(a2, b2), integers ≥ 1.

    The closed-form finite sum (Cook 2005; Miller 2015)

        P(X₂ > X₁) = Σ_{i=0}^{a2−1} B(a1+i, b1+b2) / ((b2+i) B(1+i, b2) B(a1, b1)),

    whose consecutive terms have the ratio (a1+i)(b2+i) / ((a1+b1+b2+i)(i+1)), summed exactly
    by binary splitting. With P(X₂ > X₁) = 1 − P(X₁ > X₂) and the reflection 1 − X ~ Beta(b, a),
    it runs over the smallest of the four parameters: O(min(a1, b1, a2, b2)) terms, so a history
    of 10⁵ observations takes seconds where the polynomial route takes hours.

    Args:
        a1: α of X₁.
        b1: β of X₁.
        a2: α of X₂.
        b2: β of X₂.

    Returns:
        The probability as a Fraction.

    >>> beta_greater_probability(1, 2, 2, 1)  # the lecture: P(X_b > X_a) = 5/6
    Fraction(5, 6)
    """
    smallest = min(a1, b1, a2, b2)
    if smallest == a2:
        return _greater_sum(a1, b1, a2, b2)
    if smallest == a1:
        return 1 - _greater_sum(a2, b2, a1, b1)
    if smallest == b1:  # X₂ > X₁ ⇔ 1−X₁ > 1−X₂, with 1−X ~ Beta(b, a)
        return _greater_sum(b2, a2, b1, a1)
    return 1 - _greater_sum(b1, a1, b2, a2)


def beta_thompson_exact(
    alpha: Sequence[int], beta: Sequence[int], *, budget: float | None = None
) -> tuple[Fraction, ...]:
    """Exact probability that Thompson sampling picks each arm, for integer Beta posteriors.

    ``P(A = i) = ∫₀¹ f_i(x) Π_{j≠i} F_j(x) dx`` where, for integer parameters, the density f_i
    and the distribution functions F_j are polynomials with integer coefficients (in the
    scaled Bernstein basis x^k (1−x)^(n−k), all non-negative), so the integral is a rational
    number, evaluated exactly (REFERENCE.md §1; Russo et al. 2018). Two arms take the
    closed-form finite sum of ``beta_greater_probability`` (seconds for 10⁵ observations);
    more arms the polynomial products, about half a second for a history of 1,000
    observations on 2–10 arms and growing quickly beyond that (the numbers have thousands of
    digits), where ``budget`` or ``method="integration"`` are the tools.

    Args:
        alpha: (K,) integer α parameters ≥ 1.
        beta: (K,) integer β parameters ≥ 1.
        budget: seconds the polynomial route (three or more arms) may take, or None.

    Returns:
        K Fractions summing to exactly 1.

    Raises:
        ExactBudgetExceeded: the budget ran out before the answer.

    >>> beta_thompson_exact([1, 2], [2, 1])
    (Fraction(1, 6), Fraction(5, 6))
    """
    if len(alpha) != len(beta) or not alpha:
        raise ValueError(f"alpha and beta must be non-empty and of one length, got {alpha}, {beta}")
    params = []
    for a, b in zip(alpha, beta, strict=True):
        a_int, b_int = Fraction(a), Fraction(b)
        if a_int.denominator != 1 or b_int.denominator != 1 or a_int < 1 or b_int < 1:
            raise ValueError(
                f"exact Thompson probabilities need integer Beta parameters >= 1, got "
                f"Beta({a}, {b}); use method='integration' for other priors"
            )
        params.append((int(a_int), int(b_int)))
    if len(params) == 1:
        return (Fraction(1),)
    if len(params) == 2:
        (a1, b1), (a2, b2) = params
        second = beta_greater_probability(a1, b1, a2, b2)
        return (1 - second, second)
    deadline = None if budget is None else time.monotonic() + budget
    return _beta_thompson_polynomial(params, deadline)


def beta_posterior(
    n_arms: int,
    history: Iterable[tuple[int, Any]],
    prior: tuple[Any, Any] = (1, 1),
    *,
    swapped: bool = False,
) -> tuple[list[Fraction], list[Fraction]]:
    """Exact Beta–Bernoulli posterior parameters after a history.

    Reward 1 → α ← α + 1, reward 0 → β ← β + 1. With ``swapped=True`` the counts go the
    other way round — the mistake made in the lecture video, kept to show what it gives.

    Args:
        n_arms: the number of arms K.
        history: (action_index, reward) pairs, rewards 0 or 1.
        prior: (α₀, β₀) of every arm.
        swapped: apply the swapped (wrong) update.

    Returns:
        (alpha, beta), each K Fractions.
    """
    history = _exact_history(history)
    prior = _exact_params({"prior": prior})["prior"]
    BetaThompson.from_history(n_arms, history, prior=prior)  # validates everything
    alpha, beta = [prior[0]] * n_arms, [prior[1]] * n_arms
    successes, failures = (beta, alpha) if swapped else (alpha, beta)
    for action, reward in history:
        if reward == 1:
            successes[action] += 1
        else:
            failures[action] += 1
    return alpha, beta


def gaussian_thompson_exact(mean: Sequence[float], std: Sequence[float]) -> tuple[float, ...]:
    """Probability that each independent normal variable is the largest, in closed form.

    Arm i is the largest iff every difference ``D_j = X_i − X_j`` (j ≠ i) is positive;
    D ~ N(μ_i − μ_j, σ_i² + δ_jk σ_j²). Two arms: ``Φ((μ_i − μ_j) / sqrt(σ_i² + σ_j²))``.
    Three arms: a bivariate normal orthant probability (scipy's Genz/Drezner–Wesolowsky
    algorithm, accurate to double precision). More arms: the (K−1)-variate normal CDF by
    Genz's quasi-Monte Carlo method with absolute error ≈ 1e-9 (slow: about a second per arm).

    Args:
        mean: (K,) posterior means.
        std: (K,) posterior standard deviations > 0.

    Returns:
        K floats.
    """
    mean = np.asarray(mean, dtype=np.float64)
    std = np.asarray(std, dtype=np.float64)
    if len(mean) == 1:
        return (1.0,)
    if len(mean) == 2:
        z = (mean[0] - mean[1]) / math.hypot(std[0], std[1])
        first = 0.5 * math.erfc(-z / math.sqrt(2.0))
        return (first, 0.5 * math.erfc(z / math.sqrt(2.0)))
    probabilities = []
    for i in range(len(mean)):
        others = np.delete(np.arange(len(mean)), i)
        cov = std[i] ** 2 + np.diag(std[others] ** 2)
        # P(D > 0) = P(−D ≤ 0) with −D ~ N(μ_j − μ_i, cov)
        orthant = stats.multivariate_normal.cdf(
            np.zeros(len(others)),
            mean=mean[others] - mean[i],
            cov=cov,
            abseps=1e-12,
            releps=1e-12,
            maxpts=10**7,
            rng=np.random.default_rng(_GENZ_SEED),  # the same input gives the same digits
        )
        probabilities.append(float(orthant))
    return tuple(probabilities)


# ----------------------------------------------------------------------------------------------
# Simulation.
# ----------------------------------------------------------------------------------------------


def simulate(
    policy: Policy,
    samples: int,
    rng: np.random.Generator,
    confidence: float = 0.99,
    progress: bool = False,
) -> SimulationEstimate:
    """Frequencies of ``samples`` next actions drawn with the policy's own ``select``.

    The single-run state is broadcast to a chunk of identical runs, so each ``select`` call
    draws a chunk of independent next actions. The interval is Clopper–Pearson (exact
    binomial), so it contains the true probability with probability ≥ ``confidence``.

    Args:
        policy: a single-run policy (``n_runs = 1``) with ``broadcast``.
        samples: the number of draws N ≥ 1.
        rng: the random generator.
        confidence: the interval's level in (0, 1).
        progress: show a progress bar (tqdm, on stderr).

    Returns:
        The frequencies and their intervals.
    """
    samples = _checks.count("samples", samples)
    if not isinstance(confidence, Real) or not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    counts = np.zeros(policy.n_arms, dtype=np.int64)
    chunk = policy.broadcast(min(_CHUNK, samples))
    with progress_bar(
        samples, unit="draw", unit_scale=True, disable=not progress, leave=False
    ) as bar:
        for start in range(0, samples, _CHUNK):
            size = min(_CHUNK, samples - start)
            view = chunk if size == chunk.n_runs else policy.broadcast(size)
            counts += np.bincount(view.select(rng), minlength=policy.n_arms)
            bar.update(size)
    tail = (1.0 - confidence) / 2.0
    with np.errstate(invalid="ignore"):
        low = stats.beta.ppf(tail, counts, samples - counts + 1)
        high = stats.beta.ppf(1.0 - tail, counts + 1, samples - counts)
    return SimulationEstimate(
        frequency=counts / samples,
        ci_low=np.where(counts == 0, 0.0, low),
        ci_high=np.where(counts == samples, 1.0, high),
        samples=int(samples),
        confidence=float(confidence),
    )


# ----------------------------------------------------------------------------------------------
# The public entry point.
# ----------------------------------------------------------------------------------------------


def _policy_class(policy: str | type) -> type:
    if isinstance(policy, str):
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {', '.join(POLICIES)}; got {policy!r}")
        return POLICIES[policy]
    if policy in POLICIES.values():
        return policy
    raise TypeError(f"policy must be a policy name or class, got {policy!r}")


def _exact_params(params: dict[str, Any]) -> dict[str, Any]:
    """Numbers typed as strings or floats become the Fractions they read as."""
    exact: dict[str, Any] = {}
    for name, value in params.items():
        if name == "baseline" or value is None:
            exact[name] = value
        elif name == "prior":
            if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
                raise ValueError(f"prior must be a pair (alpha0, beta0), got {value!r}")
            exact[name] = (_fraction("prior alpha0", value[0]), _fraction("prior beta0", value[1]))
        else:
            exact[name] = _fraction(name, value)
    return exact


def _n_arms(n_arms: int | None, history: list) -> int:
    if n_arms is not None:
        return n_arms
    actions = [entry[0] for entry in history if _is_pair(entry)]
    if not all(isinstance(a, int | np.integer) and not isinstance(a, bool) for a in actions):
        raise TypeError("history actions must be integer arm indices")
    if not actions:
        raise ValueError("n_arms is needed when the history is empty")
    return max(actions) + 1


def _exact_history(history: Iterable[tuple[int, Any]]) -> list:
    """Rewards as the rationals they read as; malformed entries are left to the policy's check."""
    exact = []
    for step, entry in enumerate(history):
        if _is_pair(entry):
            entry = (entry[0], _fraction(f"history entry {step}: reward", entry[1]))
        exact.append(entry)
    return exact


def build_policy(
    policy: str | type,
    history: Iterable[tuple[int, Any]],
    n_arms: int | None = None,
    **params: Any,
) -> Policy:
    """A single-run policy of the named kind that has learned from ``history``.

    Args:
        policy: a name of :data:`POLICIES` or a policy class.
        history: (action_index, reward) pairs.
        n_arms: the number of arms; default: the largest action in the history + 1.
        **params: the policy's parameters; numbers may be strings ("0.1") or Fractions.

    Returns:
        The policy, ``n_runs = 1``.
    """
    cls = _policy_class(policy)
    history = _exact_history(history)
    return cls.from_history(_n_arms(n_arms, history), history, **_exact_params(params))


def _exact(
    cls: type, policy: Policy, history: list, params: dict[str, Any], budget: float | None
) -> Probabilities:
    """The closed form for each policy class (see the module docstring)."""
    k = policy.n_arms
    if cls in (Greedy, EpsilonGreedy, UCB):
        values, counts = _action_values(
            k, history, params.get("step_size"), params.get("initial_value", Fraction(0))
        )
        if cls is UCB:
            return _ucb_exact(values, counts, params.get("c", _fraction("c", policy.c)))
        greedy = _uniform_over_max(values)
        if cls is Greedy:
            return greedy
        epsilon = params.get("epsilon", _fraction("epsilon", policy.epsilon))
        return tuple((1 - epsilon) * g + epsilon / k for g in greedy)
    if cls is BetaThompson:
        prior = params.get("prior", (Fraction(1), Fraction(1)))
        return beta_thompson_exact(*beta_posterior(k, history, prior), budget=budget)
    if cls is GaussianThompson:
        return gaussian_thompson_exact(policy.posterior_mean[0], policy.posterior_std[0])
    # softmax gradient bandit: π = softmax(H) is its own closed form
    return tuple(float(p) for p in policy.action_probabilities()[0])


def action_probabilities(
    policy: str | type,
    history: Iterable[tuple[int, Any]],
    *,
    method: str = "exact",
    n_arms: int | None = None,
    samples: int = 1_000_000,
    rng: np.random.Generator | int | None = None,
    confidence: float = 0.99,
    progress: bool = False,
    budget: float | None = None,
    **params: Any,
) -> Probabilities | NDArray[np.float64] | SimulationEstimate | None:
    """P(A_{t+1} = a) for every arm after ``history``, by one of three independent methods.

    Args:
        policy: "greedy", "epsilon-greedy", "ucb", "thompson", "gaussian-thompson",
            "gradient", or the policy class.
        history: (action_index, reward) pairs in order.
        method: "exact" (Fractions where rational), "integration" (quadrature, Thompson
            only) or "simulation" (the policy's own ``select``).
        n_arms: the number of arms; default: the largest action in the history + 1.
        samples: simulation draws.
        rng: a Generator or an integer seed (simulation only; required there).
        confidence: level of the simulation's interval.
        progress: show the simulation's progress bar.
        budget: seconds the exact route may take for Thompson sampling on three or more arms
            (None: no limit); past it, ``ExactBudgetExceeded`` is raised.
        **params: the policy's parameters (epsilon, c, step_size, initial_value, prior, ...).

    Returns:
        exact: a tuple of K Fractions (or floats); integration: a (K,) array, or None where
        there is no integral; simulation: a :class:`SimulationEstimate`.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    cls = _policy_class(policy)
    history = _exact_history(history)
    exact_params = _exact_params(params)
    built = build_policy(cls, history, n_arms, **exact_params)
    if method == "exact":
        return _exact(cls, built, history, exact_params, budget)
    if method == "integration":
        if cls in (BetaThompson, GaussianThompson):
            return built.action_probabilities()[0]
        return None
    if rng is None:
        raise ValueError("method='simulation' needs rng: a numpy Generator or an integer seed")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    return simulate(built, samples, rng, confidence, progress)
