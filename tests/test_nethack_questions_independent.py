"""The answers to NetHack's questions, on message bytes as the game prints them.

Two layers answer: the agent's own questions (which way to kick, pray or not, eat what) and,
on the Challenge, any screen left waiting (``--More--``, menus, other questions). Expected
keys are NetHack's own: vi-keys for directions, y / n, the inventory letter, RETURN and ESC.
"""

import numpy as np
import pytest
from nle import nethack

from nethack_agent import envs
from nethack_agent.actions import DESCEND, EAT, ENGRAVE, KICK, MOVE, PICKUP, PRAY, SEARCH
from nethack_agent.food import CorpseWatch
from nethack_agent.questions import screen_key, waiting_screen

ESC, RETURN = 27, 13
VI_KEYS = {"n": "k", "e": "l", "s": "j", "w": "h", "ne": "u", "se": "n", "sw": "b", "nw": "y"}
KICK_ACTIONS = {direction: KICK + i for i, direction in enumerate(VI_KEYS)}  # N E S W NE SE SW NW


def answer(
    text: bytes,
    action: int,
    turn: int = 1234,
    hunger: int = 2,
    pack: tuple[np.ndarray, np.ndarray] | None = None,
):
    """The runner's answer to ``text`` after ``action`` (one game, no kill remembered, NetHack's
    hunger state ``hunger``: 2 Hungry), as a tuple of keys or None, and the runner after it.

    The runner keeps one row of NLE's buffers per game; this is a runner of one such row.
    ``pack`` (``inv_letters``, ``inv_strs``, as the ``nle_pack`` fixture builds them), if
    given, is the inventory NLE shows, as on the Challenge; otherwise none is observed, as on
    NetHackScore.
    """
    runner = envs.GameRunner.__new__(envs.GameRunner)
    runner.message = np.zeros((1, 256), dtype=np.uint8)
    runner.message[0, : len(text)] = np.frombuffer(text, dtype=np.uint8)
    runner.blstats = np.zeros((1, nethack.BLSTATS_SHAPE[0]), dtype=np.int64)
    runner.tty_chars = np.zeros((1, 24, 80), dtype=np.uint8)  # no menu on screen
    runner.blstats[0, nethack.NLE_BL_TIME] = turn
    runner.blstats[0, nethack.NLE_BL_HUNGER] = hunger
    runner._bl = [memoryview(row) for row in runner.blstats]  # the runner's views of its rows
    runner.last_prayer_turn = np.full(1, -1.0)
    runner.corpses = CorpseWatch(1)
    runner.tin = [None]
    runner.elbereth = np.full((1, 4), -1, dtype=np.int64)
    runner.no_food = np.zeros(1, dtype=bool)
    runner.extra = {}
    if pack is not None:
        runner.extra = {"inv_letters": pack[0][None], "inv_strs": pack[1][None]}
    keys = envs.GameRunner._answer(runner, 0, action)
    return (None if keys is None else tuple(int(k) for k in np.atleast_1d(keys))), runner


@pytest.mark.parametrize("direction", list(VI_KEYS))
def test_a_kick_answers_the_direction_question_with_its_own_direction(direction):
    key, _ = answer(b"In what direction?", KICK_ACTIONS[direction])
    assert key == (ord(VI_KEYS[direction]),)


def test_a_prayer_is_confirmed_and_its_turn_remembered():
    key, runner = answer(b"Are you sure you want to pray? [yn] (n)", PRAY, turn=777)
    assert key == (ord("y"),)
    assert runner.last_prayer_turn[0] == 777


def test_the_prayer_question_after_another_action_is_cancelled():
    key, runner = answer(b"Are you sure you want to pray? [yn] (n)", SEARCH, turn=777)
    assert key == (ESC,) and runner.last_prayer_turn[0] == -1


@pytest.mark.parametrize("action", [MOVE + 2, KICK + 1, PRAY, EAT])
def test_a_peaceful_monster_is_never_attacked(action):
    key, _ = answer(b"Really attack the watchman? [yn] (n)", action)
    assert key == (ord("n"),)


