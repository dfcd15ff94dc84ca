"""Which corpses are safe to eat: fresh ones the agent killed itself, of harmless monsters.

NetHack's ``eat.c``: a corpse older than about 50 turns may be tainted ("You feel deathly
sick", fatal without a cure) and rotten food can paralyse; so the agent eats only corpses of
monsters it killed itself at most ``FRESH_TURNS`` turns ago, on that very square (the ones it
cannot date stay uneaten). Harmful corpses, by NetHack's own monster flags (``monflag.h``):
poisonous (``M1_POIS``: Str or HP loss) and acidic (``M1_ACID``); undead (old, tainted);
lycanthropes (``M2_WERE``); humans (``M2_HUMAN``) and the hero's own race (``M2_ELF``,
``M2_DWARF``, ``M2_GNOME``; an orc may eat orcs — cannibalism costs Luck, which makes prayers
fail; a race not read excludes all five); pets' kinds (``M2_DOMESTIC``: aggravate monster);
and by name the petrifying and slimy ones (cockatrice, chickatrice, Medusa, green slime). A
Monk is a vegetarian ("You feel guilty." costs alignment, and a prayer with a negative
alignment is not answered): it eats only fungi, blobs and jellies (``vegan`` in NetHack's
``mondata.h``, as far as these levels go).
"""

from __future__ import annotations

import re
from functools import cache

from nle import nethack

__all__ = ["FRESH_TURNS", "corpse_on_offer", "safe_corpses"]

FRESH_TURNS = 30
"""A corpse this many turns old or younger is fresh (tainting starts at 50 turns)."""
_M1_ACID, _M1_POIS = 0x08000000, 0x10000000
_M2_UNSAFE = 0x2 | 0x4 | 0x8 | 0x400000
"""M2_UNDEAD, M2_WERE, M2_HUMAN, M2_DOMESTIC."""
_M2_RACES = {"human": 0, "elf": 0x10, "dwarf": 0x20, "gnome": 0x40, "orc": 0}
"""The flag of the hero's own race (humans: in _M2_UNSAFE; orcs may eat orcs); unread: all."""
_VEGAN_CLASSES = ("\x02", "\n", " ")
"""Monster classes (``mlet``) of NetHack's S_BLOB, S_JELLY and S_FUNGUS."""
_UNSAFE_NAMES = ("cockatrice", "chickatrice", "Medusa", "green slime")
_OFFER = re.compile(rb"There (?:is an?|are \d+) (.+?) corpses? here; eat (?:it|one)\?")


@cache
def safe_corpses(race: str = "", role: str = "") -> frozenset[str]:
    """Names of the monsters whose fresh corpses are safe to eat (see the module's rules).

    Args:
        race: the hero's race (``character.RACES``), "" if not read.
        role: the hero's role (``character.ROLES``), "" if not read.
    """
    unsafe = _M2_UNSAFE | _M2_RACES.get(race, 0x10 | 0x20 | 0x40 | 0x80)
    safe = set()
    for index in range(nethack.NUMMONS):
        monster = nethack.permonst(index)
        harmful = (monster.mflags1 & (_M1_ACID | _M1_POIS)) or (monster.mflags2 & unsafe)
        meat = monster.mlet not in _VEGAN_CLASSES
        if not harmful and monster.mname not in _UNSAFE_NAMES and not (role == "Monk" and meat):
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
