"""The full game: the character, causes of death, the prayer timeout, the screens that wait for
a key, the watchdog, and an agent that does not choke (the Challenge's settings are compared
with NLE's class in test_nethack_driver.py)."""

import gymnasium as gym
import nle  # noqa: F401
import numpy as np
import pytest
from nle import nethack

from nethack_agent.actions import ACTION_KEYS, ASCEND, EAT, ENGRAVE, MOVE, PRAY, SEARCH
from nethack_agent.character import Character, character_from_status, parse_welcome
from nethack_agent.deaths import (
    ALIVE,
    death_cause,
    helpless_reason,
    parse_xlog_line,
    tally_causes,
)
from nethack_agent.envs import Episode, GameRunner
from nethack_agent.evaluate import role_stats
from nethack_agent.features import (
    AGENT_FEATURES,
    N_DIRECTION_FEATURES,
    N_STATE_FEATURES,
    STATE_FEATURES,
)
from nethack_agent.food import FRESH_TURNS, corpse_on_offer, pack_food_letter, safe_corpses
from nethack_agent.policy import init_params
from nethack_agent.prayer import god_angered, heard_probability, major_trouble, rnz_pmf
from nethack_agent.questions import ESC, MORE, WATCHDOG_KEYS, screen_key, waiting_screen

KEYS = ("glyphs", "blstats", "message", "tty_chars")


@pytest.mark.parametrize(
    ("line", "character"),
    [
        (
            "Hello Agent, welcome to NetHack!  You are a neutral male human Monk.",
            Character("Monk", "human", "male", "neutral"),
        ),
        (
            "Hello Agent, welcome to NetHack!  You are a lawful dwarven Cavewoman.",
            Character("Caveman", "dwarf", "female", "lawful"),
        ),
        (
            "Velkommen Agent, welcome to NetHack!  You are a lawful dwarven Valkyrie.",
            Character("Valkyrie", "dwarf", "female", "lawful"),
        ),
        (
            "Hello Agent, welcome to NetHack!  You are a chaotic elven Priestess.",
            Character("Priest", "elf", "female", "chaotic"),
        ),
        (
            "Hello Agent, welcome to NetHack!  You are a chaotic female orcish Wizard.",
            Character("Wizard", "orc", "female", "chaotic"),
        ),
        ("There is a staircase up here.  You see here a large box.", None),
    ],
)
def test_welcome_lines(line, character):
    assert parse_welcome(line) == character


def test_the_status_line_names_the_role_when_the_welcome_is_gone():
    line = b"Agent the Stripling            St:18/02 Dx:13 Co:18 In:7 Wi:7 Ch:7 Lawful S:0  "
    assert character_from_status(line, 1) == Character(role="Valkyrie", alignment="lawful")
    assert character_from_status(b"Agent the Demigod  St:18", -1).role == ""


def test_roles_of_seeded_games_from_two_independent_sources():
    """The welcome line and the status line's rank title agree on seeded random characters."""
    env = gym.make("NetHackScore-v0", character="@", observation_keys=KEYS)
    roles = set()
    for seed in range(12):
        env.unwrapped.seed(seed, seed, reseed=False)
        observation, _ = env.reset()
        welcome = parse_welcome(bytes(observation["message"]).rstrip(b"\0").decode())
        status = character_from_status(
            observation["tty_chars"][22].tobytes(), observation["blstats"][nethack.NLE_BL_ALIGN]
        )
        if welcome is not None:
            assert (welcome.role, welcome.alignment) == (status.role, status.alignment)
        assert status.role
        roles.add(status.role)
    assert len(roles) >= 5  # several roles met
    env.close()


