"""A linear softmax policy trained by policy gradient on the NetHack Learning Environment.

Layers: pure numpy maths (``glyphs``, ``features``, ``policy``, ``learning``) → stateful
objects (``envs.GameRunner``, ``learning.Adam``) → the run loops (``train``, ``evaluate``,
``watch``; call ``nethack_agent.train.train`` etc.) and the command line
(``python -m nethack_agent``). Plots live in ``plots``.

The names below are imported on first use (PEP 562), so ``python -m nethack_agent --help`` does
not pay for numba, scipy or matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TrainConfig": "nethack_agent.config",
    "GameRunner": "nethack_agent.envs",
    "ParallelRunner": "nethack_agent.workers",
    "summarize": "nethack_agent.evaluate",
    "extract_features": "nethack_agent.features",
    "Adam": "nethack_agent.learning",
    "a2c_update": "nethack_agent.learning",
    "clip_by_global_norm": "nethack_agent.learning",
    "gae": "nethack_agent.learning",
    "action_probabilities": "nethack_agent.policy",
    "init_params": "nethack_agent.policy",
    "policy_logits": "nethack_agent.policy",
    "policy_loss": "nethack_agent.policy",
    "policy_loss_grad": "nethack_agent.policy",
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
