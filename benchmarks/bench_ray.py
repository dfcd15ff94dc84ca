"""The Ray backend against the local one, side by side in one run, with the same workers.

1. A bandit sweep (``bandits.backends.run_settings``): wall time on the local backend with
   ``--workers`` forked processes and on Ray with as many actors, the ratio of speeds
   (Ray / local; the target is ≥ 0.9), and whether the numbers are identical bit for bit.
   Ray's start-up (``ray.init``, the actors) is timed apart: it is paid once per command.
2. Per-task overhead: tiny tasks (one run, one step) through each executor; seconds per task
   above the task's own work.
3. Message sizes: the pickled bytes of one task's arguments and of its returned curves.
4. NetHack training (``train(..., backend=...)``): agent steps per second of the training
   loop with ``--workers`` local processes and with as many Ray actors, the ratio (target
   ≥ 0.9), and whether ``metrics.csv`` is the same (all columns but the wall time).
5. Per rollout and worker: the pickled bytes of the weights sent and of the reply received.
6. The arithmetic for more workers: with one worker's measured rate, how many updates per
   second the learner must make and how many bytes arrive, against the driver's measured
   time per round (unpickling the replies, merging them, one A2C update on the whole batch):
   the driver saturates where that time reaches the workers' rollout time.

Every time is the best of ``--repeats`` (the machine is shared).

    python benchmarks/bench_ray.py              # the numbers docs/scaling-out.md quotes
    python benchmarks/bench_ray.py --quick      # a smoke run
"""

from __future__ import annotations

import argparse
import csv
import pickle
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bandits import backends, engine
from bandits.sweep import grid_settings


def best_time(call: Callable[[], object], repeats: int) -> tuple[float, object]:
    """The best wall time of ``repeats`` calls, and the last call's value."""
    best, value = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        value = call()
        best = min(best, time.perf_counter() - start)
    return best, value


