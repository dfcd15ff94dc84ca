"""Features φ of a NetHack observation: a state block ψ(s) and a block φ(s, d) per direction.

The policy is linear in these (``nethack_agent.policy``): every action's logit gets ``ψ(s)·W_a``,
and a move or kick in direction d also gets ``φ(s, d)·θ_move`` or ``φ(s, d)·θ_kick`` — the
action-dependent form π(a|s) ∝ exp(θ·φ(s, a)), with θ shared across the eight directions.

The map part is one breadth-first search per environment and step from the agent's square over
the squares it remembers as walkable; every square keeps a bitmask of the first moves that
start a shortest path to it, so "is moving in direction d the first step of a shortest path to
the nearest down-staircase / frontier / gold / item / monster" is one bit test. That loop runs
in numba (``_map_features``): numpy and scipy were measured too slow for it (see docs/nethack.md).

A ``MapMemory`` keeps, per environment and dungeon level, what lies under monsters and the
agent (so a down-staircase it stands on is not forgotten) and how often each square was visited.

Each feature in one line:

State block ψ(s), ``STATE_FEATURES`` (also the value baseline's features):
    bias: constant 1.
    hp_frac: HP / max HP.
    low_hp: HP below a third of max HP.
    major_trouble: the "major trouble" a prayer fixes, as far as the status line shows it
        (``nethack_agent.prayer.major_trouble``: HP ≤ 5 or ≤ max HP / 5 at experience levels
        1–5, Weak from hunger, food-poisoned, ill, stoned, slimed, strangled).
    prayer_safe: P(a prayer now, in major trouble, is heard) from NetHack's prayer timeout
        (``nethack_agent.prayer.heard_probability``); 0 once the god is angry.
    trouble_and_safe: major_trouble × prayer_safe (praying now fixes the trouble).
    trouble_unsafe: major_trouble × (1 − prayer_safe) (praying now angers the god).
    hungry: hunger status "Hungry".
    weak: hunger status "Weak" or worse.
    fainting: hunger status "Fainting" or worse (starvation is near).
    depth: dungeon depth / 10.
    level: experience level / 10.
    episode_time: steps taken in this episode / the key cap (at most 1).
    searches_here: consecutive searches on this square / 20.
    stuck_searches: stuck × searches_here.
    msg_locked: the message says a door is locked.
    msg_prompt: a question is waiting for an answer.
    msg_object_here: the message reports objects on this square.
    msg_bump: the last move bumped into a wall or rock.
    low_hp_adjacent: low_hp × a monster is adjacent.
    hp_adjacent: hp_frac × a monster is adjacent.
    satiated: hunger status "Satiated" (eating more may choke).
    in_mines: the agent is in the Gnomish Mines (dungeon number 2).
    on_downstairs: the agent stands on a down-staircase.
    downstairs_known: a down-staircase is reachable on the remembered map.
    downstairs_near: 8 / (8 + path distance to it), 0 if none.
    frontier_known: an unvisited walkable square next to unexplored space is reachable.
    frontier_near: 8 / (8 + path distance to it), 0 if none.
    stuck: neither a frontier nor a down-staircase is reachable (search for hidden passages).
    adjacent_monsters: number of monsters in the 8 adjacent squares / 3.
    monster_adjacent: a monster is adjacent.
    monster_close: a monster within 4 squares (Chebyshev).
    monster_near: 8 / (8 + path distance to the nearest monster), 0 if none.
    gold_known: gold is reachable.
    on_item: the agent stands on an object.
    adjacent_difficulty: the largest difficulty / 10 of the adjacent monsters.
    on_upstairs: the agent stands on an up-staircase.
    search_near: when stuck, 8 / (8 + path distance to the nearest search spot), 0 if none or
        when on one (search there first) — a
        square searched fewer than ``SEARCH_ENOUGH`` times (once every spot in reach has been,
        twice as many, and so on) that ends a corridor (one walkable
        neighbour) or lies by a room wall with unexplored space behind it, where hidden
        corridors and doors are (``_search_spot``); after four rounds, any corridor square too.
    on_search_spot: when stuck, the agent's own square is such a spot.
    can_engrave: the task lets the agent type a line of text (the Challenge: Elbereth) and
        NetHack has not refused an engraving on this square (a fountain, an altar, a grave).
    on_elbereth: the agent engraved Elbereth on this square and has not moved since.
    fresh_corpse_here: a corpse safe to eat was seen to fall on this square at most
        ``nethack_agent.food.FRESH_TURNS`` turns ago (``nethack_agent.food.CorpseWatch``).
    useful_item_here: NetHack named a useful object on this square (``nethack_agent.items``), or
        a pile of objects, not yet picked over, and the agent is not Burdened.
    armor_to_wear: the agent picked up armour it has not yet tried to wear.
    weapon_to_wield: the agent (an Archeologist or Tourist, ``items.WIELDERS``) picked up a melee
        weapon it has not yet tried to wield.
    no_food: NetHack said "You don't have anything to eat." and nothing was picked up since.
    role_*: one-hot of the character's role (``nethack_agent.character.ROLES``; all 0 if the
        role could not be read).

Direction block φ(s, d), ``DIRECTION_FEATURES``, for the square n next to the agent in d:
    bias: constant 1 (a per-group bias shared by the eight directions).
    kind_*: one-hot of what is on n now (17 kinds, ``nethack_agent.glyphs``).
    door_diagonal: d is diagonal and n or the agent's square is a door (an illegal move).
    path_{downstairs,frontier,gold,item,monster}: d starts a shortest path to the nearest one;
        when stuck (no frontier), the frontier is the nearest search spot — where the map can
        still grow; Hungry or worse with nothing to eat (``no_food``), the item is the nearest
        food (``nethack_agent.food.food_glyphs``, or a fresh corpse safe to eat,
        ``nethack_agent.food.fresh_corpse``) on a square stood on fewer than 3 times.
    near_{…}: the same bit × 8 / (8 + that path distance).
    unvisited: n is walkable and never visited.
    visits: log(1 + visits of n) / 3.
    monster_low_hp: a monster is on n × low_hp (fight or flee).
    monster_hp: a monster is on n × hp_frac.
    flee: n is free and farther (Chebyshev) from every visible monster than the agent's square.
    flee_low_hp: flee × low_hp.
    locked_door: n is a closed door × msg_locked (kick it).
    monster_difficulty: difficulty / 10 of the monster on n (NetHack's own rating), 0 if none.
    passive_monster: the monster on n hurts whoever hits it bare-handed: 1 if that can kill
        (floating eye: paralysis; gas spore: explosion; cockatrice, chickatrice: stoning), 0.5
        if it stings (acid blob, molds, jellies); never attack it.
    path_search, near_search: as path_* and near_* for the nearest search spot (when stuck).
    corpse_to_eat: n holds a fresh corpse safe to eat (``fresh_corpse_here`` once there) and
        the agent is not Satiated: step there, then eat. Set by the runner
        (``nethack_agent.envs``), which watches the corpses fall; 0 from ``extract_features``.
"""

