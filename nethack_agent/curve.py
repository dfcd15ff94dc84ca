"""A run's learning curve on fixed games: each snapshot plays the same seeded games.

The training games of ``metrics.csv`` are a noisy curve: every game has another seed (another
character and dungeon), and the policy that plays them samples its exploration and changes
while they last. ``train --snapshot-minutes M`` keeps a copy of the run every M minutes of
training (``snapshots/step-N``); ``evaluation_curve`` plays every copy and the final checkpoint on
the same seeds ``seed … seed + episodes − 1``, so two points differ only by the weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gradients.cli import progress_bar
from nethack_agent.checkpoint import CheckpointError, load_checkpoint
from nethack_agent.evaluate import check_play_settings, key_cap, play_games, summarize_games
from nethack_agent.train import SNAPSHOTS_NAME

__all__ = ["evaluation_curve", "snapshot_dirs"]


def snapshot_dirs(run_dir: str | Path) -> list[Path]:
    """The run's snapshots in the order they were taken, then the run itself (its last weights).

    Args:
        run_dir: a training run directory.

    Returns:
        ``run_dir/snapshots/step-*`` sorted by step, and ``run_dir`` unless the last snapshot
        already holds its final weights (a snapshot due at the run's last update).

    Raises:
        CheckpointError: the run holds no snapshots (it was trained without
            ``--snapshot-minutes``).
    """
    run_dir = Path(run_dir)
    final = load_checkpoint(run_dir)  # one clear error for a missing or corrupt run first
    snapshots = sorted((run_dir / SNAPSHOTS_NAME).glob("step-*"))
    if not snapshots:
        raise CheckpointError(
            f"{run_dir}: no snapshots in it (train with --snapshot-minutes M to keep them)"
        )
    if load_checkpoint(snapshots[-1]).step == final.step:
        return snapshots
    return [*snapshots, run_dir]


def evaluation_curve(
    run_dir: str | Path,
    *,
    episodes: int = 100,
    seed: int = 10000,
    policy: str = "sampled",
    n_workers: int = 2,
    envs_per_worker: int = 8,
    env_id: str | None = None,
    max_keys: int | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Play every snapshot of a run, and its final weights, on the same seeded games.

    Args:
        run_dir: a training run directory trained with ``snapshot_minutes``.
        episodes: games per point (≥ 2).
        seed: the first game's seed.
        policy: "sampled" or "greedy".
        n_workers: worker processes (0: play in this process).
        envs_per_worker: games played at once per process.
        env_id: the NLE task (default: the one the run was trained on).
        max_keys: a key cap per game (default: ``key_cap``).
        progress: a progress bar over the snapshots on stderr, with the last point's median.

    Returns:
        One point per snapshot, in training order: ``{"snapshot" (its directory), "step",
        "minutes" (of training), **summarize_games(games)}``.
    """
    check_play_settings(episodes, policy, max_keys)
    points = []
    directories = snapshot_dirs(run_dir)
    bar = progress_bar(len(directories), unit="snapshot", disable=not progress)
    for directory in directories:
        state = load_checkpoint(directory)
        env = env_id or state.config.env_id
        games = play_games(
            env,
            state.params,
            policy,
            list(range(seed, seed + episodes)),
            n_workers=n_workers,
            envs_per_worker=envs_per_worker,
            max_episode_steps=max_keys or key_cap(env, state.config),
        )
        points.append(
            {
                "snapshot": str(directory),
                "step": state.step,
                "minutes": state.elapsed / 60,
                **summarize_games(games),
            }
        )
        bar.set_postfix(step=state.step, median=points[-1]["median_score"], refresh=False)
        bar.update()
    bar.close()
    return points
