"""Training end to end on real NetHack with tiny budgets: smoke run, reproducibility,
checkpoint/resume, Ctrl-C, nan guard, atomic checkpoints, NetHack failures, the CLI."""

import csv
import dataclasses
import json
import os
import signal
from collections import Counter

import numpy as np
import pytest
from scipy import stats

import nethack_agent.train as train_module
from nethack_agent import checkpoint as checkpoint_module
from nethack_agent.__main__ import main
from nethack_agent.checkpoint import CHECKPOINT_NAME, CheckpointError, load_checkpoint
from nethack_agent.config import TrainConfig
from nethack_agent.envs import GameRunner, game_seeds
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
from nethack_agent.game import GymGame, NetHackGame
from nethack_agent.policy import init_params
from nethack_agent.train import METRICS_COLUMNS, TrainingDiverged, budget_spent, train
from nethack_agent.workers import ParallelRunner

# Short games (300 key presses) keep every test to seconds.
SMALL = TrainConfig(n_workers=0, envs_per_worker=4, rollout_length=16, max_episode_steps=300)


def metrics_rows(run_dir):
    with open(run_dir / "metrics.csv", newline="") as file:
        return list(csv.reader(file))


def without_wall_time(rows):
    return [row[:-1] for row in rows]


def test_smoke_training_run_writes_everything(tmp_path, saved_figures):
    state = train(SMALL, tmp_path, total_steps=3000, progress=False)
    assert state.step == 3008  # whole rollouts of 16 steps x 4 environments
    rows = metrics_rows(tmp_path)
    assert tuple(rows[0]) == METRICS_COLUMNS
    assert len(rows) - 1 == state.episodes > 0
    steps = [int(row[0]) for row in rows[1:]]
    assert steps == sorted(steps) and steps[-1] <= state.step
    assert all(int(row[2]) >= 1 and int(row[4]) >= 1 for row in rows[1:])
    assert (tmp_path / "learning_curve.png").stat().st_size > 0
    # the figure draws every game's score and return against its step, and the rolling mean
    score_axis, return_axis = saved_figures[-1].axes[:2]
    for axis, column in ((score_axis, 3), (return_axis, 1)):
        games, mean = axis.get_lines()[:2]
        values = [float(row[column]) for row in rows[1:]]
        np.testing.assert_allclose(games.get_xdata(), steps)
        np.testing.assert_allclose(games.get_ydata(), values)
        running = [np.mean(values[max(0, i - 99) : i + 1]) for i in range(len(values))]
        np.testing.assert_allclose(mean.get_ydata(), running, rtol=1e-12)
    saved = load_checkpoint(tmp_path)
    assert saved.step == state.step and saved.config == SMALL
    assert any(np.any(p != 0) for p in saved.params.values())  # it learned something


def test_learning_rate_decays_over_the_budget(tmp_path):
    assert budget_spent(50, 200, 0.0, None) == 0.25
    assert budget_spent(50, 200, 90.0, 2.0) == 0.75  # 1.5 of 2 minutes: time runs out first
    assert budget_spent(500, 200, 0.0, None) == 1.0
    state = train(SMALL, tmp_path, total_steps=640, progress=False)
    # The last of 10 updates ran at 90% of the budget: lr = 0.01 (1 - 0.9 * 0.9).
    np.testing.assert_allclose(state.optimiser.learning_rate, 0.01 * (1 - 0.9 * 0.9))


def test_same_seed_and_total_steps_give_the_same_metrics(tmp_path):
    config = TrainConfig(n_workers=2, envs_per_worker=2, rollout_length=16, max_episode_steps=200)
    train(config, tmp_path / "a", total_steps=1500, progress=False)
    train(config, tmp_path / "b", total_steps=1500, progress=False)
    a, b = metrics_rows(tmp_path / "a"), metrics_rows(tmp_path / "b")
    assert len(a) > 1
    assert without_wall_time(a) == without_wall_time(b)
    other = TrainConfig(**{**vars(config), "seed": 1})
    train(other, tmp_path / "c", total_steps=1500, progress=False)
    assert without_wall_time(metrics_rows(tmp_path / "c")) != without_wall_time(a)