from __future__ import annotations

import numba
import numpy as np

from nethack_agent import glyphs
from nethack_agent.actions import DIRECTIONS, N_DIRECTIONS
from nethack_agent.character import ROLES
from nethack_agent.food import CorpseWatch, food_glyphs, fresh_corpse
from nethack_agent.prayer import major_trouble as in_major_trouble

__all__ = [
    "AGENT_FEATURES",
    "DIRECTION_FEATURES",
    "MAP_SHAPE",
    "MapMemory",
    "N_DIRECTION_FEATURES",
    "N_STATE_FEATURES",
    "STATE_FEATURES",
    "TARGETS",
    "extract_features",
    "message_flags",
]

MAP_SHAPE = (21, 79)
SEARCH_ENOUGH = 15
"""Searches after which a square counts as searched: a search finds each hidden door or corridor
next to the agent with probability about 1/7 (NetHack's ``rnl(7)`` at Luck 0), so fifteen miss
one with probability (6/7)^15 ≈ 0.1. When every spot in reach has had them and the agent is still
stuck, each gets as many again (a second round misses with probability 0.01), up to
``_SEARCH_LIMIT`` — NetHackScore games wandered stuck on Dlvl 1 for 2,000 steps with no spot
left (25 of 200 games ended at the key cap on Dlvl 1–2)."""
_SEARCH_LIMIT = 4 * SEARCH_ENOUGH
_CORRIDOR = glyphs.CORRIDOR
TARGETS = ("downstairs", "frontier", "gold", "item", "monster")
_STATUS_FEATURES = (
    "bias",
    "hp_frac",
    "low_hp",
    "major_trouble",
    "prayer_safe",
    "trouble_and_safe",
    "trouble_unsafe",
    "hungry",
    "weak",
    "depth",
    "level",
    "episode_time",
    "searches_here",
    "stuck_searches",
    "msg_locked",
    "msg_prompt",
    "msg_object_here",
    "msg_bump",
    "low_hp_adjacent",
    "hp_adjacent",
    "satiated",
    "in_mines",
    "fainting",
)
_MAP_STATE_FEATURES = (
    "on_downstairs",
    "downstairs_known",
    "downstairs_near",
    "frontier_known",
    "frontier_near",
    "stuck",
    "adjacent_monsters",
    "monster_adjacent",
    "monster_close",
    "monster_near",
    "gold_known",
    "on_item",
    "adjacent_difficulty",
    "on_upstairs",
    "search_near",
    "on_search_spot",
)
AGENT_FEATURES = (
    "can_engrave",
    "on_elbereth",
    "fresh_corpse_here",
    "useful_item_here",
    "armor_to_wear",
    "weapon_to_wield",
    "no_food",
)
"""State features the runner knows from its own records, not from the observation."""
_ROLE_FEATURES = tuple(f"role_{role.lower()}" for role in ROLES)
STATE_FEATURES = _STATUS_FEATURES + _MAP_STATE_FEATURES + AGENT_FEATURES + _ROLE_FEATURES
_AGENT_START = len(_STATUS_FEATURES) + len(_MAP_STATE_FEATURES)
_ROLE_START = len(STATE_FEATURES) - len(_ROLE_FEATURES)
_NO_FOOD = AGENT_FEATURES.index("no_food")
_FOOD_GLYPH = food_glyphs()
_FOOD_VISITS = 3
"""A food square the agent stood on this often is left out of ``path_item``'s search for food: it
was not taken (a shop's, too heavy), and the agent would walk to it and back again."""
DIRECTION_FEATURES = (
    "bias",
    *(f"kind_{name}" for name in glyphs.KIND_NAMES),
    "door_diagonal",
    *(f"path_{target}" for target in TARGETS),
    *(f"near_{target}" for target in TARGETS),
    "unvisited",
    "visits",
    "monster_low_hp",
    "monster_hp",
    "flee",
    "flee_low_hp",
    "locked_door",
    "monster_difficulty",
    "passive_monster",
    "path_search",
    "near_search",
    "corpse_to_eat",
)
N_STATE_FEATURES = len(STATE_FEATURES)
N_DIRECTION_FEATURES = len(DIRECTION_FEATURES)
_N_STATUS = len(_STATUS_FEATURES)
_SEARCHES_HERE = STATE_FEATURES.index("searches_here")
_STUCK_SEARCHES = STATE_FEATURES.index("stuck_searches")
_LOW_HP_ADJACENT = STATE_FEATURES.index("low_hp_adjacent")
_HP_ADJACENT = STATE_FEATURES.index("hp_adjacent")
_S = {name: i for i, name in enumerate(STATE_FEATURES)}

