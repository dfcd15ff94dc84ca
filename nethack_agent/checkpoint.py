"""Training state ↔ ``checkpoint.npz``, written atomically (temporary file, then os.replace)."""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nethack_agent.actions import N_ACTIONS
from nethack_agent.config import TrainConfig
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
from nethack_agent.learning import Adam
from nethack_agent.policy import param_names

__all__ = ["CHECKPOINT_NAME", "CheckpointError", "TrainState", "load_checkpoint", "save_checkpoint"]

CHECKPOINT_NAME = "checkpoint.npz"


class CheckpointError(ValueError):
    """A run directory has no usable checkpoint (missing, corrupt, or not ours)."""


@dataclass
class TrainState:
    """Everything a run needs to continue exactly where it stopped."""

    config: TrainConfig
    """the run's settings"""
    params: dict[str, np.ndarray]
    """policy and baseline weights"""
    optimiser: Adam
    """Adam's step count and moment estimates"""
    step: int = 0
    """agent steps taken, summed over environments"""
    updates: int = 0
    """learning updates made"""
    episodes: int = 0
    """games finished (rows of metrics.csv)"""
    elapsed: float = 0.0
    """seconds spent training, over all sessions"""
    runner_states: list[dict[str, Any]] | None = None
    """per-worker episode counters and generator states (``GameRunner.state``)"""


def save_checkpoint(run_dir: str | os.PathLike, state: TrainState) -> Path:
    """Write ``run_dir/checkpoint.npz`` atomically: a crash leaves the previous one intact.

    Args:
        run_dir: the run directory (must exist).
        state: what to save.

    Returns:
        The checkpoint's path.
    """
    path = Path(run_dir) / CHECKPOINT_NAME
    arrays: dict[str, np.ndarray] = {f"params/{k}": v for k, v in state.params.items()}
    arrays |= {f"adam_m/{k}": v for k, v in state.optimiser.m.items()}
    arrays |= {f"adam_v/{k}": v for k, v in state.optimiser.v.items()}
    arrays["adam"] = np.array(
        [
            state.optimiser.learning_rate,
            state.optimiser.beta1,
            state.optimiser.beta2,
            state.optimiser.eps,
        ]
    )
    arrays["counters"] = np.array([state.optimiser.t, state.step, state.updates, state.episodes])
    arrays["elapsed"] = np.array(state.elapsed)
    arrays["config"] = np.array(state.config.to_json())
    arrays["runner_states"] = np.array(json.dumps(state.runner_states))
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as file:
        np.savez(file, **arrays)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    return path


def _check_shapes(path: Path, params: dict[str, np.ndarray]) -> None:
    """Refuse weights made for another set of actions or features (an older version's run)."""
    expected = (N_STATE_FEATURES, N_ACTIONS)
    if params["W"].shape != expected or params["theta_move"].shape != (N_DIRECTION_FEATURES,):
        raise CheckpointError(
            f"{path}: the policy has {params['W'].shape[1]} actions, {params['W'].shape[0]} "
            f"state and {params['theta_move'].shape[0]} direction features; this version has "
            f"{N_ACTIONS}, {N_STATE_FEATURES} and {N_DIRECTION_FEATURES} (train a new run)"
        )


def load_checkpoint(run_dir: str | os.PathLike) -> TrainState:
    """Read ``run_dir/checkpoint.npz``.

    Args:
        run_dir: the run directory.

    Returns:
        The saved ``TrainState``.

    Raises:
        CheckpointError: the directory or checkpoint is missing, unreadable or incomplete.
    """
    run_dir = Path(run_dir)
    path = run_dir / CHECKPOINT_NAME
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: no such run directory")
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: no {CHECKPOINT_NAME} in it (train first)")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path}: corrupt checkpoint (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            config = TrainConfig.from_json(str(data["config"]))
            params = {name: data[f"params/{name}"].copy() for name in param_names(config.policy)}
            _check_shapes(path, params)
            learning_rate, beta1, beta2, eps = data["adam"].tolist()
            t, step, updates, episodes = (int(c) for c in data["counters"])
            optimiser = Adam(
                learning_rate=learning_rate,
                beta1=beta1,
                beta2=beta2,
                eps=eps,
                t=t,
                m={
                    k[len("adam_m/") :]: data[k].copy()
                    for k in data.files
                    if k.startswith("adam_m/")
                },
                v={
                    k[len("adam_v/") :]: data[k].copy()
                    for k in data.files
                    if k.startswith("adam_v/")
                },
            )
            return TrainState(
                config=config,
                params=params,
                optimiser=optimiser,
                step=step,
                updates=updates,
                episodes=episodes,
                elapsed=float(data["elapsed"]),
                runner_states=json.loads(str(data["runner_states"])),
            )
    except CheckpointError:
        raise
    except (
        OSError,
        KeyError,
        ValueError,
        TypeError,
        zipfile.BadZipFile,
        json.JSONDecodeError,
    ) as error:
        raise CheckpointError(f"{path}: corrupt or incomplete checkpoint ({error})") from error