def test_death_causes_from_recorded_xlogfile_lines():
    line = (
        "version=3.6.6\tpoints=52\tdeathdnum=0\tdeathlev=1\tmaxlvl=1\thp=0\tmaxhp=13\t"
        "role=Arc\trace=Hum\tgender=Fem\talign=Neu\tname=Agent\tdeath=killed by a sewer rat\t"
        "conduct=0xffe\tturns=22\n"
    )
    entry = parse_xlog_line(line)
    assert entry["role"] == "Arc" and entry["turns"] == "22"
    assert death_cause(entry["death"]) == "killed by a sewer rat"
    assert death_cause("quit") == ALIVE
    assert death_cause("choked on a food ration") == "choked on a food ration"
    assert death_cause("killed by a jackal, while helpless") == "killed by a jackal"
    # NetHack 3.6 writes what held the hero to a field of its own (topten.c writexlentry)
    frozen = parse_xlog_line(
        line.replace("\tconduct", "\twhile=frozen by a monster's gaze\tconduct")
    )
    assert death_cause(frozen["death"]) == "killed by a sewer rat"
    assert helpless_reason(frozen) == "frozen by a monster's gaze"
    fainted = "killed by a newt, while fainted from lack of food"  # the tombstone's form
    assert (death_cause(fainted), helpless_reason({"death": fainted})) == (
        "killed by a newt",
        "fainted from lack of food",
    )
    assert helpless_reason(entry) == helpless_reason({"death": "quit"}) == ""
    assert death_cause("killed by a little dog named Hachi") == "killed by a little dog"
    assert death_cause("killed by the wrath of Anhur") == "killed by an angry god (prayer)"
    tally = tally_causes(["b", "a", "b", ALIVE, "a", "b"])
    assert tally == [
        {"cause": "b", "games": 3},
        {"cause": "a", "games": 2},
        {"cause": ALIVE, "games": 1},
    ]


def _rnz(rng, i=350):
    """NetHack 3.6 rnd.c rnz(), transcribed (u.ulevel < 15, so rne's cap is 5)."""
    x, tmp = i, 1000 + rng.integers(1000)
    rne = 1
    while rne < 5 and rng.integers(4) == 0:
        rne += 1
    tmp *= rne
    return x * tmp // 1000 if rng.integers(2) else x * 1000 // tmp


def test_rnz_distribution_matches_a_simulation_of_the_source():
    values, probabilities = rnz_pmf(350)
    assert probabilities.sum() == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    draws = np.array([_rnz(rng) for _ in range(100_000)])
    cdf = np.cumsum(probabilities)
    for threshold in (175, 300, 350, 500, 700, 1000, 1400):
        exact = cdf[np.searchsorted(values, threshold, side="right") - 1]
        assert abs(np.mean(draws <= threshold) - exact) < 0.006, threshold
    assert values.min() == 350 * 1000 // (1999 * 5) and values.max() == 350 * 1999 * 5 // 1000


def test_prayer_rule_on_hand_cases():
    never = np.full(4, -1)
    # The timeout starts at 300 and drops one a turn: ≤ 200 from turn 101 on.
    assert heard_probability(np.array([1, 100, 101, 5000]), never).tolist() == [0, 0, 1, 1]
    # Right after a heard prayer: P(rnz(350) ≤ 200) = ½ · P(350000 // tmp ≤ 200) (the other
    # branch gives ≥ 350); 350000 // tmp ≤ 200 ⇔ tmp ≥ 1742: with rne = 1 (probability ¾) for
    # 258 of the 1000 values of tmp, with rne ≥ 2 (probability ¼) always.
    p0 = 0.5 * (0.75 * 258 / 1000 + 0.25)
    assert heard_probability(np.array([900]), np.array([900]))[0] == pytest.approx(p0)
    later = heard_probability(np.array([1000, 1300, 2000, 5000]), np.full(4, 900))
    assert np.all(np.diff(later) >= 0) and later[-1] == pytest.approx(1.0)  # rnz ≤ 3498


@pytest.mark.parametrize(
    ("hp", "max_hp", "level", "hunger", "conditions", "trouble"),
    [
        # pray.c critically_low_hp: hp ≤ 5 or hp ≤ min(max HP, 15·level) / d, d by level
        (5, 100, 10, 1, 0, True),
        (6, 30, 1, 1, 0, False),  # the cap: 15·1 = 15, 6·5 > 15
        (3, 30, 1, 1, 0, True),
        (8, 40, 5, 1, 0, True),  # levels 1–5: a fifth (3.4.3's seventh would say no)
        (9, 40, 5, 1, 0, False),
        (10, 60, 6, 1, 0, True),  # levels 6–13: a sixth
        (11, 60, 6, 1, 0, False),
        (10, 66, 13, 1, 0, True),
        (10, 70, 14, 1, 0, True),  # levels 14–21: a seventh
        (11, 70, 14, 1, 0, False),
        (10, 80, 22, 1, 0, True),  # levels 22–29: an eighth
        (11, 80, 29, 1, 0, False),
        (10, 90, 30, 1, 0, True),  # level 30: a ninth
        (11, 90, 30, 1, 0, False),
        # in_trouble: Weak and worse (u.uhs ≥ 3), not Hungry; the status line's conditions
        (20, 20, 1, 2, 0, False),
        (20, 20, 1, 3, 0, True),
        (20, 20, 1, 4, 0, True),
        (20, 20, 1, 1, nethack.BL_MASK_FOODPOIS, True),
        (20, 20, 1, 1, nethack.BL_MASK_TERMILL, True),
        (20, 20, 1, 1, nethack.BL_MASK_STONE, True),
        (20, 20, 1, 1, nethack.BL_MASK_SLIME, True),
        (20, 20, 1, 1, nethack.BL_MASK_STRNGL, True),
        (20, 20, 1, 1, nethack.BL_MASK_BLIND | nethack.BL_MASK_CONF, False),  # minor or none
    ],
)
def test_major_trouble_by_nethack_36s_rules(hp, max_hp, level, hunger, conditions, trouble):
    assert major_trouble(hp, max_hp, level, hunger, conditions) is trouble


