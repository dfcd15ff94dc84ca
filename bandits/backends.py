"""Where an experiment's runs are computed: the (setting, block of runs) split and its executors.

An experiment is a list of *settings* — a policy with its parameters on a family of bandit
problems, each with its own ``numpy.random.SeedSequence``. A setting's R runs are cut into
blocks of ``block_runs`` runs (the last one shorter), and every (setting, block) pair is one
task, seeded by its coordinates: block 0 draws from the setting's own seed (so a setting of
at most ``block_runs`` runs is exactly today's one-array run), block b ≥ 1 from the seed's
child b. A task returns its block's ``engine.Curves`` (moments over its runs), and a setting's
blocks are merged in block order whatever order they finish in. The split depends on R and
``block_runs`` only — never on the backend, the number of workers or the memory budget — so
every backend gives the same numbers, bit for bit.

Backends: ``local`` (in this process, or ``workers`` forked processes) and ``ray`` (actors on
a Ray cluster; Ray is imported only here, only when asked for). At most two tasks per worker
are in flight, and the blocks of a setting are reduced as they arrive, so memory stays
bounded whatever R is; ``check_memory`` refuses, before anything is allocated, a request
whose blocks or curves would not fit the budget.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bandits import _checks, engine
from bandits.environments import BernoulliBandit, GaussianBandit
from bandits.policies import Policy
from gradients.cluster import connect_ray

__all__ = [
    "BACKENDS",
    "BLOCK_RUNS",
    "DEFAULT_MEMORY_BUDGET",
    "Executor",
    "Backend",
    "LOCAL",
    "LocalExecutor",
    "RayExecutor",
    "Setting",
    "Task",
    "block_seed",
    "check_memory",
    "run_block",
    "run_settings",
    "split",
]

BLOCK_RUNS = 2000
"""Runs per task: the book's 2000 runs are one block, so the default figures are unchanged."""

DEFAULT_MEMORY_BUDGET = 2 * 2**30
"""Bytes the blocks in flight and the finished curves may take together (2 GiB)."""

BACKENDS = ("local", "ray")


class Setting(Protocol):
    """One curve or point of an experiment: what its runs face and its random seed."""

    seed: np.random.SeedSequence
    n_arms: int

    def build(
        self, n_runs: int, rng: np.random.Generator
    ) -> tuple[Policy, GaussianBandit | BernoulliBandit]:
        """A fresh policy and environment for ``n_runs`` runs, drawn from ``rng``."""


@dataclass(frozen=True)
class Task:
    """One unit of work: block ``block`` (of ``n_runs`` runs) of setting ``setting``."""

    setting: int
    block: int
    n_runs: int


def split(n_settings: int, n_runs: int, block_runs: int = BLOCK_RUNS) -> Iterator[Task]:
    """The tasks of ``n_settings`` settings of ``n_runs`` runs each, setting by setting.

    Args:
        n_settings: the number of settings.
        n_runs: runs per setting R >= 1.
        block_runs: runs per block >= 1.

    Yields:
        ``Task(setting, block, size)`` with sizes ``block_runs, …, block_runs, rest``.
    """
    for setting in range(n_settings):
        for block, start in enumerate(range(0, n_runs, block_runs)):
            yield Task(setting, block, min(block_runs, n_runs - start))


def block_seed(seed: np.random.SeedSequence, block: int) -> np.random.SeedSequence:
    """The seed of block ``block`` of a setting seeded by ``seed``: itself for 0, else child b."""
    if block == 0:
        return seed
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, block))


def run_block(
    setting: Setting,
    block: int,
    n_runs: int,
    n_steps: int,
    window: int = 100,
    progress: Callable[[int], object] | None = None,
) -> engine.Curves:
    """Run one block of a setting: fresh problems and policy from the block's own stream.

    Args:
        setting: what the runs face, and its seed.
        block: the block's index in the setting.
        n_runs: the block's runs.
        n_steps: the horizon T.
        window: the final steps summarised per run.
        progress: called with the number of steps just done.

    Returns:
        The block's curves (moments over its runs).
    """
    rng = np.random.default_rng(block_seed(setting.seed, block))
    policy, env = setting.build(n_runs, rng)
    return engine.run(policy, env, n_steps, rng, window=window, progress=progress)


