"""The reference: a NetHack game through NLE's own gymnasium environment, same face as the driver.

``GymGame`` plays a task through ``gymnasium.make`` (``NetHackScore-v0``) or NLE's
``NetHackChallenge`` class and offers what ``nethack_agent.game.NetHackGame`` offers (``seed``,
``reset``, ``press``, ``observation``, ``ttyrec``), copying each observation into the caller's
arrays. It is the yardstick the driver is tested against key for key, and ``--env-api gym``.

NetHackChallenge refuses to be seeded (its ``set_initial_seeds`` is replaced by a function that
raises). Here the instance's replacement is deleted, which restores ``Nethack``'s own method:
the game is then the official class's in every respect but the seeding.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gymnasium as gym
import nle  # noqa: F401  (registers the NetHack environments with gymnasium)
import numpy as np
from gymnasium.envs.registration import EnvSpec
from nle import nethack

from nethack_agent.game.tasks import CHALLENGE, TaskSettings

_IN_GETLIN = 2  # index into NLE's ``internal`` observation (win/rl/winrl.cc)

__all__ = ["GymGame", "make_gym_env", "settings_of"]


def make_gym_env(
    settings: TaskSettings,
    observation_keys: Sequence[str],
    *,
    savedir: str | None = None,
) -> gym.Env:
    """NLE's gym environment of a task, with the settings given (seedable, also the Challenge).

    Args:
        settings: the task; its ``name`` picks NLE's class, the other fields its arguments.
        observation_keys: the observations the environment returns.
        savedir: record every game as an nle ttyrec in this directory, or None.
    """
    kwargs: dict[str, Any] = {"observation_keys": tuple(observation_keys)}
    if savedir is not None:
        kwargs.update(save_ttyrec_every=1, savedir=savedir)
    if settings.name == CHALLENGE.name:
        # The Challenge fixes its keys and wizard mode itself; its other settings are arguments.
        differ = {
            f.name: getattr(settings, f.name)
            for f in dataclasses.fields(TaskSettings)
            if f.name not in ("name", "actions", "wizard", "max_episode_steps")
        }
        if set(settings.actions) != set(CHALLENGE.actions) or settings.wizard:
            raise ValueError("NetHackChallenge-v0 plays the whole keyboard, without wizard mode")
        env = gym.make(_spec(settings), **kwargs, **differ)
        for name in ("set_initial_seeds", "set_current_seeds", "get_current_seeds"):
            vars(env.unwrapped.nethack).pop(name)  # the class's own methods come back
        return env
    fields = {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(TaskSettings)
        if f.name not in ("name", "no_progress_timeout", "max_episode_steps")
    }
    if settings.no_progress_timeout is not None:
        raise ValueError(f"{settings.name} has no no-progress timeout; only the Challenge does")
    fields["actions"] = tuple(fields["actions"])
    fields["options"] = tuple(fields["options"])
    return gym.make(_spec(settings), **kwargs, **fields)


def _spec(settings: TaskSettings) -> EnvSpec:
    """The task's registered spec with NLE's own key limit among its arguments.

    ``gym.make(id, max_episode_steps=n)`` would not reach NLE: it wraps the environment in
    gymnasium's ``TimeLimit``, which only flags ``truncated`` while NLE plays on to its default
    5,000 keys.
    """
    spec = gym.spec(settings.name)
    return dataclasses.replace(
        spec, kwargs={**spec.kwargs, "max_episode_steps": settings.max_episode_steps}
    )


def settings_of(env: gym.Env) -> TaskSettings:
    """The ``TaskSettings`` an NLE gym environment plays by, read from its attributes."""
    task = env.unwrapped
    options = task.nethack.options
    return TaskSettings(
        name=env.spec.id if env.spec is not None else type(task).__name__,
        character=task.character,
        actions=tuple(int(key) for key in task.actions),
        allow_all_yn_questions=task._allow_all_yn_questions,
        allow_all_modes=task._allow_all_modes,
        max_episode_steps=int(task._max_episode_steps),
        no_progress_timeout=getattr(task, "no_progress_timeout", None),
        penalty_mode=task.penalty_mode,
        penalty_step=task.penalty_step,
        penalty_time=task.penalty_time,
        # Nethack appends the player's name (and, for "@", random race etc.) to the options.
        options=tuple(itertools.takewhile(lambda o: not o.startswith("name:"), options)),
        wizard=task.nethack._wizard,
        spawn_monsters=True,  # NLE keeps no record of it; both tasks use the default
        fix_moon_phase=False,  # nor of this (the classes' default: the wall clock)
    )


class GymGame:
    """A NetHack game through NLE's gym environment, with ``NetHackGame``'s methods.

    Args:
        settings: the task.
        observation_keys: the observations to keep in ``observation``.
        buffers: arrays to copy these observations into, by key (missing ones are allocated).
        savedir: record every game as an nle ttyrec in this directory, or None.
        make_env: builds the environment from (settings, observation_keys, savedir=...);
            default ``make_gym_env`` (tests inject failing ones).
    """

    def __init__(
        self,
        settings: TaskSettings,
        *,
        observation_keys: Sequence[str] = ("glyphs", "blstats", "message"),
        buffers: Mapping[str, np.ndarray] | None = None,
        savedir: str | None = None,
        make_env: Callable[..., gym.Env] | None = None,
    ):
        self.settings = settings
        buffers = dict(buffers or {})
        self.observation = {
            key: buffers[key] if key in buffers else np.zeros(**nethack.OBSERVATION_DESC[key])
            for key in observation_keys
        }
        self.env = (make_env or make_gym_env)(settings, observation_keys, savedir=savedir)
        self._index = {int(key): i for i, key in enumerate(self.env.unwrapped.actions)}
        self.steps = 0
        self.ttyrec = ""
        self.opening_messages: tuple[bytes, ...] = ()  # the gym environment does not show them

    def seed(self, core: int, disp: int, *, reseed: bool = False, lgen: int | None = None) -> None:
        """Seed NetHack's generators for the next ``reset``."""
        self.env.unwrapped.nethack.set_initial_seeds(core, disp, reseed, lgen)

    def reset(self) -> None:
        """Start a new game."""
        observation, _ = self.env.reset()
        self._store(observation)
        self.steps = 0
        nethack_game = self.env.unwrapped
        self.ttyrec = nethack_game.nethack._ttyrec if nethack_game.savedir else ""

    def press(self, key: int) -> tuple[float, bool, int]:
        """Press one key: (reward, game over, end status), as ``NetHackGame.press``."""
        if key not in self._index:
            raise ValueError(f"key {key} is not one of the task's actions")
        observation, reward, done, _, info = self.env.step(self._index[key])
        self._store(observation)
        self.steps += 1
        return float(reward), bool(done), int(info["end_status"])

    def _store(self, observation: dict[str, np.ndarray]) -> None:
        # NLE reuses its buffers between steps: copy.
        for key, array in self.observation.items():
            array[...] = observation[key]

    def how_done(self) -> int:
        """How the last game ended: NetHack's code (``nethack.DIED``, ``QUIT``, ``CHOKING``…)."""
        return self.env.unwrapped.nethack.how_done()

    def in_text_prompt(self) -> bool:
        """Whether NetHack waits for a line of text ("Call a ruby potion:")."""
        task = self.env.unwrapped
        return bool(task.last_observation[task._internal_index][_IN_GETLIN])

    def close(self) -> None:
        """Close the environment."""
        self.env.close()
