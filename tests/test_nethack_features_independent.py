"""Every state and direction feature on hand-built scenes, with the value worked out by hand.

Each scene lists the features that are not 0; every other entry of ψ and φ must be exactly 0,
so a feature that is wrong, swapped with another or left out fails. Distances are king-move
(Chebyshev) distances in an open room, so shortest paths and their first steps can be read
off the map. A second part checks the per-level map memory across a change of level and back.
"""

import numpy as np
from nle import nethack

from nethack_agent.character import ROLES
from nethack_agent.features import (
    AGENT_FEATURES,
    DIRECTION_FEATURES,
    MAP_SHAPE,
    STATE_FEATURES,
    MapMemory,
    extract_features,
)

N, NE, E, SE, S, SW, W, NW = 0, 4, 1, 5, 2, 6, 3, 7  # nethack_agent.actions.DIRECTIONS order
STONE, VWALL, HWALL, CLOSED_DOOR_V, ROOM, CORRIDOR, UPSTAIR, DOWNSTAIR = 0, 1, 2, 15, 19, 21, 23, 24


def cmap(index):
    return nethack.GLYPH_CMAP_OFF + index


def monster(name):
    index = next(i for i in range(nethack.NUMMONS) if nethack.permonst(i).mname == name)
    return nethack.GLYPH_MON_OFF + index, nethack.permonst(index).difficulty


def item(name):
    index = next(
        i for i in range(nethack.NUM_OBJECTS) if nethack.OBJ_NAME(nethack.objclass(i)) == name
    )
    return nethack.GLYPH_OBJ_OFF + index


AGENT = nethack.GLYPH_MON_OFF + 0  # the hero is drawn with a monster glyph
NEWT, NEWT_DIFFICULTY = monster("newt")
GOLD, DAGGER = item("gold piece"), item("dagger")


def room():
    """Floor on rows 3–7 × columns 11–19, walls around it, stone (never seen) elsewhere."""
    g = np.full(MAP_SHAPE, cmap(STONE), dtype=np.int16)
    g[2:9, 10:21] = cmap(HWALL)
    g[3:8, 10] = g[3:8, 20] = cmap(VWALL)
    g[3:8, 11:20] = cmap(ROOM)
    return g


def blstats(y, x, hp, max_hp, depth=1, xlvl=1, hunger=1, dnum=0, dlevel=1):
    b = np.zeros(nethack.BLSTATS_SHAPE, dtype=np.int64)
    b[0], b[1], b[10], b[11], b[12], b[18], b[21], b[23], b[24] = (
        x,
        y,
        hp,
        max_hp,
        depth,
        xlvl,
        hunger,
        dnum,
        dlevel,
    )
    return b


def message(text):
    out = np.zeros(256, dtype=np.uint8)
    out[: len(text)] = np.frombuffer(text, dtype=np.uint8)
    return out


def observe(
    memory, glyphs, stats, text=b"", searches=0, heard=0.0, steps=0, role=-1, agent_flags=None
):
    psi, phi = extract_features(
        glyphs[None],
        stats[None],
        message(text)[None],
        memory,
        np.array([searches]),
        np.array([heard]),
        np.array([steps]),
        max_episode_steps=5000,
        roles=np.array([role]),
        agent_flags=None if agent_flags is None else agent_flags[None],
    )
    return psi[0], phi[0]


def expected_state(values):
    psi = np.zeros(len(STATE_FEATURES))
    for name, value in values.items():
        psi[STATE_FEATURES.index(name)] = value
    return psi


def expected_directions(values):
    phi = np.zeros((8, len(DIRECTION_FEATURES)))
    phi[:, DIRECTION_FEATURES.index("bias")] = 1.0
    for (direction, name), value in values.items():
        phi[direction, DIRECTION_FEATURES.index(name)] = value
    return phi


def assert_features(actual, expected, names):
    wrong = [
        f"{names[i]}: {actual[i]} != {expected[i]}"
        for i in range(len(names))
        if not np.isclose(actual[i], expected[i], rtol=1e-7, atol=1e-12)  # visits: float32 log
    ]
    assert not wrong, wrong


