"""Off-policy evaluation: known answers, DR = IPS with no reward model, logging, bad input."""

import numpy as np
import pytest

from bandits import ope
from bandits.contextual import LinearThompson, LinUCB, RidgeEpsilonGreedy, SoftmaxPolicy
from bandits.contextual_env import ClassificationBandit, LinearBandit


def _uniform_log(rng, n, n_arms=3):
    """A log of a uniform logging policy on a bandit with Bernoulli means (0.2, 0.5, 0.9)."""
    means = np.array([0.2, 0.5, 0.9])[:n_arms]
    actions = rng.integers(0, n_arms, n)
    rewards = (rng.random(n) < means[actions]).astype(float)
    return actions, rewards, np.full(n, 1.0 / n_arms), means


def test_ips_is_unbiased_on_a_known_case():
    # Target: always arm 2 with prob. 0.7, arm 1 with 0.3: V = 0.7·0.9 + 0.3·0.5 = 0.78.
    rng = np.random.default_rng(0)
    values = []
    for _ in range(400):
        actions, rewards, propensities, _ = _uniform_log(rng, 200)
        target = np.tile([0.0, 0.3, 0.7], (200, 1))
        values.append(ope.ips(actions, rewards, propensities, target).value)
    mean, stderr = np.mean(values), np.std(values, ddof=1) / np.sqrt(len(values))
    assert abs(mean - 0.78) < 3 * stderr


def test_ips_value_and_interval_by_hand():
    # weights π/p = (0.5/0.25, 1/0.5) = (2, 2); terms 2·1, 2·0 → mean 1, sd sqrt(2), n = 2.
    estimate = ope.ips([0, 1], [1.0, 0.0], [0.25, 0.5], [[0.5, 0.5], [0.0, 1.0]])
    assert estimate.value == 1.0
    half = 1.959963984540054 * np.sqrt(2.0) / np.sqrt(2.0)
    np.testing.assert_allclose([estimate.ci_low, estimate.ci_high], [1 - half, 1 + half])


