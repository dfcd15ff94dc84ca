"""Worker processes that each hold a ``GameRunner``, used together like one runner.

``ParallelRunner`` runs one ``GameRunner`` (``nethack_agent.envs``) per worker process, both
cores, and talks to them through pipes, one message per rollout; the batch itself comes back
through memory the workers share with the parent. ``WorkerPool`` is what it shares with
``nethack_agent.ray_runner.RayRunner``: the answers read in worker order, a dead worker restarted
from its last reported state (logged, never fatal), the batches merged (``merge_rollouts``) so
that the result does not depend on which worker answered first.
"""

from __future__ import annotations

import logging
import mmap
import multiprocessing as mp
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from multiprocessing import connection as mp_connection
from typing import Any

import numpy as np

from nethack_agent.envs import Episode, GameRunner, rollout_arrays, rollout_nbytes

__all__ = ["ParallelRunner", "WorkerPool", "merge_rollouts"]

log = logging.getLogger(__name__)


def _worker(
    connection: Any,
    kwargs: dict[str, Any],
    shared: Sequence[Any] = (),
    capacity: int = 0,
    played: Any = None,
) -> None:
    """A worker process: one GameRunner answering the parent's commands.

    A rollout of at most ``capacity`` steps is written into one of the two buffers ``shared``
    (memory shared with the parent, laid out by ``rollout_arrays``), in turn, and only its
    length and buffer travel through the pipe: while the parent copies one rollout out, the
    next (already asked for) goes into the other. While it plays evaluation games, the number
    finished so far is kept in ``played`` (8 bytes shared with the parent), if given.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's terminate() ends a worker
    runner = GameRunner(**kwargs)
    outs = [rollout_arrays(capacity, runner.n_envs, buffer) for buffer in shared]
    slot = 0
    try:
        while True:
            command, *args = connection.recv()
            if command == "rollout":
                params, n_steps = args
                if outs and n_steps <= capacity:
                    _, episodes, presses = runner.rollout(params, n_steps, outs[slot])
                    batch: Any = _Shared(n_steps, slot)
                    slot = 1 - slot
                else:
                    batch, episodes, presses = runner.rollout(params, n_steps)
                connection.send((batch, episodes, presses, runner.state(), runner.restarts))
            elif command == "play":
                counter = None if played is None else np.frombuffer(played, dtype=np.int64)
                progress = None if counter is None else partial(counter.__setitem__, 0)
                connection.send(runner.play(*args, progress=progress))
            elif command == "close":
                break
    finally:
        runner.close()
        connection.close()


@dataclass(frozen=True)
class _Shared:
    """A worker's answer: the batch of ``n_steps`` steps is in shared buffer ``slot`` (0, 1)."""

    n_steps: int
    slot: int


def merge_rollouts(
    replies: Sequence[tuple],
) -> tuple[dict[str, np.ndarray], list[Episode], int]:
    """One rollout from the workers' ``(batch, episodes, presses, …)`` replies, in worker order.

    Worker w's environment i becomes environment ``w·E + i`` (E environments per worker): the
    batches are concatenated along the environment axis (new arrays: a batch may be a view of
    a worker's shared memory) and the games renumbered, so the result does not depend on which
    worker answered first, nor on where the workers ran.

    Args:
        replies: one ``(batch, episodes, presses, ...)`` per worker, in worker order.

    Returns:
        The batch, the finished games sorted by (step, environment), and the key presses.
    """
    per_worker = replies[0][0]["last_psi"].shape[0]
    batch = {
        key: np.concatenate(
            [reply[0][key] for reply in replies], axis=1 if key != "last_psi" else 0
        )
        for key in replies[0][0]
    }
    episodes = [
        Episode(**{**vars(e), "env": w * per_worker + e.env})
        for w, reply in enumerate(replies)
        for e in reply[1]
    ]
    episodes.sort(key=lambda e: (e.t, e.env))
    return batch, episodes, sum(reply[2] for reply in replies)


