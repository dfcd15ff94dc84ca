"""Many NetHack games stepped together: seeded, featurised, restarted when NetHack fails.

``GameRunner`` holds N NetHack games in this process — on NLE's low-level game through
``nethack_agent.game.NetHackGame`` (``env_api="nle"``, the default) or through NLE's gymnasium
environment (``env_api="gym"``, the reference; both play the same games key for key). It seeds
NetHack's own generators before every reset (``set_initial_seeds(core, disp, reseed=False)``),
presses the keys of the agent's actions (``nethack_agent.actions``), keeps the episode
statistics, computes features, and samples the policy. NetHack writes its observations
straight into the runner's (N, …) arrays (the gym path copies them there). A NetHack that
raises is replaced by a fresh seeded game, logged, never fatal. ``nethack_agent.workers`` runs
one ``GameRunner`` per worker process.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from nle import nethack

from nethack_agent.actions import (
    ACTION_KEYS,
    DIRECTION_KEYS,
    DIRECTIONS,
    EAT,
    ELBERETH_KEYS,
    ENGRAVE,
    ENV_KEYS,
    KICK,
    MOVE,
    N_ACTIONS,
    N_DIRECTIONS,
    PICKUP,
    PRAY,
    RANDOM_BASELINE_KEYS,
    REST,
    SEARCH,
    WEAR,
    WIELD,
)
from nethack_agent.character import RACES, ROLES, read_character
from nethack_agent.deaths import ALIVE, death_cause, helpless_reason, last_xlog_entry
from nethack_agent.features import (
    AGENT_FEATURES,
    DIRECTION_FEATURES,
    N_DIRECTION_FEATURES,
    N_STATE_FEATURES,
    MapMemory,
)
from nethack_agent.features import _features as _feature_kernel  # compiled into _observe
from nethack_agent.food import (
    CorpseWatch,
    corpse_on_offer,
    fresh_corpse,
    pack_food_letter,
    safe_tin,
    tin_content,
)
from nethack_agent.game import (
    ABORTED,
    CHALLENGE,
    SCORE,
    TASKS,
    GymGame,
    NetHackGame,
    TaskSettings,
    task_settings,
)
from nethack_agent.glyphs import KIND_OF_GLYPH, WALL
from nethack_agent.items import (
    NEVER_ROTS,
    listed_useful,
    menu_choices,
    offered_letters,
    picked_up,
    useful_kind,
)
from nethack_agent.policy import action_probabilities, sample_actions
from nethack_agent.policy_kernel import KernelCheck, kernel_weights, sample_policy
from nethack_agent.policy_kernel import _sample as _policy_kernel  # in _observe_and_sample
from nethack_agent.prayer import INITIAL_TIMEOUT, MAJOR_TROUBLE_LIMIT, god_angered, heard_table
from nethack_agent.questions import (
    ESC,
    MORE,
    WATCHDOG_KEYS,
    WATCHDOG_TURN_KEYS,
    answered,
    screen_key,
    waiting_screen,
)
from nethack_agent.questions import SEARCH as SEARCH_KEY
from nethack_agent.tactics import (
    FORCE_BOLT_ENERGY,
    QUAFF_KEY,
    SHOT_RANGE,
    clear_shot,
    healing_letter,
    ranged_keys,
    wants_healing,
)

__all__ = [
    "ENV_APIS",
    "Episode",
    "GameRunner",
    "NO_PROGRESS",
    "game_seeds",
    "rollout_arrays",
    "rollout_nbytes",
    "runner_settings",
]

log = logging.getLogger(__name__)
_SCORE, _DEPTH, _X = nethack.NLE_BL_SCORE, nethack.NLE_BL_DEPTH, nethack.NLE_BL_X

OBSERVATION_KEYS = ("glyphs", "blstats", "message")
"""The observation keys the features read (every key observed costs NetHack time per press)."""
INVENTORY_KEYS = ("inv_letters", "inv_strs")
"""The inventory, observed on the Challenge only (``nethack_agent.tactics``: ≈ 1.5 µs a press)."""
SCREEN_KEY = "tty_chars"
"""The terminal (``--More--``, menus, the status line): observed only where the agent gets past
screens itself (the Challenge), through the gym api (which shows no opening messages: the
character is read off the screen) or when ``extra_keys`` ask for it (watching) — NetHack redraws
it at every key press, ≈ 4 µs of a 13–18 µs press on this machine."""
_SETTLE_KEYS = 12
"""At most this many keys answer the questions one action leaves (on the Challenge, every screen,
before and after it; the watchdog and the Challenge's no-progress timeout take care of the
rest)."""
NO_PROGRESS = "no-progress timeout"
"""``Episode.end`` of a game the Challenge aborted because the game clock stood still."""
ENV_APIS = {"nle": NetHackGame, "gym": GymGame}
"""How a runner plays NetHack: the low-level driver, or NLE's gymnasium environment."""
_PROMPTS = (b"[yn", b"direction?", b"What do you want to")
_KILLED = b"You kill "
_NO_FOOD = b"You don't have anything to eat."
_BUMPS = (  # a move into unseen rock or a wall, or a boulder that will not move
    b"It's solid stone.",
    b"It's a wall.",
    b"but in vain.",
    b"Perhaps that's why you cannot move past it.",
)
_CORPSE_TO_EAT = DIRECTION_FEATURES.index("corpse_to_eat")
_LOCKED_DOOR = DIRECTION_FEATURES.index("locked_door")
_KIND_WALL = DIRECTION_FEATURES.index("kind_wall")
_KIND_CLOSED_DOOR = DIRECTION_FEATURES.index("kind_closed_door")
_KIND_MONSTER = DIRECTION_FEATURES.index("kind_monster")
_PEACEFUL = b"Really attack"  # a peaceful monster: answered no (refused while it stands there)
_LOCKED = b"This door is locked"  # (refused while the door stands closed)
_REFUSED_MOVES = (  # a move NetHack refuses, and no time passes: the same move would loop
    _LOCKED,
    b"You can't move diagonally",  # into or out of an intact doorway
    b"You are carrying too much to get through",  # a diagonal squeeze
    _PEACEFUL,
)
_HELD_BOULDER = b"Perhaps that's why you cannot move it."
"""A boulder a monster behind it holds: no time passed, and the monster may move on."""
HELD_BOULDER_TRIES = 50
"""Pushes of boulders held by a monster (each followed by a search: a turn) after which the
boulder last pushed is remembered as a wall: a mold behind one never moves."""
_CLOSED_FOR_INVENTORY = b"Closed for inventory"
"""What NetHack engraves in the dust in front of a shop's locked door (``mkroom.c``)."""
_NO_ENGRAVING = (b"You can't write on", b"small smudge", b"towards the altar")
"""NetHack refuses an engraving here (a fountain, the water, a grave; on an altar it is sin)."""
_HUNGRY = 2  # NetHack's hunger state (u.uhs) "Hungry"; 0 Satiated, 1 Not Hungry
_FOOD_LETTERS = re.compile(rb"What do you want to eat\? \[([a-zA-Z])")
_SEE_HERE = re.compile(rb"You see here (.+?)\.(?=  |\x00|$)")
_PILE = b"objects here"  # "There are several (many) objects here.": more than five
_WEAR_WIELD = {WEAR: b"What do you want to wear?", WIELD: b"What do you want to wield?"}
_ASTRAY = nethack.BL_MASK_HALLU | nethack.BL_MASK_CONF | nethack.BL_MASK_STUN
"""Conditions under which the map's monsters or a direction cannot be trusted (no ranged attack)."""
_KEY = {
    "esc": int(nethack.Command.ESC),
    "yes": ord("y"),
    "no": ord("n"),
}


