"""NetHack rollout workers as Ray actors: the same numbers as local worker processes."""

import csv

import numpy as np
import pytest

from nethack_agent.__main__ import main
from nethack_agent.config import TrainConfig
from nethack_agent.envs import GameRunner
from nethack_agent.evaluate import play_games
from nethack_agent.features import N_DIRECTION_FEATURES, N_STATE_FEATURES
from nethack_agent.policy import init_params
from nethack_agent.train import train

ray = pytest.importorskip("ray")
from nethack_agent.ray_runner import RayRunner  # noqa: E402


def _metrics(run_dir):
    with open(run_dir / "metrics.csv", newline="") as file:
        return [row[:-1] for row in csv.reader(file)]  # all but wall_time


def test_ray_training_gives_the_metrics_of_local_workers(ray_cluster, tmp_path):
    config = TrainConfig(n_workers=2, envs_per_worker=2, rollout_length=16, max_episode_steps=200)
    local = train(config, tmp_path / "local", total_steps=1500, progress=False)
    on_ray = train(config, tmp_path / "ray", total_steps=1500, progress=False, backend="ray")
    assert len(_metrics(tmp_path / "local")) > 1
    assert _metrics(tmp_path / "ray") == _metrics(tmp_path / "local")
    for name, weights in local.params.items():
        np.testing.assert_array_equal(on_ray.params[name], weights)
    assert on_ray.runner_states == local.runner_states


def test_a_killed_actor_restarts_from_its_last_reported_state(ray_cluster, caplog):
    params = init_params(N_STATE_FEATURES, N_DIRECTION_FEATURES)
    game = {"env_id": "NetHackScore-v0", "seed": 4, "max_episode_steps": 300}
    runner = RayRunner(2, 2, **game)
    try:
        runner.rollout(params, 5)
        reported = runner.state()
        ray_cluster.kill(runner.actors()[0])
        batch, _, _ = runner.rollout(params, 5)
    finally:
        runner.close()
    assert runner.worker_restarts == 1 and "worker 0 died" in caplog.text
    # worker 0 started again from its reported state; worker 1 went on with its games
    fresh = GameRunner(n_envs=2, group=0, state=reported[0], **game)
    expected, _, _ = fresh.rollout(params, 5)
    fresh.close()
    for key in ("psi", "phi", "actions", "rewards"):
        np.testing.assert_array_equal(batch[key][:, :2], expected[key])


def test_ray_evaluation_plays_the_games_of_local_workers(ray_cluster):
    seeds = [11, 12, 13]
    kwargs = {"n_workers": 2, "envs_per_worker": 2, "max_episode_steps": 60}
    local = play_games("NetHackScore-v0", None, "random", seeds, **kwargs)
    on_ray = play_games("NetHackScore-v0", None, "random", seeds, backend="ray", **kwargs)
    assert [vars(game) for game in on_ray] == [vars(game) for game in local]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--backend", "ray", "--workers", "0"], "--workers must be >= 1 with --backend ray"),
        (["--backend", "ray", "--address", "127.0.0.1:1"], "no Ray cluster answers there"),
        (["--address", "127.0.0.1:6379"], "--address needs --backend ray"),
        (["--backend", "dask"], "invalid choice: 'dask'"),
    ],
)
def test_bad_backend_input_is_one_line_and_no_run_directory(tmp_path, capsys, argv, expected):
    run_dir = tmp_path / "run"
    status = main(["train", "--run-dir", str(run_dir), "--total-steps", "100", *argv])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err
    assert not run_dir.exists()
