"""The chapter-2 figures and the regret study on reduced sizes, their files, and the CLI."""

import csv
import doctest
import importlib
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from bandits import experiments
from bandits.__main__ import main
from bandits.experiments import (
    FIGURES,
    Method,
    Problem,
    Setting,
    run_figures,
    run_regret,
    run_settings,
    summary,
)

Z = 4.0  # a two-sided false alarm about once in 16,000 comparisons


def by_label(results):
    return {result.method.label: result for result in results}


def separated(better, worse, mean_key, stderr_key):
    """``better`` exceeds ``worse`` by more than Z combined standard errors."""
    difference = better[mean_key] - worse[mean_key]
    return difference > Z * math.hypot(better[stderr_key], worse[stderr_key])


def test_figure_2_2_exploration_beats_greedy_and_stays_below_91_percent():
    results = by_label(run_figures(["2.2"], n_runs=400, n_steps=500, seed=1, progress=False))
    greedy = summary(results["greedy (ε = 0)"])
    explore = summary(results["ε = 0.1"])
    assert separated(explore, greedy, "final_optimal", "final_optimal_stderr")
    assert separated(explore, greedy, "final_reward", "final_reward_stderr")
    # ε-greedy picks the best arm at most 1 − ε + ε/K = 91% of the time, at every step
    curves = results["ε = 0.1"].curves
    assert np.all(curves.optimal <= 0.91 + 5.0 * curves.optimal_stderr + 1e-12)


def test_figure_2_3_optimism_wins_late():
    results = by_label(run_figures(["2.3"], n_runs=1500, n_steps=1000, seed=2, progress=False))
    optimistic = summary(results["optimistic greedy Q1 = 5"])
    realistic = summary(results["realistic ε = 0.1, Q1 = 0"])
    assert separated(optimistic, realistic, "final_optimal", "final_optimal_stderr")


def test_figure_2_5_baseline_advantage():
    results = by_label(run_figures(["2.5"], n_runs=300, n_steps=300, seed=3, progress=False))
    for alpha in (0.1, 0.4):
        with_baseline = summary(results[f"α = {alpha}, with baseline"])
        without = summary(results[f"α = {alpha}, without baseline"])
        assert separated(with_baseline, without, "final_optimal", "final_optimal_stderr")
    # q*(a) ~ N(+4, 1): the first step plays uniformly, so its mean reward is 4
    curves = results["α = 0.1, with baseline"].curves
    assert abs(curves.mean_reward[0] - 4.0) < Z * curves.reward_stderr[0]


def test_regret_thompson_and_kl_ucb_well_below_ucb1():
    means = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    results = run_regret(means, horizon=2000, n_runs=60, seed=4, progress=False)
    report = experiments.regret_summary(means, results)
    final = {m["policy"]: (m["final_regret"], m["stderr"]) for m in report["methods"]}
    ucb_regret, ucb_stderr = final["ucb1"]
    for name in ("thompson", "kl-ucb"):
        regret, stderr = final[name]
        assert ucb_regret - regret > Z * math.hypot(ucb_stderr, stderr)
    assert report["lai_robbins_constant"] == pytest.approx(7.5165, abs=1e-4)
    assert report["lai_robbins_regret"] == pytest.approx(7.5165155 * math.log(2000), rel=1e-6)
    # regret is a sum of non-negative gaps: it never decreases
    assert all(np.all(np.diff(result.curves.regret) >= 0) for result in results)


def test_same_seed_same_figure_alone_or_with_others():
    alone = run_figures(["2.3"], n_runs=20, n_steps=60, seed=7, progress=False)
    again = run_figures(["2.3"], n_runs=20, n_steps=60, seed=7, progress=False)
    inside = run_figures(["2.2", "2.3"], n_runs=20, n_steps=60, seed=7, progress=False)[3:]
    other = run_figures(["2.3"], n_runs=20, n_steps=60, seed=8, progress=False)
    for first, second, third in zip(alone, again, inside, strict=True):
        assert np.array_equal(first.curves.mean_reward, second.curves.mean_reward)
        assert np.array_equal(first.curves.regret, third.curves.regret)
    assert not np.array_equal(alone[0].curves.mean_reward, other[0].curves.mean_reward)


