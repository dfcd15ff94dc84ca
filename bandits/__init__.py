"""Bandit policies, the exact probability of their next action, and vectorised experiments.

The names below are imported on first use (PEP 562), so ``python -m bandits --help`` does
not pay for numba, scipy or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ContextualPolicy": "bandits.contextual",
    "LinUCB": "bandits.contextual",
    "LinearThompson": "bandits.contextual",
    "RidgeEpsilonGreedy": "bandits.contextual",
    "SoftmaxPolicy": "bandits.contextual",
    "normal_max_probabilities": "bandits.normal_max",
    "ClassificationBandit": "bandits.contextual_env",
    "LinearBandit": "bandits.contextual_env",
    "digits_bandit": "bandits.contextual_env",
    "Curves": "bandits.engine",
    "run": "bandits.engine",
    "BernoulliBandit": "bandits.environments",
    "GaussianBandit": "bandits.environments",
    "gaussian_testbed": "bandits.environments",
    "KLUCB": "bandits.kl_ucb",
    "bernoulli_kl": "bandits.kl_ucb",
    "kl_ucb_index": "bandits.kl_ucb",
    "lai_robbins_constant": "bandits.kl_ucb",
    "UCB": "bandits.policies",
    "ActionValuePolicy": "bandits.policies",
    "BetaThompson": "bandits.policies",
    "EpsilonGreedy": "bandits.policies",
    "GaussianThompson": "bandits.policies",
    "GradientBandit": "bandits.policies",
    "Greedy": "bandits.policies",
    "Policy": "bandits.policies",
    "SimulationEstimate": "bandits.probability",
    "action_probabilities": "bandits.probability",
    "beta_posterior": "bandits.probability",
    "beta_thompson_exact": "bandits.probability",
    "build_policy": "bandits.probability",
    "gaussian_thompson_exact": "bandits.probability",
    "simulate": "bandits.probability",
}
"""public name → the module that defines it"""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
