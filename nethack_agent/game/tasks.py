"""NLE's tasks as data: what ``NetHackScore`` and ``NetHackChallenge`` set, one frozen record each.

NLE builds a task by subclassing its gym environment; the differences between its tasks are a
handful of constructor arguments and two rules (the reward's time penalty, the Challenge's
no-progress abort). ``TaskSettings`` holds exactly those arguments, so the low-level game driver
(``nethack_agent.game.driver``) can play any of them, and a new task is a new record, e.g.
``dataclasses.replace(CHALLENGE, character="val-hum-law-fem")``.

The values are read from ``nle/env/base.py`` and ``nle/env/tasks.py`` (nle 1.3.0);
``tests/test_nethack_driver.py`` checks them field by field against instances of NLE's own
classes.
"""

from __future__ import annotations

from dataclasses import dataclass

from nle import nethack
from nle.env.tasks import TASK_ACTIONS

__all__ = ["CHALLENGE", "PENALTY_MODES", "SCORE", "TASKS", "TaskSettings", "task_settings"]

PENALTY_MODES = ("constant", "exp", "square", "linear", "always")
"""NetHackScore's ways of penalising steps on which the game clock stands still."""


@dataclass(frozen=True)
class TaskSettings:
    """One NLE task: the game's options and the rules the environment adds on top of NetHack."""

    name: str
    """the gymnasium id of the NLE task these settings reproduce"""
    character: str = "mon-hum-neu-mal"
    """role-race-alignment-gender, or "@" for a random character each game"""
    actions: tuple[int, ...] = tuple(int(key) for key in TASK_ACTIONS)
    """the keys the task lets the agent press"""
    allow_all_yn_questions: bool = False
    """False: yes/no questions other than eat/attack/direction/pray are answered ESC for you"""
    allow_all_modes: bool = False
    """False: --More--, text input and yes/no questions are dismissed for you after every key"""
    max_episode_steps: int = 5000
    """the game is aborted (end status -1) after this many key presses"""
    no_progress_timeout: int | None = None
    """abort when the game clock stands still this long (counted as NLE counts it), or None"""
    penalty_mode: str = "constant"
    """how steps with a standing clock are penalised, one of ``PENALTY_MODES``"""
    penalty_step: float = -0.01
    """the penalty per such step"""
    penalty_time: float = 0.0
    """added to the reward per game turn that passes"""
    options: tuple[str, ...] = tuple(nethack.NETHACKOPTIONS)
    """NetHack's options (``NETHACKOPTIONS``)"""
    wizard: bool = False
    """debug (wizard) mode"""
    spawn_monsters: bool = True
    """False: NetHack does not create random monsters"""
    fix_moon_phase: bool = False
    """True: in a seeded game, NetHack's clock-driven effects (the moon's phase and Friday the
    13th, which change Luck; night; midnight) come from the seed instead of the wall clock
    (NLE's ``fix_moon_phase``), so a seeded game is the same game on any day"""

    def __post_init__(self) -> None:
        if self.penalty_mode not in PENALTY_MODES:
            raise ValueError(
                f"penalty_mode must be one of {PENALTY_MODES}, got {self.penalty_mode!r}"
            )
        if self.max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be >= 1, got {self.max_episode_steps}")
        if self.no_progress_timeout is not None and self.no_progress_timeout < 1:
            raise ValueError(
                f"no_progress_timeout must be >= 1 or None, got {self.no_progress_timeout}"
            )
        if not self.actions:
            raise ValueError("actions must hold at least one key")


SCORE = TaskSettings(name="NetHackScore-v0")
"""``NetHackScore-v0``: the monk, NLE's 23 task keys, prompts handled for you, 5,000 keys."""

CHALLENGE = TaskSettings(
    name="NetHackChallenge-v0",
    character="@",
    actions=tuple(int(key) for key in nethack.ACTIONS),
    allow_all_yn_questions=True,
    allow_all_modes=True,
    max_episode_steps=1_000_000,
    no_progress_timeout=10_000,
    penalty_step=0.0,
)
"""``NetHackChallenge-v0``: a random character, the whole keyboard, nothing answered for you, no
step cap in practice (10⁶), aborted after 10,000 steps without the clock moving."""

TASKS = {task.name: task for task in (SCORE, CHALLENGE)}
"""The tasks the game driver knows, by gymnasium id."""


def task_settings(env_id: str) -> TaskSettings:
    """The settings of an NLE task by its gymnasium id.

    Args:
        env_id: one of ``TASKS`` (e.g. "NetHackScore-v0").

    Returns:
        Its ``TaskSettings``.
    """
    if env_id not in TASKS:
        raise ValueError(f"env_id must be one of {sorted(TASKS)}, got {env_id!r}")
    return TASKS[env_id]
