"""Blocks of runs, the local and Ray backends, and ``python -m bandits sweep``."""

import csv
import json
import math
import statistics
import sys
import tracemalloc

import numpy as np
import pytest

from bandits import backends, engine, sweep
from bandits.__main__ import main
from bandits.backends import Backend, LocalExecutor, run_settings
from bandits.cli_sweep import parse_grid
from bandits.experiments import Method, Problem, Setting


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _settings(n=3, testbed="gaussian"):
    methods = [
        Method("epsilon-greedy", {"epsilon": 0.1}, "eps"),
        Method("ucb", {"c": 1.0}, "ucb"),
        Method("gradient", {"alpha": 0.1, "baseline": True}, "grad"),
    ][:n]
    seeds = np.random.SeedSequence(9).spawn(n)
    return [Setting(m, Problem(testbed, 5), s) for m, s in zip(methods, seeds, strict=True)]


def _collect(settings, n_runs, n_steps, backend=backends.LOCAL, block_runs=backends.BLOCK_RUNS):
    found = dict(run_settings(settings, n_runs, n_steps, backend, block_runs=block_runs))
    return [found[i] for i in range(len(settings))]


def _assert_same(first, second):
    for a, b in zip(first, second, strict=True):
        for name in a.__dataclass_fields__:
            x, y = getattr(a, name), getattr(b, name)
            if isinstance(x, engine.Moments):
                assert x.count == y.count
                np.testing.assert_array_equal(x.mean, y.mean)
                np.testing.assert_array_equal(x.m2, y.m2)
            else:
                assert x == y


# ------------------------------------------------------------------------------------------
# Moments and the block split
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sizes", [(1, 1), (2, 5), (7, 1, 3), (4, 4, 4, 2)])
def test_merged_moments_equal_those_of_all_runs(sizes):
    rng = np.random.default_rng(len(sizes))
    parts = [rng.normal(3.0, 2.0, size=(n, 4)) for n in sizes]
    merged = engine.Moments.of(parts[0], axis=0)
    for part in parts[1:]:
        merged = merged.merge(engine.Moments.of(part, axis=0))
    values = np.concatenate(parts)
    columns = [values[:, j].tolist() for j in range(4)]
    assert merged.count == sum(sizes)
    np.testing.assert_allclose(merged.mean, [statistics.fmean(c) for c in columns], rtol=1e-12)
    expected = [statistics.stdev(c) / math.sqrt(len(c)) for c in columns]
    np.testing.assert_allclose(merged.stderr, expected, rtol=1e-10)


def test_split_covers_every_run_once():
    tasks = list(backends.split(2, 4500, 2000))
    assert [(t.setting, t.block, t.n_runs) for t in tasks] == [
        (0, 0, 2000),
        (0, 1, 2000),
        (0, 2, 500),
        (1, 0, 2000),
        (1, 1, 2000),
        (1, 2, 500),
    ]


def test_one_block_is_the_engine_on_all_runs_bit_for_bit():
    (setting,) = _settings(1)
    rng = np.random.default_rng(setting.seed)
    policy, env = setting.build(50, rng)
    alone = engine.run(policy, env, 40, rng)
    (blocked,) = _collect([setting], 50, 40)
    _assert_same([alone], [blocked])


def test_blocks_merge_to_the_statistics_of_their_runs():
    # blocks of one run: each block's curves are that run's own values
    settings = _settings(1)
    n_runs, n_steps = 9, 30
    (merged,) = _collect(settings, n_runs, n_steps, block_runs=1)
    singles = [backends.run_block(settings[0], b, 1, n_steps, window=10) for b in range(n_runs)]
    rewards = np.array([single.mean_reward for single in singles])  # (runs, steps)
    np.testing.assert_allclose(merged.mean_reward, rewards.mean(axis=0), rtol=1e-12)
    stderr = [statistics.stdev(rewards[:, t]) / 3.0 for t in range(n_steps)]
    np.testing.assert_allclose(merged.reward_stderr, stderr, rtol=1e-9)
    per_run = [float(single.run_mean_reward.mean) for single in singles]
    assert float(merged.run_mean_reward.mean) == pytest.approx(statistics.fmean(per_run))
    assert merged.n_runs == n_runs
    # the blocks draw from different streams
    assert len({tuple(row) for row in rewards}) == n_runs


