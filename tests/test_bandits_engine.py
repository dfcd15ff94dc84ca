"""The vectorised engine, the environments and the KL-UCB index against independent references."""

import math
import statistics

import numpy as np
import pytest
from scipy import integrate, stats

from bandits import engine
from bandits.engine import mean_and_stderr, run
from bandits.environments import BernoulliBandit, GaussianBandit, gaussian_testbed
from bandits.kl_ucb import KLUCB, bernoulli_kl, kl_ucb_index, lai_robbins_constant
from bandits.policies import UCB, BetaThompson, EpsilonGreedy, GradientBandit

# ------------------------------------------------------------------------------------------
# A looped reference fed the same random draws.
# ------------------------------------------------------------------------------------------


class Recorder:
    """A Generator that records the output of every call, in order."""

    def __init__(self, rng):
        self._rng = rng
        self.calls = []

    def __getattr__(self, name):
        method = getattr(self._rng, name)

        def record(*args, **kwargs):
            out = method(*args, **kwargs)
            self.calls.append((name, np.array(out)))
            return out

        return record


class Replay:
    """Serves run ``run``'s slice (leading axis) of each recorded call to a one-run consumer."""

    def __init__(self, calls, run, n_runs):
        self._calls = iter(calls)
        self._run = run
        self._n_runs = n_runs

    def __getattr__(self, name):
        def replay(*args, **kwargs):
            recorded_name, value = next(self._calls)
            assert recorded_name == name, "the one-run loop must draw in the same order"
            assert value.shape[0] == self._n_runs, "every draw must have one row per run"
            return value[self._run : self._run + 1]

        return replay


class ActionSpy:
    """Passes a policy through and keeps the actions it selected."""

    def __init__(self, policy):
        self._policy = policy
        self.n_runs, self.n_arms = policy.n_runs, policy.n_arms
        self.actions = []

    def select(self, rng):
        actions = self._policy.select(rng)
        self.actions.append(actions.copy())
        return actions

    def update(self, actions, rewards):
        self._policy.update(actions, rewards)

    def action_probabilities(self):
        return self._policy.action_probabilities()


def looped_reference(make_policy, arm_means, reward_kind, n_steps, calls, n_runs):
    """Each run on its own, a plain Python loop over steps with scalar bookkeeping."""
    actions = np.zeros((n_steps, n_runs), dtype=int)
    rewards = np.zeros((n_steps, n_runs))
    optimal = np.zeros((n_steps, n_runs))
    regret = np.zeros((n_steps, n_runs))
    for r in range(n_runs):
        draws = Replay(calls, r, n_runs)
        means = [float(m) for m in (arm_means(draws) if callable(arm_means) else arm_means)]
        policy = make_policy(1)
        total_gap = 0.0
        for t in range(n_steps):
            a = int(policy.select(draws)[0])
            if reward_kind == "gaussian":
                reward = means[a] + float(draws.standard_normal(1)[0])
            else:
                reward = 1.0 if float(draws.random(1)[0]) < means[a] else 0.0
            policy.update([a], [reward])
            gap = max(means) - means[a]
            total_gap += gap
            actions[t, r], rewards[t, r] = a, reward
            optimal[t, r], regret[t, r] = float(gap == 0.0), total_gap
    return actions, rewards, optimal, regret


def per_step_mean_and_stderr(values):
    means = [statistics.fmean(row) for row in values]
    stderrs = [statistics.stdev(row) / math.sqrt(len(row)) for row in values]
    return np.array(means), np.array(stderrs)


GAUSSIAN_POLICIES = {
    # Q1 = -100: after the first pull one arm is above the untried ones, so no later ties
    "epsilon-greedy": lambda n: EpsilonGreedy(5, n_runs=n, epsilon=0.3, initial_value=-100.0),
    "ucb": lambda n: UCB(5, n_runs=n, c=1.0),
    "gradient": lambda n: GradientBandit(5, n_runs=n, alpha=0.2, baseline=True),
}


