"""Contextual policies and environments: direct solves, hand computations, sampling, bad input."""

import math

import numpy as np
import pytest
from scipy import special, stats

import gradients
from bandits.contextual import (
    POLICIES,
    LinearThompson,
    LinUCB,
    RidgeEpsilonGreedy,
    SoftmaxPolicy,
    sherman_morrison,
)
from bandits.contextual_env import ClassificationBandit, LinearBandit, digits_bandit, play
from bandits.normal_max import normal_max_probabilities
from bandits.policies import GaussianThompson, max_probabilities
from bandits.probability import gaussian_thompson_exact

K, D = 4, 3
PARAMS = {
    "epsilon-greedy": {"epsilon": 0.2, "lam": 0.5},
    "linucb": {"alpha": 1.5, "lam": 2.0},
    "lints": {"v": 0.7, "lam": 1.0},
    "softmax": {"alpha": 0.3},
}


def _trained(name, n_runs=1, rounds=30, seed=0):
    """A policy after ``rounds`` rounds on a linear bandit, and the contexts and rng used."""
    rng = np.random.default_rng(seed)
    env = LinearBandit(K, D, rng, n_runs=n_runs)
    policy = POLICIES[name](K, D, n_runs=n_runs, **PARAMS[name])
    history = []
    for _ in range(rounds):
        contexts = env.observe(rng)
        actions = policy.select(contexts, rng)
        rewards, _ = env.step(actions, rng)
        policy.update(contexts, actions, rewards)
        history.append((contexts, actions, rewards))
    return policy, history, rng


@pytest.mark.parametrize("name", ["epsilon-greedy", "linucb", "lints"])
def test_sherman_morrison_state_equals_a_direct_solve(name):
    policy, history, _ = _trained(name, n_runs=3, rounds=200)
    lam = PARAMS[name]["lam"]
    for run in range(3):
        for arm in range(K):
            rows = [(x[run], r[run]) for x, a, r in history if a[run] == arm]
            a_matrix = lam * np.eye(D) + sum((np.outer(x, x) for x, _ in rows), np.zeros((D, D)))
            b = sum((r * x for x, r in rows), np.zeros(D))
            np.testing.assert_allclose(policy.a_inv[run, arm], np.linalg.inv(a_matrix), atol=1e-12)
            np.testing.assert_allclose(policy.b[run, arm], b, atol=1e-12)
            np.testing.assert_allclose(
                policy.theta[run, arm], np.linalg.solve(a_matrix, b), atol=1e-12
            )


def test_sherman_morrison_function_equals_inverse():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(5, 4, 4))
    a = m @ m.transpose(0, 2, 1) + np.eye(4)
    x = rng.normal(size=(5, 4))
    expected = np.linalg.inv(a + x[:, :, None] * x[:, None, :])
    np.testing.assert_allclose(sherman_morrison(np.linalg.inv(a), x), expected, atol=1e-12)


def test_linucb_scores_against_a_hand_computation():
    # λ = 1, one update of arm 0 with x = (1, 0), reward 2: A₀ = diag(2, 1), b₀ = (2, 0),
    # θ̂₀ = (1, 0). For x = (1, 1): arm 0 scores 1 + α·sqrt(1/2 + 1) = 1 + 2·sqrt(1.5);
    # arm 1 is untouched: 0 + α·sqrt(2).
    policy = LinUCB(2, 2, alpha=2.0, lam=1.0)
    policy.update([[1.0, 0.0]], [0], [2.0])
    scores = policy.scores([[1.0, 1.0]])
    np.testing.assert_allclose(scores, [[1.0 + 2.0 * math.sqrt(1.5), 2.0 * math.sqrt(2.0)]])
    assert policy.action_probabilities([[1.0, 1.0]]).tolist() == [[1.0, 0.0]]
    # a context on which the two bounds tie splits 1/2 each: x = (0, 1) gives α·1 for both.
    assert policy.action_probabilities([[0.0, 1.0]]).tolist() == [[0.5, 0.5]]


