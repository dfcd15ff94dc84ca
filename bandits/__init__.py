"""Bandit policies, the exact probability of their next action, and vectorised experiments."""

from bandits.kl_ucb import KLUCB
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
