"""Command line: ``python -m nethack_agent {train,evaluate,watch}``.

A ``ValueError`` or ``TypeError`` from bad input, a missing or corrupt run directory, or
diverging weights become one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys

import numpy as np

from nethack_agent.checkpoint import CheckpointError
from nethack_agent.config import TrainConfig
from nethack_agent.evaluate import evaluate, mean_interval
from nethack_agent.train import TrainingDiverged, train
from nethack_agent.watch import watch


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _train(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` saves a checkpoint too, like Ctrl-C
    settings = {field: getattr(args, field) for _, field, _ in _TRAIN_SETTINGS}
    config = TrainConfig(env_id=args.env, seed=args.seed, **settings)
    state = train(
        config,
        args.run_dir,
        total_steps=args.total_steps,
        minutes=args.minutes,
        resume=args.resume,
        progress=not args.no_progress,
    )
    print(
        f"{state.step} steps, {state.episodes} games, {state.elapsed / 60:.1f} min of training; "
        f"checkpoint, metrics.csv and learning_curve.png in {args.run_dir}"
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    result, games = evaluate(
        args.run_dir,
        episodes=args.episodes,
        seed=args.seed,
        policy=args.policy,
        ttyrec_dir=args.ttyrec,
        n_workers=args.workers,
        env_id=args.env,
        unseeded=args.unseeded,
    )
    if args.plot:
        from nethack_agent.plots import plot_scores_by_role  # matplotlib only when asked

        plot_scores_by_role(
            {f"agent ({args.policy})": games["agent"], "random": games["random"]},
            args.plot,
            title=f"{result['env']}: in-game score by role, {result['episodes']} games",
        )
    if args.json:
        print(json.dumps(result))
        return 0
    games_of = "unseeded games" if args.unseeded else "games seeded"
    last = args.seed + args.episodes - 1
    print(f"{result['env']}: {result['episodes']} {games_of} {args.seed}..{last}")
    print(
        f"{'':<16}{'return: mean':>13} {'median':>7}  {'95% CI':<18}"
        f"{'score: mean':>12} {'median':>7}  95% CI"
    )
    for name in ("agent", "random"):
        r = result[name]
        returns = np.array([g.ret for g in games[name]])
        _, low, high = mean_interval(returns)
        label = f"{name} ({args.policy})" if name == "agent" else "random"
        print(
            f"{label:<16}{r['mean_return']:>13.1f} {np.median(returns):>7.1f}  "
            f"{f'[{low:.1f}, {high:.1f}]':<18}{r['mean_score']:>12.1f} {r['median_score']:>7.0f}  "
            f"[{r['ci_low']:.1f}, {r['ci_high']:.1f}]"
        )
    ratio = result["agent"]["mean_score"] / max(result["random"]["mean_score"], 1e-9)
    apart = result["agent"]["ci_low"] > result["random"]["ci_high"]
    print(f"mean score ratio agent/random: {ratio:.1f}x; 95% CIs {'apart' if apart else 'overlap'}")
    print(f"\n{'role':<14}{'games':>6}{'median score':>14}{'mean score':>12}{'mean depth':>12}")
    for role, r in result["roles"].items():
        print(
            f"{role:<14}{r['games']:>6}{r['median_score']:>14.1f}{r['mean_score']:>12.1f}"
            f"{r['mean_depth']:>12.2f}"
        )
    print(f"\nwhat ended the agent's games{'':<22}games")
    for row in result["deaths"][:15]:
        print(f"  {row['cause']:<48}{row['games']:>5}")
    if len(result["deaths"]) > 15:
        rest = sum(row["games"] for row in result["deaths"][15:])
        others = f"{len(result['deaths']) - 15} other causes"
        print(f"  {others:<48}{rest:>5}")
    if args.plot:
        print(f"score by role: {args.plot}")
    return 0


def _watch(args: argparse.Namespace) -> int:
    watch(
        args.run_dir,
        seed=args.seed,
        policy=args.policy,
        delay=args.delay,
        max_steps=args.max_steps,
        env_id=args.env,
    )
    return 0


_TRAIN_SETTINGS = (
    ("--workers", "n_workers", "worker processes"),
    ("--envs-per-worker", "envs_per_worker", "games per worker"),
    ("--rollout-length", "rollout_length", "steps per update"),
    ("--lr", "learning_rate", "Adam step size"),
    ("--final-lr-fraction", "final_lr_fraction", "step size decays linearly to this fraction"),
    ("--entropy-coef", "entropy_coef", "entropy bonus"),
    ("--checkpoint-minutes", "checkpoint_minutes", "minutes between checkpoints"),
)
"""(flag, TrainConfig field, help) of the settings ``train`` exposes."""


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(
        prog="python -m nethack_agent", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("train", help="train a policy (progress bar, metrics.csv, checkpoints)")
    p.add_argument(
        "--run-dir", required=True, help="where metrics.csv, checkpoint.npz and the plot go"
    )
    p.add_argument("--env", default=defaults.env_id, help="NLE task (default %(default)s)")
    p.add_argument("--seed", type=int, default=defaults.seed, help="run seed (default %(default)s)")
    budget = p.add_argument_group("budget (at least one)")
    budget.add_argument("--minutes", type=float, help="train this many minutes (this session)")
    budget.add_argument("--total-steps", type=int, help="train until this many agent steps in all")
    p.add_argument(
        "--resume", action="store_true", help="continue from RUN_DIR/checkpoint.npz (its config)"
    )
    for flag, field, help_text in _TRAIN_SETTINGS:
        default = getattr(defaults, field)
        p.add_argument(
            flag,
            dest=field,
            type=type(default),
            default=default,
            help=f"{help_text} (default %(default)s)",
        )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=_train)

    p = commands.add_parser(
        "evaluate", help="trained policy vs uniformly random on the same seeded games"
    )
    p.add_argument("run_dir", help="a training run directory")
    p.add_argument(
        "--episodes", type=int, default=200, help="games per policy (default %(default)s)"
    )
    p.add_argument(
        "--seed", type=int, default=10000, help="seed of the first game (default %(default)s)"
    )
    p.add_argument(
        "--policy", choices=("sampled", "greedy"), default="sampled", help="how the agent acts"
    )
    p.add_argument("--ttyrec", metavar="DIR", help="record every game with nle's ttyrec into DIR")
    p.add_argument("--env", help="NLE task to play (default: the one the run was trained on)")
    p.add_argument(
        "--unseeded",
        action="store_true",
        help="play NLE's own NetHackChallenge class, which cannot be seeded (with --env "
        "NetHackChallenge-v0)",
    )
    p.add_argument("--plot", metavar="PNG", help="write a box plot of the score by role here")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default %(default)s)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(run=_evaluate)

    p = commands.add_parser("watch", help="watch the policy play one game in the terminal")
    p.add_argument("run_dir", help="a training run directory")
    p.add_argument("--seed", type=int, default=7, help="the game's seed (default %(default)s)")
    p.add_argument(
        "--policy", choices=("sampled", "greedy"), default="sampled", help="how the agent acts"
    )
    p.add_argument(
        "--delay", type=float, default=0.1, help="seconds between frames (default %(default)s)"
    )
    p.add_argument("--max-steps", type=int, help="stop after this many steps")
    p.add_argument("--env", help="NLE task to play (default: the one the run was trained on)")
    p.set_defaults(run=_watch)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; returns the process exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except (CheckpointError, TrainingDiverged) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