class Executor(Protocol):
    """Runs calls of a picklable function, at most ``2 · workers`` at a time."""

    workers: int
    reports_progress: bool  # True when the function's own progress callback is live

    def imap(
        self,
        function: Callable[..., Any],
        calls: Iterable[tuple],
        progress: Callable[[int], object] | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(index, function(*calls[index]))`` as each call finishes."""

    def close(self) -> None:
        """Stop the workers, cancelling what is still running."""


def _ignore_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _call(function: Callable[..., Any], arguments: tuple) -> Any:
    return function(*arguments)


class LocalExecutor:
    """This machine: the calls in this process (``workers = 1``) or in forked processes.

    Args:
        workers: the number of processes, >= 1.
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = _checks.count("--workers", workers)
        self.reports_progress = self.workers == 1
        self._pool: Any = None
        if self.workers > 1:
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(self.workers, initializer=_ignore_interrupt)

    def imap(
        self,
        function: Callable[..., Any],
        calls: Iterable[tuple],
        progress: Callable[[int], object] | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(index, function(*call))`` as each call finishes (in order in-process)."""
        if self._pool is None:
            for index, arguments in enumerate(calls):
                yield index, function(*arguments, progress=progress)
            return
        done: queue.SimpleQueue = queue.SimpleQueue()
        in_flight = 0
        pending = enumerate(calls)
        while True:
            while in_flight < 2 * self.workers:
                index, arguments = next(pending, (None, None))
                if index is None:
                    break
                self._pool.apply_async(
                    _call,
                    (function, arguments),
                    callback=lambda result, i=index: done.put((i, result, None)),
                    error_callback=lambda error, i=index: done.put((i, None, error)),
                )
                in_flight += 1
            if in_flight == 0:
                return
            index, result, error = done.get()
            in_flight -= 1
            if error is not None:
                raise error
            yield index, result

    def close(self) -> None:
        """Terminate the worker processes (a running call is abandoned)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


class RayExecutor:
    """A Ray cluster: ``workers`` actors, each running one call at a time, two queued at most.

    An actor that dies (killed, its node lost) is restarted by Ray and its unfinished calls
    are run again; the calls are pure functions of their arguments, so the numbers are the
    same.

    Args:
        workers: the number of actors, >= 1 and at most the cluster's CPUs; None: all CPUs.
        address: the cluster (see ``gradients.cluster.connect_ray``).
    """

    reports_progress = False

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        if workers is not None:
            workers = _checks.count("--workers", workers)
        self._ray = ray = connect_ray(address)
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if workers is None:
            workers = max(1, cpus)
        if workers > cpus:
            raise ValueError(f"--workers must be <= the Ray cluster's {cpus} CPUs, got {workers}")
        self.workers = workers
        actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=-1)(_Caller)
        self.actors = [actor.remote() for _ in range(workers)]

    def imap(
        self,
        function: Callable[..., Any],
        calls: Iterable[tuple],
        progress: Callable[[int], object] | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(index, function(*call))`` as each call finishes on an actor."""
        ray = self._ray
        function_ref = ray.put(function)
        owner: dict[Any, tuple[int, int]] = {}  # object ref → (call index, actor)
        load = [0] * self.workers
        pending = enumerate(calls)
        while True:
            while min(load) < 2:
                index, arguments = next(pending, (None, None))
                if index is None:
                    break
                actor = load.index(min(load))
                owner[self.actors[actor].call.remote(function_ref, arguments)] = (index, actor)
                load[actor] += 1
            if not owner:
                return
            (ref,), _ = ray.wait(list(owner), num_returns=1)
            index, actor = owner.pop(ref)
            load[actor] -= 1
            yield index, ray.get(ref)

    def close(self) -> None:
        """Kill the actors (their running calls with them)."""
        for actor in self.actors:
            self._ray.kill(actor)
        self.actors = []


class _Caller:
    """A Ray actor that calls the functions it is sent."""

    def call(self, function: Callable[..., Any], arguments: tuple) -> Any:
        return function(*arguments)


@dataclass(frozen=True)
class Backend:
    """Where an experiment's tasks run, and the memory they may take.

    Attributes:
        name: "local" (this machine) or "ray" (a Ray cluster).
        workers: processes (local, default 1: in this process) or actors (ray, default one per
            CPU of the cluster), >= 1.
        address: the Ray cluster's head ``HOST:PORT`` or ``auto``; None starts one here.
        memory_budget: bytes the blocks in flight and the finished curves may take, >= 1.
    """

    name: str = "local"
    workers: int | None = None
    address: str | None = None
    memory_budget: int = DEFAULT_MEMORY_BUDGET

    def __post_init__(self) -> None:
        if self.name not in BACKENDS:
            raise ValueError(f"--backend must be one of {', '.join(BACKENDS)}; got {self.name!r}")
        if self.workers is not None:
            _checks.count("--workers", self.workers)
        if self.address is not None and self.name != "ray":
            raise ValueError("--address needs --backend ray")
        _checks.count("--memory", self.memory_budget)

    @contextlib.contextmanager
    def executor(self) -> Iterator[LocalExecutor | RayExecutor]:
        """The executor, closed (workers stopped) on the way out."""
        if self.name == "local":
            executor: LocalExecutor | RayExecutor = LocalExecutor(self.workers or 1)
        else:
            executor = RayExecutor(self.workers, self.address)
        try:
            yield executor
        finally:
            executor.close()


LOCAL = Backend()
"""This process, one task after the other: the default."""


def check_memory(
    n_settings: int,
    n_runs: int,
    n_steps: int,
    n_arms: int,
    workers: int,
    *,
    block_runs: int = BLOCK_RUNS,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> int:
    """Refuse, before anything is allocated, work that would not fit ``memory_budget`` bytes.

    The estimate: two blocks in flight per worker (``engine.block_bytes`` each) plus the
    finished curves of every setting (six (T,) arrays each).

    Args:
        n_settings: settings S.
        n_runs: runs per setting R.
        n_steps: steps T.
        n_arms: arms K.
        workers: workers running blocks at once.
        block_runs: runs per block.
        memory_budget: bytes.

    Returns:
        The estimate in bytes.

    Raises:
        ValueError: the estimate exceeds the budget (one line naming the arguments).
    """
    in_flight = 2 * workers * engine.block_bytes(min(n_runs, block_runs), n_arms, n_steps)
    needed = in_flight + n_settings * 6 * 8 * n_steps
    if needed > memory_budget:
        raise ValueError(
            f"{n_settings} settings × {n_steps} steps × {n_arms} arms need ≈ "
            f"{needed / 2**30:.3g} GiB, more than the memory budget of "
            f"{memory_budget / 2**30:.3g} GiB (--memory); fewer steps, arms or "
            "settings fit (--runs does not matter: runs are done in blocks)"
        )
    return needed


def run_settings(
    settings: Sequence[Setting],
    n_runs: int,
    n_steps: int,
    backend: Backend = LOCAL,
    *,
    window: int = 100,
    block_runs: int = BLOCK_RUNS,
    progress: Callable[[int], object] | None = None,
) -> Iterator[tuple[int, engine.Curves]]:
    """Run every setting's blocks on ``backend``; yield each setting as its last block lands.

    Closing the iterator (or Ctrl-C while it waits) stops the workers; the settings already
    yielded are complete.

    Args:
        settings: the settings (picklable, for workers in other processes).
        n_runs: runs per setting R >= 1.
        n_steps: steps per run T >= 1.
        backend: where the blocks run, and the memory budget (checked before any block runs).
        window: final steps summarised per run.
        block_runs: runs per block (part of what the numbers are: keep it fixed).
        progress: called with the number of block-steps done (T per block in all).

    Yields:
        ``(setting index, curves of all its runs)``, in the order the settings finish.
    """
    n_runs = _checks.count("runs", n_runs)
    n_steps = _checks.count("steps", n_steps)
    block_runs = _checks.count("block_runs", block_runs)
    n_arms = max((setting.n_arms for setting in settings), default=0)
    check_memory(
        len(settings),
        n_runs,
        n_steps,
        n_arms,
        backend.workers or 1,
        block_runs=block_runs,
        memory_budget=backend.memory_budget,
    )
    n_blocks = -(-n_runs // block_runs)
    tasks = split(len(settings), n_runs, block_runs)
    calls = ((settings[t.setting], t.block, t.n_runs, n_steps, window) for t in tasks)
    arrived: dict[int, dict[int, engine.Curves]] = {}
    merged: dict[int, engine.Curves] = {}
    next_block = [0] * len(settings)
    with backend.executor() as executor:
        live = progress if executor.reports_progress else None
        for index, curves in executor.imap(run_block, calls, live):
            setting, block = divmod(index, n_blocks)
            if progress is not None and live is None:
                progress(n_steps)
            arrived.setdefault(setting, {})[block] = curves
            while next_block[setting] in arrived[setting]:
                part = arrived[setting].pop(next_block[setting])
                merged[setting] = part if next_block[setting] == 0 else merged[setting].merge(part)
                next_block[setting] += 1
            if next_block[setting] == n_blocks:
                del arrived[setting]
                yield setting, merged.pop(setting)
