"""`python -m bandits lecture` and `probability`: answers, JSON, the figure, bad input."""

import json
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from bandits import probability
from bandits.__main__ import main


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_lecture_json_answers(capsys):
    status, out, err = _run(capsys, "lecture", "--json", "--samples", "20000", "--seed", "4")
    assert status == 0 and err == ""
    rows = {row["policy"]: row for row in json.loads(out)}
    assert list(rows) == ["greedy", "epsilon-greedy", "ucb", "thompson", "gradient"]
    assert rows["thompson"]["exact"] == "1/6"
    assert rows["epsilon-greedy"]["exact"] == "1/20"
    assert rows["greedy"]["exact"] == "0" and rows["ucb"]["exact"] == "0"
    assert abs(rows["thompson"]["integration"] - 1 / 6) < 1e-9
    assert rows["greedy"]["integration"] is None
    for row in rows.values():
        assert set(row) == {"policy", "exact", "integration", "simulation", "ci_low", "ci_high"}
        exact = float(Fraction(row["exact"]))
        assert row["ci_low"] <= exact <= row["ci_high"]
        # the interval is Clopper–Pearson (scipy) around the simulated count k of 20,000
        k = round(row["simulation"] * 20_000)
        interval = stats.binomtest(k, 20_000).proportion_ci(0.99, method="exact")
        assert row["ci_low"] == pytest.approx(interval.low, abs=1e-12)
        assert row["ci_high"] == pytest.approx(interval.high, abs=1e-12)


def test_lecture_text_names_the_wrong_answers(capsys):
    status, out, _ = _run(capsys, "lecture", "--samples", "10000")
    assert status == 0
    assert "1/6" in out and "1/20" in out
    assert "video's answer 1/4 is wrong" in out
    assert "gives 5/6" in out
    assert "Check: exact inside every 99% interval" in out
    gap = float(out.split("largest |integration − exact| = ")[1].split()[0].rstrip("."))
    assert gap < 1e-9


def test_lecture_epsilon_is_read_exactly_and_seed_repeats(capsys):
    args = ("lecture", "--json", "--epsilon", "0.3", "--c", "0.5", "--samples", "5000")
    _, first, _ = _run(capsys, *args, "--seed", "8")
    _, second, _ = _run(capsys, *args, "--seed", "8")
    assert first == second
    rows = {row["policy"]: row for row in json.loads(first)}
    assert rows["epsilon-greedy"]["exact"] == "3/20"


def test_lecture_plot_draws_the_two_posteriors(capsys, tmp_path, saved_figures):
    path = tmp_path / "lecture.png"
    status, out, _ = _run(capsys, "lecture", "--samples", "1000", "--plot", str(path))
    assert status == 0 and str(path) in out and path.stat().st_size > 0
    (figure,) = saved_figures
    densities = figure.axes[0].get_lines()
    x = densities[0].get_xdata()
    # a ~ Beta(1, 2), density 2 − 2x; b ~ Beta(2, 1), density 2x (REFERENCE.md §1)
    np.testing.assert_allclose(densities[0].get_ydata(), 2 - 2 * x, atol=1e-12)
    np.testing.assert_allclose(densities[1].get_ydata(), 2 * x, atol=1e-12)
    assert figure.axes[0].get_xlim() == (0.0, 1.0)
    assert any("P = 1/6" in text.get_text() for text in figure.axes[1].texts)


def test_probability_json_with_an_untried_arm(capsys):
    status, out, _ = _run(
        capsys,
        "probability",
        "--policy",
        "thompson",
        "--history",
        "a:0",
        "b:1",
        "a:1",
        "b:0",
        "--arms",
        "a",
        "b",
        "c",
        "--samples",
        "20000",
        "--json",
    )
    assert status == 0
    result = json.loads(out)
    assert result["policy"] == "thompson" and list(result["arms"]) == ["a", "b", "c"]
    exact = [Fraction(arm["exact"]) for arm in result["arms"].values()]
    assert sum(exact) == 1
    # arms a and b have Beta(2, 2) posteriors, c keeps the uniform prior: a and b are symmetric
    assert exact[0] == exact[1]
    for arm, p in zip(result["arms"].values(), exact, strict=True):
        assert abs(arm["integration"] - float(p)) < 1e-9
        assert arm["ci_low"] <= float(p) <= arm["ci_high"]


