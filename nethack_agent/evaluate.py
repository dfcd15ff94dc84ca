"""Play a trained policy and a uniformly random one on the very same seeded games; compare.

Game k of an evaluation is seeded with ``seed + k`` (NetHack's core and disp seeds, and the
action sampler's): both policies meet the same dungeons, and each game's result depends only on
its seed and the policy, not on how games are spread over processes.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from nethack_agent.checkpoint import load_checkpoint
from nethack_agent.envs import Episode, GameRunner, ParallelRunner
from nethack_agent.ray_runner import RayRunner

__all__ = ["evaluate", "mean_interval", "play_games", "summarize"]


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """The mean and its 95% Student-t interval, ``mean ± t_{0.975, n−1} · sd / √n``.

    Args:
        values: (n,) samples, n ≥ 2.

    Returns:
        (mean, low, high).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError(f"values must be one (n,) array with n >= 2, got shape {values.shape}")
    mean = values.mean()
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return float(mean), float(mean - half), float(mean + half)


def summarize(returns: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """Mean return, mean and median in-game score, and a 95% CI of the mean score.

    Args:
        returns: (n,) episode returns.
        scores: (n,) in-game scores, n ≥ 2.

    Returns:
        ``{"mean_return", "mean_score", "median_score", "ci_low", "ci_high"}``.
    """
    if np.shape(returns) != np.shape(scores):
        raise ValueError(
            f"returns and scores must have one shape (n,), got {np.shape(returns)} and "
            f"{np.shape(scores)}"
        )
    mean, low, high = mean_interval(scores)
    return {
        "mean_return": float(np.mean(returns)),
        "mean_score": mean,
        "median_score": float(np.median(scores)),
        "ci_low": low,
        "ci_high": high,
    }


def play_games(
    env_id: str,
    params: dict[str, np.ndarray] | None,
    policy: str,
    seeds: list[int],
    *,
    n_workers: int = 2,
    envs_per_worker: int = 8,
    ttyrec_dir: str | None = None,
    max_episode_steps: int = 5000,
    env_api: str = "nle",
    backend: str = "local",
    address: str | None = None,
) -> list[Episode]:
    """Play one game per seed with ``policy`` ("sampled", "greedy" or "random").

    Args:
        env_id: the NLE task.
        params: policy parameters (None for "random").
        policy: "sampled", "greedy" or "random".
        seeds: one game per seed.
        n_workers: worker processes (0: play in this process).
        envs_per_worker: games played at once per process.
        ttyrec_dir: record the games here, or None.
        max_episode_steps: the game's time limit.
        env_api: "nle" (the low-level game driver) or "gym" (NLE's gym class).
        backend: "local" (processes) or "ray" (``n_workers`` Ray actors): the same games.
        address: the Ray cluster for "ray" (None: start one here).

    Returns:
        The finished games, in order of seed.
    """
    common = {
        "env_id": env_id,
        "ttyrec_dir": ttyrec_dir,
        "max_episode_steps": max_episode_steps,
        "env_api": env_api,
    }
    per_runner = max(1, min(envs_per_worker, -(-len(seeds) // max(n_workers, 1))))
    runner: GameRunner | ParallelRunner | RayRunner
    if backend == "ray":
        runner = RayRunner(n_workers, per_runner, episode_seeds=seeds, address=address, **common)
    elif n_workers == 0:
        runner = GameRunner(n_envs=per_runner, episode_seeds=seeds, **common)
    else:
        runner = ParallelRunner(n_workers, per_runner, episode_seeds=seeds, **common)
    try:
        return runner.play(params, policy)
    finally:
        runner.close()


def evaluate(
    run_dir: str | Path,
    *,
    episodes: int = 200,
    seed: int = 10000,
    policy: str = "sampled",
    ttyrec_dir: str | None = None,
    n_workers: int = 2,
    envs_per_worker: int = 8,
    env_api: str = "nle",
    backend: str = "local",
    address: str | None = None,
) -> tuple[dict[str, Any], dict[str, list[Episode]]]:
    """Evaluate a run's policy against the uniformly random one on seeds seed … seed+episodes−1.

    Args:
        run_dir: a training run directory with a checkpoint.
        episodes: number of games per policy (≥ 2).
        seed: the first game's seed.
        policy: "sampled" or "greedy" for the trained policy.
        ttyrec_dir: record every game (nle's ttyrec) under ``ttyrec_dir/{agent,random}``, with
            ``games.csv`` listing which recording is which seed.
        n_workers: worker processes (0: play in this process).
        envs_per_worker: games played at once per process.
        env_api: "nle" (the low-level game driver) or "gym" (NLE's gym class); both play the
            same games.
        backend: "local" (processes) or "ray" (``n_workers`` Ray actors): the same games.
        address: the Ray cluster for "ray" (None: start one here).

    Returns:
        ``{"episodes", "seed", "policy", "agent": summarize(...), "random": summarize(...)}``,
        and the games themselves: ``{"agent": [Episode, ...], "random": [...]}`` in seed order.
    """
    if episodes < 2:
        raise ValueError(f"episodes must be >= 2, got {episodes}")
    if policy not in ("sampled", "greedy"):
        raise ValueError(f"policy must be 'sampled' or 'greedy', got {policy!r}")
    state = load_checkpoint(run_dir)
    seeds = list(range(seed, seed + episodes))
    result: dict[str, Any] = {"episodes": episodes, "seed": seed, "policy": policy}
    played: dict[str, list[Episode]] = {}
    for name, params, kind in (("agent", state.params, policy), ("random", None, "random")):
        record = None if ttyrec_dir is None else str(Path(ttyrec_dir) / name)
        games = play_games(
            state.config.env_id,
            params,
            kind,
            seeds,
            n_workers=n_workers,
            envs_per_worker=envs_per_worker,
            ttyrec_dir=record,
            max_episode_steps=state.config.max_episode_steps,
            env_api=env_api,
            backend=backend,
            address=address,
        )
        if record is not None:
            _write_games(Path(record) / "games.csv", games)
        result[name] = summarize(
            np.array([g.ret for g in games]), np.array([g.score for g in games])
        )
        played[name] = games
    return result, played


def _write_games(path: Path, games: list[Episode]) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["seed", "score", "return", "length", "depth", "ttyrec"])
        for g in games:
            writer.writerow([g.seed, g.score, f"{g.ret:.2f}", g.length, g.depth, g.ttyrec])