def test_no_healing_potion_is_drunk_before_a_prayer():
    # A potion drunk first heals the trouble, and the prayer after it is made too soon: seen
    # in 5 of 558 prayers of a trained policy, each angering its god.
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[10001])
    assert runner._role(0) == "Healer"
    pack = [line for line in runner.extra["inv_strs"][0].view("S80")[:, 0] if line]
    stacks = sum(b"potions of healing" in line for line in pack)
    runner.blstats[0, nethack.NLE_BL_HP] = 2  # as the drink test: the reflex would fire
    runner.step(np.array([PRAY]))
    assert b"pray" in runner.message[0].tobytes() or runner.last_prayer_turn[0] >= 0
    after = [line for line in runner.extra["inv_strs"][0].view("S80")[:, 0] if line]
    assert after == pack and stacks == 1 and runner.potions_drunk == 0


@pytest.mark.parametrize(
    ("message", "angry"),
    [
        # pray.c angrygods(), its five outcomes (the god's voice precedes the words)
        (b"You feel that Kos is displeased.", True),
        (b'"Thou art arrogant, mortal."  "Thou must relearn thy lessons!"  You feel foolish', True),
        (b'"Thou hast strayed from the path, creature."  "Thou must relearn thy lessons!"', True),
        (b'"Thou hast angered me."  A black glow surrounds you.', True),
        (b'"Thou durst call upon me?"  "Then die, mortal!"', True),
        # pleased(): heard, whatever it fixed
        (b"You feel that Kos is pleased.  You feel much better.", False),
        (b"You feel that Lugh is well-pleased.  Your stomach feels content.", False),
        (b"You feel a hopeful feeling.", False),
        (b"You finish your prayer.", False),
    ],
)
def test_an_angered_god_is_read_from_every_answer_of_angrygods(message, angry):
    # "Thou must relearn thy lessons!" was missed: a god angered by a prayer made too soon
    # says it in 2 of 6 cases (maxanger = 3·anger 1 + 3 for Luck −3), and the agent prayed on
    assert god_angered(message) is angry


@pytest.mark.parametrize(
    ("message", "tty", "key"),
    [
        (b"You see here a scroll.", b"You see here a scroll.--More--", MORE),
        (b"", b"Pick up what?  a - a dagger (end)", ESC),
        (b"", b"Things that are here: (1 of 2)", ESC),
        (b"Really attack the watchman? [yn] (n)", b"", ESC),
        (b"In what direction?", b"", ESC),
        (b"You kill the newt!", b"You kill the newt!", None),
        (b"", b"", None),
    ],
)
def test_screens_that_wait_for_a_key(message, tty, key):
    assert screen_key(message, tty) == key


def test_challenge_menus_are_escaped_and_the_watchdog_presses_esc():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[3])
    runner._press(0, ord("i"))  # the inventory: a menu the game waits on
    assert waiting_screen(runner.message[0].tobytes(), runner.tty_chars[0].tobytes()) == "menu"
    turn = runner.blstats[0, nethack.NLE_BL_TIME]
    runner.step(np.array([SEARCH]))
    assert waiting_screen(runner.message[0].tobytes(), runner.tty_chars[0].tobytes()) == ""
    assert runner.blstats[0, nethack.NLE_BL_TIME] > turn  # the search took its turn
    runner.step(np.array([SEARCH]))
    assert runner.watchdog_escapes == 0
    runner.frozen_keys[0] = WATCHDOG_KEYS  # as if the clock had stood still that long
    keys = runner.ep_keys[0]
    runner.step(np.array([SEARCH]))
    assert runner.watchdog_escapes == 1 and runner.ep_keys[0] == keys + 2  # ESC, then s
    runner.close()


