"""One NetHack game on NLE's low-level ``nle.nethack.Nethack``, with a task's rules computed here.

NLE's gym classes (``nle/env/base.py`` ``NLE``, ``nle/env/tasks.py`` ``NetHackScore``,
``NetHackChallenge``) wrap ``nle.nethack.Nethack`` and add, per key press: copies of every
observation array, gymnasium's checks, the end-of-episode and reward logic, and the dismissal
of ``--More--`` and unwanted questions. ``NetHackGame`` does the same work with none of the
copies: NetHack writes its observations straight into arrays the caller owns (e.g. one row of
a runner's ``(N, 21, 79)`` glyph array), and the task's rules are read from a ``TaskSettings``.

Per key press, exactly as the gym classes do (``tests/test_nethack_driver.py`` compares the two
key for key):

* press the key; unless the task allows all modes (or the game is over), dismiss a waiting
  ``--More--`` with SPACE, a text prompt with ESC, and a yes/no question with ESC unless the
  task allows all of them or it is about eating, attacking, a direction or praying;
* the end status: death (NetHack says the game is done) = 1, else aborted = -1 when the key
  limit is reached or (Challenge) the game clock has not moved for ``no_progress_timeout``
  steps as NLE counts them, else running = 0; an aborted game is quit (``M-q y``);
* the reward: the change of the in-game score (0 outside a normal game), plus the task's
  penalty for steps on which the clock stands still.

Seeding goes through ``set_initial_seeds`` (applied at the next ``reset``), and every game can
be recorded as an nle ttyrec (``savedir``), named as NLE names them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from nle import nethack

from nethack_agent.game.tasks import TaskSettings

__all__ = ["ABORTED", "DEATH", "RUNNING", "NetHackGame", "time_penalty"]

ABORTED, RUNNING, DEATH = -1, 0, 1
"""End statuses, as NLE's ``StepStatus``."""

_REQUIRED_KEYS = ("glyphs", "blstats", "message", "program_state", "internal")
_SPACE = ord(" ")
_ESC = nethack.C("[")
_QUIT_KEYS = (0x80 | ord("q"), ord("y"))  # M-q y
_ASKS_AGENT = (b"eat", b"attack", b"direction?", b"pray")  # NLE's SKIP_EXCEPTIONS
_RESET_TRIES = 1000
# Indices into program_state and internal (NLE's win/rl/winrl.cc).
_GAME_OVER, _IN_MOVELOOP = 0, 3
_IN_YN_FUNCTION, _IN_GETLIN, _XWAITFORSPACE = 1, 2, 3
_SCORE, _TIME = nethack.NLE_BL_SCORE, nethack.NLE_BL_TIME


MEMORY_DIR = "/dev/shm"
"""Where NetHack's private directory goes when it exists (a memory file system): NetHack writes
a file for every level it leaves, reads it back on return and rewrites its score files at every
game's end — on a disk file system those small writes block the game now and then."""


@contextlib.contextmanager
def _files_in_memory() -> Iterator[None]:
    """NLE makes each game's private directory with ``tempfile``: put it in ``MEMORY_DIR``."""
    saved = tempfile.tempdir
    if os.path.isdir(MEMORY_DIR) and os.access(MEMORY_DIR, os.W_OK):
        tempfile.tempdir = MEMORY_DIR
    try:
        yield
    finally:
        tempfile.tempdir = saved


def time_penalty(
    mode: str, frozen_steps: int, penalty_step: float, turns_passed: int, penalty_time: float
) -> float:
    """NetHackScore's penalty for the clock standing still (``_get_time_penalty``).

    ``constant``: p·[k > 0]; ``exp``: 2ᵏ·p; ``square``: k²·p; ``linear``: k·p; ``always``: p;
    plus Δt·p_time — with k the consecutive steps on which the game clock did not move, p the
    ``penalty_step`` and Δt the turns that passed.

    Args:
        mode: one of ``nethack_agent.game.tasks.PENALTY_MODES``.
        frozen_steps: k.
        penalty_step: p.
        turns_passed: Δt.
        penalty_time: p_time.

    Returns:
        The penalty (≤ 0 for the tasks' values).
    """
    penalty = 0
    if mode == "constant":
        if frozen_steps > 0:
            penalty += penalty_step
    elif mode == "exp":
        penalty += 2**frozen_steps * penalty_step
    elif mode == "square":
        penalty += frozen_steps**2 * penalty_step
    elif mode == "linear":
        penalty += frozen_steps * penalty_step
    elif mode == "always":
        penalty += penalty_step
    else:
        raise ValueError(f"unknown penalty mode {mode!r}")
    return penalty + turns_passed * penalty_time


