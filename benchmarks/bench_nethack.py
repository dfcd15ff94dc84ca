"""NetHack speed, side by side in one run: random loops over the game, and the training loop.

    python benchmarks/bench_nethack.py [--seconds 10] [--rounds 3] [--run-dir runs/score]
                                       [--workers 2] [--envs-per-worker 2] [--env-api nle]
                                       [--rollout-length 256] [--sweep 1,4,16]
                                       [--profile-steps 20000] [--env NetHackChallenge-v0]
    python benchmarks/bench_nethack.py --games-per-process 1,2,4,8,16 [--seconds 5]
    python benchmarks/bench_nethack.py --bfs
    python benchmarks/bench_nethack.py --policy-step [--run-dir RUN | --hidden 64] [--env ...]

Measured in alternating rounds (each loop in turn, ``--seconds`` each), with the machine's load
(``uptime``) printed before and after:

1. low-level random loop: one process, one game, ``nle.nethack.Nethack.step`` with uniformly
   random keys of NetHackScore's 23 (the game alone, nothing dismissed, no rules);
2. driver random loop: the same through ``nethack_agent.game.NetHackGame.press`` (NetHackScore's
   rules: --More-- and questions dismissed, reward, end status);
3. gym random loop: one process, one game, ``gym.make("NetHackScore-v0")`` … ``env.step`` —
   **the yardstick**: training's rate is divided by this one;
4. training: the loop of ``python -m nethack_agent train`` without the disk writes (``--workers``
   processes × ``--envs-per-worker`` games through ``--env-api``, pipelined rollouts, one A2C
   update per rollout), in agent steps/s summed over the workers. Weights start at zero (short
   games: NetHack's ≈ 2–3 ms reset weighs on every few dozen steps) or come from ``--run-dir``'s
   checkpoint (a trained policy's games last hundreds to thousands of steps, as they do for
   almost all of a training run).

5. NetHack alone on the policy's own keys (``--replay-steps``): one ``GameRunner`` plays the
   policy (weights from zero or ``--run-dir``'s) for that many steps per game, keeping each
   game's seeds and every key it pressed (once per run); the same games are replayed, every
   round, key by key through
   the bare game (``NetHackGame``'s core ``step``, no rules, no features, no policy), one process
   — agent steps/s of the game itself. That times the workers (at most the cores) is what
   training could reach if the agent's own work, the learner and the processes' waits cost
   nothing: a ceiling of the training rate, printed as a ratio to the yardstick (NetHack runs
   slower between the agent's steps than back to back: docs/nethack-speed.md).

Then the per-step profile of one worker (``--profile-steps`` agent steps of one ``GameRunner``
in this process): where an agent step's time goes. ``--sweep`` adds the training rate for
other numbers of games per worker.

``--games-per-process 1,2,4,16`` instead prints the CPU time of a key press with that many
games in one process, with and without the terminal observation (the measurement behind the
default of 2 games per worker and observing ``tty_chars`` only where it is read).

``--policy-step`` instead times one runner (``--envs-per-worker`` games, rollouts of
``--rollout-length``) playing ``--run-dir``'s weights (or a new policy's, an MLP's with
``--hidden``) with the compiled policy step (``nethack_agent.policy_kernel``) and with
``nethack_agent.policy``'s numpy step, in alternating rounds: the kernel's speed-up.

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
from nle import nethack
from threadpoolctl import threadpool_limits

from nethack_agent.actions import RANDOM_BASELINE_KEYS
from nethack_agent.checkpoint import load_checkpoint
from nethack_agent.config import TrainConfig
from nethack_agent.envs import OBSERVATION_KEYS, GameRunner, game_seeds, rollout_arrays
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
from nethack_agent.game import SCORE, NetHackGame, TaskSettings
from nethack_agent.learning import Adam, a2c_update
from nethack_agent.policy import init_params
from nethack_agent.train import initial_params
from nethack_agent.workers import ParallelRunner


def _random_keys(seed: int, n: int = 1 << 16) -> list[int]:
    return np.random.default_rng(seed).choice(RANDOM_BASELINE_KEYS, n).tolist()


def low_level_rate(seconds: float, seed: int = 0) -> float:
    """Key presses/s of ``nle.nethack.Nethack.step`` alone, one game, random keys."""
    game = nethack.Nethack(observation_keys=OBSERVATION_KEYS, ttyrec=None)
    keys, presses, episode = _random_keys(seed), 0, 0
    game.set_initial_seeds(*game_seeds(seed, 0, 0, episode), False)
    game.reset()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for key in keys[presses % len(keys) :][:1000]:
            if game.step(key)[1]:
                episode += 1
                game.set_initial_seeds(*game_seeds(seed, 0, 0, episode), False)
                game.reset()
        presses += 1000
    elapsed = time.perf_counter() - start
    game.close()
    return presses / elapsed


def driver_rate(seconds: float, seed: int = 0) -> float:
    """Key presses/s of ``NetHackGame.press`` (NetHackScore's rules), one game, random keys."""
    game = NetHackGame(SCORE, observation_keys=OBSERVATION_KEYS)
    keys, presses, episode = _random_keys(seed), 0, 0
    game.seed(*game_seeds(seed, 0, 0, episode))
    game.reset()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for key in keys[presses % len(keys) :][:1000]:
            if game.press(key)[1]:
                episode += 1
                game.seed(*game_seeds(seed, 0, 0, episode))
                game.reset()
        presses += 1000
    elapsed = time.perf_counter() - start
    game.close()
    return presses / elapsed


def gym_rate(seconds: float, seed: int = 0) -> float:
    """Steps/s of ``gym.make("NetHackScore-v0")`` … ``env.step``, one game, random keys."""
    env = gym.make("NetHackScore-v0", observation_keys=OBSERVATION_KEYS)
    actions = np.random.default_rng(seed).integers(env.action_space.n, size=1 << 16).tolist()
    steps, episode = 0, 0
    env.unwrapped.seed(*game_seeds(seed, 0, 0, episode), reseed=False)
    env.reset()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for action in actions[steps % len(actions) :][:1000]:
            if env.step(action)[2]:
                episode += 1
                env.unwrapped.seed(*game_seeds(seed, 0, 0, episode), reseed=False)
                env.reset()
        steps += 1000
    elapsed = time.perf_counter() - start
    env.close()
    return steps / elapsed


def _state(blstats: np.ndarray) -> tuple[int, ...]:
    """The game clock, the agent's position and HP: what a replay must reproduce after each key."""
    keys = (nethack.NLE_BL_TIME, nethack.NLE_BL_X, nethack.NLE_BL_Y, nethack.NLE_BL_HP)
    return tuple(int(blstats[key]) for key in keys)


class _RecordingCore:
    """NetHack's core object, keeping the keys it is stepped with and the state after each.

    The task's own keys (``--More--``, prompts) are kept too; the state (``_state``: the clock,
    the position, HP) is read from the game's ``blstats``, which NetHack writes.
    """

    def __init__(self, core, blstats: np.ndarray):
        self._core = core
        self._blstats = blstats
        self.keys: list[int] | None = None  # None: not recording (a reset's keys)
        self.states: list[tuple[int, ...]] = []

    def step(self, key: int):
        result = self._core.step(key)
        if self.keys is not None:
            self.keys.append(key)
            self.states.append(_state(self._blstats))
        return result

    def __getattr__(self, name: str):
        return getattr(self._core, name)


class _RecordingGame(NetHackGame):
    """A ``NetHackGame`` that keeps every game's seeds and the keys NetHack got in it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._core = _RecordingCore(self._core, self.observation["blstats"])
        self.games: list[tuple[int, int, list[int]]] = []
        self._seeds = (0, 0)

    def seed(self, core: int, disp: int, **kwargs) -> None:
        super().seed(core, disp, **kwargs)
        self._seeds = (core, disp)

    def reset(self) -> None:
        self._core.keys = None
        super().reset()
        self.games.append((*self._seeds, []))
        self._core.keys = self.games[-1][2]


def record_games(
    config: TrainConfig, params: dict | None, n_steps: int
) -> tuple[TaskSettings, tuple[str, ...], list[tuple[int, int, list[int]]], list[tuple[int, ...]]]:
    """Play the policy ``n_steps`` agent steps in ``config.envs_per_worker`` games, recording.

    Returns the task and the observation keys the games were played with, every game's (core
    seed, display seed, keys NetHack got) and the game's state after each of those keys
    (``_state``), in the same order.
    """
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES) if params is None else params
    recorders: list[_RecordingGame] = []

    def make_game(settings, **kwargs):
        recorders.append(_RecordingGame(settings, **kwargs))
        return recorders[-1]

    runner = GameRunner(
        config.env_id,
        config.envs_per_worker,
        seed=config.seed,
        max_episode_steps=config.max_episode_steps,
        make_game=make_game,
    )
    for _ in range(n_steps):
        actions, _ = runner.choose(params, "sampled")
        runner.step(actions)
    runner.close()
    games = [game for recorder in recorders for game in recorder.games]
    states = [state for recorder in recorders for state in recorder._core.states]
    return runner.settings, runner.observation_keys, games, states


def replay(
    settings: TaskSettings,
    observation_keys: tuple[str, ...],
    games: list[tuple[int, int, list[int]]],
    states: list | None = None,
) -> float:
    """Seconds to replay ``games`` through the bare game (``record_games``' task and keys).

    ``states``: a list to append the game's state to after each key (``_state``; slower, for
    checking that the replay is the recorded games), or None.
    """
    replayer = NetHackGame(settings, observation_keys=observation_keys)
    core, blstats = replayer._nethack._pynethack, replayer.observation["blstats"]
    start = time.perf_counter()
    for core_seed, display_seed, keys in games:
        replayer.seed(core_seed, display_seed)
        replayer.reset()
        for key in keys:
            core.step(key)
            if states is not None:
                states.append(_state(blstats))
            if core.done():
                break
    elapsed = time.perf_counter() - start
    replayer.close()
    return elapsed


def replay_rate(recording: tuple, agent_steps: int) -> tuple[float, float]:
    """Agent steps/s and presses/s of NetHack alone, replaying the keys the policy pressed.

    ``recording``: what ``record_games`` returned for ``agent_steps`` steps in all; every game
    is replayed from its seeds through the bare game.
    """
    settings, observation_keys, games, _ = recording
    elapsed = replay(settings, observation_keys, games)
    presses = sum(len(keys) for *_, keys in games)
    return agent_steps / elapsed, presses / elapsed


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used (Linux's /proc; nan elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def training_rate(
    config: TrainConfig, seconds: float, params: dict | None
) -> tuple[float, float, float, float, float]:
    """Agent steps/s, presses/s, game length, workers' and learner's core shares of training.

    The mean game length is in agent steps; a share is the CPU time a process used over the
    wall time (a worker's: the mean over the workers; the learner is this process).
    ``nethack_agent.train``'s loop (pipelined rollouts in the workers while this process
    updates), minus the disk writes; the clock starts after the workers' first rollout.
    """
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES) if params is None else params
    params = {name: p.copy() for name, p in params.items()}
    optimiser = Adam(learning_rate=config.learning_rate)
    blas = threadpool_limits(limits=1, user_api="blas")  # as nethack_agent.train does
    runner = ParallelRunner(
        config.n_workers,
        config.envs_per_worker,
        env_id=config.env_id,
        env_api=config.env_api,
        seed=config.seed,
        max_episode_steps=config.max_episode_steps,
        rollout_capacity=config.rollout_length,
    )
    runner.rollout(params, 2)  # warm up: workers started, numba loaded
    steps = presses = 0
    lengths: list[int] = []
    runner.send_rollout(params, config.rollout_length)
    pids = [process.pid for process in runner._processes]
    workers_cpu = [_cpu_seconds(pid) for pid in pids]
    own_cpu = time.process_time()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        batch, episodes, n_presses = runner.receive_rollout(params, config.rollout_length)
        a2c_update(params, optimiser, batch, **config.update_settings())
        steps += batch["actions"].size
        presses += n_presses
        lengths.extend(e.length for e in episodes)
    elapsed = time.perf_counter() - start
    own = (time.process_time() - own_cpu) / elapsed
    busy = np.mean([_cpu_seconds(pid) - cpu for pid, cpu in zip(pids, workers_cpu, strict=True)])
    busy /= elapsed
    runner.close()
    blas.restore_original_limits()
    length = float(np.mean(lengths)) if lengths else np.nan
    return steps / elapsed, presses / elapsed, length, float(busy), own


def worker_profile(config: TrainConfig, params: dict | None, n_steps: int) -> dict[str, float]:
    """Microseconds per agent step of one worker's parts (one ``GameRunner`` in this process).

    ``GameRunner.rollout`` as a worker runs it (rollouts of ``rollout_length`` steps into the
    same arrays), timed part by part: the compiled features-and-policy call, the step
    (NetHack's key presses, NetHack's resets, and the runner's own work: prompts,
    bookkeeping), and the rest of the rollout loop (the first step's check, the batch's rows).
    """
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES) if params is None else params
    runner = GameRunner(
        config.env_id,
        config.envs_per_worker,
        seed=config.seed,
        env_api=config.env_api,
        max_episode_steps=config.max_episode_steps,
    )
    out = rollout_arrays(config.rollout_length, runner.n_envs)
    runner.rollout(params, 4, out)
    spent = dict.fromkeys(("features_and_policy", "step", "nethack_press", "nethack_reset"), 0.0)
    game_class = type(runner.envs[0])
    originals = (
        (GameRunner, "_fused_entry", "features_and_policy"),  # (timing the entry it returns)
        (GameRunner, "step", "step"),
        (game_class, "press", "nethack_press"),
        (game_class, "reset", "nethack_reset"),
    )

    def timed(name, function):
        def wrapper(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - begin

        return wrapper

    saved = [(owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in originals]
    for owner, attribute, name in originals:
        function = getattr(owner, attribute)
        if attribute == "_fused_entry":  # the rollout's fused step, as the rollout calls it
            setattr(
                owner, attribute, lambda self, args, e=function, n=name: timed(n, e(self, args))
            )
        else:
            setattr(owner, attribute, timed(name, function))
    rollouts = max(1, n_steps // (config.rollout_length * config.envs_per_worker))
    start = time.perf_counter()
    try:
        for _ in range(rollouts):
            runner.rollout(params, config.rollout_length, out)
    finally:
        for owner, attribute, function in saved:
            setattr(owner, attribute, function)
    total = time.perf_counter() - start
    runner.close()
    spent["step"] -= spent["nethack_press"] + spent["nethack_reset"]
    spent["rollout_loop"] = total - sum(spent.values())
    n = rollouts * config.rollout_length * config.envs_per_worker
    result = {name: seconds / n * 1e6 for name, seconds in spent.items()}
    result["total"] = total / n * 1e6
    return result


def bfs_alternatives(n_maps: int = 16, repeats: int = 20) -> None:
    """Time one BFS per game from the agent's square three ways and print the rates."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

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


