"""Which corpses are safe to eat: fresh ones, seen to fall, of harmless monsters.

NetHack's ``eat.c``: a corpse older than about 50 turns may be tainted ("You feel deathly
sick", fatal without a cure) and rotten food can paralyse; so the agent eats only corpses it
saw appear at most ``FRESH_TURNS`` turns ago (``CorpseWatch``: where a monster stood, its own
corpse now lies — killed by the agent, its pet or anything else), and leaves the ones it
cannot date. Harmful corpses, by NetHack's own monster flags (``monflag.h``):
poisonous (``M1_POIS``: Str or HP loss) and acidic (``M1_ACID``); undead (old, tainted);
lycanthropes (``M2_WERE``); the player races (``M2_HUMAN``, ``M2_ELF``, ``M2_DWARF``,
``M2_GNOME``, ``M2_ORC``: cannibalism costs Luck, which makes prayers fail); pets' kinds
(``M2_DOMESTIC``: aggravate monster); and by name the petrifying and slimy ones (cockatrice,
chickatrice, Medusa, green slime).

From the pack (``pack_food_letter``) no corpse or glob is ever eaten: the agent cannot date it,
and one eaten tainted is fatal (a trained policy carried corpses picked up by a pick-up key
pressed where nothing useful lay, and 13 of 200 games ended "poisoned by a rotted … corpse") —
but for the lichen's and the lizard's (``items.NEVER_ROTS``), which never rot. A tin comes last
(opening one can take 50 turns); what it holds never rots, and is eaten if of a safe kind or
spinach (``tin_content``, ``safe_tin``).

Hungry with nothing to eat, the agent walks to the nearest food it has seen on the level
(``food_glyphs``: the features' ``path_item`` then leads there), picks it up and eats it.
"""

from __future__ import annotations

import re
from functools import cache

import numba
import numpy as np
from nle import nethack

from nethack_agent.items import NEVER_ROTS, never_rots, offered_letters, useful_kind
from nethack_agent.tactics import inventory

