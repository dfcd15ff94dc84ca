"""Digging down with a pick-axe (``nethack_agent.digging``): NetHack's messages read by hand
cases, and seeded Challenge games where an Archeologist digs through a level."""

from __future__ import annotations

import numpy as np
import pytest
from nle import nethack

from nethack_agent.actions import DESCEND, MOVE
from nethack_agent.character import ROLES
from nethack_agent.digging import SHOPKEEPER_GLYPH, digger_letter, refusal, wielded_letter
from nethack_agent.envs import GameRunner, _dig_here
from nethack_agent.features import AGENT_FEATURES, N_DIRECTION_FEATURES, STATE_FEATURES
from nethack_agent.items import useful_kind
from nethack_agent.policy import MASK_LOGIT, action_mask
from nethack_agent.tactics import inventory

CAN_DIG = STATE_FEATURES.index("can_dig")
ON_UPSTAIRS = STATE_FEATURES.index("on_upstairs")
FLAG = AGENT_FEATURES.index("can_dig")
ARCHEOLOGIST_SEED = 17  # a Challenge seed whose character is an Archeologist (with a pick-axe)


def _pack(*lines: str) -> tuple[np.ndarray, np.ndarray]:
    """NLE's ``inv_letters`` and ``inv_strs`` holding ``lines`` under the letters a, b, …"""
    letters = np.zeros(55, dtype=np.uint8)
    strs = np.zeros((55, 80), dtype=np.uint8)
    for row, line in enumerate(lines):
        letters[row] = ord("a") + row
        strs[row, : len(line)] = np.frombuffer(line.encode(), dtype=np.uint8)
    return letters, strs


@pytest.mark.parametrize(
    ("message", "where"),
    [
        (b"You start digging downward.  The stairs are too hard to dig in.", "square"),
        (b"The altar is too hard to break apart.", "square"),
        (b"The throne is too hard to break apart.", "square"),
        (b"The ladder resists your effort.", "square"),
        (b"There isn't enough room to dig here.", "square"),
        (b"You cannot reach the floor.", "square"),
        (b'"Sir, do not damage the floor here!"', "square"),
        (b'"Be careful, madam, or you might fall through the floor."', "square"),
        (b"The floor here is too hard to dig in.", "level"),
        (b"The ice here is too hard to dig in.", "level"),
        (b"You dig a pit in the floor.", None),
        (b"You dig a hole through the floor.  You fall through...", None),
        (b"You stop digging.", None),
    ],
)
def test_refusals_of_dig_c_are_read_for_the_square_or_the_level(message, where):
    assert refusal(message) == where


def test_the_pick_axe_and_the_weapon_in_hand_are_found_in_the_pack():
    pack = _pack(
        "a blessed +2 bullwhip (weapon in hand)",
        "an uncursed +0 leather jacket (being worn)",
        "a +0 pick-axe (alternate weapon; not wielded)",
    )
    assert digger_letter(*pack) == ord("c") and wielded_letter(*pack) == ord("a")
    bare = _pack("3 food rations", "a broad pick")  # an unidentified dwarvish mattock
    assert digger_letter(*bare) == ord("b") and wielded_letter(*bare) == ord("-")
    assert digger_letter(*_pack("a dagger")) == -1


@pytest.mark.parametrize("name", ["a pick-axe", "a broad pick", "a +0 dwarvish mattock"])
def test_diggers_are_picked_up_on_the_challenge_only(name):
    assert useful_kind(name, "Valkyrie", True) == "digger"
    assert useful_kind(name, "Valkyrie", False) is None
    assert useful_kind(name + " (for sale, 66 zorkmids)", "Valkyrie", True) is None


def test_no_dig_with_a_shopkeeper_in_view_or_on_an_up_staircase():
    glyph_maps = np.full((3, 21, 79), nethack.GLYPH_CMAP_OFF + 19, dtype=np.int16)
    glyph_maps[1, 5, 70] = SHOPKEEPER_GLYPH  # far from the agent, in view
    psi = np.zeros((3, len(STATE_FEATURES)))
    psi[:, CAN_DIG] = 1.0
    psi[2, ON_UPSTAIRS] = 1.0
    _dig_here(glyph_maps, psi)
    assert psi[:, CAN_DIG].tolist() == [1.0, 0.0, 0.0]


def test_descend_is_offered_off_the_stairs_where_the_agent_can_dig():
    psi = np.zeros((2, len(STATE_FEATURES)))
    psi[1, CAN_DIG] = 1.0
    mask = action_mask(psi, np.zeros((2, 8, N_DIRECTION_FEATURES)))
    assert mask[0, DESCEND] == MASK_LOGIT and mask[1, DESCEND] == 0.0


def _dig_through(runner: GameRunner, limit: int = 40) -> int:
    """Step off the stairs, then ``descend`` (dig) until the level changes; the actions taken."""
    level = int(runner.blstats[0, nethack.NLE_BL_DEPTH])
    rng = np.random.default_rng(0)
    for taken in range(1, limit + 1):
        psi, phi = runner.features()
        offered = np.flatnonzero(action_mask(psi, phi)[0, MOVE : MOVE + 8] == 0)
        dig = psi[0, CAN_DIG] > 0 and taken > 1
        runner.step(np.array([DESCEND if dig else MOVE + rng.choice(offered)]))
        if runner.blstats[0, nethack.NLE_BL_DEPTH] != level:
            return taken
    raise AssertionError(f"still on level {level} after {limit} actions")


def _wielded(runner: GameRunner) -> bytes:
    letters, strs = runner.extra["inv_letters"][0], runner.extra["inv_strs"][0]
    return next((text for _, text in inventory(letters, strs) if b"in hand" in text), b"")


def test_an_archeologist_digs_through_the_floor_and_keeps_the_pick_axe():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[ARCHEOLOGIST_SEED])
    assert runner._role(0) == "Archeologist" and runner.dig_letter[0] >= 0
    depth = int(runner.blstats[0, nethack.NLE_BL_DEPTH])
    _dig_through(runner)
    assert runner.blstats[0, nethack.NLE_BL_DEPTH] == depth + 1 and runner.digs == 1
    assert b"pick-axe" in _wielded(runner)


def test_another_role_wields_its_weapon_again_below():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[ARCHEOLOGIST_SEED])
    runner.roles[0] = ROLES.index("Samurai")  # played as if a role that keeps its weapon
    _dig_through(runner)
    assert runner.digs == 1 and b"bullwhip" in _wielded(runner)


def test_a_refused_dig_is_withheld_on_its_square_or_its_level():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[ARCHEOLOGIST_SEED])
    here = runner._where(0)
    assert runner.agent_flags()[0, FLAG] == 1.0
    runner._note_dig(0, here, b"The stairs are too hard to dig in.")
    assert runner.agent_flags()[0, FLAG] == 0.0
    runner.no_dig[0, 3] += 1  # the square next to it: digging here is allowed again
    assert runner.agent_flags()[0, FLAG] == 1.0
    runner._note_dig(0, (*here[:2], 0, 0), b"The floor here is too hard to dig in.")
    assert runner.agent_flags()[0, FLAG] == 0.0  # anywhere on the level
    runner.dig_letter[0] = -1
    runner.no_dig[0] = -1
    assert runner.agent_flags()[0, FLAG] == 0.0  # no pick-axe
