"""Sub-commands ``lecture`` and ``probability``: P(next action) by three independent methods.

``python -m bandits lecture`` answers the end-of-lecture question of the DeepMind x UCL RL
lecture 2 (2021): after a:0, b:1, what is P(A3 = a)? ``python -m bandits probability``
answers the same question for any policy, arms and history.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from gradients.cli import non_negative_int, output_file, positive_int

if TYPE_CHECKING:
    from bandits.probability import SimulationEstimate

# The lecture's history (REFERENCE.md §1): t=1 a, reward 0; t=2 b, reward 1.
LECTURE_ARMS = ("a", "b")
LECTURE_HISTORY = ((0, Fraction(0)), (1, Fraction(1)))
VIDEO_ANSWER = Fraction(1, 4)
# Simulations this long (several seconds per policy) show a progress bar on stderr.
_PROGRESS_SAMPLES = 50_000_000

# The options of each policy (the Python parameter each one feeds).
POLICY_OPTIONS: dict[str, tuple[str, ...]] = {
    "greedy": ("step_size", "initial_value"),
    "epsilon-greedy": ("epsilon", "step_size", "initial_value"),
    "ucb": ("c", "step_size", "initial_value"),
    "thompson": ("prior",),
    "gaussian-thompson": ("prior", "noise_std"),
    "gradient": ("alpha", "baseline"),
}


@dataclass(frozen=True)
class Row:
    """One policy's answer for one arm, by the three methods."""

    exact: Fraction | float | None
    integration: float | None
    simulation: SimulationEstimate
    arm: int


