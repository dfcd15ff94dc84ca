"""The agent's actions: short key sequences ("macros") over NetHack's keyboard.

The policy chooses among ``N_ACTIONS`` actions. Most are one key (a move, ``>``, ``<``, ``s``);
some are the keys NetHack needs for one decision: ``20s`` (rest: search for up to 20 turns,
interrupted when something appears), ``M-p`` pray then ``y``; ``^d`` kick then a direction;
``e`` eat then the letter of a food item (or ``y`` to a fresh, safe corpse on the floor,
``nethack_agent.food``); ``E -`` engrave with a finger, then ``Elbereth`` and RETURN (most
monsters will not attack in melee whoever stands on it); ``,`` pick up (in a "Pick up what?"
menu, the letters of the useful objects, ``nethack_agent.items``, then RETURN); ``W`` wear and
``w`` wield, then the letter of an armour piece or weapon the agent picked up.
``ACTION_KEYS`` holds the keys pressed first; ``GameRunner._act`` in ``nethack_agent.envs``
presses them and answers the game's follow-up questions from its message line.
"""

from __future__ import annotations

from nle import nethack
from nle.env.tasks import TASK_ACTIONS

__all__ = [
    "ACTION_KEYS",
    "ACTION_NAMES",
    "DESCEND",
    "DIRECTIONS",
    "DIRECTION_KEYS",
    "EAT",
    "ELBERETH_KEYS",
    "ENGRAVE",
    "ENV_KEYS",
    "ESCAPE",
    "ASCEND",
    "KEY_INDEX",
    "KICK",
    "MOVE",
    "N_ACTIONS",
    "N_DIRECTIONS",
    "PICKUP",
    "PRAY",
    "RANDOM_BASELINE_KEYS",
    "REST",
    "SEARCH",
    "WEAR",
    "WIELD",
]

N_DIRECTIONS = 8
DIRECTIONS = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))
"""(dy, dx) of N, E, S, W, NE, SE, SW, NW: the order of ``nethack.CompassDirection``."""
DIRECTION_KEYS = tuple(int(key) for key in nethack.CompassDirection)
_DIRECTION_NAMES = ("n", "e", "s", "w", "ne", "se", "sw", "nw")

MOVE = 0  # actions 0..7: move (or attack, or open a door) in direction d
KICK = 8  # actions 8..15: kick in direction d
DESCEND, SEARCH, PRAY, EAT, ESCAPE, REST, ASCEND, ENGRAVE, PICKUP, WEAR, WIELD = range(16, 27)
N_ACTIONS = 27
ACTION_NAMES = (
    *(f"move_{name}" for name in _DIRECTION_NAMES),
    *(f"kick_{name}" for name in _DIRECTION_NAMES),
    "descend",
    "search",
    "pray",
    "eat",
    "escape",
    "rest",
    "ascend",
    "engrave_elbereth",
    "pick_up",
    "wear",
    "wield",
)
ACTION_KEYS = (
    *((key,) for key in DIRECTION_KEYS),
    *((int(nethack.Command.KICK),) for _ in DIRECTION_KEYS),
    (int(nethack.MiscDirection.DOWN),),
    (int(nethack.Command.SEARCH),),
    (int(nethack.Command.PRAY),),
    (int(nethack.Command.EAT),),
    (int(nethack.Command.ESC),),
    (ord("2"), ord("0"), int(nethack.Command.SEARCH)),
    (int(nethack.MiscDirection.UP),),
    (int(nethack.Command.ENGRAVE),),  # the finger ("-") answers "What do you want to write with?"
    (int(nethack.Command.PICKUP),),
    (int(nethack.Command.WEAR),),
    (int(nethack.Command.WIELD),),
)
"""The keys each action presses before answering any question."""

ELBERETH_KEYS = (*(ord(c) for c in "Elbereth"), int(nethack.MiscAction.MORE))
"""What the agent types when NetHack asks what to write in the dust (RETURN ends the line)."""

RANDOM_BASELINE_KEYS = tuple(int(key) for key in TASK_ACTIONS)
"""The 23 keys of NetHackScore-v0's own action set: what the uniformly random baseline presses."""

ENV_KEYS = tuple(
    sorted(
        {
            *RANDOM_BASELINE_KEYS,
            *DIRECTION_KEYS,
            int(nethack.Command.KICK),
            int(nethack.Command.PRAY),
            int(nethack.Command.EAT),
            int(nethack.Command.SEARCH),
            int(nethack.Command.ESC),
            int(nethack.MiscDirection.DOWN),
            int(nethack.MiscDirection.UP),
            int(nethack.Command.ENGRAVE),
            int(nethack.Command.PICKUP),
            int(nethack.Command.WEAR),
            int(nethack.Command.WIELD),
            int(nethack.MiscAction.MORE),
            ord("-"),
            *range(ord("0"), ord("9") + 1),
            *range(ord("a"), ord("z") + 1),
            *range(ord("A"), ord("Z") + 1),
        }
    )
)
"""Every key the environment is built with (its ``actions``); the agent and the random
baseline index into it through ``KEY_INDEX``."""
KEY_INDEX = {key: index for index, key in enumerate(ENV_KEYS)}
