"""Features of hand-built maps (positions chosen so shortest paths can be derived by hand) and
of real seeded NetHack observations, checked against NLE's own character map."""

import gymnasium as gym
import nle  # noqa: F401
import numpy as np
import pytest
from nle import nethack

from nethack_agent import glyphs
from nethack_agent.actions import DIRECTIONS
from nethack_agent.features import (
    DIRECTION_FEATURES,
    MAP_SHAPE,
    SEARCH_ENOUGH,
    STATE_FEATURES,
    MapMemory,
    extract_features,
    message_flags,
)

N, E, S, W, NE, SE, SW, NW = range(8)
F = {name: i for i, name in enumerate(DIRECTION_FEATURES)}
SF = {name: i for i, name in enumerate(STATE_FEATURES)}


def cmap(index):
    return nethack.GLYPH_CMAP_OFF + index


STONE, VWALL, HWALL, OPEN_DOOR_V, ROOM, CORRIDOR, DOWNSTAIR = 0, 1, 2, 13, 19, 21, 24
AGENT = nethack.GLYPH_MON_OFF + 0  # the hero is drawn with a monster glyph
NEWT = nethack.GLYPH_MON_OFF + 5
BOULDER = nethack.GLYPH_OBJ_OFF + glyphs._object_index("boulder")


def room_map():
    """A room: walls on rows 2 and 8 and columns 10 and 20, floor inside, an open door at
    (5, 20) with a corridor square at (5, 21), and stone (unexplored) everywhere else."""
    g = np.full(MAP_SHAPE, cmap(STONE), dtype=np.int16)
    g[2:9, 10:21] = cmap(HWALL)
    g[3:8, 10] = g[3:8, 20] = cmap(VWALL)
    g[3:8, 11:20] = cmap(ROOM)
    g[5, 20] = cmap(OPEN_DOOR_V)
    g[5, 21] = cmap(CORRIDOR)
    return g


def blstats_at(y, x, hp=14, max_hp=14):
    b = np.zeros(nethack.BLSTATS_SHAPE, dtype=np.int64)
    b[0], b[1], b[10], b[11], b[12], b[18], b[20], b[21] = x, y, hp, max_hp, 1, 1, 1, 1
    return b


def features_of(glyph_maps, blstats, memory=None, messages=None):
    glyph_maps, blstats = np.asarray(glyph_maps), np.asarray(blstats)
    n = len(glyph_maps)
    if memory is None:
        memory = MapMemory(n)
    if messages is None:
        messages = np.zeros((n, 256), dtype=np.uint8)
    return extract_features(
        glyph_maps, blstats, messages, memory, np.zeros(n), np.zeros(n), np.zeros(n)
    )


def bits(phi_env, feature):
    return {d for d in range(8) if phi_env[d, F[feature]] == 1.0}


def test_kinds_of_known_glyphs():
    table = glyphs.KIND_OF_GLYPH
    assert table[cmap(DOWNSTAIR)] == glyphs.DOWNSTAIRS
    assert table[cmap(VWALL)] == table[cmap(HWALL)] == glyphs.WALL
    assert table[cmap(STONE)] == glyphs.UNEXPLORED
    assert table[cmap(OPEN_DOOR_V)] == glyphs.OPEN_DOOR
    assert table[NEWT] == glyphs.MONSTER
    assert table[nethack.GLYPH_PET_OFF + 5] == glyphs.PET
    assert len(table) == nethack.MAX_GLYPH + 1


def test_corner_walls_and_paths_to_the_stairs():
    g = room_map()
    g[3, 16] = cmap(DOWNSTAIR)
    g[3, 11] = AGENT  # top-left corner of the floor
    psi, phi = features_of([g], [blstats_at(3, 11)])
    for d in (N, W, NW, NE, SW):
        assert phi[0, d, F["kind_wall"]] == 1.0, d
    for d in (E, S, SE):
        assert phi[0, d, F["kind_floor"]] == 1.0, d
    # (3, 16) is 5 king-moves away; E and SE leave 4 to go, S leaves 5: two first steps.
    assert bits(phi[0], "path_downstairs") == {E, SE}
    np.testing.assert_allclose(phi[0, E, F["near_downstairs"]], 8 / (8 + 5))
    assert psi[0, SF["downstairs_known"]] == 1.0
    np.testing.assert_allclose(psi[0, SF["downstairs_near"]], 8 / 13)
    assert psi[0, SF["on_downstairs"]] == 0.0


