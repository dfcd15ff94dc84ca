"""The training loop: roll out, update, log each game, checkpoint; resumable and interruptible.

Read top to bottom: set up (new run or ``--resume``), then loop until the step or time budget is
spent: one rollout of ``rollout_length`` steps in every environment, one A2C update, one row per
finished game in ``metrics.csv``, a checkpoint every ``checkpoint_minutes`` (and a kept copy,
``snapshots/step-N``, every ``snapshot_minutes`` of training, if asked). Ctrl-C, the end of
the budget and errors all leave a complete checkpoint; non-finite weights stop the run and keep
the last good one.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import math
import time
from collections import deque
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from gradients.cli import progress_bar
from nethack_agent.checkpoint import CHECKPOINT_NAME, TrainState, load_checkpoint, save_checkpoint
from nethack_agent.config import TrainConfig
from nethack_agent.envs import GameRunner, runner_settings
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
from nethack_agent.learning import Adam, a2c_update, shaped_rewards
from nethack_agent.plots import plot_learning_curve
from nethack_agent.policy import init_mlp_params, init_params
from nethack_agent.ray_runner import RayRunner
from nethack_agent.workers import ParallelRunner

__all__ = [
    "FIXED_ON_RESUME",
    "METRICS_COLUMNS",
    "SNAPSHOTS_NAME",
    "TrainingDiverged",
    "budget_spent",
    "initial_params",
    "make_runner",
    "train",
]

METRICS_COLUMNS = ("step", "return", "length", "score", "depth", "wall_time")
METRICS_NAME = "metrics.csv"
CURVE_NAME = "learning_curve.png"
SNAPSHOTS_NAME = "snapshots"


class TrainingDiverged(FloatingPointError):
    """The weights became nan or inf; the last good checkpoint is kept."""


def budget_spent(
    steps: int, budget_steps: int | None, seconds: float, minutes: float | None
) -> float:
    """Fraction of a session's budget spent: the larger of the step and the time fractions.

    Args:
        steps: steps taken this session.
        budget_steps: steps this session may take, or None.
        seconds: seconds since the session started.
        minutes: minutes this session may last, or None.

    Returns:
        A number in [0, 1].
    """
    spent = 0.0
    if budget_steps is not None:
        spent = max(spent, steps / max(budget_steps, 1))
    if minutes is not None:
        spent = max(spent, seconds / (minutes * 60))
    return min(spent, 1.0)


def make_runner(
    config: TrainConfig, states: list | None, backend: str = "local", address: str | None = None
) -> GameRunner | ParallelRunner | RayRunner:
    """The environments of a run.

    In this process (``n_workers`` 0), in worker processes, or (``backend`` "ray") in Ray
    actors on the cluster at ``address``.
    """
    common = {
        "env_id": config.env_id,
        "env_api": config.env_api,
        "seed": config.seed,
        "max_episode_steps": config.max_episode_steps,
    }
    if backend == "ray":
        return RayRunner(
            config.n_workers, config.envs_per_worker, states=states, address=address, **common
        )
    if config.n_workers == 0:
        return GameRunner(
            n_envs=config.envs_per_worker, state=None if states is None else states[0], **common
        )
    return ParallelRunner(
        config.n_workers,
        config.envs_per_worker,
        states=states,
        rollout_capacity=config.rollout_length,
        **common,
    )


def _runner_states(runner: GameRunner | ParallelRunner | RayRunner) -> list:
    return [runner.state()] if isinstance(runner, GameRunner) else runner.state()


def _open_metrics(path: Path, keep_rows: int) -> tuple:
    """Open metrics.csv for appending, keeping the header and the first ``keep_rows`` rows.

    Rows written after the last checkpoint belong to games the resumed run replays, so they go.
    """
    rows: list[list[str]] = []
    if path.exists():
        with open(path, newline="") as file:
            rows = list(csv.reader(file))[1 : keep_rows + 1]
    file = open(path, "w", newline="")  # noqa: SIM115  (closed by train())
    writer = csv.writer(file)
    writer.writerow(METRICS_COLUMNS)
    writer.writerows(rows)
    return file, writer


FIXED_ON_RESUME = ("env_id", "env_api", "seed", "policy", "hidden")
"""Settings that make a run what it is: ``train(resume=True, changes=...)`` keeps them."""


def _changed(state: TrainState, changes: dict[str, object]) -> tuple[TrainConfig, list | None]:
    """The resumed run's config with ``changes``, and the runner states it can keep."""
    fixed = sorted(set(changes) & set(FIXED_ON_RESUME))
    if fixed:
        raise ValueError(f"a resumed run keeps its {', '.join(fixed)}: start a new run instead")
    config = dataclasses.replace(state.config, **changes)  # validated like a new config
    layout = ("n_workers", "envs_per_worker")
    same = all(getattr(config, name) == getattr(state.config, name) for name in layout)
    return config, state.runner_states if same else None


