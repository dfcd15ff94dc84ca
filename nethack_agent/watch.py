"""Watch a trained policy play one seeded game in the terminal, step by step."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from nethack_agent.actions import ACTION_NAMES
from nethack_agent.checkpoint import load_checkpoint
from nethack_agent.envs import GameRunner
from nethack_agent.evaluate import key_cap

__all__ = ["watch"]

_CLEAR = "\x1b[H\x1b[2J"


def _screen(runner: GameRunner) -> str:
    """The terminal of the runner's game as 24 lines of text."""
    return "\n".join(row.tobytes().decode("ascii", "replace") for row in runner.tty_chars[0])


def watch(
    run_dir: str | Path,
    *,
    seed: int = 7,
    policy: str = "sampled",
    delay: float = 0.1,
    max_steps: int | None = None,
    out: TextIO | None = None,
    env_api: str = "nle",
    env_id: str | None = None,
) -> int:
    """Play the game seeded ``seed`` with the run's policy, drawing the screen after every step.

    Each frame shows NetHack's 24x80 terminal (message line, map, status lines) after the
    step, then the step number, the action the policy took and the probability it gave that
    action. The last frame is the screen the game ended on, followed by how it ended ("death:
    killed by a jackal", "key cap: alive", …).

    Args:
        run_dir: a training run directory with a checkpoint.
        seed: the game's seed (as in ``evaluate``: NetHack core = disp = seed).
        policy: "sampled" or "greedy".
        delay: seconds to wait between frames.
        max_steps: stop after this many steps (None: play to the end of the game).
        out: where to draw (default stdout; frames are separated by an ANSI clear-screen on
            terminals).
        env_api: "nle" (the low-level game driver) or "gym" (NLE's gym class).
        env_id: the NLE task (default: the one the run was trained on).

    Returns:
        The game's final in-game score.
    """
    if policy not in ("sampled", "greedy"):
        raise ValueError(f"policy must be 'sampled' or 'greedy', got {policy!r}")
    if delay < 0:
        raise ValueError(f"delay must be >= 0, got {delay}")
    out = sys.stdout if out is None else out
    state = load_checkpoint(run_dir)
    env_id = env_id or state.config.env_id
    runner = GameRunner(
        env_id,
        1,
        episode_seeds=[seed],
        max_episode_steps=key_cap(env_id, state.config),
        env_api=env_api,
        extra_keys=("tty_chars",),
    )
    clear = _CLEAR if out.isatty() else "\n"
    step = 0
    try:
        out.write(f"{clear}{_screen(runner)}\nstep 0: {runner.env_id}, seed {seed}\n")
        while runner.active[0] and (max_steps is None or step < max_steps):
            time.sleep(delay)
            actions, probabilities = runner.choose(state.params, policy)
            *_, finished, _ = runner.step(actions)
            step += 1
            out.write(
                f"{clear}{_screen(runner)}\nstep {step}  action {ACTION_NAMES[actions[0]]}"
                f"  p = {probabilities[0]:.3f}\n"
            )
            out.flush()
            if finished:
                game = finished[0]
                out.write(
                    f"game over ({game.end}: {game.cause}): {game.role or 'unknown role'}, "
                    f"score {game.score}, depth {game.depth}, {step} steps\n"
                )
                return game.score
        score = int(runner.ep_score[0])
        out.write(f"stopped after {step} steps: score {score}\n")
        return score
    finally:
        runner.close()