def test_hurt_agent_by_a_locked_door_with_a_newt_an_item_gold_and_stairs():
    # Agent at (5, 19), 4 of 14 HP, Hungry, depth 3, experience level 4, in the Mines, a Monk.
    #   (5, 20) closed door, east; the stone beyond it is unexplored, so the door is a frontier
    #   (4, 18) a newt, north-west; (6, 18) a dagger, south-west
    #   (7, 17) the down-staircase: 2 moves, first step south-west only
    #   (3, 11) gold: 8 moves; first steps NW, W and SW all leave 7
    g = room()
    g[5, 20] = cmap(CLOSED_DOOR_V)
    g[4, 18], g[6, 18], g[7, 17], g[3, 11] = NEWT, DAGGER, cmap(DOWNSTAIR), GOLD
    g[5, 19] = AGENT
    stats = blstats(5, 19, hp=4, max_hp=14, depth=3, xlvl=4, hunger=2, dnum=2, dlevel=3)
    psi, phi = observe(
        MapMemory(1),
        g,
        stats,
        text=b"This door is locked.",
        searches=6,
        heard=0.25,
        steps=1000,
        role=ROLES.index("Monk"),
    )
    hp = 4 / 14
    state = {
        "bias": 1.0,
        "hp_frac": hp,
        "low_hp": 1.0,  # 4/14 < 1/3
        "major_trouble": 1.0,  # HP ≤ 5
        "prayer_safe": 0.25,
        "trouble_and_safe": 0.25,
        "trouble_unsafe": 0.75,
        "hungry": 1.0,
        "depth": 0.3,
        "level": 0.4,
        "episode_time": 0.2,  # 1000 / 5000
        "searches_here": 0.3,  # 6 / 20
        "msg_locked": 1.0,
        "low_hp_adjacent": 1.0,
        "hp_adjacent": hp,
        "in_mines": 1.0,
        "downstairs_known": 1.0,
        "downstairs_near": 0.8,  # 8 / (8 + 2)
        "frontier_known": 1.0,
        "frontier_near": 8 / 9,
        "adjacent_monsters": 1 / 3,
        "monster_adjacent": 1.0,
        "monster_close": 1.0,
        "monster_near": 8 / 9,
        "gold_known": 1.0,
        "adjacent_difficulty": NEWT_DIFFICULTY / 10,
        "role_monk": 1.0,
    }
    assert_features(psi, expected_state(state), STATE_FEATURES)
    directions = {
        (N, "kind_floor"): 1.0,
        (NE, "kind_wall"): 1.0,
        (E, "kind_closed_door"): 1.0,
        (SE, "kind_wall"): 1.0,
        (S, "kind_floor"): 1.0,
        (SW, "kind_item"): 1.0,
        (W, "kind_floor"): 1.0,
        (NW, "kind_monster"): 1.0,
        (SW, "path_downstairs"): 1.0,
        (SW, "near_downstairs"): 0.8,
        (E, "path_frontier"): 1.0,
        (E, "near_frontier"): 8 / 9,
        (SW, "path_item"): 1.0,
        (SW, "near_item"): 8 / 9,
        (NW, "path_monster"): 1.0,
        (NW, "near_monster"): 8 / 9,
        (E, "locked_door"): 1.0,  # a closed door while the message says it is locked
        (NW, "monster_low_hp"): 1.0,
        (NW, "monster_hp"): hp,
        (NW, "monster_difficulty"): NEWT_DIFFICULTY / 10,
    }
    for d in (NW, W, SW):
        directions[d, "path_gold"] = 1.0
        directions[d, "near_gold"] = 0.5  # 8 / (8 + 8)
    for d in (N, E, S, SW, W, NW):  # walkable (the newt stands on floor) and never visited
        directions[d, "unvisited"] = 1.0
    for d in (E, S, SW):  # 2 king-moves from the newt, the agent is 1 away
        directions[d, "flee"] = directions[d, "flee_low_hp"] = 1.0
    for d in range(8):
        expected = expected_directions(directions)[d]
        assert_features(phi[d], expected, [f"{d}:{name}" for name in DIRECTION_FEATURES])