def test_frontier_through_a_door_has_no_diagonal_entry():
    g = room_map()
    g[3, 11] = AGENT
    psi, phi = features_of([g], [blstats_at(3, 11)])
    # Nearest frontier: the open door (5, 20), entered only from (5, 19): 8 moves to (5, 19)
    # (first step E or SE keeps 7 to go), then one more.
    assert bits(phi[0], "path_frontier") == {E, SE}
    np.testing.assert_allclose(phi[0, E, F["near_frontier"]], 8 / (8 + 9))
    assert psi[0, SF["frontier_known"]] == 1.0
    assert psi[0, SF["stuck"]] == 0.0


def test_diagonal_moves_out_of_a_door_are_flagged():
    g = room_map()
    g[5, 20] = AGENT  # standing in the open door
    memory = MapMemory(1)
    features_of([room_map()], [blstats_at(3, 11)], memory)  # saw the door before
    _, phi = features_of([g], [blstats_at(5, 20)], memory)
    assert bits(phi[0], "door_diagonal") == {NE, SE, SW, NW}


def test_memory_keeps_the_staircase_under_the_agent_and_counts_visits():
    memory = MapMemory(1)
    g = room_map()
    g[3, 16] = cmap(DOWNSTAIR)
    g[3, 15] = AGENT
    features_of([g], [blstats_at(3, 15)], memory)
    g[3, 15], g[3, 16] = cmap(ROOM), AGENT
    psi, phi = features_of([g], [blstats_at(3, 16)], memory)
    assert psi[0, SF["on_downstairs"]] == 1.0
    assert memory.visits[0, 3, 15] == 1 and memory.visits[0, 3, 16] == 1
    np.testing.assert_allclose(phi[0, W, F["visits"]], np.log1p(1) / 3)
    assert phi[0, W, F["unvisited"]] == 0.0 and phi[0, E, F["unvisited"]] == 1.0


def test_a_visited_dead_end_is_no_longer_a_frontier():
    g = np.full(MAP_SHAPE, cmap(STONE), dtype=np.int16)
    g[10, 30:35] = cmap(CORRIDOR)  # a corridor ending in stone at both ends
    memory = MapMemory(1)
    for x in range(30, 35):
        walk = g.copy()
        walk[10, x] = AGENT
        psi, _ = features_of([walk], [blstats_at(10, x)], memory)
    assert psi[0, SF["frontier_known"]] == 0.0
    assert psi[0, SF["stuck"]] == 1.0


def test_monster_next_to_the_agent_when_hurt():
    g = room_map()
    g[5, 15] = AGENT
    g[5, 16] = NEWT
    psi, phi = features_of([g], [blstats_at(5, 15, hp=3, max_hp=14)])
    assert phi[0, E, F["kind_monster"]] == 1.0
    assert phi[0, E, F["monster_low_hp"]] == 1.0
    assert psi[0, SF["monster_adjacent"]] == 1.0 and psi[0, SF["low_hp"]] == 1.0
    assert psi[0, SF["major_trouble"]] == 1.0  # 3 HP <= 5
    # Fleeing: W, NW and SW are two squares from the newt, farther than its one.
    assert bits(phi[0], "flee") == {W, NW, SW}


def test_batched_features_equal_one_environment_at_a_time():
    maps, stats = [], []
    for y, x in ((3, 11), (5, 15), (7, 19)):
        g = room_map()
        g[y, x] = AGENT
        maps.append(g)
        stats.append(blstats_at(y, x))
    psi, phi = features_of(maps, stats)
    for i in range(3):
        psi_i, phi_i = features_of([maps[i]], [stats[i]])
        np.testing.assert_array_equal(psi[i], psi_i[0])
        np.testing.assert_array_equal(phi[i], phi_i[0])