def test_epsilon_greedy_and_softmax_hand_computations():
    greedy = RidgeEpsilonGreedy(3, 1, epsilon=0.3, lam=1.0)
    greedy.update([[1.0]], [2], [4.0])  # θ̂₂ = 4 / (1 + 1) = 2
    np.testing.assert_allclose(greedy.action_probabilities([[1.0]]), [[0.1, 0.1, 0.8]])
    np.testing.assert_allclose(greedy.action_probabilities([[-1.0]]), [[0.45, 0.45, 0.1]])
    softmax = SoftmaxPolicy(2, 1, alpha=0.5, baseline=False)
    softmax.update([[2.0]], [1], [1.0])  # W += 0.5·1·outer(2, e₁ − (½, ½)) = [[−0.5, 0.5]]
    np.testing.assert_allclose(softmax.weights, [[[-0.5, 0.5]]])
    expected = 1.0 / (1.0 + math.exp(-1.0 * 3.0))  # x = 3: logits (−1.5, 1.5)
    np.testing.assert_allclose(softmax.action_probabilities([[3.0]])[0, 1], expected)


def test_softmax_update_equals_policy_gradient_per_run():
    rng = np.random.default_rng(2)
    policy = SoftmaxPolicy(K, D, n_runs=5, alpha=0.3)
    policy.weights[...] = rng.normal(size=policy.weights.shape)
    policy.n_steps[...] = 4
    policy.mean_reward[...] = rng.normal(size=5)
    before, baseline = policy.weights.copy(), policy.mean_reward.copy()
    contexts, actions, rewards = rng.normal(size=(5, D)), rng.integers(0, K, 5), rng.normal(size=5)
    policy.update(contexts, actions, rewards)
    for run in range(5):
        step = gradients.policy_gradient(
            before[run], contexts[run], actions[run], rewards[run] - baseline[run]
        )
        np.testing.assert_allclose(policy.weights[run], before[run] + 0.3 * step, atol=1e-14)


@pytest.mark.parametrize("name", list(POLICIES))
def test_batched_runs_equal_a_loop_of_single_runs(name):
    rng = np.random.default_rng(3)
    contexts = rng.normal(size=(40, 4, D))
    actions = rng.integers(0, K, (40, 4))
    rewards = rng.normal(size=(40, 4))
    batched = POLICIES[name](K, D, n_runs=4, **PARAMS[name])
    singles = [POLICIES[name](K, D, **PARAMS[name]) for _ in range(4)]
    for x, a, r in zip(contexts, actions, rewards, strict=True):
        batched.update(x, a, r)
        for run, single in enumerate(singles):
            single.update(x[run : run + 1], a[run : run + 1], r[run : run + 1])
    probe = rng.normal(size=(4, D))
    looped = np.vstack([s.action_probabilities(probe[i : i + 1]) for i, s in enumerate(singles)])
    np.testing.assert_allclose(batched.action_probabilities(probe), looped, atol=1e-12)


@pytest.mark.parametrize("name", list(POLICIES))
def test_select_samples_action_probabilities(name):
    # One trained run seen as 40,000 identical runs: the frequencies of select must match
    # action_probabilities (chi-square).
    policy, _, rng = _trained(name, rounds=15)
    context = rng.normal(size=(1, D))
    pi = policy.action_probabilities(context)[0]
    n = 40_000
    copies = policy.replicate(n)
    counts = np.bincount(copies.select(np.repeat(context, n, axis=0), rng), minlength=K)
    possible = pi > 0
    assert counts[~possible].sum() == 0
    if possible.sum() > 1:
        expected = n * pi[possible] / pi[possible].sum()
        assert stats.chisquare(counts[possible], expected).pvalue > 1e-4


@pytest.mark.parametrize("name", list(POLICIES))
def test_replicate_copies_one_run_independently(name):
    policy, _, rng = _trained(name, n_runs=3, rounds=20)
    twins = policy.replicate(2, run=1)
    contexts = rng.normal(size=(2, D))
    single = policy.action_probabilities(np.vstack([contexts[:1]] * 3))[1]
    np.testing.assert_allclose(twins.action_probabilities(contexts)[0], single, atol=1e-15)
    twins.update(contexts, [0, 1], [1.0, 2.0])
    after = policy.action_probabilities(np.vstack([contexts[:1]] * 3))[1]
    assert np.array_equal(single, after)  # the original's state is untouched