def _add_sampling_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=positive_int, default=1_000_000, help="simulation draws")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="simulation seed")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``lecture`` and ``probability`` (each sets ``run=function(args) -> int``)."""
    lecture = subparsers.add_parser(
        "lecture",
        help="answer the lecture's P(A3 = a) for greedy, ε-greedy, UCB, Thompson, softmax",
        description="History a:0 then b:1 — P(A3 = a) under each policy, three ways.",
    )
    lecture.add_argument("--epsilon", default="0.1", help="ε of ε-greedy, read exactly")
    lecture.add_argument("--c", default="2", help="UCB's exploration weight c ≥ 0")
    lecture.add_argument("--alpha", default="0.1", help="gradient bandit step size")
    lecture.add_argument("--plot", metavar="FILE.png", help="draw the Thompson posteriors")
    _add_sampling_options(lecture)
    lecture.set_defaults(run=run_lecture)

    probability = subparsers.add_parser(
        "probability",
        help="P(next action = each arm) for any policy and history",
        description="P(next action = each arm) after a history, exact / integration / simulation.",
        epilog="example: python -m bandits probability --policy thompson --history a:0 b:1 "
        "--arms a b c",
    )
    probability.add_argument(
        "--policy",
        required=True,
        choices=tuple(POLICY_OPTIONS),
        help="thompson is Beta–Bernoulli (rewards 0/1); gradient is the softmax bandit",
    )
    probability.add_argument(
        "--history", nargs="*", default=[], metavar="ARM:REWARD", help="e.g. a:0 b:1 a:1"
    )
    probability.add_argument(
        "--arms", nargs="+", default=[], metavar="NAME", help="arms, in order; adds untried ones"
    )
    probability.add_argument(
        "--prior",
        nargs=2,
        metavar=("P1", "P2"),
        help="thompson: Beta(α₀, β₀) (default 1 1); gaussian-thompson: mean std (default 0 1)",
    )
    probability.add_argument("--epsilon", help="ε of epsilon-greedy, in [0, 1] (default 0.1)")
    probability.add_argument("--c", help="UCB's exploration weight c ≥ 0 (default 2)")
    probability.add_argument("--step-size", help="constant step size α in (0, 1] for Q")
    probability.add_argument("--initial-value", help="initial action value Q1 (default 0)")
    probability.add_argument("--noise-std", help="gaussian-thompson: reward noise σ (default 1)")
    probability.add_argument("--alpha", help="gradient: step size α > 0 (default 0.1)")
    probability.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_const",
        const=False,
        help="gradient: no average-reward baseline",
    )
    probability.add_argument(
        "--exact-budget",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="thompson, three or more arms: give up the exact route after this long and answer "
        "by integration and simulation",
    )
    _add_sampling_options(probability)
    probability.set_defaults(run=run_probability)


# ----------------------------------------------------------------------------------------------
# Computing the rows.
# ----------------------------------------------------------------------------------------------


def _has_integer_prior(policy: str, params: dict[str, Any]) -> bool:
    if policy != "thompson":
        return True
    try:
        return all(Fraction(p).denominator == 1 for p in params.get("prior", (1, 1)))
    except (ValueError, TypeError, ZeroDivisionError):
        return True  # not a number: the exact route reports it clearly


def _three_ways(
    policy: str,
    history: Sequence[tuple[int, Any]],
    n_arms: int,
    samples: int,
    rng: np.random.Generator,
    params: dict[str, Any],
    budget: float | None = None,
) -> tuple[list[Row], str | None]:
    """Exact, integration and simulation for every arm, and why exact is missing, if it is."""
    from bandits.probability import ExactBudgetExceeded, action_probabilities

    if samples < 1:
        raise ValueError(f"--samples must be >= 1, got {samples}")
    common = {"n_arms": n_arms, **params}
    exact, note = (None,) * n_arms, None
    if not _has_integer_prior(policy, params):
        note = "exact: no rational closed form for a non-integer Beta prior (see integration)"
    else:
        try:
            exact = action_probabilities(policy, history, budget=budget, **common)
        except ExactBudgetExceeded:
            note = (
                f"exact: the exact route for {n_arms} arms needs more than --exact-budget "
                f"{budget:g} s; answered by integration and simulation"
            )
    integration = action_probabilities(policy, history, method="integration", **common)
    simulation = action_probabilities(
        policy,
        history,
        method="simulation",
        samples=samples,
        rng=rng,
        progress=samples >= _PROGRESS_SAMPLES,
        **common,
    )
    rows = [
        Row(
            exact=exact[arm],
            integration=None if integration is None else float(integration[arm]),
            simulation=simulation,
            arm=arm,
        )
        for arm in range(n_arms)
    ]
    return rows, note


_SHOWN_HISTORY = 12
"""history entries the heading of ``probability`` repeats"""
_SHOWN_DIGITS = 10
"""significant digits of an exact answer in the table"""
_LONGEST_FRACTION = 20
"""a fraction written longer than this is shown as a decimal, with its size"""


def _digit_count(n: int) -> int:
    """Decimal digits of the integer n, without writing it out (quadratic for huge n)."""
    n = abs(n)
    if n < 10**18:
        return len(str(n))
    exponent = max(0, int((n.bit_length() - 1) * math.log10(2)) - 1)  # ≤ ⌊log₁₀ n⌋
    while 10 ** (exponent + 1) <= n:
        exponent += 1
    return exponent + 1


def _significant(value: Fraction | float, digits: int = _SHOWN_DIGITS) -> str:
    """``value`` to ``digits`` significant digits, like ``%g``, even below float's range."""
    as_float = float(value)
    if value == 0 or as_float != 0:
        return f"{as_float:.{digits}g}"
    # An exact probability below 1e-308: scale it exactly instead.
    value = Fraction(value)
    exponent = _digit_count(value.numerator) - _digit_count(value.denominator)
    while Fraction(10) ** exponent > value:
        exponent -= 1
    mantissa = round(value / Fraction(10) ** (exponent - digits + 1))
    if mantissa >= 10**digits:
        mantissa, exponent = round(Fraction(mantissa, 10)), exponent + 1
    text = str(mantissa)
    return f"{text[0]}.{text[1:].rstrip('0')}".rstrip(".") + f"e{exponent:+03d}"


def _exact_cell(value: Fraction | float | None) -> str:
    """The table's exact column: "1/6", 10 significant digits, or a long fraction's size."""
    if value is None:
        return "—"
    if not isinstance(value, Fraction):
        return _significant(value)
    numerator, denominator = _digit_count(value.numerator), _digit_count(value.denominator)
    if numerator + denominator + 1 <= _LONGEST_FRACTION:
        return str(value)
    return (
        f"{_significant(value)} (exact: a fraction of {numerator}/{denominator} digits; see --json)"
    )


