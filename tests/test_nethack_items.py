"""Pick up, wear, wield: the object rules, the prompt answers and seeded games where they apply.

Seeds found by resetting games and reading the first message: NetHackScore-v0 core = disp =
186 starts the Monk on a tripe ration, 8 on a chain mail; NetHackChallenge-v0 218 starts a
Rogue (wearing a leather armor) on a second leather armor.
"""

import numpy as np
import pytest
from nle import nethack

from nethack_agent.actions import ACTION_KEYS, MOVE, N_ACTIONS, PICKUP, SEARCH, WEAR, WIELD
from nethack_agent.character import ROLES
from nethack_agent.checkpoint import CheckpointError, load_checkpoint
from nethack_agent.config import TrainConfig
from nethack_agent.envs import GameRunner
from nethack_agent.features import (
    AGENT_FEATURES,
    N_DIRECTION_FEATURES,
    N_STATE_FEATURES,
    STATE_FEATURES,
)
from nethack_agent.food import food_glyphs
from nethack_agent.items import (
    listed_useful,
    menu_choices,
    object_name,
    offered_letters,
    picked_up,
    useful_kind,
)
from nethack_agent.policy import action_mask, init_params
from nethack_agent.train import train

_AC = nethack.NLE_BL_AC


def _flag(runner, name):
    return runner.agent_flags()[0, AGENT_FEATURES.index(name)]


def _say(runner, text):
    runner.message[0] = 0
    runner.message[0, : len(text)] = np.frombuffer(text, np.uint8)


def _screen(lines):
    """A 24 × 80 terminal holding ``lines`` from column 20 down."""
    rows = [b" " * 80] * 24
    for row, line in enumerate(lines):
        rows[row] = (b" " * 20 + line).ljust(80)[:80]
    return b"".join(rows)


@pytest.mark.parametrize(
    ("name", "role", "challenge", "kind"),
    [
        ("a food ration", "Monk", False, "food"),
        ("2 uncursed food rations", "Valkyrie", True, "food"),
        ("a jackal corpse", "Valkyrie", True, None),  # corpses: the eat action's business
        ("a huge chunk of meat", "Valkyrie", True, None),  # 400 weight units
        ("a lichen corpse", "Valkyrie", True, "food"),  # never rots
        ("2 lizard corpses", "Samurai", False, "food"),
        ("a partly eaten lichen corpse", "Monk", True, "food"),
        ("a glob of gray ooze", "Valkyrie", True, None),  # acidic, and it rots
        ("2 globs of green slime", "Valkyrie", True, None),  # turns its eater into slime
        ("a leather armor", "Rogue", True, "armor"),
        ("a leather armor", "Rogue", False, None),  # NetHackScore escapes "wear what?"
        ("a chain mail", "Monk", True, None),  # body armour ruins martial arts
        ("a small shield", "Monk", True, None),
        ("a hard hat", "Monk", True, "armor"),  # dwarvish iron helm, by its appearance
        ("a pair of hiking boots", "Valkyrie", True, None),  # may be levitation boots
        ("a pair of levitation boots", "Valkyrie", True, None),
        ("a plate mail", "Valkyrie", True, None),  # 450 weight units
        ("a +1 dagger", "Tourist", True, "weapon"),
        ("3 crude daggers", "Archeologist", True, "weapon"),
        ("a dagger", "Valkyrie", True, None),  # her long sword is better
        ("a dagger", "Monk", True, None),
        ("12 arrows", "Tourist", True, None),  # ammunition, not a melee weapon
        ("a food ration (for sale, 45 zorkmids)", "Monk", False, None),  # in a shop
        ("a large box", "Tourist", True, None),
        ("a statue of a fox", "Tourist", True, None),
    ],
)
def test_useful_objects_by_hand(name, role, challenge, kind):
    assert useful_kind(name, role, challenge) == kind


def test_the_food_walked_to_by_glyph():
    # objects by name and corpses by monster, read from NLE's tables, not from food_glyphs
    objects = {nethack.OBJ_NAME(nethack.objclass(i)): i for i in range(1, nethack.NUM_OBJECTS)}
    monsters = {nethack.permonst(i).mname: i for i in range(nethack.NUMMONS)}
    table = food_glyphs()
    for name in ("food ration", "apple", "lembas wafer", "fortune cookie", "tripe ration"):
        assert table[nethack.GLYPH_OBJ_OFF + objects[name]], name
    for name in ("tin", "egg", "huge chunk of meat", "glob of gray ooze", "corpse", "dagger"):
        assert not table[nethack.GLYPH_OBJ_OFF + objects[name]], name
    assert [n for n, i in monsters.items() if table[nethack.GLYPH_BODY_OFF + i]] == [
        "lichen",
        "lizard",
    ]
    assert not table[nethack.GLYPH_MON_OFF + monsters["lichen"]]  # a live one is no food