def test_healthy_agent_on_a_remembered_item_in_a_closed_room():
    # A room without exits: no frontier, no staircase, so the agent is stuck. First it stands
    # at (4, 12) next to a dagger at (3, 11); then it steps onto the dagger, which the map
    # memory keeps under the agent's glyph.
    memory = MapMemory(1)
    g = room()
    g[3, 11], g[4, 12] = DAGGER, AGENT
    observe(memory, g, blstats(4, 12, hp=14, max_hp=14, hunger=0))
    g[3, 11], g[4, 12] = AGENT, cmap(ROOM)
    text = b"It's a wall.  There is a doorway here.  What do you want to eat? [f or ?*]"
    psi, phi = observe(
        memory, g, blstats(3, 11, hp=14, max_hp=14, hunger=0), text=text, searches=10, heard=1.0
    )
    state = {
        "bias": 1.0,
        "hp_frac": 1.0,
        "prayer_safe": 1.0,  # no trouble: neither trouble feature is on
        "depth": 0.1,
        "level": 0.1,
        "searches_here": 0.5,
        "stuck_searches": 0.5,
        "msg_prompt": 1.0,
        "msg_object_here": 1.0,
        "msg_bump": 1.0,
        "satiated": 1.0,
        "stuck": 1.0,
        "on_item": 1.0,
        # stuck: the squares along the walls, never-seen stone behind them, are search spots —
        # this one (searched 10 < 15 times): search here first, no way on to the next
        "on_search_spot": 1.0,
    }
    assert_features(psi, expected_state(state), STATE_FEATURES)
    directions = {(d, "kind_wall"): 1.0 for d in (N, NE, SW, W, NW)}
    for d in (E, SE, S):
        directions[d, "kind_floor"] = 1.0
    directions[E, "unvisited"] = directions[S, "unvisited"] = 1.0
    directions[SE, "visits"] = np.log(2) / 3  # (4, 12) was visited once
    expected = expected_directions(directions)
    for d in range(8):
        assert_features(phi[d], expected[d], [f"{d}:{name}" for name in DIRECTION_FEATURES])
    assert memory.visits[0, 4, 12] == 1 and memory.visits[0, 3, 11] == 1


def test_diagonal_moves_into_a_door_are_flagged():
    g = room()
    g[5, 20] = cmap(CLOSED_DOOR_V)
    g[4, 19] = AGENT
    _, phi = observe(MapMemory(1), g, blstats(4, 19, hp=10, max_hp=10))
    flagged = {d for d in range(8) if phi[d, DIRECTION_FEATURES.index("door_diagonal")] == 1}
    assert flagged == {SE}
    # and the path search does not take that diagonal: the door is reached through (5, 19)
    assert phi[SE, DIRECTION_FEATURES.index("path_frontier")] == 0
    assert phi[S, DIRECTION_FEATURES.index("path_frontier")] == 1


def test_no_path_leads_through_a_monster_never_to_be_hit():
    # The room's only way out, a gap in its east wall at (5, 20), leads on to never-seen stone.
    # A newt in the gap is fought through: the way to the frontier starts east. A floating eye
    # there is never hit, so no way leads through it (the bug: paths through it, and a Priest
    # walking to and fro between one and a mold for 24,000 moves).
    EYE, _ = monster("floating eye")
    path = DIRECTION_FEATURES.index("path_frontier")
    for blocker, east in ((NEWT, 1.0), (EYE, 0.0)):
        g = room()
        g[5, 20], g[5, 19] = blocker, AGENT
        _, phi = observe(MapMemory(1), g, blstats(5, 19, hp=10, max_hp=10))
        assert phi[E, path] == east
        assert phi[E, DIRECTION_FEATURES.index("kind_monster")] == 1.0


