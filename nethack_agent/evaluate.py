"""Play a trained policy and a uniformly random one on the very same seeded games; compare.

Game k of an evaluation is seeded with ``seed + k`` (NetHack's core and disp seeds, and the
action sampler's): both policies meet the same dungeons, and each game's result depends only on
its seed and the policy, not on how games are spread over processes. ``unseeded`` plays NLE's
own NetHackChallenge class instead, never seeded (the policies then meet different games).

Besides the summaries, the report says how the agent fares per role (``role_stats``) and what
ends its games (``nethack_agent.deaths``: NetHack's xlogfile).
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from gradients.cli import progress_bar
from nethack_agent.checkpoint import load_checkpoint
from nethack_agent.config import TrainConfig
from nethack_agent.deaths import tally_causes
from nethack_agent.envs import NO_PROGRESS, Episode, GameRunner
from nethack_agent.game import CHALLENGE
from nethack_agent.ray_runner import RayRunner
from nethack_agent.workers import ParallelRunner

__all__ = [
    "check_play_settings",
    "evaluate",
    "key_cap",
    "mean_interval",
    "median_interval",
    "play_games",
    "role_stats",
    "summarize",
    "summarize_games",
]

_ALIVE_ENDS = ("key cap", NO_PROGRESS)


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


def median_interval(values: np.ndarray) -> tuple[float | None, float | None]:
    """A distribution-free 95% interval of the median: two order statistics of the sample.

    The interval ``[x_(k), x_(n+1−k)]`` whose ranks a Binomial(n, ½) count puts outside with
    probability at most 5 % (``scipy.stats.quantile_test``); it holds for any distribution,
    ties (integer scores) included. Too few values (n ≤ 5) give no such interval: (None, None).

    Args:
        values: (n,) samples, n ≥ 2.

    Returns:
        (low, high), or (None, None).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) < 2:
        raise ValueError(f"values must be one (n,) array with n >= 2, got shape {values.shape}")
    test = stats.quantile_test(values, q=float(np.median(values)), p=0.5)
    low, high = test.confidence_interval(0.95)
    if not (np.isfinite(low) and np.isfinite(high)):
        return None, None
    return float(low), float(high)