__all__ = [
    "FRESH_TURNS",
    "CorpseWatch",
    "corpse_on_offer",
    "food_glyphs",
    "fresh_corpse",
    "pack_food_letter",
    "safe_tin",
    "tin_content",
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
_TIN = re.compile(rb"\btins?\b")
_SMELL = re.compile(rb"It smells like (?:the )?([^.]+)\.")
_SPINACH = b"It contains spinach."


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

    The first food offered that is no corpse or glob (they may be tainted) and no tin, else the
    first tin, read from NLE's ``inv_letters`` and ``inv_strs``.

    Example:
        >>> letters = np.array([ord("f"), ord("g")], dtype=np.uint8)
        >>> strs = np.zeros((2, 80), dtype=np.uint8)
        >>> strs[0, :13] = np.frombuffer(b"a newt corpse", dtype=np.uint8)
        >>> strs[1, :13] = np.frombuffer(b"2 food ration", dtype=np.uint8)
        >>> chr(pack_food_letter(b"What do you want to eat? [fg or ?*]", letters, strs))
        'g'
    """
    offered = offered_letters(question)
    tins = []
    for letter, text in inventory(letters, strs):
        lasting = not any(word in text for word in _PERISHABLE)
        lasting = lasting or never_rots(text.decode("ascii", "replace"))
        if letter in offered and lasting:
            if _TIN.search(text) is None:
                return letter
            tins.append(letter)
    return tins[0] if tins else None


def tin_content(message: bytes) -> str | None:
    """What an opened tin holds, from NetHack's message before "Eat it?", or None.

    The monster whose meat "It smells like jackals." names (``eat.c`` gives the name in the
    plural: the longest monster name the text starts with; none for an irregular plural), or
    "spinach" for "It contains spinach.".

    Example:
        >>> tin_content(b"It smells like giant rats."), tin_content(b"It contains spinach.")
        ('giant rat', 'spinach')
    """
    if _SPINACH in message:
        return "spinach"
    found = _SMELL.search(message)
    if found is None:
        return None
    text = found.group(1).decode("ascii", "replace")
    return next((name for name in _monster_names() if text.startswith(name)), None)


def safe_tin(content: str | None) -> bool:
    """A tin holding ``content`` (``tin_content``) is safe to eat: spinach or a safe kind's meat.

    Tins never rot; a monster's meat does to its eater what its corpse does (``safe_corpses``).
    """
    return content == "spinach" or content in safe_corpses()


@cache
def _monster_names() -> tuple[str, ...]:
    """Every monster's name, longest first."""
    names = (nethack.permonst(m).mname for m in range(nethack.NUMMONS))
    return tuple(sorted(names, key=len, reverse=True))


@cache
def food_glyphs() -> np.ndarray:
    """(``MAX_GLYPH``,) bool: the glyphs of food worth walking to, hungry with nothing to eat.

    What ``items.useful_kind`` picks up as food — but no tin (opening one can take 50 turns,
    and its meat may be of a kind not safe to eat) and no egg (a cockatrice's turns its eater
    to stone) — and the corpses that never rot (``items.NEVER_ROTS``). Every object glyph
    names the object's true type.
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


# What a square's glyph says of a corpse on it (``CorpseWatch``): no corpse on top (floor, a
# trap, a feature), something covers it (a monster, the agent, a warning, a zap, unexplored
# stone), a corpse on top, another object on top (what lies beneath is unknown).
_CLEAR_KIND, _COVER_KIND, _CORPSE_KIND, _OBJECT_KIND = 0, 1, 2, 3
# A square's date in ``CorpseWatch.dated``: a turn (>= 0) or one of these
UNKNOWN, UNDATED, CLEAR, KILLED = -1, -2, -3, -4
"""never seen uncovered; a corpse (or an object) of unknown age on top; seen with no corpse or
object on top; the agent has just killed what stood there ("You kill the jackal!")."""


@cache
def _glyph_tables() -> tuple[np.ndarray, np.ndarray]:
    """(kind (MAX_GLYPH,) int8, species (MAX_GLYPH,) int16) of every glyph (built once).

    kind: one of the ``_*_KIND`` above; species: the monster a monster's glyph shows (itself,
    a pet, detected or ridden) or whose corpse a corpse's glyph shows, else -1.
    """
    kind = np.full(nethack.MAX_GLYPH, _CLEAR_KIND, dtype=np.int8)
    species = np.full(nethack.MAX_GLYPH, -1, dtype=np.int16)
    kind[nethack.GLYPH_MON_OFF : nethack.GLYPH_BODY_OFF] = _COVER_KIND
    kind[nethack.GLYPH_BODY_OFF : nethack.GLYPH_RIDDEN_OFF] = _CORPSE_KIND
    kind[nethack.GLYPH_RIDDEN_OFF : nethack.GLYPH_OBJ_OFF] = _COVER_KIND
    kind[nethack.GLYPH_OBJ_OFF : nethack.GLYPH_CMAP_OFF] = _OBJECT_KIND
    kind[nethack.GLYPH_CMAP_OFF] = _COVER_KIND  # S_stone (0): never seen, or solid rock
    kind[nethack.GLYPH_EXPLODE_OFF : nethack.GLYPH_STATUE_OFF] = _COVER_KIND
    kind[nethack.GLYPH_STATUE_OFF :] = _OBJECT_KIND
    monsters = np.arange(nethack.NUMMONS, dtype=np.int16)
    for offset in (
        nethack.GLYPH_MON_OFF,
        nethack.GLYPH_PET_OFF,
        nethack.GLYPH_DETECT_OFF,
        nethack.GLYPH_BODY_OFF,
        nethack.GLYPH_RIDDEN_OFF,
    ):
        species[offset : offset + nethack.NUMMONS] = monsters
    return kind, species


@cache
def _safe_table() -> np.ndarray:
    """(NUMMONS,) bool: the monster's fresh corpse is safe to eat (``safe_corpses``)."""
    safe = safe_corpses()
    return np.array([nethack.permonst(m).mname in safe for m in range(nethack.NUMMONS)])


