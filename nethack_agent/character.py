"""The character of a NetHack game (role, race, gender, alignment), read from what the game shows.

NetHack greets every new game with one line (``allmain.c`` ``welcome()``)::

    Hello Agent, welcome to NetHack!  You are a neutral male human Monk.

— the alignment, then the gender adjective only for roles without a female name of their own
(a "Cavewoman" or "Priestess" needs none) and able to be of either (never for a Valkyrie),
the race adjective and the role. Where the greeting
is gone before the agent sees the screen (NLE's NetHackScore dismisses ``--More--`` for the
agent, and the first observation can already show a later line), the role is read from the rank
title on the status line ("Agent the Candidate" — each role has its own titles, ``role.c``) and
the alignment from ``blstats``; race and gender then stay unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from nle import nethack

__all__ = [
    "ALIGNMENTS",
    "RACES",
    "ROLES",
    "Character",
    "character_from_status",
    "parse_welcome",
    "read_character",
]

ROLES = (
    "Archeologist",
    "Barbarian",
    "Caveman",
    "Healer",
    "Knight",
    "Monk",
    "Priest",
    "Rogue",
    "Ranger",
    "Samurai",
    "Tourist",
    "Valkyrie",
    "Wizard",
)
"""NetHack's thirteen roles (the male form of each name)."""
RACES = ("human", "elf", "dwarf", "gnome", "orc")
ALIGNMENTS = ("lawful", "neutral", "chaotic")
_FEMALE_ROLE_NAMES = {"Cavewoman": "Caveman", "Priestess": "Priest"}
_RACE_ADJECTIVES = {
    "human": "human",
    "elven": "elf",
    "dwarven": "dwarf",
    "gnomish": "gnome",
    "orcish": "orc",
}
_WELCOME = re.compile(
    r"You are an? (lawful|neutral|chaotic) (?:(male|female|neuter) )?"
    r"(human|elven|dwarven|gnomish|orcish) ([A-Z][a-z]+)\."
)
_RANK_TITLES = {
    # role.c: the titles of experience levels 1-2 and 3-5, male/female where they differ.
    "Digger": "Archeologist",
    "Field Worker": "Archeologist",
    "Plunderer": "Barbarian",
    "Plunderess": "Barbarian",
    "Pillager": "Barbarian",
    "Troglodyte": "Caveman",
    "Aborigine": "Caveman",
    "Rhizotomist": "Healer",
    "Empiric": "Healer",
    "Gallant": "Knight",
    "Esquire": "Knight",
    "Candidate": "Monk",
    "Novice": "Monk",
    "Aspirant": "Priest",
    "Acolyte": "Priest",
    "Footpad": "Rogue",
    "Cutpurse": "Rogue",
    "Tenderfoot": "Ranger",
    "Lookout": "Ranger",
    "Hatamoto": "Samurai",
    "Ronin": "Samurai",
    "Rambler": "Tourist",
    "Sightseer": "Tourist",
    "Stripling": "Valkyrie",
    "Skirmisher": "Valkyrie",
    "Evoker": "Wizard",
    "Conjurer": "Wizard",
}
_TITLE = re.compile(rb"the ([A-Z][a-z]+(?: [A-Z][a-z]+)?) ")
_ALIGNMENT_OF_BLSTAT = {1: "lawful", 0: "neutral", -1: "chaotic"}


@dataclass(frozen=True)
class Character:
    """Who the agent plays; "" for what could not be read."""

    role: str = ""
    """one of ``ROLES``"""
    race: str = ""
    """one of ``RACES``"""
    gender: str = ""
    """"male", "female" or ""."""
    alignment: str = ""
    """one of ``ALIGNMENTS``"""


def parse_welcome(text: str) -> Character | None:
    """The character named by NetHack's welcome line, or None if ``text`` holds none.

    Args:
        text: a message line, e.g. "Hello Agent, welcome to NetHack!  You are a lawful female
            dwarvish Valkyrie.".

    Returns:
        The character; the gender of a role with a gendered name (Cavewoman, Priestess) is
        read from the name.

    Example:
        >>> parse_welcome("Velkommen Agent, welcome to NetHack!  You are a neutral female "
        ...               "human Valkyrie.").role
        'Valkyrie'
    """
    found = _WELCOME.search(text)
    if found is None:
        return None
    alignment, gender, race, role = found.groups()
    if role in _FEMALE_ROLE_NAMES:
        role, gender = _FEMALE_ROLE_NAMES[role], "female"
    elif role in ("Caveman", "Priest") and gender is None:
        gender = "male"
    elif role == "Valkyrie":
        gender = "female"  # the only role of one gender: the greeting omits it
    if role not in ROLES:
        return None
    return Character(role, _RACE_ADJECTIVES[race], gender or "", alignment)


def character_from_status(status_line: bytes, alignment: int) -> Character:
    """The role from the rank title on the status line, the alignment from ``blstats``.

    Args:
        status_line: the first status line of the terminal, e.g. b"Agent the Candidate  St:..".
        alignment: ``blstats[NLE_BL_ALIGN]`` (1 lawful, 0 neutral, -1 chaotic).

    Returns:
        The character with the role ("" if the title is not a low-level one) and alignment.
    """
    found = _TITLE.search(status_line)
    role = "" if found is None else _RANK_TITLES.get(found.group(1).decode(), "")
    return Character(role=role, alignment=_ALIGNMENT_OF_BLSTAT.get(int(alignment), ""))


def read_character(
    messages: Sequence[bytes], tty_chars: np.ndarray, blstats: np.ndarray
) -> Character:
    """The character of a game from what it showed before and at its first move.

    Args:
        messages: the message lines shown so far (the game driver keeps those of the opening,
            before the first ``--More--`` was dismissed; NLE's ``message`` of the first
            observation).
        tty_chars: NLE ``tty_chars`` (24, 80) uint8 (the welcome may sit on its top line, and
            the status line is on row 22).
        blstats: NLE ``blstats``.

    Returns:
        The welcome's character, or the status line's when no welcome is found.
    """
    for line in (*messages, tty_chars[0].tobytes()):
        character = parse_welcome(line.rstrip(b"\0").decode("ascii", "replace"))
        if character is not None:
            return character
    return character_from_status(tty_chars[22].tobytes(), blstats[nethack.NLE_BL_ALIGN])