def test_checkpoint_restores_weights_optimiser_step_and_random_streams(tmp_path):
    state = train(SMALL, tmp_path, total_steps=640, progress=False)
    saved = load_checkpoint(tmp_path)
    assert (saved.step, saved.updates, saved.episodes) == (
        state.step,
        state.updates,
        state.episodes,
    )
    for name in state.params:
        np.testing.assert_array_equal(saved.params[name], state.params[name])
        np.testing.assert_array_equal(saved.optimiser.m[name], state.optimiser.m[name])
        np.testing.assert_array_equal(saved.optimiser.v[name], state.optimiser.v[name])
    assert saved.optimiser.t == state.optimiser.t == state.updates
    assert saved.runner_states == state.runner_states
    # A runner rebuilt from the saved state continues the same random streams and game seeds
    # as the runner that was stopped.
    original = GameRunner("NetHackScore-v0", 4, max_episode_steps=300)
    original.rollout(state.params, 8)
    snapshot = json.loads(json.dumps(original.state()))
    restored = GameRunner("NetHackScore-v0", 4, max_episode_steps=300, state=snapshot)
    np.testing.assert_array_equal(restored.uniforms(), original.uniforms())
    # Games in flight are not saved (NLE cannot): each environment starts the next seeded game.
    expected = [game_seeds(0, 0, i, snapshot["episode_counts"][i])[0] for i in range(4)]
    assert restored.game_seed.tolist() == expected
    assert restored.episode_counts == [count + 1 for count in snapshot["episode_counts"]]


def test_resume_continues_the_run(tmp_path):
    train(SMALL, tmp_path, total_steps=640, progress=False)
    first = metrics_rows(tmp_path)
    with pytest.raises(ValueError, match="already holds a checkpoint"):
        train(SMALL, tmp_path, total_steps=1280, progress=False)
    state = train(SMALL, tmp_path, total_steps=1280, resume=True, progress=False)
    assert state.step == 1280 and state.updates == 20
    rows = metrics_rows(tmp_path)
    assert rows[: len(first)] == first  # games before the checkpoint are kept
    assert len(rows) - 1 == state.episodes


def test_a_resumed_run_takes_the_changes_given_and_keeps_the_rest(tmp_path):
    config = dataclasses.replace(SMALL, entropy_coef=0.05)
    first = train(config, tmp_path, total_steps=640, progress=False)
    changes = {"rollout_length": 32, "learning_rate": 0.002}
    state = train(SMALL, tmp_path, total_steps=1280, resume=True, changes=changes, progress=False)
    assert state.config == dataclasses.replace(config, **changes)
    assert load_checkpoint(tmp_path).config == state.config
    # 640 more steps in rollouts of 32 steps x 4 games: 5 updates, not 10
    assert (state.step, state.updates) == (1280, first.updates + 5)
    # the game streams go on (each environment's next game) with the same layout ...
    before, after = (s.runner_states[0]["episode_counts"] for s in (first, state))
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    # ... and start again from the run seed's with another one
    state = train(
        SMALL,
        tmp_path,
        total_steps=1408,
        resume=True,
        changes={"envs_per_worker": 2},
        progress=False,
    )
    assert state.config.envs_per_worker == 2 and state.step == 1408  # 2 rollouts of 32 x 2
    assert state.runner_states[0]["episode_counts"] == [1, 1]  # the streams' first games
    with pytest.raises(ValueError, match="keeps its policy, seed"):
        train(SMALL, tmp_path, total_steps=2000, resume=True, changes={"seed": 1, "policy": "mlp"})
    with pytest.raises(ValueError, match="resumed run only"):
        train(SMALL, tmp_path / "new", total_steps=64, changes={"learning_rate": 0.1})


def test_cli_resume_changes_only_the_settings_given(tmp_path, capsys):
    run = tmp_path / "run"
    small = ["--workers", "0", "--envs-per-worker", "4", "--rollout-length", "16"]
    args = ["train", "--run-dir", str(run), "--no-progress", *small]
    assert main([*args, "--total-steps", "64", "--entropy-coef", "0.05", "--max-keys", "300"]) == 0
    resume = ["train", "--run-dir", str(run), "--no-progress", "--resume"]
    assert main([*resume, "--total-steps", "128", "--lr", "0.002"]) == 0
    config = load_checkpoint(run).config
    assert (config.learning_rate, config.entropy_coef) == (0.002, 0.05)
    assert (config.rollout_length, config.max_episode_steps) == (16, 300)
    capsys.readouterr()
    assert main([*resume, "--total-steps", "192", "--lr", "-1"]) == 2
    assert capsys.readouterr().err.strip() == "error: learning_rate must be > 0, got -1.0"
    assert main([*resume, "--total-steps", "192", "--seed", "3", "--env", "NetHackScore-v0"]) == 2
    error = "error: a resumed run keeps its env_id, seed: start a new run instead"
    assert capsys.readouterr().err.strip() == error
    assert load_checkpoint(run).step == 128