def _exact_text(value: Fraction | float | None) -> str | None:
    """The exact answer for --json: every digit of a Fraction, a float's repr."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return str(value)
    return repr(float(value))


def _row_json(row: Row) -> dict[str, Any]:
    sim = row.simulation
    return {
        "exact": _exact_text(row.exact),
        "integration": row.integration,
        "simulation": float(sim.frequency[row.arm]),
        "ci_low": float(sim.ci_low[row.arm]),
        "ci_high": float(sim.ci_high[row.arm]),
    }


def _agreement(rows: Sequence[Row]) -> str:
    """One line: is exact inside each simulation interval, and how close is integration?"""
    checked = [row for row in rows if row.exact is not None]
    if not checked:
        return "Check: no exact value to compare with."
    confidence = rows[0].simulation.confidence
    inside = all(
        row.simulation.ci_low[row.arm] <= row.exact <= row.simulation.ci_high[row.arm]
        for row in checked
    )
    line = (
        f"Check: exact inside every {confidence:.0%} interval "
        f"(each misses with probability ≤ {1 - confidence:.0%}): {'yes' if inside else 'NO'}"
    )
    integrated = [row for row in checked if row.integration is not None]
    if integrated:
        gap = max(abs(row.integration - float(row.exact)) for row in integrated)
        line += f"; largest |integration − exact| = {gap:.1e}"
    return line + "."


def _table(first: str, rows: list[tuple[str, Row]], samples: int, confidence: float) -> str:
    header = (first, "exact", "integration", f"simulation (N={samples:,})", f"{confidence:.0%} CI")
    lines = [header]
    for label, row in rows:
        sim = row.simulation
        lines.append(
            (
                label,
                _exact_cell(row.exact),
                "—" if row.integration is None else f"{row.integration:.10f}",
                f"{sim.frequency[row.arm]:.6f}",
                f"[{sim.ci_low[row.arm]:.6f}, {sim.ci_high[row.arm]:.6f}]",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


# ----------------------------------------------------------------------------------------------
# lecture
# ----------------------------------------------------------------------------------------------


def run_lecture(args: argparse.Namespace) -> int:
    """``python -m bandits lecture``: the lecture question, every policy, three ways."""
    from bandits.probability import beta_posterior, beta_thompson_exact

    plot = None if args.plot is None else output_file(args.plot, "--plot", ".png")
    settings = {
        "greedy": ("greedy", {}),
        "epsilon-greedy": (f"ε-greedy (ε={args.epsilon})", {"epsilon": args.epsilon}),
        "ucb": (f"UCB (c={args.c})", {"c": args.c}),
        "thompson": ("Thompson, Beta(1,1)", {"prior": (1, 1)}),
        "gradient": (f"softmax gradient (α={args.alpha})", {"alpha": args.alpha}),
    }
    streams = np.random.SeedSequence(args.seed).spawn(len(settings))
    answers = {
        policy: _three_ways(
            policy, LECTURE_HISTORY, 2, args.samples, np.random.default_rng(stream), params
        )[0][0]
        for (policy, (_, params)), stream in zip(settings.items(), streams, strict=True)
    }
    alpha, beta = beta_posterior(2, LECTURE_HISTORY, (1, 1))
    swapped = beta_thompson_exact(*beta_posterior(2, LECTURE_HISTORY, (1, 1), swapped=True))[0]
    thompson = answers["thompson"].exact
    if plot is not None:
        from bandits.posterior_plot import plot_two_beta_posteriors  # matplotlib only if asked

        plot_two_beta_posteriors(
            tuple(map(float, alpha)), tuple(map(float, beta)), LECTURE_ARMS, thompson, plot
        )
    if args.json:
        print(json.dumps([{"policy": p, **_row_json(row)} for p, row in answers.items()], indent=2))
        return 0
    print("History: t=1 a, reward 0; t=2 b, reward 1.  Question: P(A3 = a)?\n")
    rows = [(settings[policy][0], row) for policy, row in answers.items()]
    print(_table("policy", rows, args.samples, answers["thompson"].simulation.confidence))
    mean_a, mean_b = alpha[0] / (alpha[0] + beta[0]), alpha[1] / (alpha[1] + beta[1])
    print(
        f"\nThompson: a ~ Beta({alpha[0]}, {beta[0]}), b ~ Beta({alpha[1]}, {beta[1]}) "
        f"(means {mean_a}, {mean_b});\nP(A3 = a) = ∫₀¹ f_a(x) F_b(x) dx = {thompson}."
    )
    print(
        f"The video's answer {VIDEO_ANSWER} is wrong: it is {thompson}. With the update "
        f"swapped\n(reward 1 → β+1, reward 0 → α+1) the same integral gives {swapped}."
    )
    print(_agreement(list(answers.values())))
    if plot is not None:
        print(f"Figure: {plot}")
    return 0


# ----------------------------------------------------------------------------------------------
# probability
# ----------------------------------------------------------------------------------------------


_BARE_NAME = re.compile(r"[^\s:,]+")


def parse_history(entries: Sequence[str], arms: Sequence[str]) -> tuple[list[str], list]:
    """Arm names and (arm_index, reward) pairs from ``ARM:REWARD`` strings.

    Args:
        entries: e.g. ["a:0", "b:1"]; rewards are read exactly (0.1 is 1/10).
        arms: arm names to include even if never tried; listed first, in this order.
            A name is bare: no ':', ',' or white space.

    Returns:
        (names, history) with rewards as Fractions.
    """
    names = list(dict.fromkeys(arms))
    for name in names:
        if not _BARE_NAME.fullmatch(name):
            raise ValueError(f"--arms {name!r} is not a bare name (no ':', ',' or spaces)")
    history = []
    for number, entry in enumerate(entries, start=1):
        name, sep, reward_text = entry.rpartition(":")
        if not sep or not name.strip() or not reward_text.strip():
            raise ValueError(
                f"--history entry {number} {entry!r} is malformed: expected ARM:REWARD, e.g. a:0"
            )
        if not _BARE_NAME.fullmatch(name):
            raise ValueError(
                f"--history entry {number} {entry!r}: arm name {name!r} is not a bare name "
                "(no ':', ',' or spaces); give one ARM:REWARD per entry, e.g. --history a:0 b:1"
            )
        try:
            value = float(reward_text)
        except ValueError:
            raise ValueError(
                f"--history entry {number} {entry!r}: reward {reward_text!r} is not a number"
            ) from None
        if not np.isfinite(value):
            raise ValueError(f"--history entry {number} {entry!r}: reward must be finite")
        if name not in names:
            names.append(name)
        history.append((names.index(name), Fraction(reward_text.strip())))
    if not names:
        raise ValueError("give the arms: --history ARM:REWARD ... and/or --arms NAME ...")
    return names, history


def _policy_params(args: argparse.Namespace) -> dict[str, Any]:
    """The options given, as the policy's keyword parameters; options of other policies fail."""
    given = {
        name: getattr(args, name)
        for name in ("epsilon", "c", "step_size", "initial_value", "noise_std", "alpha", "baseline")
        if getattr(args, name) is not None
    }
    if args.prior is not None:
        given["prior"] = tuple(args.prior)
    allowed = POLICY_OPTIONS[args.policy]
    for name in given:
        if name not in allowed:
            option = "--no-baseline" if name == "baseline" else "--" + name.replace("_", "-")
            raise ValueError(f"{option} does not apply to --policy {args.policy}")
    if args.policy == "gaussian-thompson" and "prior" in given:
        given["prior_mean"], given["prior_std"] = given.pop("prior")
    return given