def test_methods_get_independent_streams():
    method = Method("epsilon-greedy", {"epsilon": 0.1}, "twin")
    seeds = np.random.SeedSequence(0).spawn(2)
    settings = [Setting(method, Problem("gaussian", 4), seed) for seed in seeds]
    first, second = run_settings(settings, 10, 30, progress=False)
    assert not np.array_equal(first.curves.mean_reward, second.curves.mean_reward)


def test_figure_settings_follow_the_book():
    study = FIGURES["2.6"]
    sweeps = {}
    for method in study.methods:
        sweeps.setdefault(method.policy, []).append(method.params[method.sweep])
    assert sweeps["epsilon-greedy"] == [2.0**k for k in range(-7, -1)]
    assert sweeps["gradient"] == [2.0**k for k in range(-5, 2)]
    assert sweeps["ucb"] == [2.0**k for k in range(-4, 3)]
    assert sweeps["greedy"] == [2.0**k for k in range(-2, 3)]
    assert FIGURES["2.5"].q_mean == 4.0
    assert all(FIGURES[name].q_mean == 0.0 for name in ("2.2", "2.3", "2.4", "2.6"))
    for figure in FIGURES.values():  # every setting builds a valid policy
        for method in figure.methods:
            policy = experiments.make_policy(method, 10, 2)
            assert policy.select(np.random.default_rng(0)).shape == (2,)


def test_make_policy_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown policy"):
        experiments.make_policy(Method("softmax", {}, "x"), 3, 1)
    with pytest.raises(ValueError, match="takes parameters"):
        experiments.make_policy(Method("ucb", {"epsilon": 0.1}, "x"), 3, 1)


# ------------------------------------------------------------------------------------------
# Command line.
# ------------------------------------------------------------------------------------------