def train(
    config: TrainConfig,
    run_dir: str | Path,
    *,
    total_steps: int | None = None,
    minutes: float | None = None,
    resume: bool = False,
    changes: dict[str, object] | None = None,
    progress: bool = True,
    backend: str = "local",
    address: str | None = None,
) -> TrainState:
    """Train a policy; everything goes to ``run_dir``.

    Args:
        config: the settings (ignored when resuming: the checkpoint's own config is used, with
            ``changes``). The learning rate decays linearly from ``learning_rate`` to
            ``final_lr_fraction`` of it over this session's budget (steps or minutes, whichever
            runs out first).
        run_dir: directory for metrics.csv, checkpoint.npz and learning_curve.png.
        total_steps: stop once this many agent steps (summed over environments) are done.
        minutes: stop after this many minutes of this session.
        resume: continue from ``run_dir/checkpoint.npz``; games in flight were not saved
            (NLE cannot), so every environment starts a fresh seeded game.
        changes: with ``resume``, settings that replace the checkpoint's (``TrainConfig``
            field names; not those that make the run what it is, ``FIXED_ON_RESUME``), e.g. a
            larger batch or another step size for the rest of a run. With another number of
            workers or games per worker, the game streams start again from the run seed's.
        progress: show a tqdm progress bar.
        backend: "local" (this process or ``n_workers`` processes) or "ray" (``n_workers``
            Ray actors): the same numbers with the same workers.
        address: the Ray cluster for "ray" (None: start one here).

    Returns:
        The final ``TrainState`` (also saved as the checkpoint).

    Raises:
        ValueError: no budget given, a new run would overwrite a checkpoint, or ``changes``
            name a setting that cannot change, or without ``resume``.
        TrainingDiverged: the weights became non-finite.
        KeyboardInterrupt: Ctrl-C, re-raised once the checkpoint is saved.
    """
    if total_steps is None and minutes is None:
        raise ValueError("give a budget: total_steps or minutes")
    if (total_steps is not None and total_steps < 1) or (minutes is not None and not minutes > 0):
        raise ValueError(
            f"total_steps must be >= 1 and minutes > 0, got {total_steps} and {minutes}"
        )
    run_dir = Path(run_dir)
    if not resume:  # a task the chosen way of playing knows, before anything is written
        runner_settings(config.env_id, config.max_episode_steps, config.env_api)
    if changes and not resume:
        raise ValueError("changes apply to a resumed run only: give them in config")
    if resume:
        state = load_checkpoint(run_dir)
        if changes:
            state.config, state.runner_states = _changed(state, changes)
        config = state.config
    else:
        if (run_dir / CHECKPOINT_NAME).exists():
            raise ValueError(
                f"{run_dir} already holds a checkpoint: use --resume or another --run-dir"
            )
        run_dir.mkdir(parents=True, exist_ok=True)
        state = TrainState(
            config=config,
            params=initial_params(config),
            optimiser=Adam(learning_rate=config.learning_rate),
        )

    first_step = state.step
    # One BLAS thread: the learner's matrix products are small, and extra OpenBLAS threads only
    # fight the rollout workers for the cores (the forked workers inherit the limit).
    blas = threadpool_limits(limits=1, user_api="blas")
    runner = make_runner(config, state.runner_states, backend, address)
    metrics_file, metrics = _open_metrics(run_dir / METRICS_NAME, state.episodes)
    started = time.monotonic()
    last_checkpoint = started
    next_snapshot = _next_snapshot(state.elapsed, config.snapshot_minutes)
    recent_returns: deque[float] = deque(maxlen=100)
    recent_scores: deque[float] = deque(maxlen=100)
    bar = progress_bar(total_steps, initial=state.step, unit="step", disable=not progress)
    diverged = False
    pipelined = not isinstance(runner, GameRunner)
    try:
        if pipelined:
            runner.send_rollout(state.params, config.rollout_length)
        while (total_steps is None or state.step < total_steps) and (
            minutes is None or time.monotonic() - started < minutes * 60
        ):
            if pipelined:
                # Workers play the next rollout with the current weights while this process
                # learns from the last one: the policy lags one update behind (as in IMPALA).
                # Each worker starts the next rollout as soon as it has delivered this one.
                batch, episodes, _ = runner.receive_rollout(state.params, config.rollout_length)
            else:
                batch, episodes, _ = runner.rollout(state.params, config.rollout_length)
            runner_states = _runner_states(runner)
            # Update copies and commit them only when finite: an interrupt or a nan never
            # leaves half-updated weights behind.
            params = {name: p.copy() for name, p in state.params.items()}
            optimiser = copy.deepcopy(state.optimiser)
            optimiser.learning_rate = config.learning_rate * (
                1.0
                - (1.0 - config.final_lr_fraction)
                * budget_spent(
                    state.step - first_step,
                    None if total_steps is None else total_steps - first_step,
                    time.monotonic() - started,
                    minutes,
                )
            )
            if config.death_penalty:  # shaping: the reported score stays NetHack's own
                batch["rewards"] = shaped_rewards(
                    batch["rewards"], batch["terminated"], config.death_penalty
                )
            stats = a2c_update(
                params,
                optimiser,
                batch,
                **config.update_settings(),
            )
            if not all(np.isfinite(p).all() for p in params.values()):
                diverged = True
                raise TrainingDiverged(
                    f"weights became nan/inf at update {state.updates + 1} (step {state.step}); "
                    f"stopped, and kept the last good checkpoint in {run_dir}"
                )
            state.params, state.optimiser, state.runner_states = params, optimiser, runner_states
            wall_time = time.monotonic() - started + state.elapsed
            for e in episodes:
                step = state.step + (e.t + 1) * config.n_envs
                metrics.writerow(
                    [step, f"{e.ret:.2f}", e.length, e.score, e.depth, f"{wall_time:.1f}"]
                )
                recent_returns.append(e.ret)
                recent_scores.append(e.score)
            metrics_file.flush()
            state.step += config.steps_per_rollout
            state.updates += 1
            state.episodes += len(episodes)
            bar.update(config.steps_per_rollout)
            bar.set_postfix(
                ret=f"{np.mean(recent_returns):.1f}" if recent_returns else "-",
                score=f"{np.mean(recent_scores):.0f}" if recent_scores else "-",
                entropy=f"{stats.entropy:.2f}",
                games=state.episodes,
            )
            if wall_time >= next_snapshot:  # training time over all sessions, as logged
                snapshot = run_dir / SNAPSHOTS_NAME / f"step-{state.step:011d}"
                snapshot.mkdir(parents=True, exist_ok=True)
                save_checkpoint(snapshot, dataclasses.replace(state, elapsed=wall_time))
                next_snapshot = _next_snapshot(wall_time, config.snapshot_minutes)
            if time.monotonic() - last_checkpoint > config.checkpoint_minutes * 60:
                _save(state, run_dir, time.monotonic() - started)
                last_checkpoint = time.monotonic()
    except KeyboardInterrupt:
        bar.write(f"interrupted: saving a checkpoint at step {state.step} in {run_dir}")
        raise  # after the checkpoint below: the command line exits with status 130
    finally:
        bar.close()
        metrics_file.close()
        runner.close()
        blas.restore_original_limits()
        state.elapsed += time.monotonic() - started
        if not diverged:
            _save(state, run_dir, 0.0)
    return state


def initial_params(config: TrainConfig) -> dict[str, np.ndarray]:
    """The weights a new run of ``config`` starts from (the MLP's drawn from its seed)."""
    if config.policy == "mlp":
        rng = np.random.default_rng([config.seed, 0x4D4C50])  # a stream of its own
        return init_mlp_params(N_STATE_FEATURES, N_DIRECTION_FEATURES, config.hidden, rng)
    return init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)


def _next_snapshot(elapsed: float, minutes: float) -> float:
    """Training seconds (over all sessions) at which the next snapshot is due: inf for none."""
    if not minutes:
        return math.inf
    return (elapsed // (minutes * 60) + 1) * minutes * 60


def _save(state: TrainState, run_dir: Path, session_seconds: float) -> None:
    """Checkpoint (atomically) and redraw the learning curve."""
    save_checkpoint(run_dir, dataclasses.replace(state, elapsed=state.elapsed + session_seconds))
    if state.episodes > 0:
        plot_learning_curve(run_dir / METRICS_NAME, run_dir / CURVE_NAME)