@dataclass(frozen=True)
class Episode:
    """One finished game."""

    t: int
    """index of the step (within the rollout or play) at which it ended"""
    env: int
    """index of the environment that played it"""
    seed: int
    """NetHack core seed of the game"""
    ret: float
    """sum of the environment's rewards"""
    length: int
    """number of agent actions"""
    score: int
    """in-game score (blstats) at the end"""
    depth: int
    """deepest dungeon level reached"""
    ttyrec: str = ""
    """the game's nle ttyrec recording, if recorded"""
    role: str = ""
    """the character's role (``nethack_agent.character.ROLES``), "" if unknown"""
    cause: str = ""
    """how it ended (``nethack_agent.deaths.death_cause``: "killed by a jackal", "alive", …)"""
    end: str = ""
    """one of "death", "key cap", ``NO_PROGRESS``."""
    helpless: str = ""
    """what kept the agent from acting when it died (``nethack_agent.deaths.helpless_reason``:
    "fainted from lack of food", "frozen by a monster's gaze", …), "" if nothing did"""


def runner_settings(env_id: str, max_episode_steps: int, env_api: str = "nle") -> TaskSettings:
    """The task a runner plays: the NLE task's settings, its keys and the agent's, the key limit.

    NetHack's clock-driven effects come from the seed (``TaskSettings.fix_moon_phase``).

    Args:
        env_id: an NLE task: one of ``nethack_agent.game.TASKS``, or through the gym api any
            NetHackScore-like task of NLE (e.g. "NetHackEat-v0", whose reward and ending are
            then NLE's own).
        max_episode_steps: the game's key limit (the Challenge's own is 10⁶).
        env_api: "nle" or "gym".
    """
    if env_api == "gym" and env_id not in TASKS:
        settings = dataclasses.replace(SCORE, name=env_id)  # its constructor's defaults
    elif env_api == "nle" and env_id not in TASKS:
        raise ValueError(
            f"the nle game driver plays {sorted(TASKS)}, not {env_id!r}: use --env-api gym"
        )
    else:
        settings = task_settings(env_id)
    return dataclasses.replace(
        settings,
        actions=tuple(dict.fromkeys((*settings.actions, *ENV_KEYS))),
        max_episode_steps=max_episode_steps,
        fix_moon_phase=True,  # a seeded game is the same on any day (unseeded: the clock's)
    )


def _xlogfile(game: NetHackGame | GymGame) -> str:
    """Where the game's NetHack writes its xlogfile (NLE's naming: beside the ttyrecs)."""
    if game.ttyrec:
        return os.path.join(os.path.dirname(game.ttyrec), f"nle.{os.getpid()}.xlogfile")
    nethack_object = game._nethack if isinstance(game, NetHackGame) else game.env.unwrapped.nethack
    return os.path.join(nethack_object._vardir, "xlogfile")


def game_seeds(seed: int, group: int, env: int, episode: int) -> tuple[int, int]:
    """NetHack (core, disp) seeds of a training game, independent of everything else.

    Args:
        seed: the run's seed.
        group: the worker's index.
        env: the environment's index in the worker.
        episode: how many games this environment has started before.

    Returns:
        Two 32-bit seeds from ``SeedSequence([seed, group, env, episode])``.
    """
    core, disp = np.random.SeedSequence([seed, group, env, episode]).generate_state(2)
    return int(core), int(disp)


def rollout_arrays(n_steps: int, n_envs: int, buffer: Any = None) -> dict[str, np.ndarray]:
    """Empty arrays for a rollout batch of T = ``n_steps`` steps of N = ``n_envs`` games.

    Args:
        n_steps: T.
        n_envs: N.
        buffer: a writable buffer of at least ``rollout_nbytes(T, N)`` bytes to lay them out
            in (e.g. memory shared with a worker process), or None (fresh arrays).

    Returns:
        ``psi`` (T, N, Ds) and ``phi`` (T, N, 8, Dd) float32, ``actions`` int64, ``rewards``
        float64, ``terminated`` and ``truncated`` bool (T, N), ``last_psi`` (N, Ds) float32.
    """
    arrays = {}
    offset = 0
    for key, (shape, dtype) in _rollout_layout(n_steps, n_envs).items():
        if buffer is None:
            arrays[key] = np.empty(shape, dtype)
        else:
            arrays[key] = np.ndarray(shape, dtype, buffer=buffer, offset=offset)
            offset += _aligned(int(np.prod(shape)) * np.dtype(dtype).itemsize)
    return arrays


def rollout_nbytes(n_steps: int, n_envs: int) -> int:
    """Bytes ``rollout_arrays`` needs to lay out a batch of T × N steps in one buffer."""
    return sum(
        _aligned(int(np.prod(shape)) * np.dtype(dtype).itemsize)
        for shape, dtype in _rollout_layout(n_steps, n_envs).values()
    )