class WorkerPool:
    """Rollouts and games over workers that each hold a ``GameRunner``, used like one runner.

    What ``ParallelRunner`` (processes) and ``nethack_agent.ray_runner.RayRunner`` (Ray actors)
    share: a subclass sends a command to every worker (``_send_all``) and reads the answers in
    worker order (``_receive_all``, restarting a dead worker from its last reported state), and
    keeps ``states`` and ``restarts``, one per worker.
    """

    def __init__(
        self,
        n_workers: int,
        envs_per_worker: int,
        states: Sequence[dict[str, Any]] | None,
        episode_seeds: Sequence[int] | None,
        kwargs: dict[str, Any],
    ):
        if n_workers < 1:
            raise ValueError(f"n_workers must be >= 1, got {n_workers}")
        self.n_workers = n_workers
        self.n_envs = n_workers * envs_per_worker
        # worker w's GameRunner: group w, every n_workers-th evaluation seed from the w-th
        self._kwargs = [
            {
                **kwargs,
                "n_envs": envs_per_worker,
                "group": w,
                "episode_seeds": None
                if episode_seeds is None
                else list(episode_seeds)[w::n_workers],
            }
            for w in range(n_workers)
        ]
        self.states = [None if states is None else states[w] for w in range(n_workers)]
        self.restarts = [0] * n_workers

    def _ship(self, params: dict[str, np.ndarray]) -> Any:
        """The weights as they travel to the workers (as they are, for processes)."""
        return params

    def send_rollout(self, params: dict[str, np.ndarray], n_steps: int) -> None:
        """Start ``GameRunner.rollout`` on every worker; ``receive_rollout`` collects it.

        Between the two, this process is free (the training loop updates the weights meanwhile).
        """
        self._send_all(("rollout", self._ship(params), n_steps))

    def receive_rollout(
        self, next_params: dict[str, np.ndarray] | None = None, next_steps: int = 0
    ) -> tuple[dict[str, np.ndarray], list[Episode], int]:
        """The rollout started by ``send_rollout``; environments indexed w·E + i.

        Args:
            next_params: if given, start the next rollout (``send_rollout(next_params,
                next_steps)``) on each worker as soon as it has answered (``ParallelRunner``:
                the moment it has, the command is already waiting): the same rollout as calling
                ``send_rollout`` afterwards, without the wait for the slowest worker or for us.
            next_steps: length of that next rollout.
        """
        then = None if next_params is None else ("rollout", self._ship(next_params), next_steps)
        replies = self._receive_all(then)
        self.states = [reply[3] for reply in replies]
        self.restarts = [reply[4] for reply in replies]
        return merge_rollouts(replies)

    def rollout(
        self, params: dict[str, np.ndarray], n_steps: int
    ) -> tuple[dict[str, np.ndarray], list[Episode], int]:
        """``GameRunner.rollout`` on every worker at once; environments indexed w·E + i."""
        self.send_rollout(params, n_steps)
        return self.receive_rollout()

    def play(
        self,
        params: dict[str, np.ndarray] | None,
        policy: str,
        progress: Callable[[int], None] | None = None,
    ) -> list[Episode]:
        """``GameRunner.play`` on every worker at once; the games in order of seed.

        ``progress``, if given, is called with the number of games finished so far: as they
        end where the workers share memory with this process (``ParallelRunner``), once at the
        end otherwise.
        """
        self._send_all(("play", params, policy))
        self._await_games(progress)
        replies = self._receive_all()
        games = sorted((e for reply in replies for e in reply), key=lambda e: e.seed)
        if progress is not None:
            progress(len(games))
        return games

    def _await_games(self, progress: Callable[[int], None] | None) -> None:
        """Report the games finished while the workers play (here: nothing to report)."""

    def state(self) -> list[dict[str, Any]]:
        """Every worker's last reported ``GameRunner.state()``."""
        return list(self.states)


