"""Readable exact answers: the two-arm closed form, the exact-budget fallback, the table's cells."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from bandits import cli_probability
from bandits.__main__ import main
from bandits.probability import (
    ExactBudgetExceeded,
    _beta_thompson_polynomial,
    action_probabilities,
    beta_greater_probability,
    beta_thompson_exact,
)

params = st.integers(min_value=1, max_value=12)


@settings(max_examples=200, deadline=None)
@given(params, params, params, params)
def test_two_arm_closed_form_equals_the_polynomial_route(a1, b1, a2, b2):
    closed = beta_thompson_exact([a1, a2], [b1, b2])
    assert closed == _beta_thompson_polynomial([(a1, b1), (a2, b2)])
    assert beta_greater_probability(a1, b1, a2, b2) == closed[1]


def test_two_arm_closed_form_on_the_lecture():
    # a ~ Beta(1, 2), b ~ Beta(2, 1): P(X_b > X_a) = 5/6 (REFERENCE.md §1)
    assert beta_greater_probability(1, 2, 2, 1) == Fraction(5, 6)
    assert beta_thompson_exact([1, 2], [2, 1]) == (Fraction(1, 6), Fraction(5, 6))


@pytest.mark.parametrize(
    ("a1", "b1", "a2", "b2"), [(300, 700, 310, 690), (40, 2000, 45, 1990), (1500, 20, 1490, 25)]
)
def test_two_arm_closed_form_against_quadrature(a1, b1, a2, b2):
    # P(X2 > X1) = ∫ f2(x) F1(x) dx, integrated where the mass is.
    low = min(stats.beta.ppf(1e-12, a, b) for a, b in ((a1, b1), (a2, b2)))
    high = max(stats.beta.isf(1e-12, a, b) for a, b in ((a1, b1), (a2, b2)))
    quad, _ = integrate.quad(
        lambda x: stats.beta.pdf(x, a2, b2) * stats.beta.cdf(x, a1, b1), low, high, limit=200
    )
    assert float(beta_greater_probability(a1, b1, a2, b2)) == pytest.approx(quad, abs=1e-10)


def test_three_arms_over_budget_raise_and_the_cli_falls_back(capsys):
    history = [(i % 3, (i // 3) % 2) for i in range(300)]
    with pytest.raises(ExactBudgetExceeded):
        action_probabilities("thompson", history, budget=1e-9)
    entries = [f"{'abc'[arm]}:{reward}" for arm, reward in history]
    argv = ["probability", "--policy", "thompson", "--samples", "1000", "--exact-budget", "1e-9"]
    assert main([*argv, "--history", *entries]) == 0
    out = capsys.readouterr().out
    assert "needs more than --exact-budget 1e-09 s; answered by integration and simulation" in out
    rows = [line.split() for line in out.splitlines() if line[:2] in ("a ", "b ", "c ")]
    assert [row[1] for row in rows] == ["—"] * 3
    assert "(300 observations)" in out


def test_a_long_history_is_readable_in_the_table_and_exact_in_json(capsys):
    rng = np.random.default_rng(5)
    arms, rewards = rng.integers(0, 2, (2, 1000))
    entries = [f"{'ab'[a]}:{r}" for a, r in zip(arms, rewards, strict=True)]
    argv = ["probability", "--policy", "thompson", "--samples", "1000", "--history", *entries]
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert main([*argv, "--json"]) == 0
    exact = {
        arm: Fraction(v["exact"]) for arm, v in json.loads(capsys.readouterr().out)["arms"].items()
    }
    assert sum(exact.values()) == 1
    for arm, value in exact.items():
        line = next(line for line in table.splitlines() if line.startswith(f"{arm} "))
        digits = f"{len(str(value.numerator))}/{len(str(value.denominator))} digits"
        assert f"{float(value):.10g} (exact: a fraction of {digits}; see --json)" in line
    assert max(len(line) for line in table.splitlines()) < 200


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (Fraction(1, 6), "1/6"),
        (Fraction(0), "0"),
        (Fraction(123456789, 1000000007), "123456789/1000000007"),  # 20 characters: as is
        (Fraction(10**10, 7 * 10**10 + 1),
         "0.1428571429 (exact: a fraction of 11/11 digits; see --json)"),
        (0.475020812521, "0.4750208125"),
        (Fraction(3, 10**400), "3e-400 (exact: a fraction of 1/401 digits; see --json)"),
        (Fraction(12345678917, 10**510),
         "1.234567892e-500 (exact: a fraction of 11/511 digits; see --json)"),
        (None, "—"),
    ],
)  # fmt: skip
def test_exact_cells(value, cell):
    assert cli_probability._exact_cell(value) == cell


def test_digit_count_of_huge_integers():
    for n in (10**17, 10**18 - 1, 10**18, 10**5000 - 1, 10**5000, 7**9000):
        assert cli_probability._digit_count(n) == len(str(n))