def test_object_names_letters_and_menus_by_hand():
    assert object_name("a blessed +1 leather armor (being worn)") == "leather armor"
    assert object_name("2 pairs of hiking boots named Fast") == "hiking boots"
    assert picked_up(b"c - a blessed +1 leather armor.  h - a leather armor.\0\0") == [
        (ord("c"), "a blessed +1 leather armor"),
        (ord("h"), "a leather armor"),
    ]
    assert picked_up(b"You see here a dagger.") == []
    assert offered_letters(b"What do you want to wield? [- a-c f or ?*]") == {
        ord(c) for c in "abcf"
    }
    assert offered_letters(b"You don't have anything else to wear.") == frozenset()
    menu = _screen(
        [
            b"Pick up what?",
            b"",
            b"Comestibles",
            b"a - a jackal corpse",
            b"b - 2 food rations",
            b"Armor",
            b"c - a leather armor",
            b"Weapons",
            b"d - a dagger",
            b"(end)",
        ]
    )
    assert menu_choices(menu, "Monk", False, False) == (ord("b"),)
    assert menu_choices(menu, "Tourist", True, False) == tuple(map(ord, "bcd"))
    assert menu_choices(menu, "Tourist", True, True) == tuple(map(ord, "bc"))  # armed
    assert menu_choices(_screen([b"Things that are here:"]), "Tourist", True, False) == ()
    window = [b"Things that are here:", b"a jackal corpse", b"a hard hat", b"--More--"]
    assert listed_useful(_screen(window), "Monk", True, False)
    assert not listed_useful(_screen(window), "Monk", False, False)  # armour: not on NetHackScore
    assert not listed_useful(_screen(window[:2] + window[3:]), "Monk", True, False)


def test_new_actions_are_masked_unless_they_apply():
    psi = np.zeros((4, N_STATE_FEATURES))
    S = STATE_FEATURES.index
    psi[1, S("useful_item_here")] = 1.0
    psi[2, S("armor_to_wear")] = 1.0
    psi[3, S("weapon_to_wield")] = 1.0
    offered = action_mask(psi, np.zeros((4, 8, N_DIRECTION_FEATURES))) == 0
    assert offered[:, [PICKUP, WEAR, WIELD]].tolist() == [
        [False, False, False],
        [True, False, False],
        [False, True, False],
        [False, False, True],
    ]
    assert [ACTION_KEYS[a] for a in (PICKUP, WEAR, WIELD)] == [
        (ord(","),),
        (ord("W"),),
        (ord("w"),),
    ]


def test_prompt_answers_on_hand_written_screens():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[218])
    _say(runner, b"You have a little trouble lifting h - a plate mail.  Continue? [ynq] (q)")
    assert runner._answer(0, PICKUP) == (ord("n"),)
    runner.to_wear[0] = [ord("h"), ord("x")]
    _say(runner, b"What do you want to wear? [c h or ?*]")
    assert runner._answer(0, WEAR) == (ord("h"),)
    assert runner.to_wear[0] == [] and _flag(runner, "armor_to_wear") == 0.0  # x is gone
    runner.to_wield[0] = [ord("q")]
    _say(runner, b"What do you want to wield? [- ab or ?*]")
    assert runner._answer(0, WIELD) == (27,)  # q is not offered: escape, forget it
    assert runner.to_wield[0] == [] and not runner.armed[0]
    runner.tty_chars[0] = np.frombuffer(
        _screen([b"Pick up what?", b"Comestibles", b"a - a food ration", b"(end)"]), np.uint8
    ).reshape(24, 80)
    assert runner._answer(0, PICKUP) == (ord("a"), 13)  # select, then RETURN
    runner.close()


def test_pick_up_on_netHackScore_takes_food_and_never_wears():
    runner = GameRunner("NetHackScore-v0", 1, episode_seeds=[186])
    assert _flag(runner, "useful_item_here") == 1.0  # "You see here a tripe ration."
    runner.step(np.array([PICKUP]))
    assert b"- a tripe ration." in runner.message[0].tobytes()
    assert _flag(runner, "useful_item_here") == 0.0
    assert runner.to_wear[0] == runner.to_wield[0] == []
    runner.close()
    monk = GameRunner("NetHackScore-v0", 1, episode_seeds=[8])
    assert b"You see here a chain mail." in monk.message[0].tobytes()
    assert _flag(monk, "useful_item_here") == 0.0  # a Monk has no use for it
    monk.close()


