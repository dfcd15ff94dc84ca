"""Screens that wait for a key: ``--More--``, menus, questions, text prompts — and the watchdog.

On NetHackChallenge nothing is answered for the agent (NLE's ``allow_all_modes``): after every
action the game may wait at a ``--More--``, a menu (an object list, "Pick up what?"), a yes/no
question ("Really attack the shopkeeper?", "Do you want your possessions identified?") or a
line of text ("Call a …:"). ``screen_key`` reads the terminal as a player would and names the
key that gets past it: RETURN at ``--More--``, ESC anywhere else (ESC answers "no" or "quit" to
a question, closes a menu, cancels a text prompt). The agent's own questions (which food, which
direction, pray or not) are answered before this by ``GameRunner``.

The watchdog: a screen this list does not know could still hold the game. When the game clock
has not moved for ``WATCHDOG_KEYS`` key presses in a row, ``GameRunner`` presses ESC before the
agent's next action, and after ``WATCHDOG_TURN_KEYS`` it also searches once (a turn passes);
NLE's no-progress timeout (10,000 keys) remains the last resort.
"""

from __future__ import annotations

import re

from nle import nethack

__all__ = [
    "MORE",
    "ESC",
    "answered",
    "SEARCH",
    "WATCHDOG_KEYS",
    "WATCHDOG_TURN_KEYS",
    "screen_key",
    "waiting_screen",
]

MORE = int(nethack.MiscAction.MORE)
"""RETURN: dismisses ``--More--``."""
ESC = int(nethack.Command.ESC)
SEARCH = int(nethack.Command.SEARCH)
"""``s``: search the adjacent squares for one turn (the game clock moves)."""
WATCHDOG_KEYS = 50
"""Key presses without the game clock moving after which the watchdog presses ESC."""
WATCHDOG_TURN_KEYS = 200
"""Key presses without the game clock moving after which the watchdog also searches once (a
turn passes) before the agent's action: a policy that keeps choosing actions that pass no time
("You don't have anything to eat.", a kick it cannot make) would otherwise run into NLE's
no-progress timeout."""
_MORE_TEXT = b"--More--"
_MENU_END = re.compile(rb"\((?:end|\d+ of \d+)\)")
_QUESTION = re.compile(rb"\? *(?:\[[^\]]*\] *(?:\(\w\) *)?)?$|\[[ynaq#\-]+\]")
_ANSWERED = re.compile(rb"\[[ynaq#\-]+\] *(?:\(\w\))? *\S$")


def answered(message: bytes) -> bool:
    """Whether ``message`` is a yes/no question NetHack has already taken its answer to.

    NetHack echoes the key after the question ("Really attack the gnome? [yn] (n) n"; ESC
    echoes the default), and NLE's message keeps showing the line until the next message is
    printed: nothing waits for a key any more. Read as waiting, it was answered a second time,
    and a second ``n`` is a move south-east: after "Really attack?" 14,476 times in 200 games
    of a trained policy, 13 of them into a floating eye (the twenty-fifth session).

    Example:
        >>> answered(b"Really attack the gnome? [yn] (n) n"), answered(b"Really attack? [yn] (n) ")
        (True, False)
    """
    return _ANSWERED.search(message.rstrip(b"\0")) is not None


def waiting_screen(message: bytes, tty_text: bytes) -> str:
    """What the screen waits for: "more", "menu", "question" or "" (the map, ready for a move).

    Args:
        message: NLE ``message``, NUL-padded.
        tty_text: NLE ``tty_chars`` as bytes (24 × 80).

    Returns:
        The kind of screen.
    """
    if _MORE_TEXT in tty_text:
        return "more"
    if _MENU_END.search(tty_text) is not None:
        return "menu"
    if _QUESTION.search(message.rstrip(b"\0 ")) is not None and not answered(message):
        return "question"
    return ""


def screen_key(message: bytes, tty_text: bytes) -> int | None:
    """The key that gets past the waiting screen, or None when the game waits for a move.

    Example:
        >>> screen_key(b"Really attack the watchman? [yn] (n)", b"") == ESC
        True
    """
    kind = waiting_screen(message, tty_text)
    if kind == "more":
        return MORE
    return ESC if kind else None
