"""Snapshots of a training run (``--snapshot-minutes``) and the learning curve on fixed games
(``curve``): when snapshots are taken, what they hold, and that each point of the curve is the
evaluation of that snapshot on the same seeds; the gradient's noise at each snapshot
(``gradient-noise``) against a replay through ``a2c_update``."""

import json
import math
import shutil

import numpy as np
import pytest

from gradients.noise import gradient_noise
from nethack_agent.__main__ import main
from nethack_agent.checkpoint import load_checkpoint
from nethack_agent.config import TrainConfig
from nethack_agent.curve import evaluation_curve, gradient_noise_curve, snapshot_dirs
from nethack_agent.envs import GameRunner
from nethack_agent.evaluate import evaluate
from nethack_agent.learning import a2c_update
from nethack_agent.train import SNAPSHOTS_NAME, _next_snapshot, initial_params, train

# Short games, 64 agent steps per update; a tiny interval keeps a snapshot after every update.
SMALL = TrainConfig(
    n_workers=0,
    envs_per_worker=4,
    rollout_length=16,
    max_episode_steps=300,
    snapshot_minutes=1e-9,
)


def test_the_next_snapshot_is_due_at_the_next_multiple_of_the_interval():
    assert _next_snapshot(0.0, 3.0) == 180.0
    assert _next_snapshot(179.9, 3.0) == 180.0
    assert _next_snapshot(180.0, 3.0) == 360.0  # one taken at 180 s: the next at 360 s
    assert _next_snapshot(400.0, 3.0) == 540.0  # a resumed run keeps the same grid
    assert _next_snapshot(400.0, 0.0) == math.inf  # 0: none
    with pytest.raises(ValueError, match="snapshot_minutes must be >= 0, got -1"):
        TrainConfig(snapshot_minutes=-1)


def test_snapshots_hold_the_run_after_each_update_and_resume_adds_to_them(tmp_path):
    state = train(SMALL, tmp_path, total_steps=320, progress=False)
    # a snapshot after every update, the last one too: the run itself is not played twice
    snapshots = snapshot_dirs(tmp_path)
    steps = [load_checkpoint(d).step for d in snapshots]
    assert steps == [64, 128, 192, 256, 320]
    assert [d.name for d in snapshots] == [f"step-{s:011d}" for s in steps]
    saved = [load_checkpoint(d) for d in snapshots]
    assert [s.updates for s in saved] == [1, 2, 3, 4, 5]
    assert all(a.elapsed <= b.elapsed for a, b in zip(saved, saved[1:], strict=False))
    for name in state.params:  # the last one holds the weights after the last update
        np.testing.assert_array_equal(saved[-1].params[name], state.params[name])
    assert any(np.any(saved[0].params[n] != saved[1].params[n]) for n in state.params)
    first = {d.name: (d / "checkpoint.npz").read_bytes() for d in snapshots}
    train(SMALL, tmp_path, total_steps=448, resume=True, progress=False)
    resumed = snapshot_dirs(tmp_path)
    assert [load_checkpoint(d).step for d in resumed] == [64, 128, 192, 256, 320, 384, 448]
    assert {d.name: (d / "checkpoint.npz").read_bytes() for d in resumed[:5]} == first
    # a run that ended between two snapshots closes its curve with its final weights
    shutil.rmtree(resumed[-1])
    assert snapshot_dirs(tmp_path) == [*resumed[:-1], tmp_path]


