"""The low-level game driver against NLE's own gym classes: settings, key-for-key equivalence
(game and runner), seeding, end statuses, ttyrec recordings, restarts."""

import dataclasses
import json
import os

import gymnasium as gym
import nle  # noqa: F401
import numpy as np
import pytest
from nle import nethack
from nle.dataset import Converter

from nethack_agent.__main__ import main
from nethack_agent.actions import RANDOM_BASELINE_KEYS
from nethack_agent.config import TrainConfig
from nethack_agent.envs import GameRunner, runner_settings
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
from nethack_agent.game import (
    ABORTED,
    CHALLENGE,
    DEATH,
    RUNNING,
    SCORE,
    GymGame,
    NetHackGame,
    TaskSettings,
    settings_of,
    task_settings,
)
from nethack_agent.game.driver import time_penalty
from nethack_agent.policy import init_params
from nethack_agent.train import train

KEYS = ("glyphs", "blstats", "message")


def test_task_settings_equal_nle_classes_field_for_field():
    score = gym.make("NetHackScore-v0")
    challenge = gym.make("NetHackChallenge-v0")
    try:
        assert settings_of(score) == SCORE
        assert settings_of(challenge) == CHALLENGE
    finally:
        score.close()
        challenge.close()
    assert task_settings("NetHackChallenge-v0") is CHALLENGE
    with pytest.raises(ValueError, match="env_id must be one of"):
        task_settings("NetHackNope-v0")
    with pytest.raises(ValueError, match="penalty_mode must be one of"):
        TaskSettings(name="x", penalty_mode="cubic")


def test_time_penalty_modes_by_hand():
    assert time_penalty("constant", 0, -0.01, 1, 0.0) == 0.0
    assert time_penalty("constant", 3, -0.01, 0, 0.0) == -0.01
    assert time_penalty("exp", 3, -0.5, 0, 0.0) == -4.0  # 2**3 * -0.5
    assert time_penalty("square", 3, -0.5, 0, 0.0) == -4.5  # 9 * -0.5
    assert time_penalty("linear", 3, -0.5, 0, 0.0) == -1.5
    assert time_penalty("always", 0, -0.5, 2, -0.25) == -1.0  # -0.5 + 2 * -0.25


def play_both(settings, seeds, n_keys, keys=None, observation_keys=KEYS):
    """Play the driver and the gym game side by side on random keys; assert they agree.

    Returns the (reward, done, end_status) of every key press and the end statuses.
    """
    driver = NetHackGame(settings, observation_keys=observation_keys)
    reference = GymGame(settings, observation_keys=observation_keys)
    keys = np.array(settings.actions if keys is None else keys)
    results, ends = [], []
    try:
        for seed in seeds:
            rng = np.random.default_rng(seed)
            for game in (driver, reference):
                game.seed(seed, seed + 1000)
                game.reset()
            for _ in range(n_keys):
                for key in observation_keys:
                    np.testing.assert_array_equal(
                        driver.observation[key], reference.observation[key], err_msg=key
                    )
                key = int(rng.choice(keys))
                result = driver.press(key)
                assert result == reference.press(key)
                results.append(result)
                if result[1]:
                    ends.append(result[2])
                    break
    finally:
        driver.close()
        reference.close()
    return results, ends


def test_driver_equals_gym_key_for_key_on_netHackScore():
    # NetHackScore's own 23 keys, random: --More--, yes/no questions, deaths, the key limit.
    settings = dataclasses.replace(SCORE, max_episode_steps=1500)
    results, ends = play_both(settings, seeds=range(1, 7), n_keys=1500)
    assert len(results) > 3000
    assert DEATH in ends and ABORTED in ends
    assert any(r[0] > 0 for r in results) and any(r[0] < 0 for r in results)


def test_driver_equals_gym_key_for_key_on_the_challenge():
    # The patched NetHackChallenge class itself (only its seeding guard removed) is the
    # reference: random characters, every key of the keyboard, nothing dismissed.
    settings = dataclasses.replace(CHALLENGE, max_episode_steps=1500, no_progress_timeout=600)
    keys = [key for key in CHALLENGE.actions if key != nethack.M("q")]  # no #quit questions
    results, ends = play_both(settings, seeds=range(1, 9), n_keys=1500, keys=keys)
    assert len(results) > 2000
    assert ends  # at least one game ended (death, key limit or no progress)


