"""The settings of a training run, saved as JSON inside every checkpoint."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

__all__ = ["TrainConfig"]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (with the seed, it fixes metrics.csv)."""

    env_id: str = "NetHackScore-v0"
    """the NLE task"""
    env_api: str = "nle"
    """how NetHack is played: "nle" (the low-level game driver) or "gym" (NLE's gym class)"""
    seed: int = 0
    """seeds NetHack's games and the action samplers"""
    policy: str = "linear"
    """the policy's kind: "linear" in the features, or "mlp" (a hidden layer over them)"""
    hidden: int = 64
    """the MLP policy's hidden ReLU units (unused by the linear policy)"""
    n_workers: int = 2
    """worker processes stepping games (0: all in this process)"""
    envs_per_worker: int = 2
    """NetHack games per worker (few: every game is a copy of NetHack's library, and the copies
    in one process evict each other from the CPU caches — docs/nethack-speed.md)"""
    rollout_length: int = 256
    """steps per environment between two updates (2 × 2 × 256 = 1,024 steps per update, as
    2 × 16 × 32 were before)"""
    gamma: float = 0.999
    """the discount factor γ (0.99 until the ninth session; 0.999 — a horizon of about a
    thousand agent steps, a game lasts thousands — scored higher on both tasks:
    docs/nethack-challenge.md, "the returns' discount")"""
    gae_lambda: float = 0.95
    """GAE's λ"""
    learning_rate: float = 0.01
    """Adam's step size at the start"""
    final_lr_fraction: float = 0.1
    """the step size decays linearly to this fraction of learning_rate over the budget"""
    entropy_coef: float = 0.01
    """weight β of the entropy bonus"""
    value_coef: float = 0.5
    """weight of the baseline's squared error"""
    max_grad_norm: float = 1.0
    """global gradient norm clip"""
    reward_scale: float = 0.02
    """rewards are multiplied by this before GAE (a new level's +50 becomes 1)"""
    max_episode_steps: int = 5000
    """NLE's time limit, in key presses"""
    checkpoint_minutes: float = 3.0
    """minutes between checkpoints"""
    snapshot_minutes: float = 0.0
    """minutes of training between kept copies of the run (``snapshots/step-N/``, each a run
    directory that ``evaluate`` and ``curve`` read); 0 keeps none"""
    death_penalty: float = 0.0
    """reward shaping: subtracted (in score points) from the reward of a step on which the
    character dies; 0 trains on the in-game score alone (metrics and evaluation always report
    NetHack's own score)"""
    epochs: int = 1
    """optimiser steps on each rollout: 1 is A2C, more use it again through PPO's clipped
    objective (``nethack_agent.learning.a2c_update``)"""
    clip: float = 0.2
    """PPO's ε, the ratio's allowed distance from 1 (used when epochs > 1)"""

    def __post_init__(self) -> None:
        positive = ("envs_per_worker", "rollout_length", "learning_rate", "max_grad_norm", "clip")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        for name in ("gamma", "gae_lambda", "final_lr_fraction"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        non_negative = (
            "n_workers",
            "entropy_coef",
            "value_coef",
            "reward_scale",
            "death_penalty",
            "snapshot_minutes",
        )
        for name in non_negative:
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {self.epochs!r}")
        if self.policy not in ("linear", "mlp"):
            raise ValueError(f"policy must be 'linear' or 'mlp', got {self.policy!r}")
        if isinstance(self.hidden, bool) or not isinstance(self.hidden, int) or self.hidden < 1:
            raise ValueError(f"hidden must be an integer >= 1, got {self.hidden!r}")
        if self.env_api not in ("nle", "gym"):
            raise ValueError(f"env_api must be 'nle' or 'gym', got {self.env_api!r}")
        if self.max_episode_steps < 1 or self.checkpoint_minutes <= 0:
            raise ValueError(
                "max_episode_steps must be >= 1 and checkpoint_minutes > 0, got "
                f"{self.max_episode_steps} and {self.checkpoint_minutes}"
            )

    def update_settings(self) -> dict[str, float]:
        """The keyword arguments of ``nethack_agent.learning.a2c_update``."""
        names = (
            "gamma",
            "gae_lambda",
            "entropy_coef",
            "value_coef",
            "max_grad_norm",
            "reward_scale",
            "epochs",
            "clip",
        )
        return {name: getattr(self, name) for name in names}

    @property
    def n_envs(self) -> int:
        """Total number of environments."""
        return max(self.n_workers, 1) * self.envs_per_worker

    @property
    def steps_per_rollout(self) -> int:
        """Agent steps in one rollout, summed over the environments (one update's batch)."""
        return self.rollout_length * self.n_envs

    def to_json(self) -> str:
        """The config as a JSON object."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        """Rebuild a config from ``to_json``'s output."""
        return cls(**json.loads(text))
