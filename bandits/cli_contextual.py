"""Sub-command ``contextual {run,ope}``: contextual policies on an environment, and OPE.

``python -m bandits contextual run`` plays ε-greedy on ridge arms, LinUCB, linear Thompson
sampling and the softmax policy on the synthetic linear bandit (or the digits) and plots the
cumulative regret and reward; ``python -m bandits contextual ope`` logs with one policy,
evaluates another with IPS, SNIPS and doubly robust, with exact and with Monte Carlo
propensities, against the target's true value. The numerical modules are imported when a
command runs, not by ``--help``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gradients.cli import non_negative_int, output_dir, positive_int, progress_bar

__all__ = ["register"]

POLICY_NAMES = ("epsilon-greedy", "linucb", "lints", "softmax")
ENVIRONMENTS = ("linear", "digits")
# The target's on-policy run that gives the true value: 1,000 runs x 1,000 rounds, so its
# standard error is about 1e-3 of the reward spread, negligible next to the estimators' errors.
_TRUE_VALUE_RUNS = 1000
_TRUE_VALUE_ROUNDS = 1000


def _environment(args: argparse.Namespace, n_runs: int, *, shared: bool) -> Any:
    """The environment of ``--environment``, its problem drawn from ``--seed`` alone."""
    import numpy as np

    from bandits.contextual_env import LinearBandit, digits_bandit

    if args.environment == "digits":
        return digits_bandit(n_runs=n_runs)
    rng = np.random.default_rng([args.seed, 0])
    return LinearBandit(args.arms, args.features, rng, n_runs=n_runs, shared=shared)


def _policy(name: str, env: Any, n_runs: int) -> Any:
    from bandits.contextual import POLICIES

    return POLICIES[name](env.n_arms, env.n_features, n_runs=n_runs)


def run_play(args: argparse.Namespace) -> int:
    """``contextual run``: play the policies, plot, print; returns the exit status."""
    out = output_dir(args.out, "--out")
    import numpy as np

    from bandits.contextual_env import play

    env = _environment(args, args.runs, shared=False)
    report: dict[str, Any] = {
        "environment": args.environment,
        "rounds": args.rounds,
        "runs": args.runs,
        "methods": [],
    }
    curves = {}
    total = args.rounds * len(args.policies)
    with progress_bar(total, unit="round", disable=args.quiet, leave=False) as bar:
        for name in args.policies:
            policy = _policy(name, env, args.runs)
            # every policy meets the same contexts' distribution and its own stream of draws
            result = play(
                policy, env, args.rounds, np.random.default_rng([args.seed, 1]), bar.update
            )
            curves[name] = result
            report["methods"].append(
                {
                    "policy": name,
                    "params": policy.params,
                    "final_regret": float(result.regret[-1]),
                    "stderr": float(result.regret_stderr[-1]),
                }
            )
    from bandits.plots import plot_contextual

    title = f"Contextual bandit ({args.environment}): cumulative regret and reward"
    path = plot_contextual(curves, title, out / f"contextual_{args.environment}.png")
    print(f"wrote {path}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"{args.environment} bandit: {args.runs} runs x {args.rounds} rounds")
    for method in report["methods"]:
        params = ", ".join(f"{key}={value}" for key, value in method["params"].items())
        print(
            f"  {method['policy']:15s} final regret {method['final_regret']:10.1f}"
            f" ± {method['stderr']:.1f}   ({params})"
        )
    return 0


def run_ope(args: argparse.Namespace) -> int:
    """``contextual ope``: log, evaluate, compare with the true value; returns the status."""
    if args.rounds < 2:
        raise ValueError(f"--rounds must be >= 2 for the estimators' intervals, got {args.rounds}")
    if args.repetitions < 2:
        raise ValueError(f"--repetitions must be >= 2, got {args.repetitions}")
    import numpy as np

    from bandits import ope
    from bandits.contextual_env import play

    n = args.repetitions
    seeds = np.random.SeedSequence(args.seed).spawn(3)
    train_rng, value_rng, log_rng = (np.random.default_rng(seed) for seed in seeds)
    env = _environment(args, n, shared=True)
    total = 3 * args.rounds + _TRUE_VALUE_ROUNDS
    with progress_bar(total, unit="round", disable=args.quiet, leave=False) as bar:
        # the target: trained on-policy on its own stream for --rounds rounds, then frozen
        single = _environment(args, 1, shared=True)
        target = _policy(args.target, single, 1)
        play(target, single, args.rounds, train_rng, bar.update)
        bar.set_description("true value")
        true_value, _ = ope.on_policy_value(
            target.replicate(_TRUE_VALUE_RUNS, frozen=True),
            _environment(args, _TRUE_VALUE_RUNS, shared=True),
            _TRUE_VALUE_ROUNDS,
            value_rng,
        )
        bar.update(_TRUE_VALUE_ROUNDS)
        target = target.replicate(n, frozen=True)
        bar.set_description("logging")
        log = ope.collect(
            _policy(args.logging, env, n),
            env,
            args.rounds,
            log_rng,
            draws=args.draws,
            progress=bar.update,
        )
        bar.set_description("target probabilities")
        pi = ope.target_probabilities(target, log.contexts, progress=bar.update)
    summaries = ope.summarise(log, pi, true_value, clipped=args.clipped)
    report = {
        "logging_policy": args.logging,
        "target_policy": args.target,
        "true_value": true_value,
        "estimates": [
            {
                "estimator": row.estimator,
                "propensities": row.propensities,
                "draws": row.draws,
                "mean": row.mean,
                "mse": row.mse,
                "ci_coverage": row.ci_coverage,
            }
            for row in summaries
        ],
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"{args.environment} bandit: {args.logging} logs {args.rounds} rounds, "
        f"{args.target} is evaluated; {n} seeded repetitions"
    )
    decisions = _TRUE_VALUE_RUNS * _TRUE_VALUE_ROUNDS
    print(f"true value (on-policy, {decisions:,} decisions): {true_value:.4f}")
    if args.draws:
        print(
            f"Monte Carlo propensities: {args.draws} draws per round; {log.floored} of "
            f"{log.actions.size} logged actions were never re-drawn (set to 1/{args.draws})"
        )
    print(
        f"  {'estimator':9s} {'propensities':18s} {'mean':>8s} {'mean 95% interval':>20s} "
        f"{'MSE':>10s} {'coverage':>9s}"
    )
    for row in summaries:
        source = row.propensities.replace("exact-clipped", "clipped") + (
            f" N={row.draws}" if row.draws else ""
        )
        interval = f"[{row.ci_low:.4f}, {row.ci_high:.4f}]"
        print(
            f"  {row.estimator:9s} {source:18s} {row.mean:8.4f} {interval:>20s} "
            f"{row.mse:10.3g} {100 * row.ci_coverage:8.0f}%"
        )
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--environment", choices=ENVIRONMENTS, default="linear", help="the bandit")
    parser.add_argument("--arms", type=positive_int, default=10, help="arms K (linear)")
    parser.add_argument(
        "--features", type=positive_int, default=10, help="context width d (linear)"
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="root random seed")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``contextual`` sub-command with ``run`` and ``ope``."""
    contextual = subparsers.add_parser(
        "contextual",
        help="contextual bandits: LinUCB, linear Thompson, softmax; off-policy evaluation",
        description=__doc__.splitlines()[0],
    )
    commands = contextual.add_subparsers(dest="contextual_command", required=True)
    play = commands.add_parser(
        "run",
        help="play contextual policies and plot cumulative regret",
        description="Play contextual policies on one environment; plot regret and reward.",
    )
    play.add_argument(
        "--policies", nargs="+", choices=POLICY_NAMES, default=list(POLICY_NAMES), help="policies"
    )
    play.add_argument("--rounds", type=positive_int, default=10_000, help="rounds per run")
    play.add_argument("--runs", type=positive_int, default=100, help="independent runs")
    play.add_argument("--out", default="runs/bandits", help="directory for the PNG")
    _common(play)
    play.set_defaults(run=run_play)

    evaluate = commands.add_parser(
        "ope",
        help="off-policy evaluation with exact and Monte Carlo propensities",
        description="Log with one policy, evaluate another: IPS, SNIPS, DR vs the true value.",
    )
    evaluate.add_argument("--logging", choices=POLICY_NAMES, default="lints", help="logging policy")
    evaluate.add_argument("--target", choices=POLICY_NAMES, default="softmax", help="target policy")
    evaluate.add_argument("--rounds", type=positive_int, default=1000, help="logged rounds")
    evaluate.add_argument(
        "--repetitions", type=positive_int, default=100, help="seeded repetitions (logs)"
    )
    evaluate.add_argument(
        "--draws", type=non_negative_int, default=100, help="Monte Carlo draws per round (0: none)"
    )
    evaluate.add_argument(
        "--clipped",
        action="store_true",
        help="also exact propensities raised to at least 1/N, the Monte Carlo floor",
    )
    _common(evaluate)
    evaluate.set_defaults(run=run_ope)
