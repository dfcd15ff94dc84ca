"""NetHackChallenge-v0 with seeds: the NeurIPS 2021 task, reproducible game by game.

NLE's ``NetHackChallenge`` (``nle/env/tasks.py``) is NetHackScore with a random character
(``character="@"``), the full keyboard (``nethack.ACTIONS``), every yes/no question and every
menu and ``--More--`` left to the agent, no penalties, a key cap of 10⁶ and a no-progress
timeout (the game is aborted when the in-game turn counter does not move for 10,000 keys). It
also replaces NetHack's seeding functions with ones that raise, so its games cannot be paired
across policies. ``SeededChallenge`` is that very class with the seeding functions given back:
every setting is inherited, none restated (``CHALLENGE_SETTINGS`` lists them for the test that
compares the two field by field). Seeding is the only difference.
"""

from __future__ import annotations

import gymnasium as gym
from nle import nethack
from nle.env.base import NLE
from nle.env.tasks import NetHackChallenge

__all__ = [
    "CHALLENGE_ID",
    "CHALLENGE_SETTINGS",
    "SEEDED_CHALLENGE_ID",
    "SeededChallenge",
    "challenge_settings",
    "is_challenge",
]

CHALLENGE_ID = "NetHackChallenge-v0"
SEEDED_CHALLENGE_ID = "NetHackChallengeSeeded-v0"
CHALLENGE_SETTINGS = (
    "character",
    "actions",
    "_allow_all_yn_questions",
    "_allow_all_modes",
    "penalty_mode",
    "penalty_step",
    "penalty_time",
    "_max_episode_steps",
    "no_progress_timeout",
    "options",
    "wizard",
)
"""The attributes of an environment that decide the game it plays (observation keys only
decide what is copied out, not the game)."""


class SeededChallenge(NetHackChallenge):
    """``NetHackChallenge`` whose games can be seeded (``env.seed(core, disp, reseed=False)``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("set_initial_seeds", "set_current_seeds", "get_current_seeds"):
            delattr(self.nethack, name)  # the instance's raising stand-ins; the methods return

    def seed(self, core=None, disp=None, reseed=False, lgen=None):
        """NLE's own seeding (the NetHackChallenge class refuses it)."""
        return NLE.seed(self, core, disp, reseed, lgen)


def challenge_settings(env: gym.Env) -> dict[str, object]:
    """The ``CHALLENGE_SETTINGS`` of an NLE environment, comparable with ``==``."""
    env = env.unwrapped
    settings = {}
    for name in CHALLENGE_SETTINGS:
        if name == "options":
            settings[name] = tuple(env.nethack.options)
        elif name == "wizard":
            settings[name] = env.nethack._wizard
        elif name == "actions":
            settings[name] = tuple(int(a) for a in env.actions)
        else:
            settings[name] = getattr(env, name)
    return settings


def is_challenge(env_id: str) -> bool:
    """Whether ``env_id`` names the Challenge task (seeded or not)."""
    return env_id in (CHALLENGE_ID, SEEDED_CHALLENGE_ID)


if SEEDED_CHALLENGE_ID not in gym.registry:
    gym.register(id=SEEDED_CHALLENGE_ID, entry_point=SeededChallenge)

CHALLENGE_KEYS = tuple(int(a) for a in nethack.ACTIONS)
