"""A linear softmax policy trained by policy gradient on the NetHack Learning Environment.

Layers: pure numpy maths (``glyphs``, ``features``, ``policy``, ``learning``) → stateful
objects (``envs.GameRunner``, ``learning.Adam``) → the run loops (``train``, ``evaluate``,
``watch``; call ``nethack_agent.train.train`` etc.) and the command line
(``python -m nethack_agent``). Plots live in ``plots``.
"""

from nethack_agent.config import TrainConfig
from nethack_agent.envs import GameRunner, ParallelRunner
from nethack_agent.evaluate import summarize
from nethack_agent.features import extract_features
from nethack_agent.learning import Adam, a2c_update, clip_by_global_norm, gae
from nethack_agent.policy import (
    action_probabilities,
    init_params,
    policy_logits,
    policy_loss,
    policy_loss_grad,
)

__all__ = [
    "Adam",
    "GameRunner",
    "ParallelRunner",
    "TrainConfig",
    "a2c_update",
    "action_probabilities",
    "clip_by_global_norm",
    "extract_features",
    "gae",
    "init_params",
    "policy_logits",
    "policy_loss",
    "policy_loss_grad",
    "summarize",
]
