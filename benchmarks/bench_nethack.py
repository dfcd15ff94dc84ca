"""Raw NLE speed vs the training loop's speed, on the same number of environments and processes.

    python benchmarks/bench_nethack.py [--workers 2] [--envs-per-worker 16] [--seconds 20]
                                       [--run-dir runs/score]

1. raw: every worker process steps its environments (built exactly as training builds them:
   same task, observation keys and key set) with uniformly random keys from NetHackScore's 23,
   nothing else — the ceiling.
2. training: ``ParallelRunner`` rollouts + one A2C update per rollout, the loop of
   ``python -m nethack_agent train`` without the disk writes (features, policy, learning).
   Weights start at zero, or come from ``--run-dir``'s checkpoint (a trained policy plays longer
   games, so it resets less often).

Prints both rates (NLE key presses per second, and agent steps per second for training: one agent
step is one or, for kick/pray/eat, two or three key presses) and their ratio. The machine's cores
may be shared with other work: run it on an idle machine for stable figures.

``--bfs`` instead times the path-distance search the features need, one BFS per game and step
over 16 maps, three ways: numpy vectorised across the maps, ``scipy.sparse.csgraph``, and the
numba feature kernel the agent uses (which does all its features, not only the BFS) — the
measurement behind using numba.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

import gymnasium as gym
import nle  # noqa: F401
import numpy as np

from nethack_agent.actions import ENV_KEYS, KEY_INDEX, RANDOM_BASELINE_KEYS
from nethack_agent.checkpoint import load_checkpoint
from nethack_agent.config import TrainConfig
from nethack_agent.envs import OBSERVATION_KEYS, ParallelRunner, game_seeds
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
from nethack_agent.learning import Adam, a2c_update
from nethack_agent.policy import init_params


def raw_worker(args: tuple[str, int, int, float, int]) -> tuple[int, float]:
    """Step n_envs environments with random keys for ``seconds``; (key presses, seconds)."""
    env_id, n_envs, worker, seconds, seed = args
    rng = np.random.default_rng([seed, worker])
    envs = [
        gym.make(env_id, observation_keys=OBSERVATION_KEYS, actions=ENV_KEYS) for _ in range(n_envs)
    ]
    games = [0] * n_envs
    for i, env in enumerate(envs):
        env.unwrapped.seed(*game_seeds(seed, worker, i, 0), reseed=False)
        env.reset()
    keys = [KEY_INDEX[key] for key in RANDOM_BASELINE_KEYS]
    presses = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        actions = rng.integers(len(keys), size=n_envs)
        for i, env in enumerate(envs):
            _, _, done, _, _ = env.step(keys[actions[i]])
            presses += 1
            if done:
                games[i] += 1
                env.unwrapped.seed(*game_seeds(seed, worker, i, games[i]), reseed=False)
                env.reset()
    elapsed = time.perf_counter() - start
    for env in envs:
        env.close()
    return presses, elapsed


def raw_rate(config: TrainConfig, seconds: float) -> float:
    """Key presses per second, summed over the workers running at once."""
    jobs = [
        (config.env_id, config.envs_per_worker, w, seconds, config.seed)
        for w in range(config.n_workers)
    ]
    with mp.get_context("fork").Pool(config.n_workers) as pool:
        results = pool.map(raw_worker, jobs)
    return sum(presses / elapsed for presses, elapsed in results)


def training_rate(config: TrainConfig, seconds: float, params: dict | None) -> tuple[float, float]:
    """(agent steps per second, key presses per second) of the training loop.

    This is ``nethack_agent.train``'s loop (pipelined rollouts in the workers while this process
    updates), minus the disk writes; the clock starts after the workers' first rollout.
    """
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES) if params is None else params
    optimiser = Adam(learning_rate=config.learning_rate)
    runner = ParallelRunner(
        config.n_workers,
        config.envs_per_worker,
        env_id=config.env_id,
        seed=config.seed,
        max_episode_steps=config.max_episode_steps,
    )
    runner.rollout(params, 2)  # warm up: workers started, numba loaded
    steps = presses = 0
    runner.send_rollout(params, config.rollout_length)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        batch, _, n_presses = runner.receive_rollout(params, config.rollout_length)
        a2c_update(
            params,
            optimiser,
            batch,
            **config.update_settings(),
        )
        steps += batch["actions"].size
        presses += n_presses
    elapsed = time.perf_counter() - start
    runner.close()
    return steps / elapsed, presses / elapsed


def bfs_alternatives(n_maps: int = 16, repeats: int = 20) -> None:
    """Time one BFS per game from the agent's square three ways and print the rates."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    from nethack_agent.envs import GameRunner
    from nethack_agent.features import _WALKABLE, MapMemory, extract_features
    from nethack_agent.glyphs import KIND_OF_GLYPH

    # Real maps: 16 seeded games after 100 random keys each.
    runner = GameRunner("NetHackScore-v0", n_maps, seed=0)
    keys = np.random.default_rng(0)
    for _ in range(100):
        runner.step(keys.integers(len(RANDOM_BASELINE_KEYS), size=n_maps), raw_keys=True)
    glyph_maps, blstats = runner.glyphs.copy(), runner.blstats.copy()
    runner.close()
    height, width = glyph_maps.shape[1:]
    walkable = _WALKABLE[KIND_OF_GLYPH[glyph_maps]]
    source = np.zeros_like(walkable)
    source[np.arange(n_maps), blstats[:, 1], blstats[:, 0]] = True
    walkable |= source

    def numpy_bfs() -> None:
        dist = np.where(source, 0, -1)
        front, d = source.copy(), 0
        while front.any():
            d += 1
            grown = np.zeros_like(front)
            for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1)):
                rolled = np.roll(np.roll(front, dy, axis=1), dx, axis=2)
                grown |= rolled
            front = grown & walkable & (dist < 0)
            dist[front] = d

    index = np.arange(height * width).reshape(height, width)

    def scipy_bfs() -> None:
        for b in range(n_maps):
            rows, cols = [], []
            for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
                a = index[max(0, -dy) : height - max(0, dy), max(0, -dx) : width - max(0, dx)]
                c = index[max(0, dy) : height - max(0, -dy), max(0, dx) : width - max(0, -dx)]
                both = walkable[b].ravel()[a] & walkable[b].ravel()[c]
                rows.append(a[both])
                cols.append(c[both])
            r, c = np.concatenate(rows), np.concatenate(cols)
            graph = csr_matrix((np.ones(len(r)), (r, c)), shape=(height * width,) * 2)
            shortest_path(
                graph, directed=False, unweighted=True, indices=index[height // 2, width // 2]
            )

    memory = MapMemory(n_maps)
    zeros = np.zeros(n_maps)

    def numba_features() -> None:
        messages = np.zeros((n_maps, 256), np.uint8)
        extract_features(glyph_maps, blstats, messages, memory, zeros, zeros, zeros)

    for name, function in (
        ("numpy, vectorised", numpy_bfs),
        ("scipy.sparse.csgraph", scipy_bfs),
        ("numba feature kernel", numba_features),
    ):
        function()
        start = time.perf_counter()
        for _ in range(repeats):
            function()
        seconds = (time.perf_counter() - start) / repeats
        print(
            f"{name:<22} {seconds * 1e3:7.2f} ms per step of {n_maps} games "
            f"-> at most {n_maps / seconds:>9,.0f} game-steps/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = TrainConfig()
    parser.add_argument("--workers", type=int, default=defaults.n_workers)
    parser.add_argument("--envs-per-worker", type=int, default=defaults.envs_per_worker)
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating raw/training rounds")
    parser.add_argument("--run-dir", help="benchmark the policy of this run's checkpoint")
    parser.add_argument("--bfs", action="store_true", help="time BFS alternatives instead")
    args = parser.parse_args()
    if args.bfs:
        bfs_alternatives()
        return
    params = load_checkpoint(args.run_dir).params if args.run_dir else None
    config = TrainConfig(n_workers=args.workers, envs_per_worker=args.envs_per_worker)
    policy = f"weights of {args.run_dir}" if args.run_dir else "weights from zero"
    print(
        f"{config.n_workers} processes x {config.envs_per_worker} environments, {config.env_id}, "
        f"{args.rounds} alternating rounds of {args.seconds:.0f} s, training with {policy}; "
        f"{os.cpu_count()} CPUs (possibly shared with other work)"
    )
    ratios = []
    for round_ in range(1, args.rounds + 1):
        raw = raw_rate(config, args.seconds)
        steps, presses = training_rate(config, args.seconds, params)
        ratios.append((steps / raw, presses / raw))
        print(
            f"round {round_}: raw NLE (random keys) {raw:>8,.0f} presses/s | training "
            f"{steps:>8,.0f} agent steps/s ({presses:,.0f} presses/s) | ratio "
            f"{ratios[-1][0]:.2f} (steps), {ratios[-1][1]:.2f} (presses)"
        )
    step_ratio, press_ratio = np.median(np.array(ratios), axis=0)
    print(
        f"median ratio training/raw: {step_ratio:.2f} (agent steps), "
        f"{press_ratio:.2f} (key presses)"
    )


if __name__ == "__main__":
    main()