class NetHackGame:
    """A NetHack game played key by key under a task's rules, on ``nle.nethack.Nethack``.

    Args:
        settings: the task (``nethack_agent.game.tasks``).
        observation_keys: the observations to keep up to date (any of
            ``nle.nethack.OBSERVATION_DESC``; the rules need glyphs, blstats, message,
            program_state and internal, which are always kept).
        buffers: arrays NetHack writes these observations into, by key (C-contiguous, of
            NLE's shape and dtype — e.g. rows of a caller's batch arrays); missing ones are
            allocated.
        savedir: record every game as an nle ttyrec in this directory (created), or None.

    Example:
        >>> from nethack_agent.game import SCORE, NetHackGame
        >>> game = NetHackGame(SCORE)
        >>> game.seed(1, 1)
        >>> game.reset()
        >>> reward, done, end_status = game.press(ord("s"))
        >>> game.close()
    """

    def __init__(
        self,
        settings: TaskSettings,
        *,
        observation_keys: Sequence[str] = ("glyphs", "blstats", "message"),
        buffers: Mapping[str, np.ndarray] | None = None,
        savedir: str | None = None,
    ):
        self.settings = settings
        keys = list(dict.fromkeys([*observation_keys, *_REQUIRED_KEYS]))
        buffers = dict(buffers or {})
        for key in keys:
            if key not in nethack.OBSERVATION_DESC:
                raise ValueError(
                    f"observation key must be one of {sorted(nethack.OBSERVATION_DESC)}, "
                    f"got {key!r}"
                )
            desc = nethack.OBSERVATION_DESC[key]
            if key not in buffers:
                buffers[key] = np.zeros(**desc)
            array = buffers[key]
            if (
                array.shape != desc["shape"]
                or array.dtype != desc["dtype"]
                or not array.flags.c_contiguous
            ):
                raise ValueError(
                    f"buffer {key!r} must be C-contiguous {np.dtype(desc['dtype'])} of shape "
                    f"{desc['shape']}, got {array.dtype} {array.shape}"
                )
        self.observation = {key: buffers[key] for key in keys}
        """NetHack's current observation, by key (updated in place by every key press)."""
        self.savedir = None if savedir is None else os.path.abspath(savedir)
        ttyrec = scoreprefix = None
        self._ttyrec_pattern = ""
        if self.savedir is not None:
            os.makedirs(self.savedir, exist_ok=True)
            suffix = f".ttyrec{nethack.TTYREC_VERSION}.bz2"
            self._ttyrec_pattern = os.path.join(self.savedir, f"nle.{os.getpid()}.%i{suffix}")
            ttyrec = self._ttyrec_pattern % 0
            scoreprefix = ttyrec.replace("0" + suffix, "")  # NLE's xlogfile name
        with _files_in_memory():
            self._nethack = nethack.Nethack(
                observation_keys=keys,
                options=settings.options,
                playername="Agent-" + settings.character,
                ttyrec=ttyrec,
                wizard=settings.wizard,
                spawn_monsters=settings.spawn_monsters,
                scoreprefix=scoreprefix,
                fix_moon_phase=settings.fix_moon_phase,
            )
        # NetHack writes into our arrays: no copy per step. The Python wrapper's own step()
        # only adds a tuple per call, so the game is stepped through its core object.
        self._core = self._nethack._pynethack
        self._core.set_buffers(**self.observation)
        self._allowed = frozenset(settings.actions)
        self._constant_penalty = settings.penalty_mode == "constant" and not settings.penalty_time
        self._blstats = memoryview(self.observation["blstats"])
        self._program_state = memoryview(self.observation["program_state"])
        self._internal = memoryview(self.observation["internal"])
        self._message = self.observation["message"]
        self.episode = -1
        """games started (0 for the first)"""
        self.steps = 0
        """key presses in this game"""
        self.ttyrec = ""
        """the current game's recording, or "" """
        self.opening_messages: tuple[bytes, ...] = ()
        """the message lines shown while the game was brought to its first move (the welcome
        line, which names the character, is among them)"""
        self._frozen_steps = 0  # NLE keeps this count across games, and so do we
        self._turns: int | None = None
        self._no_progress_count = 0

    # -- the game's life ----------------------------------------------------------------------

    def seed(self, core: int, disp: int, *, reseed: bool = False, lgen: int | None = None) -> None:
        """Seed NetHack's generators for the next ``reset`` (``set_initial_seeds``).

        Args:
            core: the core generator's seed (dungeon, monsters, combat).
            disp: the display generator's seed.
            reseed: let NetHack reseed itself from true randomness now and then (the game is
                then not reproducible).
            lgen: a separate seed for level generation, or None.
        """
        self._nethack.set_initial_seeds(core, disp, reseed, lgen)

    def reset(self) -> None:
        """Start a new game and bring it to its first move (SPACE through the opening)."""
        self.episode += 1
        self.ttyrec = ""
        if self._ttyrec_pattern:
            self.ttyrec = self._ttyrec_pattern % self.episode
            self._core.reset(self.ttyrec)
        else:
            self._core.reset()
        self.steps = 0
        self._turns, self._no_progress_count = None, 0
        messages = []
        for _ in range(_RESET_TRIES):
            messages.append(self._message.tobytes().rstrip(b"\0"))
            if self._program_state[_IN_MOVELOOP]:
                break
            self._core.step(_SPACE)
            if self._core.done():
                raise RuntimeError("NetHack ended while the game was being started")
        else:
            warnings.warn(
                f"Not in moveloop after {_RESET_TRIES} tries, aborting (ttyrec: {self.ttyrec}).",
                stacklevel=2,
            )
            self.reset()
            return
        self.opening_messages = tuple(m for m in messages if m)
        if self.settings.no_progress_timeout is not None:
            self._count_no_progress()  # NLE's reset asks for the end status once, and counts

    def close(self) -> None:
        """End NetHack (its recording is complete afterwards)."""
        self._nethack.close()

    def how_done(self) -> int:
        """How the last game ended: NetHack's code (``nethack.DIED``, ``QUIT``, ``CHOKING``…)."""
        return self._core.how_done()

    def in_text_prompt(self) -> bool:
        """Whether NetHack waits for a line of text ("Call a ruby potion:")."""
        return bool(self._internal[_IN_GETLIN])

    # -- one key ------------------------------------------------------------------------------

    def press(self, key: int) -> tuple[float, bool, int]:
        """Press one key and apply the task's rules (``NLE.step``, without the copies).

        Args:
            key: a key of ``settings.actions`` (an ASCII code or NetHack command).

        Returns:
            The reward, whether the game is over, and the end status (``DEATH``, ``ABORTED`` or
            ``RUNNING``).
        """
        if key not in self._allowed:
            raise ValueError(f"key {key} is not one of the task's actions")
        settings = self.settings
        blstats = self._blstats  # memoryviews: a Python int per index, no numpy scalar
        old_score, old_time = blstats[_SCORE], blstats[_TIME]
        core = self._core
        core.step(key)
        done = core.done()
        no_progress = settings.no_progress_timeout
        if no_progress is not None:
            self._count_no_progress()  # NLE counts here, and again for the end status below
        internal = self._internal  # (nothing to dismiss after most keys: no call then)
        if (internal[_XWAITFORSPACE] or internal[_IN_GETLIN] or internal[_IN_YN_FUNCTION]) and (
            not settings.allow_all_modes or self._program_state[_GAME_OVER] == 1
        ):
            done = self._dismiss(done, exceptions=True)
        self.steps += 1
        aborted = self.steps >= settings.max_episode_steps
        if no_progress is not None:
            self._count_no_progress()
            aborted = aborted or self._no_progress_count >= no_progress
        end_status = DEATH if done else (ABORTED if aborted else RUNNING)
        score, new_time = blstats[_SCORE], blstats[_TIME]
        # NLE: the score change counts only in a normal game (blstats are 0 before and after).
        score_change = score - old_score if score != old_score and core.in_normal_game() else 0
        self._frozen_steps = self._frozen_steps + 1 if new_time == old_time else 0
        if self._constant_penalty:
            penalty = settings.penalty_step if self._frozen_steps > 0 else 0.0
        else:
            penalty = time_penalty(
                settings.penalty_mode,
                self._frozen_steps,
                settings.penalty_step,
                new_time - old_time,
                settings.penalty_time,
            )
        reward = float(score_change + penalty)
        if end_status != RUNNING and not done:
            self._quit()
            done = True
        return reward, done, end_status

    def _count_no_progress(self) -> None:
        """NetHackChallenge's ``_check_abort`` bookkeeping: steps with the clock standing."""
        turns = self._blstats[_TIME]
        if self._turns == turns:
            self._no_progress_count += 1
        else:
            self._turns, self._no_progress_count = turns, 0

    def _dismiss(self, done: bool, *, exceptions: bool) -> bool:
        """NLE's ``_perform_known_steps``: SPACE through --More--, ESC text and yes/no prompts.

        Args:
            done: whether the game is over already.
            exceptions: leave questions the agent may answer (eat, attack, direction, pray; or
                all, if the task allows all yes/no questions) for the agent.

        Returns:
            Whether the game is over.
        """
        core, internal = self._core, self._internal
        while not done:
            if internal[_XWAITFORSPACE]:
                core.step(_SPACE)
                done = core.done()
                continue
            if internal[_IN_GETLIN]:  # a line of text is asked for: we never type one
                core.step(_ESC)
                done = core.done()
                continue
            if internal[_IN_YN_FUNCTION]:
                if exceptions and (
                    self.settings.allow_all_yn_questions
                    or any(word in self._message.tobytes() for word in _ASKS_AGENT)
                ):
                    break
                core.step(_ESC)
                done = core.done()
            break
        return done

    def _quit(self) -> None:
        """End an aborted game as NLE does (``_quit_game``): out of any prompt, then ``M-q y``."""
        done = self._dismiss(False, exceptions=False)
        if done:
            return
        for key in _QUIT_KEYS:
            self._core.step(key)
            done = self._core.done()
        done = self._dismiss(done, exceptions=False)
        if not done:
            warnings.warn("Warning: smooth quitting of game failed, aborting.", stacklevel=3)
