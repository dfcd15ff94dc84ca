"""`python -m bandits contextual {run,ope}`: JSON shapes, the figure, bad input."""

import json

import pytest

from bandits.__main__ import main


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_run_json_shape_and_figure(capsys, tmp_path):
    argv = ["contextual", "run", "--rounds", "30", "--runs", "3", "--out", str(tmp_path)]
    status, out, _ = _run(capsys, *argv, "--json", "--quiet")
    assert status == 0
    report = json.loads(out)
    assert set(report) == {"environment", "rounds", "runs", "methods"}
    assert (report["environment"], report["rounds"], report["runs"]) == ("linear", 30, 3)
    assert [m["policy"] for m in report["methods"]] == [
        "epsilon-greedy",
        "linucb",
        "lints",
        "softmax",
    ]
    for method in report["methods"]:
        assert set(method) == {"policy", "params", "final_regret", "stderr"}
        assert method["final_regret"] >= 0
    assert (tmp_path / "contextual_linear.png").stat().st_size > 0
    # the same seed gives the same numbers
    _, again, _ = _run(capsys, *argv, "--json", "--quiet")
    assert json.loads(again) == report


def test_run_digits_one_policy_text(capsys, tmp_path):
    argv = ["contextual", "run", "--environment", "digits", "--policies", "linucb"]
    status, out, _ = _run(
        capsys, *argv, "--rounds", "20", "--runs", "2", "--out", str(tmp_path), "--quiet"
    )
    assert status == 0 and "digits bandit: 2 runs x 20 rounds" in out and "linucb" in out


def test_ope_json_shape(capsys):
    argv = ["contextual", "ope", "--rounds", "20", "--repetitions", "3", "--draws", "5"]
    status, out, _ = _run(capsys, *argv, "--json", "--quiet")
    assert status == 0
    report = json.loads(out)
    assert set(report) == {"logging_policy", "target_policy", "true_value", "estimates"}
    assert (report["logging_policy"], report["target_policy"]) == ("lints", "softmax")
    keys = [(e["estimator"], e["propensities"], e["draws"]) for e in report["estimates"]]
    assert keys == [
        ("ips", "exact", None),
        ("snips", "exact", None),
        ("dr", "exact", None),
        ("ips", "monte-carlo", 5),
        ("snips", "monte-carlo", 5),
        ("dr", "monte-carlo", 5),
    ]
    for estimate in report["estimates"]:
        assert set(estimate) == {"estimator", "propensities", "draws", "mean", "mse", "ci_coverage"}
        assert estimate["mse"] >= 0 and 0 <= estimate["ci_coverage"] <= 1


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["run", "--rounds", "0"], "--rounds"),
        (["run", "--policies", "ucb"], "invalid choice: 'ucb'"),
        (["run", "--environment", "mnist"], "invalid choice: 'mnist'"),
        (["ope", "--rounds", "1", "--quiet"], "--rounds must be >= 2"),
        (["ope", "--repetitions", "1", "--quiet"], "--repetitions must be >= 2"),
        (["ope", "--draws", "-1"], "--draws"),
        (["ope", "--seed", "-3"], "--seed"),
        (["ope", "--logging", "greedy"], "invalid choice: 'greedy'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, phrase):
    status, out, err = _run(capsys, "contextual", *argv)
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and phrase in err