@pytest.mark.parametrize(
    "text",
    [
        b"Really attack the watchman? [yn] (n) n",
        b"Do you want your possessions identified? [ynq] (n) q",
        b"You have a little trouble lifting a boulder.  Continue? [ynq] (q) n",
    ],
)
@pytest.mark.parametrize("action", [MOVE + 2, PICKUP, EAT])
def test_a_question_already_answered_is_not_answered_again(text, action):
    # NetHack echoes the key after the question, and NLE's message keeps the line until the next
    # message: read as waiting, it was answered again, and a second "n" is a move south-east
    assert answer(text, action)[0] is None
    assert waiting_screen(text, b"") == "" and screen_key(text, b"") is None
    assert answer(text[:-1], action)[0] is not None  # before the echo it waits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"You're having a hard time getting all of it down.  Stop eating? [yn] (n)", ord("y")),
        (b"There is a jackal corpse here; eat it? [ynq] (n)", ord("n")),
        (b"There is a lichen corpse here; eat it? [ynq] (n)", ord("y")),  # never rots
        (b"There are 2 lizard corpses here; eat one? [ynq] (n)", ord("y")),
        (b"There are 2 food rations here; eat one? [ynq] (n)", ord("n")),
        (b"What do you want to eat? [fg or ?*]", ord("f")),
        (b"What do you want to eat? [dh or ?*]", ord("d")),
        (b"What do you want to eat? [*]", ESC),  # nothing edible: cancel
    ],
)
def test_eating_answers(text, expected):
    assert answer(text, EAT)[0] == (expected,)


@pytest.mark.parametrize(
    ("pack", "expected", "no_food"),
    [
        ({"f": "a newt corpse", "g": "an uncursed food ration"}, ord("g"), False),
        ({"f": "a fortune cookie", "g": "a newt corpse"}, ord("f"), False),
        ({"f": "a newt corpse", "g": "a glob of brown pudding"}, ESC, True),  # as nothing to eat
    ],
)
def test_with_the_pack_in_view_no_corpse_or_glob_is_eaten_from_it(
    nle_pack, pack, expected, no_food
):
    inventory = nle_pack(*pack.values(), letters="".join(pack))
    keys, runner = answer(b"What do you want to eat? [fg or ?*]", EAT, pack=inventory)
    assert keys == (expected,) and runner.no_food[0] == no_food


@pytest.mark.parametrize(
    ("smell", "expected"),
    [
        (b"It smells like jackals.", ord("y")),  # eat.c names the meat in the plural
        (b"It smells like newts.", ord("y")),
        (b"It smells like gnome lords.", ord("n")),  # a player race: cannibalism for some
        (b"It smells like kobolds.", ord("n")),  # poisonous
        (b"It smells like giant beetles.", ord("n")),  # poisonous, though a giant is not
        (b"It smells like cockatrices.", ord("n")),  # stoning
        (b"It smells like the Oracle.", ord("n")),  # a unique monster, a human
        (b"It smells like wolves.", ord("n")),  # an irregular plural: not read, not eaten
        (b"It contains spinach.", ord("y")),
        (b"The tin seems easy to open.", ord("n")),  # no content read: not eaten
    ],
)
def test_an_opened_tin_is_eaten_only_if_its_meat_is_safe(smell, expected):
    # NetHack shows "It smells like jackals.--More--", then asks "Eat it? [yn] (n)" (as seen
    # in a wizard-mode game); the runner reads the first and answers the second
    keys, runner = answer(smell, EAT)
    assert keys is None  # no question yet
    assert envs.GameRunner._answer(runner, 0, EAT, b"Eat it? [yn] (n)") == (expected,)
    # read once: the next tin's question without a smell read is declined
    assert envs.GameRunner._answer(runner, 0, EAT, b"Eat it? [yn] (n)") == (ord("n"),)


