"""Bandit policies, the exact probability of their next action, and vectorised experiments."""

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

__all__ = [
    "UCB",
    "ActionValuePolicy",
    "BetaThompson",
    "EpsilonGreedy",
    "GaussianThompson",
    "GradientBandit",
    "Greedy",
    "Policy",
]