@pytest.mark.parametrize("name", list(POLICIES))
def test_frozen_replicate_equals_copies_and_cannot_learn(name):
    policy, _, rng = _trained(name, n_runs=2, rounds=20)
    contexts = rng.normal(size=(3, D))
    frozen = policy.replicate(3, run=1, frozen=True)
    copies = policy.replicate(3, run=1)
    np.testing.assert_array_equal(
        frozen.action_probabilities(contexts), copies.action_probabilities(contexts)
    )
    seed = 11
    first = frozen.select(contexts, np.random.default_rng(seed))
    assert np.array_equal(first, copies.select(contexts, np.random.default_rng(seed)))
    with pytest.raises(ValueError, match="frozen replicate"):
        frozen.update(contexts, [0, 0, 0], [1.0, 1.0, 1.0])


def test_linear_thompson_probabilities_match_sampling_theta():
    # The independent route: draw θ̃_a ~ N(θ̂_a, v²A_a⁻¹) from the direct inverse of A_a,
    # play argmax θ̃ᵀx; the frequencies must match the quadrature (chi-square).
    policy, history, rng = _trained("lints", rounds=25)
    context = rng.normal(size=D)
    v, lam = PARAMS["lints"]["v"], PARAMS["lints"]["lam"]
    n = 200_000
    scores = np.empty((n, K))
    for arm in range(K):
        rows = [(x[0], r[0]) for x, a, r in history if a[0] == arm]
        a_matrix = lam * np.eye(D) + sum((np.outer(x, x) for x, _ in rows), np.zeros((D, D)))
        b = sum((r * x for x, r in rows), np.zeros(D))
        cov = v**2 * np.linalg.inv(a_matrix)
        theta = rng.multivariate_normal(np.linalg.solve(a_matrix, b), cov, size=n)
        scores[:, arm] = theta @ context
    counts = np.bincount(np.argmax(scores, axis=1), minlength=K)
    pi = policy.action_probabilities(context[None])[0]
    assert stats.chisquare(counts, n * pi).pvalue > 1e-4


def test_normal_max_probabilities_equal_the_gaussian_thompson_integral():
    rng = np.random.default_rng(4)
    mean = rng.normal(size=(6, 5))
    std = np.exp(rng.uniform(-4.0, 1.0, size=(6, 5)))  # spreads 1:150 make sharp integrands
    ours = normal_max_probabilities(mean, std)
    reference = max_probabilities(
        lambda x: stats.norm.pdf(x, mean, std),
        lambda x: special.ndtr((x - mean[..., None, :]) / std[..., None, :]),
        mean,
        std,
    )
    np.testing.assert_allclose(ours, reference, rtol=0, atol=1e-11)
    # three arms: the bivariate-normal orthant (Genz / Drezner–Wesolowsky), another method
    genz = gaussian_thompson_exact(mean[0, :3], std[0, :3])
    ours_three = normal_max_probabilities(mean[:1, :3], std[:1, :3])[0]
    np.testing.assert_allclose(ours_three, genz, atol=1e-9)
    # GaussianThompson's own action_probabilities for a posterior it holds
    gauss = GaussianThompson.from_history(3, [(0, 0.0), (1, 1.0), (1, 0.5)])
    np.testing.assert_allclose(
        normal_max_probabilities(gauss.posterior_mean, gauss.posterior_std),
        gauss.action_probabilities(),
        atol=1e-11,
    )


def test_normal_max_probabilities_two_arms_closed_form_and_point_mass():
    z = (0.3 - (-0.2)) / math.hypot(0.5, 2.0)
    pi = normal_max_probabilities([[0.3, -0.2]], [[0.5, 2.0]])
    np.testing.assert_allclose(pi[0, 0], 0.5 * math.erfc(-z / math.sqrt(2.0)), atol=1e-13)
    # a zero context makes every score a point mass at 0: all arms tie
    assert LinearThompson(3, 2).action_probabilities([[0.0, 0.0]]).tolist() == [[1 / 3] * 3]


@pytest.mark.parametrize("name", list(POLICIES))
def test_same_seed_same_choices(name):
    first, _, _ = _trained(name, n_runs=5, rounds=50, seed=7)
    second, _, _ = _trained(name, n_runs=5, rounds=50, seed=7)
    probe = np.ones((5, D))
    assert np.array_equal(first.action_probabilities(probe), second.action_probabilities(probe))