_DY = np.array([dy for dy, _ in DIRECTIONS], dtype=np.int64)
_DX = np.array([dx for _, dx in DIRECTIONS], dtype=np.int64)
_WALKABLE = np.zeros(glyphs.N_KINDS, dtype=np.bool_)
_WALKABLE[
    [
        glyphs.FLOOR,
        glyphs.CORRIDOR,
        glyphs.DOORWAY,
        glyphs.OPEN_DOOR,
        glyphs.CLOSED_DOOR,  # autoopen: walking into a closed door opens it
        glyphs.DOWNSTAIRS,
        glyphs.UPSTAIRS,
        glyphs.ITEM,
        glyphs.GOLD,
        glyphs.MONSTER,
        glyphs.PET,
        glyphs.BOULDER,  # pushed by walking into it; one that would not move is a WALL
    ]
] = True
# What the breadth-first search reads of a square, one byte per square of a map padded by a
# border of rock (so a neighbour is never off the map): bits of the remembered kind …
_PAD_WIDTH = MAP_SHAPE[1] + 2
_WALK, _DOOR, _UNEXPLORED, _DOWN, _GOLD, _ITEM, _MONSTER, _WALL = (1 << b for b in range(8))
_MEMORY_BITS = np.zeros(glyphs.N_KINDS, dtype=np.uint8)
_MEMORY_BITS[_WALKABLE] |= _WALK
_MEMORY_BITS[glyphs.WALL] |= _WALL
_MEMORY_BITS[[glyphs.OPEN_DOOR, glyphs.CLOSED_DOOR]] |= _DOOR
_MEMORY_BITS[glyphs.UNEXPLORED] |= _UNEXPLORED
_MEMORY_BITS[glyphs.DOWNSTAIRS] |= _DOWN
# … and of what is seen there now
_SEEN_BITS = np.zeros(glyphs.N_KINDS, dtype=np.uint8)
_SEEN_BITS[[glyphs.GOLD, glyphs.ITEM, glyphs.MONSTER]] = (_GOLD, _ITEM, _MONSTER)
_NOT_WALK = np.uint8(0xFF ^ _WALK)
_STEPS = np.array([dy * _PAD_WIDTH + dx for dy, dx in DIRECTIONS], dtype=np.int64)
_WINDOW = 6  # monsters farther (Chebyshev) from the agent than this never change a feature

_MESSAGE_PATTERNS = (
    (b"This door is locked",),  # msg_locked
    (b"[yn", b"direction?", b"What do you want to"),  # msg_prompt
    (b"You see here", b"There is ", b"There are ", b"Things that are here"),  # msg_object_here
    (b"It's a wall", b"It's solid stone"),  # msg_bump
)
_PATTERN_BYTES = np.frombuffer(b"".join(p for group in _MESSAGE_PATTERNS for p in group), np.uint8)
_PATTERN_STARTS = np.cumsum([0] + [len(p) for group in _MESSAGE_PATTERNS for p in group])
_PATTERN_FLAG = np.array([g for g, group in enumerate(_MESSAGE_PATTERNS) for _ in group])


def message_flags(messages: np.ndarray) -> np.ndarray:
    """Which kinds of message each environment shows.

    Args:
        messages: (N, 256) uint8, NLE's ``message`` observation (NUL-padded text).

    Returns:
        (N, 4) float64: locked door, prompt waiting, objects here, bumped into a wall.
    """
    flags = np.zeros((len(messages), len(_MESSAGE_PATTERNS)))
    _message_flags(
        np.ascontiguousarray(messages, dtype=np.uint8),
        _PATTERN_BYTES,
        _PATTERN_STARTS,
        _PATTERN_FLAG,
        flags,
    )
    return flags


