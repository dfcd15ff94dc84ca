"""The runner's reflexes on the Challenge (``nethack_agent.tactics``): hand cases of NetHack's
rules, and each reflex on a seeded game where it applies (the inventory or the power it must
change does change)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from nle import nethack

from nethack_agent.actions import ACTION_NAMES, MOVE
from nethack_agent.envs import GameRunner
from nethack_agent.tactics import (
    FORCE_BOLT_ENERGY,
    clear_shot,
    healing_letter,
    inventory,
    ranged_keys,
    surely_hostile,
    wants_healing,
)

SEARCH = ACTION_NAMES.index("search")
_MONSTERS = {nethack.permonst(i).mname: i for i in range(nethack.NUMMONS)}


@pytest.mark.parametrize(
    ("monster", "race", "hostile"),
    [
        ("jackal", "gnome", True),  # M2_HOSTILE: hostile to anyone
        ("newt", "", True),
        ("watchman", "gnome", False),  # M2_PEACEFUL (a gnome hates humans: peaceful first)
        ("shopkeeper", "orc", False),
        ("gnome lord", "human", True),  # a human hates gnomes
        ("gnome lord", "gnome", False),  # a gnome loves gnomes
        ("gnome lord", "dwarf", False),  # so does a dwarf
        ("gnome lord", "elf", False),  # neither: peaceful by alignment, maybe
        ("gnome lord", "", False),  # race not read: any race's love counts
        ("hill orc", "elf", True),
        ("hill orc", "orc", False),
        ("dwarf", "orc", True),
        ("dwarf", "human", False),
        ("kitten", "human", False),  # domestic: may be peaceful, or a pet
        ("gas spore", "human", False),  # its explosion hits the one next to it
    ],
)
def test_surely_hostile_follows_peace_minded(monster, race, hostile):
    assert surely_hostile(_MONSTERS[monster], race) is hostile


@pytest.mark.parametrize(
    ("hp", "hp_max", "wanted"),
    [(9, 30, True), (10, 30, False), (5, 12, True), (6, 12, False), (5, 5, False), (1, 3, True)],
)
def test_wants_healing_below_a_third_or_at_five(hp, hp_max, wanted):
    assert wants_healing(hp, hp_max) is wanted


def test_healing_letter_only_for_identified_healing_potions(nle_pack):
    assert healing_letter(*nle_pack("a pink potion", "a wand of healing")) is None
    assert healing_letter(*nle_pack("a potion of see invisible", "2 potions of water")) is None
    assert healing_letter(*nle_pack("a +0 robe", "2 uncursed potions of extra healing")) == ord("b")
    assert healing_letter(*nle_pack("x", "y", "a blessed potion of full healing")) == ord("c")


def test_ranged_keys_by_quiver_and_power(nle_pack):
    fire, cast = (ord("f"),), (ord("Z"), ord("a"))
    darts = nle_pack("34 +2 darts (at the ready)", "an expensive camera (0:93)")
    assert ranged_keys("Tourist", 0, *darts) == fire
    assert ranged_keys("Wizard", FORCE_BOLT_ENERGY, *darts) == fire  # missiles first
    flint = nle_pack("a +1 club (weapon in hand)", "22 uncursed flint stones (in quiver pouch)")
    assert ranged_keys("Caveman", 0, *flint) is None  # no sling wielded: no missile
    dagger = nle_pack(
        "a +1 long sword (weapon in hand)", "a +0 dagger (alternate weapon; not wielded)"
    )
    assert ranged_keys("Valkyrie", 0, *dagger) is None  # not quivered: not fired
    ya = nle_pack("a +0 katana (weapon in hand)", "30 +0 ya (in quiver)")
    assert ranged_keys("Samurai", 0, *ya) is None
    staff = nle_pack("a blessed +1 quarterstaff (weapon in hand)")
    assert ranged_keys("Wizard", FORCE_BOLT_ENERGY, *staff) == cast
    assert ranged_keys("Wizard", FORCE_BOLT_ENERGY - 1, *staff) is None
    assert ranged_keys("Priest", 50, *staff) is None


def _pack_of(runner: GameRunner) -> list[bytes]:
    return [
        text for _, text in inventory(runner.extra["inv_letters"][0], runner.extra["inv_strs"][0])
    ]


def _count(lines: list[bytes], word: bytes) -> int:
    """How many of the stack named with ``word`` are carried (0 if none)."""
    for line in lines:
        if word in line:
            found = re.match(rb"(\d+) ", line)
            return int(found.group(1)) if found else 1
    return 0


def test_a_healer_drinks_a_healing_potion_when_hp_reads_low():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[10001])
    assert runner._role(0) == "Healer" and not runner.may_shoot[0]  # no missiles, no force bolt
    before = _count(_pack_of(runner), b"potions of healing")
    runner.step(np.array([SEARCH]))  # full HP: nothing drunk
    assert _count(_pack_of(runner), b"potions of healing") == before > 1
    runner.blstats[0, nethack.NLE_BL_HP] = 2  # (NetHack's next press writes the real HP back)
    runner.step(np.array([SEARCH]))
    assert _count(_pack_of(runner), b"potions of healing") == before - 1
    assert runner.potions_drunk == 1


def _play_until_a_ranged_attack(seed: int, role: str, limit: int = 1500):
    """Random moves in a seeded game until one is replaced by a ranged attack."""
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[seed])
    assert runner._role(0) == role
    rng = np.random.default_rng(0)
    for _ in range(limit):
        pack, energy = _pack_of(runner), int(runner.blstats[0, nethack.NLE_BL_ENE])
        runner.step(rng.integers(8, size=1))
        if runner.ranged_attacks:
            return runner, pack, energy
    raise AssertionError(f"no ranged attack in {limit} moves")


def test_a_tourist_fires_darts_at_a_hostile_monster():
    runner, pack, _ = _play_until_a_ranged_attack(10065, "Tourist")
    assert b"dart" in runner.message[0].tobytes()
    assert _count(_pack_of(runner), b"darts") < _count(pack, b"darts")


def test_a_wizard_casts_force_bolt_at_a_hostile_monster():
    runner, _, energy = _play_until_a_ranged_attack(10002, "Wizard")
    assert energy >= FORCE_BOLT_ENERGY
    assert runner.blstats[0, nethack.NLE_BL_ENE] == energy - FORCE_BOLT_ENERGY


_FLOOR = nethack.GLYPH_CMAP_OFF + 19  # S_room
_WALL_GLYPH = nethack.GLYPH_CMAP_OFF + 1  # S_vwall


def _monster(name: str, pet: bool = False) -> int:
    return (nethack.GLYPH_PET_OFF if pet else nethack.GLYPH_MON_OFF) + _MONSTERS[name]


def test_clear_shot_at_surely_hostile_monsters_with_nothing_to_spare_behind():
    jackal, newt = _monster("jackal"), _monster("newt")
    assert clear_shot([jackal, _FLOOR, _FLOOR], "human")
    assert clear_shot([jackal, newt], "")
    assert not clear_shot([], "human")
    assert not clear_shot([_FLOOR, jackal], "human")  # no monster next to the agent
    assert not clear_shot([_monster("kitten"), _FLOOR], "human")  # may be peaceful
    assert not clear_shot([jackal, _FLOOR, _monster("watchman")], "human")  # a miss flies on
    assert not clear_shot([jackal, _monster("kitten", pet=True)], "human")
    assert not clear_shot([jackal, nethack.GLYPH_INVISIBLE], "human")


def test_the_runner_shoots_along_the_map_line_and_not_when_astray():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[10065])
    assert runner._role(0) == "Tourist" and runner.may_shoot[0]
    y, x = int(runner.blstats[0, nethack.NLE_BL_Y]), int(runner.blstats[0, nethack.NLE_BL_X])
    d = 1 if x + 4 < runner.glyphs.shape[2] else 3  # east, or west by the map's east edge
    dx = 1 if d == 1 else -1
    runner.glyphs[0, y, [x + dx * k for k in range(1, 5)]] = _FLOOR
    runner.glyphs[0, y, x + dx] = _monster("jackal")
    assert runner._ranged(0, MOVE + d) == (ord("f"),)
    runner.glyphs[0, y, x + 3 * dx] = _monster("watchman")
    assert runner._ranged(0, MOVE + d) is None  # behind the jackal: a miss would hit him
    runner.glyphs[0, y, x + 2 * dx] = _WALL_GLYPH
    assert runner._ranged(0, MOVE + d) == (ord("f"),)  # a wall between: the dart stops there
    for condition in (nethack.BL_MASK_HALLU, nethack.BL_MASK_CONF, nethack.BL_MASK_STUN):
        runner.blstats[0, nethack.NLE_BL_CONDITION] = condition
        assert runner._ranged(0, MOVE + d) is None