def test_a_pick_up_menu_on_netHackScore_never_stays_open():
    """A pile under the Monk (two objects dropped past NLE's own prompt handling)."""
    runner = GameRunner("NetHackScore-v0", 1, episode_seeds=[186])
    for key in b"dcdd":  # drop the spellbook and the scroll onto the tripe ration
        runner.envs[0]._core.step(key)
    runner._note_items(0, -1)
    assert _flag(runner, "useful_item_here") == 1.0  # still the square of the tripe ration
    turn = runner.blstats[0, nethack.NLE_BL_TIME]
    runner.step(np.array([PICKUP]))  # "Pick up what?": NLE presses SPACE, nothing is taken
    runner.step(np.array([SEARCH]))
    assert runner.blstats[0, nethack.NLE_BL_TIME] == turn + 1  # the search took its turn
    _say(runner, b"There are several objects here.")
    runner._note_items(0, -1)
    assert _flag(runner, "useful_item_here") == 0.0  # piles are offered on the Challenge only
    runner.close()


def test_pick_up_a_pile_then_wear_it_on_the_challenge():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[218])
    assert ROLES[runner.roles[0]] == "Rogue" and _flag(runner, "useful_item_here") == 1.0
    worn_ac = runner.blstats[0, _AC]
    for key in (ord("T"), ord("d"), ord("c")):  # take off the leather armor, drop it here
        runner._press(0, key)
    assert runner.blstats[0, _AC] > worn_ac
    runner.step(np.array([PICKUP]))  # two leather armors: the "Pick up what?" menu
    message = runner.message[0].tobytes()
    assert b"c - a blessed +1 leather armor." in message and b"h - a leather armor." in message
    assert _flag(runner, "armor_to_wear") == 1.0 and _flag(runner, "useful_item_here") == 0.0
    runner.step(np.array([WEAR]))
    assert b"You finish your dressing maneuver." in runner.message[0].tobytes()
    assert runner.blstats[0, _AC] == worn_ac
    runner.step(np.array([WEAR]))  # the second one cannot go over the first: tried, forgotten
    assert _flag(runner, "armor_to_wear") == 0.0
    assert runner.blstats[0, _AC] == worn_ac
    for key in (ord("d"), ord("h")):  # drop the spare one on the food ration it carried too
        runner._press(0, key)
    runner._press(0, ord("d"))
    runner._press(0, ord("g"))
    runner.step(np.array([MOVE + 1]))  # east, then back west onto the pile: its window is read
    runner.item_here[0] = -1
    runner.step(np.array([MOVE + 3]))
    assert _flag(runner, "useful_item_here") == 1.0
    runner.close()


def test_pick_up_a_weapon_then_wield_it_on_the_challenge():
    """The Rogue of seed 218 played as if an Archeologist (a role that wields what it finds)."""
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[218])
    runner.roles[0] = ROLES.index("Archeologist")
    for key in (ord("d"), ord("b"), ord(":")):  # drop the daggers here, look
        runner._press(0, key)
    runner._note_items(0, -1)
    assert _flag(runner, "useful_item_here") == 1.0
    runner.step(np.array([PICKUP]))
    assert b"b - 9 +0 orcish daggers." in runner.message[0].tobytes()
    assert _flag(runner, "weapon_to_wield") == 1.0
    runner.step(np.array([WIELD]))
    assert b"b - 9 +0 orcish daggers (wielded)." in runner.message[0].tobytes()
    assert _flag(runner, "weapon_to_wield") == 0.0 and runner.armed[0]
    runner.close()


@pytest.mark.parametrize("env_id", ["NetHackScore-v0", "NetHackChallenge-v0"])
def test_a_policy_that_picks_up_and_wears_whenever_it_may_keeps_playing(env_id):
    """Seeded steps of an untrained policy eager to pick up, wear and wield: no game stalls."""
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    params["W"][STATE_FEATURES.index("bias"), [PICKUP, WEAR, WIELD]] = 8.0
    runner = GameRunner(env_id, 8, seed=1)
    tried = np.zeros(N_ACTIONS, dtype=int)
    for _ in range(1000):
        actions, _ = runner.choose(params, "sampled")
        np.add.at(tried, actions, 1)
        runner.step(actions)
        for tty in runner.tty_chars:
            assert b"Pick up what?" not in tty.tobytes()  # no menu is left waiting
    assert tried[PICKUP] > 0
    assert runner.watchdog_escapes == 0
    if env_id == "NetHackScore-v0":
        assert tried[WEAR] == tried[WIELD] == 0  # NLE would escape their questions
    runner.close()


def test_a_checkpoint_of_other_shapes_is_refused_in_one_line(tmp_path):
    config = TrainConfig(n_workers=0, envs_per_worker=1, rollout_length=4, max_episode_steps=20)
    train(config, tmp_path, total_steps=4, progress=False)
    path = tmp_path / "checkpoint.npz"
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["params/W"] = arrays["params/W"][:, : N_ACTIONS - 3]  # the 24-action agent's
    np.savez(path, **arrays)
    with pytest.raises(CheckpointError, match="24 actions.*train a new run") as error:
        load_checkpoint(tmp_path)
    assert "\n" not in str(error.value)