def test_probability_greedy_has_no_integral_and_decimal_rewards_tie(capsys):
    status, out, _ = _run(
        capsys,
        "probability",
        "--policy",
        "greedy",
        "--history",
        "x:0.1",
        "y:0.2",
        "x:0.3",
        "--samples",
        "1000",
        "--json",
    )
    assert status == 0
    arms = json.loads(out)["arms"]
    # Q(x) = (0.1 + 0.3)/2 = 0.2 = Q(y) read exactly: a tie, 1/2 each
    assert arms["x"]["exact"] == arms["y"]["exact"] == "1/2"
    assert arms["x"]["integration"] is None


def test_probability_text_table(capsys):
    status, out, _ = _run(
        capsys,
        "probability",
        "--policy",
        "ucb",
        "--c",
        "1",
        "--history",
        "a:1",
        "b:0",
        "--arms",
        "a",
        "b",
        "c",
        "--samples",
        "1000",
    )
    assert status == 0
    assert "exact probabilities sum to 1" in out
    cells = [line.split() for line in out.splitlines()]
    rows = {row[0]: row[1] for row in cells if row and row[0] in ("a", "b", "c")}
    assert rows == {"a": "0", "b": "0", "c": "1"}  # the untried arm first


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["lecture", "--epsilon", "1.5"], "epsilon must lie in [0, 1]"),
        (["lecture", "--epsilon", "abc"], "epsilon must be a number"),
        (["lecture", "--c", "-1"], "c must lie in [0, inf]"),
        (["lecture", "--samples", "0"], "--samples: must be >= 1"),
        (["lecture", "--seed", "-3"], "--seed: must be >= 0"),
        (["lecture", "--samples", "many"], "expected an integer"),
        (["probability", "--policy", "thompson", "--history", "a:0.5"], "rewards 0 or 1"),
        (
            ["probability", "--policy", "thompson", "--prior", "0", "1", "--history", "a:1"],
            "alpha0 must be > 0",
        ),
        (
            ["probability", "--policy", "thompson", "--prior", "1", "-2", "--history", "a:1"],
            "beta0 must be > 0",
        ),
        (["probability", "--policy", "greedy", "--history", "a:nan"], "reward must be finite"),
        (["probability", "--policy", "greedy", "--history", "a:inf"], "reward must be finite"),
        (["probability", "--policy", "greedy", "--history", ""], "is malformed"),
        (["probability", "--policy", "greedy", "--history", "a:"], "is malformed"),
        (["probability", "--policy", "greedy", "--history", ":1"], "is malformed"),
        (["probability", "--policy", "greedy", "--history", "a"], "is malformed"),
        (["probability", "--policy", "greedy", "--history", "a:x"], "is not a number"),
        (["probability", "--policy", "greedy"], "give the arms"),
        (["probability", "--policy", "softmax", "--history", "a:1"], "invalid choice"),
        (["probability", "--history", "a:1"], "--policy"),
        (
            ["probability", "--policy", "thompson", "--epsilon", "0.1", "--history", "a:1"],
            "--epsilon does not apply to --policy thompson",
        ),
        (
            ["probability", "--policy", "epsilon-greedy", "--epsilon", "-0.5", "--history", "a:1"],
            "epsilon must lie in [0, 1]",
        ),
        (["probability", "--policy", "ucb", "--c", "-2", "--history", "a:1"], "c must lie in"),
        (
            ["probability", "--policy", "gradient", "--alpha", "0", "--history", "a:1"],
            "alpha must be > 0",
        ),
        (
            [
                "probability",
                "--policy",
                "gaussian-thompson",
                "--noise-std",
                "0",
                "--history",
                "a:1",
            ],
            "noise_std must be > 0",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own checks
        status = exit_.code
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error:") and message in err


def test_bad_input_end_to_end_has_no_traceback():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bandits",
            "probability",
            "--policy",
            "thompson",
            "--history",
            "a:2",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: Beta–Bernoulli Thompson sampling needs rewards 0 or 1, got 2"
    )


def test_ctrl_c_exits_130_with_one_line(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(probability, "action_probabilities", interrupted)
    status, out, err = _run(capsys, "lecture")
    assert status == 130 and out == ""
    assert err == "interrupted\n"