def summarize(returns: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Mean, median and a 95% interval of the mean, of the return and of the in-game score.

    Args:
        returns: (n,) episode returns.
        scores: (n,) in-game scores, n ≥ 2.

    Returns:
        ``{"mean_return", "median_return", "return_ci_low", "return_ci_high", "mean_score",
        "median_score", "ci_low", "ci_high", "median_ci_low", "median_ci_high", "intervals"}``;
        ``intervals`` says which interval is which.
    """
    if np.shape(returns) != np.shape(scores):
        raise ValueError(
            f"returns and scores must have one shape (n,), got {np.shape(returns)} and "
            f"{np.shape(scores)}"
        )
    mean_return, return_low, return_high = mean_interval(returns)
    mean, low, high = mean_interval(scores)
    median_low, median_high = median_interval(scores)
    return {
        "mean_return": mean_return,
        "median_return": float(np.median(returns)),
        "return_ci_low": return_low,
        "return_ci_high": return_high,
        "mean_score": mean,
        "median_score": float(np.median(scores)),
        "ci_low": low,
        "ci_high": high,
        "median_ci_low": median_low,
        "median_ci_high": median_high,
        "intervals": _INTERVALS,
    }


_INTERVALS = (
    "ci_low, ci_high: 95% Student-t interval of the mean in-game score; "
    "return_ci_low, return_ci_high: the same for the mean return; "
    "median_ci_low, median_ci_high: distribution-free 95% interval of the median in-game score "
    "(order statistics; null for fewer than 6 games)"
)


def summarize_games(games: list[Episode]) -> dict[str, Any]:
    """``summarize`` of the games' returns and in-game scores."""
    return summarize(np.array([g.ret for g in games]), np.array([g.score for g in games]))


def check_play_settings(episodes: int, policy: str, max_keys: int | None) -> None:
    """A ValueError naming the setting, for too few games, an unknown policy or a key cap < 1."""
    if episodes < 2:
        raise ValueError(f"episodes must be >= 2, got {episodes}")
    if policy not in ("sampled", "greedy"):
        raise ValueError(f"policy must be 'sampled' or 'greedy', got {policy!r}")
    if max_keys is not None and max_keys < 1:
        raise ValueError(f"max_keys must be >= 1, got {max_keys}")


def key_cap(env_id: str, config: TrainConfig) -> int:
    """The key cap to play ``env_id`` with: the Challenge's own (10⁶), else the run's."""
    return CHALLENGE.max_episode_steps if env_id == CHALLENGE.name else config.max_episode_steps


def role_stats(games: list[Episode]) -> dict[str, dict[str, float]]:
    """Games, median and mean in-game score, and mean deepest level, per role.

    Args:
        games: finished games (a game whose role could not be read counts as "unknown").

    Returns:
        ``{role: {"games", "median_score", "mean_score", "mean_depth"}}``, roles in
        alphabetical order.
    """
    by_role: dict[str, list[Episode]] = {}
    for game in games:
        by_role.setdefault(game.role or "unknown", []).append(game)
    return {
        role: {
            "games": len(played),
            "median_score": float(np.median([g.score for g in played])),
            "mean_score": float(np.mean([g.score for g in played])),
            "mean_depth": float(np.mean([g.depth for g in played])),
        }
        for role, played in sorted(by_role.items())
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
    unseeded: bool = False,
    progress: bool = False,
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
        unseeded: play NLE's own NetHackChallenge class, never seeded (``env_id`` must be the
            Challenge); the seeds then only label the games.
        progress: a progress bar over the games on stderr (with Ray: complete at the end).

    Returns:
        The finished games, in order of seed.
    """
    common = {
        "env_id": env_id,
        "ttyrec_dir": ttyrec_dir,
        "max_episode_steps": max_episode_steps,
        "env_api": env_api,
        "unseeded": unseeded,
    }
    per_runner = max(1, min(envs_per_worker, -(-len(seeds) // max(n_workers, 1))))
    runner: GameRunner | ParallelRunner | RayRunner
    if backend == "ray":
        runner = RayRunner(n_workers, per_runner, episode_seeds=seeds, address=address, **common)
    elif n_workers == 0:
        runner = GameRunner(n_envs=per_runner, episode_seeds=seeds, **common)
    else:
        runner = ParallelRunner(n_workers, per_runner, episode_seeds=seeds, **common)
    bar = progress_bar(len(seeds), unit="game", desc=f"{policy} ", disable=not progress)

    def games_done(n: int) -> None:
        bar.update(max(0, min(n, len(seeds)) - bar.n))  # (a restarted worker counts anew)

    try:
        return runner.play(params, policy, progress=games_done)
    finally:
        bar.close()
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
    env_id: str | None = None,
    unseeded: bool = False,
    max_keys: int | None = None,
    progress: bool = False,
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
        env_id: the NLE task to play (default: the one the run was trained on).
        unseeded: play NLE's own NetHackChallenge class, never seeded (``env_id`` must be
            "NetHackChallenge-v0").
        max_keys: a key cap per game (default: ``key_cap``, the Challenge's 10⁶ or the run's).
        progress: a progress bar over each policy's games on stderr.

    Returns:
        ``{"env", "episodes", "seed", "policy", "unseeded", "policy_kind"
        (the checkpoint's "linear" or "mlp"), "agent": summarize(...),
        "random": summarize(...), "roles": role_stats(agent's games), "deaths":
        [{"cause", "games"}, …] of the agent's games, most frequent first, "random_deaths": the
        same for the random policy, "helpless": [{"while", "games"}, …] of the agent's deaths
        while it could not act (``Episode.helpless``: "fainted from lack of food", …), most
        frequent first, "agent_ends" and "random_ends": how many games ended by
        "death", "key cap" and "no-progress timeout"}``, and the games themselves:
        ``{"agent": [Episode, ...], "random": [...]}`` in seed order.
    """
    check_play_settings(episodes, policy, max_keys)
    state = load_checkpoint(run_dir)
    env_id = env_id or state.config.env_id
    if unseeded and env_id != CHALLENGE.name:
        raise ValueError(f"unseeded play is for {CHALLENGE.name} only, got env {env_id!r}")
    seeds = list(range(seed, seed + episodes))
    result: dict[str, Any] = {
        "env": env_id,
        "episodes": episodes,
        "seed": seed,
        "policy": policy,
        "unseeded": unseeded,
        "max_keys": max_keys or key_cap(env_id, state.config),
        "policy_kind": state.config.policy,
    }
    played: dict[str, list[Episode]] = {}
    for name, params, kind in (("agent", state.params, policy), ("random", None, "random")):
        record = None if ttyrec_dir is None else str(Path(ttyrec_dir) / name)
        games = play_games(
            env_id,
            params,
            kind,
            seeds,
            n_workers=n_workers,
            envs_per_worker=envs_per_worker,
            ttyrec_dir=record,
            max_episode_steps=max_keys or key_cap(env_id, state.config),
            env_api=env_api,
            backend=backend,
            address=address,
            unseeded=unseeded,
            progress=progress,
        )
        if record is not None:
            _write_games(Path(record) / "games.csv", games)
        result[name] = summarize_games(games)
        played[name] = games
    result["roles"] = role_stats(played["agent"])
    result["deaths"] = tally_causes(g.cause for g in played["agent"])
    result["random_deaths"] = tally_causes(g.cause for g in played["random"])
    helpless = tally_causes(g.helpless for g in played["agent"] if g.helpless)
    result["helpless"] = [{"while": row["cause"], "games": row["games"]} for row in helpless]
    for name in ("agent", "random"):
        ends = Counter(g.end for g in played[name])
        result[f"{name}_ends"] = {end: ends[end] for end in ("death", *_ALIVE_ENDS)}
    return result, played


def _write_games(path: Path, games: list[Episode]) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        header = ["seed", "score", "return", "length", "depth", "role", "end", "cause"]
        writer.writerow([*header, "helpless", "ttyrec"])
        for g in games:
            row = [g.seed, g.score, f"{g.ret:.2f}", g.length, g.depth, g.role, g.end, g.cause]
            writer.writerow([*row, g.helpless, g.ttyrec])
