"""The ``CorpseWatch``: which corpses the agent saw fall, and when, on hand-made glyph maps.

Each case is a film of one square's glyph, frame by frame, with the turn of each frame; the
expected dates are read off NetHack's display rules, not off the watch: a monster's corpse
that replaces it where it stood fell between the two frames (given the earlier frame's turn);
anything else that shows a corpse hides its age.
"""

import numpy as np
import pytest
from nle import nethack

from nethack_agent.food import FRESH_TURNS, UNDATED, CorpseWatch

FLOOR = nethack.GLYPH_CMAP_OFF + 19  # S_room
STONE = nethack.GLYPH_CMAP_OFF  # S_stone: never seen
SQUARE = (5, 7)


def _monster(name: str) -> int:
    return next(m for m in range(nethack.NUMMONS) if nethack.permonst(m).mname == name)


JACKAL, NEWT, LITTLE_DOG = _monster("jackal"), _monster("newt"), _monster("little dog")
JACKAL_CORPSE, NEWT_CORPSE = nethack.GLYPH_BODY_OFF + JACKAL, nethack.GLYPH_BODY_OFF + NEWT
PET_JACKAL = nethack.GLYPH_PET_OFF + JACKAL
DAGGER = nethack.GLYPH_OBJ_OFF + next(
    i for i in range(nethack.NUM_OBJECTS) if nethack.OBJ_NAME(nethack.objclass(i)) == "dagger"
)
VALKYRIE = _monster("valkyrie")  # the agent, as a Valkyrie


class _Film:
    """One game on level (0, 1) of a map of room floor, watched frame by frame."""

    def __init__(self, background: int = FLOOR):
        self.watch = CorpseWatch(1)
        self.glyphs = np.full((1, *nethack.DUNGEON_SHAPE), background, dtype=np.int16)
        self.blstats = np.zeros((1, nethack.BLSTATS_SHAPE[0]), dtype=np.int64)
        self.blstats[0, nethack.NLE_BL_DLEVEL] = 1

    def frame(self, glyph: int, turn: int, level: int = 1) -> None:
        self.glyphs[0][SQUARE] = glyph
        self.blstats[0, nethack.NLE_BL_TIME] = turn
        self.blstats[0, nethack.NLE_BL_DLEVEL] = level
        self.watch.watch(self.glyphs, self.blstats)

    def fresh(self, turn: int) -> str | None:
        return self.watch.fresh_name(0, *SQUARE, turn)


def test_a_monster_that_dies_where_it_stood_leaves_a_corpse_dated_by_the_frame_before():
    film = _Film()
    film.frame(FLOOR, 100)
    film.frame(JACKAL, 103)
    film.frame(JACKAL_CORPSE, 105)  # it died between turns 103 and 105
    assert film.watch.dated[0][SQUARE] == 103
    assert film.fresh(103 + FRESH_TURNS) == "jackal"
    assert film.fresh(104 + FRESH_TURNS) is None  # too old
    film.frame(VALKYRIE, 110)  # the agent steps on it: its date is kept under the agent
    assert film.fresh(110) == "jackal"
    film.frame(JACKAL_CORPSE, 111)  # and off it again
    assert film.fresh(111) == "jackal"
    film.frame(JACKAL, 112)  # another jackal steps on it and off: no younger for that
    film.frame(JACKAL_CORPSE, 120)
    assert film.watch.dated[0][SQUARE] == 103


def test_a_pets_kind_is_read_from_its_glyph_too():
    film = _Film()
    film.frame(FLOOR, 49)
    film.frame(PET_JACKAL, 50)
    film.frame(JACKAL_CORPSE, 51)
    assert film.fresh(51) == "jackal"


@pytest.mark.parametrize(
    "frames",
    [
        [(STONE, 1), (JACKAL, 2), (JACKAL_CORPSE, 3)],  # never seen bare: a corpse may lie below
        [(FLOOR, 1), (JACKAL, 2), (NEWT_CORPSE, 3)],  # not the corpse of what stood there
        [(JACKAL_CORPSE, 1), (JACKAL, 2), (JACKAL_CORPSE, 3)],  # an old corpse, stepped over
        [(DAGGER, 1), (JACKAL, 2), (JACKAL_CORPSE, 3)],  # under another object: unknown below
        [(FLOOR, 1), (JACKAL_CORPSE, 2)],  # no monster seen to die
        [(FLOOR, 1), (LITTLE_DOG, 2), (nethack.GLYPH_BODY_OFF + LITTLE_DOG, 3)],  # unsafe kind
    ],
)
def test_corpses_whose_age_is_unknown_or_that_are_unsafe_are_never_fresh(frames):
    film = _Film()
    for glyph, turn in frames:
        film.frame(glyph, turn)
    assert film.fresh(frames[-1][1]) is None


def test_the_agents_own_kill_is_dated_where_the_square_was_never_seen_bare():
    film = _Film(background=STONE)  # a dark corridor: the square shows the monster at once
    film.frame(NEWT, 20)
    film.watch.killed(0, *SQUARE)  # "You kill the newt!"
    film.frame(NEWT_CORPSE, 21)
    assert film.fresh(21) == "newt"
    film.watch.undate(0, *SQUARE)  # eaten
    assert film.fresh(21) is None
    assert film.watch.dated[0][SQUARE] == UNDATED
    film.watch.killed(0, *SQUARE)  # an undated corpse stays so: a kill on it is no news
    assert film.watch.dated[0][SQUARE] == UNDATED


def test_a_kill_where_another_monster_then_stands_is_not_vouched_for():
    film = _Film(background=STONE)
    film.frame(JACKAL, 20)
    film.watch.killed(0, *SQUARE)
    film.frame(nethack.GLYPH_PET_OFF + LITTLE_DOG, 21)  # the pet stepped in at once
    film.frame(JACKAL, 22)
    film.frame(JACKAL_CORPSE, 23)
    assert film.fresh(23) is None


def test_dates_are_forgotten_on_a_new_level_and_in_a_new_game():
    film = _Film()
    film.frame(JACKAL, 10)
    film.frame(JACKAL_CORPSE, 11)
    film.frame(JACKAL_CORPSE, 12, level=2)  # the same glyph, but another level
    assert film.fresh(12) is None
    film.frame(JACKAL_CORPSE, 13, level=1)  # back: seen already lying
    assert film.fresh(13) is None
    film.frame(JACKAL, 14)
    film.frame(JACKAL_CORPSE, 15)  # on a square last seen with a corpse: no date
    film.frame(FLOOR, 16)
    film.frame(JACKAL, 17)
    film.frame(JACKAL_CORPSE, 18)
    assert film.fresh(18) == "jackal"
    film.watch.forget(0)  # a new game, on the same level number
    film.frame(JACKAL_CORPSE, 1)
    assert film.fresh(1) is None