def _press_cost(n_games: int, keys: tuple[str, ...], seconds: float) -> float:
    """CPU-µs per press of moves and search, round-robin over n seeded games (``--seconds``)."""
    from nethack_agent.actions import DIRECTION_KEYS

    games = [NetHackGame(SCORE, observation_keys=keys) for _ in range(n_games)]
    for i, game in enumerate(games):
        game.seed(*game_seeds(0, 0, i, 0))
        game.reset()
    moves = np.random.default_rng(0).choice([*DIRECTION_KEYS, ord("s")], 1 << 16).tolist()
    presses, episodes = 0, [0] * n_games
    start = time.process_time()
    while time.process_time() - start < seconds:
        for i, game in enumerate(games):
            if game.press(moves[presses & 0xFFFF])[1]:
                episodes[i] += 1
                game.seed(*game_seeds(0, 0, i, episodes[i]))
                game.reset()
            presses += 1
    cpu = time.process_time() - start
    for game in games:
        game.close()
    return cpu / presses * 1e6


def games_per_process(seconds: float, counts: list[int]) -> None:
    """CPU-µs per key press of NetHack with n games in one process, with and without the terminal.

    The agent's kind of keys (the eight moves and search: every press plays a turn), through
    ``NetHackGame.press`` round-robin over the games, each loop in a fresh process. NLE loads a
    separate copy of NetHack's library for every game, so the more games one process steps in
    turn, the more of the CPU's caches each press finds taken by the others.
    """
    print("CPU-µs per key press (moves and search) with n games in one process:")
    print(f"  {'games':>5}  {'glyphs, blstats, message':>26}  {'+ tty_chars':>12}")
    for n in counts:
        plain = _in_child(_press_cost, n, OBSERVATION_KEYS, seconds)
        screen = _in_child(_press_cost, n, (*OBSERVATION_KEYS, "tty_chars"), seconds)
        print(f"  {n:>5}  {plain:>26.1f}  {screen:>12.1f}")