def test_testbed_cli_json_csv_and_png(tmp_path, capsys, saved_figures):
    argv = ["testbed", "--figure", "2.2", "--runs", "12", "--steps", "30", "--seed", "3"]
    status = main([*argv, "--out", str(tmp_path), "--json", "--quiet"])
    assert status == 0
    report = json.loads(capsys.readouterr().out)
    assert [item["policy"] for item in report] == ["greedy", "epsilon-greedy", "epsilon-greedy"]
    assert report[2]["params"] == {"alpha": None, "initial_value": 0.0, "epsilon": 0.1}
    with (tmp_path / "figure_2_2.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * 30
    assert rows[0]["step"] == "1" and rows[-1]["step"] == "30"
    (figure,) = saved_figures
    top, bottom = figure.axes
    for number, item in enumerate(report):
        method = rows[30 * number : 30 * (number + 1)]
        reward = [float(row["mean_reward"]) for row in method]
        optimal = [float(row["optimal"]) for row in method]
        # the window (100) is clipped to the 30 steps: final_* average every step
        assert np.mean(reward) == pytest.approx(item["final_reward"], abs=1e-5)
        assert np.mean(optimal) == pytest.approx(item["final_optimal"], abs=1e-5)
        # 12 runs: each step's fraction of optimal pulls is a multiple of 1/12
        np.testing.assert_allclose(
            np.array(optimal) * 12, np.rint(np.array(optimal) * 12), atol=1e-4
        )
        # the figure draws these curves: reward on top, % optimal below
        np.testing.assert_allclose(top.get_lines()[number].get_ydata(), reward, rtol=1e-5)
        np.testing.assert_allclose(
            bottom.get_lines()[number].get_ydata(), 100 * np.array(optimal), rtol=1e-5
        )
        np.testing.assert_array_equal(top.get_lines()[number].get_xdata(), np.arange(1, 31))
    assert (tmp_path / "figure_2_2.png").stat().st_size > 0


def test_testbed_cli_study_prints_a_table(tmp_path, capsys):
    argv = ["testbed", "--figure", "2.6", "--runs", "3", "--steps", "5", "--quiet"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Figure 2.6" in out and "UCB c=2^2" in out
    assert (tmp_path / "figure_2_6.png").exists()


def test_regret_cli_json(tmp_path, capsys, saved_figures):
    argv = ["regret", "--means", "0.2", "0.8", "--horizon", "50", "--runs", "5", "--quiet"]
    assert main([*argv, "--out", str(tmp_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [m["policy"] for m in report["methods"]] == [
        "epsilon-greedy",
        "ucb1",
        "thompson",
        "kl-ucb",
    ]
    kl = 0.2 * math.log(0.2 / 0.8) + 0.8 * math.log(0.8 / 0.2)
    assert report["lai_robbins_constant"] == pytest.approx(0.6 / kl, rel=1e-12)
    with (tmp_path / "regret.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    (figure,) = saved_figures
    lines = figure.axes[0].get_lines()
    for number, method in enumerate(report["methods"]):
        steps = rows[50 * number : 50 * (number + 1)]
        regret = np.array([float(row["regret"]) for row in steps])
        optimal = np.array([float(row["optimal"]) for row in steps])
        # two arms, gap 0.6: the regret grows by 0.6 × (fraction of runs pulling arm 0)
        increments = np.diff(regret, prepend=0.0)
        np.testing.assert_allclose(increments, 0.6 * (1 - optimal), atol=2e-5)
        assert method["final_regret"] == pytest.approx(regret[-1], rel=1e-5)
        np.testing.assert_allclose(lines[number].get_ydata(), regret, rtol=1e-5)
    # the dashed Lai–Robbins line is C(μ) ln t
    t = np.arange(1, 51)
    np.testing.assert_allclose(lines[-1].get_ydata(), 0.6 / kl * np.log(t), rtol=1e-12)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["testbed", "--runs", "-5"], "runs must be >= 2"),
        (["testbed", "--figure", "2.7"], "--figure must be one of 2.2, 2.3, 2.4, 2.5, 2.6, all"),
        (["testbed", "--figure", "2.2", "--steps", "0"], "steps must be >= 1"),
        (["testbed", "--figure", "2.2", "--seed", "-1"], "--seed: must be >= 0"),
        (["regret", "--means", "0.1", "1.5"], r"means must lie in [0, 1]"),
        (["regret", "--means", "0.5"], "at least 2 arm means"),
        (["regret", "--means", "0.1", "nan"], r"means must lie in [0, 1]"),
        (["regret", "--horizon", "0"], "horizon must be >= 1"),
        (["regret", "--runs", "1"], "runs must be >= 2"),
        (["regret", "--epsilon", "2"], r"epsilon must lie in [0, 1]"),
    ],
)
def test_bad_input_is_one_clear_line(argv, message, tmp_path, capsys):
    status = main([*argv, "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.strip().splitlines() == [captured.err.strip()]
    assert captured.err.startswith("error: ") and message in captured.err
    assert captured.out == ""
    assert not any(tmp_path.iterdir())


def test_interrupted_testbed_keeps_finished_figures(tmp_path, capsys, monkeypatch):
    real = experiments.run_figures

    def interrupt_after_first(names, **kwargs):
        if names != ["2.2"]:
            raise KeyboardInterrupt
        return real(names, **kwargs)

    monkeypatch.setattr(experiments, "run_figures", interrupt_after_first)
    argv = ["testbed", "--runs", "4", "--steps", "5", "--quiet", "--out", str(tmp_path)]
    assert main(argv) == 130
    assert "interrupted; figures finished: 2.2" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["figure_2_2.csv", "figure_2_2.png"]


@pytest.mark.parametrize(
    "module", ["bandits.engine", "bandits.environments", "bandits.kl_ucb", "bandits.experiments"]
)
def test_docstring_examples(module):
    failures, attempted = doctest.testmod(importlib.import_module(module))
    assert attempted > 0 and failures == 0


@pytest.mark.parametrize(
    "argv",
    [["testbed", "--figure", "3.1"], ["regret", "--means", "0.1", "2", "--runs", "-3"]],
)
def test_bad_input_end_to_end_exits_2_without_traceback(argv, tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "bandits", *argv, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 2
    assert process.stdout == ""
    assert len(process.stderr.strip().splitlines()) == 1
    assert process.stderr.startswith("error: ") and "Traceback" not in process.stderr
