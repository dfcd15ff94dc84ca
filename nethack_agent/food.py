"""Which corpses are safe to eat: fresh ones the agent killed itself, of harmless monsters.

NetHack's ``eat.c``: a corpse older than about 50 turns may be tainted ("You feel deathly
sick", fatal without a cure) and rotten food can paralyse; so the agent eats only corpses of
monsters it killed itself at most ``FRESH_TURNS`` turns ago, on that very square (the ones it
cannot date stay uneaten). Harmful corpses, by NetHack's own monster flags (``monflag.h``):
poisonous (``M1_POIS``: Str or HP loss) and acidic (``M1_ACID``); undead (old, tainted);
lycanthropes (``M2_WERE``); the character's own race (``M2_HUMAN``, ``M2_ELF``, ``M2_DWARF``,
``M2_GNOME`` or ``M2_ORC``: cannibalism costs 2–5 Luck, which makes prayers fail — ``eat.c``
``maybe_cannibal``; Cavemen and orcs may, ``CANNIBAL_ALLOWED``), every player race while the
race is unknown; pets' kinds (``M2_DOMESTIC``: aggravate monster); and by name the petrifying
and slimy ones (cockatrice, chickatrice, Medusa, green slime), the mimics (``cpostfx``: the eater
mimics a pile of gold, helpless for up to 50 turns) and the shapeshifters (chameleon,
doppelganger: a polymorph, and its system shock can kill). A human Samurai may eat the
gnomes and dwarves of the Gnomish Mines; a gnomish Wizard, the dwarves but not the gnomes.
"""

from __future__ import annotations

import re
from functools import cache

from nle import nethack

__all__ = ["FRESH_TURNS", "corpse_on_offer", "safe_corpses"]

FRESH_TURNS = 30
"""A corpse this many turns old or younger is fresh (tainting starts at 50 turns)."""
_M1_ACID, _M1_POIS = 0x08000000, 0x10000000
_M2_UNSAFE = 0x2 | 0x4 | 0x400000
"""M2_UNDEAD, M2_WERE, M2_DOMESTIC."""
_M2_RACE = {"human": 0x8, "elf": 0x10, "dwarf": 0x20, "gnome": 0x40, "orc": 0x80}
"""Each player race's flag (``monflag.h``: M2_HUMAN … M2_ORC)."""
_UNSAFE_NAMES = (
    "cockatrice",
    "chickatrice",
    "Medusa",
    "green slime",
    "small mimic",
    "large mimic",
    "giant mimic",
    "chameleon",
    "doppelganger",
)
_OFFER = re.compile(rb"There (?:is an?|are \d+) (.+?) corpses? here; eat (?:it|one)\?")


@cache
def safe_corpses(race: str = "", role: str = "") -> frozenset[str]:
    """Names of the monsters whose fresh corpses are safe to eat (see the module's rules).

    Args:
        race: the character's race ("human", "elf", "dwarf", "gnome", "orc"), or "" if unknown
            (then no player race's corpse is safe).
        role: the character's role ("Caveman" may eat its own kind), or "".

    Example:
        >>> "gnome" in safe_corpses("human", "Samurai"), "gnome" in safe_corpses("gnome", "Wizard")
        (True, False)
    """
    if role == "Caveman" or race == "orc":
        own_kind = 0  # CANNIBAL_ALLOWED
    else:
        own_kind = _M2_RACE[race] if race else sum(_M2_RACE.values())
    safe = set()
    for index in range(nethack.NUMMONS):
        monster = nethack.permonst(index)
        harmful = (monster.mflags1 & (_M1_ACID | _M1_POIS)) or (
            monster.mflags2 & (_M2_UNSAFE | own_kind)
        )
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