def run_probability(args: argparse.Namespace) -> int:
    """``python -m bandits probability``: P(next action) for any policy and history."""
    names, history = parse_history(args.history, args.arms)
    params = _policy_params(args)
    rng = np.random.default_rng(np.random.SeedSequence(args.seed))
    rows, note = _three_ways(
        args.policy, history, len(names), args.samples, rng, params, args.exact_budget
    )
    if args.json:
        sys.set_int_max_str_digits(0)  # every digit of a long exact fraction
        arms = {name: _row_json(row) for name, row in zip(names, rows, strict=True)}
        print(json.dumps({"policy": args.policy, "arms": arms}, indent=2))
        return 0
    shown = args.history[:_SHOWN_HISTORY]
    steps = " ".join(shown) or "(none)"
    if len(args.history) > len(shown):
        steps += f" … ({len(args.history):,} observations)"
    print(f"Policy {args.policy}; history {steps}.  P(next action = arm):\n")
    confidence = rows[0].simulation.confidence
    print(_table("arm", list(zip(names, rows, strict=True)), args.samples, confidence))
    if note is not None:
        print("\n" + note)
    elif isinstance(rows[0].exact, Fraction):
        total = sum(row.exact for row in rows)
        print(f"\nexact probabilities sum to {_exact_cell(total)}")
    print(_agreement(rows))
    return 0
