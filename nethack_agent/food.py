"""Which corpses are safe to eat: fresh ones the agent killed itself, of harmless monsters.

NetHack's ``eat.c``: a corpse older than about 50 turns may be tainted ("You feel deathly
sick", fatal without a cure) and rotten food can paralyse; so the agent eats only corpses of
monsters it killed itself at most ``FRESH_TURNS`` turns ago, on that very square (the ones it
cannot date stay uneaten). Harmful corpses, by NetHack's own monster flags (``monflag.h``):
poisonous (``M1_POIS``: Str or HP loss) and acidic (``M1_ACID``); undead (old, tainted);
lycanthropes (``M2_WERE``); the player races (``M2_HUMAN``, ``M2_ELF``, ``M2_DWARF``,
``M2_GNOME``, ``M2_ORC``: cannibalism costs Luck, which makes prayers fail); pets' kinds
(``M2_DOMESTIC``: aggravate monster); and by name the petrifying and slimy ones (cockatrice,
chickatrice, Medusa, green slime).

From the pack (``pack_food_letter``) no corpse or glob is ever eaten: the agent cannot date it,
and one eaten tainted is fatal (a trained policy carried corpses picked up by a pick-up key
pressed where nothing useful lay, and 13 of 200 games ended "poisoned by a rotted … corpse") —
but for the lichen's and the lizard's (``items.NEVER_ROTS``), which never rot.

Hungry with nothing to eat, the agent walks to the nearest food it has seen on the level
(``food_glyphs``: the features' ``path_item`` then leads there), picks it up and eats it.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
from nle import nethack

from nethack_agent.items import NEVER_ROTS, never_rots, offered_letters, useful_kind
from nethack_agent.tactics import inventory

__all__ = [
    "FRESH_TURNS",
    "corpse_on_offer",
    "food_glyphs",
    "pack_food_letter",
    "safe_corpses",
]

FRESH_TURNS = 30
"""A corpse this many turns old or younger is fresh (tainting starts at 50 turns)."""
_M1_ACID, _M1_POIS = 0x08000000, 0x10000000
_M2_UNSAFE = 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x400000
"""M2_UNDEAD, M2_WERE, M2_HUMAN, M2_ELF, M2_DWARF, M2_GNOME, M2_ORC, M2_DOMESTIC."""
_UNSAFE_NAMES = ("cockatrice", "chickatrice", "Medusa", "green slime")
_PERISHABLE = (b"corpse", b"glob of")
"""Food that rots with age and whose age the pack does not show."""
_OFFER = re.compile(rb"There (?:is an?|are \d+) (.+?) corpses? here; eat (?:it|one)\?")


@cache
def safe_corpses() -> frozenset[str]:
    """Names of the monsters whose fresh corpses are safe to eat (see the module's rules)."""
    safe = set()
    for index in range(nethack.NUMMONS):
        monster = nethack.permonst(index)
        harmful = (monster.mflags1 & (_M1_ACID | _M1_POIS)) or (monster.mflags2 & _M2_UNSAFE)
        if not harmful and monster.mname not in _UNSAFE_NAMES:
            safe.add(monster.mname)
    return frozenset(safe)


def corpse_on_offer(message: bytes) -> str | None:
    """The monster named by NetHack's "There is a newt corpse here; eat it?", or None.

    Example:
        >>> corpse_on_offer(b"There is a jackal corpse here; eat it? [ynq] (n)")
        'jackal'
    """
    found = _OFFER.search(message)
    return None if found is None else found.group(1).decode("ascii", "replace")


def pack_food_letter(question: bytes, letters: np.ndarray, strs: np.ndarray) -> int | None:
    """The pack's food to answer "What do you want to eat? [fg or ?*]" with, or None.

    The first food offered that is no corpse or glob (they may be tainted), read from NLE's
    ``inv_letters`` and ``inv_strs``.

    Example:
        >>> letters = np.array([ord("f"), ord("g")], dtype=np.uint8)
        >>> strs = np.zeros((2, 80), dtype=np.uint8)
        >>> strs[0, :13] = np.frombuffer(b"a newt corpse", dtype=np.uint8)
        >>> strs[1, :13] = np.frombuffer(b"2 food ration", dtype=np.uint8)
        >>> chr(pack_food_letter(b"What do you want to eat? [fg or ?*]", letters, strs))
        'g'
    """
    offered = offered_letters(question)
    for letter, text in inventory(letters, strs):
        lasting = not any(word in text for word in _PERISHABLE)
        lasting = lasting or never_rots(text.decode("ascii", "replace"))
        if letter in offered and lasting:
            return letter
    return None


@cache
def food_glyphs() -> np.ndarray:
    """(``MAX_GLYPH``,) bool: the glyphs of food worth walking to, hungry with nothing to eat.

    What ``items.useful_kind`` picks up as food — but no tin (the runner refuses what it holds:
    "It smells like newt meat. Eat it?" is answered no, as for any corpse it did not kill) and
    no egg (a cockatrice's turns its eater to stone) — and the corpses that never rot
    (``items.NEVER_ROTS``). Every object glyph names the object's true type.
    """
    table = np.zeros(nethack.MAX_GLYPH, dtype=np.bool_)
    for index in range(1, nethack.NUM_OBJECTS):
        name = nethack.OBJ_NAME(nethack.objclass(index))
        if name and name not in ("tin", "egg") and useful_kind(name, "", False) == "food":
            table[nethack.GLYPH_OBJ_OFF + index] = True
    for index in range(nethack.NUMMONS):
        if nethack.permonst(index).mname in NEVER_ROTS:
            table[nethack.GLYPH_BODY_OFF + index] = True
    return table
