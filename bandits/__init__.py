"""Bandit policies, the exact probability of their next action, and vectorised experiments."""

from bandits.engine import Curves, run
from bandits.environments import BernoulliBandit, GaussianBandit, gaussian_testbed
from bandits.kl_ucb import KLUCB, bernoulli_kl, kl_ucb_index, lai_robbins_constant
from bandits.policies import (
    UCB,
    ActionValuePolicy,
    BetaThompson,
    EpsilonGreedy,
    GaussianThompson,
    GradientBandit,
    Greedy,
    Policy,
)
from bandits.probability import (
    SimulationEstimate,
    action_probabilities,
    beta_posterior,
    beta_thompson_exact,
    build_policy,
    gaussian_thompson_exact,
    simulate,
)

__all__ = [
    "BernoulliBandit",
    "Curves",
    "GaussianBandit",
    "bernoulli_kl",
    "gaussian_testbed",
    "kl_ucb_index",
    "lai_robbins_constant",
    "run",
    "KLUCB",
    "UCB",
    "ActionValuePolicy",
    "BetaThompson",
    "EpsilonGreedy",
    "GaussianThompson",
    "GradientBandit",
    "Greedy",
    "Policy",
    "SimulationEstimate",
    "action_probabilities",
    "beta_posterior",
    "beta_thompson_exact",
    "build_policy",
    "gaussian_thompson_exact",
    "simulate",
]
