"""Regenerate every bandit-experiment figure and number docs/experiments.md quotes.

Runs ``testbed --figure all`` and ``regret`` at the book's sizes (2000 runs x 1000 steps;
9 Bernoulli arms 0.1..0.9, 500 runs x 10,000 steps), writes the CSV and PNG files to
``--out``, and prints the page's tables in Markdown: each curve's final numbers with
standard errors, the checks the issue asks for against the book, and the regret study.

    python scripts/bandits_figures.py                  # book sizes, ~1 minute on 2 cores
    python scripts/bandits_figures.py --runs 200       # a quicker, noisier look
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from bandits import experiments, plots
from bandits.experiments import FIGURES, Result

MEANS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def curve_table(results: list[Result]) -> None:
    print("| figure | curve | reward, last 100 steps | % optimal, last 100 | mean reward |")
    print("|---|---|---|---|---|")
    for result in results:
        s = experiments.summary(result)
        print(
            f"| {s['figure']} | {s['label']} "
            f"| {s['final_reward']:.3f} ± {s['final_reward_stderr']:.3f} "
            f"| {100 * s['final_optimal']:.1f} ± {100 * s['final_optimal_stderr']:.1f} "
            f"| {s['mean_reward']:.3f} ± {s['mean_reward_stderr']:.3f} |"
        )


def book_checks(results: list[Result]) -> None:
    """The issue's list of what the figures must show, measured."""
    curves = {(r.figure, r.method.label): r.curves for r in results}
    scores = {(r.figure, r.method.label): experiments.summary(r) for r in results}
    greedy, eps01 = scores["2.2", "greedy (ε = 0)"], scores["2.2", "ε = 0.1"]
    eps001 = scores["2.2", "ε = 0.01"]
    print("| claim (book) | measured |")
    print("|---|---|")
    print(
        f"| 2.2 greedy ≈ 1.0 reward, ≈ 1/3 optimal | {greedy['final_reward']:.3f}, "
        f"{100 * greedy['final_optimal']:.1f}% |"
    )
    print(
        f"| 2.2 ε = 0.1 ≈ 1.35–1.4, ≈ 80% optimal | {eps01['final_reward']:.3f}, "
        f"{100 * eps01['final_optimal']:.1f}% |"
    )
    peak = 100 * curves["2.2", "ε = 0.1"].optimal.max()
    print(f"| 2.2 ε = 0.1 never above 91% optimal | highest step: {peak:.1f}% |")
    print(
        f"| 2.2 ε = 0.01 between greedy and ε = 0.1 | reward {eps001['final_reward']:.3f}, "
        f"{100 * eps001['final_optimal']:.1f}% optimal |"
    )
    ucb, eps = curves["2.4", "UCB c = 2"], curves["2.4", "ε-greedy ε = 0.1"]
    steps = ", ".join(f"{ucb.mean_reward[t - 1]:.2f}" for t in (10, 11, 12))
    print(f"| 2.4 UCB spike at step 11 | UCB reward at steps 10, 11, 12: {steps} |")
    ahead = np.mean(ucb.mean_reward[20:] > eps.mean_reward[20:])
    print(f"| 2.4 UCB above ε-greedy after the first steps | steps 21–1000 above: {ahead:.0%} |")
    late = (scores["2.3", "optimistic greedy Q1 = 5"], scores["2.3", "realistic ε = 0.1, Q1 = 0"])
    print(
        f"| 2.3 optimistic greedy above realistic ε-greedy late | % optimal last 100: "
        f"{100 * late[0]['final_optimal']:.1f} vs {100 * late[1]['final_optimal']:.1f} |"
    )
    gradient = [
        f"{100 * scores['2.5', label]['final_optimal']:.1f}%"
        for label in (
            "α = 0.1, with baseline",
            "α = 0.4, with baseline",
            "α = 0.1, without baseline",
            "α = 0.4, without baseline",
        )
    ]
    print(
        "| 2.5 baseline's large advantage | % optimal, α = 0.1, 0.4 with baseline: "
        f"{gradient[0]}, {gradient[1]}; without: {gradient[2]}, {gradient[3]} |"
    )
    best: dict[str, tuple[float, str]] = {}
    for result in results:
        if result.figure == "2.6":
            value = scores["2.6", result.method.label]["mean_reward"]
            best[result.method.policy] = max(
                best.get(result.method.policy, (-math.inf, "")), (value, result.method.label)
            )
    ranking = ", ".join(f"{label} {value:.3f}" for value, label in sorted(best.values())[::-1])
    print(f"| 2.6 UCB best in the parameter study | best of each: {ranking} |")


def regret_table(report: dict) -> None:
    print(
        f"C(μ) = {report['lai_robbins_constant']:.4f}, C(μ)·ln T = "
        f"{report['lai_robbins_regret']:.1f} at T = {report['horizon']} ({report['runs']} runs)"
    )
    print()
    print("| method | regret at T | ± s.e. |")
    print("|---|---|---|")
    for method in report["methods"]:
        print(f"| {method['label']} | {method['final_regret']:.1f} | {method['stderr']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000, help="testbed runs (default 2000)")
    parser.add_argument("--regret-runs", type=int, default=500, help="regret runs (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument("--out", default="runs/bandits", help="directory for CSV and PNG")
    args = parser.parse_args()
    out = Path(args.out)

    results = experiments.run_figures(list(FIGURES), n_runs=args.runs, seed=args.seed)
    for name, figure in FIGURES.items():
        members = [result for result in results if result.figure == name]
        experiments.write_csv(members, out / f"figure_{name.replace('.', '_')}.csv")
        plots.plot_figure(figure, members, out / f"figure_{name.replace('.', '_')}.png")
    regret = experiments.run_regret(MEANS, n_runs=args.regret_runs, seed=args.seed)
    report = experiments.regret_summary(MEANS, regret)
    experiments.write_csv(regret, out / "regret.csv")
    plots.plot_regret(regret, report["lai_robbins_constant"], out / "regret.png")

    print(f"## testbed (seed {args.seed}, {args.runs} runs x 1000 steps)\n")
    curve_table(results)
    print("\n## against the book\n")
    book_checks(results)
    print("\n## regret, Bernoulli arms 0.1..0.9\n")
    regret_table(report)
    print(f"\nfiles in {out}/")


if __name__ == "__main__":
    main()
