"""Sub-commands ``testbed`` and ``regret``: run the experiments, write CSV + PNG, print results.

``python -m bandits testbed --figure 2.2`` reproduces a figure of Sutton & Barto chapter 2
(2.2 … 2.6, or ``all``); ``python -m bandits regret --means 0.1 0.5 0.9`` compares ε-greedy,
UCB1, Thompson sampling and KL-UCB with the Lai–Robbins bound. Bad arguments raise
``ValueError``, which ``bandits.__main__`` prints as one line with exit status 2. The
experiments and plots (numba, matplotlib) are imported when a command runs, not by ``--help``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gradients.cli import non_negative_int, output_dir, positive_int

__all__ = ["FIGURE_NAMES", "add_backend_options", "backend_from", "register"]

FIGURE_NAMES = ("2.2", "2.3", "2.4", "2.5", "2.6")
"""the figures ``testbed`` draws (the keys of ``bandits.experiments.FIGURES``)"""

_BOOK_MEANS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def _figure_names(choice: str) -> list[str]:
    if choice == "all":
        return list(FIGURE_NAMES)
    if choice not in FIGURE_NAMES:
        allowed = ", ".join([*FIGURE_NAMES, "all"])
        raise ValueError(f"--figure must be one of {allowed}; got {choice!r}")
    return [choice]


def _file_stem(name: str) -> str:
    return "figure_" + name.replace(".", "_")


def _print_figure(figure: Any, scores: list[dict], runs: int, steps: int) -> None:
    print(f"Figure {figure.name}: {figure.title} ({runs} runs × {steps} steps)")
    last = f"reward, last {min(100, steps)}"
    print(f"  {'method':40s} {last:>18s} {'% optimal':>14s} {'mean reward':>16s}")
    for score in scores:
        print(
            f"  {score['label']:40s}"
            f" {score['final_reward']:8.3f} ± {score['final_reward_stderr']:.3f}"
            f" {100 * score['final_optimal']:7.1f} ± {100 * score['final_optimal_stderr']:4.1f}"
            f" {score['mean_reward']:8.3f} ± {score['mean_reward_stderr']:.3f}"
        )
    print(f"  book: {figure.book}")


def run_testbed(args: argparse.Namespace) -> int:
    """``testbed``: run figures of Sutton & Barto chapter 2; returns the exit status.

    Each figure's CSV and PNG are written as soon as it is done, so an interrupted ``all``
    (Ctrl-C, exit status 130) keeps the figures it finished.
    """
    names = _figure_names(args.figure)
    out = output_dir(args.out, "--out")
    backend = backend_from(args)
    from bandits import experiments, plots

    report = []
    try:
        for name in names:
            figure = experiments.FIGURES[name]
            members = experiments.run_figures(
                [name],
                n_runs=args.runs,
                n_steps=args.steps,
                n_arms=args.arms,
                seed=args.seed,
                progress=not args.quiet,
                backend=backend,
            )
            scores = [experiments.summary(result) for result in members]
            report += scores
            stem = out / _file_stem(name)
            csv_path = experiments.write_csv(members, stem.with_suffix(".csv"))
            png_path = plots.plot_figure(figure, members, stem.with_suffix(".png"))
            print(f"wrote {csv_path} and {png_path}", file=sys.stderr if args.json else sys.stdout)
            if not args.json:
                _print_figure(figure, scores, args.runs, args.steps)
    except KeyboardInterrupt:
        done = sorted({score["figure"] for score in report})
        print(f"interrupted; figures finished: {', '.join(done) or 'none'}", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def run_regret(args: argparse.Namespace) -> int:
    """``regret``: regret of four policies on Bernoulli arms; returns the exit status."""
    out = output_dir(args.out, "--out")
    backend = backend_from(args)
    from bandits import experiments, plots

    try:
        results = experiments.run_regret(
            args.means,
            horizon=args.horizon,
            n_runs=args.runs,
            seed=args.seed,
            epsilon=args.epsilon,
            progress=not args.quiet,
            backend=backend,
        )
    except KeyboardInterrupt:
        print("interrupted; nothing written", file=sys.stderr)
        return 130
    report = experiments.regret_summary(args.means, results)
    stem = out / "regret"
    csv_path = experiments.write_csv(results, stem.with_suffix(".csv"))
    png_path = plots.plot_regret(results, report["lai_robbins_constant"], stem.with_suffix(".png"))
    print(f"wrote {csv_path} and {png_path}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    constant, horizon = report["lai_robbins_constant"], report["horizon"]
    print(f"Bernoulli arms {report['means']} ({report['runs']} runs × {horizon} steps)")
    print(
        f"Lai–Robbins constant C(μ) = {constant:.4f}; "
        f"C(μ)·ln T = {report['lai_robbins_regret']:.1f} at T = {horizon}"
    )
    for method in report["methods"]:
        regret, stderr = method["final_regret"], method["stderr"]
        print(f"  {method['label']:24s} final regret {regret:9.1f} ± {stderr:.1f}")
    return 0


def add_backend_options(parser: argparse.ArgumentParser) -> None:
    """``--backend``, ``--workers``, ``--address`` and ``--memory``."""
    group = parser.add_argument_group("where the runs are computed (same numbers on every backend)")
    group.add_argument(
        "--backend",
        default="local",
        metavar="NAME",
        help="local (this machine) or ray (a Ray cluster; pip install '.[ray]')",
    )
    group.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="processes (local, default 1) or Ray actors (default: one per CPU of the cluster)",
    )
    group.add_argument(
        "--address",
        metavar="ADDR",
        help="HOST:PORT of a Ray head node (ray start --head prints it); default: a local cluster",
    )
    group.add_argument(
        "--memory",
        type=float,
        default=2.0,
        metavar="GIB",
        help="the memory budget: work whose blocks and curves would need more is refused",
    )


def backend_from(args: argparse.Namespace) -> Any:
    """The ``bandits.backends.Backend`` the options of ``add_backend_options`` name (checked)."""
    if not 0 < args.memory < float("inf"):
        raise ValueError(f"--memory must be > 0 GiB, got {args.memory:g}")
    from bandits import backends

    budget = max(1, int(args.memory * 2**30))
    return backends.Backend(args.backend, args.workers, args.address, budget)


def _common(parser: argparse.ArgumentParser, runs: int) -> None:
    parser.add_argument("--runs", type=int, default=runs, help="independent runs")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="root random seed")
    parser.add_argument(
        "--out",
        default="runs/bandits",
        help="directory for the CSV and PNG files",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_backend_options(parser)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``testbed`` and ``regret`` sub-commands (each sets ``run=function(args) -> int``)."""
    testbed = subparsers.add_parser(
        "testbed",
        help="reproduce Sutton & Barto figures 2.2-2.6 on the 10-armed testbed",
        description="Reproduce Sutton & Barto (2nd ed.) figures 2.2-2.6 on the k-armed testbed.",
    )
    testbed.add_argument(
        "--figure",
        default="all",
        help=f"one of {', '.join(FIGURE_NAMES)} or all",
    )
    testbed.add_argument("--steps", type=int, default=1000, help="steps per run")
    testbed.add_argument("--arms", type=int, default=10, help="arms per problem")
    _common(testbed, runs=2000)
    testbed.set_defaults(run=run_testbed)

    regret = subparsers.add_parser(
        "regret",
        help="regret of ε-greedy, UCB1, Thompson and KL-UCB vs the Lai-Robbins bound",
        description="Cumulative regret on Bernoulli arms against the Lai-Robbins line C(μ)·ln t.",
    )
    regret.add_argument(
        "--means",
        type=float,
        nargs="+",
        default=_BOOK_MEANS,
        help="Bernoulli arm means in [0, 1]",
    )
    regret.add_argument("--horizon", type=int, default=10_000, help="steps per run")
    regret.add_argument("--epsilon", type=float, default=0.1, help="ε of ε-greedy")
    _common(regret, runs=500)
    regret.set_defaults(run=run_regret)