@numba.njit(cache=True)
def _message_flags(messages, pattern_bytes, starts, flag_of, flags):
    for e in range(messages.shape[0]):
        text = messages[e]
        length = 0
        while length < text.shape[0] and text[length] != 0:
            length += 1
        for p in range(flag_of.shape[0]):
            lo, hi = starts[p], starts[p + 1]
            size = hi - lo
            for offset in range(length - size + 1):
                match = True
                for j in range(size):
                    if text[offset + j] != pattern_bytes[lo + j]:
                        match = False
                        break
                if match:
                    flags[e, flag_of[p]] = 1.0
                    break


class MapMemory:
    """What each environment remembers of every dungeon level it has seen.

    ``kind`` holds, for the level each environment is on now, the last kind seen on every
    square ignoring monsters (so it remembers the staircase under the agent); ``visits``
    counts how often the agent stood on each square, ``searched`` the searches made on it in
    all (at most 32767; ``rest`` counts its 20). Other levels are parked in a dict
    keyed by (dungeon number, level) and swapped back in when the agent returns.

    Args:
        n_envs: number of environments N.
    """

    def __init__(self, n_envs: int):
        self.kind = np.zeros((n_envs, *MAP_SHAPE), dtype=np.int8)
        self.visits = np.zeros((n_envs, *MAP_SHAPE), dtype=np.int16)  # < 32768 per game
        self.searched = np.zeros((n_envs, *MAP_SHAPE), dtype=np.int16)  # searches, at most
        self._levels = [[-1, -1] for _ in range(n_envs)]  # as blstats' tolist() has them
        self._parked: list[dict[tuple[int, int], tuple[np.ndarray, ...]]] = [
            {} for _ in range(n_envs)
        ]
        # The feature kernel's own state, kept from step to step so that it revisits only the
        # map rows whose glyphs changed: the glyphs it last read (-1: read every row), the
        # kinds seen there, the search's bytes of every square (padded), the agent's last row.
        self._glyphs = np.full((n_envs, *MAP_SHAPE), -1, dtype=np.int16)
        self._seen = np.zeros((n_envs, *MAP_SHAPE), dtype=np.int8)
        self._bits = np.zeros((n_envs, MAP_SHAPE[0] + 2, _PAD_WIDTH), dtype=np.uint8)
        self._agent_row = np.zeros(n_envs, dtype=np.int64)
        # searches_here already added to ``searched`` (the runner's count restarts at 0 on a move)
        self._searches_counted = np.zeros(n_envs)
        # The last search, reused while the agent stands on the square it started from and no
        # square changed between walkable and not, door and not: its start (-1: none), the
        # squares it reached in order, their distances and first moves.
        n_cells = (MAP_SHAPE[0] + 2) * _PAD_WIDTH
        self._search_start = np.full(n_envs, -1, dtype=np.int64)
        self._search_reached = np.zeros(n_envs, dtype=np.int64)
        self._queue = np.zeros((n_envs, n_cells), dtype=np.int16)
        self._dist = np.zeros((n_envs, n_cells), dtype=np.int16)
        self._first = np.zeros((n_envs, n_cells), dtype=np.uint8)

    @property
    def level(self) -> list[tuple[int, int]]:
        """(dungeon number, level) each environment's memory holds now; (-1, -1): none yet."""
        return [(dnum, dlevel) for dnum, dlevel in self._levels]

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """What the feature kernel reads and updates, as its one argument ``memory``.

        kind, visits, searched, then the kernel's own state (glyphs read, kinds seen, search
        bytes, the agent's last row, the searches counted, the last search).
        """
        return (
            self.kind,
            self.visits,
            self.searched,
            self._glyphs,
            self._seen,
            self._bits,
            self._agent_row,
            self._searches_counted,
            self._search_start,
            self._search_reached,
            self._queue,
            self._dist,
            self._first,
        )

    def remember_wall(self, env: int, y: int, x: int) -> None:
        """Square (y, x) of environment ``env``'s level is rock or wall, though never seen so.

        A move into it said "It's solid stone." (or "It's a wall."): it is a WALL in ``kind``
        from now on (while NetHack shows nothing there), and its row is read afresh next time.
        """
        if 0 <= y < MAP_SHAPE[0] and 0 <= x < MAP_SHAPE[1]:
            self.kind[env, y, x] = glyphs.WALL
            self._glyphs[env, y, x] = -1  # no glyph: the row counts as changed

    def forget(self, env: int) -> None:
        """Clear environment ``env``'s memory (a new game starts)."""
        self.kind[env] = glyphs.UNEXPLORED
        self.visits[env] = 0
        self.searched[env] = 0
        self._levels[env] = [-1, -1]
        self._parked[env].clear()
        self._glyphs[env] = -1
        self._search_start[env] = -1
        self._searches_counted[env] = 0.0

    def enter_levels(self, blstats: np.ndarray) -> None:
        """Swap in the memory of each environment's current level.

        Args:
            blstats: (N, 27) int, NLE's ``blstats``; dungeon number and level at 23 and 24.
        """
        levels = blstats[:, 23:25].tolist()
        if levels == self._levels:  # (almost every step: one comparison)
            return
        for env, (dnum, dlevel) in enumerate(levels):
            current = tuple(self._levels[env])
            if current != (dnum, dlevel):
                if current != (-1, -1):
                    self._parked[env][current] = (
                        self.kind[env].copy(),
                        self.visits[env].copy(),
                        self.searched[env].copy(),
                    )
                kind, visits, searched = self._parked[env].pop((dnum, dlevel), (None,) * 3)
                self.kind[env] = glyphs.UNEXPLORED if kind is None else kind
                self.visits[env] = 0 if visits is None else visits
                self.searched[env] = 0 if searched is None else searched
                self._levels[env] = [dnum, dlevel]
                self._glyphs[env] = -1
                self._search_start[env] = -1


