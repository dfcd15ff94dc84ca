"""Digging down with a pick-axe: the ``descend`` action off the stairs, on the Challenge.

Every level deeper is worth 50 points of NetHack's score (``botl_score``: 50 × (deepest level
− 1)), and an Archeologist starts with a pick-axe (a dwarf in the Gnomish Mines often carries
one, or a dwarvish mattock, which digs too). Applied downward (``apply``, its letter, ``>``),
it digs a pit, then a hole the character falls through to a random square of the level below
(``dig.c``: about 5–20 turns with a +0 pick-axe; an interruption — a monster comes into view —
stops it, and applying again goes on where it stopped). So ``descend`` is offered off the
stairs while the character carries one (``GameRunner.dig_letter``), except:

- where NetHack refused the digging (``refusal``): on stairs, an altar or a throne, a boulder
  ("There isn't enough room to dig here."), and on the whole level where the floor is too
  hard (Sokoban, the bottom of the Mines, the Wizard's tower — ``Can_dig_down``);
- with a shopkeeper in view: a hole dug in a shop ("Be careful, sir, or you might fall through
  the floor.") drops the shop's objects through it, and the shopkeeper, robbed, follows with a
  wand of striking (a seeded game ended so in 21 turns).

Applying the pick-axe wields it; once the character has fallen through, the runner wields
again the weapon it held (``w`` and its letter, ``-`` for bare hands): a Samurai's katana
(d10) or a Monk's martial arts beat a pick-axe (d6). An Archeologist keeps it (its d2 bullwhip
is worse; it is skilled in pick-axes).
"""

from __future__ import annotations

from nle import nethack

from nethack_agent.tactics import inventory

__all__ = [
    "APPLY_KEY",
    "APPLY_QUESTION",
    "DIG_QUESTION",
    "SHOPKEEPER_GLYPH",
    "KEEPS_DIGGER",
    "digger_letter",
    "is_digger",
    "refusal",
    "wielded_letter",
]

APPLY_KEY = int(nethack.Command.APPLY)
DIG_QUESTION = b"In what direction do you want to dig?"
"""What NetHack asks after ``apply`` of a digging tool (answered ``>``: down)."""
APPLY_QUESTION = b"What do you want to use or apply?"
KEEPS_DIGGER = ("Archeologist",)
"""Roles that keep the pick-axe wielded after digging (it beats their starting weapon)."""
SHOPKEEPER_GLYPH = nethack.GLYPH_MON_OFF + next(
    index for index in range(nethack.NUMMONS) if nethack.permonst(index).mname == "shopkeeper"
)
_DIGGERS = (b"pick-axe", b"dwarvish mattock", b"broad pick")  # (a mattock unidentified)
_WIELDED = (b"(weapon in hand)", b"(weapons in hands)", b"(wielded")
_LEVEL_REFUSAL = b"here is too hard to dig in"  # the floor of the whole level (Can_dig_down)
_SQUARE_REFUSALS = (
    b"too hard to dig in",  # the stairs
    b"too hard to break apart",  # an altar, a throne
    b"resists your effort",  # a ladder
    b"enough room to dig",  # a boulder
    b"cannot reach the",  # levitating
    b"damage the floor here",  # a shopkeeper's warnings: in a shop after all
    b"might fall through",
)


def is_digger(name: bytes) -> bool:
    """Whether an object's name (an inventory line, a pick-up message) is a digging tool.

    Example:
        >>> is_digger(b"a +0 pick-axe (alternate weapon; not wielded)"), is_digger(b"a dagger")
        (True, False)
    """
    return any(digger in name for digger in _DIGGERS)


def digger_letter(letters, strs) -> int:
    """The letter of a pick-axe or mattock in NLE's ``inv_letters``, ``inv_strs``, or -1."""
    for letter, text in inventory(letters, strs):
        if is_digger(text):
            return letter
    return -1


def wielded_letter(letters, strs) -> int:
    """The letter of the weapon in hand (``-``: bare hands, what ``w -`` wields)."""
    for letter, text in inventory(letters, strs):
        if any(mark in text for mark in _WIELDED):
            return letter
    return ord("-")


def refusal(text: bytes) -> str | None:
    """What a message says of digging down here: "level", "square" (refused) or None."""
    if _LEVEL_REFUSAL in text and b"stairs" not in text:
        return "level"
    if any(words in text for words in _SQUARE_REFUSALS):
        return "square"
    return None