@pytest.mark.parametrize("name", sorted(GAUSSIAN_POLICIES))
def test_engine_equals_looped_reference_on_the_testbed(name):
    n_runs, n_steps = 7, 40
    make_policy = GAUSSIAN_POLICIES[name]
    rng = Recorder(np.random.default_rng(3))
    env = gaussian_testbed(n_runs, 5, rng, q_mean=0.5)
    spy = ActionSpy(make_policy(n_runs))
    curves = run(spy, env, n_steps, rng, window=10)

    def arm_means(draws):
        return draws.normal(0.5, 1.0, size=(1, 5))[0]

    actions, rewards, optimal, regret = looped_reference(
        make_policy, arm_means, "gaussian", n_steps, rng.calls, n_runs
    )
    np.testing.assert_array_equal(np.array(spy.actions), actions)
    for got, got_se, values in (
        (curves.mean_reward, curves.reward_stderr, rewards),
        (curves.optimal, curves.optimal_stderr, optimal),
        (curves.regret, curves.regret_stderr, regret),
    ):
        mean, stderr = per_step_mean_and_stderr(values)
        np.testing.assert_allclose(got, mean, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got_se, stderr, rtol=1e-9, atol=1e-12)
    for moments, per_run in (
        (curves.run_mean_reward, rewards.mean(axis=0)),
        (curves.run_final_reward, rewards[-10:].mean(axis=0)),
        (curves.run_final_optimal, optimal[-10:].mean(axis=0)),
    ):
        assert moments.count == n_runs
        assert moments.mean == pytest.approx(statistics.fmean(per_run), rel=1e-12)
        stderr = statistics.stdev(per_run) / math.sqrt(n_runs)
        assert moments.stderr == pytest.approx(stderr, rel=1e-9)