class CorpseWatch:
    """The age of every corpse each environment saw appear on its current level.

    A corpse is dated when its glyph replaces that of a monster of its own kind on a square
    seen before with nothing on it (or where the agent has just killed the monster): it fell
    between the two observations, and it is given the earlier one's turn. A dated corpse keeps
    its date while a monster or the agent stands on it. Every other corpse — one first seen
    already lying, one that shows when a monster steps off it, one under other objects — stays
    undated and is never eaten. The dates are forgotten on leaving a level.

    Args:
        n_envs: number of environments N.
    """

    def __init__(self, n_envs: int):
        shape = (n_envs, *nethack.DUNGEON_SHAPE)
        self.dated = np.full(shape, UNKNOWN, dtype=np.int64)  # a turn, or UNKNOWN … KILLED
        self.monster = np.zeros(shape, dtype=np.int16)  # whose corpse, where dated
        self._last = np.full(shape, -1, dtype=np.int16)  # the glyphs last watched
        self._level = np.full((n_envs, 2), -1, dtype=np.int64)  # (dungeon, level) watched
        self._turn = np.zeros(n_envs, dtype=np.int64)  # the turn of the last observation
        self._kind, self._species = _glyph_tables()

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """What ``fresh_corpse`` reads: dated, monster, the safe kinds, ``FRESH_TURNS``."""
        return self.dated, self.monster, _safe_table(), FRESH_TURNS

    def forget(self, i: int) -> None:
        """Environment i starts a new game."""
        self._level[i] = -1

    def watch(self, glyph_maps: np.ndarray, blstats: np.ndarray) -> None:
        """Date the corpses that appeared since the last observation (call once per step)."""
        _watch(
            glyph_maps, blstats, self.dated, self.monster, self._last, self._level, self._turn,
            self._kind, self._species,
        )  # fmt: skip

    def killed(self, i: int, y: int, x: int) -> None:
        """The agent has just killed the monster on (y, x) (its corpse may lie there next)."""
        if self.dated[i, y, x] != UNDATED:
            self.dated[i, y, x] = KILLED

    def undate(self, i: int, y: int, x: int) -> None:
        """No dated corpse lies on (y, x) any more (eaten, or NetHack offered none there)."""
        self.dated[i, y, x] = UNDATED

    def fresh_name(self, i: int, y: int, x: int, turn: int) -> str | None:
        """The monster whose fresh, safe corpse lies on (y, x) at ``turn``, or None."""
        if not fresh_corpse(self.arrays, i, y, x, turn):
            return None
        return nethack.permonst(int(self.monster[i, y, x])).mname


@numba.njit(cache=True)
def fresh_corpse(corpses, e, y, x, turn):
    """Environment e's square (y, x) holds a fresh corpse safe to eat at ``turn``.

    Seen to fall at most ``fresh`` turns before; ``corpses`` is ``CorpseWatch.arrays``.
    """
    dated, monster, safe, fresh = corpses
    since = dated[e, y, x]
    return since >= 0 and turn - since <= fresh and safe[monster[e, y, x]]


@numba.njit(cache=True)
def _watch(glyph_maps, blstats, dated, monster, last, level, last_turn, kind, species):
    """``CorpseWatch.watch``: each square whose glyph changed, by the rules of its docstring."""
    n_envs, height, width = glyph_maps.shape
    for e in range(n_envs):
        turn = blstats[e, 20]
        if level[e, 0] != blstats[e, 23] or level[e, 1] != blstats[e, 24]:
            level[e, 0], level[e, 1] = blstats[e, 23], blstats[e, 24]
            dated[e] = UNKNOWN
            last[e] = -1  # every square is read afresh
            last_turn[e] = turn
        for y in range(height):
            for x in range(width):
                glyph, before = glyph_maps[e, y, x], last[e, y, x]
                if glyph == before:
                    continue
                last[e, y, x] = glyph
                was = dated[e, y, x]
                k = kind[glyph]
                if k == _CORPSE_KIND:
                    covered = before >= 0 and kind[before] == _COVER_KIND
                    if was >= 0 and covered and monster[e, y, x] == species[glyph]:
                        continue  # the dated corpse again, once what stood on it left
                    fell = covered and species[before] == species[glyph]
                    if fell and (was == CLEAR or was == KILLED):
                        dated[e, y, x] = last_turn[e]
                        monster[e, y, x] = species[glyph]
                    else:
                        dated[e, y, x] = UNDATED
                elif k == _COVER_KIND:
                    if was == KILLED:  # another monster stands there now: what lies beneath?
                        dated[e, y, x] = UNKNOWN
                elif k == _OBJECT_KIND:
                    dated[e, y, x] = UNDATED
                else:
                    dated[e, y, x] = CLEAR
        last_turn[e] = turn
