"""``benchmarks/bench_nethack.py``'s replay: the games it replays through the bare game are the
games the policy played, key for key (else its "NetHack alone" rate would time other games)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from nethack_agent.config import TrainConfig

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_nethack.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_nethack", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("env_id", ["NetHackScore-v0", "NetHackChallenge-v0"])
def test_the_replay_steps_the_recorded_games_key_for_key(env_id):
    bench = _bench()
    config = TrainConfig(env_id=env_id, envs_per_worker=2)
    settings, observation_keys, games, recorded = bench.record_games(config, None, 300)
    assert len(games) >= 2 and all(keys for *_, keys in games)
    assert len(recorded) == sum(len(keys) for *_, keys in games) >= 600
    replayed: list[tuple[int, ...]] = []
    bench.replay(settings, observation_keys, games, replayed)
    assert replayed == recorded
    assert max(clock for clock, *_ in recorded) > 1  # the games were played, not only started