def _aligned(nbytes: int) -> int:
    return -(-nbytes // 64) * 64


def _rollout_layout(n_steps: int, n_envs: int) -> dict[str, tuple[tuple[int, ...], Any]]:
    return {
        "psi": ((n_steps, n_envs, N_STATE_FEATURES), np.float32),
        "phi": ((n_steps, n_envs, N_DIRECTIONS, N_DIRECTION_FEATURES), np.float32),
        "actions": ((n_steps, n_envs), np.int64),
        "rewards": ((n_steps, n_envs), np.float64),
        "terminated": ((n_steps, n_envs), np.bool_),
        "truncated": ((n_steps, n_envs), np.bool_),
        "last_psi": ((n_envs, N_STATE_FEATURES), np.float32),
    }


class GameRunner:
    """N NetHack games in this process, stepped in lockstep.

    Two ways to choose games: training (``episode_seeds`` None) plays endless games seeded by
    ``game_seeds(seed, group, env, count)`` and samples actions from one persistent generator
    per environment; evaluation plays each seed in ``episode_seeds`` exactly once (core = disp =
    the seed), reseeding the action sampler with the same seed, so every game's result depends
    only on its seed and the policy.

    Args:
        env_id: an NLE task id, e.g. "NetHackScore-v0" (``nethack_agent.game.TASKS``).
        n_envs: number of environments N.
        seed: the run's seed.
        group: index of this runner among parallel ones (part of every seed).
        episode_seeds: evaluation seeds, or None for training.
        ttyrec_dir: record every game with nle's ttyrec into this directory (one sub-directory
            per environment), or None.
        extra_keys: more observation keys to keep (e.g. "tty_chars" for watching).
        max_episode_steps: the game's time limit in key presses.
        state: a ``state()`` dict to continue from (counters and generator states).
        env_api: "nle" (the low-level game driver) or "gym" (NLE's gymnasium environment).
        make_game: builds one game like ``NetHackGame`` (tests inject failing ones); default
            the class of ``env_api``.
        unseeded: never seed NetHack (with "NetHackChallenge-v0": NLE's own Challenge class
            through the gym api, as the official evaluation plays it); the evaluation seeds
            then only label the games.
    """

    def __init__(
        self,
        env_id: str,
        n_envs: int,
        *,
        seed: int = 0,
        group: int = 0,
        episode_seeds: Sequence[int] | None = None,
        ttyrec_dir: str | None = None,
        extra_keys: Sequence[str] = (),
        max_episode_steps: int = 5000,
        state: dict[str, Any] | None = None,
        env_api: str = "nle",
        make_game: Callable[..., NetHackGame | GymGame] | None = None,
        unseeded: bool = False,
    ):
        if n_envs < 1:
            raise ValueError(f"n_envs must be >= 1, got {n_envs}")
        if env_api not in ENV_APIS:
            raise ValueError(f"env_api must be one of {sorted(ENV_APIS)}, got {env_api!r}")
        self.env_id = env_id
        self.n_envs = n_envs
        self.seed = seed
        self.group = group
        self.ttyrec_dir = ttyrec_dir
        self.unseeded = unseeded
        if unseeded:
            if env_id != CHALLENGE.name:
                raise ValueError(f"unseeded play is for {CHALLENGE.name} only, got {env_id!r}")
            env_api = "gym"
        self.max_episode_steps = max_episode_steps
        self.env_api = env_api
        self.settings = runner_settings(env_id, max_episode_steps, env_api)
        # (the gym api shows no opening messages: the character is read off the terminal)
        screen = (SCREEN_KEY,) if self.settings.allow_all_modes or env_api == "gym" else ()
        if self.settings.allow_all_modes:
            extra_keys = (*extra_keys, *INVENTORY_KEYS)
        self.observation_keys = tuple(dict.fromkeys((*OBSERVATION_KEYS, *screen, *extra_keys)))
        self._extra_keys = tuple(
            key for key in extra_keys if key not in (*OBSERVATION_KEYS, SCREEN_KEY)
        )
        self._make_game = make_game or ENV_APIS[env_api]
        self._queue = None if episode_seeds is None else [int(s) for s in episode_seeds][::-1]
        self.restarts = 0
        self.presses = 0
        children = np.random.SeedSequence([seed, group]).spawn(n_envs)
        self.rngs = [np.random.Generator(np.random.PCG64(child)) for child in children]
        self.episode_counts = [0] * n_envs
        if state is not None:
            self.episode_counts = list(state["episode_counts"])
            for rng, rng_state in zip(self.rngs, state["rng_states"], strict=True):
                rng.bit_generator.state = rng_state

        self.glyphs = np.zeros((n_envs, 21, 79), dtype=np.int16)
        self.blstats = np.zeros((n_envs, nethack.BLSTATS_SHAPE[0]), dtype=np.int64)
        self.message = np.zeros((n_envs, 256), dtype=np.uint8)
        self.tty_chars = np.zeros((n_envs, 24, 80), dtype=np.uint8)  # the terminal, if observed
        self.extra = {
            key: np.zeros((n_envs, *desc["shape"]), desc["dtype"])
            for key in self._extra_keys
            for desc in (nethack.OBSERVATION_DESC[key],)
        }
        self.memory = MapMemory(n_envs)
        self.active = np.ones(n_envs, dtype=bool)
        self.game_seed = np.zeros(n_envs, dtype=np.int64)
        self.ep_return = np.zeros(n_envs)
        self.ep_length = np.zeros(n_envs, dtype=np.int64)
        self.ep_keys = np.zeros(n_envs, dtype=np.int64)
        self.ep_score = np.zeros(n_envs, dtype=np.int64)
        self.ep_depth = np.zeros(n_envs, dtype=np.int64)
        self.searches_here = np.zeros(n_envs)
        self.last_prayer_turn = np.full(n_envs, -1.0)
        self.god_angry = np.zeros(n_envs, dtype=bool)
        self.roles = np.full(n_envs, -1, dtype=np.int64)  # index into ROLES, -1 unknown
        self.races = np.full(n_envs, -1, dtype=np.int64)  # index into RACES, -1 unknown
        # a Wizard, or missiles quivered at the start (a Tourist's darts): ranged attacks
        self.may_shoot = np.zeros(n_envs, dtype=bool)
        self.frozen_keys = np.zeros(n_envs, dtype=np.int64)  # presses since the clock moved
        self.watchdog_escapes = 0
        self.potions_drunk = self.ranged_attacks = 0  # what the reflexes did, counted
        # (dungeon, level, y, x) of the square engraved with Elbereth (-1: none)
        self.elbereth = np.full((n_envs, 4), -1, dtype=np.int64)
        self.no_engrave = np.full((n_envs, 4), -1, dtype=np.int64)  # where NetHack refused one
        self.shop_front = np.full((n_envs, 4), -1, dtype=np.int64)  # read "Closed for inventory"
        # (dungeon, level, y, x) of the agent's square and a bit per direction NetHack refused
        # to move in from it (``_REFUSED_MOVES``)
        self.refused = np.full((n_envs, 5), -1, dtype=np.int64)
        self.corpses = CorpseWatch(n_envs)  # the corpses seen to fall, and when
        self.tin: list[str | None] = [None] * n_envs  # what the tin being eaten holds
        # (dungeon, level, y, x) of a square with useful objects not yet picked over; letters of
        # the armour and weapons picked up and not yet tried on; whether a found weapon is wielded
        self.item_here = np.full((n_envs, 4), -1, dtype=np.int64)
        self.to_wear: list[list[int]] = [[] for _ in range(n_envs)]
        self.to_wield: list[list[int]] = [[] for _ in range(n_envs)]
        self.to_try = np.zeros((n_envs, 2), dtype=bool)  # (to_wear, to_wield) are not empty
        self.no_food = np.zeros(n_envs, dtype=bool)  # "You don't have anything to eat."
        self.held_pushes = np.zeros(n_envs, dtype=np.int64)  # boulders a monster held
        self.armed = np.zeros(n_envs, dtype=bool)
        self.challenge = self.settings.allow_all_modes  # screens are the agent's to answer
        # The per-game Python of a step reads and writes single numbers through memoryviews:
        # a Python int per index, no numpy scalar (measured: a third of the runner's own time).
        self._bl = [memoryview(row) for row in self.blstats]
        self._keys = memoryview(self.ep_keys)
        self._elbereth = memoryview(self.elbereth)
        self._message = memoryview(self.message)
        self._features: tuple[np.ndarray, np.ndarray] | None = None
        self._kernel = KernelCheck()
        self._fused_entries: dict[tuple, Callable[..., Any]] = {}  # by the arrays' kinds
        self.envs = [self._new_env(i) for i in range(n_envs)]
        for i in range(n_envs):
            self._start_game(i)
        self.corpses.watch(self.glyphs, self.blstats)

    # -- environments and games -------------------------------------------------------------

    def _savedir(self, i: int) -> str:
        return f"{self.ttyrec_dir}/env{self.group:02d}_{i:02d}"

    def _new_env(self, i: int) -> NetHackGame | GymGame:
        """Game i, observing into row i of the runner's arrays."""
        buffers = {
            "glyphs": self.glyphs[i],
            "blstats": self.blstats[i],
            "message": self.message[i],
        }
        if SCREEN_KEY in self.observation_keys:
            buffers[SCREEN_KEY] = self.tty_chars[i]
        buffers.update({key: array[i] for key, array in self.extra.items()})
        return self._make_game(
            self.settings,
            observation_keys=self.observation_keys,
            buffers=buffers,
            savedir=None if self.ttyrec_dir is None else self._savedir(i),
        )

    def _start_game(self, i: int) -> None:
        """Seed NetHack and reset environment i (or retire it when no seed is left)."""
        if self._queue is None:
            core, disp = game_seeds(self.seed, self.group, i, self.episode_counts[i])
            self.episode_counts[i] += 1
        elif self._queue:
            core = disp = self._queue.pop()
            self.rngs[i] = np.random.Generator(np.random.PCG64(core))
        else:
            self.active[i] = False
            return
        if not self.unseeded:
            self.envs[i].seed(core, disp, reseed=False)
        self.envs[i].reset()
        character = read_character(
            (*self.envs[i].opening_messages, self.message[i].tobytes()),
            self.tty_chars[i],
            self.blstats[i],
        )
        self.roles[i] = ROLES.index(character.role) if character.role else -1
        self.races[i] = RACES.index(character.race) if character.race else -1
        self.may_shoot[i] = self.challenge and (  # (with the Pw of a force bolt: a Wizard)
            ranged_keys(
                character.role,
                FORCE_BOLT_ENERGY,
                *(self.extra[key][i] for key in INVENTORY_KEYS),
            )
            is not None
        )
        self.game_seed[i] = core
        self.memory.forget(i)
        self.ep_return[i] = 0.0
        self.ep_length[i] = self.ep_keys[i] = 0
        self.ep_score[i] = self.blstats[i, nethack.NLE_BL_SCORE]
        self.ep_depth[i] = self.blstats[i, nethack.NLE_BL_DEPTH]
        self.searches_here[i] = 0.0
        self.last_prayer_turn[i] = -1.0
        self.god_angry[i] = False
        self.frozen_keys[i] = 0
        self.elbereth[i] = self.item_here[i] = self.no_engrave[i] = -1
        self.corpses.forget(i)
        self.shop_front[i] = self.refused[i] = -1
        self.to_wear[i], self.to_wield[i] = [], []
        self.to_try[i] = False
        self.no_food[i] = False
        self.tin[i] = None
        self.held_pushes[i] = 0
        self.armed[i] = False
        self._note_items(i, -1)  # an object on the first square

    def _restart(self, i: int, error: BaseException) -> None:
        self.restarts += 1
        log.warning("NetHack in environment %d failed (%r); starting a fresh game", i, error)
        try:
            self.envs[i].close()
        except Exception:  # noqa: BLE001  (the broken instance may fail to close; it is dropped)
            log.warning("closing the failed NetHack instance %d failed too", i)
        self.envs[i] = self._new_env(i)
        self._start_game(i)

    def close(self) -> None:
        """Close every environment."""
        for env in self.envs:
            env.close()

    # -- stepping ---------------------------------------------------------------------------

    def _press(self, i: int, key: int) -> tuple[float, bool, bool]:
        if self.challenge:  # the watchdog's count: presses since the game clock moved
            turn = self.blstats[i, nethack.NLE_BL_TIME]
            reward, done, end_status = self.envs[i].press(key)
            stood = self.blstats[i, nethack.NLE_BL_TIME] == turn
            self.frozen_keys[i] = self.frozen_keys[i] + 1 if stood else 0
        else:
            reward, done, end_status = self.envs[i].press(key)
        self._keys[i] += 1
        self.presses += 1
        if not done:
            return reward, False, False
        truncated = end_status == ABORTED
        return reward, not truncated, truncated

    def _answer(self, i: int, action: int, text: bytes | None = None) -> tuple[int, ...] | None:
        """The keys that answer the prompt environment i shows after ``action``, if any.

        ``text``: the message shown, if already read.
        """
        if text is None:
            text = self.message[i].tobytes()
        if action == EAT and (content := tin_content(text)) is not None:
            self.tin[i] = content  # "It smells like jackals.", then --More--, then "Eat it?"
        if action == PICKUP and b"Pick up what?" in (tty := self.tty_chars[i].tobytes()):
            letters = menu_choices(tty, self._role(i), self.challenge, self.armed[i])
            return (*letters, MORE) if letters else (_KEY["esc"],)
        if action == PICKUP and waiting_screen(text, self.tty_chars[i].tobytes()) == "menu":
            return (_KEY["esc"],)  # another menu
        if b"?" not in text or answered(text):  # every question ends in "?"; one answered
            return None  # stays in NLE's message until the next one, waiting for nothing
        kick = KICK <= action < KICK + N_DIRECTIONS
        if (kick or MOVE <= action < MOVE + N_DIRECTIONS) and b"direction?" in text:
            return (DIRECTION_KEYS[action - (KICK if kick else MOVE)],)  # or a ranged attack
        if action == PRAY and b"Are you sure you want to pray?" in text:
            self.last_prayer_turn[i] = self.blstats[i, nethack.NLE_BL_TIME]
            return (_KEY["yes"],)
        if _PEACEFUL in text:
            return (_KEY["no"],)  # a peaceful monster (a shopkeeper, the watch): leave it be
        if action == EAT and b"Stop eating?" in text:
            return (_KEY["yes"],)  # "You're having a hard time getting it all down": or choke
        if action == EAT and (b"eat it?" in text or b"eat one?" in text):
            # only a corpse seen to fall here a short while ago, of a safe kind
            # (nethack_agent.food), or one that never rots
            offer = corpse_on_offer(text)
            _, _, y, x = self._where(i)
            turn = self._bl[i][nethack.NLE_BL_TIME]
            fresh = offer is not None and offer == self.corpses.fresh_name(i, y, x, turn)
            if fresh:
                self.corpses.undate(i, y, x)  # eaten: the next eat is not this corpse's
            return (_KEY["yes"] if fresh or offer in NEVER_ROTS else _KEY["no"],)
        if action == EAT and b"Eat it?" in text:  # an opened tin
            content, self.tin[i] = self.tin[i], None
            return (_KEY["yes"] if safe_tin(content) else _KEY["no"],)
        if action == EAT and (food := _FOOD_LETTERS.search(text)):
            if self.blstats[i, nethack.NLE_BL_HUNGER] < _HUNGRY:
                self.corpses.undate(i, *self._where(i)[2:])  # no fresh corpse here: keep the food
                return (_KEY["esc"],)
            if INVENTORY_KEYS[1] not in self.extra:
                return (food.group(1)[0],)
            letter = pack_food_letter(text, *(self.extra[key][i] for key in INVENTORY_KEYS))
            self.no_food[i] = letter is None  # only corpses or globs: as nothing to eat
            return (_KEY["esc"],) if letter is None else (letter,)
        if action == PICKUP and b"Continue?" in text:
            return (_KEY["no"],)  # "You have a little trouble lifting …": never get Burdened
        if action in _WEAR_WIELD and _WEAR_WIELD[action] in text:
            return (self._try_on(i, action, text),)
        if action == ENGRAVE and b"What do you want to write with?" in text:
            return (ord("-"),)
        if action == ENGRAVE and b"add to the current engraving?" in text:
            return (_KEY["no"],)  # wipe out what is there, write anew
        if action == ENGRAVE and b"What do you want to write in the dust here?" in text:
            self.elbereth[i] = self._where(i)
            return ELBERETH_KEYS
        if any(prompt in text for prompt in _PROMPTS):
            return (_KEY["esc"],)
        return None

    def _role(self, i: int) -> str:
        return ROLES[self.roles[i]] if self.roles[i] >= 0 else ""

    def _race(self, i: int) -> str:
        return RACES[self.races[i]] if self.races[i] >= 0 else ""

    def _reflex_keys(self, i: int) -> tuple[int, ...]:
        """Keys before the action (``nethack_agent.tactics``): a healing potion at low HP."""
        bl = self._bl[i]
        if not wants_healing(bl[nethack.NLE_BL_HP], bl[nethack.NLE_BL_HPMAX]):
            return ()  # (most actions: no inventory read)
        letter = healing_letter(self.extra["inv_letters"][i], self.extra["inv_strs"][i])
        if letter is None:
            return ()
        self.potions_drunk += 1
        return (QUAFF_KEY, letter)

    def _ranged(self, i: int, action: int) -> tuple[int, ...] | None:
        """The keys of a ranged attack replacing a move into a surely hostile monster, or None.

        The direction is answered when NetHack asks for it (``_answer``).
        """
        bl = self._bl[i]
        if bl[nethack.NLE_BL_CONDITION] & _ASTRAY:
            return None
        y, x = bl[nethack.NLE_BL_Y], bl[_X]
        dy, dx = DIRECTIONS[action - MOVE]
        height, width = self.glyphs.shape[1:]
        if not (0 <= y + dy < height and 0 <= x + dx < width):
            return None
        if not nethack.glyph_is_normal_monster(int(self.glyphs[i, y + dy, x + dx])):
            return None  # (most moves: a move, not an attack)
        line = []
        for step in range(1, SHOT_RANGE + 1):
            ny, nx = y + step * dy, x + step * dx
            if not (0 <= ny < height and 0 <= nx < width):
                break
            glyph = int(self.glyphs[i, ny, nx])
            if KIND_OF_GLYPH[glyph] == WALL:
                break
            line.append(glyph)
        if not clear_shot(line, self._race(i)):
            return None
        return ranged_keys(
            self._role(i),
            bl[nethack.NLE_BL_ENE],
            self.extra["inv_letters"][i],
            self.extra["inv_strs"][i],
        )

    def _try_on(self, i: int, action: int, question: bytes) -> int:
        """The letter to answer "What do you want to wear/wield? [...]" with, or ESC.

        The agent's own pick, offered by the question, is tried (and forgotten: one try each);
        letters the question does not offer (worn, used up, stolen) are forgotten too.
        """
        offered = offered_letters(question)
        letters = self.to_wear[i] if action == WEAR else self.to_wield[i]
        letters[:] = [letter for letter in letters if letter in offered]
        chosen = letters.pop(0) if letters else None
        self.to_try[i] = bool(self.to_wear[i]), bool(self.to_wield[i])
        if chosen is None:
            return _KEY["esc"]
        self.armed[i] |= action == WIELD
        return chosen

    def _note_items(self, i: int, action: int, text: bytes | None = None) -> None:
        """Read the message (``text``, if read) for objects seen here or picked up.

        Useful objects seen here are remembered with the square; armour and weapons picked up
        with their letters.
        """
        if text is None:
            text = self.message[i].tobytes()
        if action == PICKUP and b" - " in text:
            for letter, name in picked_up(text):
                kind = useful_kind(name, self._role(i), self.challenge, self.armed[i])
                if kind in ("armor", "weapon"):
                    self._to_try_on(i, kind, letter)
        if b"here" not in text:
            return
        seen = _SEE_HERE.search(text)
        # a pile: only where the agent answers the "Pick up what?" menu (NetHackScore's NLE
        # presses SPACE there, which picks nothing)
        if (self.challenge and _PILE in text) or (
            seen is not None
            and useful_kind(
                seen.group(1).decode("ascii", "replace"),
                self._role(i),
                self.challenge,
                self.armed[i],
            )
        ):
            self.item_here[i] = self._where(i)

    def _to_try_on(self, i: int, kind: str, letter: int) -> None:
        """Remember the letter of armour ("armor") or a weapon ("weapon") to wear or wield."""
        column = ("armor", "weapon").index(kind)
        (self.to_wear, self.to_wield)[column][i].append(letter)
        self.to_try[i, column] = True

    def _where(self, i: int) -> tuple[int, int, int, int]:
        """(dungeon, level, y, x) of the agent in environment i."""
        b = self._bl[i]
        return b[nethack.NLE_BL_DNUM], b[nethack.NLE_BL_DLEVEL], b[nethack.NLE_BL_Y], b[_X]

    def _note_move(
        self, i: int, action: int, start: tuple[int, int, int, int], text: bytes
    ) -> None:
        """After a move from ``start``: what the message (``text``) says of the square moved to.

        Rock or a wall bumped into is remembered as a wall (``MapMemory.remember_wall``), and
        so is a boulder a monster holds at every ``HELD_BOULDER_TRIES``-th such push; a
        monster killed there is told to the ``CorpseWatch`` (its corpse may lie there); the
        square where "Closed for inventory" is read is remembered as a shop's front
        (``_shop_door``); a move NetHack refused without passing time ("This door is locked.",
        "You can't move diagonally out of an intact doorway.") is remembered with its square
        (``_refused_moves``).
        """
        dy, dx = DIRECTIONS[action - MOVE]
        if _CLOSED_FOR_INVENTORY in text:
            self.shop_front[i] = self._where(i)
        if any(refusal in text for refusal in _REFUSED_MOVES) and self._where(i) == start:
            if tuple(self.refused[i, :4]) != start:
                self.refused[i] = (*start, 0)
            group = 1 if _PEACEFUL in text else 2 if _LOCKED in text else 0
            self.refused[i, 4] |= 1 << (group * N_DIRECTIONS + action - MOVE)
        held = _HELD_BOULDER in text
        self.held_pushes[i] += held
        held_too_long = held and self.held_pushes[i] % HELD_BOULDER_TRIES == 0
        if held_too_long or any(bump in text for bump in _BUMPS):  # never try it again
            if self._where(i)[:2] == start[:2]:
                self.memory.remember_wall(i, start[2] + dy, start[3] + dx)
        if _KILLED in text and self._where(i)[:2] == start[:2]:
            self.corpses.killed(i, start[2] + dy, start[3] + dx)

    def _act(self, i: int, action: int) -> tuple[float, bool, bool]:
        """Press the keys of one agent action in environment i, answering NetHack's prompts.

        Where the task leaves every screen to the agent (the Challenge), the watchdog's ESC
        comes first when the clock has stood still for ``WATCHDOG_KEYS`` presses (and a search,
        which passes a turn, after ``WATCHDOG_TURN_KEYS``), and before
        and after the action's keys every ``--More--``, menu and question is got past
        (``nethack_agent.questions.screen_key``), up to ``_SETTLE_KEYS`` presses each time.
        """
        keys = ACTION_KEYS[action]
        reward, terminated, truncated = 0.0, False, False
        moving = MOVE <= action < MOVE + N_DIRECTIONS
        if moving:
            start = self._where(i)
            if self._elbereth[i, 0] != -1:  # attacking from it erases it, moving leaves it
                self.elbereth[i] = -1
        if action == PICKUP:
            self.item_here[i] = -1  # picked over, whatever it takes
            self.no_food[i] = False  # there may be food in the pack now
        if self.challenge:
            if moving and self.may_shoot[i] and (ranged := self._ranged(i, action)) is not None:
                keys = ranged  # then the direction, asked for
                self.ranged_attacks += 1
            if self.frozen_keys[i] >= WATCHDOG_KEYS:
                self.watchdog_escapes += 1
                turn = (SEARCH_KEY,) if self.frozen_keys[i] >= WATCHDOG_TURN_KEYS else ()
                keys = (ESC, *turn, *keys)
            # the screens left waiting; a reflex (nethack_agent.tactics), then its screens (a
            # fountain's "Drink from the fountain?" is escaped)
            r, terminated, truncated = self._settle(i)
            reward += r
            # (not before a prayer: one heard heals in full, and once a potion has healed the
            # trouble a prayer is made too soon and angers the god)
            reflex = () if terminated or truncated or action == PRAY else self._reflex_keys(i)
            for key in reflex:
                r, terminated, truncated = self._press(i, key)
                reward += r
                if terminated or truncated:
                    return reward, terminated, truncated
            if reflex:
                r, terminated, truncated = self._settle(i)
                reward += r
            if terminated or truncated:
                return reward, terminated, truncated
        turn = self._bl[i][nethack.NLE_BL_TIME]
        for key in keys:
            r, terminated, truncated = self._press(i, key)
            reward += r
            if terminated or truncated:
                return reward, terminated, truncated
        # A kick NetHack refused before asking where (wounded legs, as after "Ouch!  That
        # hurts!" from a wall; too heavy a load): no time passed, and the same kick would pass
        # none again, forever — so a search follows, and the legs heal in a few turns.
        then_search = (
            KICK <= action < KICK + N_DIRECTIONS
            and self._bl[i][nethack.NLE_BL_TIME] == turn
            and b"direction?" not in self.message[i].tobytes()
        )
        if not self.challenge and not self._message[i, 0]:  # nothing said: no kill, object
            if then_search:  # or question
                return self._search_after(i, reward)
            return reward, terminated, truncated
        text = self.message[i].tobytes()
        self._note_refusals(i, action, text)
        # a boulder a monster holds: a search lets a turn pass (a Knight between one and an
        # acid blob pushed it 247,000 times, the watchdog's search every 200 keys its only
        # turns, and starved); withheld instead, the move left a way on blocked for good
        then_search = then_search or (moving and _HELD_BOULDER in text)
        if moving:
            self._note_move(i, action, start, text)
        self._note_items(i, action, text)
        for _ in range(_SETTLE_KEYS):
            # follow-up prompts (eat: each kind of floor food, then which item — two answers
            # were once all NetHackScore gave, and a pile of corpses left "What do you want to
            # eat?" open for the next action's key: "You cannot eat that!" 246 times in one
            # game), then on the Challenge whatever screen is left
            answer = self._answer(i, action, text)
            if answer is None and self.challenge:
                tty = self.tty_chars[i].tobytes()
                key = screen_key(text, tty)
                answer = None if key is None else (key,)
                if key == MORE and listed_useful(tty, self._role(i), True, self.armed[i]):
                    self.item_here[i] = self._where(i)  # "Things that are here:" (2–5 objects)
            if answer is None:
                break
            for key in answer:
                r, terminated, truncated = self._press(i, key)
                reward += r
                if terminated or truncated:
                    return reward, terminated, truncated
            text = self.message[i].tobytes()
            self._note_refusals(i, action, text)
            then_search = then_search or (moving and _HELD_BOULDER in text)  # after --More--
            if moving:
                self._note_move(i, action, start, text)
            self._note_items(i, action, text)
            if action == PRAY and god_angered(text):
                self.god_angry[i] = True  # prayed too soon: the god will not hear again
        if then_search:
            return self._search_after(i, reward)
        return reward, terminated, truncated

    def _note_refusals(self, i: int, action: int, text: bytes) -> None:
        """Remember what NetHack refused in ``text``: an engraving here, or anything to eat.

        Read after every key of the action: "You don't have anything to eat." also follows a
        "There is a lichen corpse here; eat it?" answered no (before this was read there too, a
        Weak Monk chose ``eat`` 11,028 times in one game, no turn passing, and starved).
        """
        if action == ENGRAVE and any(refusal in text for refusal in _NO_ENGRAVING):
            self.no_engrave[i] = self._where(i)  # engrave is withheld on this square
        if action == EAT and _NO_FOOD in text:
            self.no_food[i] = True  # eat is offered again for a fresh corpse or after a pick up
            self.corpses.undate(i, *self._where(i)[2:])  # and no corpse lies here either

    def _settle(self, i: int) -> tuple[float, bool, bool]:
        """Get past the screens environment i shows: the map is wanted next.

        At most ``_SETTLE_KEYS`` presses of ``questions.screen_key``, or ESC at a line of text.
        """
        reward = 0.0
        for _ in range(_SETTLE_KEYS):
            key = (
                ESC  # a line of text is asked for ("Call a ruby potion:"): never typed
                if self.envs[i].in_text_prompt()
                else screen_key(self.message[i].tobytes(), self.tty_chars[i].tobytes())
            )
            if key is None:
                break
            r, terminated, truncated = self._press(i, key)
            reward += r
            if terminated or truncated:
                return reward, terminated, truncated
        return reward, False, False

    def _search_after(self, i: int, reward: float) -> tuple[float, bool, bool]:
        """One search in environment i (a turn passes) after an action that earned ``reward``."""
        r, terminated, truncated = self._press(i, SEARCH_KEY)
        return reward + r, terminated, truncated

    def step(
        self,
        actions: np.ndarray,
        *,
        raw_keys: bool = False,
        out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Episode], int]:
        """Take one action in every active environment; a finished game starts the next.

        Args:
            actions: (N,) agent actions, or indices into ``RANDOM_BASELINE_KEYS`` when
                ``raw_keys`` (the random baseline presses single keys, no prompt answering).
            raw_keys: see ``actions``.
            out: (N,) float, bool and bool arrays to write rewards, terminated and truncated
                into (e.g. a batch's rows), or None (new arrays).

        Returns:
            rewards (N,), terminated (N,), truncated (N,) — a NetHack failure counts as
            truncated, the Challenge's no-progress timeout as terminated (a game that stands
            still must not look better to the learner than one that dies: nothing follows it,
            and ``--death-penalty`` applies) —, the games that ended, and the number of key
            presses made.
        """
        actions = np.asarray(actions, dtype=np.int64)
        if out is None:
            out = np.zeros(self.n_envs), np.zeros(self.n_envs, bool), np.zeros(self.n_envs, bool)
        rewards, terminated, truncated = out
        finished: list[Episode] = []
        presses = self.presses
        self._features = None
        position = self.blstats[:, :2].copy()
        ongoing = self.active.copy()
        for i, (action, active) in enumerate(zip(actions.tolist(), ongoing.tolist(), strict=True)):
            r, term, trunc = 0.0, False, False
            if active:
                try:
                    if raw_keys:
                        r, term, trunc = self._press(i, RANDOM_BASELINE_KEYS[action])
                    else:
                        r, term, trunc = self._act(i, action)
                except Exception as error:  # noqa: BLE001  (any NetHack failure: restart, go on)
                    self._restart(i, error)
                    r, term, trunc = 0.0, False, True
                    ongoing[i] = False
                else:
                    if term or trunc:
                        finished.append(self._finished(i, r, term))
                        self._start_game(i)
                        ongoing[i] = False
                        if finished[-1].end == NO_PROGRESS:  # for learning, a game that stood
                            term, trunc = True, False  # still ends as a death: nothing after it
            rewards[i], terminated[i], truncated[i] = r, term, trunc
        # Bookkeeping of the games that go on, all at once.
        _account(
            actions,
            rewards,
            ongoing,
            position,
            self.blstats,
            self.ep_return,
            self.ep_length,
            self.searches_here,
            self.ep_score,
            self.ep_depth,
        )
        self.corpses.watch(self.glyphs, self.blstats)
        return rewards, terminated, truncated, finished, self.presses - presses

    def _finished(self, i: int, last_reward: float, died: bool) -> Episode:
        """The record of environment i's game, which ended with ``last_reward``."""
        helpless = ""
        if died:
            end = "death"
            entry = last_xlog_entry(_xlogfile(self.envs[i]))
            cause, helpless = death_cause(entry.get("death", "")), helpless_reason(entry)
        else:
            cap = self.ep_keys[i] >= self.settings.max_episode_steps
            end, cause = ("key cap" if cap else NO_PROGRESS), ALIVE
        # After the game ends NLE's blstats may be zeroed: keep the last values seen.
        return Episode(
            t=-1,
            env=i,
            seed=int(self.game_seed[i]),
            ret=float(self.ep_return[i] + last_reward),
            length=int(self.ep_length[i] + 1),
            score=int(max(self.ep_score[i], self.blstats[i, nethack.NLE_BL_SCORE])),
            depth=int(max(self.ep_depth[i], self.blstats[i, nethack.NLE_BL_DEPTH])),
            ttyrec=self.envs[i].ttyrec,
            role=ROLES[self.roles[i]] if self.roles[i] >= 0 else "",
            cause=cause,
            end=end,
            helpless=helpless,
        )

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """ψ (N, Ds) and φ (N, 8, Dd) of the current observations (computed once per step).

        ``extract_features`` with the runner's own state (``prayer_heard``, ``agent_flags``),
        all in one compiled call (``_observe``).
        """
        if self._features is None:
            self.memory.enter_levels(self.blstats)
            psi = np.zeros((self.n_envs, N_STATE_FEATURES))
            phi = np.zeros((self.n_envs, N_DIRECTIONS, N_DIRECTION_FEATURES))
            _observe(*self._observed(), psi, phi)
            self._features = psi, phi
        return self._features

    def _observed(self) -> tuple:
        """What the features are computed from: ``_observe``'s arguments but ψ and φ."""
        return (
            self.glyphs,
            self.blstats,
            self.message,
            self.memory.arrays,
            self.searches_here,
            self.ep_keys,
            float(self.max_episode_steps),
            self.roles,
            self._agent_arrays(),
        )

    def agent_flags(self) -> np.ndarray:
        """The runner's own state features (``features.AGENT_FEATURES``), (N, 7)."""
        return self._agent_state()[1]

    def prayer_heard(self) -> np.ndarray:
        """P(a prayer now, in major trouble, is heard) per environment; 0 once the god is angry.

        ``prayer.heard_probability``, read from its table in the runner's compiled step.
        """
        return self._agent_state()[0]

    def _agent_state(self) -> tuple[np.ndarray, np.ndarray]:
        """(prayer_heard (N,), agent_flags (N, 7)) in one compiled call (``_agent_kernel``)."""
        heard = np.empty(self.n_envs)
        flags = np.empty((self.n_envs, len(AGENT_FEATURES)))
        _agent_kernel(self.blstats, self._agent_arrays(), heard, flags)
        return heard, flags

    def _agent_arrays(self) -> tuple:
        """What ``_agent_kernel`` reads besides blstats, as its one argument ``agent``."""
        return (
            self.last_prayer_turn,
            self.god_angry,
            heard_table(),
            self.elbereth,
            self.no_engrave,
            self.corpses.arrays,
            self.challenge,
            self.item_here,
            self.to_try,
            self.no_food,
            self.shop_front,
            self.refused,
        )

    def uniforms(self) -> np.ndarray:
        """One U[0, 1) draw per environment, each from its own generator, (N,)."""
        return np.array([rng.random() for rng in self.rngs])

    def choose(
        self, params: dict[str, np.ndarray] | None, policy: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Actions for the current observations.

        Args:
            params: policy parameters (ignored by "random").
            policy: "sampled" (draw from π), "greedy" (argmax π) or "random" (uniform over
                NetHackScore's 23 keys; actions then index ``RANDOM_BASELINE_KEYS``).

        Returns:
            actions (N,) and the probability each was chosen with (N,).
        """
        if policy == "random":
            n_keys = len(RANDOM_BASELINE_KEYS)
            actions = np.array([rng.integers(n_keys) for rng in self.rngs])
            return actions, np.full(self.n_envs, 1.0 / n_keys)
        psi, phi = self.features()
        probabilities = action_probabilities(params, psi, phi)
        if policy == "greedy":
            actions = probabilities.argmax(axis=-1)
        elif policy == "sampled":
            actions = sample_actions(probabilities, self.uniforms())
        else:
            raise ValueError(f"policy must be 'sampled', 'greedy' or 'random', got {policy!r}")
        return actions, np.take_along_axis(probabilities, actions[:, None], axis=-1)[:, 0]

    def rollout(
        self,
        params: dict[str, np.ndarray],
        n_steps: int,
        out: dict[str, np.ndarray] | None = None,
    ) -> tuple[dict[str, np.ndarray], list[Episode], int]:
        """Play ``n_steps`` sampled actions in every environment.

        Args:
            params: policy parameters.
            n_steps: rollout length T.
            out: arrays of ``rollout_arrays(T', N)`` with T' ≥ T to write the batch into (the
                batch is then their first T steps, without a copy), or None.

        Returns:
            The batch (``psi`` (T, N, Ds) and ``phi`` (T, N, 8, Dd) float32, ``actions``,
            ``rewards``, ``terminated``, ``truncated`` (T, N), ``last_psi`` (N, Ds)), the games
            that ended (``Episode.t`` = step index), and the number of key presses.
        """
        if out is None:
            out = rollout_arrays(n_steps, self.n_envs)
        batch = {key: array[:n_steps] if key != "last_psi" else array for key, array in out.items()}
        episodes: list[Episode] = []
        presses = 0
        fast = self._kernel.usable
        # The rollout's uniforms at once: the same numbers as a draw per step (``uniforms``);
        # an evaluation runner replaces a game's generator when its next game starts.
        draws = (
            np.stack([rng.random(n_steps) for rng in self.rngs], axis=1)
            if self._queue is None
            else None
        )
        fused = None  # after the first step's check: features, policy and the batch's rows
        fused_step = _observe_and_sample  # (then its compiled entry for these arguments' types)
        for t in range(n_steps):
            if fused is not None:
                actions = batch["actions"][t]
                self.memory.enter_levels(self.blstats)
                fused_step(*fused, draws[t], actions, batch["psi"][t], batch["phi"][t])
            else:
                psi, phi = self.features()
                uniforms = self.uniforms() if draws is None else draws[t]
                # choose(params, "sampled") without the chosen actions' probabilities, in one
                # compiled call while it agrees with nethack_agent.policy (checked on the first
                # step of every CHECK_EVERY-th rollout: a check costs ≈ 1 ms).
                if fast and t == 0 and self._kernel.due():
                    fast = self._kernel.agrees(params, psi, phi)
                if fast:
                    actions = sample_policy(params, psi, phi, uniforms)[0]
                    if draws is not None:  # (the shapes are checked now: the same call after)
                        fused = self._fused_arguments(params)
                        rows = (draws[0], batch["actions"][0], batch["psi"][0], batch["phi"][0])
                        fused_step = self._fused_entry((*fused, *rows))
                else:
                    actions = sample_actions(action_probabilities(params, psi, phi), uniforms)
                batch["psi"][t] = psi
                batch["phi"][t] = phi
                batch["actions"][t] = actions
            *_, finished, n_keys = self.step(
                actions, out=(batch["rewards"][t], batch["terminated"][t], batch["truncated"][t])
            )
            if finished:
                episodes.extend(Episode(**{**vars(e), "t": t}) for e in finished)
            presses += n_keys
        batch["last_psi"][:] = self.features()[0]
        return batch, episodes, presses

    def _fused_arguments(self, params: dict[str, np.ndarray]) -> tuple:
        """``_observe_and_sample``'s arguments but the step's own (uniforms, batch rows)."""
        n = self.n_envs
        scratch = (
            np.zeros((n, N_STATE_FEATURES)),
            np.zeros((n, N_DIRECTIONS, N_DIRECTION_FEATURES)),
            np.empty((n, N_ACTIONS)),
        )
        return self._observed(), kernel_weights(params), scratch

    def _fused_entry(self, args: tuple) -> Callable[..., Any]:
        """``_observe_and_sample``'s compiled entry for ``args``, found once per kind of call.

        Only the policy's seven arrays and the step's four (uniforms, the batch's rows) can
        differ from one rollout to the next; the rest are this runner's own. Keyed by what
        numba's type of an array holds (dtype, dimensions, layout, writable, aligned) — finding
        the types themselves costs ≈ 0.5 ms a rollout.
        """
        key = tuple(
            (a.dtype, a.ndim, a.flags.c_contiguous, a.flags.f_contiguous, a.flags.writeable)
            + (a.flags.aligned,)
            for a in (*args[1], *args[3:])
        )
        entry = self._fused_entries.get(key)
        if entry is None:
            entry = self._fused_entries[key] = _compiled_entry(_observe_and_sample, args)
        return entry

    def play(
        self,
        params: dict[str, np.ndarray] | None,
        policy: str,
        progress: Callable[[int], None] | None = None,
    ) -> list[Episode]:
        """Play every evaluation seed to its end; the finished games, in order of seed.

        ``progress``, if given, is called with the number of games finished so far each time
        one ends.
        """
        if self._queue is None:
            raise ValueError("play() needs episode_seeds (an evaluation runner)")
        episodes: list[Episode] = []
        t = 0
        while self.active.any():
            actions, _ = self.choose(params, policy)
            *_, finished, _ = self.step(actions, raw_keys=policy == "random")
            episodes.extend(Episode(**{**vars(e), "t": t}) for e in finished)
            if finished and progress is not None:
                progress(len(episodes))
            t += 1
        return sorted(episodes, key=lambda e: e.seed)

    def state(self) -> dict[str, Any]:
        """What a checkpoint needs to continue these streams: counters and generator states."""
        return {
            "episode_counts": list(self.episode_counts),
            "rng_states": [rng.bit_generator.state for rng in self.rngs],
        }


def _compiled_entry(function: Any, args: tuple) -> Callable[..., Any]:
    """The machine code of numba ``function`` for arguments of these types, callable directly.

    A call through numba's dispatcher first finds each argument's type, which for nested
    tuples of arrays (the fused step's) costs ≈ 3 µs a call; the compiled entry point of the
    one signature skips that. Only for calls whose arguments have exactly ``args``' types.
    """
    signature = tuple(numba.typeof(arg) for arg in args)
    if signature not in function.overloads:
        function.compile(signature)
    return function.overloads[signature].entry_point


@numba.njit  # not cached: it reads constants of other modules (see _observe)
def _account(
    actions, rewards, ongoing, position, blstats, ep_return, ep_length, searches, score, depth
):
    """Episode statistics of the games that go on after a step (one compiled call).

    Return and length grow; the count of searches on this square restarts when the agent
    moved and grows by 1 for ``search`` and by 20 for ``rest``; score and deepest level follow
    blstats.
    """
    for e in range(actions.shape[0]):
        if not ongoing[e]:
            continue
        ep_return[e] += rewards[e]
        ep_length[e] += 1
        if blstats[e, 0] != position[e, 0] or blstats[e, 1] != position[e, 1]:
            searches[e] = 0.0
        elif actions[e] == SEARCH:
            searches[e] += 1.0
        elif actions[e] == REST:
            searches[e] += 20.0
        score[e] = blstats[e, _SCORE]
        depth[e] = max(depth[e], blstats[e, _DEPTH])


@numba.njit  # not cached: it reads constants of other modules (see _observe)
def _agent_kernel(blstats, agent, heard, flags):
    """``GameRunner.prayer_heard`` and ``agent_flags`` of every game (one compiled call).

    ``heard`` is ``prayer.heard_probability`` (0 once the god is angry), read from its table
    (tests compare the two); ``flags``: the task lets the agent type text and NetHack did not
    refuse an engraving on this square (``no_engrave``), the agent stands on
    the square it engraved, a fresh corpse safe to eat lies here (``food.fresh_corpse``),
    useful objects lie here (``item_here``) and it is not Burdened, it has armour / a weapon to
    try (``to_try``, (N, 2)), it found it has nothing to eat (``no_food``). ``agent`` is
    ``GameRunner._agent_arrays()``, one argument.
    """
    last_prayer, god_angry, table, elbereth, no_engrave, corpses = agent[:6]
    challenge, item_here, to_try, no_food = agent[6:10]
    for e in range(blstats.shape[0]):
        turn = blstats[e, 20]
        if god_angry[e]:
            heard[e] = 0.0
        elif last_prayer[e] < 0:
            heard[e] = 1.0 if INITIAL_TIMEOUT - (turn - 1) <= MAJOR_TROUBLE_LIMIT else 0.0
        else:
            gap = max(turn - np.int64(last_prayer[e]), 0) + MAJOR_TROUBLE_LIMIT
            heard[e] = table[min(gap, table.shape[0] - 1)]
        where = (blstats[e, 23], blstats[e, 24], blstats[e, 1], blstats[e, 0])
        on_elbereth = True
        refused = True
        for j in range(4):
            on_elbereth = on_elbereth and elbereth[e, j] == where[j]
            refused = refused and no_engrave[e, j] == where[j]
        flags[e, 0] = 1.0 if challenge and not refused else 0.0
        flags[e, 1] = 1.0 if on_elbereth else 0.0
        flags[e, 2] = 1.0 if fresh_corpse(corpses, e, where[2], where[3], turn) else 0.0
        useful_here = blstats[e, 22] == 0  # unencumbered
        for j in range(4):
            useful_here = useful_here and item_here[e, j] == where[j]
        flags[e, 3] = 1.0 if useful_here else 0.0
        flags[e, 4] = 1.0 if to_try[e, 0] else 0.0
        flags[e, 5] = 1.0 if to_try[e, 1] else 0.0
        flags[e, 6] = 1.0 if no_food[e] else 0.0


@numba.njit  # not cached: numba's cache would not see a change of the kernels it calls
def _observe(
    glyph_maps,
    blstats,
    messages,
    memory,
    searches_here,
    episode_steps,
    max_episode_steps,
    roles,
    agent,
    psi,
    phi,
):
    """``GameRunner.features``: ``_agent_kernel``, then the features of ``extract_features``."""
    n_envs = blstats.shape[0]
    heard = np.empty(n_envs)
    flags = np.empty((n_envs, len(AGENT_FEATURES)))
    _agent_kernel(blstats, agent, heard, flags)
    _feature_kernel(
        glyph_maps, blstats, messages, memory, searches_here, heard, episode_steps,
        max_episode_steps, roles, flags, agent[5], psi, phi,
    )  # fmt: skip
    _corpse_directions(blstats, agent, phi)
    _refused_moves(blstats, agent, phi)
    _shop_door(blstats, agent, phi)


@numba.njit  # not cached (see _observe)
def _corpse_directions(blstats, agent, phi):
    """φ's ``corpse_to_eat``: the directions of fresh corpses safe to eat, not Satiated.

    A neighbouring square's corpse seen to fall (``food.fresh_corpse``, on
    ``GameRunner.corpses``); not Satiated is NetHack's hunger state ≥ 1 (blstats 21).
    """
    corpses = agent[5]
    height, width = corpses[0].shape[1:]
    for e in range(blstats.shape[0]):
        if blstats[e, 21] < 1:
            continue
        for d in range(N_DIRECTIONS):
            y, x = blstats[e, 1] + DIRECTIONS[d][0], blstats[e, 0] + DIRECTIONS[d][1]
            inside = 0 <= y < height and 0 <= x < width
            if inside and fresh_corpse(corpses, e, y, x, blstats[e, 20]):
                phi[e, d, _CORPSE_TO_EAT] = 1.0


@numba.njit  # not cached (see _observe)
def _refused_moves(blstats, agent, phi):
    """Moves NetHack refused from a square read as walls (withheld) whenever the agent stands there.

    The record is of the last square a move was refused from: it holds when the agent steps away
    and comes back, until a refusal on another square replaces it.

    ``GameRunner.refused``: dungeon, level, y, x and three bits per direction: refused for
    good (bits 0–7: a diagonal through a doorway, a squeeze), while a monster stands there (bits
    8–15: "Really attack?" — a peaceful one walks on, and the way it blocked opens again), while
    the door there stands closed (bits 16–23: "This door is locked." — kicked open, it is a way
    on; a policy walked to and fro beside a broken door read as a wall for 2,000 steps). A
    locked door stays one to kick (``locked_door``) after its message is gone.
    """
    refused = agent[11]
    for e in range(blstats.shape[0]):
        if not _stands_on(refused, blstats, e):
            continue
        bits = refused[e, 4]
        for d in range(N_DIRECTIONS):
            fixed = (bits >> d) & 1
            peaceful = (bits >> (N_DIRECTIONS + d)) & 1 and phi[e, d, _KIND_MONSTER] > 0
            locked = (bits >> (2 * N_DIRECTIONS + d)) & 1 and phi[e, d, _KIND_CLOSED_DOOR] > 0
            if fixed or peaceful or locked:
                phi[e, d, _KIND_WALL] = 1.0
            if locked:
                phi[e, d, _LOCKED_DOOR] = 1.0


@numba.njit  # not cached (see _observe)
def _shop_door(blstats, agent, phi):
    """φ's ``locked_door`` is 0 next to a shop closed for inventory: its door is never kicked.

    The agent stands where it read "Closed for inventory" (``GameRunner.shop_front``: dungeon,
    level, y, x), which NetHack engraves right in front of the shop's locked door; a broken
    shop door sends the shopkeeper after the agent. Only the four straight directions: a door
    is never entered diagonally.
    """
    front = agent[10]
    for e in range(blstats.shape[0]):
        if _stands_on(front, blstats, e):
            for d in range(4):  # N, E, S, W
                phi[e, d, _LOCKED_DOOR] = 0.0


@numba.njit  # not cached (see _observe)
def _stands_on(square, blstats, e):
    """Whether game e's agent stands on ``square[e, :4]`` (dungeon, level, y, x)."""
    return (
        square[e, 0] == blstats[e, 23]
        and square[e, 1] == blstats[e, 24]
        and square[e, 2] == blstats[e, 1]
        and square[e, 3] == blstats[e, 0]
    )


@numba.njit  # not cached (see _observe)
def _observe_and_sample(observed, policy, scratch, uniforms, actions, psi_out, phi_out):
    """One rollout step's ``features`` and ``sample_policy`` in one call (the same numbers).

    ``observed``: ``_observe``'s arguments but ψ and φ (``GameRunner._observed``); ``policy``:
    ``policy_kernel.kernel_weights``; ``scratch``: ψ, φ and π arrays of the right shapes; the
    actions drawn with ``uniforms`` go to ``actions``, ψ and φ to the batch's rows ``psi_out``
    and ``phi_out`` (float32).
    """
    psi, phi, probabilities = scratch
    psi[:] = 0.0
    phi[:] = 0.0
    _observe(*observed, psi, phi)
    _policy_kernel(psi, phi, *policy, uniforms, actions, probabilities)
    for e in range(psi.shape[0]):
        for k in range(psi.shape[1]):
            psi_out[e, k] = psi[e, k]
        for d in range(phi.shape[1]):
            for k in range(phi.shape[2]):
                phi_out[e, d, k] = phi[e, d, k]