def test_no_snapshots_without_an_interval(tmp_path, capsys):
    none = TrainConfig(**{**vars(SMALL), "snapshot_minutes": 0.0})
    train(none, tmp_path, total_steps=64, progress=False)
    assert not (tmp_path / SNAPSHOTS_NAME).exists()
    assert main(["curve", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no snapshots" in err and "--snapshot-minutes" in err


def test_each_point_is_the_evaluation_of_its_snapshot_on_the_same_games(tmp_path):
    train(SMALL, tmp_path, total_steps=192, progress=False)
    points = evaluation_curve(tmp_path, episodes=6, seed=5, n_workers=0, progress=False)
    directories = snapshot_dirs(tmp_path)
    assert [p["snapshot"] for p in points] == [str(d) for d in directories]
    assert [p["step"] for p in points] == [64, 128, 192]
    for point, directory in zip(points, directories, strict=True):
        agent = evaluate(directory, episodes=6, seed=5, n_workers=0)[0]["agent"]
        assert {k: v for k, v in point.items() if k in agent} == agent
        assert point["minutes"] == load_checkpoint(directory).elapsed / 60
    # the weights differ between the first and the last point, and so do the games they play
    assert points[0]["mean_return"] != points[-1]["mean_return"]


def test_cli_curve_prints_plots_and_refuses_bad_input(tmp_path, capsys, saved_figures):
    run = tmp_path / "run"
    args = ["train", "--run-dir", str(run), "--total-steps", "128", "--workers", "0"]
    small = ["--envs-per-worker", "4", "--rollout-length", "16", "--max-keys", "300"]
    assert main([*args, *small, "--snapshot-minutes", "-1"]) == 2
    assert "snapshot_minutes must be >= 0, got -1.0" in capsys.readouterr().err
    assert not run.exists()
    assert main([*args, *small, "--snapshot-minutes", "1e-9", "--no-progress"]) == 0
    capsys.readouterr()
    curve = ["curve", str(run), "--episodes", "6", "--seed", "5", "--workers", "0"]
    assert main([*curve, "--json"]) == 0
    points = json.loads(capsys.readouterr().out)
    assert [p["step"] for p in points] == [64, 128]
    assert main([*curve, "--plot", str(tmp_path / "curve")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + len(points) + 1 and lines[-1] == f"curve: {tmp_path / 'curve.png'}"
    for line, point in zip(lines[1:], points, strict=False):
        assert line.split()[2] == f"{point['median_score']:.1f}"
    assert (tmp_path / "curve.png").stat().st_size > 0
    median_line = saved_figures[-1].axes[0].get_lines()[0]
    np.testing.assert_allclose(median_line.get_xdata(), [p["minutes"] for p in points])
    np.testing.assert_allclose(median_line.get_ydata(), [p["median_score"] for p in points])
    for bad, message in (
        (["--episodes", "1"], "episodes must be >= 2, got 1"),
        (["--plot", str(tmp_path / "missing" / "c.png")], "--plot"),
    ):
        assert main([*curve, *bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err


class RecordingOptimiser:
    """Takes the place of Adam: keeps the gradients it is handed, moves nothing."""

    def step(self, params, grads):
        self.grads = grads


def replayed_gradients(config, params, seed, warmup, rollouts):
    """Each rollout's policy gradient as ``a2c_update`` hands it on, shaped by hand."""
    runner = GameRunner(
        n_envs=config.envs_per_worker,
        env_id=config.env_id,
        seed=seed,
        max_episode_steps=config.max_episode_steps,
    )
    settings = {**config.update_settings(), "max_grad_norm": 1e12}  # not clipped
    grads = []
    for i in range(warmup + rollouts):
        batch, _, _ = runner.rollout(params, config.rollout_length)
        if i < warmup:
            continue
        batch["rewards"] = batch["rewards"] - config.death_penalty * batch["terminated"]
        recorder = RecordingOptimiser()
        a2c_update({k: p.copy() for k, p in params.items()}, recorder, batch, **settings)
        grads.append(np.concatenate([recorder.grads[n].ravel() for n in params if n != "v"]))
    runner.close()
    return np.array(grads)


def test_gradient_noise_points_are_the_replayed_gradients_measured(tmp_path, monkeypatch):
    config = TrainConfig(**{**vars(SMALL), "death_penalty": 50.0, "entropy_coef": 0.05})
    train(config, tmp_path, total_steps=128, progress=False)
    rollout = GameRunner.rollout

    def dying_rollout(self, params, n_steps):  # short games seldom die: a death in each rollout
        batch, episodes, steps = rollout(self, params, n_steps)
        batch["terminated"][n_steps // 2, 1] = True
        return batch, episodes, steps

    monkeypatch.setattr(GameRunner, "rollout", dying_rollout)
    points = gradient_noise_curve(tmp_path, rollouts=8, block=2, warmup=3, seed=11, progress=False)
    directories = snapshot_dirs(tmp_path)
    assert [p["snapshot"] for p in points] == ["start", *map(str, directories)]
    assert [p["step"] for p in points] == [0, 64, 128]
    assert points[0]["minutes"] == 0.0
    for point, params in zip(
        points,
        [initial_params(config), *(load_checkpoint(d).params for d in directories)],
        strict=True,
    ):
        expected = gradient_noise(replayed_gradients(config, params, 11, 3, 8), 2)
        for key, value in expected.items():
            assert point[key] == pytest.approx(value, rel=1e-9, abs=1e-15), key
        assert point["noise_scale_steps"] == pytest.approx(point["noise_scale"] * 64)
    # the same seed plays the same games; another seed others
    again = gradient_noise_curve(tmp_path, rollouts=8, block=2, warmup=3, seed=11, progress=False)
    assert again == points
    other = gradient_noise_curve(tmp_path, rollouts=8, block=2, warmup=3, seed=12, progress=False)
    assert other[1]["noise"] != points[1]["noise"]


def test_gradient_noise_of_a_run_without_snapshots_is_its_start_and_its_end(tmp_path, capsys):
    none = TrainConfig(**{**vars(SMALL), "snapshot_minutes": 0.0})
    train(none, tmp_path, total_steps=64, progress=False)
    points = gradient_noise_curve(tmp_path, rollouts=4, block=1, warmup=0, progress=False)
    assert [(p["snapshot"], p["step"]) for p in points] == [("start", 0), (str(tmp_path), 64)]
    assert main(["gradient-noise", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing" in err


def test_gradient_noise_command_prints_a_table_or_json_and_names_bad_input(tmp_path, capsys):
    train(SMALL, tmp_path, total_steps=64, progress=False)
    assert main(["gradient-noise", str(tmp_path), "--rollouts", "4", "--block", "1"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["minutes", "steps", "|G|^2"]
    assert len(table) == 4  # header, the start, one snapshot, the legend
    args = ["gradient-noise", str(tmp_path), "--rollouts", "4", "--block", "1", "--json"]
    assert main(args) == 0
    points = json.loads(capsys.readouterr().out)
    assert [p["step"] for p in points] == [0, 64]
    for bad, message in (
        (["--rollouts", "7", "--block", "2"], "rollouts >= 4 * block, got rollouts 7, block 2"),
        (["--block", "0"], "--block"),
        (["--warmup", "-1"], "--warmup"),
    ):
        assert main(["gradient-noise", str(tmp_path), *bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err


def test_gradient_noise_json_is_strict_json_with_null_where_no_signal_shows(monkeypatch, capsys):
    point = {"snapshot": "start", "step": 0, "minutes": 0.0, "signal": -1e-6, "noise": 0.02}
    point |= {"noise_scale": math.inf, "noise_scale_steps": math.inf, "ratio": 0.9}

    def measured(*args, **kwargs):
        return [point]

    monkeypatch.setattr("nethack_agent.curve.gradient_noise_curve", measured)
    assert main(["gradient-noise", "any-run", "--json"]) == 0

    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")

    (printed,) = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert printed["noise_scale"] is None and printed["noise_scale_steps"] is None
    assert printed["ratio"] == 0.9 and printed["signal"] == -1e-6