def _runner_rate(config: TrainConfig, params: dict, compiled: bool, seconds: float) -> float:
    """Agent steps/s of one runner of ``config``'s games playing ``params`` for ``seconds``."""
    runner = GameRunner(config.env_id, config.envs_per_worker, seed=3)
    runner._kernel.usable = compiled  # False: nethack_agent.policy's numpy step, as a fallback
    runner.rollout(params, config.rollout_length)  # compiles, and leaves the first games' reset
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        runner.rollout(params, config.rollout_length)
        steps += config.rollout_length * config.envs_per_worker
    rate = steps / (time.perf_counter() - start)
    runner.close()
    return rate


def policy_step(config: TrainConfig, params: dict, seconds: float, rounds: int) -> None:
    """One runner's agent steps/s with the compiled policy step and with the numpy one.

    Alternating rounds, each in a fresh process; the ratio compiled / numpy is the speed-up of
    ``nethack_agent.policy_kernel`` for these weights (linear, or the MLP's direction network).
    """
    rates: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for compiled in rates:
            rates[compiled].append(_in_child(_runner_rate, config, params, compiled, seconds))
    compiled, numpy_ = (float(np.median(rates[kind])) for kind in (True, False))
    print(
        f"one runner, {config.envs_per_worker} games of {config.env_id}, rollouts of "
        f"{config.rollout_length}, median of {rounds} rounds of {seconds:.0f} s:\n"
        f"  compiled policy step  {compiled:>8,.0f} agent steps/s\n"
        f"  numpy policy step     {numpy_:>8,.0f} agent steps/s\n"
        f"  ratio compiled / numpy {compiled / numpy_:.2f}"
    )


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _in_child(function, *args):
    """Run one measurement in a fresh process (no numba or NetHack state shared between loops)."""
    with mp.get_context("fork").Pool(1) as pool:
        return pool.apply(function, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = TrainConfig()
    parser.add_argument("--workers", type=int, default=defaults.n_workers)
    parser.add_argument("--envs-per-worker", type=int, default=defaults.envs_per_worker)
    parser.add_argument("--rollout-length", type=int, default=defaults.rollout_length)
    parser.add_argument("--env-api", choices=("nle", "gym"), default=defaults.env_api)
    parser.add_argument(
        "--env", default=defaults.env_id, help="the task training plays (the random loops: Score)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each loop")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--run-dir", help="play the policy of this run's checkpoint")
    parser.add_argument(
        "--sweep",
        default="",
        help="also train with these games per worker (the same steps per update: the rollout "
        "length scaled to match)",
    )
    parser.add_argument("--profile-steps", type=int, default=20000, help="0: no worker profile")
    parser.add_argument(
        "--replay-steps",
        type=int,
        default=5000,
        help="agent steps per game replayed through the bare game (0: none)",
    )
    parser.add_argument("--bfs", action="store_true", help="time BFS alternatives instead")
    parser.add_argument(
        "--games-per-process",
        default="",
        help="instead: CPU-µs per key press with these numbers of games in one process",
    )
    parser.add_argument(
        "--policy-step",
        action="store_true",
        help="instead: one runner's agent steps/s with the compiled and the numpy policy step "
        "(the weights of --run-dir, or an MLP's from --hidden)",
    )
    parser.add_argument("--hidden", type=int, default=0, help="--policy-step without --run-dir")
    args = parser.parse_args()
    if args.bfs:
        bfs_alternatives()
        return
    if args.games_per_process:
        games_per_process(args.seconds, [int(n) for n in args.games_per_process.split(",")])
        return
    params = load_checkpoint(args.run_dir).params if args.run_dir else None
    config = TrainConfig(
        env_id=args.env,
        n_workers=args.workers,
        envs_per_worker=args.envs_per_worker,
        rollout_length=args.rollout_length,
        env_api=args.env_api,
    )
    if args.policy_step:
        weights = f"weights of {args.run_dir}"
        if params is None:
            kind = {"policy": "mlp", "hidden": args.hidden} if args.hidden else {}
            params = initial_params(TrainConfig(**{**vars(config), **kind}))
            weights = f"{'an MLP' if args.hidden else 'the linear policy'}'s initial weights"
        print(f"{os.cpu_count()} CPUs, load average {_load()}; {weights}")
        policy_step(config, params, args.seconds, args.rounds)
        return
    sweep = [int(n) for n in args.sweep.split(",") if n]
    policy = f"weights of {args.run_dir}" if args.run_dir else "weights from zero"
    print(
        f"{os.cpu_count()} CPUs, load average {_load()} (1, 5, 15 min); {args.rounds} rounds of "
        f"{args.seconds:.0f} s per loop; training: {config.n_workers} processes x "
        f"{config.envs_per_worker} games of {config.env_id} via --env-api {config.env_api}, "
        f"rollouts of {config.rollout_length} steps, {policy}"
    )
    rows: dict[str, list[float]] = {}

    def record(name: str, value: float) -> float:
        rows.setdefault(name, []).append(value)
        return value

    # the policy's games, recorded once (the same seeds give the same games every round)
    recording = None
    if args.replay_steps:
        recording = _in_child(record_games, config, params, args.replay_steps)
    for round_ in range(1, args.rounds + 1):
        low = record(
            "low-level random loop (Nethack.step), presses/s",
            _in_child(low_level_rate, args.seconds),
        )
        driver = record(
            "driver random loop (NetHackGame.press), presses/s",
            _in_child(driver_rate, args.seconds),
        )
        yardstick = record("gym random loop (env.step), steps/s", _in_child(gym_rate, args.seconds))
        steps, presses, length, busy, learner = training_rate(config, args.seconds, params)
        record(f"training, {config.envs_per_worker} games/worker: agent steps/s", steps)
        record(f"training, {config.envs_per_worker} games/worker: key presses/s", presses)
        record("training: share of a core used by a worker", busy)
        record("training: share of a core used by the learner (main process)", learner)
        record("ratio training / gym random loop (agent steps)", steps / yardstick)
        if args.replay_steps:
            agent_steps = args.replay_steps * config.envs_per_worker
            alone, alone_presses = _in_child(replay_rate, recording, agent_steps)
            record("NetHack alone on the policy's keys, 1 process: agent steps/s", alone)
            record("NetHack alone on the policy's keys, 1 process: presses/s", alone_presses)
            cores = min(config.n_workers, os.cpu_count() or 1)
            record(f"ceiling: {cores} x that / gym random loop", cores * alone / yardstick)
        for n in sweep:
            same_batch = max(1, config.rollout_length * config.envs_per_worker // n)
            other = TrainConfig(
                **{**vars(config), "envs_per_worker": n, "rollout_length": same_batch}
            )
            record(
                f"training, {n} games/worker: agent steps/s",
                training_rate(other, args.seconds, params)[0],
            )
        print(
            f"round {round_}: low-level {low:,.0f} | driver {driver:,.0f} | gym {yardstick:,.0f} "
            f"| training {steps:,.0f} agent steps/s ({presses:,.0f} presses/s, games of "
            f"{length:.0f} steps) | ratio {steps / yardstick:.2f}"
        )
    print(f"\nmedian over {args.rounds} rounds (load average now {_load()}):")
    for name, values in rows.items():
        digits = 2 if any(word in name for word in ("ratio", "share", "ceiling")) else 0
        spread = f"{min(values):,.{digits}f}–{max(values):,.{digits}f}"
        print(f"  {name:<62} {np.median(values):>10,.{digits}f}   (rounds: {spread})")
    if args.profile_steps:
        profile = worker_profile(config, params, args.profile_steps)
        total = profile.pop("total")
        print(
            f"\nper agent step of one worker ({config.envs_per_worker} games, --env-api "
            f"{config.env_api}, in this process): {total:.1f} µs in all"
        )
        for name, micros in profile.items():
            print(f"  {name:<18} {micros:6.1f} µs  {micros / total:6.1%}")


if __name__ == "__main__":
    main()
