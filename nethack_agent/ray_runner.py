"""NetHack rollout workers as Ray actors: ``RayRunner``, used like ``ParallelRunner``.

Actor w holds ``GameRunner(group=w, …)`` — the games, their features and the action sampler —
and answers ``rollout(params, T)`` with its batch, its finished games, its key presses and its
``state()``; the learner stays in the driver. The replies are merged in worker order
(``workers.merge_rollouts``), so with the same workers, seeds and step budget the training is the
one the local ``ParallelRunner`` gives, number for number. The weights go to the cluster once
per rollout (``ray.put``), whatever the number of actors.

A worker that dies (its actor killed, its node lost) is started again from its last reported
state and asked again — logged, not fatal — as ``ParallelRunner`` restarts a dead process.
Ray is imported only here, through ``gradients.cluster.connect_ray``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from gradients.cluster import connect_ray
from nethack_agent.envs import Episode, GameRunner
from nethack_agent.workers import WorkerPool

__all__ = ["RayRunner"]

log = logging.getLogger(__name__)

_ATTEMPTS = 3


class _Worker:
    """A Ray actor: one ``GameRunner`` answering the driver's calls."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.runner = GameRunner(**kwargs)

    def rollout(self, params: dict[str, np.ndarray], n_steps: int) -> tuple:
        batch, episodes, presses = self.runner.rollout(params, n_steps)
        return batch, episodes, presses, self.runner.state(), self.runner.restarts

    def play(self, params: dict[str, np.ndarray] | None, policy: str) -> list[Episode]:
        return self.runner.play(params, policy)

    def close(self) -> None:
        self.runner.close()


class RayRunner(WorkerPool):
    """``GameRunner``s in Ray actors, one CPU each, used like one runner.

    Args:
        n_workers: number of actors (≥ 1, at most the cluster's CPUs).
        envs_per_worker: environments per actor.
        states: per-worker ``GameRunner.state()`` to continue from, or None.
        episode_seeds: evaluation seeds, dealt round-robin to the workers, or None.
        address: the Ray cluster (``HOST:PORT``, ``auto``), or None to start one here.
        **kwargs: passed on to every ``GameRunner`` (env_id, seed, ttyrec_dir, ...).
    """

    def __init__(
        self,
        n_workers: int,
        envs_per_worker: int,
        *,
        states: Sequence[dict[str, Any]] | None = None,
        episode_seeds: Sequence[int] | None = None,
        address: str | None = None,
        **kwargs: Any,
    ):
        if n_workers < 1:
            raise ValueError(f"--workers must be >= 1 with --backend ray, got {n_workers}")
        self._ray = ray = connect_ray(address)
        cpus = int(ray.cluster_resources().get("CPU", 0))
        if n_workers > cpus:
            raise ValueError(f"--workers must be <= the Ray cluster's {cpus} CPUs, got {n_workers}")
        super().__init__(n_workers, envs_per_worker, states, episode_seeds, kwargs)
        self.worker_restarts = 0
        self._actor = ray.remote(num_cpus=1, max_restarts=0)(_Worker)
        self._actors = [self._start(w) for w in range(n_workers)]
        self._pending: tuple | None = None  # the command the refs below answer
        self._refs: list[Any] = []

    def _start(self, w: int) -> Any:
        return self._actor.remote({**self._kwargs[w], "state": self.states[w]})

    def _submit(self, w: int, message: tuple) -> Any:
        command, *args = message
        return getattr(self._actors[w], command).remote(*args)

    def _answer(self, w: int, ref: Any, message: tuple) -> Any:
        """Worker w's answer to ``message``; a dead worker is restarted and asked again."""
        ray = self._ray
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return ray.get(ref)
            except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError) as error:
                self.worker_restarts += 1
                log.warning(
                    "worker %d died (%s); restarting it from its last reported state (attempt %d)",
                    w,
                    type(error).__name__,
                    attempt,
                )
                self._actors[w] = self._start(w)
                ref = self._submit(w, message)
        raise RuntimeError(f"worker {w} died {_ATTEMPTS} times in a row; giving up")

    def _send_all(self, message: tuple) -> None:
        self._pending = message
        self._refs = [self._submit(w, message) for w in range(self.n_workers)]

    def _receive_all(self, then: tuple | None = None) -> list:
        """The answers to the pending command, in worker order.

        ``then``, if given, is sent to each worker as soon as its answer is read, and is the
        pending command afterwards.
        """
        message = self._pending
        if message is None:
            raise RuntimeError("no command is pending")
        replies, refs = [], []
        for w, ref in enumerate(self._refs):
            replies.append(self._answer(w, ref, message))
            if then is not None:
                refs.append(self._submit(w, then))
        self._pending, self._refs = then, refs
        return replies

    def _ship(self, params: dict[str, np.ndarray]) -> Any:
        """The weights in Ray's object store: one copy for all actors."""
        return self._ray.put(params)

    def actors(self) -> list[Any]:
        """The actor handles, in worker order (to watch or kill them)."""
        return list(self._actors)

    def close(self) -> None:
        """Close the games and end the actors (a pending rollout is discarded)."""
        ray = self._ray
        closing = [actor.close.remote() for actor in self._actors]
        try:
            ray.get(closing, timeout=30)
        except (ray.exceptions.RayError, TimeoutError):
            log.warning("a worker did not close its games cleanly")
        for actor in self._actors:
            ray.kill(actor)
        self._actors, self._refs, self._pending = [], [], None