def test_a_question_answered_in_a_real_game_waits_for_nothing_more():
    # NLE's message keeps showing a question once answered, with NetHack's echo of the key (ESC
    # echoes the default): the runner must read it as answered, or it answers once more — after
    # "Really attack?", a second "n" walked south-east (13 times into a floating eye in 200 games)
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[3])
    runner._settle(0)
    runner._press(0, ACTION_KEYS[PRAY][0])
    screen = runner.message[0].tobytes(), runner.tty_chars[0].tobytes()
    assert b"pray?" in screen[0] and waiting_screen(*screen) == "question"
    runner._press(0, ESC)
    screen = runner.message[0].tobytes(), runner.tty_chars[0].tobytes()
    assert b"pray? [yn] (n) n" in screen[0]  # still shown, answered
    assert waiting_screen(*screen) == "" and runner._answer(0, MOVE + 2) is None
    keys = runner.ep_keys[0]
    runner._settle(0)
    assert runner.ep_keys[0] == keys  # no key pressed for it
    runner.close()


def test_eat_is_offered_only_when_hungry():
    from nethack_agent.policy import action_mask

    psi = np.zeros((4, N_STATE_FEATURES))
    psi[1, STATE_FEATURES.index("satiated")] = 1.0
    psi[2, STATE_FEATURES.index("hungry")] = 1.0
    psi[3, STATE_FEATURES.index("weak")] = 1.0
    mask = action_mask(psi, np.zeros((4, 8, N_DIRECTION_FEATURES)))
    assert (mask[:, EAT] == 0).tolist() == [False, False, True, True]


@pytest.mark.parametrize("env_id", ["NetHackScore-v0", "NetHackChallenge-v0"])
def test_a_policy_that_eats_whenever_it_may_never_chokes(env_id):
    """Thousands of seeded steps of an untrained policy that eats whenever eating is offered."""
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    params["W"][STATE_FEATURES.index("bias"), EAT] = 8.0  # eat at every chance
    runner = GameRunner(env_id, 8, seed=11)
    games: list[Episode] = []
    ate = 0
    for _ in range(2500):
        actions, _ = runner.choose(params, "sampled")
        ate += int(np.sum(actions == EAT))
        games.extend(runner.step(actions)[3])
        assert not any(b"You choke" in message.tobytes() for message in runner.message)
    runner.close()
    assert ate > 0  # it did eat
    assert not any(g.cause.startswith("choked") for g in games)


def test_role_stats_by_hand():
    def game(role, score, depth):
        return Episode(t=0, env=0, seed=0, ret=0.0, length=1, score=score, depth=depth, role=role)

    games = [game("Monk", 10, 1), game("Monk", 30, 3), game("", 5, 2), game("Monk", 50, 2)]
    assert role_stats(games) == {
        "Monk": {"games": 3, "median_score": 30.0, "mean_score": 30.0, "mean_depth": 2.0},
        "unknown": {"games": 1, "median_score": 5.0, "mean_score": 5.0, "mean_depth": 2.0},
    }


def test_engrave_elbereth_writes_it_and_moving_leaves_it():
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[3])
    flags = dict(zip(AGENT_FEATURES, runner.agent_flags()[0], strict=True))
    assert flags == {
        "can_engrave": 1.0,
        "on_elbereth": 0.0,
        "fresh_corpse_here": 0.0,
        "useful_item_here": 0.0,
        "armor_to_wear": 0.0,
        "weapon_to_wield": 0.0,
        "no_food": 0.0,
    }
    runner.step(np.array([ENGRAVE]))
    assert runner.agent_flags()[0, AGENT_FEATURES.index("on_elbereth")] == 1.0
    runner._press(0, ord(":"))  # look here: NetHack reads the engraving out
    runner._press(0, MORE)
    assert b'You read: "Elbereth".' in runner.message[0].tobytes()
    runner.step(np.array([SEARCH]))  # resting on it keeps it
    assert runner.agent_flags()[0, AGENT_FEATURES.index("on_elbereth")] == 1.0
    runner.step(np.array([MOVE]))  # a move (or an attack from it) leaves it
    assert runner.agent_flags()[0, AGENT_FEATURES.index("on_elbereth")] == 0.0
    runner.close()