def test_block_seeds_are_the_setting_seed_then_its_children():
    seed = np.random.SeedSequence(5).spawn(3)[1]
    assert backends.block_seed(seed, 0) is seed
    child = backends.block_seed(seed, 2)
    assert child.spawn_key == (*seed.spawn_key, 2) and child.entropy == seed.entropy


def test_memory_estimate_does_not_grow_with_runs_and_refuses_what_cannot_fit():
    small = backends.check_memory(3, 2000, 10, 10, 1)
    assert backends.check_memory(3, 10**8, 10, 10, 1) == small
    with pytest.raises(ValueError, match="memory budget"):
        backends.check_memory(3, 2000, 10, 10**7, 1)
    with pytest.raises(ValueError, match="memory budget"):
        backends.check_memory(3, 2000, 10**9, 10, 1)


def test_many_blocks_take_the_memory_of_one():
    (setting,) = _settings(1)

    def peak(n_runs):
        tracemalloc.start()
        _collect([setting], n_runs, 5, block_runs=10)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    peak(20)  # warm up caches of imports
    # 1000 blocks: keeping per-run values (24 B a run) or every block's curves would add more
    assert peak(10_000) < peak(40) + 200_000


def test_local_processes_give_the_numbers_of_one_process():
    settings = _settings(3)
    alone = _collect(settings, 45, 25, block_runs=10)
    pooled = _collect(settings, 45, 25, Backend("local", workers=2), block_runs=10)
    _assert_same(alone, pooled)


# ------------------------------------------------------------------------------------------
# Ray
# ------------------------------------------------------------------------------------------


def test_ray_gives_the_numbers_of_the_local_backend(ray_cluster):
    settings = _settings(3, "bernoulli")
    local = _collect(settings, 45, 25, block_runs=10)
    on_ray = _collect(settings, 45, 25, Backend("ray", workers=2), block_runs=10)
    _assert_same(local, on_ray)


def test_ray_sweep_cli_equals_local(ray_cluster, capsys, tmp_path):
    argv = ["sweep", "--policy", "ucb", "thompson", "--c", "1/2..2", "×2", "--testbed"]
    argv += ["bernoulli", "--runs", "30", "--steps", "20", "--json", "--quiet"]
    reports = {}
    for backend in ("local", "ray"):
        status, out, _ = _run(capsys, *argv, "--backend", backend, "--out", str(tmp_path / backend))
        assert status == 0
        reports[backend] = out
    assert reports["local"] == reports["ray"]
    rows = json.loads(reports["ray"])
    assert [row["params"] for row in rows] == [{"c": 0.5}, {"c": 1.0}, {"c": 2.0}, {}]
    assert (tmp_path / "ray" / "sweep.csv").read_text() == (
        tmp_path / "local" / "sweep.csv"
    ).read_text()


def test_killed_ray_actor_is_restarted_and_its_calls_rerun(ray_cluster):
    (setting,) = _settings(1)
    calls = [(setting, block, 200, 200) for block in range(8)]
    expected = [curves for _, curves in LocalExecutor().imap(backends.run_block, calls)]
    executor = backends.RayExecutor(workers=2)
    try:
        results = executor.imap(backends.run_block, calls)
        first = [next(results)]
        ray_cluster.kill(executor.actors[0], no_restart=False)  # its queued calls die with it
        done = dict(first + list(results))
    finally:
        executor.close()
    _assert_same([done[i] for i in range(len(calls))], expected)


# ------------------------------------------------------------------------------------------
# sweep: grids, cancellation, bad input
# ------------------------------------------------------------------------------------------


def test_grids_expand_ranges_lists_and_scopes():
    assert parse_grid("--epsilon", ["1/128..1/4", "×2"]) == {None: [2.0**k for k in range(-7, -1)]}
    assert parse_grid("--c", ["0..1", "+1/4"]) == {None: [0.0, 0.25, 0.5, 0.75, 1.0]}
    assert parse_grid("--c", ["0.5,2", "1"]) == {None: [0.5, 1.0, 2.0]}
    grids = parse_grid("--alpha", ["gradient:1/4..1x2", "greedy:0.1"])
    assert grids == {"gradient": [0.25, 0.5, 1.0], "greedy": [0.1]}