def test_ctrl_c_saves_a_checkpoint_and_exits_130(tmp_path, monkeypatch, capsys):
    calls = {"n": 0}
    real_rollout = GameRunner.rollout

    def interrupted_rollout(self, params, n_steps):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_rollout(self, params, n_steps)

    monkeypatch.setattr(GameRunner, "rollout", interrupted_rollout)
    with pytest.raises(KeyboardInterrupt):
        train(SMALL, tmp_path, total_steps=10_000, progress=False)
    assert load_checkpoint(tmp_path).step == 2 * 64

    calls["n"] = 0
    args = ["train", "--run-dir", str(tmp_path / "cli"), "--total-steps", "10000", "--no-progress"]
    small = ["--workers", "0", "--envs-per-worker", "4", "--rollout-length", "16"]
    assert main([*args, *small]) == 130
    assert load_checkpoint(tmp_path / "cli").step == 2 * 64
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted"


def test_nan_weights_stop_training_and_keep_the_last_good_checkpoint(tmp_path, monkeypatch):
    train(SMALL, tmp_path, total_steps=128, progress=False)
    before = (tmp_path / CHECKPOINT_NAME).read_bytes()

    def poisoned_update(params, optimiser, batch, **settings):
        params["W"][0, 0] = np.nan

    monkeypatch.setattr(train_module, "a2c_update", poisoned_update)
    with pytest.raises(TrainingDiverged, match="nan/inf"):
        train(SMALL, tmp_path, total_steps=1000, resume=True, progress=False)
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == before


def test_a_failed_checkpoint_write_leaves_the_previous_one(tmp_path, monkeypatch):
    state = train(SMALL, tmp_path, total_steps=128, progress=False)

    def broken_savez(file, **arrays):
        file.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module.np, "savez", broken_savez)
    state.step = 999
    with pytest.raises(OSError, match="disk full"):
        checkpoint_module.save_checkpoint(tmp_path, state)
    assert load_checkpoint(tmp_path).step == 128


class FailingGame(NetHackGame):
    """A game whose NetHack raises once, at its fifth key press."""

    failures = 1

    def press(self, key):
        if FailingGame.failures and self.steps == 5:
            FailingGame.failures -= 1
            raise RuntimeError("NetHack crashed")
        return super().press(key)


class FailingGymGame(GymGame):
    failures = 1

    def press(self, key):
        if FailingGymGame.failures and self.env.unwrapped._steps == 5:
            FailingGymGame.failures -= 1
            raise RuntimeError("NetHack crashed")
        return super().press(key)


@pytest.mark.parametrize(("env_api", "game"), [("nle", FailingGame), ("gym", FailingGymGame)])
def test_a_failing_nethack_is_restarted(caplog, env_api, game, monkeypatch):
    monkeypatch.setattr(game, "failures", 1)  # one crash in this test, however often it runs
    runner = GameRunner("NetHackScore-v0", 2, env_api=env_api, make_game=game)
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    batch, _, _ = runner.rollout(params, 12)
    assert runner.restarts == 1
    assert batch["truncated"].sum() >= 1
    assert "NetHack crashed" in caplog.text
    runner.close()


def test_a_dead_worker_process_is_restarted(caplog):
    runner = ParallelRunner(1, 2, env_id="NetHackScore-v0", max_episode_steps=300)
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    runner.rollout(params, 4)
    os.kill(runner._processes[0].pid, signal.SIGKILL)
    runner._processes[0].join()
    batch, _, _ = runner.rollout(params, 4)
    assert batch["actions"].shape == (4, 2)
    assert "worker 0 died" in caplog.text
    runner.close()


def test_parallel_runner_equals_the_same_runners_in_process():
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    parallel = ParallelRunner(2, 2, env_id="NetHackScore-v0", seed=3)
    batch, _, _ = parallel.rollout(params, 6)
    parallel.close()
    local = [GameRunner("NetHackScore-v0", 2, seed=3, group=w) for w in range(2)]
    parts = [runner.rollout(params, 6)[0] for runner in local]
    for key in ("psi", "phi", "actions", "rewards"):
        np.testing.assert_array_equal(batch[key], np.concatenate([p[key] for p in parts], axis=1))


