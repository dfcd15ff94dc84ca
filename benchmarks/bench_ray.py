"""The Ray backend against the local one, side by side in one run, with the same workers.

1. A bandit sweep (``bandits.backends.run_settings``): wall time on the local backend with
   ``--workers`` forked processes and on Ray with as many actors, the ratio of speeds
   (Ray / local; the target is ≥ 0.9), and whether the numbers are identical bit for bit.
   Ray's start-up (``ray.init``, the actors) is timed apart: it is paid once per command.
2. Per-task overhead: tiny tasks (one run, one step) through each executor; seconds per task
   above the task's own work.
3. Message sizes: the pickled bytes of one task's arguments and of its returned curves.

Every time is the best of ``--repeats`` (the machine is shared).

    python benchmarks/bench_ray.py              # the numbers docs/scaling-out.md quotes
    python benchmarks/bench_ray.py --quick      # a smoke run
"""

from __future__ import annotations

import argparse
import pickle
import time
from collections.abc import Callable

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
    import ray

    grids = {"epsilon": {None: [2.0**k for k in range(-7, -1)]}, "c": {None: [0.25, 1.0, 4.0]}}
    settings = grid_settings(["epsilon-greedy", "ucb"], grids, seed=0)
    n_runs, n_steps = args.runs, args.steps
    n_tasks = len(settings) * -(-n_runs // backends.BLOCK_RUNS)
    print(
        f"bandit sweep: {len(settings)} settings × {n_runs} runs × {n_steps} steps = "
        f"{n_tasks} tasks of ≤ {backends.BLOCK_RUNS} runs, {args.workers} workers"
    )
    start = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
    ray_executor = backends.RayExecutor(args.workers)
    list(ray_executor.imap(abs, [(-1,)] * args.workers))  # the actors are up
    startup = time.perf_counter() - start
    local_executor = backends.LocalExecutor(args.workers)
    try:
        for executor in (local_executor, ray_executor):  # load the numba kernels everywhere
            sweep_on(executor, settings * args.workers, 10, 10)
        local, local_curves = best_time(
            lambda: sweep_on(local_executor, settings, n_runs, n_steps), args.repeats
        )
        remote, ray_curves = best_time(
            lambda: sweep_on(ray_executor, settings, n_runs, n_steps), args.repeats
        )
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
        ray.shutdown()

    arguments = pickle.dumps((settings[0], 1, backends.BLOCK_RUNS, n_steps, 100))
    curves = pickle.dumps(ray_curves[0])
    print("message sizes (pickled):")
    print(f"  one task's arguments       {len(arguments):8d} B")
    rest = len(curves) - 48 * n_steps
    print(f"  one block's curves, T={n_steps:<5d} {len(curves):8d} B = 48·T + {rest} B")


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="processes / actors (default 2)")
    parser.add_argument("--runs", type=int, default=4000, help="runs per setting (default 4000)")
    parser.add_argument("--steps", type=int, default=1000, help="steps per run (default 1000)")
    parser.add_argument("--tiny-tasks", type=int, default=2000, help="tasks for the overhead")
    parser.add_argument("--repeats", type=int, default=2, help="best of (default 2)")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.steps, args.tiny_tasks, args.repeats = 2000, 50, 50, 1
    bench_bandits(args)


if __name__ == "__main__":
    main()