def test_runner_equals_gym_runner_for_sampled_fixed_and_random_policies():
    zero = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    rng = np.random.default_rng(5)
    fixed = {name: rng.normal(0.0, 0.5, p.shape) for name, p in zero.items()}
    for env_id in ("NetHackScore-v0", "NetHackChallenge-v0"):
        for params in (zero, fixed):
            runners = [
                GameRunner(env_id, 3, seed=4, max_episode_steps=200, env_api=api)
                for api in ("nle", "gym")
            ]
            (a, games_a, keys_a), (b, games_b, keys_b) = (r.rollout(params, 250) for r in runners)
            for key in a:
                np.testing.assert_array_equal(a[key], b[key], err_msg=f"{env_id} {key}")
            assert games_a == games_b and keys_a == keys_b and len(games_a) >= 3
            for r in runners:
                r.close()
    # Evaluation games: greedy and uniformly random single keys, played to the end.
    for policy in ("greedy", "random"):
        played = [
            GameRunner(
                "NetHackScore-v0", 2, episode_seeds=[7, 8, 9], max_episode_steps=300, env_api=api
            ).play(fixed, policy)
            for api in ("nle", "gym")
        ]
        assert played[0] == played[1] and len(played[0]) == 3


def test_seeding_reproduces_a_game_and_other_seeds_differ():
    game = NetHackGame(SCORE)
    keys = np.random.default_rng(0).choice(SCORE.actions, 300).tolist()

    def trajectory(core, disp):
        game.seed(core, disp)
        game.reset()
        frames = [game.observation["glyphs"].copy()]
        for key in keys:
            if game.press(key)[1]:
                break
            frames.append(game.observation["glyphs"].copy())
        return np.array(frames)

    first = trajectory(11, 12)
    trajectory(99, 98)  # another game in between
    again = trajectory(11, 12)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(trajectory(13, 12)[0], first[0])
    game.close()