def test_new_actions_are_offered_only_where_they_apply():
    from nethack_agent.policy import action_mask

    psi = np.zeros((4, N_STATE_FEATURES))
    S = STATE_FEATURES.index
    psi[:, S("on_upstairs")] = [1.0, 1.0, 0.0, 1.0]
    psi[:, S("depth")] = [0.1, 0.3, 0.3, 0.3]  # level 1 (up is out of the dungeon), 3, 3, 3
    psi[:, S("can_engrave")] = [1.0, 0.0, 1.0, 1.0]
    psi[:, S("monster_close")] = [1.0, 1.0, 1.0, 0.0]
    psi[2, S("on_elbereth")] = 1.0
    offered = action_mask(psi, np.zeros((4, 8, N_DIRECTION_FEATURES))) == 0
    # up only to flee: the fourth stands on an up-staircase with no monster within 4 squares
    assert offered[:, ASCEND].tolist() == [False, True, False, False]
    assert offered[:, ENGRAVE].tolist() == [True, False, False, False]


@pytest.mark.parametrize(
    ("pack", "question", "letter"),
    [
        (["a newt corpse", "a glob of gray ooze"], b"[ab or ?*]", None),  # may be tainted
        (["a jackal corpse", "2 uncursed food rations"], b"[ab or ?*]", "b"),
        (["an apple", "a tin"], b"[b or ?*]", "b"),  # only what NetHack offers
        (["a +2 dagger", "3 fortune cookies"], b"[b or ?*]", "b"),
        (["a lichen corpse"], b"[a or ?*]", "a"),  # no corpse is dated, but this never rots
        (["a newt corpse", "2 lizard corpses"], b"[ab or ?*]", "b"),
        (["a tin", "2 uncursed food rations"], b"[ab or ?*]", "b"),  # a tin last: 50 turns to open
        (["2 tins of spinach", "a newt corpse"], b"[ab or ?*]", "a"),  # but before nothing
        (["a tin opener", "a tin"], b"[b or ?*]", "b"),
    ],
)
def test_food_from_the_pack_is_never_a_corpse_or_a_glob(nle_pack, pack, question, letter):
    found = pack_food_letter(b"What do you want to eat? " + question, *nle_pack(*pack))
    assert found == (None if letter is None else ord(letter))


def test_only_fresh_safe_corpses_are_eaten(date_corpse):
    runner = GameRunner("NetHackChallenge-v0", 1, episode_seeds=[3])
    where = runner._where(0)
    turn = int(runner.blstats[0, nethack.NLE_BL_TIME])
    offer = b"There is a jackal corpse here; eat it? [ynq] (n)"
    runner.message[0, : len(offer)] = np.frombuffer(offer, np.uint8)
    date_corpse(runner, 0, where, turn, "jackal")
    assert runner.agent_flags()[0, AGENT_FEATURES.index("fresh_corpse_here")] == 1.0
    assert runner._answer(0, EAT) == (ord("y"),)
    assert runner.agent_flags()[0, AGENT_FEATURES.index("fresh_corpse_here")] == 0.0  # eaten
    date_corpse(runner, 0, where, turn - FRESH_TURNS - 1, "jackal")  # too old
    assert runner._answer(0, EAT) == (ord("n"),)
    date_corpse(runner, 0, where, turn, "newt")  # not the corpse offered
    assert runner._answer(0, EAT) == (ord("n"),)
    runner.close()
    assert "jackal" in safe_corpses() and "newt" in safe_corpses()
    for harmful in ("kobold", "cockatrice", "human zombie", "werejackal", "little dog", "gnome"):
        assert harmful not in safe_corpses(), harmful
    assert corpse_on_offer(b"There are 2 newt corpses here; eat one? [ynq] (n)") == "newt"


def test_death_penalty_shaping_by_hand():
    from nethack_agent.learning import shaped_rewards

    rewards = np.array([[0.0, 5.0], [50.0, -1.0]])
    died = np.array([[False, True], [False, False]])
    assert shaped_rewards(rewards, died, 100.0).tolist() == [[0.0, -95.0], [50.0, -1.0]]
    assert shaped_rewards(rewards, died, 0.0).tolist() == rewards.tolist()


def test_visit_counts_saturate_instead_of_wrapping():
    """A square stood on 32,767 times (long Challenge games) keeps finite features."""
    from nethack_agent.features import MapMemory, extract_features

    runner = GameRunner("NetHackScore-v0", 1, seed=2)
    memory = MapMemory(1)
    args = (runner.glyphs, runner.blstats, runner.message, memory)
    extract_features(*args, np.zeros(1), np.zeros(1), np.zeros(1))
    y, x = runner.blstats[0, nethack.NLE_BL_Y], runner.blstats[0, nethack.NLE_BL_X]
    memory.visits[0, y, x] = 32767
    psi, phi = extract_features(*args, np.zeros(1), np.zeros(1), np.zeros(1))
    assert memory.visits[0, y, x] == 32767
    assert np.isfinite(psi).all() and np.isfinite(phi).all()
    runner.close()
