"""Every bandit argument check names its own argument and its own limits.

The messages are matched whole (``^…$``): a check that names the wrong argument, shows the
wrong limit or tests a limit off by one fails here. Valid values right at each limit must be
accepted.
"""

import math

import numpy as np
import pytest

from bandits.environments import BernoulliBandit, GaussianBandit, gaussian_testbed
from bandits.kl_ucb import KLUCB, kl_ucb_index, lai_robbins_constant
from bandits.policies import (
    UCB,
    BetaThompson,
    EpsilonGreedy,
    GaussianThompson,
    GradientBandit,
    Greedy,
)
from bandits.probability import action_probabilities, simulate

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Greedy(0), r"^n_arms must be >= 1, got 0$"),
        (lambda: Greedy(2, n_runs=0), r"^n_runs must be >= 1, got 0$"),
        (lambda: Greedy(2, step_size=1.5), r"^step_size must lie in \[0, 1\], got 1\.5$"),
        (lambda: Greedy(2, step_size=0.0), r"^step_size must lie in \(0, 1\], got 0$"),
        (lambda: Greedy(2, initial_value=math.inf), r"^initial_value must be finite, got inf$"),
        (lambda: EpsilonGreedy(3, epsilon=1.01), r"^epsilon must lie in \[0, 1\], got 1\.01$"),
        (lambda: EpsilonGreedy(0), r"^n_arms must be >= 1, got 0$"),
        (lambda: UCB(2, c=-0.5), r"^c must lie in \[0, inf\], got -0\.5$"),
        (lambda: UCB(2, n_runs=0), r"^n_runs must be >= 1, got 0$"),
        (lambda: BetaThompson(0), r"^n_arms must be >= 1, got 0$"),
        (lambda: BetaThompson(2, n_runs=0), r"^n_runs must be >= 1, got 0$"),
        (lambda: BetaThompson(2, prior=(0.0, 1.0)), r"^prior alpha0 must be > 0, got 0$"),
        (lambda: BetaThompson(2, prior=(1.0, -1.0)), r"^prior beta0 must be > 0, got -1$"),
        (
            lambda: BetaThompson(2, prior=(1.0, 1.0, 1.0)),
            r"^prior must be a pair \(alpha0, beta0\)",
        ),
        (lambda: GaussianThompson(0), r"^n_arms must be >= 1, got 0$"),
        (lambda: GaussianThompson(2, n_runs=0), r"^n_runs must be >= 1, got 0$"),
        (lambda: GaussianThompson(2, prior_mean=math.nan), r"^prior_mean must be finite, got nan$"),
        (lambda: GaussianThompson(2, prior_std=0.0), r"^prior_std must be > 0, got 0$"),
        (lambda: GaussianThompson(2, noise_std=-1.0), r"^noise_std must be > 0, got -1$"),
        (lambda: GradientBandit(0), r"^n_arms must be >= 1, got 0$"),
        (lambda: GradientBandit(2, n_runs=0), r"^n_runs must be >= 1, got 0$"),
        (lambda: GradientBandit(2, alpha=-0.1), r"^alpha must be > 0, got -0\.1$"),
        (lambda: KLUCB(0), r"^n_arms must be >= 1, got 0$"),
        (lambda: KLUCB(2, n_runs=0), r"^n_runs must be >= 1, got 0$"),
        (lambda: BernoulliBandit([0.5, 0.2], n_runs=0), r"^n_runs must be >= 1, got 0$"),
        (
            lambda: BernoulliBandit([0.5, -0.2]),
            r"^means must lie in \[0, 1\], got \[0\.5, -0\.2\]$",
        ),
        (lambda: BernoulliBandit([[0.5, 0.2]]), r"^means must list at least 2 arm means"),
        (lambda: GaussianBandit([[0.0, 1.0]], reward_std=0.0), r"^reward_std must be > 0, got 0"),
        (lambda: GaussianBandit([0.0, 1.0]), r"^means must be a non-empty \(n_runs, n_arms\)"),
        (lambda: gaussian_testbed(0, 3, RNG), r"^n_runs must be >= 1, got 0$"),
        (lambda: gaussian_testbed(2, 0, RNG), r"^n_arms must be >= 1, got 0$"),
        (lambda: gaussian_testbed(2, 1, RNG), r"^n_arms must be >= 2, got 1$"),
        (lambda: gaussian_testbed(2, 3, RNG, q_std=0.0), r"^q_std must be > 0, got 0"),
        (lambda: gaussian_testbed(2, 3, RNG, q_mean=math.inf), r"^q_mean must be finite, got inf$"),
        (lambda: lai_robbins_constant([0.5]), r"^means must list at least 2 arm means"),
        (lambda: kl_ucb_index(0.5, -1, 1.0), r"^counts must be >= 0"),
        (lambda: kl_ucb_index(-0.5, 1, 1.0), r"^means must lie in \[0, 1\]"),
        (lambda: kl_ucb_index(0.5, 1, -1.0), r"^threshold \(ln t\) must be finite and >= 0$"),
        (
            lambda: simulate(Greedy(2), 10, RNG, confidence=1.0),
            r"^confidence must lie in \(0, 1\), got 1\.0$",
        ),
        (lambda: simulate(Greedy(2), 0, RNG), r"^samples must be >= 1, got 0$"),
        (
            lambda: action_probabilities("thompson", [(0, 1)], prior=(1, 1, 1)),
            r"^prior must be a pair \(alpha0, beta0\)",
        ),
        (
            lambda: Greedy.from_history(2, [(0, 1.0), (5, 1.0)]),
            r"^history entry 1: action must lie in \[0, 2\), got 5$",
        ),
        (
            lambda: Greedy.from_history(2, [(0, 1.0), (1, math.nan)]),
            r"^history entry 1: reward must be finite, got nan$",
        ),
        (
            lambda: Greedy(2, n_runs=2).update([0, 2], [1.0, 1.0]),
            r"^actions must lie in \[0, 2\), got 2$",
        ),
        (
            lambda: BetaThompson(2, n_runs=2).update([0, 1], [1.0, 0.5]),
            r"^Beta–Bernoulli Thompson sampling needs rewards 0 or 1, got 0\.5$",
        ),
        (lambda: KLUCB(2).update([0], [1.5]), r"^KL-UCB needs rewards in \[0, 1\], got 1\.5$"),
    ],
)
def test_errors_name_the_argument_and_its_limits(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    "build",
    [
        lambda: Greedy(1),  # one arm, one run: the smallest problem
        lambda: Greedy(2, step_size=1.0),
        lambda: Greedy(2, step_size=1e-12),
        lambda: EpsilonGreedy(2, epsilon=0.0),
        lambda: EpsilonGreedy(2, epsilon=1.0),
        lambda: UCB(2, c=0.0),
        lambda: BetaThompson(1, prior=(1e-9, 1e-9)),
        lambda: GaussianThompson(1, prior_std=1e-9, noise_std=1e-9),
        lambda: GradientBandit(1, alpha=1e-12),
        lambda: KLUCB(1),
        lambda: BernoulliBandit([0.0, 1.0]),
        lambda: gaussian_testbed(1, 2, RNG),
    ],
)
def test_values_at_the_limits_are_accepted(build):
    build()


def test_step_size_one_replaces_the_estimate_and_untried_arms_keep_q1():
    policy = Greedy.from_history(3, [(0, 2.0), (0, 5.0)], step_size=1.0, initial_value=7.0)
    np.testing.assert_array_equal(policy.q_est, [[5.0, 7.0, 7.0]])
    np.testing.assert_array_equal(policy.n_pulls, [[2, 0, 0]])
    np.testing.assert_array_equal(policy.reward_sums, [[7.0, 0.0, 0.0]])