def test_end_status_death_key_limit_and_no_progress():
    # Death: seed 2 with these random keys dies at key 115 (NetHack itself says DIED).
    game = NetHackGame(SCORE)
    rng = np.random.default_rng(2)
    game.seed(2, 2)
    game.reset()
    done, n = False, 0
    while not done:
        n += 1
        _, done, end_status = game.press(int(rng.choice(SCORE.actions)))
    assert (n, end_status) == (115, DEATH) and game.how_done() == nethack.DIED
    game.close()

    # Key limit: the 40th key aborts the game, which is then quit (NetHack says QUIT).
    game = NetHackGame(dataclasses.replace(SCORE, max_episode_steps=40))
    game.seed(1, 1)
    game.reset()
    search = int(nethack.Command.SEARCH)
    statuses = [game.press(search)[1:] for _ in range(40)]
    assert statuses == [(False, RUNNING)] * 39 + [(True, ABORTED)]
    assert game.how_done() == nethack.QUIT
    game.close()

    # No progress: ESC never moves the clock. NLE looks at the clock once at the reset and
    # twice per key (before and after the prompts are handled): after k keys the count is 2k,
    # so with a timeout of T the game is aborted at key k = ceil(T / 2).
    for timeout in (10, 11):
        settings = dataclasses.replace(CHALLENGE, no_progress_timeout=timeout)
        for game in (NetHackGame(settings), GymGame(settings)):
            game.seed(1, 1)
            game.reset()
            n_keys = -(-timeout // 2)
            statuses = [game.press(int(nethack.Command.ESC))[2] for _ in range(n_keys)]
            assert statuses[:-1] == [RUNNING] * (len(statuses) - 1) and statuses[-1] == ABORTED
            game.close()


def read_ttyrec(path, n_frames=5000):
    """Key presses and scores of an nle ttyrec, read by nle's own converter."""
    converter = Converter(24, 80, nethack.TTYREC_VERSION)
    converter.load_ttyrec(path)
    chars = np.zeros((n_frames, 24, 80), np.uint8)
    colors = np.zeros((n_frames, 24, 80), np.int8)
    cursors = np.zeros((n_frames, 2), np.int16)
    timestamps = np.zeros(n_frames, np.int64)
    keys = np.zeros(n_frames, np.uint8)
    scores = np.zeros(n_frames, np.int32)
    remaining = converter.convert(chars, colors, cursors, timestamps, keys, scores)
    assert remaining > 0  # the whole recording fitted
    end = n_frames - remaining
    return keys[:end].tolist(), scores[:end].tolist()


def test_ttyrec_is_written_and_read_back_by_nle(tmp_path):
    # The key limit ends the game: NLE's quit keys (M-q, y, then SPACE through the end screens)
    # follow the agent's in the recording.
    game = NetHackGame(dataclasses.replace(SCORE, max_episode_steps=60), savedir=str(tmp_path))
    pressed, scores = [], []
    rng = np.random.default_rng(3)
    for episode in range(2):
        game.seed(3 + episode, 3)
        game.reset()
        done = False
        while not done:
            key = int(rng.choice([ord(c) for c in "hjklyubn"]))
            scores.append(int(game.observation["blstats"][nethack.NLE_BL_SCORE]))
            pressed.append(key)
            done = game.press(key)[1]
        path = game.ttyrec
        assert path == str(tmp_path / f"nle.{os.getpid()}.{episode}.ttyrec3.bz2")
    game.close()
    for episode in range(2):
        keys, recorded_scores = read_ttyrec(
            str(tmp_path / f"nle.{os.getpid()}.{episode}.ttyrec3.bz2")
        )
        # NetHackScore's own keys in between: SPACE for --More--, ESC for questions.
        agent = [
            (k, score) for k, score in zip(keys, recorded_scores, strict=True) if k not in (27, 32)
        ]
        ours = slice(60 * episode, 60 * (episode + 1))
        assert [k for k, _ in agent[:60]] == pressed[ours]
        assert [score for _, score in agent[:60]] == scores[ours]
        assert [k for k, _ in agent[60:]] == [nethack.M("q"), ord("y")]


def test_a_crashed_driver_game_is_replaced_by_a_fresh_seeded_one(caplog):
    class Crashing(NetHackGame):
        crashes = 1

        def press(self, key):
            if Crashing.crashes and self.steps == 3:
                Crashing.crashes -= 1
                raise RuntimeError("NetHack segfaulted")
            return super().press(key)

    runner = GameRunner("NetHackScore-v0", 2, seed=1, make_game=Crashing)
    first_seeds = runner.game_seed.copy()
    search = np.full(2, RANDOM_BASELINE_KEYS.index(int(nethack.Command.SEARCH)))
    truncated = [runner.step(search, raw_keys=True)[2] for _ in range(5)]
    assert runner.restarts == 1 and "NetHack segfaulted" in caplog.text
    assert np.array(truncated)[3].tolist() == [True, False]  # game 0 crashed on its 4th key
    assert runner.game_seed[0] != first_seeds[0] and runner.game_seed[1] == first_seeds[1]
    assert runner.envs[0].steps == 1  # the fresh game has had one key since
    runner.close()


def test_runner_settings_add_the_agent_keys_and_the_limit():
    settings = runner_settings("NetHackScore-v0", 300)
    assert settings.max_episode_steps == 300
    assert set(SCORE.actions) < set(settings.actions)
    assert set(runner_settings("NetHackChallenge-v0", 10).actions) == set(CHALLENGE.actions)
    assert runner_settings("NetHackEat-v0", 10, "gym").name == "NetHackEat-v0"
    with pytest.raises(ValueError, match="use --env-api gym"):
        runner_settings("NetHackEat-v0", 10, "nle")
    eat = GameRunner("NetHackEat-v0", 1, env_api="gym", max_episode_steps=20)
    assert eat.envs[0].env.spec.id == "NetHackEat-v0"
    eat.close()
    with pytest.raises(ValueError, match="env_api must be one of"):
        GameRunner("NetHackScore-v0", 1, env_api="tcp")
    with pytest.raises(ValueError, match="key 3 is not one of the task's actions"):
        NetHackGame(SCORE).press(3)


def test_training_and_evaluation_give_the_same_numbers_through_either_api(tmp_path, capsys):
    config = TrainConfig(n_workers=2, envs_per_worker=2, rollout_length=16, max_episode_steps=200)
    for api in ("nle", "gym"):
        train(
            dataclasses.replace(config, env_api=api),
            tmp_path / api,
            total_steps=1500,
            progress=False,
        )
    rows = [(tmp_path / api / "metrics.csv").read_text().splitlines() for api in ("nle", "gym")]
    assert len(rows[0]) > 4  # the header and a game per environment at least
    without_wall_time = [[row.rsplit(",", 1)[0] for row in r] for r in rows]
    assert without_wall_time[0] == without_wall_time[1]
    capsys.readouterr()
    results = []
    for api in ("nle", "gym"):
        args = ["evaluate", str(tmp_path / "nle"), "--episodes", "2", "--seed", "5", "--json"]
        assert main([*args, "--workers", "0", "--env-api", api]) == 0
        results.append(json.loads(capsys.readouterr().out))
    assert results[0] == results[1]


def test_episode_bookkeeping_kernel_equals_the_numpy_formula():
    from nethack_agent.actions import REST, SEARCH
    from nethack_agent.envs import _account

    rng = np.random.default_rng(8)
    n = 200
    actions = rng.choice([0, 3, SEARCH, REST], n)
    rewards = rng.normal(size=n)
    ongoing = rng.random(n) < 0.8
    blstats = rng.integers(0, 3, (n, nethack.BLSTATS_SHAPE[0]))
    position = np.where(rng.random((n, 2)) < 0.7, blstats[:, :2], blstats[:, :2] + 1)
    state = [rng.normal(size=n), rng.integers(0, 9, n), rng.random(n) * 5, rng.integers(0, 9, n)]
    state.append(rng.integers(0, 4, n))
    ret, length, searches, score, depth = (x.copy() for x in state)
    _account(actions, rewards, ongoing, position, blstats, ret, length, searches, score, depth)
    moved = (blstats[:, :2] != position).any(axis=1)
    added = np.where(actions == SEARCH, 1.0, np.where(actions == REST, 20.0, 0.0))
    expected = [
        np.where(ongoing, state[0] + rewards, state[0]),
        np.where(ongoing, state[1] + 1, state[1]),
        np.where(ongoing, np.where(moved, 0.0, state[2] + added), state[2]),
        np.where(ongoing, blstats[:, nethack.NLE_BL_SCORE], state[3]),
        np.where(ongoing, np.maximum(state[4], blstats[:, nethack.NLE_BL_DEPTH]), state[4]),
    ]
    for got, want in zip((ret, length, searches, score, depth), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_seeded_games_clock_comes_from_the_seed_through_either_api():
    # NetHack announces a full moon (+1 Luck) or a new moon at the start; read from the wall
    # clock, every game of a day has the same phase. A runner's games take it from the seed:
    # both phases among 60 seeds, the same one for the same seed, through NLE's gym class too.
    settings = runner_settings(SCORE.name, 5000)
    assert settings.fix_moon_phase and not SCORE.fix_moon_phase  # NLE's own default: the clock
    game = NetHackGame(settings)
    phases = {}
    for seed in range(60):
        game.seed(seed, seed)
        game.reset()
        text = b" ".join(game.opening_messages)
        phases[seed] = b"Full moon" in text, b"New moon" in text
    full = [seed for seed, (full_moon, _) in phases.items() if full_moon]
    assert full and any(new_moon for _, new_moon in phases.values())
    game.seed(full[0], full[0])
    game.reset()
    assert b"Full moon tonight" in b" ".join(game.opening_messages)
    game.close()
    gym_game = GymGame(settings, observation_keys=("glyphs", "blstats", "message"))
    gym_game.seed(full[0], full[0], reseed=False)
    gym_game.reset()
    assert b"Full moon tonight" in gym_game.observation["message"].tobytes()
    gym_game.close()
