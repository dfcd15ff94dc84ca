"""What each NetHack glyph is, reduced to the handful of kinds the agent's features use.

NetHack draws every map square as one of ``nle.nethack.MAX_GLYPH`` glyphs (monsters, objects,
dungeon features, ...). The agent only needs to know what *kind* of square it is: a lookup
table ``KIND_OF_GLYPH[glyph]`` maps the 21x79 ``glyphs`` observation to kinds in one indexing
operation. The dungeon-feature numbers (``S_stone``, ``S_vwall``, ...) are NetHack 3.6's
``defsym.h`` order, which nle 1.3 uses (``nle.nethack.glyph_to_cmap``).
"""

from __future__ import annotations

import numpy as np
from nle import nethack

__all__ = [
    "BOULDER",
    "CLOSED_DOOR",
    "CORRIDOR",
    "DOORWAY",
    "DOWNSTAIRS",
    "FLOOR",
    "GOLD",
    "ITEM",
    "KIND_NAMES",
    "KIND_OF_GLYPH",
    "MONSTER_INFO",
    "MONSTER",
    "N_KINDS",
    "OBSTACLE",
    "OPEN_DOOR",
    "PET",
    "TRAP",
    "UNEXPLORED",
    "UPSTAIRS",
    "WALL",
    "WATER",
    "glyph_kinds",
    "monster_info",
]

UNEXPLORED, WALL, FLOOR, CORRIDOR, DOORWAY, OPEN_DOOR, CLOSED_DOOR = range(7)
DOWNSTAIRS, UPSTAIRS, TRAP, WATER, OBSTACLE, BOULDER, MONSTER, PET, ITEM, GOLD = range(7, 17)
N_KINDS = 17
KIND_NAMES = (
    "unexplored",
    "wall",
    "floor",
    "corridor",
    "doorway",
    "open_door",
    "closed_door",
    "downstairs",
    "upstairs",
    "trap",
    "water",
    "obstacle",
    "boulder",
    "monster",
    "pet",
    "item",
    "gold",
)

# NetHack 3.6 defsym.h: index of each dungeon feature among the cmap glyphs.
_CMAP_KIND = {
    0: UNEXPLORED,  # S_stone: solid rock or never seen
    **dict.fromkeys(range(1, 12), WALL),  # S_vwall .. S_trwall
    12: DOORWAY,  # S_ndoor: doorway without a door (or a broken one)
    13: OPEN_DOOR,  # S_vodoor
    14: OPEN_DOOR,  # S_hodoor
    15: CLOSED_DOOR,  # S_vcdoor
    16: CLOSED_DOOR,  # S_hcdoor
    17: OBSTACLE,  # S_bars
    18: OBSTACLE,  # S_tree
    19: FLOOR,  # S_room
    20: FLOOR,  # S_darkroom
    21: CORRIDOR,  # S_corr
    22: CORRIDOR,  # S_litcorr
    23: UPSTAIRS,  # S_upstair
    24: DOWNSTAIRS,  # S_dnstair
    25: UPSTAIRS,  # S_upladder
    26: DOWNSTAIRS,  # S_dnladder
    **dict.fromkeys(range(27, 32), FLOOR),  # altar, grave, throne, sink, fountain
    32: WATER,  # S_pool
    33: FLOOR,  # S_ice
    34: WATER,  # S_lava
    **dict.fromkeys(range(35, 37), FLOOR),  # open drawbridge
    **dict.fromkeys(range(37, 39), WALL),  # raised drawbridge
    39: FLOOR,  # S_air
    40: FLOOR,  # S_cloud
    41: WATER,  # S_water
}


def glyph_kinds() -> np.ndarray:
    """Build the glyph → kind lookup table.

    Returns:
        int8 array of shape (MAX_GLYPH + 1,): the kind (one of the module constants) of every
        glyph; the extra last entry (MAX_GLYPH, "no glyph") counts as unexplored.
    """
    table = np.full(nethack.MAX_GLYPH + 1, FLOOR, dtype=np.int8)
    gold_glyph = nethack.GLYPH_OBJ_OFF + _object_index("gold piece")
    boulder_glyph = nethack.GLYPH_OBJ_OFF + _object_index("boulder")
    for glyph in range(nethack.MAX_GLYPH):
        if nethack.glyph_is_pet(glyph):
            kind = PET
        elif (
            nethack.glyph_is_monster(glyph)
            or nethack.glyph_is_invisible(glyph)
            or nethack.glyph_is_warning(glyph)
            or nethack.glyph_is_swallow(glyph)
        ):
            kind = MONSTER
        elif glyph == gold_glyph:
            kind = GOLD
        elif glyph == boulder_glyph:
            kind = BOULDER
        elif nethack.glyph_is_statue(glyph):
            kind = OBSTACLE
        elif nethack.glyph_is_object(glyph):  # includes corpses (body glyphs)
            kind = ITEM
        elif nethack.glyph_is_trap(glyph):
            kind = TRAP
        elif nethack.glyph_is_cmap(glyph):
            # Effects (zaps, explosions) drawn over a square: treat as passable floor.
            kind = _CMAP_KIND.get(nethack.glyph_to_cmap(glyph), FLOOR)
        else:
            kind = FLOOR
        table[glyph] = kind
    table[nethack.MAX_GLYPH] = UNEXPLORED
    return table


def _object_index(name: str) -> int:
    """Index in NetHack's objects[] of the object called ``name``."""
    for index in range(nethack.NUM_OBJECTS):
        if nethack.OBJ_NAME(nethack.objclass(index)) == name:
            return index
    raise LookupError(f"no NetHack object named {name!r}")


# Monsters whose passive response to a hit kills: stoning (bare-handed), paralysis (its gaze,
# helpless for up to ~127 turns beside whatever comes), an explosion of 4d6.
DEADLY_PASSIVE_MONSTERS = ("chickatrice", "cockatrice", "gas spore", "floating eye")
# Monsters a bare-handed monk must not hit: the deadly ones, and acid, stings, ...
PASSIVE_MONSTERS = (
    *DEADLY_PASSIVE_MONSTERS,
    "acid blob",
    "blue jelly",
    "spotted jelly",
    "ochre jelly",
    "brown mold",
    "yellow mold",
    "green mold",
    "red mold",
)


def monster_info() -> np.ndarray:
    """Per glyph: how dangerous the monster drawn is, and whether hitting it hurts the hitter.

    Returns:
        float64 array (MAX_GLYPH + 1, 2): column 0 the monster's difficulty / 10 (NetHack's
        ``permonst.difficulty``; 0 for non-monsters), column 1 1.0 for the monsters in
        ``DEADLY_PASSIVE_MONSTERS``, 0.5 for the other ``PASSIVE_MONSTERS`` (never melee them
        bare-handed).
    """
    info = np.zeros((nethack.MAX_GLYPH + 1, 2))
    for glyph in range(nethack.MAX_GLYPH):
        if nethack.glyph_is_monster(glyph) and not nethack.glyph_is_pet(glyph):
            monster = nethack.permonst(nethack.glyph_to_mon(glyph))
            info[glyph, 0] = monster.difficulty / 10.0
            if monster.mname in PASSIVE_MONSTERS:
                info[glyph, 1] = 1.0 if monster.mname in DEADLY_PASSIVE_MONSTERS else 0.5
    return info


KIND_OF_GLYPH = glyph_kinds()
MONSTER_INFO = monster_info()