class ParallelRunner(WorkerPool):
    """``GameRunner``s in worker processes, one per core, used like one runner.

    Worker w runs ``GameRunner(group=w, ...)``; batches are concatenated along the environment
    axis in worker order, so the result does not depend on which worker answers first.

    Args:
        n_workers: number of processes (≥ 1).
        envs_per_worker: environments per process.
        states: per-worker ``GameRunner.state()`` to continue from, or None.
        episode_seeds: evaluation seeds, dealt round-robin to the workers, or None.
        rollout_capacity: rollouts of up to this many steps come back through memory shared
            with each worker (two buffers, used in turn) instead of the pipe (a batch is
            megabytes; the pipe cost ≈ 10 % of a worker's time); 0: always the pipe.
        **kwargs: passed on to every ``GameRunner`` (env_id, seed, ttyrec_dir, ...).
    """

    def __init__(
        self,
        n_workers: int,
        envs_per_worker: int,
        *,
        states: Sequence[dict[str, Any]] | None = None,
        episode_seeds: Sequence[int] | None = None,
        rollout_capacity: int = 0,
        **kwargs: Any,
    ):
        super().__init__(n_workers, envs_per_worker, states, episode_seeds, kwargs)
        if rollout_capacity < 0:
            raise ValueError(f"rollout_capacity must be >= 0, got {rollout_capacity}")
        self._capacity = rollout_capacity
        nbytes = rollout_nbytes(rollout_capacity, envs_per_worker)
        # anonymous shared mappings, two per worker (used in turn): every forked worker
        # (restarted ones too) inherits its own
        self._shared = [
            tuple(mmap.mmap(-1, nbytes) for _ in range(2 if rollout_capacity else 0))
            for _ in range(n_workers)
        ]
        self._views = [
            [rollout_arrays(rollout_capacity, envs_per_worker, buffer) for buffer in buffers]
            for buffers in self._shared
        ]
        # each worker's count of evaluation games finished (``_await_games`` reads them)
        self._played = [mmap.mmap(-1, 8) for _ in range(n_workers)]
        self._game_counts = [np.frombuffer(buffer, dtype=np.int64) for buffer in self._played]
        self._context = mp.get_context("fork")
        self._pending: tuple | None = None
        self._awaiting: list[bool] = []  # sent the pending command, answer not read yet
        self._processes: list[Any] = [None] * n_workers
        self._connections: list[Any] = [None] * n_workers
        for w in range(n_workers):
            self._start(w)

    def _start(self, w: int) -> None:
        parent, child = self._context.Pipe()
        kwargs = {**self._kwargs[w], "state": self.states[w]}
        process = self._context.Process(
            target=_worker,
            args=(child, kwargs, self._shared[w], self._capacity, self._played[w]),
            daemon=True,
        )
        process.start()
        child.close()
        self._processes[w], self._connections[w] = process, parent

    def _await_games(self, progress: Callable[[int], None] | None) -> None:
        """Until every worker has answered, report the games they have finished, twice a second."""
        if progress is None:
            return
        waiting = [c for c, sent in zip(self._connections, self._awaiting, strict=True) if sent]
        while waiting:
            ready = mp_connection.wait(waiting, timeout=0.5)  # an answer, or a worker's end
            waiting = [connection for connection in waiting if connection not in ready]
            progress(sum(int(count[0]) for count in self._game_counts))

    def _call(self, w: int, message: tuple) -> Any:
        """Restart dead worker w from its last reported state and ask it again."""
        for attempt in range(3):
            try:
                self._connections[w].send(message)
                return self._connections[w].recv()
            except (EOFError, ConnectionError, OSError) as error:
                log.warning(
                    "worker %d died (%r); restarting it (attempt %d)", w, error, attempt + 1
                )
                self._processes[w].join(timeout=5)
                self._start(w)
        raise RuntimeError(f"worker {w} died three times in a row; giving up")

    def _send_all(self, message: tuple) -> None:
        """Send a command to every worker without waiting (``_receive_all`` collects)."""
        if message[0] == "play":
            for count in self._game_counts:
                count[0] = 0  # (before the command: a worker counts up from its first game)
        self._pending = message
        self._awaiting = []
        for connection in self._connections:
            try:
                connection.send(message)
                self._awaiting.append(True)
            except (ConnectionError, OSError):
                self._awaiting.append(False)

    def _receive_all(self, then: tuple | None = None) -> list:
        """The answers to the pending command, in worker order, read as the workers finish.

        A worker found dead on the way is restarted from its last reported state and asked again.

        Args:
            then: the command each worker is to run next, pending afterwards; or None. A
                rollout after a rollout, both through shared memory, is sent before the answers
                are read, so that a worker goes on with it the moment it has answered (into its
                other buffer); otherwise each worker gets it as soon as its answer is read.
        """
        message = self._pending
        if message is None:
            raise RuntimeError("no command is pending")
        replies: list[Any] = [None] * self.n_workers
        waiting = {}
        sent = [False] * self.n_workers
        # Sent early only when both answers come through shared memory: a batch in the pipe
        # and a command filling the other way could each wait for the other to be read.
        early = self._in_shared_memory(message) and self._in_shared_memory(then)
        for w, connection in enumerate(self._connections):
            if self._awaiting[w]:
                waiting[connection] = w
                if early:
                    sent[w] = self._send(w, then)
            else:
                log.warning("could not send to worker %d; restarting it", w)
                replies[w] = self._read(w, self._call(w, message))
                sent[w] = self._send(w, then)
        while waiting:
            for connection in mp_connection.wait(list(waiting)):
                w = waiting.pop(connection)
                try:
                    replies[w] = self._read(w, connection.recv())
                except (EOFError, ConnectionError, OSError) as error:
                    log.warning("worker %d died (%r); restarting it", w, error)
                    replies[w] = self._read(w, self._call(w, message))
                    sent[w] = self._send(w, then)
                    continue
                if not early:
                    sent[w] = self._send(w, then)
        self._pending = then
        self._awaiting = sent
        return replies

    def _in_shared_memory(self, command: tuple | None) -> bool:
        """Whether the command is a rollout whose batch comes back through shared memory."""
        return command is not None and command[0] == "rollout" and command[2] <= self._capacity

    def _send(self, w: int, command: tuple | None) -> bool:
        """Give worker w a command, if any; whether it went (a dead worker is found later)."""
        if command is None:
            return False
        try:
            self._connections[w].send(command)
        except (ConnectionError, OSError):
            return False
        return True

    def _read(self, w: int, reply: Any) -> Any:
        """The reply, with a batch left in worker w's shared memory as views of that memory.

        The worker writes the rollout after this one into its other buffer; this one is
        overwritten only by the rollout after that, which is asked for in the next
        ``_receive_all`` — after ``receive_rollout`` has copied the batch out (``merge_rollouts``
        concatenates: one copy, not two).
        """
        if isinstance(reply, tuple) and isinstance(reply[0], _Shared):
            n_steps = reply[0].n_steps
            batch = {
                key: array if key == "last_psi" else array[:n_steps]
                for key, array in self._views[w][reply[0].slot].items()
            }
            reply = (batch, *reply[1:])
        return reply

    def close(self) -> None:
        """Stop the workers (after draining a pending rollout, which is discarded)."""
        for w, connection in enumerate(self._connections):
            if self._pending is not None and self._awaiting[w] and self._processes[w].is_alive():
                try:
                    connection.recv()
                except (EOFError, ConnectionError, OSError):
                    log.warning("worker %d died before closing", w)
        self._pending = None
        for w, connection in enumerate(self._connections):
            try:
                connection.send(("close",))
            except (ConnectionError, OSError):
                log.warning("worker %d was already gone", w)
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