def test_cli_evaluate_json_ttyrec_and_watch(tmp_path, capsys):
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--run-dir",
                str(run),
                "--total-steps",
                "256",
                "--workers",
                "0",
                "--envs-per-worker",
                "4",
                "--rollout-length",
                "16",
                "--max-keys",
                "200",
                "--no-progress",
            ]
        )
        == 0
    )
    # the run's key cap, which keeps the evaluation games short too
    assert load_checkpoint(run).config.max_episode_steps == 200
    capsys.readouterr()
    tty = tmp_path / "tty"
    args = ["evaluate", str(run), "--episodes", "3", "--seed", "5", "--json", "--workers", "0"]
    assert main([*args, "--ttyrec", str(tty)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["episodes"] == 3 and result["seed"] == 5
    for name in ("agent", "random"):
        r = result[name]
        assert set(r) == {
            "mean_return", "median_return", "return_ci_low", "return_ci_high",
            "mean_score", "median_score", "ci_low", "ci_high", "intervals",
            "median_ci_low", "median_ci_high",
        }  # fmt: skip
        assert r["median_ci_low"] is None  # 3 games: too few for a 95% interval of the median
        assert r["return_ci_low"] <= r["mean_return"] <= r["return_ci_high"]
        with open(tty / name / "games.csv", newline="") as file:
            games = list(csv.DictReader(file))
        scores = np.array([float(g["score"]) for g in games])
        # the mean score of these very games and its 95% Student-t interval (scipy)
        assert r["mean_score"] == pytest.approx(scores.mean())
        assert r["median_score"] == pytest.approx(np.median(scores))
        if scores.std() > 0:
            low, high = stats.t.interval(0.95, 2, loc=scores.mean(), scale=stats.sem(scores))
            np.testing.assert_allclose([r["ci_low"], r["ci_high"]], [low, high])
        assert [int(g["seed"]) for g in games] == [5, 6, 7]
        assert all(os.path.getsize(g["ttyrec"]) > 0 for g in games)
    # The report per role and per cause agrees with the games' own records.
    assert result["env"] == "NetHackScore-v0"
    with open(tty / "agent" / "games.csv", newline="") as file:
        games = list(csv.DictReader(file))
    assert result["roles"] == {
        "Monk": {
            "games": 3,
            "median_score": float(np.median([int(g["score"]) for g in games])),
            "mean_score": float(np.mean([int(g["score"]) for g in games])),
            "mean_depth": float(np.mean([int(g["depth"]) for g in games])),
        }
    }
    assert sum(row["games"] for row in result["deaths"]) == 3
    assert {row["cause"] for row in result["deaths"]} == {g["cause"] for g in games}
    helpless = Counter(g["helpless"] for g in games if g["helpless"])
    assert {row["while"]: row["games"] for row in result["helpless"]} == dict(helpless)
    # The text report shows the JSON's numbers (same medians, one decimal).
    assert main([a for a in args if a != "--json"]) == 0
    text = capsys.readouterr().out.splitlines()
    for name, label in (("agent", "agent (sampled)"), ("random", "random")):
        r = result[name]
        line = next(line for line in text if line.startswith(label))
        row = line[len(label) :].split()
        shown = [f"{r[key]:.1f}" for key in ("mean_return", "median_return", "median_score")]
        assert [row[0], row[1], row[5]] == shown
        assert line.endswith("(too few games)")  # the median's interval, for 3 games
    # The same seeds give the same games again.
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == result

    assert main(["watch", str(run), "--seed", "7", "--delay", "0", "--max-steps", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("\nstep ") == 4 and "p = " in out and "Dlvl:" in out


def test_cli_reports_missing_and_corrupt_runs_in_one_line(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such run directory" in err
    (tmp_path / CHECKPOINT_NAME).write_bytes(b"not a zip file")
    assert main(["evaluate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "corrupt" in err
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path)
    assert main(["train", "--run-dir", str(tmp_path / "x")]) == 2
    assert "budget" in capsys.readouterr().err
    args = ["train", "--run-dir", str(tmp_path / "x"), "--total-steps", "10"]
    assert main([*args, "--envs-per-worker", "0"]) == 2
    assert "envs_per_worker must be > 0, got 0" in capsys.readouterr().err
    assert main([*args, "--final-lr-fraction", "2"]) == 2
    assert "final_lr_fraction must be in [0, 1], got 2.0" in capsys.readouterr().err
    assert main([*args, "--gamma", "1.5"]) == 2
    assert "gamma must be in [0, 1], got 1.5" in capsys.readouterr().err
    assert main([*args, "--epochs", "0"]) == 2
    assert "epochs must be an integer >= 1, got 0" in capsys.readouterr().err
    assert main([*args, "--clip", "0"]) == 2
    assert "clip must be > 0, got 0.0" in capsys.readouterr().err