def test_walled_in_by_a_monster_never_to_be_hit_the_agent_fights_its_way_out():
    # Trained policies starved in corridors between floating eyes and acid blobs: no path runs
    # through them, so the level looked explored to its end, and nothing was to be hit (9 of
    # 11 of the longest stays on one level of a 200-game evaluation). The room's only way out is
    # the gap at (5, 20): with a blocker in it nothing is in reach (stuck), and the move onto it
    # is then the only move — onto one that stings at half HP or more or once Hungry, onto a
    # floating eye only Weak with no prayer offered (fought once Hungry, floating eyes froze a
    # trained policy's characters 47 times in 200 games; a prayer feeds the Weak).
    from nethack_agent.actions import MOVE, N_ACTIONS, PRAY, REST, SEARCH
    from nethack_agent.policy import MASK_LOGIT, action_mask, action_probabilities, init_params
    from nethack_agent.policy_kernel import sample_policy

    EYE, _ = monster("floating eye")
    BLOB, _ = monster("acid blob")
    cases = [  # blocker, HP, hunger, P(heard), a newt north: whether the agent fights east
        (BLOB, 10, 1, 0.0, False, True),
        (BLOB, 4, 1, 0.0, False, False),  # below half HP: not yet
        (BLOB, 4, 2, 0.0, False, True),  # but Hungry
        (EYE, 10, 1, 0.0, False, False),  # a floating eye only as the last resort
        (EYE, 10, 2, 0.0, False, False),  # not yet when Hungry
        (EYE, 10, 3, 0.9, False, False),  # nor Weak with a prayer to make
        (EYE, 10, 3, 0.3, False, True),  # Weak, a prayer less likely heard than not
        (EYE, 10, 4, 0.0, False, True),  # Fainting, the god angry
        (BLOB, 10, 1, 0.0, True, False),  # a monster to fight first
    ]
    psi = np.zeros((len(cases), len(STATE_FEATURES)))
    phi = np.zeros((len(cases), 8, len(DIRECTION_FEATURES)))
    for c, (blocker, hp, hunger, heard, newt, _) in enumerate(cases):
        g = room()
        g[5, 20], g[5, 19] = blocker, AGENT
        if newt:
            g[4, 19] = NEWT
        stats = blstats(5, 19, hp=hp, max_hp=10, hunger=hunger)
        psi[c], phi[c] = observe(MapMemory(1), g, stats, heard=heard)
    assert (psi[:, STATE_FEATURES.index("stuck")] == 1.0).all()
    mask = action_mask(psi, phi)
    for c, (*_, fights) in enumerate(cases):
        moves = mask[c, MOVE : MOVE + 8]
        if fights:
            assert moves[E] == 0.0 and (np.delete(moves, E) <= MASK_LOGIT).all()
            assert mask[c, SEARCH] < 0 and mask[c, REST] < 0  # no waiting it out
        else:
            assert moves[E] < MASK_LOGIT if cases[c][0] == EYE else moves[E] == MASK_LOGIT
            assert moves[W] == 0.0 and moves[N] == 0.0  # the floor, or the newt to fight
    assert mask[5, PRAY] == 0.0 and mask[6, PRAY] < 0  # the Weak pray instead, when offered
    rng = np.random.default_rng(3)
    params = {
        k: rng.normal(0, 0.3, v.shape) for k, v in init_params(psi.shape[1], phi.shape[2]).items()
    }
    _, compiled = sample_policy(params, psi, phi, np.full(len(cases), 0.5))
    np.testing.assert_allclose(compiled, action_probabilities(params, psi, phi), atol=1e-12)
    assert compiled.shape[1] == N_ACTIONS


# ------------------------------------------------------------------------------------------
# The map memory across levels.
# ------------------------------------------------------------------------------------------


def test_memory_parks_a_level_and_restores_it_on_return():
    # Two games; game 1 stays on its level 5 throughout, game 0 goes 1 → 2 → 1.
    memory = MapMemory(2)
    g1 = room()
    g1[7, 17] = cmap(DOWNSTAIR)
    g1[5, 15] = AGENT
    here = blstats(5, 15, 10, 10, dlevel=5)

    def step(glyphs, stats):
        psi, _ = extract_features(
            np.stack([glyphs, g1]),
            np.stack([stats, here]),
            np.zeros((2, 256), np.uint8),
            memory,
            np.zeros(2),
            np.zeros(2),
            np.zeros(2),
        )
        return psi[0]

    for _ in range(2):  # game 0 stands twice on (5, 15) of level 1
        step(g1, blstats(5, 15, 10, 10, dlevel=1))
    level_1 = memory.kind[0].copy()
    assert memory.visits[0, 5, 15] == 2 and memory.level[0] == (0, 1)

    # level 2: another map; nothing of level 1 is remembered there
    g2 = np.full(MAP_SHAPE, cmap(STONE), dtype=np.int16)
    g2[10, 30:35] = cmap(CORRIDOR)
    g2[10, 32] = AGENT
    psi = step(g2, blstats(10, 32, 10, 10, depth=2, dlevel=2))
    assert memory.level[0] == (0, 2)
    assert memory.visits[0].sum() == 1 and memory.visits[0, 10, 32] == 1
    assert psi[STATE_FEATURES.index("downstairs_known")] == 0.0
    assert not np.any(memory.kind[0, 3:8, 11:20])  # the room is not on this level

    # back on level 1, up the stairs: NetHack draws the remembered room again, with the
    # agent on the down-staircase, which only the parked memory still knows is there
    g_back = room()
    g_back[7, 17] = AGENT
    psi = step(g_back, blstats(7, 17, 10, 10, dlevel=1))
    assert memory.level[0] == (0, 1)
    assert memory.visits[0, 5, 15] == 2 and memory.visits[0, 7, 17] == 1
    assert psi[STATE_FEATURES.index("on_downstairs")] == 1.0
    np.testing.assert_array_equal(memory.kind[0, 3:8, 16:20], level_1[3:8, 16:20])
    # game 1 never changed level: three visits of its own square, its own map
    assert memory.level[1] == (0, 5) and memory.visits[1, 5, 15] == 4
    # a new game forgets every level
    memory.forget(0)
    assert memory.level[0] == (-1, -1) and not memory.visits[0].any()
    step(g2, blstats(10, 32, 10, 10, depth=2, dlevel=2))
    psi = step(g_back, blstats(7, 17, 10, 10, dlevel=1))
    assert memory.visits[0, 5, 15] == 0 and psi[STATE_FEATURES.index("on_downstairs")] == 0.0


