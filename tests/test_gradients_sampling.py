"""The one categorical sampler (gradients.categorical), used by bandits and nethack_agent."""

import doctest

import numpy as np

import gradients.sampling
from bandits.policies import sample_categorical
from gradients import categorical
from nethack_agent.policy import sample_actions


def test_inverse_cdf_by_hand():
    pi = np.array([0.1, 0.2, 0.7])  # cumulative 0.1, 0.3, 1.0
    uniforms = np.array([0.0, 0.0999, 0.1, 0.2999, 0.3001, 0.9999])
    assert categorical(np.tile(pi, (6, 1)), uniforms).tolist() == [0, 0, 1, 1, 2, 2]
    assert categorical([[0.0, 1.0, 0.0]], [0.999999]).tolist() == [1]  # never a 0-probability arm


def test_frequencies_match_the_probabilities():
    rng = np.random.default_rng(0)
    pi = np.array([0.05, 0.15, 0.3, 0.5])
    n = 200_000
    counts = np.bincount(categorical(np.tile(pi, (n, 1)), rng.random(n)), minlength=4)
    chi2 = np.sum((counts - n * pi) ** 2 / (n * pi))
    assert chi2 < 16.27  # 3 degrees of freedom, p = 0.001


def test_both_packages_use_it():
    assert sample_actions is categorical
    pi = np.array([[0.2, 0.8], [0.6, 0.4]])
    rng, same = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(sample_categorical(pi, rng), categorical(pi, same.random(2)))


def test_docstring_example():
    failures, attempted = doctest.testmod(gradients.sampling)
    assert attempted > 0 and failures == 0
