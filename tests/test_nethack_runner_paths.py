"""The runner's fast paths compute what its plain forms compute.

The compiled per-step state (P(prayer heard) and the agent's own flags) against
``prayer.heard_probability`` and the flags' definitions; the features read from the map rows
that changed against the features read from every row; a rollout's uniforms drawn at once
against a draw per step; rollouts written into given arrays and
through memory shared with worker processes against rollouts through the pipe; the terminal
observed only where something reads it.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile

import numpy as np
import pytest
from nle import nethack

from nethack_agent import envs, features, glyphs
from nethack_agent.actions import (
    DESCEND,
    DIRECTION_KEYS,
    DIRECTIONS,
    EAT,
    ENGRAVE,
    ESCAPE,
    KICK,
    MOVE,
    N_DIRECTIONS,
    PICKUP,
    SEARCH,
)
from nethack_agent.character import ROLES
from nethack_agent.deaths import last_xlog_entry
from nethack_agent.envs import (
    NO_PROGRESS,
    SCREEN_KEY,
    GameRunner,
    rollout_arrays,
    rollout_nbytes,
)
from nethack_agent.features import (
    AGENT_FEATURES,
    DIRECTION_FEATURES,
    N_DIRECTION_FEATURES,
    N_STATE_FEATURES,
    STATE_FEATURES,
    MapMemory,
    extract_features,
)
from nethack_agent.food import FRESH_TURNS
from nethack_agent.game import SCORE, NetHackGame
from nethack_agent.game.driver import MEMORY_DIR
from nethack_agent.policy import action_mask, action_probabilities, init_params
from nethack_agent.policy_kernel import sample_policy
from nethack_agent.prayer import heard_probability
from nethack_agent.questions import WATCHDOG_TURN_KEYS
from nethack_agent.workers import ParallelRunner

SCORE_ID, CHALLENGE_ID = "NetHackScore-v0", "NetHackChallenge-v0"


def _random_params(seed: int) -> dict[str, np.ndarray]:
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    rng = np.random.default_rng(seed)
    return {name: rng.normal(0.0, 0.3, p.shape) for name, p in params.items()}


def test_compiled_prayer_chance_equals_heard_probability():
    runner = GameRunner(SCORE_ID, 6, seed=0)
    rng = np.random.default_rng(1)
    for _ in range(50):
        turns = rng.integers(1, 6000, 6)
        last = np.where(rng.random(6) < 0.3, -1, turns - rng.integers(0, 4000, 6))
        runner.blstats[:, nethack.NLE_BL_TIME] = turns
        runner.last_prayer_turn[:] = last
        runner.god_angry[:] = rng.random(6) < 0.2
        expected = np.where(runner.god_angry, 0.0, heard_probability(turns, last))
        np.testing.assert_array_equal(runner.prayer_heard(), expected)
    runner.close()


def test_compiled_agent_flags_follow_their_definitions(date_corpse):
    runner = GameRunner(CHALLENGE_ID, 3, seed=0)
    b = runner.blstats
    where = np.stack(
        [b[:, nethack.NLE_BL_DNUM], b[:, nethack.NLE_BL_DLEVEL], b[:, nethack.NLE_BL_Y],
         b[:, nethack.NLE_BL_X]], axis=1
    )  # fmt: skip
    b[:, nethack.NLE_BL_TIME] = turn = np.array([100, 200, 300])
    runner.elbereth[0] = where[0]  # on its engraving
    runner.elbereth[1] = where[1] + [0, 0, 0, 1]  # next to it
    date_corpse(runner, 0, where[0], turn[0] - FRESH_TURNS, "jackal")  # fresh enough, safe
    date_corpse(runner, 1, where[1], turn[1], "kobold")  # here, now, but not safe to eat
    date_corpse(runner, 2, where[2], turn[2] - FRESH_TURNS - 1, "newt")  # too old
    runner.item_here[0] = where[0]  # useful objects here
    runner.item_here[1] = where[1]
    b[1, nethack.NLE_BL_CAP] = 1  # but Burdened
    runner._to_try_on(2, "armor", ord("e"))
    runner._to_try_on(1, "weapon", ord("f"))
    runner.no_food[1] = True
    flags = runner.agent_flags()
    column = {name: flags[:, j].tolist() for j, name in enumerate(AGENT_FEATURES)}
    assert column == {
        "can_engrave": [1.0, 1.0, 1.0],
        "on_elbereth": [1.0, 0.0, 0.0],
        "fresh_corpse_here": [1.0, 0.0, 0.0],
        "useful_item_here": [1.0, 0.0, 0.0],
        "armor_to_wear": [0.0, 0.0, 1.0],
        "weapon_to_wield": [0.0, 1.0, 0.0],
        "no_food": [0.0, 1.0, 0.0],
    }
    runner.close()


@pytest.mark.parametrize("env_id", [SCORE_ID, CHALLENGE_ID])
def test_features_from_changed_rows_and_reused_searches_equal_features_read_afresh(env_id):
    """The kernel re-reads only rows whose glyphs changed (and the agent's rows) and reuses its
    last search while the agent stands still and no path opened or closed; a memory told to
    forget both (``_glyphs``, ``_search_start`` = -1) reads every row and searches afresh."""
    runner = GameRunner(env_id, 3, seed=4)
    full = MapMemory(3)
    params = _random_params(2)  # a policy that explores and takes the stairs down
    params["theta_move"][DIRECTION_FEATURES.index("path_downstairs")] = 3.0
    params["theta_move"][DIRECTION_FEATURES.index("path_frontier")] = 2.0
    params["W"][STATE_FEATURES.index("on_downstairs"), DESCEND] = 8.0
    levels_changed = games_ended = 0
    bumped = []  # rock bumped into: told to both memories
    remember_wall = runner.memory.remember_wall

    def remember_in_both(env: int, y: int, x: int) -> None:
        remember_wall(env, y, x)
        full.remember_wall(env, y, x)
        bumped.append((env, y, x))

    runner.memory.remember_wall = remember_in_both
    for _ in range(1500):
        heard, flags = runner._agent_state()
        for i in np.flatnonzero(runner.ep_keys == 0):
            full.forget(i)  # a new game
        levels = list(full.level)
        full._glyphs[:] = -1
        full._search_start[:] = -1  # and searches afresh
        expected = extract_features(
            runner.glyphs, runner.blstats, runner.message, full, runner.searches_here,
            heard, runner.ep_keys, runner.max_episode_steps, runner.roles, flags,
        )  # fmt: skip
        envs._corpse_directions(runner.blstats, runner._agent_arrays(), expected[1])  # runner's
        envs._refused_moves(runner.blstats, runner._agent_arrays(), expected[1])  # own
        envs._shop_door(runner.blstats, runner._agent_arrays(), expected[1])  # records
        levels_changed += levels != full.level
        psi, phi = runner.features()
        np.testing.assert_array_equal(psi, expected[0])
        np.testing.assert_array_equal(phi, expected[1])
        np.testing.assert_array_equal(runner.memory.kind, full.kind)
        np.testing.assert_array_equal(runner.memory.visits, full.visits)
        *_, finished, _ = runner.step(sample_policy(params, psi, phi, runner.uniforms())[0])
        games_ended += len(finished)
    runner.close()
    assert levels_changed >= 3 and games_ended >= 1  # the parked-level swaps were exercised
    assert bumped  # and rock bumped into


def test_a_rollouts_uniforms_drawn_at_once_equal_a_draw_per_step():
    params = _random_params(3)
    at_once = GameRunner(SCORE_ID, 2, seed=5)
    batch, _, _ = at_once.rollout(params, 60)
    per_step = GameRunner(SCORE_ID, 2, seed=5)
    for t in range(60):
        psi, phi = per_step.features()
        actions = sample_policy(params, psi, phi, per_step.uniforms())[0]
        np.testing.assert_array_equal(actions, batch["actions"][t])
        per_step.step(actions)
    assert [rng.random() for rng in at_once.rngs] == [rng.random() for rng in per_step.rngs]
    at_once.close()
    per_step.close()


@pytest.mark.parametrize("env_id", [SCORE_ID, CHALLENGE_ID])
def test_rollout_into_given_arrays_equals_a_fresh_batch(env_id):
    params = _random_params(2)
    plain = GameRunner(env_id, 3, seed=5)
    into = GameRunner(env_id, 3, seed=5)
    out = rollout_arrays(40, 3, bytearray(rollout_nbytes(40, 3)))
    for n_steps in (25, 40):
        expected, games, presses = plain.rollout(params, n_steps)
        batch, games2, presses2 = into.rollout(params, n_steps, out)
        assert presses == presses2 and games == games2
        for key, array in expected.items():
            assert batch[key].dtype == array.dtype, key
            np.testing.assert_array_equal(batch[key], array, err_msg=key)
    plain.close()
    into.close()


def test_shared_memory_rollouts_equal_pipe_rollouts():
    params = _random_params(3)
    shared = ParallelRunner(2, 2, env_id=SCORE_ID, seed=4, rollout_capacity=30)
    piped = ParallelRunner(2, 2, env_id=SCORE_ID, seed=4)
    # within the capacity, longer (then through the pipe), and pipelined like training
    for n_steps in (30, 45):
        a, games_a, _ = shared.rollout(params, n_steps)
        b, games_b, _ = piped.rollout(params, n_steps)
        assert games_a == games_b
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    # pipelined like training: the next rollout is asked for before this one is read (into
    # the worker's other buffer), against rollouts asked for one at a time
    shared.send_rollout(params, 20)
    batches = [
        (shared.receive_rollout(params, 20)[0], piped.rollout(params, 20)[0]) for _ in range(4)
    ]
    for a, b in batches:  # each intact after the later ones (copied out of the shared memory)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    shared.close()
    piped.close()
    with pytest.raises(ValueError, match="rollout_capacity must be >= 0"):
        ParallelRunner(1, 1, env_id=SCORE_ID, rollout_capacity=-1)


def test_the_terminal_is_observed_only_where_it_is_read():
    score = GameRunner(SCORE_ID, 1, seed=0)
    challenge = GameRunner(CHALLENGE_ID, 1, seed=0)
    watched = GameRunner(SCORE_ID, 1, seed=0, extra_keys=(SCREEN_KEY,))
    assert SCREEN_KEY not in score.observation_keys and not score.tty_chars.any()
    assert challenge.tty_chars.any() and watched.tty_chars.any()
    # the character is still read (from the welcome message) without the terminal
    assert score.roles[0] == watched.roles[0] >= 0
    for runner in (score, challenge, watched):
        runner.close()


def test_last_xlog_entry_reads_the_last_game_of_a_long_file(tmp_path):
    path = tmp_path / "xlogfile"
    entries = [f"version=3.6.7\tpoints={p}\tdeath=killed by a newt {p}" for p in range(2000)]
    path.write_text("\n".join(entries) + "\n")  # ≈ 90 kB: more than the tail that is read
    assert last_xlog_entry(path) == {
        "version": "3.6.7",
        "points": "1999",
        "death": "killed by a newt 1999",
    }
    path.write_text(entries[0] + "\n")
    assert last_xlog_entry(path)["points"] == "0"
    path.write_text("")
    assert last_xlog_entry(path) == {}
    assert last_xlog_entry(tmp_path / "missing") == {}


def test_a_games_private_files_live_in_memory_and_tempfile_is_left_alone():
    before = tempfile.gettempdir()
    game = NetHackGame(SCORE)
    vardir = game._nethack._vardir
    if os.path.isdir(MEMORY_DIR) and os.access(MEMORY_DIR, os.W_OK):
        assert os.path.dirname(vardir) == MEMORY_DIR
    assert tempfile.gettempdir() == before
    game.close()
    assert not os.path.exists(vardir)


def test_eating_with_nothing_to_eat_is_remembered_until_a_pick_up():
    runner = GameRunner(CHALLENGE_ID, 1, episode_seeds=[1])  # a Samurai: no food in the pack
    assert ROLES[runner.roles[0]] == "Samurai"
    no_food = AGENT_FEATURES.index("no_food")
    assert runner.agent_flags()[0, no_food] == 0.0
    runner._act(0, EAT)
    assert b"You don't have anything to eat." in runner.message[0].tobytes()
    assert runner.agent_flags()[0, no_food] == 1.0
    runner._act(0, SEARCH)  # other actions leave it
    assert runner.agent_flags()[0, no_food] == 1.0
    runner._act(0, PICKUP)  # whatever it finds, the pack may hold food now
    assert runner.agent_flags()[0, no_food] == 0.0
    runner.close()


class _ScriptedGame:
    """A game that shows ``replies[key]`` after each key pressed (nothing for others)."""

    def __init__(self, message: np.ndarray, replies: dict[int, bytes]):
        self.message, self.replies, self.keys = message, replies, []

    def press(self, key: int) -> tuple[float, bool, int]:
        self.keys.append(key)
        text = self.replies.get(key, b"")
        self.message[:] = 0
        self.message[: len(text)] = np.frombuffer(text, dtype=np.uint8)
        return 0.0, False, 0

    def in_text_prompt(self) -> bool:
        return False


def test_nothing_to_eat_after_a_corpse_declined_is_remembered():
    # a corpse not of the agent's own fresh kill is declined, then NetHack finds nothing in the
    # pack: eat is withheld from then on (a Weak Monk once chose it 11,028 times, no turn passing)
    runner = GameRunner(CHALLENGE_ID, 1, episode_seeds=[1])
    replies = {
        int(nethack.Command.EAT): b"There is a jackal corpse here; eat it? [ynq] (n)",
        ord("n"): b"You don't have anything to eat.",
    }
    game, runner.envs[0] = runner.envs[0], _ScriptedGame(runner.message[0], replies)
    runner.frozen_keys[0] = 0
    runner._act(0, EAT)
    assert b"You don't have anything to eat." in runner.message[0].tobytes()
    assert runner.agent_flags()[0, AGENT_FEATURES.index("no_food")] == 1.0
    runner.envs[0] = game
    runner.close()


def test_a_fresh_corpse_is_eaten_unless_satiated_and_never_the_packs_food_when_not_hungry(
    date_corpse,
):
    # on its own fresh, safe kill the agent eats unless Satiated (roles without food starved
    # near turn 1,200 when kills were eaten only once Hungry); a monster near lets it move
    psi = np.zeros((4, N_STATE_FEATURES))
    phi = np.zeros((4, N_DIRECTIONS, N_DIRECTION_FEATURES))
    s = STATE_FEATURES.index
    psi[:, s("fresh_corpse_here")] = 1.0
    psi[1, s("satiated")] = 1.0
    psi[2, s("monster_close")] = 1.0
    psi[3, s("fresh_corpse_here")] = 0.0
    offered = action_mask(psi, phi) == 0.0
    assert offered[:, EAT].tolist() == [True, False, True, False]
    assert offered[:, MOVE].tolist() == [False, True, True, True]
    params = _random_params(4)
    _, probabilities = sample_policy(params, psi, phi, np.full(4, 0.5))
    np.testing.assert_allclose(probabilities, action_probabilities(params, psi, phi), atol=1e-12)
    # the runner: its own kill's corpse is eaten and forgotten; asked for the pack's food while
    # Not Hungry (no corpse here after all), it escapes and forgets the kill
    runner = GameRunner(CHALLENGE_ID, 1, episode_seeds=[1])
    assert runner.blstats[0, nethack.NLE_BL_HUNGER] == 1  # Not Hungry
    eat = int(nethack.Command.EAT)
    for offer, key in [
        (b"There is a newt corpse here; eat it? [ynq] (n)", ord("y")),
        (b"What do you want to eat? [fg or ?*]", 27),
    ]:
        turn = int(runner.blstats[0, nethack.NLE_BL_TIME])
        date_corpse(runner, 0, runner._where(0), turn, "newt")
        assert runner.agent_flags()[0, AGENT_FEATURES.index("fresh_corpse_here")] == 1.0
        game, runner.envs[0] = runner.envs[0], _ScriptedGame(runner.message[0], {eat: offer})
        runner.frozen_keys[0] = 0
        runner._act(0, EAT)
        assert runner.envs[0].keys[:2] == [eat, key]
        assert runner.agent_flags()[0, AGENT_FEATURES.index("fresh_corpse_here")] == 0.0
        runner.envs[0] = game
    runner.close()


def test_actions_that_pass_no_time_are_masked():
    psi = np.zeros((4, N_STATE_FEATURES))
    phi = np.zeros((4, N_DIRECTIONS, N_DIRECTION_FEATURES))
    s, d = STATE_FEATURES.index, DIRECTION_FEATURES.index
    psi[:, s("hungry")] = 1.0
    psi[1, s("no_food")] = 1.0  # nothing to eat: eat masked ...
    psi[2, [s("no_food"), s("fresh_corpse_here")]] = 1.0  # ... unless a fresh corpse lies here
    psi[3, s("msg_prompt")] = 1.0  # a question waits: escape answers it
    phi[:, 2, d("kind_wall")] = 1.0  # a wall to the south
    mask = action_mask(psi, phi)
    offered = mask == 0.0
    assert offered[:, EAT].tolist() == [True, False, True, True]
    assert offered[:, ESCAPE].tolist() == [False, False, False, True]
    assert not offered[:, MOVE + 2].any()
    assert offered[:, MOVE].tolist() == [True, True, False, True]  # on the corpse: eat it
    # the compiled policy step withholds the same actions
    params = _random_params(4)
    _, probabilities = sample_policy(params, psi, phi, np.full(4, 0.5))
    np.testing.assert_allclose(probabilities, action_probabilities(params, psi, phi), atol=1e-12)
    assert (probabilities[~offered] < 1e-12).all()


def test_the_watchdog_lets_a_turn_pass_when_the_clock_stands_still_too_long():
    runner = GameRunner(CHALLENGE_ID, 1, episode_seeds=[1])
    turn = int(runner.blstats[0, nethack.NLE_BL_TIME])
    runner.frozen_keys[0] = WATCHDOG_TURN_KEYS - 1  # ESC only: escape passes no time
    runner._act(0, ESCAPE)
    assert int(runner.blstats[0, nethack.NLE_BL_TIME]) == turn
    runner.frozen_keys[0] = WATCHDOG_TURN_KEYS  # ESC, then a search: the clock moves
    presses = runner.presses
    runner._act(0, ESCAPE)
    assert int(runner.blstats[0, nethack.NLE_BL_TIME]) > turn
    assert runner.presses == presses + 3  # ESC, s, and the agent's ESC
    runner.close()


@pytest.mark.parametrize("api", ["nle", "gym"])
def test_a_text_prompt_is_escaped_before_the_agents_action(api, monkeypatch):
    # a prompt the screen reader does not know ("Call a ruby potion: "): only NetHack's own
    # flag tells that a line of text is being read
    monkeypatch.setattr(envs, "screen_key", lambda message, tty: None)
    runner = GameRunner(CHALLENGE_ID, 1, episode_seeds=[1], env_api=api)
    game = runner.envs[0]
    assert not game.in_text_prompt()
    runner._press(0, ord("E"))  # engrave …
    runner._press(0, ord("-"))  # … with a finger: NetHack reads the line to write
    assert game.in_text_prompt()
    turn = int(runner.blstats[0, nethack.NLE_BL_TIME])
    runner._act(0, SEARCH)  # ESC out of the line first, so "s" searches (is not typed)
    assert not game.in_text_prompt()
    assert int(runner.blstats[0, nethack.NLE_BL_TIME]) > turn
    runner.close()


def test_engrave_is_withheld_where_nethack_refused_an_engraving(monkeypatch):
    runner = GameRunner(CHALLENGE_ID, 1, episode_seeds=[40001])
    refusal = b"You can't write on the fountain!"
    pressed = []

    def press(i, key):  # NetHack's answer to E on a fountain
        pressed.append(key)
        runner.message[i] = 0
        runner.message[i, : len(refusal)] = np.frombuffer(refusal, np.uint8)
        return 0.0, False, False

    monkeypatch.setattr(runner, "_press", press)
    can_engrave = AGENT_FEATURES.index("can_engrave")
    assert runner.agent_flags()[0, can_engrave] == 1.0
    runner._act(0, ENGRAVE)
    assert pressed == [ord("E")]  # no "-" typed as a command after the refusal
    assert runner.agent_flags()[0, can_engrave] == 0.0
    runner.blstats[0, nethack.NLE_BL_X] += 1  # another square
    assert runner.agent_flags()[0, can_engrave] == 1.0
    monkeypatch.undo()
    runner.close()


@pytest.mark.parametrize("env_id", [SCORE_ID, CHALLENGE_ID])
def test_rock_bumped_into_is_remembered_as_a_wall_and_the_move_withheld(env_id):
    # "It's solid stone.": the move passed no time; the square shows nothing, but from now on
    # the direction reads as a wall (masked), in the search's map too (no frontier there)
    wall, unexplored = (
        DIRECTION_FEATURES.index("kind_wall"),
        DIRECTION_FEATURES.index("kind_unexplored"),
    )
    runner = GameRunner(env_id, 1, episode_seeds=[1])
    rng = np.random.default_rng(1)
    for _ in range(2000):
        _, phi = runner.features()
        d = int(rng.integers(N_DIRECTIONS))
        if phi[0, d, wall] or phi[0, d, DIRECTION_FEATURES.index("kind_monster")]:
            continue
        x, y = runner.blstats[0, :2].tolist()
        runner.step(np.array([MOVE + d]))
        if b"It's solid stone." in runner.message[0].tobytes():
            break
    else:
        pytest.fail("no move into rock in 2,000 random moves")
    dy, dx = DIRECTIONS[d]
    psi, phi = runner.features()
    assert phi[0, d, wall] == 1.0 and phi[0, d, unexplored] == 0.0
    assert action_mask(psi, phi)[0, MOVE + d] < 0
    assert runner.memory.kind[0, y + dy, x + dx] == glyphs.WALL
    assert runner.memory._seen[0, y + dy, x + dx] == glyphs.UNEXPLORED  # nothing shown
    # the search's map (frontiers: squares next to unexplored ones) reads a wall there too
    assert runner.memory._bits[0, y + dy + 1, x + dx + 1] == features._MEMORY_BITS[glyphs.WALL]
    runner.step(np.array([SEARCH]))  # the row read again (the square's glyph is unchanged)
    runner.memory._glyphs[0, y + dy] = -1
    assert runner.features()[1][0, d, wall] == 1.0
    runner.close()


def test_the_no_progress_timeout_ends_a_game_for_learning_as_a_death_does():
    # a policy that stands still must not learn that the timeout (return 0) beats dying (the
    # score minus --death-penalty): the timeout is a terminal step, as a death is; the key cap
    # stays a truncation (the value after it is bootstrapped)
    runner = GameRunner(CHALLENGE_ID, 1, episode_seeds=[1, 2])
    runner.settings = dataclasses.replace(runner.settings, no_progress_timeout=10)
    runner.envs[0].close()
    runner.envs[0] = runner._new_env(0)
    runner._start_game(0)
    for _ in range(20):  # ESC passes no time: aborted at the 5th (NLE counts 2 a key)
        _, terminated, truncated, finished, _ = runner.step(np.array([ESCAPE]))
        if finished:
            break
    assert [game.end for game in finished] == [NO_PROGRESS]
    assert terminated[0] and not truncated[0]
    runner.close()
    runner = GameRunner(SCORE_ID, 1, episode_seeds=[1, 2], max_episode_steps=5)
    for _ in range(5):
        _, terminated, truncated, finished, _ = runner.step(np.array([SEARCH]))
    assert [game.end for game in finished] == ["key cap"]
    assert truncated[0] and not terminated[0]
    runner.close()


@pytest.mark.parametrize("env_id", [SCORE_ID, CHALLENGE_ID])
def test_a_door_is_kicked_only_when_locked_and_never_a_closed_shops(env_id):
    # a closed door opens when moved into (autoopen); kicking one breaks it, and a shop's
    # broken door sends the shopkeeper after the agent (10 of 200 Challenge games died so)
    runner = GameRunner(env_id, 1, episode_seeds=[1])
    x, y = runner.blstats[0, :2].tolist()
    closed_door = nethack.GLYPH_CMAP_OFF + 16  # S_hcdoor
    north, west = 0, 3
    runner.glyphs[0, y - 1, x] = runner.glyphs[0, y, x - 1] = closed_door
    runner.memory._glyphs[:] = -1  # every row read afresh

    def kicks_offered(text: bytes) -> np.ndarray:
        runner.message[:] = 0
        runner.message[:, : len(text)] = np.frombuffer(text, np.uint8)
        runner._features = None
        psi, phi = runner.features()
        return action_mask(psi, phi)[:, KICK : KICK + N_DIRECTIONS] == 0

    assert not kicks_offered(b"The door opens.").any()  # closed doors: moved into, not kicked
    offered = kicks_offered(b"This door is locked.")
    assert offered[0, north] and offered[0, west] and offered[0].sum() == 2
    start = runner._where(0)
    # a move into the locked door passed no time: from this square it is withheld from now
    # on (read as a wall; a policy pressed it 3,000 times in a row), and the door stays one to
    # kick after its message is gone
    runner._note_move(0, MOVE + west, start, b"This door is locked.")
    assert kicks_offered(b"WHAMM!!")[0].tolist() == [d == west for d in range(N_DIRECTIONS)]
    south = 2  # and a peaceful monster there ("Really attack?" is answered no: no time)
    floor = runner.glyphs[0, y + 1, x]
    runner.glyphs[0, y + 1, x] = nethack.GLYPH_MON_OFF  # a monster to the south
    runner.memory._glyphs[:] = -1
    runner._note_move(0, MOVE + south, start, b"Really attack the watchman? [yn] (n)")

    def moves_offered() -> np.ndarray:
        runner._features = None
        psi, phi = runner.features()
        return action_mask(psi, phi)[0, MOVE : MOVE + N_DIRECTIONS] == 0

    moves = moves_offered()
    assert not moves[west] and not moves[south] and moves[north]
    runner.glyphs[0, y + 1, x] = floor  # it walked on: the way south is open again
    runner.memory._glyphs[:] = -1
    moves = moves_offered()
    assert not moves[west] and moves[south] and moves[north]
    runner.glyphs[0, y, x - 1] = nethack.GLYPH_CMAP_OFF + 12  # the door west kicked open
    runner.memory._glyphs[:] = -1
    assert moves_offered()[west]  # (S_ndoor: a broken door) a way on, no wall
    runner.glyphs[0, y, x - 1] = closed_door
    runner._note_move(0, MOVE + north, start, b'You read: "Closed for inventory".')
    assert tuple(runner.shop_front[0]) == start  # the square in front of a shop's locked door
    offered = kicks_offered(b"This door is locked.")
    assert not offered[0].any()  # from here, no door is kicked
    runner.blstats[0, nethack.NLE_BL_X] += 1  # another square: kicks again
    assert kicks_offered(b"This door is locked.")[0].any()
    runner.close()


def test_next_to_a_fresh_kill_with_no_monster_close_the_only_move_is_onto_it():
    # a trained policy ate 356 corpses of its 4,783 safe kills, and starved once its god was
    # angered; a monster close, or the step onto the corpse withheld (a wall: the record was
    # wrong), leaves the moves as they were
    east = DIRECTIONS.index((0, 1))
    psi = np.zeros((3, N_STATE_FEATURES))
    phi = np.zeros((3, N_DIRECTIONS, N_DIRECTION_FEATURES))
    phi[:, east, DIRECTION_FEATURES.index("corpse_to_eat")] = 1.0
    psi[1, STATE_FEATURES.index("monster_close")] = 1.0
    phi[2, east, DIRECTION_FEATURES.index("kind_wall")] = 1.0
    offered = action_mask(psi, phi)[:, MOVE : MOVE + N_DIRECTIONS] == 0.0
    only_east = np.arange(N_DIRECTIONS) == east
    np.testing.assert_array_equal(offered, [only_east, np.ones(N_DIRECTIONS, bool), ~only_east])
    params = _random_params(5)
    _, probabilities = sample_policy(params, psi, phi, np.full(3, 0.5))
    np.testing.assert_allclose(probabilities, action_probabilities(params, psi, phi), atol=1e-12)


def test_hungry_with_nothing_to_eat_the_moves_lead_to_food_and_on_it_to_a_pick_up():
    # Hungry, "You don't have anything to eat.", path_item (then the way to food) east: only
    # east; Weak the same; a monster close, food in the pack or not hungry: every move; on a
    # useful object: no move, a pick-up
    east = DIRECTIONS.index((0, 1))
    psi = np.zeros((6, N_STATE_FEATURES))
    phi = np.zeros((6, N_DIRECTIONS, N_DIRECTION_FEATURES))
    phi[:, east, DIRECTION_FEATURES.index("path_item")] = 1.0
    psi[[0, 2, 3, 5], STATE_FEATURES.index("hungry")] = 1.0
    psi[1, STATE_FEATURES.index("weak")] = 1.0
    psi[[0, 1, 2, 4, 5], STATE_FEATURES.index("no_food")] = 1.0
    psi[2, STATE_FEATURES.index("monster_close")] = 1.0
    psi[5, STATE_FEATURES.index("useful_item_here")] = 1.0
    mask = action_mask(psi, phi)
    offered = mask[:, MOVE : MOVE + N_DIRECTIONS] == 0.0
    only_east, every = np.arange(N_DIRECTIONS) == east, np.ones(N_DIRECTIONS, bool)
    expected = [only_east, only_east, every, every, every, ~every]
    np.testing.assert_array_equal(offered, expected)
    assert mask[5, PICKUP] == 0.0
    params = _random_params(6)
    _, probabilities = sample_policy(params, psi, phi, np.full(6, 0.5))
    np.testing.assert_allclose(probabilities, action_probabilities(params, psi, phi), atol=1e-12)


def test_the_direction_of_a_fresh_safe_corpse_is_offered_unless_satiated(date_corpse):
    corpse = DIRECTION_FEATURES.index("corpse_to_eat")
    runner = GameRunner(CHALLENGE_ID, 6, seed=0)
    b = runner.blstats
    b[:, nethack.NLE_BL_TIME] = 500
    b[:, nethack.NLE_BL_HUNGER] = [1, 3, 0, 2, 2, 2]  # not hungry, Weak, Satiated, Hungry …
    here = np.stack(
        [b[:, nethack.NLE_BL_DNUM], b[:, nethack.NLE_BL_DLEVEL], b[:, nethack.NLE_BL_Y],
         b[:, nethack.NLE_BL_X]], axis=1
    )  # fmt: skip
    for i, (d, name, age) in enumerate(
        [(2, "jackal", FRESH_TURNS), (5, "newt", 0), (2, "jackal", 0), (2, "kobold", 0),
         (2, "jackal", FRESH_TURNS + 1), (None, "jackal", 0)]
    ):  # fmt: skip
        dy, dx = DIRECTIONS[d] if d is not None else (0, 2)  # the last: two squares away
        date_corpse(runner, i, here[i] + [0, 0, dy, dx], 500 - age, name)
    phi = runner.features()[1][:, :, corpse]
    expected = np.zeros((6, N_DIRECTIONS))
    expected[0, 2] = expected[1, 5] = 1.0  # not hungry / weak, fresh, safe, next to it
    # Satiated; a kobold (poisonous); too old; not adjacent: nothing
    np.testing.assert_array_equal(phi, expected)
    runner.close()


@pytest.mark.parametrize(
    "text",
    [b"You try to move the boulder, but in vain.", b"Perhaps that's why you cannot move past it."],
)
def test_a_boulder_that_will_not_move_is_remembered_as_a_wall(text):
    runner = GameRunner(SCORE_ID, 1, episode_seeds=[1])
    start = runner._where(0)
    y, x = start[2], start[3]
    dy, dx = DIRECTIONS[1]  # east
    runner._note_move(0, MOVE + 1, start, text)
    assert runner.memory.kind[0, y + dy, x + dx] == glyphs.WALL
    runner._note_move(0, MOVE + 3, start, b"With great effort you move the boulder.")
    assert runner.memory.kind[0, y, x - 1] != glyphs.WALL  # west: it moved, nothing to remember
    runner.close()


def test_a_boulder_a_monster_holds_is_followed_by_a_search():
    # no time passes when a monster behind a boulder holds it; a search lets one pass (the
    # monster may move on) and the move stays offered — a Knight between such a boulder and an
    # acid blob had pushed it 247,000 times, the watchdog's search every 200 keys its only turns
    runner = GameRunner(CHALLENGE_ID, 1, episode_seeds=[1])
    east = DIRECTION_KEYS[1]
    held = b"You hear a monster behind the boulder.  Perhaps that's why you cannot move it."
    scripted = _ScriptedGame(runner.message[0], {east: held})
    game, runner.envs[0] = runner.envs[0], scripted
    runner.frozen_keys[0] = 0
    runner._act(0, MOVE + 1)
    assert scripted.keys == [east, int(nethack.Command.SEARCH)]
    y, x = runner._where(0)[2:]
    for _ in range(envs.HELD_BOULDER_TRIES - 2):
        runner._act(0, MOVE + 1)
    assert runner.memory.kind[0, y, x + 1] != glyphs.WALL  # (the monster may move on)
    runner._act(0, MOVE + 1)  # held that often: a mold never moves, remembered as a wall
    assert runner.memory.kind[0, y, x + 1] == glyphs.WALL
    scripted.keys.clear()
    runner.frozen_keys[0] = 0  # (the scripted clock never moves: no watchdog here)
    scripted.replies[east] = b"With great effort you move the boulder."
    runner._act(0, MOVE + 1)
    assert scripted.keys == [east]
    runner.envs[0] = game
    runner.close()


def test_a_kick_refused_before_its_direction_is_followed_by_a_search():
    # wounded legs ("Your legs are in no shape for kicking."): NetHack asks no direction and
    # lets no time pass; kicking again would loop forever (seen: 3,794 kicks in one game)
    from nethack_agent.actions import ACTION_KEYS

    kick_key, search_key = ACTION_KEYS[KICK][0], ACTION_KEYS[SEARCH][0]
    runner = GameRunner(SCORE_ID, 1, episode_seeds=[1])
    real_press = runner.envs[0].press
    pressed = []

    def legs_wounded(key):
        pressed.append(key)
        return (0.0, False, 0) if key == kick_key else real_press(key)  # nothing happens

    runner.envs[0].press = legs_wounded
    turn = int(runner.blstats[0, nethack.NLE_BL_TIME])
    runner.step(np.array([KICK + 1]))
    assert pressed == [kick_key, search_key]
    assert runner.blstats[0, nethack.NLE_BL_TIME] > turn  # the clock moved: legs heal
    # a kick NetHack asks the direction of is answered, with no search after it
    runner.envs[0].press = lambda key: (pressed.append(key), real_press(key))[1]
    pressed.clear()
    runner.step(np.array([KICK + 1]))
    assert pressed[:2] == [kick_key, DIRECTION_KEYS[1]] and search_key not in pressed
    runner.close()


def test_every_floor_food_question_is_answered_before_the_pack_is_offered():
    # a pile: NetHack asks of each kind of corpse on the floor, then which item to eat; a
    # question left open takes the next action's key ("You cannot eat that!")
    from nethack_agent.actions import ACTION_KEYS, EAT

    runner = GameRunner(SCORE_ID, 1, episode_seeds=[1])
    script = {
        ACTION_KEYS[EAT][0]: b"There is a jackal corpse here; eat it? [ynq] (n) ",
        ord("h"): b"This orange is delicious!",
    }  # and each "n" brings the next of ``floor``
    floor = [
        b"There are 2 newt corpses here; eat one? [ynq] (n) ",
        b"What do you want to eat? [hi or ?*] ",
    ]
    pressed = []

    def scripted(key):
        pressed.append(key)
        text = floor.pop(0) if key == ord("n") else script[key]
        runner.message[0] = 0
        runner.message[0, : len(text)] = np.frombuffer(text, np.uint8)
        return 0.0, False, 0

    runner.envs[0].press = scripted
    runner.blstats[0, nethack.NLE_BL_HUNGER] = 2  # Hungry: the pack's food is eaten too
    runner.step(np.array([EAT]))
    assert bytes(pressed) == b"ennh" and not floor
    runner.close()


@pytest.mark.parametrize("workers", [0, 2])
def test_play_reports_the_games_finished_and_plays_the_same_games(workers):
    seeds = [3, 4, 5, 6, 7]

    def runner():
        common = {"env_id": SCORE_ID, "episode_seeds": seeds, "max_episode_steps": 300}
        if workers == 0:
            return GameRunner(n_envs=2, **common)
        return ParallelRunner(workers, 2, **common)

    counts = []
    played = runner()
    games = played.play(None, "random", progress=counts.append)
    played.close()
    again = runner()
    assert again.play(None, "random") == games  # a report changes no game
    again.close()
    assert counts and counts == sorted(counts) and counts[-1] == len(seeds)
    if workers == 0:  # in the process itself: each time a game ends, never twice the same
        assert len(set(counts)) == len(counts)