def test_snips_by_hand_and_intervals_cover():
    # weights (2, 4), rewards (1, 0.5): SNIPS = (2 + 2) / 6 = 2/3; IPS = (2 + 2) / 2 = 2.
    args = ([0, 1], [1.0, 0.5], [0.25, 0.25], [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(ope.snips(*args).value, 2 / 3)
    np.testing.assert_allclose(ope.ips(*args).value, 2.0)
    # the intervals of IPS and SNIPS cover the true value about 95 % of the time
    rng = np.random.default_rng(1)
    covered = {"ips": 0, "snips": 0}
    for _ in range(300):
        actions, rewards, propensities, _ = _uniform_log(rng, 300)
        target = np.tile([0.0, 0.3, 0.7], (300, 1))
        for name in covered:
            estimate = getattr(ope, name)(actions, rewards, propensities, target)
            covered[name] += estimate.ci_low <= 0.78 <= estimate.ci_high
    assert all(0.9 <= count / 300 <= 0.99 for count in covered.values())


def test_doubly_robust_equals_ips_with_a_zero_reward_model():
    rng = np.random.default_rng(2)
    actions, rewards, propensities, _ = _uniform_log(rng, 50)
    target = rng.dirichlet(np.ones(3), size=50)
    dr = ope.doubly_robust(actions, rewards, propensities, target, np.zeros((50, 3)))
    ips = ope.ips(actions, rewards, propensities, target)
    assert (dr.value, dr.ci_low, dr.ci_high) == (ips.value, ips.ci_low, ips.ci_high)


def test_doubly_robust_with_the_true_model_has_no_variance_from_rewards():
    # q̂ = μ exactly and a deterministic target: every term is μ(target arm) + w·(r − μ(a));
    # with rewards equal to their means the estimate is the true value exactly.
    means = np.array([0.2, 0.5, 0.9])
    actions = np.array([0, 1, 2, 1])
    rewards = means[actions]
    target = np.tile([0.0, 0.0, 1.0], (4, 1))
    dr = ope.doubly_robust(actions, rewards, np.full(4, 1 / 3), target, np.tile(means, (4, 1)))
    assert dr.value == pytest.approx(0.9, abs=1e-15)


def test_cross_fitted_ridge_uses_only_the_other_folds():
    rng = np.random.default_rng(3)
    contexts = rng.normal(size=(40, 2))
    actions = rng.integers(0, 2, 40)
    rewards = rng.normal(size=40)
    predictions = ope.cross_fitted_ridge(contexts, actions, rewards, 2, folds=2, lam=0.5)
    for held_out in (0, 1):
        rows = np.arange(40) % 2 == held_out
        for arm in (0, 1):
            train = ~rows & (actions == arm)
            x, r = contexts[train], rewards[train]
            theta = np.linalg.inv(0.5 * np.eye(2) + x.T @ x) @ x.T @ r
            np.testing.assert_allclose(predictions[rows, arm], contexts[rows] @ theta)
    # changing a held-out round's reward does not change its own prediction
    changed = rewards.copy()
    changed[0] += 100.0
    again = ope.cross_fitted_ridge(contexts, actions, changed, 2, folds=2, lam=0.5)
    np.testing.assert_array_equal(again[0], predictions[0])


@pytest.mark.parametrize(
    "policy_class", [LinUCB, LinearThompson, RidgeEpsilonGreedy, SoftmaxPolicy]
)
def test_collect_logs_the_policy_probabilities(policy_class):
    rng = np.random.default_rng(4)
    env = LinearBandit(3, 2, rng, n_runs=5, shared=True)
    log = ope.collect(policy_class(3, 2, n_runs=5), env, 30, rng, draws=50)
    assert log.contexts.shape == (5, 30, 2) and log.actions.shape == (5, 30)
    assert np.all((log.propensities > 0) & (log.propensities <= 1))
    assert np.all(log.estimated_propensities >= 1 / 50)
    # replaying the log through a fresh policy gives the logged exact propensities
    replay = policy_class(3, 2, n_runs=5)
    for t in range(30):
        x = log.contexts[:, t]
        pi = replay.action_probabilities(x)
        expected = pi[np.arange(5), log.actions[:, t]]
        np.testing.assert_allclose(log.propensities[:, t], expected, atol=1e-12)
        replay.update(x, log.actions[:, t], log.rewards[:, t])


def test_log_does_not_depend_on_draws_and_seed_repeats():
    logs = []
    for draws in (0, 20, 20):
        rng = np.random.default_rng(5)
        env = LinearBandit(3, 2, rng, n_runs=4, shared=True)
        logs.append(ope.collect(LinearThompson(3, 2, n_runs=4), env, 20, rng, draws=draws))
    assert np.array_equal(logs[0].actions, logs[1].actions)
    assert np.array_equal(logs[0].propensities, logs[1].propensities)
    assert logs[0].estimated_propensities is None
    assert np.array_equal(logs[1].estimated_propensities, logs[2].estimated_propensities)


def test_shared_linear_bandit_is_one_problem():
    env = LinearBandit(3, 2, np.random.default_rng(6), n_runs=4, shared=True)
    assert np.all(env.theta_star == env.theta_star[0])


def test_summarise_on_a_classification_log_recovers_the_true_value():
    # Digits-like toy: 2 classes, features say the class; logging uniform ε-greedy (ε = 1),
    # target always right: V = 1. IPS and DR with exact propensities must cover it.
    features = np.array([[1.0, 0.0], [0.0, 1.0]])
    env = ClassificationBandit(features, np.array([0, 1]), n_runs=20, n_classes=2)
    rng = np.random.default_rng(7)
    log = ope.collect(RidgeEpsilonGreedy(2, 2, n_runs=20, epsilon=1.0), env, 200, rng, draws=10)
    labels = np.argmax(log.contexts, axis=-1)
    target = np.eye(2)[labels]
    rows = ope.summarise(log, target, 1.0)
    assert [(r.estimator, r.propensities) for r in rows] == [
        (name, source) for source in ("exact", "monte-carlo") for name in ope.ESTIMATORS
    ]
    exact = {r.estimator: r for r in rows if r.propensities == "exact"}
    assert abs(exact["ips"].mean - 1.0) < 0.05 and exact["snips"].mse < 1e-20


def test_on_policy_value_of_the_optimal_policy_on_a_classification_bandit():
    env = ClassificationBandit(np.eye(3), np.array([0, 1, 2]), n_runs=10)
    oracle = LinUCB(3, 3, n_runs=10, alpha=0.0)
    for arm in range(3):  # teach every arm its class: reward 1 on its own one-hot context
        oracle.update(np.tile(np.eye(3)[arm], (10, 1)), np.full(10, arm), np.ones(10))
    value, stderr = ope.on_policy_value(oracle, env, 50, np.random.default_rng(8))
    assert (value, stderr) == (1.0, 0.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ope.ips([0, 1], [1.0, 0.0], [0.0, 0.5], [[1, 0], [1, 0]]), "propensities must"),
        (lambda: ope.ips([0, 1], [1.0, 0.0], [1.5, 0.5], [[1, 0], [1, 0]]), "propensities must"),
        (lambda: ope.ips([0, 1], [1.0, np.nan], [1.0, 0.5], [[1, 0], [1, 0]]), "rewards must"),
        (lambda: ope.ips([0, 2], [1.0, 0.0], [1.0, 0.5], [[1, 0], [1, 0]]), "actions must"),
        (lambda: ope.ips([0, 1], [1.0, 0.0], [1.0, 0.5], [[1, 1], [1, 0]]), "target"),
        (
            lambda: ope.doubly_robust([0, 1], [1, 0], [1, 1], [[1, 0], [1, 0]], np.zeros((2, 3))),
            "predictions must",
        ),
        (lambda: ope.cross_fitted_ridge(np.ones((4, 2)), [0] * 4, [1.0] * 4, 2, lam=0), "lam"),
        (lambda: ope.cross_fitted_ridge(np.ones((4, 2)), [0] * 4, [1.0] * 4, 2, folds=5), "folds"),
        (
            lambda: ope.cross_fitted_ridge([[np.nan, 1.0]] * 4, [0] * 4, [1.0] * 4, 2),
            "contexts must",
        ),
        (
            lambda: ope.collect(
                LinUCB(3, 2, n_runs=2),
                LinearBandit(3, 2, np.random.default_rng(), n_runs=3),
                5,
                np.random.default_rng(),
            ),
            "policy has 2 runs",
        ),
    ],
)
def test_bad_input_raises_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_summarise_clipped_is_exact_raised_to_one_over_n():
    rng = np.random.default_rng(9)
    env = LinearBandit(3, 2, rng, n_runs=4, shared=True)
    log = ope.collect(LinearThompson(3, 2, n_runs=4, v=0.3), env, 60, rng, draws=5)
    target = np.full((4, 60, 3), 1 / 3)
    rows = ope.summarise(log, target, 0.0, clipped=True)
    clipped = next(r for r in rows if (r.estimator, r.propensities) == ("ips", "exact-clipped"))
    by_hand = [
        ope.ips(log.actions[r], log.rewards[r], np.maximum(log.propensities[r], 0.2), target[r])
        for r in range(4)
    ]
    assert clipped.draws == 5
    np.testing.assert_allclose(clipped.mean, np.mean([e.value for e in by_hand]), atol=1e-15)
    np.testing.assert_allclose(clipped.mse, np.mean([e.value**2 for e in by_hand]), atol=1e-15)