def test_sweep_settings_take_each_policy_own_values():
    grids = {"alpha": {"gradient": [0.25, 0.5], "greedy": [0.1]}, "initial_value": {None: [0, 1]}}
    settings = sweep.grid_settings(["gradient", "greedy"], grids)
    assert [s.method.params for s in settings] == [
        {"alpha": 0.25},
        {"alpha": 0.5},
        {"initial_value": 0, "alpha": 0.1},
        {"initial_value": 1, "alpha": 0.1},
    ]
    assert [s.method.sweep for s in settings] == [
        "alpha",
        "alpha",
        "initial_value",
        "initial_value",
    ]
    assert len({s.seed.spawn_key for s in settings}) == 4


def test_cancelled_sweep_keeps_its_finished_rows(capsys, tmp_path, monkeypatch):
    argv = ["sweep", "--policy", "epsilon-greedy", "--epsilon", "1/64..1/2", "×2", "--runs", "20"]
    argv += ["--steps", "15", "--quiet", "--out"]
    assert _run(capsys, *argv, str(tmp_path / "all"))[0] == 0
    full = list(csv.reader((tmp_path / "all" / "sweep.csv").open()))
    write_rows = sweep.write_rows

    def interrupted_after_three(results, *args):
        path = write_rows(results, *args)
        if len(results) == 3:
            raise KeyboardInterrupt
        return path

    monkeypatch.setattr(sweep, "write_rows", interrupted_after_three)
    status, _, err = _run(capsys, *argv, str(tmp_path / "cut"))
    assert status == 130 and "3 of 6 settings finished" in err
    kept = list(csv.reader((tmp_path / "cut" / "sweep.csv").open()))
    assert kept == full[:4]  # the header and the first three rows, as in the full run
    assert (tmp_path / "cut" / "sweep.png").exists()


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--backend", "dask"], "--backend must be one of local, ray"),
        (["--workers", "0"], "argument --workers: must be >= 1"),
        (["--address", "127.0.0.1:6379"], "--address needs --backend ray"),
        (["--memory", "0"], "--memory must be > 0"),
        (["--epsilon", "1/4..1/128", "×2"], "--epsilon: the grid is empty"),
        (["--epsilon", "1/128..1/4"], "--epsilon: cannot read '1/128..1/4' as a range"),
        (["--epsilon", "1/128..1/4", "×1"], "a factor > 1"),
        (["--epsilon", "a.b"], "--epsilon: cannot read 'a.b' as a number"),
        (["--c", "1"], "--c: epsilon-greedy takes no c"),
        (["--testbed", "cauchy"], "--testbed must be one of gaussian, bernoulli"),
        (["--arms", "10000000"], "memory budget"),
    ],
)
def test_sweep_bad_input_is_one_line_and_exit_2(capsys, argv, expected):
    base = ["sweep", "--policy", "epsilon-greedy", "--runs", "4", "--steps", "3", "--quiet"]
    status, out, err = _run(capsys, *base, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err


def test_thompson_on_the_gaussian_testbed_is_refused(capsys):
    status, _, err = _run(capsys, "sweep", "--policy", "thompson", "--runs", "4", "--quiet")
    assert status == 2 and "--testbed bernoulli" in err


def test_unreachable_address_is_one_line(capsys):
    pytest.importorskip("ray")
    argv = ["regret", "--runs", "4", "--horizon", "3", "--quiet", "--backend", "ray"]
    status, _, err = _run(capsys, *argv, "--address", "127.0.0.1:1")
    assert status == 2 and err.count("\n") == 1
    assert "--address 127.0.0.1:1: no Ray cluster answers there" in err


def test_ray_not_installed_says_how_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    argv = ["testbed", "--figure", "2.3", "--runs", "4", "--steps", "3", "--quiet"]
    status, _, err = _run(capsys, *argv, "--backend", "ray")
    assert status == 2 and err.count("\n") == 1 and "pip install" in err


def test_testbed_refuses_what_cannot_fit_before_running(capsys):
    argv = ["testbed", "--figure", "2.2", "--runs", "100000000", "--steps", "10", "--quiet"]
    status, _, err = _run(capsys, *argv, "--arms", "100000000")
    assert status == 2 and err.count("\n") == 1 and "memory budget" in err
