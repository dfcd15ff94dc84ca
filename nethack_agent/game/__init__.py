"""Playing NetHack: the low-level game driver, the tasks as data, and the gym reference.

``NetHackGame`` (``driver``) plays a task on ``nle.nethack.Nethack``; ``GymGame`` (``gym_game``)
plays it through NLE's gymnasium environment with the same methods, as the reference the
driver is tested against; ``TaskSettings`` (``tasks``) says what a task is.
"""

from nethack_agent.game.driver import ABORTED, DEATH, RUNNING, NetHackGame
from nethack_agent.game.gym_game import GymGame, make_gym_env, settings_of
from nethack_agent.game.tasks import CHALLENGE, SCORE, TASKS, TaskSettings, task_settings

__all__ = [
    "ABORTED",
    "CHALLENGE",
    "DEATH",
    "RUNNING",
    "SCORE",
    "TASKS",
    "GymGame",
    "NetHackGame",
    "TaskSettings",
    "make_gym_env",
    "settings_of",
    "task_settings",
]
