"""The policy protocol: hand-derived distributions, ties, batching, sampling, bad input."""

import math

import numpy as np
import pytest
from scipy import stats

from bandits.policies import (
    UCB,
    ActionValuePolicy,
    BetaThompson,
    EpsilonGreedy,
    GaussianThompson,
    GradientBandit,
    Greedy,
    _first_argmax,
    argmax_uniform,
    epsilon_greedy_probabilities,
    sample_categorical,
    ucb_scores,
)

LECTURE = [(0, 0.0), (1, 1.0)]  # a: reward 0, then b: reward 1 (REFERENCE.md §1)

# (class, parameters) for every policy of the protocol.
POLICIES = [
    (Greedy, {}),
    (Greedy, {"step_size": 0.5, "initial_value": 5.0}),
    (EpsilonGreedy, {"epsilon": 0.1}),
    (UCB, {"c": 2.0}),
    (BetaThompson, {"prior": (1.0, 1.0)}),
    (GaussianThompson, {"prior_mean": 0.0, "prior_std": 1.0, "noise_std": 1.0}),
    (GradientBandit, {"alpha": 0.1}),
    (GradientBandit, {"alpha": 0.4, "baseline": False}),
]
IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(POLICIES)]


def _phi(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def test_lecture_distributions_hand_derived():
    # greedy and UCB: Q(a) = 0 < Q(b) = 1, equal counts so equal UCB bonus -> b.
    assert Greedy.from_history(2, LECTURE).action_probabilities().tolist() == [[0.0, 1.0]]
    assert UCB.from_history(2, LECTURE, c=3.0).action_probabilities().tolist() == [[0.0, 1.0]]
    eps = EpsilonGreedy.from_history(2, LECTURE, epsilon=0.1).action_probabilities()
    np.testing.assert_allclose(eps, [[0.05, 0.95]], rtol=0, atol=1e-15)
    # Thompson: a ~ Beta(1, 2), b ~ Beta(2, 1): P(A = a) = ∫ (2 − 2x) x² dx = 1/6.
    thompson = BetaThompson.from_history(2, LECTURE)
    assert thompson.alpha.tolist() == [[1.0, 2.0]] and thompson.beta.tolist() == [[2.0, 1.0]]
    np.testing.assert_allclose(thompson.action_probabilities(), [[1 / 6, 5 / 6]], atol=1e-12)
    # Gaussian: posteriors N(0, 1/2) and N(1/2, 1/2): P(a) = Φ(−0.5 / 1).
    gauss = GaussianThompson.from_history(2, LECTURE).action_probabilities()
    np.testing.assert_allclose(gauss[0, 0], _phi(-0.5), atol=1e-10)
    # Gradient bandit: step 1 has R − R̄ = 0; step 2 moves H by 0.1 (e_b − [1/2, 1/2]).
    gradient = GradientBandit.from_history(2, LECTURE, alpha=0.1).action_probabilities()
    np.testing.assert_allclose(gradient[0, 0], 1.0 / (1.0 + math.exp(0.1)), atol=1e-15)


def test_ties_split_evenly_and_epsilon_zero_is_greedy():
    history = [(0, 1.0), (1, 0.0), (1, 1.0), (2, 1.0), (2, 0.0), (0, 0.0)]
    # every arm has mean 1/2 -> a three-way tie, each computed from a different reward order
    greedy = Greedy.from_history(3, history)
    np.testing.assert_array_equal(greedy.action_probabilities(), [[1 / 3, 1 / 3, 1 / 3]])
    eps0 = EpsilonGreedy.from_history(3, history, epsilon=0.0)
    np.testing.assert_array_equal(eps0.action_probabilities(), greedy.action_probabilities())
    two = Greedy.from_history(3, [(0, 2.0), (1, 2.0), (2, 1.0)]).action_probabilities()
    np.testing.assert_array_equal(two, [[0.5, 0.5, 0.0]])


def test_ucb_plays_untried_arms_first():
    ucb = UCB.from_history(4, [(1, 10.0), (3, 10.0)], c=0.0)
    np.testing.assert_array_equal(ucb.action_probabilities(), [[0.5, 0.0, 0.5, 0.0]])
    # after every arm once: bonus sqrt(ln 5 / 1) equal for all, so the best mean wins
    ucb = UCB.from_history(3, [(0, 0.0), (1, 0.5), (2, 0.2)], c=1.0)
    np.testing.assert_array_equal(ucb.action_probabilities(), [[0.0, 1.0, 0.0]])
    # a less-pulled arm wins on its bonus: 0 + 4 sqrt(ln 4) ≈ 4.71 > 1 + 4 sqrt(ln 4 / 2) ≈ 4.33
    ucb = UCB.from_history(2, [(0, 0.0), (1, 1.0), (1, 1.0)], c=4.0)
    np.testing.assert_array_equal(ucb.action_probabilities(), [[1.0, 0.0]])
    # ... but not with c = 2: 0 + 2 sqrt(ln 4) ≈ 2.35 < 1 + 2 sqrt(ln 4 / 2) ≈ 2.67
    ucb = UCB.from_history(2, [(0, 0.0), (1, 1.0), (1, 1.0)], c=2.0)
    np.testing.assert_array_equal(ucb.action_probabilities(), [[0.0, 1.0]])


def test_constant_step_size_and_optimistic_start():
    policy = Greedy.from_history(2, [(0, 1.0), (0, 0.0)], step_size=0.5, initial_value=5.0)
    # Q(a): 5 -> 5 + (1 - 5)/2 = 3 -> 3 + (0 - 3)/2 = 1.5; Q(b) stays 5.
    np.testing.assert_array_equal(policy.q_est, [[1.5, 5.0]])


@pytest.mark.parametrize(("cls", "params"), POLICIES, ids=IDS)
def test_batched_runs_equal_a_loop_of_single_runs(cls, params):
    rng = np.random.default_rng(7)
    n_runs, n_arms, n_steps = 5, 4, 12
    actions = rng.integers(n_arms, size=(n_steps, n_runs))
    rewards = rng.integers(0, 2, size=(n_steps, n_runs)).astype(float)
    batched = cls(n_arms, n_runs=n_runs, **params)
    singles = [cls(n_arms, **params) for _ in range(n_runs)]
    for step in range(n_steps):
        batched.update(actions[step], rewards[step])
        for run, single in enumerate(singles):
            single.update(actions[step, run : run + 1], rewards[step, run : run + 1])
    expected = np.concatenate([single.action_probabilities() for single in singles])
    np.testing.assert_allclose(batched.action_probabilities(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize(("cls", "params"), POLICIES, ids=IDS)
def test_select_samples_action_probabilities(cls, params):
    """Chi-square goodness of fit of 200,000 draws, fixed seed, 4 arms with a tie."""
    history = [(0, 1.0), (1, 1.0), (2, 0.0), (0, 0.0), (1, 0.0), (3, 1.0), (3, 1.0)]
    policy = cls.from_history(4, history, **params)
    pi = policy.action_probabilities()[0]
    n_draws = 200_000
    counts = np.bincount(policy.broadcast(n_draws).select(np.random.default_rng(3)), minlength=4)
    assert counts.sum() == n_draws
    assert np.all(counts[pi == 0] == 0)
    possible = pi > 0
    # rescale to the draws' total: pi from quadrature sums to 1 only within 1e-12
    expected = n_draws * pi[possible] / pi[possible].sum()
    if possible.sum() > 1:
        assert stats.chisquare(counts[possible], expected).pvalue > 1e-4


@pytest.mark.parametrize(("cls", "params"), POLICIES, ids=IDS)
def test_same_seed_same_choices(cls, params):
    policy = cls.from_history(3, [(0, 1.0), (1, 0.0)], **params).broadcast(1000)
    first = policy.select(np.random.default_rng(11))
    second = policy.select(np.random.default_rng(11))
    assert first.dtype == np.int64 and first.shape == (1000,)
    np.testing.assert_array_equal(first, second)


def test_argmax_uniform_and_sample_categorical():
    rng = np.random.default_rng(0)
    scores = np.broadcast_to([1.0, np.inf, 0.0, np.inf], (40_000, 4))
    counts = np.bincount(argmax_uniform(scores, rng), minlength=4)
    assert counts[0] == counts[2] == 0
    assert stats.binomtest(int(counts[1]), 40_000, 0.5).pvalue > 1e-4
    pi = np.broadcast_to([0.0, 0.25, 0.75], (40_000, 3))
    counts = np.bincount(sample_categorical(pi, rng), minlength=3)
    assert counts[0] == 0
    assert stats.binomtest(int(counts[1]), 40_000, 0.25).pvalue > 1e-4


def test_broadcast_view_cannot_be_updated():
    view = Greedy.from_history(2, LECTURE).broadcast(3)
    with pytest.raises(ValueError, match="broadcast policy is for sampling only"):
        view.update([0, 0, 0], [1.0, 1.0, 1.0])


def test_state_arrays_are_run_major_views_of_the_store():
    policy = Greedy(3, n_runs=2)
    assert policy.q_est.shape == policy.n_pulls.shape == (2, 3)
    policy.q_est[1, 2] = 5.0  # writes go to the policy's state
    np.testing.assert_array_equal(policy.action_probabilities(), [[1 / 3] * 3, [0, 0, 1]])
    with pytest.raises(AttributeError, match="q_est is a view of the policy's state"):
        policy.q_est = np.zeros((2, 3))
    thompson = BetaThompson(2, n_runs=3)
    assert thompson.alpha.shape == thompson.beta.shape == (3, 2)


# ------------------------------------------------------------------------------------------
# The compiled fast paths against plain numpy references (run-major, fancy indexing).
# ------------------------------------------------------------------------------------------


def reference_argmax_uniform(scores, rng):
    """Argmax with ties uniform: keys rng.random((n_tied, K)) for the tied rows, in row order."""
    scores = np.asarray(scores, dtype=np.float64)
    is_max = scores == scores.max(axis=-1, keepdims=True)
    choice = np.argmax(scores, axis=-1)
    tied = np.flatnonzero(is_max.sum(axis=-1) > 1)
    if tied.size:
        keys = rng.random((tied.size, scores.shape[-1]))
        choice[tied] = np.argmax(np.where(is_max[tied], keys, -1.0), axis=-1)
    return choice


def scores_with_ties_and_infinities(rng, n_runs, n_arms):
    scores = rng.normal(size=(n_runs, n_arms))
    scores[: n_runs // 3] = np.round(scores[: n_runs // 3])  # many ties among small integers
    scores[rng.random((n_runs, n_arms)) < 0.1] = np.inf  # untried arms of UCB
    return scores


@pytest.mark.parametrize("n_arms", [1, 2, 5, 10, 300])
def test_argmax_uniform_equals_the_numpy_reference(n_arms):
    rng = np.random.default_rng(n_arms)
    scores = scores_with_ties_and_infinities(rng, 500, n_arms)
    layouts = {
        "run-major": scores,
        "arm-major": np.ascontiguousarray(scores.T).T,  # as the policies store their state
        "broadcast": np.broadcast_to(scores[7], (40, n_arms)),
    }
    for name, array in layouts.items():
        reference_rng, rng = np.random.default_rng(1), np.random.default_rng(1)
        expected = reference_argmax_uniform(array, reference_rng)
        got = argmax_uniform(array, rng)
        assert got.dtype == np.int64, name
        np.testing.assert_array_equal(got, expected, err_msg=name)
        assert rng.random() == reference_rng.random(), f"{name}: a different number of draws"


def test_argmax_uniform_rejects_nan():
    with pytest.raises(ValueError, match="scores must not be nan"):
        argmax_uniform([[0.0, 1.0], [np.nan, 0.0]], np.random.default_rng(0))
    with pytest.raises(ValueError, match="scores must not be nan"):
        argmax_uniform([[0.0, np.nan, 1.0]], np.random.default_rng(0))


def test_first_argmax_equals_numpy_argmax():
    rng = np.random.default_rng(4)
    samples = scores_with_ties_and_infinities(rng, 400, 6)
    samples[5, 2] = samples[9, 0] = np.nan  # np.argmax: the first nan
    for array in (samples, np.ascontiguousarray(samples.T).T):
        np.testing.assert_array_equal(_first_argmax(array), np.argmax(samples, axis=-1))


@pytest.mark.parametrize("step_size", [None, 0.1, 1.0])
def test_value_update_equals_the_numpy_reference(step_size):
    rng = np.random.default_rng(6)
    n_runs, n_arms, n_steps = 50, 4, 200
    policy = ActionValuePolicy(n_arms, n_runs=n_runs, step_size=step_size, initial_value=0.5)
    q_est = np.full((n_runs, n_arms), 0.5)
    n_pulls = np.zeros((n_runs, n_arms), dtype=np.int64)
    reward_sums = np.zeros((n_runs, n_arms))
    runs = np.arange(n_runs)
    for _ in range(n_steps):
        actions = rng.integers(n_arms, size=n_runs)
        rewards = rng.normal(size=n_runs) * 10.0 ** rng.integers(-3, 4, size=n_runs)
        policy.update(actions, rewards)
        n_pulls[runs, actions] += 1
        reward_sums[runs, actions] += rewards
        if step_size is None:
            q_est[runs, actions] = reward_sums[runs, actions] / n_pulls[runs, actions]
        else:
            q_est[runs, actions] += step_size * (rewards - q_est[runs, actions])
    np.testing.assert_array_equal(policy.n_pulls, n_pulls)  # bit for bit
    np.testing.assert_array_equal(policy.reward_sums, reward_sums)
    np.testing.assert_array_equal(policy.q_est, q_est)


@pytest.mark.parametrize("c", [0.0, 0.5, 2.0, math.sqrt(2.0)])
def test_ucb_scores_equal_the_formula(c):
    rng = np.random.default_rng(8)
    n_pulls = rng.integers(0, 40, size=(300, 7))
    n_pulls[rng.random(n_pulls.shape) < 0.2] = 0
    q_est = rng.normal(size=n_pulls.shape) * 10.0 ** rng.integers(-3, 4, size=n_pulls.shape)
    log_t = np.log(n_pulls.sum(axis=-1, keepdims=True) + 1)
    expected = np.where(n_pulls > 0, q_est + c * np.sqrt(log_t / np.maximum(n_pulls, 1)), np.inf)
    for q, n in ((q_est, n_pulls), (np.ascontiguousarray(q_est.T).T, np.asfortranarray(n_pulls))):
        np.testing.assert_array_equal(ucb_scores(q, n, c), expected)  # bit for bit


class FixedUniforms:
    """A stand-in generator whose ``random(size)`` returns given values (no ties to break)."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def random(self, size):
        assert size == self.values.size
        return self.values


def test_epsilon_greedy_explores_with_the_arm_of_its_uniform():
    # K = 5, ε = 0.25, greedy arm 3: U < ε plays ⌊U·K/ε⌋ = ⌊20 U⌋, else the greedy arm
    n_arms, epsilon = 5, 0.25
    below_epsilon = np.nextafter(epsilon, 0.0)
    uniforms = [0.0, 0.05, 0.0999, 0.1, 0.2, below_epsilon, epsilon, 0.9]
    policy = EpsilonGreedy(n_arms, n_runs=len(uniforms), epsilon=epsilon, initial_value=-1.0)
    policy.update(np.full(len(uniforms), 3), np.ones(len(uniforms)))
    actions = policy.select(FixedUniforms(uniforms))
    np.testing.assert_array_equal(actions, [0, 1, 1, 2, 4, 4, 3, 3])
    # the largest uniform below this ε rounds U·(K/ε) up to K: the arm is clipped to K − 1
    epsilon = 0.8132702392002724
    below_epsilon = np.floor(np.nextafter(epsilon, 0.0) * 2.0**53) / 2.0**53  # U's grid
    assert int(below_epsilon * (n_arms / epsilon)) == n_arms
    policy = EpsilonGreedy.from_history(n_arms, [(3, 1.0)], epsilon=epsilon, initial_value=-1.0)
    assert policy.select(FixedUniforms([below_epsilon])).tolist() == [n_arms - 1]


@pytest.mark.parametrize("epsilon", [1.0, 0.3, 1e-300, 0.0])
def test_epsilon_greedy_exploring_arms_are_uniform(epsilon):
    n_arms, n_draws = 7, 70_000
    policy = EpsilonGreedy(n_arms, epsilon=epsilon, initial_value=-1.0)
    policy.update([2], [1.0])  # arm 2 is greedy
    actions = policy.broadcast(n_draws).select(np.random.default_rng(12))
    counts = np.bincount(actions, minlength=n_arms)
    expected = n_draws * policy.action_probabilities()[0]
    if epsilon > 1e-9:
        assert stats.chisquare(counts, expected).pvalue > 1e-4
    else:
        np.testing.assert_array_equal(counts, [0, 0, n_draws, 0, 0, 0, 0])  # greedy only


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: EpsilonGreedy(2, epsilon=1.5), r"epsilon must lie in \[0, 1\]"),
        (lambda: EpsilonGreedy(2, epsilon=-0.1), r"epsilon must lie in \[0, 1\]"),
        (lambda: EpsilonGreedy(2, epsilon=float("nan")), "epsilon must be finite"),
        (lambda: UCB(2, c=-1.0), r"c must lie in \[0, inf\]"),
        (lambda: BetaThompson(2, prior=(0.0, 1.0)), "alpha0 must be > 0"),
        (lambda: BetaThompson(2, prior=(1.0, -2.0)), "beta0 must be > 0"),
        (lambda: BetaThompson(2, prior=(1.0,)), "prior must be a pair"),
        (lambda: GaussianThompson(2, noise_std=0.0), "noise_std must be > 0"),
        (lambda: GradientBandit(2, alpha=0.0), "alpha must be > 0"),
        (lambda: Greedy(0), "n_arms must be >= 1"),
        (lambda: Greedy(2, n_runs=0), "n_runs must be >= 1"),
        (lambda: Greedy(2, step_size=0.0), "step_size must lie in"),
        (lambda: Greedy(2, step_size=1.5), "step_size must lie in"),
        (lambda: BetaThompson.from_history(2, [(0, 0.5)]), "rewards 0 or 1"),
        (lambda: Greedy.from_history(2, [(0, float("nan"))]), "reward must be finite"),
        (lambda: Greedy.from_history(2, [(2, 1.0)]), r"action must lie in \[0, 2\)"),
        (lambda: Greedy.from_history(2, [(0,)]), "must be an .action, reward. pair"),
        (lambda: Greedy(2, n_runs=2).update([0], [1.0, 1.0]), r"actions must have shape \(2,\)"),
        (lambda: Greedy(2, n_runs=2).update([0, 1], [1.0]), r"rewards must have shape \(2,\)"),
        (lambda: Greedy(2, n_runs=2).update([0, 1], [1.0, np.inf]), "rewards must be finite"),
        (lambda: Greedy(2, n_runs=2).update([0, -1], [1.0, 1.0]), r"actions must lie in"),
    ],
)
def test_bad_input_raises_a_clear_value_error(build, match):
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.parametrize(
    "build",
    [
        lambda: Greedy(2.0),
        lambda: EpsilonGreedy(2, epsilon="0.1"),
        lambda: Greedy(2).update([0.0], [1.0]),
        lambda: Greedy.from_history(2, [(True, 1.0)]),
        lambda: GradientBandit(2, baseline="yes"),
    ],
)
def test_wrong_types_raise_type_error(build):
    with pytest.raises(TypeError):
        build()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: epsilon_greedy_probabilities([[0.0, 1.0]], 5), r"epsilon must lie in \[0, 1\]"),
        (lambda: ucb_scores([[0.0, 1.0]], [[1, 1]], -1.0), "c must lie in"),
        (lambda: ucb_scores(np.zeros(3), np.ones(3, dtype=int), 2.0), r"must be \(R, K\)"),
        (lambda: ucb_scores([[0.0, 1.0]], [[-1, 1]], 2.0), "n_pulls must be >= 0"),
        (lambda: sample_categorical([[0.5, 0.6]], np.random.default_rng(0)), "probability rows"),
        (lambda: sample_categorical([[1.5, -0.5]], np.random.default_rng(0)), "probability rows"),
    ],
)
def test_public_array_functions_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