@pytest.mark.parametrize(("hunger", "expected"), [(0, ESC), (1, ESC), (2, ord("f")), (3, ord("f"))])
def test_the_packs_food_is_eaten_only_when_hungry(hunger, expected):
    # Satiated (0) or Not Hungry (1), eat was pressed for a kill's corpse: keep the pack's food
    assert answer(b"What do you want to eat? [fg or ?*]", EAT, hunger=hunger)[0] == (expected,)


@pytest.mark.parametrize(
    "text",
    [
        b"In what direction?",
        b"What do you want to eat? [fg or ?*]",
        b"There is a jackal corpse here; eat it? [ynq] (n)",
        b"Stop eating? [yn] (n)",
        b"What do you want to wield? [- ab or ?*]",
    ],
)
def test_other_actions_cancel_a_question_they_did_not_ask(text):
    assert answer(text, SEARCH)[0] == (ESC,)


@pytest.mark.parametrize(
    "text",
    [b"", b"You kick at empty space.", b"WHAMM!!", b"This door is locked.", b"Welcome to level 2"],
)
def test_no_question_no_answer(text):
    assert answer(text, KICK_ACTIONS["e"])[0] is None


# ------------------------------------------------------------------------------------------
# Screens left waiting (the Challenge).
# ------------------------------------------------------------------------------------------


def terminal(*lines: bytes) -> bytes:
    rows = [line.ljust(80) for line in lines] + [b" " * 80] * (24 - len(lines))
    return b"".join(rows)


@pytest.mark.parametrize(
    ("message", "screen", "kind", "key"),
    [
        (b"", terminal(b"You see here a dagger.--More--"), "more", RETURN),
        (b"", terminal(b"Things that are here:", b"a dagger", b"--More--"), "more", RETURN),
        (b"", terminal(b" Pick up what?", b" a - a dagger", b"(end)"), "menu", ESC),
        (b"", terminal(b" Weapons", b" a - a +2 dagger", b"(1 of 3)"), "menu", ESC),
        (b"Really attack the watchman? [yn] (n)", terminal(b"Really attack?"), "question", ESC),
        (b"Do you want your possessions identified? [ynq] (n)", b"", "question", ESC),
        (b"What do you want to eat? [fg or ?*]", b"", "question", ESC),
        (b"Call a scroll labeled FOO? ", b"", "question", ESC),
        (b"You see here a dagger.", terminal(b"You see here a dagger."), "", None),
        (b"Hello Agent, welcome to NetHack!  You are a neutral male human Monk.", b"", "", None),
    ],
)
def test_waiting_screens_and_their_keys(message, screen, kind, key):
    padded = message + b"\0" * (256 - len(message))
    assert waiting_screen(padded, screen) == kind
    assert screen_key(padded, screen) == key


def test_engraving_elbereth_in_the_dust_with_a_finger():
    key, _ = answer(b"What do you want to write with? [- abc or ?*]", ENGRAVE)
    assert key == (ord("-"),)  # "-": the fingers
    key, _ = answer(b"Do you want to add to the current engraving? [ynq] (y)", ENGRAVE)
    assert key == (ord("n"),)  # wipe out what is there
    key, runner = answer(b"What do you want to write in the dust here?", ENGRAVE)
    assert key == (*(ord(c) for c in "Elbereth"), RETURN)
    assert tuple(runner.elbereth[0]) == (0, 0, 0, 0)  # remembered where it was written


@pytest.mark.parametrize(
    "text",
    [
        b"What do you want to write with? [- abc or ?*]",
        b"Do you want to add to the current engraving? [ynq] (y)",
        b"What do you want to write in the dust here?",
    ],
)
def test_engraving_questions_after_another_action_are_cancelled(text):
    key, runner = answer(text, SEARCH)
    assert key == (ESC,) and tuple(runner.elbereth[0]) == (-1, -1, -1, -1)


def test_a_direction_question_after_descending_is_cancelled():
    assert answer(b"In what direction?", DESCEND)[0] == (ESC,)


def test_a_question_that_is_not_a_prompt_gets_no_key():
    assert (
        answer(b'The shopkeeper says: "Will you please leave your pick-axe outside?"', SEARCH)[0]
        is None
    )
