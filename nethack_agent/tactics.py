"""What a character does with what it starts with: the runner's reflexes on the Challenge.

Two things NetHack players do from the first turn, applied by the runner (the policy does not
choose them; they change what its actions do), only where the whole keyboard is the agent's:

- **drink a healing potion** when HP falls below a third of the maximum (or to 5 or less): the
  potions the character carries identified — a Healer's four of healing and four of extra
  healing, a Tourist's two of extra healing, a Monk's three of healing;
- **attack from range**: a move into a monster that is surely hostile (below) fires the
  quivered darts, daggers, knives or shuriken (``f``: a Tourist's darts), or, for a Wizard with
  5 Pw, casts its first spell, force bolt (``Z a``, 2d6). A melee move into a peaceful monster
  asks "Really attack?" (answered no); a missile or a spell asks nothing, so they go only at
  monsters NetHack never makes peaceful for this character, with none that may be peaceful, no
  pet and nothing unseen behind it in the line, and never while hallucinating (the map shows
  random monsters), confused or stunned (the direction goes astray).

**Surely hostile** follows NetHack's ``peace_minded`` (``makemon.c``): never a monster that is
always peaceful (the watch, shopkeepers); always one that is always hostile (``M2_HOSTILE``:
jackals, rats, ants, bats, newts…); never one of a race the character's race loves (an elf's
elves, a dwarf's or gnome's dwarves and gnomes); always one of a race it hates (a human's
gnomes and orcs, an elf's or dwarf's orcs, a gnome's humans, an orc's humans, elves and
dwarves — ``role.c``'s ``races``). Every other monster may be peaceful by alignment and chance:
no missile. Gas spores are never shot at (one killed next to the agent explodes on it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from nle import nethack

__all__ = [
    "FORCE_BOLT_ENERGY",
    "SHOT_RANGE",
    "QUAFF_KEY",
    "healing_letter",
    "inventory",
    "clear_shot",
    "ranged_keys",
    "surely_hostile",
    "wants_healing",
]

FORCE_BOLT_ENERGY = 5
"""Pw a force bolt costs (a level-1 spell: 5 × its level)."""
SHOT_RANGE = 12
"""Squares of the line looked along behind the target (a dart that misses flies on)."""
_M2_HUMAN, _M2_ELF, _M2_DWARF, _M2_GNOME, _M2_ORC = 0x8, 0x10, 0x20, 0x40, 0x80
_M2_HOSTILE, _M2_PEACEFUL = 0x100000, 0x200000
_RACE_MASKS = {  # race: (loves, hates), role.c
    "human": (0, _M2_GNOME | _M2_ORC),
    "elf": (_M2_ELF, _M2_ORC),
    "dwarf": (_M2_DWARF | _M2_GNOME, _M2_ORC),
    "gnome": (_M2_DWARF | _M2_GNOME, _M2_HUMAN),
    "orc": (0, _M2_HUMAN | _M2_ELF | _M2_DWARF),
}
_ANY_LOVE = _M2_ELF | _M2_DWARF | _M2_GNOME  # a race not read: any race's love counts
_HEALING = (b"of healing", b"of extra healing", b"of full healing")
_QUIVERED = (b"(at the ready)", b"(in quiver")
_MISSILES = (b"dart", b"dagger", b"knife", b"knives", b"shuriken")
_NEVER_SHOT = frozenset({"gas spore"})
QUAFF_KEY = ord("q")
"""Drink."""
_FIRE, _CAST = ord("f"), ord("Z")


def inventory(letters: np.ndarray, strs: np.ndarray) -> Iterator[tuple[int, bytes]]:
    """``(letter, text)`` of each inventory line of NLE's ``inv_letters`` and ``inv_strs``."""
    for letter, row in zip(letters.tolist(), strs, strict=True):
        if letter:
            yield letter, row.tobytes().split(b"\0", 1)[0]


def wants_healing(hp: int, hp_max: int) -> bool:
    """Whether HP is low enough for a healing potion: below a third of the maximum, or ≤ 5."""
    return hp < hp_max and (3 * hp < hp_max or hp <= 5)


def healing_letter(letters: np.ndarray, strs: np.ndarray) -> int | None:
    """The letter of an identified potion of (extra, full) healing carried, or None.

    Only a name NetHack writes for a known potion counts ("2 uncursed potions of healing"); an
    unidentified "pink potion" never does.
    """
    for letter, text in inventory(letters, strs):
        if b"potion" in text and any(kind in text for kind in _HEALING):
            return letter
    return None


def surely_hostile(monster: int, race: str) -> bool:
    """Whether NetHack never makes monster ``monster`` (an index of ``mons``) peaceful.

    ``race`` is the character's; "" when it was not read: no race's hatred counts, every race's
    love does.
    """
    permonst = nethack.permonst(monster)
    flags = permonst.mflags2
    if flags & _M2_PEACEFUL or permonst.mname in _NEVER_SHOT:
        return False
    if flags & _M2_HOSTILE:
        return True
    loves, hates = _RACE_MASKS.get(race, (_ANY_LOVE, 0))
    return not flags & loves and bool(flags & hates)


def clear_shot(line: Sequence[int], race: str) -> bool:
    """Whether a ranged attack along ``line`` goes only at surely hostile monsters.

    ``line``: the glyphs from the square next to the agent outward, up to ``SHOT_RANGE`` or the
    first wall. The first must show a surely hostile monster; behind it (where a missile that
    misses flies on) no pet, no unseen monster ("I") and no monster that may be peaceful.
    """
    if not line or not nethack.glyph_is_normal_monster(line[0]):
        return False
    for glyph in line:
        if nethack.glyph_is_pet(glyph) or glyph == nethack.GLYPH_INVISIBLE:
            return False
        if nethack.glyph_is_normal_monster(glyph) and not surely_hostile(
            nethack.glyph_to_mon(glyph), race
        ):
            return False
    return True


def ranged_keys(
    role: str, energy: int, letters: np.ndarray, strs: np.ndarray
) -> tuple[int, ...] | None:
    """The keys before the direction that attack from range instead of in melee, or None.

    ``f`` when darts, daggers, knives or shuriken are quivered; else, for a Wizard with at
    least ``FORCE_BOLT_ENERGY`` Pw, ``Z a`` (its first spell is force bolt).
    """
    for _, text in inventory(letters, strs):
        if any(mark in text for mark in _QUIVERED) and any(m in text for m in _MISSILES):
            return (_FIRE,)
    if role == "Wizard" and energy >= FORCE_BOLT_ENERGY:
        return (_CAST, ord("a"))
    return None