def test_message_flags():
    texts = [
        b"This door is locked.",
        b"Really attack the kitten? [yn] (n)",
        b"You see here a dagger.",
    ]
    messages = np.zeros((3, 256), dtype=np.uint8)
    for i, text in enumerate(texts):
        messages[i, : len(text)] = np.frombuffer(text, dtype=np.uint8)
    np.testing.assert_array_equal(
        message_flags(messages), [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    )


@pytest.mark.parametrize("seed", [3, 11])
def test_real_seeded_observation_against_the_character_map(seed):
    env = gym.make("NetHackScore-v0", observation_keys=("glyphs", "chars", "blstats", "message"))
    env.unwrapped.seed(seed, seed, reseed=False)
    obs, _ = env.reset()
    obs = {key: value.copy() for key, value in obs.items()}  # NLE reuses its buffers
    x, y = obs["blstats"][0], obs["blstats"][1]
    assert chr(obs["chars"][y, x]) == "@"
    _, phi = features_of([obs["glyphs"]], [obs["blstats"]], messages=obs["message"][None])
    for d, (dy, dx) in enumerate(DIRECTIONS):
        char = chr(obs["chars"][y + dy, x + dx])
        glyph = obs["glyphs"][y + dy, x + dx]
        door = nethack.glyph_is_cmap(glyph) and nethack.glyph_to_cmap(glyph) in (13, 14, 15, 16)
        if char in "|-" and not door:
            assert phi[0, d, F["kind_wall"]] == 1.0
        elif char == " ":
            assert phi[0, d, F["kind_unexplored"]] == 1.0
        elif char.isalpha() or char == "@":
            assert phi[0, d, F["kind_monster"]] + phi[0, d, F["kind_pet"]] == 1.0
        assert phi[0, d, 1 : 1 + glyphs.N_KINDS].sum() == 1.0
    # The same seed gives the same first observation (NetHack itself is seeded).
    env.unwrapped.seed(seed, seed, reseed=False)
    again, _ = env.reset()
    np.testing.assert_array_equal(again["glyphs"], obs["glyphs"])
    env.unwrapped.seed(seed + 1, seed + 1, reseed=False)
    other, _ = env.reset()
    assert not np.array_equal(other["glyphs"], obs["glyphs"])
    env.close()


def test_prayer_features_follow_trouble_and_the_chance_a_prayer_is_heard():
    g = room_map()
    g[5, 15] = AGENT
    weak = blstats_at(5, 15)
    weak[20], weak[21] = 500, 3  # game turn 500, hunger status Weak
    memory = MapMemory(2)
    n = 2
    psi, _ = extract_features(
        np.stack([g, g]),
        np.stack([weak, weak]),
        np.zeros((n, 256), dtype=np.uint8),
        memory,
        np.zeros(n),
        np.array([1.0, 0.25]),  # P(a prayer is heard)
        np.zeros(n),
    )
    assert psi[:, SF["major_trouble"]].tolist() == [1.0, 1.0]
    assert psi[:, SF["prayer_safe"]].tolist() == [1.0, 0.25]
    assert psi[:, SF["trouble_and_safe"]].tolist() == [1.0, 0.25]
    assert psi[:, SF["trouble_unsafe"]].tolist() == [0.0, 0.75]
    assert psi[:, SF["weak"]].tolist() == [1.0, 1.0]


def _monster(name: str) -> int:
    return next(i for i in range(nethack.NUMMONS) if nethack.permonst(i).mname == name)


def test_passive_monsters_and_difficulty():
    eye, jackal, blob = _monster("floating eye"), _monster("jackal"), _monster("acid blob")
    g = room_map()
    g[5, 15] = AGENT
    g[5, 16] = nethack.GLYPH_MON_OFF + eye
    g[5, 14] = nethack.GLYPH_MON_OFF + jackal
    g[4, 15] = nethack.GLYPH_MON_OFF + blob
    psi, phi = features_of([g], [blstats_at(5, 15)])
    passive = phi[0, :, F["passive_monster"]]
    assert (passive[E], passive[W], passive[N]) == (1.0, 0.0, 0.5)  # deadly, harmless, stings
    np.testing.assert_allclose(
        phi[0, E, F["monster_difficulty"]], nethack.permonst(eye).difficulty / 10
    )
    np.testing.assert_allclose(
        phi[0, W, F["monster_difficulty"]], nethack.permonst(jackal).difficulty / 10
    )
    hardest = max(nethack.permonst(m).difficulty for m in (eye, jackal, blob)) / 10
    np.testing.assert_allclose(psi[0, SF["adjacent_difficulty"]], hardest)
    assert psi[0, SF["adjacent_monsters"]] == 1.0


def _every_row_read(glyph_maps, blstats, memory):
    """The features of a memory made to re-read every map row (``_glyphs`` = -1: none read)."""
    memory._glyphs[:] = -1
    memory._search_start[:] = -1
    return features_of(glyph_maps, blstats, memory)


def test_a_row_left_by_the_agent_is_read_again_though_its_glyphs_stand():
    # The agent's glyph stays drawn on the staircase it left (a screen NetHack would redraw):
    # what lies there is read again all the same, as reading every row would.
    g = room_map()
    g[3, 15] = cmap(DOWNSTAIR)
    incremental, full = MapMemory(1), MapMemory(1)
    for memory in (incremental, full):
        features_of([g], [blstats_at(3, 15)], memory)  # standing on it: kept as floor
    g[4, 15] = AGENT
    psi, _ = features_of([g], [blstats_at(4, 15)], incremental)
    expected, _ = _every_row_read([g], [blstats_at(4, 15)], full)
    np.testing.assert_array_equal(psi, expected)
    assert psi[0, SF["downstairs_known"]] == 1.0
    np.testing.assert_array_equal(incremental.kind, full.kind)


def test_a_new_level_with_the_same_glyphs_is_read_anew():
    # Every row of the next level is read, even rows whose glyphs happen not to change.
    g = room_map()
    g[3, 15] = AGENT
    g[6, 12] = cmap(DOWNSTAIR)
    b = blstats_at(3, 15)
    incremental, full = MapMemory(1), MapMemory(1)
    for memory in (incremental, full):
        features_of([g], [b], memory)
    b[nethack.NLE_BL_DLEVEL] += 1  # the next level: its memory starts empty
    psi, phi = features_of([g], [b], incremental)
    expected = _every_row_read([g], [b], full)
    np.testing.assert_array_equal(psi, expected[0])
    np.testing.assert_array_equal(phi, expected[1])
    assert psi[0, SF["downstairs_known"]] == 1.0


def test_a_path_that_opens_while_the_agent_stands_still_is_searched_anew():
    g = room_map()
    g[5, 21] = cmap(STONE)  # the corridor square not yet seen …
    g[5, 22] = cmap(DOWNSTAIR)  # … so the staircase behind it cannot be reached
    g[5, 15] = AGENT
    memory = MapMemory(1)
    psi, _ = features_of([g], [blstats_at(5, 15)], memory)
    assert psi[0, SF["downstairs_known"]] == 0.0
    g[5, 21] = cmap(CORRIDOR)  # seen now, the agent still on its square
    psi, phi = features_of([g], [blstats_at(5, 15)], memory)
    assert psi[0, SF["downstairs_known"]] == 1.0
    np.testing.assert_allclose(psi[0, SF["downstairs_near"]], 8 / (8 + 7))
    assert bits(phi[0], "path_downstairs") == {E, NE, SE}  # through the door at (5, 20)


def _stuck_at_a_corridors_end(searched_at_end, searched_everywhere=0):
    """room_map's corridor led on to a dead end at (5, 25); every square visited, no staircase:
    the agent at (5, 23) is stuck. Every square searched ``searched_everywhere`` times but the
    end, searched ``searched_at_end`` times."""
    g = room_map()
    g[5, 22:26] = cmap(CORRIDOR)
    g[5, 23] = AGENT
    memory = MapMemory(1)
    features_of([g], [blstats_at(5, 23)], memory)  # the level entered
    memory.visits[0] = 1  # nothing unvisited: no frontier
    memory.searched[0] = searched_everywhere
    memory.searched[0, 5, 25] = searched_at_end
    return features_of([g], [blstats_at(5, 23)], memory)


def test_stuck_the_nearest_square_worth_searching_is_the_corridors_end():
    psi, phi = _stuck_at_a_corridors_end(searched_at_end=14)
    assert psi[0, SF["stuck"]] == 1.0 and psi[0, SF["on_search_spot"]] == 0.0
    np.testing.assert_allclose(psi[0, SF["search_near"]], 8 / 10)  # two steps east
    assert bits(phi[0], "path_search") == {E}
    np.testing.assert_allclose(phi[0, E, F["near_search"]], 8 / 10)


def test_a_square_searched_enough_gives_way_to_the_next():
    # 15 searches at the dead end: next come the room's squares by its east wall, with
    # never-seen stone behind the wall — (4, 19) and (6, 19), five steps back through the door
    # (no diagonal move out of a door)
    psi, phi = _stuck_at_a_corridors_end(searched_at_end=SEARCH_ENOUGH)
    np.testing.assert_allclose(psi[0, SF["search_near"]], 8 / 13)
    assert bits(phi[0], "path_search") == {W}


@pytest.mark.parametrize(
    ("searched_everywhere", "at_the_end", "near", "way"),
    [
        (SEARCH_ENOUGH, SEARCH_ENOUGH, 8 / 10, {E}),  # a second round: the nearest spot again
        (SEARCH_ENOUGH, 2 * SEARCH_ENOUGH, 8 / 13, {W}),  # … the wall squares, its end done
        (2 * SEARCH_ENOUGH, 2 * SEARCH_ENOUGH, 8 / 10, {E}),  # a third round
        (4 * SEARCH_ENOUGH, 4 * SEARCH_ENOUGH, 0.0, set()),  # four rounds: nothing left to try
    ],
)
def test_once_every_spot_is_searched_enough_another_round_begins(
    searched_everywhere, at_the_end, near, way
):
    psi, phi = _stuck_at_a_corridors_end(at_the_end, searched_everywhere)
    assert psi[0, SF["stuck"]] == 1.0 and psi[0, SF["on_search_spot"]] == 0.0
    np.testing.assert_allclose(psi[0, SF["search_near"]], near)
    assert bits(phi[0], "path_search") == way


def test_after_four_rounds_every_corridor_square_is_a_spot():
    # every spot searched four rounds and still stuck: the way on may be a hidden corridor
    # square beside any corridor square (a dead end two squares wide is no spot) — the nearest
    # corridor square searched less is next; then further rounds over them all
    g = room_map()
    g[5, 22:26] = cmap(CORRIDOR)
    g[5, 23] = AGENT
    memory = MapMemory(1)
    features_of([g], [blstats_at(5, 23)], memory)
    memory.visits[0] = 1
    memory.searched[0] = 4 * SEARCH_ENOUGH
    memory.searched[0, 5, 24] = 0  # a corridor square, two walkable neighbours: no spot
    memory.searched[0, 4, 18] = 0  # a room square by no wall: never one
    psi, phi = features_of([g], [blstats_at(5, 23)], memory)
    assert psi[0, SF["stuck"]] == 1.0 and psi[0, SF["on_search_spot"]] == 0.0
    np.testing.assert_allclose(psi[0, SF["search_near"]], 8 / 9)
    assert bits(phi[0], "path_search") == {E}
    memory.searched[0, 5, 24] = 4 * SEARCH_ENOUGH
    psi, phi = features_of([g], [blstats_at(5, 23)], memory)
    assert psi[0, SF["search_near"]] == 0.0 and not bits(phi[0], "path_search")


def test_standing_on_a_spot_it_searches_there_first():
    g = room_map()
    g[5, 22:26] = cmap(CORRIDOR)
    g[5, 25] = AGENT
    memory = MapMemory(1)
    features_of([g], [blstats_at(5, 25)], memory)  # the level entered
    memory.visits[0] = 1
    psi, phi = features_of([g], [blstats_at(5, 25)], memory)  # searched 0 < SEARCH_ENOUGH
    # on a spot: no way on to the next one (the room's squares by its east wall)
    assert psi[0, SF["on_search_spot"]] == 1.0 and psi[0, SF["search_near"]] == 0.0
    assert not bits(phi[0], "path_search") and not bits(phi[0], "path_frontier")
    no_messages = np.zeros((1, 256), dtype=np.uint8)
    b = np.array([blstats_at(5, 25)])

    def searched(searches_here):
        return extract_features(
            g[None], b, no_messages, memory, np.array([searches_here]), *np.zeros((2, 1))
        )[0]

    # every search counts, in one stay or many: 8 in a row (the runner's count of searches
    # here, which restarts on a move) …
    for count in range(1, 9):
        assert searched(float(count))[0, SF["on_search_spot"]] == 1.0
    assert searched(0.0)[0, SF["on_search_spot"]] == 1.0  # … a move away and back …
    assert searched(6.0)[0, SF["on_search_spot"]] == 1.0  # … 6 more: 14 …
    assert searched(6.0)[0, SF["on_search_spot"]] == 1.0  # (the same count read again)
    psi = searched(7.0)  # … and one more is enough
    assert memory.searched[0, 5, 25] == SEARCH_ENOUGH
    assert psi[0, SF["on_search_spot"]] == 0.0 and psi[0, SF["search_near"]] > 0.0
    psi, _ = features_of([g], [blstats_at(5, 25)], memory)
    assert psi[0, SF["on_search_spot"]] == 0.0  # remembered so
    memory.visits[0, 5, 21] = 0  # an unvisited square by unexplored stone: a frontier
    psi, phi = features_of([g], [blstats_at(5, 25)], memory)
    assert psi[0, SF["stuck"]] == 0.0
    assert psi[0, SF["on_search_spot"]] == psi[0, SF["search_near"]] == 0.0
    assert not bits(phi[0], "path_search")


def _closed_room_with_top_wall_at(top):
    """A room without exits, its top wall on map row ``top``, every square visited, the agent
    at (top + 1, 15) by that wall: stuck."""
    g = np.full(MAP_SHAPE, cmap(STONE), dtype=np.int16)
    g[top : top + 6, 10:21] = cmap(HWALL)
    g[top + 1 : top + 5, 10] = g[top + 1 : top + 5, 20] = cmap(VWALL)
    g[top + 1 : top + 5, 11:20] = cmap(ROOM)
    g[top + 1, 15] = AGENT
    memory = MapMemory(1)
    features_of([g], [blstats_at(top + 1, 15)], memory)
    memory.visits[0] = 1
    return features_of([g], [blstats_at(top + 1, 15)], memory)


def test_no_search_spot_against_the_maps_edge():
    # behind a top wall on row 1 lies row 0, where NetHack never digs a corridor: no spot there
    psi, phi = _closed_room_with_top_wall_at(1)
    assert psi[0, SF["stuck"]] == 1.0 and psi[0, SF["on_search_spot"]] == 0.0
    # the nearest spots are the squares by the bottom wall (row 6, row 7 behind it), 3 steps
    np.testing.assert_allclose(psi[0, SF["search_near"]], 8 / 11)
    assert bits(phi[0], "path_search") == {S, SE, SW}
    psi, _ = _closed_room_with_top_wall_at(2)  # row 1 behind it: a corridor may run there
    assert psi[0, SF["on_search_spot"]] == 1.0


def test_stuck_the_search_spot_is_the_frontier():
    # where no frontier is left, the way to the nearest search spot is the way to new map
    psi, phi = _stuck_at_a_corridors_end(searched_at_end=14)
    assert psi[0, SF["frontier_known"]] == 0.0  # (the state still says there is none)
    assert bits(phi[0], "path_frontier") == bits(phi[0], "path_search") == {E}
    np.testing.assert_allclose(phi[0, E, F["near_frontier"]], 8 / 10)


def _corridor_with_a_boulder():
    """room_map's corridor runs east to a down-staircase at (5, 25), a boulder on (5, 23)."""
    g = room_map()
    g[5, 22:25] = cmap(CORRIDOR)
    g[5, 23] = BOULDER
    g[5, 25] = cmap(DOWNSTAIR)
    g[5, 15] = AGENT
    return g


def test_a_boulder_is_pushed_on_the_way_and_one_that_would_not_move_is_a_wall():
    g = _corridor_with_a_boulder()
    memory = MapMemory(1)
    psi, phi = features_of([g], [blstats_at(5, 15)], memory)
    assert psi[0, SF["downstairs_known"]] == 1.0  # through the boulder's square
    np.testing.assert_allclose(psi[0, SF["downstairs_near"]], 8 / (8 + 10))
    g[5, 15], g[5, 22] = cmap(ROOM), AGENT
    memory.remember_wall(0, 5, 23)  # "You try to move the boulder, but in vain."
    psi, phi = features_of([g], [blstats_at(5, 22)], memory)
    assert psi[0, SF["downstairs_known"]] == 0.0
    assert phi[0, E, F["kind_wall"]] == 1.0 and phi[0, E, F["kind_boulder"]] == 0.0
    g[5, 23], g[5, 24] = cmap(CORRIDOR), BOULDER  # moved after all (a monster behind it left)
    psi, phi = features_of([g], [blstats_at(5, 22)], memory)
    assert psi[0, SF["downstairs_known"]] == 1.0
    assert phi[0, E, F["kind_corridor"]] == 1.0
