"""Bandit formulas against independently written references (the mutation audit's gaps).

Each reference here is written from the textbook formula, in plain Python or with scipy, and
shares no code with the package: the Gaussian conjugate update one observation at a time,
the softmax gradient bandit as a loop over arms, Clopper–Pearson from
``scipy.stats.binomtest``, the testbed's noise from sample moments.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from bandits.environments import BernoulliBandit, GaussianBandit, gaussian_testbed
from bandits.policies import GaussianThompson
from bandits.probability import action_probabilities, build_policy, simulate

# ------------------------------------------------------------------------------------------
# Gaussian Thompson sampling: the posterior for any prior and noise level.
# ------------------------------------------------------------------------------------------


def conjugate_posterior(n_arms, history, prior_mean, prior_std, noise_std):
    """Normal prior, known noise: update (mean, variance) one reward at a time.

    The sequential (Kalman) form: gain k = v / (v + σ²), m ← m + k (r − m), v ← (1 − k) v.
    Algebraically the batch formula of Murphy (2007) §2, but no step is shared with it.
    """
    means = [prior_mean] * n_arms
    variances = [prior_std**2] * n_arms
    for arm, reward in history:
        gain = variances[arm] / (variances[arm] + noise_std**2)
        means[arm] += gain * (reward - means[arm])
        variances[arm] *= 1.0 - gain
    return np.array(means), np.sqrt(variances)


def gaussian_max_probabilities(mean, std):
    """P(X_i is the largest) for independent normals, by 1-D quadrature of f_i Π F_j."""

    def arm(i):
        def integrand(x):
            others = (stats.norm.cdf(x, mean[j], std[j]) for j in range(len(mean)) if j != i)
            return stats.norm.pdf(x, mean[i], std[i]) * math.prod(others)

        lo, hi = mean[i] - 12 * std[i], mean[i] + 12 * std[i]
        return integrate.quad(integrand, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=200)[0]

    return np.array([arm(i) for i in range(len(mean))])


GAUSSIAN_CASE = st.integers(2, 3).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.lists(st.tuples(st.integers(0, k - 1), st.floats(-4, 4, allow_nan=False)), max_size=8),
        st.floats(-3, 3),  # prior mean
        st.floats(0.2, 4),  # prior std
        st.floats(0.2, 4),  # noise std
    )
)


@settings(max_examples=60)
@given(GAUSSIAN_CASE)
def test_gaussian_thompson_posterior_equals_the_sequential_conjugate_update(case):
    n_arms, history, prior_mean, prior_std, noise_std = case
    params = {"prior_mean": prior_mean, "prior_std": prior_std, "noise_std": noise_std}
    policy = GaussianThompson.from_history(n_arms, history, **params)
    mean, std = conjugate_posterior(n_arms, history, prior_mean, prior_std, noise_std)
    np.testing.assert_allclose(policy.posterior_mean[0], mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(policy.posterior_std[0], std, rtol=1e-10)


@settings(max_examples=30)
@given(GAUSSIAN_CASE)
def test_gaussian_thompson_exact_answer_for_any_prior_and_noise(case):
    n_arms, history, prior_mean, prior_std, noise_std = case
    params = {"prior_mean": prior_mean, "prior_std": prior_std, "noise_std": noise_std}
    exact = action_probabilities("gaussian-thompson", history, n_arms=n_arms, **params)
    mean, std = conjugate_posterior(n_arms, history, prior_mean, prior_std, noise_std)
    if n_arms == 2:  # X_0 − X_1 ~ N(m_0 − m_1, v_0 + v_1)
        first = stats.norm.cdf((mean[0] - mean[1]) / math.hypot(std[0], std[1]))
        np.testing.assert_allclose(exact, [first, 1 - first], rtol=0, atol=1e-12)
    else:
        np.testing.assert_allclose(exact, gaussian_max_probabilities(mean, std), atol=1e-8)


def test_gaussian_thompson_samples_come_from_the_posterior():
    # One arm pulled 3 times: prior N(2, 0.5²), noise 1.5 → posterior N(m, v) by hand:
    # τ = 1/0.25 + 3/2.25 = 16/3, m = (2/0.25 + 4/2.25) / τ = (8 + 16/9) · 3/16 = 11/6.
    policy = GaussianThompson.from_history(
        2, [(0, 1.0), (0, 2.0), (0, 1.0)], prior_mean=2.0, prior_std=0.5, noise_std=1.5
    )
    assert policy.posterior_mean[0, 0] == pytest.approx(11 / 6, rel=1e-14)
    assert policy.posterior_std[0, 0] == pytest.approx(math.sqrt(3 / 16), rel=1e-14)
    assert policy.posterior_mean[0, 1] == 2.0 and policy.posterior_std[0, 1] == 0.5
    # select plays the arm of the larger sample: P(arm 1) = Φ((2 − 11/6) / sqrt(0.25 + 3/16))
    estimate = simulate(policy, 200_000, np.random.default_rng(0), confidence=1 - 1e-6)
    p1 = stats.norm.cdf((1 / 6) / math.sqrt(0.25 + 3 / 16))
    assert estimate.ci_low[1] <= p1 <= estimate.ci_high[1]


# ------------------------------------------------------------------------------------------
# The softmax gradient bandit: a loop over arms, straight from Sutton & Barto §2.8.
# ------------------------------------------------------------------------------------------


def gradient_bandit_reference(n_arms, history, alpha, baseline=True):
    """π after the history: H_{t+1}(a) = H_t(a) + α (R_t − R̄_t)(1[a = A_t] − π_t(a))."""
    preferences = [0.0] * n_arms
    average, steps = 0.0, 0

    def pi():
        top = max(preferences)
        weights = [math.exp(h - top) for h in preferences]
        return [w / sum(weights) for w in weights]

    for action, reward in history:
        reward = float(reward)
        probabilities = pi()
        base = (average if steps else reward) if baseline else 0.0
        for arm in range(n_arms):
            indicator = 1.0 if arm == action else 0.0
            preferences[arm] += alpha * (reward - base) * (indicator - probabilities[arm])
        steps += 1
        average += (reward - average) / steps
    return pi()


@settings(max_examples=80)
@given(
    st.integers(2, 4).flatmap(
        lambda k: st.tuples(
            st.just(k),
            st.lists(
                st.tuples(st.integers(0, k - 1), st.floats(-3, 3, allow_nan=False)), max_size=12
            ),
        )
    ),
    st.floats(0.05, 2.0),
    st.booleans(),
)
def test_gradient_bandit_equals_the_textbook_loop(case, alpha, baseline):
    n_arms, history = case
    reference = gradient_bandit_reference(n_arms, history, alpha, baseline)
    exact = action_probabilities("gradient", history, n_arms=n_arms, alpha=alpha, baseline=baseline)
    np.testing.assert_allclose(exact, reference, rtol=0, atol=1e-12)
    policy = build_policy("gradient", history, n_arms, alpha=alpha, baseline=baseline)
    np.testing.assert_allclose(policy.action_probabilities()[0], reference, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------
# The simulation's interval is Clopper–Pearson at the requested level.
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.9, 0.98, 0.99, 0.999])
@pytest.mark.parametrize(
    ("policy", "params", "samples"),
    [
        ("epsilon-greedy", {"epsilon": "0.6"}, 500),  # P = (0.3, 0.7)
        ("thompson", {}, 3000),  # P = (1/6, 5/6)
        ("greedy", {}, 50),  # P = (0, 1): the interval's ends at 0 and 1
    ],
)
def test_simulation_interval_is_scipy_clopper_pearson(policy, params, samples, confidence):
    estimate = action_probabilities(
        policy,
        [(0, 0), (1, 1)],
        method="simulation",
        samples=samples,
        rng=7,
        confidence=confidence,
        **params,
    )
    assert estimate.samples == samples and estimate.confidence == confidence
    counts = np.rint(estimate.frequency * samples).astype(int)
    assert counts.sum() == samples
    np.testing.assert_allclose(estimate.frequency, counts / samples, rtol=0, atol=1e-15)
    for arm, k in enumerate(counts):
        interval = stats.binomtest(int(k), samples).proportion_ci(confidence, method="exact")
        assert estimate.ci_low[arm] == pytest.approx(interval.low, abs=1e-12)
        assert estimate.ci_high[arm] == pytest.approx(interval.high, abs=1e-12)


def test_simulation_frequencies_follow_the_policy_not_a_uniform_split():
    # ε-greedy with ε = 0.6 after a:0 b:1 plays a with probability 0.3: 10⁵ draws put the
    # frequency within 0.3 ± 0.006 (more than 4 standard errors).
    estimate = action_probabilities(
        "epsilon-greedy", [(0, 0), (1, 1)], epsilon="0.6", method="simulation", samples=10**5, rng=1
    )
    np.testing.assert_allclose(estimate.frequency, [0.3, 0.7], atol=0.006)


# ------------------------------------------------------------------------------------------
# Environments: the rewards have the means and the noise they are given.
# ------------------------------------------------------------------------------------------


def test_gaussian_testbed_values_and_reward_noise_have_the_given_moments():
    n_runs, n_arms = 100_000, 3
    rng = np.random.default_rng(11)
    env = gaussian_testbed(n_runs, n_arms, rng, q_mean=4.0, q_std=0.5, reward_std=2.0)
    # q* ~ N(4, 0.5²): 3·10⁵ values; tolerances are 6 standard errors of each estimate
    n = n_runs * n_arms
    assert env.means.mean() == pytest.approx(4.0, abs=6 * 0.5 / math.sqrt(n))
    assert env.means.std() == pytest.approx(0.5, abs=6 * 0.5 / math.sqrt(2 * n))
    actions = rng.integers(n_arms, size=n_runs)
    rewards, gaps = env.step(actions, rng)
    chosen = env.means[np.arange(n_runs), actions]
    noise = rewards - chosen
    assert noise.mean() == pytest.approx(0.0, abs=6 * 2.0 / math.sqrt(n_runs))
    # sample variance of n normals: standard error σ² sqrt(2 / n)
    assert noise.var() == pytest.approx(4.0, abs=6 * 4.0 * math.sqrt(2 / n_runs))
    np.testing.assert_array_equal(gaps, env.means.max(axis=1) - chosen)


@pytest.mark.parametrize("reward_std", [0.25, 3.0])
def test_gaussian_bandit_reward_std(reward_std):
    n_runs = 50_000
    means = np.tile([-1.0, 0.5], (n_runs, 1))
    env = GaussianBandit(means, reward_std=reward_std)
    rewards, gaps = env.step(np.ones(n_runs, dtype=np.int64), np.random.default_rng(3))
    assert rewards.mean() == pytest.approx(0.5, abs=6 * reward_std / math.sqrt(n_runs))
    sd_of_var = reward_std**2 * math.sqrt(2 / n_runs)
    assert rewards.var() == pytest.approx(reward_std**2, abs=6 * sd_of_var)
    assert np.all(gaps == 0.0)


def test_bernoulli_bandit_success_rates_and_gaps():
    n_runs = 60_000
    env = BernoulliBandit([0.2, 0.7, 0.5], n_runs=n_runs)
    actions = np.repeat(np.arange(3), n_runs // 3)
    rewards, gaps = env.step(actions, np.random.default_rng(5))
    assert set(np.unique(rewards)) <= {0.0, 1.0}
    for arm, p in enumerate([0.2, 0.7, 0.5]):
        rate = rewards[actions == arm].mean()
        assert rate == pytest.approx(p, abs=6 * math.sqrt(p * (1 - p) / (n_runs // 3)))
    np.testing.assert_allclose(gaps, 0.7 - np.array([0.2, 0.7, 0.5])[actions], atol=1e-15)


# ------------------------------------------------------------------------------------------
# The exact route for the value policies, against a direct float evaluation.
# ------------------------------------------------------------------------------------------


def _values(n_arms, history, step_size=None, initial_value=0.0):
    q, n, total = [initial_value] * n_arms, [0] * n_arms, [0.0] * n_arms
    for arm, reward in history:
        n[arm] += 1
        total[arm] += reward
        q[arm] = (
            total[arm] / n[arm] if step_size is None else q[arm] + step_size * (reward - q[arm])
        )
    return q, n


@pytest.mark.parametrize("c", [0.5, 1.0, 3.0])
def test_ucb_exact_is_the_argmax_of_the_textbook_bound(c):
    rng = np.random.default_rng(int(c * 10))
    checked = 0
    for _ in range(40):
        history = [(int(a), float(rng.integers(0, 5)) / 4) for a in rng.integers(3, size=9)]
        q, n = _values(3, history)
        if min(n) == 0:
            continue
        t = len(history) + 1
        bounds = [q[a] + c * math.sqrt(math.log(t) / n[a]) for a in range(3)]
        ranked = sorted(bounds, reverse=True)
        if ranked[0] - ranked[1] < 1e-9:  # a tie needs equal (Q, N): tested elsewhere
            continue
        expected = tuple(int(b == ranked[0]) for b in bounds)
        assert action_probabilities("ucb", history, c=c) == expected
        checked += 1
    assert checked >= 20


def test_epsilon_greedy_exact_is_the_mixture_formula():
    # constant step 0.5 from Q1 = 0; ε = 0.3 over 3 arms: (1 − ε)·greedy + ε/3
    history = [(0, 1), (1, "0.5"), (1, "0.5"), (2, "0.5")]
    exact = action_probabilities(
        "epsilon-greedy", history, epsilon="0.3", step_size="0.5", initial_value=0
    )
    q, _ = _values(3, [(a, float(Fraction(r))) for a, r in history], 0.5, 0.0)
    assert q == [0.5, 0.375, 0.25]  # arm 1: 0 → 0.25 → 0.375: arm 0 alone is greedy
    assert exact == (Fraction(7, 10) + Fraction(1, 10), Fraction(1, 10), Fraction(1, 10))
