"""A run's learning curve on fixed games, and whether a gradient is left to follow.

``evaluation_curve``: each snapshot plays the same seeded games.

The training games of ``metrics.csv`` are a noisy curve: every game has another seed (another
character and dungeon), and the policy that plays them samples its exploration and changes
while they last. ``train --snapshot-minutes M`` keeps a copy of the run every M minutes of
training (``snapshots/step-N``); ``evaluation_curve`` plays every copy and the final checkpoint on
the same seeds ``seed … seed + episodes − 1``, so two points differ only by the weights.

``gradient_noise_curve``: at each snapshot, with the weights held still, many rollouts of the
run's own shape and the policy gradient each gives its update; their mean against their spread
(``gradients.noise.gradient_noise``) tells a policy still on a slope (a gradient clear of the
noise) from one at a stationary point of its objective (no gradient the noise does not hide),
where more training of the same kind cannot lift it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from gradients.cli import progress_bar
from gradients.noise import gradient_noise
from nethack_agent.checkpoint import CheckpointError, load_checkpoint
from nethack_agent.envs import GameRunner
from nethack_agent.evaluate import check_play_settings, key_cap, play_games, summarize_games
from nethack_agent.learning import policy_gradient_estimate, shaped_rewards
from nethack_agent.train import SNAPSHOTS_NAME, initial_params, make_runner

__all__ = ["evaluation_curve", "gradient_noise_curve", "snapshot_dirs"]


def snapshot_dirs(run_dir: str | Path, *, required: bool = True) -> list[Path]:
    """The run's snapshots in the order they were taken, then the run itself (its last weights).

    Args:
        run_dir: a training run directory.
        required: a run without snapshots is an error; if False, it is ``[run_dir]``.

    Returns:
        ``run_dir/snapshots/step-*`` sorted by step, and ``run_dir`` unless the last snapshot
        already holds its final weights (a snapshot due at the run's last update).

    Raises:
        CheckpointError: ``run_dir`` holds no usable checkpoint, or (``required``) no
            snapshots (it was trained without ``--snapshot-minutes``).
    """
    run_dir = Path(run_dir)
    final = load_checkpoint(run_dir)  # one clear error for a missing or corrupt run first
    snapshots = sorted((run_dir / SNAPSHOTS_NAME).glob("step-*"))
    if not snapshots and not required:
        return [run_dir]
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


def gradient_noise_curve(
    run_dir: str | Path,
    *,
    rollouts: int = 1000,
    block: int = 25,
    warmup: int = 20,
    seed: int = 10000,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """The policy gradient's signal against its noise at the start and every snapshot of a run.

    Each snapshot's weights, held still, play ``warmup`` rollouts (games under way, not all at
    their first turn), then ``rollouts`` more, each of the run's length on the run's workers
    and games, seeded ``seed`` (other games than training's). Each rollout's gradient is the
    one ``a2c_update`` would take from it (shaped by the run's death penalty, with its entropy
    bonus), and ``gradient_noise`` measures them in blocks of ``block`` consecutive rollouts.

    Args:
        run_dir: a training run directory (without snapshots: its start and final weights).
        rollouts: rollouts measured per snapshot, at least 4 blocks.
        block: consecutive rollouts per block, ≥ 1.
        warmup: rollouts played first and not measured, ≥ 0.
        seed: the games' seed.
        progress: a progress bar over all the rollouts on stderr.

    Returns:
        One point for the run's start (``"snapshot": "start"``, its initial weights rebuilt
        from its settings) and one per snapshot and the final weights (``snapshot_dirs``), in
        training order: ``{"snapshot", "step",
        "minutes", **gradient_noise(...), "noise_scale_steps"}`` — the noise scale in agent steps
        (rollouts × steps per rollout).

    Raises:
        ValueError: rollouts, block or warmup out of range (before any game is played).
        CheckpointError: ``run_dir`` holds no usable checkpoint.
    """
    if block < 1 or rollouts < 4 * block:
        raise ValueError(
            f"need block >= 1 and rollouts >= 4 * block, got rollouts {rollouts}, block {block}"
        )
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    directories = snapshot_dirs(run_dir, required=False)
    states = [load_checkpoint(directory) for directory in directories]
    start = states[0].config
    weights = [("start", start, initial_params(start), 0, 0.0)]
    for directory, state in zip(directories, states, strict=True):
        weights.append((str(directory), state.config, state.params, state.step, state.elapsed))
    points = []
    bar = progress_bar(len(weights) * (warmup + rollouts), unit="rollout", disable=not progress)
    with threadpool_limits(limits=1, user_api="blas"):  # bit for bit, and as train computes
        for label, config, params, step, elapsed in weights:
            config = dataclasses.replace(config, seed=seed)
            noise = gradient_noise(_rollout_gradients(config, params, warmup, rollouts, bar), block)
            points.append(
                {
                    "snapshot": label,
                    "step": step,
                    "minutes": elapsed / 60,
                    **noise,
                    "noise_scale_steps": noise["noise_scale"] * config.steps_per_rollout,
                }
            )
    bar.close()
    return points


def _rollout_gradients(config, params, warmup, rollouts, bar) -> np.ndarray:
    """(rollouts, d): each rollout's policy gradient, after ``warmup`` unmeasured rollouts."""
    settings = config.update_settings()
    settings = {k: settings[k] for k in ("gamma", "gae_lambda", "entropy_coef", "reward_scale")}
    runner = make_runner(config, None)
    pipelined = not isinstance(runner, GameRunner)  # the workers play while this one computes
    samples = []
    try:
        if pipelined:
            runner.send_rollout(params, config.rollout_length)
        for i in range(warmup + rollouts):
            if pipelined:
                batch, _, _ = runner.receive_rollout(params, config.rollout_length)
            else:
                batch, _, _ = runner.rollout(params, config.rollout_length)
            bar.update()
            if i >= warmup:
                batch["rewards"] = shaped_rewards(
                    batch["rewards"], batch["terminated"], config.death_penalty
                )
                samples.append(policy_gradient_estimate(params, batch, **settings))
    finally:
        runner.close()
    return np.array(samples)