def test_engine_equals_looped_reference_on_bernoulli_arms():
    n_runs, n_steps, means = 6, 50, [0.2, 0.5, 0.55, 0.9]
    rng = Recorder(np.random.default_rng(11))
    spy = ActionSpy(BetaThompson(4, n_runs=n_runs))
    curves = run(spy, BernoulliBandit(means, n_runs=n_runs), n_steps, rng)
    actions, rewards, _, regret = looped_reference(
        lambda n: BetaThompson(4, n_runs=n), means, "bernoulli", n_steps, rng.calls, n_runs
    )
    np.testing.assert_array_equal(np.array(spy.actions), actions)
    np.testing.assert_allclose(curves.mean_reward, rewards.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(curves.regret, regret.mean(axis=1), rtol=1e-12)
    assert curves.window == n_steps  # the default window of 100 is clipped to T


def test_engine_uses_one_draw_per_call_for_all_runs():
    rng = Recorder(np.random.default_rng(0))
    env = gaussian_testbed(50, 10, rng)
    run(EpsilonGreedy(10, n_runs=50, epsilon=0.5, initial_value=-100.0), env, 5, rng)
    assert all(value.shape[0] == 50 for _, value in rng.calls)


def test_same_seed_same_numbers_bit_for_bit():
    def once(seed):
        rng = np.random.default_rng(seed)
        env = gaussian_testbed(30, 10, rng)
        return run(UCB(10, n_runs=30, c=2.0), env, 120, rng)

    first, second, other = once(5), once(5), once(6)
    for field in ("mean_reward", "reward_stderr", "optimal", "regret"):
        assert np.array_equal(getattr(first, field), getattr(second, field))
    assert first.run_mean_reward == second.run_mean_reward
    assert not np.array_equal(first.mean_reward, other.mean_reward)


def test_curves_do_not_depend_on_the_buffer_size(monkeypatch):
    def once():
        rng = np.random.default_rng(4)
        env = gaussian_testbed(50, 5, rng)
        done = []
        curves = run(UCB(5, n_runs=50, c=1.0), env, 230, rng, window=37, progress=done.append)
        return curves, done

    default, default_done = once()
    monkeypatch.setattr(engine, "_BUFFER_ENTRIES", 50 * 7)  # blocks of 7 steps
    small, small_done = once()
    assert default_done == [100, 100, 30] and small_done == [7] * 32 + [6]
    for field in (
        "mean_reward",
        "reward_stderr",
        "optimal",
        "optimal_stderr",
        "regret",
        "regret_stderr",
    ):
        np.testing.assert_array_equal(getattr(small, field), getattr(default, field))
    # per-run sums add the blocks in another order: equal up to rounding
    for field in ("run_mean_reward", "run_final_reward", "run_final_optimal"):
        got, expected = getattr(small, field), getattr(default, field)
        np.testing.assert_allclose([got.mean, got.m2], [expected.mean, expected.m2], rtol=1e-12)


def test_progress_reports_every_step():
    done = []
    rng = np.random.default_rng(0)
    run(
        UCB(3, n_runs=4), BernoulliBandit([0.1, 0.2, 0.3], n_runs=4), 250, rng, progress=done.append
    )
    assert sum(done) == 250


# ------------------------------------------------------------------------------------------
# Statistics of the engine against closed forms, with tolerances from the standard error.
# ------------------------------------------------------------------------------------------


def expected_max_of_normals(k, std=1.0):
    """E[max of k iid N(0, std²)] = std · ∫ x k φ(x) Φ(x)^(k−1) dx, by quadrature."""
    value, _ = integrate.quad(
        lambda x: x * k * stats.norm.pdf(x) * stats.norm.cdf(x) ** (k - 1), -np.inf, np.inf
    )
    return std * value


def test_expected_max_of_normals_reference():
    # k = 2: E[max] = 1/sqrt(pi); k = 3: 3/(2 sqrt(pi))
    assert expected_max_of_normals(2) == pytest.approx(1 / math.sqrt(math.pi), abs=1e-6)
    assert expected_max_of_normals(3) == pytest.approx(1.5 / math.sqrt(math.pi), abs=1e-6)


def test_uniform_play_matches_the_testbed_closed_forms():
    # ε = 1 plays uniformly: E[R_t] = q_mean, P(optimal) = 1/K, E[gap] = E[max of K normals]
    n_runs, n_arms, n_steps, q_mean = 4000, 10, 20, 4.0
    rng = np.random.default_rng(1)
    env = gaussian_testbed(n_runs, n_arms, rng, q_mean=q_mean)
    curves = run(EpsilonGreedy(n_arms, n_runs=n_runs, epsilon=1.0), env, n_steps, rng)
    z = 4.0  # a false alarm once in ~16,000 checks
    assert np.all(np.abs(curves.mean_reward - q_mean) < z * curves.reward_stderr)
    assert np.all(np.abs(curves.optimal - 1 / n_arms) < z * curves.optimal_stderr)
    gap = expected_max_of_normals(n_arms) * n_steps
    assert abs(curves.regret[-1] - gap) < z * curves.regret_stderr[-1]


def test_ucb_step_11_is_the_best_single_sample():
    # after one pull of each of K arms every UCB bonus is equal, so step K+1 plays the arm of
    # largest first reward q*(a) + noise: E[q*(A)] = E[max of K N(0, 2)] / 2 (q* and noise
    # share the sum equally) — the spike of Figure 2.4
    n_runs, n_arms = 3000, 10
    rng = np.random.default_rng(2)
    env = gaussian_testbed(n_runs, n_arms, rng)
    curves = run(UCB(n_arms, n_runs=n_runs, c=2.0), env, n_arms + 1, rng)
    expected = expected_max_of_normals(n_arms, std=math.sqrt(2.0)) / 2
    assert abs(curves.mean_reward[n_arms] - expected) < 4.0 * curves.reward_stderr[n_arms]
    assert abs(curves.mean_reward[:n_arms].mean()) < 4.0 * curves.reward_stderr[0]


def test_bernoulli_rewards_have_the_arm_means():
    n_runs = 20_000
    env = BernoulliBandit([0.25, 0.75], n_runs=n_runs)
    actions = np.repeat([0, 1], n_runs // 2)
    rewards, gaps = env.step(actions, np.random.default_rng(4))
    for arm, mean in ((0, 0.25), (1, 0.75)):
        sample = rewards[actions == arm]
        stderr = math.sqrt(mean * (1 - mean) / sample.size)
        assert abs(sample.mean() - mean) < 4 * stderr
    np.testing.assert_array_equal(gaps, np.where(actions == 0, 0.5, 0.0))


def test_mean_and_stderr_against_statistics():
    values = np.random.default_rng(0).normal(size=(3, 9))
    mean, stderr = mean_and_stderr(values)
    for row, m, s in zip(values, mean, stderr, strict=True):
        assert m == pytest.approx(statistics.fmean(row), rel=1e-12)
        assert s == pytest.approx(statistics.stdev(row) / 3.0, rel=1e-12)
    assert np.isnan(mean_and_stderr(np.ones((2, 1)))[1]).all()


# ------------------------------------------------------------------------------------------
# KL-UCB and the Lai–Robbins constant.
# ------------------------------------------------------------------------------------------


def kl(p, q):
    """Bernoulli relative entropy by hand, 0 ln 0 = 0."""
    return sum(a * math.log(a / b) for a, b in ((p, q), (1 - p, 1 - q)) if a > 0)


def bisection_index(p, n, log_t):
    lo, hi = p, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if mid < 1.0 and n * kl(p, mid) <= log_t:
            lo = mid
        else:
            hi = mid
    return lo


@pytest.mark.parametrize(
    ("p", "n", "log_t", "expected"),
    [
        (0.5, 10, 5 * math.log(4 / 3), 0.75),  # 10 kl(1/2, 3/4) = 5 ln(4/3)
        (0.1, 3, 3 * (0.1 * math.log(0.2) + 0.9 * math.log(1.8)), 0.5),  # 3 kl(0.1, 0.5)
        (0.0, 2, math.log(4), 0.5),  # kl(0, q) = −ln(1 − q): q = 1 − t^(−1/N)
        (0.0, 1, math.log(1e4), 1 - 1e-4),
        (0.3, 5, 0.0, 0.3),  # t = 1: no exploration
        (1.0, 4, 2.0, 1.0),
        (0.7, 0, 2.0, 1.0),  # an untried arm
    ],
)
def test_kl_ucb_index_hand_checked(p, n, log_t, expected):
    assert float(kl_ucb_index(p, n, log_t)) == pytest.approx(expected, abs=1e-12)
    # at t = 1 the float kl(p, p + δ) ≈ δ² underflows for δ < 1e-8: the bisection stalls there
    assert bisection_index(p, n, log_t) == pytest.approx(expected, abs=1e-12 if log_t else 1e-8)


def test_kl_ucb_index_equals_bisection_on_random_values():
    rng = np.random.default_rng(9)
    p = np.concatenate([rng.random(60), rng.random(20) * 1e-4, 1 - rng.random(20) * 1e-4])
    n = rng.integers(1, 5000, p.size)
    log_t = np.log(rng.integers(2, 10**6, p.size))
    index = kl_ucb_index(p, n, log_t)
    reference = [bisection_index(*args) for args in zip(p, n, log_t, strict=True)]
    np.testing.assert_allclose(index, reference, rtol=0, atol=1e-12)
    assert np.all(index >= p)


def test_kl_ucb_index_broadcasts_and_rejects_bad_input():
    index = kl_ucb_index(np.full((2, 3), 0.4), np.arange(1, 7).reshape(2, 3), np.log([[10], [20]]))
    assert index.shape == (2, 3)
    assert np.all(np.diff(index, axis=1) < 0)  # more pulls, tighter bound
    with pytest.raises(ValueError, match="means"):
        kl_ucb_index(1.5, 1, 1.0)
    with pytest.raises(ValueError, match="counts"):
        kl_ucb_index(0.5, -1, 1.0)
    with pytest.raises(ValueError, match="threshold"):
        kl_ucb_index(0.5, 1, np.nan)


def test_bernoulli_kl_values():
    assert float(bernoulli_kl(0.5, 0.75)) == pytest.approx(0.5 * math.log(4 / 3), rel=1e-14)
    assert float(bernoulli_kl(0.0, 0.5)) == pytest.approx(math.log(2), rel=1e-14)
    assert float(bernoulli_kl(0.3, 1.0)) == math.inf
    with pytest.raises(ValueError, match="q must lie in"):
        bernoulli_kl(0.5, 1.2)


def test_lai_robbins_constant_by_hand():
    means = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    by_hand = sum((0.9 - m) / kl(m, 0.9) for m in means[:-1])
    assert lai_robbins_constant(means) == pytest.approx(by_hand, rel=1e-12)
    assert lai_robbins_constant(means) == pytest.approx(7.52, abs=0.005)
    # two arms: C = Δ / kl(μ₂, μ₁)
    assert lai_robbins_constant([0.5, 0.25]) == pytest.approx(0.25 / kl(0.25, 0.5), rel=1e-12)
    assert lai_robbins_constant([0.4, 0.4]) == 0.0


def test_kl_ucb_policy_plays_untried_arms_then_the_largest_index():
    rng = np.random.default_rng(0)
    policy = KLUCB(3, n_runs=500)
    first = policy.select(rng)
    assert np.all(np.bincount(first, minlength=3) > 100)  # uniform among three untried arms
    policy = KLUCB.from_history(3, [(0, 1.0), (1, 0.0), (2, 1.0), (2, 0.0), (0, 1.0)])
    log_t = math.log(6)
    reference = [bisection_index(p, n, log_t) for p, n in ((1.0, 2), (0.0, 1), (0.5, 2))]
    np.testing.assert_allclose(policy.scores()[0], reference, atol=1e-12)
    expected = np.eye(3)[int(np.argmax(reference))]
    np.testing.assert_array_equal(policy.action_probabilities()[0], expected)
    with pytest.raises(ValueError, match=r"KL-UCB needs rewards in \[0, 1\]"):
        policy.update([0], [1.5])


def test_kl_ucb_ties_split_evenly():
    policy = KLUCB.from_history(2, [(0, 1.0), (1, 1.0)])
    np.testing.assert_array_equal(policy.action_probabilities(), [[0.5, 0.5]])
    actions = policy.broadcast(4000).select(np.random.default_rng(1))
    share = actions.mean()
    assert abs(share - 0.5) < 4 * math.sqrt(0.25 / 4000)


# ------------------------------------------------------------------------------------------
# Bad input.
# ------------------------------------------------------------------------------------------


def test_environments_reject_bad_input():
    with pytest.raises(ValueError, match=r"means must lie in \[0, 1\]"):
        BernoulliBandit([0.5, 1.5])
    with pytest.raises(ValueError, match="at least 2"):
        BernoulliBandit([0.5])
    with pytest.raises(ValueError, match="n_runs must be >= 1"):
        BernoulliBandit([0.5, 0.2], n_runs=0)
    with pytest.raises(ValueError, match="finite"):
        GaussianBandit([[0.0, np.nan]])
    with pytest.raises(ValueError, match="n_arms must be >= 2"):
        gaussian_testbed(3, 1, np.random.default_rng(0))
    env = BernoulliBandit([0.5, 0.2], n_runs=2)
    with pytest.raises(ValueError, match=r"actions must lie in \[0, 2\)"):
        env.step(np.array([0, 2]), np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"actions must have shape \(2,\)"):
        env.step(np.array([0]), np.random.default_rng(0))
    with pytest.raises(TypeError, match="integers"):
        env.step(np.array([0.0, 1.0]), np.random.default_rng(0))


def test_run_rejects_mismatched_sizes():
    env = BernoulliBandit([0.5, 0.2], n_runs=3)
    with pytest.raises(ValueError, match="must match"):
        run(UCB(2, n_runs=4), env, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_steps must be >= 1"):
        run(UCB(2, n_runs=3), env, 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="window must be >= 1, got 0"):
        run(UCB(2, n_runs=3), env, 5, np.random.default_rng(0), window=0)