def test_limits_of_the_episode_clock_and_the_first_role():
    g = room()
    g[5, 15] = AGENT
    stats = blstats(5, 15, 10, 10)
    archeologist = STATE_FEATURES.index("role_" + ROLES[0].lower())
    time = STATE_FEATURES.index("episode_time")
    for steps, expected in ((1000, 0.2), (6000, 1.0)):  # the default limit is 5,000 keys
        psi, _ = extract_features(
            g[None],
            stats[None],
            message(b"")[None],
            MapMemory(1),
            np.zeros(1),
            np.zeros(1),
            np.array([steps]),
            roles=np.array([0]),
        )
        assert psi[0, time] == expected and psi[0, archeologist] == 1.0
    assert MapMemory(2).level == [(-1, -1), (-1, -1)]  # no level entered yet


def test_masks_at_their_thresholds():
    from nethack_agent.actions import ASCEND, PRAY
    from nethack_agent.policy import NEVER_LOGIT, action_mask

    psi = np.zeros((4, len(STATE_FEATURES)))
    phi = np.zeros((4, 8, len(DIRECTION_FEATURES)))
    psi[:, STATE_FEATURES.index("trouble_and_safe")] = [0.5, 0.49, 0.01, 0.0]
    psi[:, STATE_FEATURES.index("prayer_safe")] = [0.5, 0.49, 0.01, 0.0]
    psi[2:, STATE_FEATURES.index("fainting")] = 1.0  # fainting: any chance at all is taken
    psi[:, STATE_FEATURES.index("on_upstairs")] = 1.0
    psi[:, STATE_FEATURES.index("depth")] = [0.2, 0.1, 0.2, 0.1]  # depth 1 would leave
    psi[:, STATE_FEATURES.index("monster_close")] = 1.0  # up is to flee
    mask = action_mask(psi, phi)
    assert mask[:, PRAY].tolist() == [0.0, NEVER_LOGIT, 0.0, NEVER_LOGIT]
    assert mask[:, ASCEND].tolist() == [0.0, NEVER_LOGIT, 0.0, NEVER_LOGIT]


def corpse(name):
    index = next(i for i in range(nethack.NUMMONS) if nethack.permonst(i).mname == name)
    return nethack.GLYPH_BODY_OFF + index


def test_hungry_with_nothing_to_eat_path_item_leads_to_food():
    # Agent at (5, 15). A dagger west and a tin east, 1 move; an apple at (5, 18), 3 moves
    # (first steps NE, E, SE); a lichen corpse at (3, 11), 4 moves (first steps NW, W, SW); a
    # newt corpse at (7, 17), 2 moves, and an egg at (3, 16), 2 moves: neither is sought
    g = room()
    g[5, 14], g[5, 16], g[5, 18], g[3, 11] = DAGGER, item("tin"), item("apple"), corpse("lichen")
    g[7, 17], g[3, 16] = corpse("newt"), item("egg")
    g[5, 15] = AGENT
    no_food = np.zeros(len(AGENT_FEATURES))
    no_food[AGENT_FEATURES.index("no_food")] = 1.0
    path, near = DIRECTION_FEATURES.index("path_item"), DIRECTION_FEATURES.index("near_item")

    def item_path(hunger, flags, visits=0):
        memory = MapMemory(1)
        memory.enter_levels(blstats(5, 15, 10, 10)[None])
        memory.visits[0, 5, 18] = visits
        phi = observe(memory, g, blstats(5, 15, 10, 10, hunger=hunger), agent_flags=flags)[1]
        return set(np.flatnonzero(phi[:, path]).tolist()), set(phi[:, near]) - {0.0}

    assert item_path(2, no_food) == ({E, SE, NE}, {8 / 11})  # Hungry: the apple
    assert item_path(3, no_food) == ({E, SE, NE}, {8 / 11})  # Weak: the same
    assert item_path(2, no_food, visits=3) == ({W, SW, NW}, {8 / 12})  # stood on 3 times
    assert item_path(1, no_food) == ({E, W}, {8 / 9})  # not hungry: the nearest object
    assert item_path(2, no_food * 0) == ({E, W}, {8 / 9})  # food in the pack