def test_classification_bandit_on_a_tiny_dataset():
    features = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([2, 0, 1])
    env = ClassificationBandit(features, labels, n_runs=4, n_classes=3)
    rng = np.random.default_rng(5)
    contexts = env.observe(rng)
    examples = env.examples
    np.testing.assert_array_equal(contexts, features[examples])
    np.testing.assert_array_equal(env.means, np.eye(3)[labels[examples]])
    right = labels[examples]
    wrong = (right + 1) % 3
    rewards, gaps = env.step(right, rng)
    assert rewards.tolist() == [1.0] * 4 and gaps.tolist() == [0.0] * 4
    rewards, gaps = env.step(wrong, rng)
    assert rewards.tolist() == [0.0] * 4 and gaps.tolist() == [1.0] * 4


def test_digits_bandit_is_the_bundled_dataset():
    env = digits_bandit(n_runs=2)
    assert (env.features.shape, env.n_arms) == ((1797, 65), 10)
    assert env.features[:, :64].max() == 1.0 and np.all(env.features[:, 64] == 1.0)
    assert np.bincount(env.labels).tolist()[:3] == [178, 182, 177]  # sklearn's documented counts


def test_linear_bandit_regret_is_the_gap_to_the_best_arm():
    rng = np.random.default_rng(6)
    env = LinearBandit(3, 2, rng, n_runs=2, noise_std=0.0)
    contexts = env.observe(rng)
    means = np.einsum("rkd,rd->rk", env.theta_star, contexts)
    actions = np.array([0, 2])
    rewards, gaps = env.step(actions, rng)
    np.testing.assert_allclose(rewards, means[[0, 1], actions])
    np.testing.assert_allclose(gaps, means.max(axis=1) - means[[0, 1], actions])


def test_play_linucb_learns_on_the_linear_bandit():
    rng = np.random.default_rng(8)
    env = LinearBandit(5, 4, rng, n_runs=20)
    curves = play(LinUCB(5, 4, n_runs=20), env, 2000, rng)
    first, last = curves.regret[999], curves.regret[-1] - curves.regret[999]
    assert last < 0.5 * first  # regret per round falls: the second half costs less than half


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: LinUCB(3, 2).select([[1.0, 2.0, 3.0]], np.random.default_rng()), "contexts must"),
        (lambda: LinUCB(3, 2).update([[np.nan, 1.0]], [0], [1.0]), "contexts must be finite"),
        (lambda: LinUCB(3, 2).action_probabilities([[np.inf, 1.0]]), "contexts must be finite"),
        (lambda: LinUCB(3, 2, lam=0.0), "lam must be > 0"),
        (lambda: LinearThompson(3, 2, lam=-1.0), "lam must be > 0"),
        (lambda: RidgeEpsilonGreedy(3, 2, epsilon=1.5), "epsilon must lie in"),
        (lambda: LinUCB(3, 2, alpha=-1.0), "alpha must lie in"),
        (lambda: LinearThompson(3, 2, v=0.0), "v must be > 0"),
        (lambda: SoftmaxPolicy(3, 2, alpha=0.0), "alpha must be > 0"),
        (lambda: LinUCB(3, 2).update([[1.0, 2.0]], [3], [1.0]), "actions must lie in"),
        (lambda: LinUCB(3, 2).update([[1.0, 2.0]], [0], [np.nan]), "rewards must be finite"),
        (lambda: LinUCB(0, 2), "n_arms must be >= 1"),
        (lambda: normal_max_probabilities([[0.0, 1.0]], [[1.0, 0.0]]), "std must be > 0"),
        (lambda: ClassificationBandit([[1.0]], [3], n_classes=2), "labels must lie in"),
        (lambda: ClassificationBandit([[np.nan]], [0], n_classes=2), "features must be finite"),
        (lambda: LinearBandit(1, 2, np.random.default_rng()), "n_arms must be >= 2"),
        (lambda: LinearBandit(2, 2, np.random.default_rng()).step(np.array([0]), None), "observe"),
    ],
)
def test_bad_input_raises_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_types_raise_type_error():
    with pytest.raises(TypeError, match="contexts must be real"):
        LinUCB(2, 1).select(np.array([["a"]]), np.random.default_rng())
    with pytest.raises(TypeError, match="actions must be integer"):
        LinUCB(2, 1).update([[1.0]], [0.5], [1.0])
    with pytest.raises(TypeError, match="baseline must be True or False"):
        SoftmaxPolicy(2, 1, baseline="yes")