def extract_features(
    glyph_maps: np.ndarray,
    blstats: np.ndarray,
    messages: np.ndarray,
    memory: MapMemory,
    searches_here: np.ndarray,
    prayer_heard: np.ndarray,
    episode_steps: np.ndarray,
    max_episode_steps: int = 5000,
    roles: np.ndarray | None = None,
    agent_flags: np.ndarray | None = None,
    corpses: CorpseWatch | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Features of N observations at once; updates ``memory`` (visits, remembered squares).

    Args:
        glyph_maps: (N, 21, 79) glyph ids (NLE ``glyphs``).
        blstats: (N, 27) NLE ``blstats``.
        messages: (N, 256) uint8 NLE ``message``.
        memory: the environments' ``MapMemory``; its current levels are updated in place.
        searches_here: (N,) consecutive searches on the current square.
        prayer_heard: (N,) probability that a prayer now, in major trouble, is heard
            (``nethack_agent.prayer.heard_probability``).
        episode_steps: (N,) steps taken in each episode so far.
        max_episode_steps: the episode time limit.
        roles: (N,) index of each character's role in ``ROLES``, -1 if unknown; None: unknown.
        agent_flags: (N, len(AGENT_FEATURES)) the runner's own features, or None (all 0).
        corpses: the corpses seen to fall (``nethack_agent.food.CorpseWatch``, watched by the
            caller), or None (none).

    Returns:
        psi: (N, N_STATE_FEATURES) float64, the state block ψ(s).
        phi: (N, 8, N_DIRECTION_FEATURES) float64, the direction blocks φ(s, d).
    """
    n_envs = len(glyph_maps)
    memory.enter_levels(blstats)
    psi = np.zeros((n_envs, N_STATE_FEATURES))
    phi = np.zeros((n_envs, N_DIRECTIONS, N_DIRECTION_FEATURES))
    _features(
        np.ascontiguousarray(glyph_maps, dtype=np.int16),
        np.ascontiguousarray(blstats, dtype=np.int64),
        np.ascontiguousarray(messages, dtype=np.uint8),
        memory.arrays,
        np.asarray(searches_here, dtype=np.float64),
        np.asarray(prayer_heard, dtype=np.float64),
        np.asarray(episode_steps, dtype=np.float64),
        float(max_episode_steps),
        np.full(n_envs, -1) if roles is None else np.asarray(roles, dtype=np.int64),
        np.zeros((n_envs, len(AGENT_FEATURES)))
        if agent_flags is None
        else np.asarray(agent_flags, dtype=np.float64),
        (CorpseWatch(n_envs) if corpses is None else corpses).arrays,
        psi,
        phi,
    )
    return psi, phi


# The kernels read the tables below as compile-time constants (numba freezes global arrays).
_KIND_OF_GLYPH = glyphs.KIND_OF_GLYPH
_MONSTER_INFO = glyphs.MONSTER_INFO


@numba.njit(cache=True)
def _features(
    glyph_maps,
    blstats,
    messages,
    memory,
    searches_here,
    prayer_heard,
    episode_steps,
    max_episode_steps,
    roles,
    agent_flags,
    corpses,
    psi,
    phi,
):
    n_envs = glyph_maps.shape[0]
    flags = np.zeros((n_envs, len(_MESSAGE_PATTERNS)))
    _message_flags(messages, _PATTERN_BYTES, _PATTERN_STARTS, _PATTERN_FLAG, flags)
    hp_frac = np.empty(n_envs)
    low_hp = np.empty(n_envs)
    # hungry or worse with nothing to eat: path_item leads to food (nethack_agent.food)
    seek_food = np.empty(n_envs, dtype=np.bool_)
    for e in range(n_envs):
        seek_food[e] = blstats[e, 21] >= 2 and agent_flags[e, _NO_FOOD] > 0
        hp = float(blstats[e, 10])
        max_hp = float(max(blstats[e, 11], 1))
        hp_frac[e] = min(max(hp / max_hp, 0.0), 1.0)
        low_hp[e] = hp_frac[e] < 1.0 / 3.0
        major_trouble = in_major_trouble(
            blstats[e, 10], blstats[e, 11], blstats[e, 18], blstats[e, 21], blstats[e, 25]
        )
        prayer_safe = prayer_heard[e]
        searches = min(searches_here[e], 30.0) / 20.0
        status = (
            1.0,
            1.0 * (hp_frac[e]),
            1.0 * (low_hp[e]),
            1.0 * (major_trouble),
            1.0 * (prayer_safe),
            major_trouble * prayer_safe,
            major_trouble * (1.0 - prayer_safe),
            1.0 * (blstats[e, 21] == 2),
            1.0 * (blstats[e, 21] >= 3),
            1.0 * (blstats[e, 12] / 10.0),
            1.0 * (blstats[e, 18] / 10.0),
            min(episode_steps[e] / max_episode_steps, 1.0),
            1.0 * (searches),
            0.0,  # stuck_searches, after the map features
            1.0 * (flags[e, 0]),
            1.0 * (flags[e, 1]),
            1.0 * (flags[e, 2]),
            1.0 * (flags[e, 3]),
            0.0,  # low_hp_adjacent, after the map features
            0.0,  # hp_adjacent, after the map features
            1.0 * (blstats[e, 21] == 0),
            1.0 * (blstats[e, 23] == 2),
            1.0 * (blstats[e, 21] >= 4),
        )
        for j in range(_N_STATUS):
            psi[e, j] = status[j]
    _map_features(
        glyph_maps,
        blstats,
        seek_food,
        corpses,
        memory,
        searches_here,
        hp_frac,
        low_hp,
        flags,
        psi[:, _N_STATUS:],
        phi,
    )
    for e in range(n_envs):
        stuck, adjacent = psi[e, _N_STATUS + 5], psi[e, _N_STATUS + 7]
        psi[e, _STUCK_SEARCHES] = psi[e, _SEARCHES_HERE] * stuck
        psi[e, _LOW_HP_ADJACENT] = low_hp[e] * adjacent
        psi[e, _HP_ADJACENT] = hp_frac[e] * adjacent
        for j in range(agent_flags.shape[1]):
            psi[e, _AGENT_START + j] = agent_flags[e, j]
        if roles[e] >= 0:
            psi[e, _ROLE_START + roles[e]] = 1.0


@numba.njit(cache=True)
def _kind_here(shown, remembered):
    """What a square is, from the kind shown there now and the kind remembered.

    Rock the agent bumped into and a boulder that would not move stay the WALL remembered
    (``MapMemory.remember_wall``) while NetHack shows nothing or the boulder; otherwise what is
    shown.
    """
    if (shown == glyphs.UNEXPLORED or shown == glyphs.BOULDER) and remembered == glyphs.WALL:
        return glyphs.WALL
    return shown


@numba.njit(cache=True)
def _see_row(e, y, glyph_maps, ay, ax, mem, seen, last, bits):
    """Read map row y of environment e: kinds seen now, memory, glyphs read, search bytes.

    Returns whether a square of the row changed between walkable and not, door and not.
    Every square not hidden by a monster is remembered; under a monster or the agent what was
    there is kept (or floor, if never seen); the agent's own square counts as what it remembers.
    No path leads through a monster that must never be hit (``glyphs.PASSIVE_MONSTERS``): a
    Priest in a corridor between a floating eye and a mold walked to and fro for 24,000 moves,
    each move's shortest path to the frontier running through the other one.
    """
    width = seen.shape[1]
    for x in range(width):
        g = glyph_maps[e, y, x]
        last[y, x] = g
        k = _KIND_OF_GLYPH[g]
        seen[y, x] = k
        if k == 13 or k == 14 or (y == ay and x == ax):  # MONSTER, PET, the agent
            if mem[y, x] == 0:
                mem[y, x] = 2  # FLOOR
        else:
            mem[y, x] = _kind_here(k, mem[y, x])
    if y == ay:
        seen[ay, ax] = mem[ay, ax]
    paths_changed = False
    for x in range(width):
        b = _MEMORY_BITS[mem[y, x]] | _SEEN_BITS[seen[y, x]]
        if _MONSTER_INFO[last[y, x], 1] > 0:  # a passive monster is never hit: no way through
            b &= _NOT_WALK
        paths_changed |= ((b ^ bits[y + 1, x + 1]) & (_WALK | _DOOR)) != 0
        bits[y + 1, x + 1] = b
    return paths_changed


@numba.njit(cache=True)
def _search_spot(bits, c, steps):
    """Whether padded square c is where hidden passages are found by searching.

    A corridor's end (one walkable neighbour of eight), or a square next to a wall (up, down,
    left or right) with never-seen space right behind the wall where NetHack can dig a
    corridor: not on the map's outer rows and columns (``dig_corridor`` keeps to
    1 ≤ y ≤ ROWNO − 2, 1 ≤ x ≤ COLNO − 2), which a room by the map's edge would otherwise
    offer forever.
    """
    n_walkable = 0
    for d in range(8):
        if bits[c + steps[d]] & _WALK:
            n_walkable += 1
    if n_walkable == 1:
        return True
    for d in range(4):
        wall = c + steps[d]
        behind = wall + steps[d]
        row, column = behind // _PAD_WIDTH - 1, behind % _PAD_WIDTH - 1  # map coordinates
        inside = 1 <= row <= MAP_SHAPE[0] - 2 and 1 <= column <= MAP_SHAPE[1] - 1
        if bits[wall] & _WALL and inside and bits[behind] & _UNEXPLORED:
            return True
    return False


@numba.njit(cache=True)
def _map_features(
    glyph_maps,
    blstats,
    seek_food,
    corpses,
    memory,
    searches_here,
    hp_frac,
    low_hp,
    flags,
    psi_map,
    phi,
):
    monster_info, walkable, steps, dy, dx = _MONSTER_INFO, _WALKABLE, _STEPS, _DY, _DX
    food_glyph = _FOOD_GLYPH
    mem_kind, visits, searched, last_glyphs, seen_kinds, bits_of = memory[:6]
    agent_row, counted, search_start, search_reached, queues, dists, firsts = memory[6:]
    n_envs, height, width = glyph_maps.shape
    pad_width = _PAD_WIDTH  # a constant: c // pad_width compiles to a multiplication
    n_cells = (height + 2) * pad_width
    n_targets = 5
    target_dist = np.empty(n_targets, dtype=np.int32)
    target_mask = np.empty(n_targets, dtype=np.uint8)
    window = 2 * _WINDOW + 1
    monster_y = np.empty(window * window, dtype=np.int64)
    monster_x = np.empty(window * window, dtype=np.int64)
    for e in range(n_envs):
        ay, ax = blstats[e, 1], blstats[e, 0]
        cur = seen_kinds[e]
        mem = mem_kind[e]
        last = last_glyphs[e]
        # Only rows whose glyphs changed, and the agent's rows then and now, are read again:
        # reading a row twice changes nothing (``_see_row`` is idempotent).
        paths_changed = False
        for y in range(height):
            changed = y == ay or y == agent_row[e]
            x = 0
            while not changed and x < width:
                changed = glyph_maps[e, y, x] != last[y, x]
                x += 1
            if changed:
                paths_changed |= _see_row(e, y, glyph_maps, ay, ax, mem, cur, last, bits_of[e])
        agent_row[e] = ay
        bits = bits_of[e].reshape(n_cells)  # a view
        if visits[e, ay, ax] < 32767:  # int16: saturate, never wrap to negative
            visits[e, ay, ax] += 1
        # every search counts, made in one stay or in many (searches_here restarts on a move)
        if searches_here[e] < counted[e]:
            counted[e] = 0.0
        added = searches_here[e] - counted[e]
        searched[e, ay, ax] = min(searched[e, ay, ax] + added, 32767.0)
        counted[e] = searches_here[e]

        # The monsters near enough to matter (the agent's square is never one).
        min_monster_cheb = 1000
        n_adjacent = 0
        n_monsters = 0
        for y in range(max(0, ay - _WINDOW), min(height, ay + _WINDOW + 1)):
            for x in range(max(0, ax - _WINDOW), min(width, ax + _WINDOW + 1)):
                if cur[y, x] == 13:
                    cheb = max(abs(y - ay), abs(x - ax))
                    min_monster_cheb = min(min_monster_cheb, cheb)
                    n_adjacent += cheb == 1
                    monster_y[n_monsters] = y
                    monster_x[n_monsters] = x
                    n_monsters += 1

        # Breadth-first search from the agent; first[c] = bitmask of first moves on shortest paths
        # (the last one's still holds if the agent has not moved and no path opened or closed).
        queue, dist, first = queues[e], dists[e], firsts[e]
        start = (ay + 1) * pad_width + ax + 1
        if start == search_start[e] and not paths_changed:
            head = tail = search_reached[e]
        else:
            dist[:] = -1
            first[:] = 0
            dist[start] = 0
            head, tail = 0, 1
            queue[0] = start
        while head < tail:
            c = queue[head]
            head += 1
            c_door = bits[c] & _DOOR
            next_dist = dist[c] + 1
            for d in range(8):
                n = c + steps[d]
                b = bits[n]
                if not b & _WALK:
                    continue  # the border is rock: never off the map
                seen = dist[n]
                if seen != -1 and seen != next_dist:
                    continue  # reached before by a shorter path: nothing to add
                if d >= 4 and (c_door or b & _DOOR):
                    continue  # no diagonal moves through doors
                moves = np.uint8(1 << d) if c == start else first[c]
                if seen == -1:
                    dist[n] = next_dist
                    first[n] = moves
                    queue[tail] = n
                    tail += 1
                else:
                    first[n] |= moves
        search_start[e], search_reached[e] = start, tail

        # Nearest target of each kind among the reached squares.
        target_dist[:] = -1
        target_mask[:] = 0
        for i in range(1, tail):  # queue[0] is the agent's square
            c = queue[i]
            b = bits[c]
            row, column = c // pad_width - 1, c % pad_width - 1  # map coordinates
            frontier = False
            if visits[e, row, column] == 0:
                for d in range(8):
                    if bits[c + steps[d]] & _UNEXPLORED:
                        frontier = True
                        break
            # bit t: the square is a target of kind TARGETS[t] (gold, item, monster: bits 4–6)
            targets = (b & _DOWN) >> 3 | (2 if frontier else 0) | (b >> 2) & 0b11100
            if seek_food[e]:  # the item sought is food, not taken where the agent stood
                food = food_glyph[glyph_maps[e, row, column]]
                food = food or fresh_corpse(corpses, e, row, column, blstats[e, 20])
                food = food and visits[e, row, column] < _FOOD_VISITS
                targets = (targets & 0b10111) | (0b1000 if food else 0)
            if targets == 0:
                continue
            for t in range(n_targets):
                if (targets >> t) & 1:
                    if target_dist[t] == -1:
                        target_dist[t] = dist[c]
                    if dist[c] == target_dist[t]:
                        target_mask[t] |= first[c]

        # Stuck (no down-staircase, no frontier): the nearest square still worth searching.
        # Every spot searched SEARCH_ENOUGH times and still stuck: another round, as often, up
        # to _SEARCH_LIMIT; then the same rounds over every corridor square as well (a hidden
        # corridor square can lie beside any of them: a dead end two squares wide is no spot).
        spot_dist, spot_mask, on_spot = -1, np.uint8(0), False
        for every_corridor in (False, True):
            enough = SEARCH_ENOUGH
            while target_dist[0] == -1 and target_dist[1] == -1 and enough <= _SEARCH_LIMIT:
                for i in range(tail):
                    c = queue[i]
                    if spot_dist != -1 and dist[c] > spot_dist:
                        break  # farther than the nearest spot (the queue is in distance order)
                    row, column = c // pad_width - 1, c % pad_width - 1
                    if searched[e, row, column] >= enough:
                        continue
                    corridor = every_corridor and mem[row, column] == _CORRIDOR
                    if not (corridor or _search_spot(bits, c, steps)):
                        continue
                    if i == 0:
                        on_spot = True  # the agent's own square: search here first, no way on
                        break
                    spot_dist = dist[c]
                    spot_mask |= first[c]
                if on_spot or spot_dist != -1:
                    break
                enough += SEARCH_ENOUGH
            if on_spot or spot_dist != -1:
                break
        near_spot = 8.0 / (8.0 + spot_dist) if spot_dist > 0 else 0.0
        psi_map[e, 14] = near_spot
        psi_map[e, 15] = on_spot

        near = np.zeros(n_targets)
        for t in range(n_targets):
            if target_dist[t] > 0:
                near[t] = 8.0 / (8.0 + target_dist[t])
        psi_map[e, 0] = mem[ay, ax] == 7
        psi_map[e, 1] = target_dist[0] > 0
        psi_map[e, 2] = near[0]
        psi_map[e, 3] = target_dist[1] > 0
        psi_map[e, 4] = near[1]
        psi_map[e, 5] = target_dist[0] <= 0 and target_dist[1] <= 0 and mem[ay, ax] != 7
        psi_map[e, 6] = n_adjacent / 3.0
        psi_map[e, 7] = n_adjacent > 0
        psi_map[e, 8] = min_monster_cheb <= 4
        psi_map[e, 9] = near[4]
        psi_map[e, 10] = target_dist[2] > 0
        psi_map[e, 11] = mem[ay, ax] == 15
        hardest = 0.0
        for d in range(8):
            ny, nx = ay + dy[d], ax + dx[d]
            if 0 <= ny < height and 0 <= nx < width and cur[ny, nx] == 13:
                hardest = max(hardest, monster_info[glyph_maps[e, ny, nx], 0])
        psi_map[e, 12] = hardest
        psi_map[e, 13] = mem[ay, ax] == 8  # UPSTAIRS

        here_door = mem[ay, ax] == 5 or mem[ay, ax] == 6
        for d in range(8):
            ny, nx = ay + dy[d], ax + dx[d]
            f = phi[e, d]
            f[0] = 1.0
            if ny < 0 or ny >= height or nx < 0 or nx >= width:
                f[1 + 1] = 1.0  # off the map: a wall
                continue
            m = mem[ny, nx]
            k = _kind_here(cur[ny, nx], m)
            f[1 + k] = 1.0
            f[18] = d >= 4 and (here_door or m == 5 or m == 6)
            for t in range(n_targets):
                if target_dist[t] > 0 and (target_mask[t] >> d) & 1:
                    f[19 + t] = 1.0
                    f[24 + t] = near[t]
            f[29] = walkable[m] and visits[e, ny, nx] == 0
            f[30] = np.log1p(visits[e, ny, nx]) / 3.0
            monster = k == 13
            f[31] = monster * low_hp[e]
            f[32] = monster * hp_frac[e]
            if min_monster_cheb <= 4 and walkable[m] and not monster and k != 14:
                farther = True
                for j in range(n_monsters):
                    if max(abs(monster_y[j] - ny), abs(monster_x[j] - nx)) <= min_monster_cheb:
                        farther = False
                        break
                f[33] = farther
                f[34] = farther * low_hp[e]
            f[35] = (m == 6) * flags[e, 0]
            if monster:
                f[36] = monster_info[glyph_maps[e, ny, nx], 0]
                f[37] = monster_info[glyph_maps[e, ny, nx], 1]
            if spot_dist > 0 and (spot_mask >> d) & 1:
                f[38] = 1.0
                f[39] = near_spot
                # no frontier (stuck): the search spot is where the map can still grow
                f[20] = 1.0
                f[25] = near_spot