def sweep_on(executor, settings, n_runs: int, n_steps: int) -> list[engine.Curves]:
    """Every setting's curves, run through ``executor`` the way ``run_settings`` does."""
    n_blocks = -(-n_runs // backends.BLOCK_RUNS)
    tasks = backends.split(len(settings), n_runs)
    calls = [(settings[t.setting], t.block, t.n_runs, n_steps) for t in tasks]
    blocks = dict(executor.imap(backends.run_block, calls))
    curves = []
    for setting in range(len(settings)):
        merged = blocks[setting * n_blocks]
        for block in range(1, n_blocks):
            merged = merged.merge(blocks[setting * n_blocks + block])
        curves.append(merged)
    return curves


def same(first: list[engine.Curves], second: list[engine.Curves]) -> bool:
    """Bit-for-bit equality of two lists of curves."""
    fields = ("step_reward", "step_optimal", "step_regret", "run_mean_reward")
    return all(
        np.array_equal(getattr(a, f).mean, getattr(b, f).mean)
        and np.array_equal(getattr(a, f).m2, getattr(b, f).m2)
        for a, b in zip(first, second, strict=True)
        for f in fields
    )


def bench_bandits(args: argparse.Namespace) -> None:
    """Parts 1-3."""
    grids = {"epsilon": {None: [2.0**k for k in range(-7, -1)]}, "c": {None: [0.25, 1.0, 4.0]}}
    settings = grid_settings(["epsilon-greedy", "ucb"], grids, seed=0)
    n_runs, n_steps = args.runs, args.steps
    n_tasks = len(settings) * -(-n_runs // backends.BLOCK_RUNS)
    print(
        f"bandit sweep: {len(settings)} settings × {n_runs} runs × {n_steps} steps = "
        f"{n_tasks} tasks of ≤ {backends.BLOCK_RUNS} runs, {args.workers} workers"
    )
    start = time.perf_counter()
    ray_executor = backends.RayExecutor(args.workers)
    list(ray_executor.imap(abs, [(-1,)] * args.workers))  # the actors are up
    startup = time.perf_counter() - start
    local_executor = backends.LocalExecutor(args.workers)
    try:
        for executor in (local_executor, ray_executor):  # load the numba kernels everywhere
            sweep_on(executor, settings * args.workers, 10, 10)
        local, remote = np.inf, np.inf
        for _ in range(args.repeats):  # alternated, so both see the same load on the machine
            seconds, local_curves = best_time(
                lambda: sweep_on(local_executor, settings, n_runs, n_steps), 1
            )
            local = min(local, seconds)
            seconds, ray_curves = best_time(
                lambda: sweep_on(ray_executor, settings, n_runs, n_steps), 1
            )
            remote = min(remote, seconds)
        print(f"  local, {args.workers} processes   {local:8.2f} s")
        print(
            f"  ray, {args.workers} actors         {remote:8.2f} s   (+ {startup:.1f} s start-up)"
        )
        print(f"  speed ratio ray / local     {local / remote:8.2f}   (target ≥ 0.9)")
        print(f"  identical bit for bit       {same(local_curves, ray_curves)}")

        tiny = [(settings[0], block, 1, 1) for block in range(args.tiny_tasks)]
        inline = backends.LocalExecutor(1)
        list(inline.imap(backends.run_block, tiny[:2]))  # the kernels, in this process too
        work, _ = best_time(lambda: list(inline.imap(backends.run_block, tiny)), args.repeats)
        print(
            f"per-task overhead ({args.tiny_tasks} tasks of 1 run × 1 step; own work "
            f"{1e6 * work / len(tiny):.0f} µs a task in-process):"
        )
        for name, executor in (("local processes", local_executor), ("ray actors", ray_executor)):
            seconds, _ = best_time(
                lambda executor=executor: list(executor.imap(backends.run_block, tiny)),
                args.repeats,
            )
            each = seconds * args.workers / len(tiny) - work / len(tiny)
            print(f"  {name:20s} {1e6 * each:8.0f} µs a task per worker above its work")
    finally:
        local_executor.close()
        ray_executor.close()

    arguments = pickle.dumps((settings[0], 1, backends.BLOCK_RUNS, n_steps, 100))
    curves = pickle.dumps(ray_curves[0])
    print("message sizes (pickled):")
    print(f"  one task's arguments       {len(arguments):8d} B")
    rest = len(curves) - 48 * n_steps
    print(f"  one block's curves, T={n_steps:<5d} {len(curves):8d} B = 48·T + {rest} B")


def metrics_without_wall_time(run_dir: Path) -> list[list[str]]:
    """The rows of a run's metrics.csv, all columns but the last (wall time)."""
    with open(run_dir / "metrics.csv", newline="") as file:
        return [row[:-1] for row in csv.reader(file)]


def bench_nethack(args: argparse.Namespace) -> None:
    """Parts 4-6."""
    from nethack_agent.config import TrainConfig
    from nethack_agent.envs import GameRunner
    from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
    from nethack_agent.learning import Adam, a2c_update
    from nethack_agent.policy import init_params
    from nethack_agent.train import train
    from nethack_agent.workers import merge_rollouts

    config = TrainConfig(n_workers=args.workers, envs_per_worker=args.envs_per_worker)
    steps = args.nethack_steps
    print(
        f"NetHack training: {args.workers} workers × {config.envs_per_worker} games, rollouts of "
        f"{config.rollout_length} steps, {steps} agent steps (loop time, worker start apart)"
    )
    best = {"local": 0.0, "ray": 0.0}
    start_up = {"local": np.inf, "ray": np.inf}
    with tempfile.TemporaryDirectory() as scratch:
        for repeat in range(args.repeats):  # alternated, so both see the same load
            for backend in best:
                run_dir = Path(scratch) / f"{backend}{repeat}"
                begun = time.perf_counter()
                state = train(config, run_dir, total_steps=steps, progress=False, backend=backend)
                start_up[backend] = min(
                    start_up[backend], time.perf_counter() - begun - state.elapsed
                )
                best[backend] = max(best[backend], state.step / state.elapsed)
        same_metrics = metrics_without_wall_time(Path(scratch) / "local0") == (
            metrics_without_wall_time(Path(scratch) / "ray0")
        )
    for backend, rate in best.items():
        print(
            f"  {backend:5s} {rate:8.0f} agent steps/s   "
            f"(+ {start_up[backend]:.1f} s to start the workers and write the files)"
        )
    print(f"  speed ratio ray / local     {best['ray'] / best['local']:8.2f}   (target ≥ 0.9)")
    print(f"  metrics.csv identical (all but wall time)  {same_metrics}")

    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    runner = GameRunner(n_envs=config.envs_per_worker, env_id=config.env_id)
    runner.rollout(params, config.rollout_length)
    batch, episodes, presses = runner.rollout(params, config.rollout_length)
    reply = (batch, episodes, presses, runner.state(), runner.restarts)
    runner.close()
    reply_bytes = len(pickle.dumps(reply, protocol=5))
    params_bytes = len(pickle.dumps(params, protocol=5))
    per_worker = config.rollout_length * config.envs_per_worker
    print("per rollout and worker (pickled, as Ray ships them):")
    print(f"  weights, driver → worker   {params_bytes:9d} B (one ray.put for all workers)")
    print(
        f"  reply, worker → driver     {reply_bytes:9d} B for {per_worker} agent steps "
        f"({reply_bytes / per_worker:.0f} B a step)"
    )

    worker_rate = best["local"] / args.workers
    round_seconds = per_worker / worker_rate
    print(
        f"arithmetic for 64 workers (one worker: {worker_rate:.0f} steps/s, so a rollout of "
        f"{per_worker} steps every {round_seconds:.2f} s):"
    )
    counts = (args.workers, 8, 16, 32, 64, 128, 256)
    projected = []
    for workers in counts:
        replies = [reply] * workers
        blobs = [pickle.dumps(reply, protocol=5) for _ in range(workers)]
        unpickle, _ = best_time(lambda blobs=blobs: [pickle.loads(b) for b in blobs], 3)
        merge, merged = best_time(lambda replies=replies: merge_rollouts(replies), 3)
        learner, _ = best_time(
            lambda merged=merged: a2c_update(
                {name: p.copy() for name, p in params.items()},
                Adam(learning_rate=config.learning_rate),
                merged[0],
                **config.update_settings(),
            ),
            3,
        )
        driver = unpickle + merge + learner
        print(
            f"  {workers:4d} workers: {1 / round_seconds:5.2f} updates/s of "
            f"{workers * per_worker} steps, "
            f"{workers * reply_bytes / round_seconds / 2**20:7.1f} MiB/s into the driver; "
            f"driver {1e3 * driver:7.1f} ms a round (unpickle {1e3 * unpickle:.1f}, merge "
            f"{1e3 * merge:.1f}, A2C {1e3 * learner:.1f}) = {driver / round_seconds:5.0%} busy"
        )
        # the driver learns from one round while the workers play the next: the slower wins
        projected.append(workers * per_worker / max(round_seconds, driver))
    if args.figure is not None:
        plot_projection(counts, projected, worker_rate, args.figure)
        print(f"wrote {args.figure}")


def plot_projection(
    counts: tuple[int, ...], projected: list[float], worker_rate: float, path: str
) -> None:
    """Agent steps per second against workers: linear growth until the driver saturates."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), layout="constrained")
    FigureCanvasAgg(figure)
    axis = figure.subplots()
    axis.plot(counts, [n * worker_rate for n in counts], "k--", linewidth=1, label="linear")
    axis.plot(counts, projected, "o-", label="projected: min(workers, driver)")
    axis.set_xscale("log", base=2)
    axis.set_yscale("log")
    axis.set_xlabel("Ray workers (one CPU each)")
    axis.set_ylabel("agent steps per second")
    axis.set_title("NetHack training throughput, from this machine's measurements")
    axis.legend()
    figure.savefig(path, dpi=120)


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="processes / actors (default 2)")
    parser.add_argument("--runs", type=int, default=4000, help="runs per setting (default 4000)")
    parser.add_argument("--steps", type=int, default=1000, help="steps per run (default 1000)")
    parser.add_argument("--tiny-tasks", type=int, default=2000, help="tasks for the overhead")
    parser.add_argument("--repeats", type=int, default=2, help="best of (default 2)")
    parser.add_argument("--envs-per-worker", type=int, default=16, help="NetHack games a worker")
    parser.add_argument(
        "--nethack-steps", type=int, default=60_000, help="agent steps per training run"
    )
    parser.add_argument("--part", choices=("bandits", "nethack", "all"), default="all")
    parser.add_argument("--figure", help="write the throughput projection to this PNG")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.steps, args.tiny_tasks, args.repeats = 2000, 50, 50, 1
        args.nethack_steps = 3000
    import ray

    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    if args.part in ("bandits", "all"):
        bench_bandits(args)
    if args.part in ("nethack", "all"):
        bench_nethack(args)
    ray.shutdown()


if __name__ == "__main__":
    main()
