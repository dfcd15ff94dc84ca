"""How a NetHack game ended: the cause of death from NetHack's own xlogfile.

When a game ends, NetHack appends one line to its ``xlogfile`` (``topten.c``
``writexlentry``): tab-separated ``key=value`` fields, among them ``death`` ("killed by a
jackal", "choked on a food ration", "starvation"…), ``role``, ``race``, ``gender``, ``align``,
``maxlvl`` and ``points``. NLE keeps that file in each game's private directory. A game that NLE
ends itself (the key cap, the no-progress timeout) is quit there (``death=quit``): the agent was
still alive. A death while the hero could not act gets a ``while`` field ("fainted from lack of
food", "frozen by a monster's gaze"; the tombstone's "killed by a sewer rat, while fainted from
lack of food"): the monster named is then seldom the cause, so ``helpless_reason`` keeps it
apart.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "ALIVE",
    "death_cause",
    "helpless_reason",
    "last_xlog_entry",
    "parse_xlog_line",
    "tally_causes",
]

ALIVE = "alive"
"""The cause of a game that ended with the agent alive (key cap, no-progress timeout)."""
_SUFFIXES = re.compile(r", while .*$| \(with the Amulet\)$")
_WHILE = re.compile(r", while (.*?)(?: \(with the Amulet\))?$")
_NAMED = re.compile(r" (called|named) .*$")
_GOD = re.compile(r"^killed by (the wrath of|a minion of) ")
_TAIL_BYTES = 16384


def parse_xlog_line(line: str) -> dict[str, str]:
    """The fields of one xlogfile line.

    Args:
        line: ``key=value`` fields separated by tabs.

    Returns:
        ``{key: value}``.
    """
    return dict(field.split("=", 1) for field in line.rstrip("\n").split("\t") if "=" in field)


def last_xlog_entry(path: str | Path) -> dict[str, str]:
    """The last game recorded in an xlogfile, ``{}`` if the file is missing or empty.

    Only the file's tail is read (an entry is a few hundred bytes; the file holds every game
    its NetHack has played).
    """
    try:
        with open(path, "rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _TAIL_BYTES))
            lines = file.read().decode(errors="replace").splitlines()
    except OSError:
        return {}
    return parse_xlog_line(lines[-1]) if lines else {}


def death_cause(death: str) -> str:
    """The cause of death of a ``death`` field, grouped for a table.

    - "quit" (NLE quit the game: the agent was alive) → ``ALIVE``;
    - the monster's given name and the circumstances go: "killed by a jackal, while
      helpless" → "killed by a jackal", "killed by a dog named Hachi" → "killed by a dog";
    - the god's anger after a prayer at the wrong time ("killed by the wrath of Anu", "… by a
      minion of Set") → "killed by an angry god (prayer)";
    - everything else as NetHack wrote it ("choked on a food ration", "starvation").

    Args:
        death: the xlogfile's ``death`` field.

    Returns:
        The cause.
    """
    death = death.strip()
    if death in ("quit", ""):
        return ALIVE
    death = _NAMED.sub("", _SUFFIXES.sub("", death))
    if _GOD.match(death):
        return "killed by an angry god (prayer)"
    return death


def helpless_reason(entry: dict[str, str]) -> str:
    """What kept the hero from acting when it died, "" if nothing did.

    NetHack 3.6 writes it to the xlogfile's ``while`` field; a ``death`` text in the
    tombstone's form ("…, while fainted from lack of food") gives it too.

    Example:
        >>> helpless_reason({"death": "killed by a newt", "while": "fainted from lack of food"})
        'fainted from lack of food'
    """
    found = _WHILE.search(entry.get("death", "").strip())
    return entry.get("while", "") or ("" if found is None else found.group(1))


def tally_causes(causes: Iterable[str]) -> list[dict[str, int | str]]:
    """``[{"cause", "games"}, …]``, most frequent first (ties in alphabetical order)."""
    counts = Counter(causes)
    return [
        {"cause": cause, "games": games}
        for cause, games in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
