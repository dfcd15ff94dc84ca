"""Command line: python -m nethack_agent {train,evaluate,curve,watch}.

Bad input (a usage error, a bad setting, an unknown --env, an unwritable path, a missing or
corrupt run directory) is one line "error: ..." on stderr and exit status 2, checked before any
work starts; diverging weights are one line and exit status 1; Ctrl-C (or kill) saves a
checkpoint and exits with status 130. The heavy modules (NLE, numba, matplotlib) are imported
only by the command that runs.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import math
import signal
import sys
from pathlib import Path

from gradients.cli import Parser, non_negative_int, output_dir, output_file, positive_int, run
from nethack_agent.config import TrainConfig


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def known_env(env_id: str, env_api: str = "nle") -> str:
    """``env_id`` if the game API ``env_api`` can play it, else a ValueError listing the tasks."""
    if env_api == "nle":
        from nethack_agent.game.tasks import TASKS

        tasks = sorted(TASKS)
    else:
        import gymnasium
        import nle  # noqa: F401  (registers the NetHack tasks with gymnasium)

        tasks = sorted(name for name in gymnasium.registry if name.startswith("NetHack"))
    if env_id not in tasks:
        close = difflib.get_close_matches(env_id, tasks, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ValueError(
            f"--env {env_id!r} is not a task of --env-api {env_api}: {hint}known: "
            + ", ".join(tasks)
        )
    return env_id


def _train(args: argparse.Namespace) -> int:
    from nethack_agent.train import TrainingDiverged, train

    signal.signal(signal.SIGTERM, _interrupt)  # `kill` saves a checkpoint too, like Ctrl-C
    # the settings given on the command line: a new run's, or what a resumed run changes (the
    # run's own, FIXED_ON_RESUME, cannot change: train says so in one line)
    fields = ("env_id", "seed", "policy", "hidden", *(field for _, field, _ in _TRAIN_SETTINGS))
    settings = {field: value for field in fields if (value := getattr(args, field)) is not None}
    if args.max_keys is not None:
        settings["max_episode_steps"] = args.max_keys
    elif settings.get("env_id") == "NetHackChallenge-v0" and not args.resume:
        settings["max_episode_steps"] = 1_000_000  # the Challenge's own: no cap in practice
    config = TrainConfig(env_api=args.env_api, **settings)
    if args.total_steps is None and args.minutes is None:
        raise ValueError("give a budget: --total-steps or --minutes")
    if args.minutes is not None and not args.minutes > 0:
        raise ValueError(f"--minutes must be > 0, got {args.minutes}")
    if not args.resume:
        known_env(config.env_id, config.env_api)
    _check_backend(args, config.n_workers)
    output_dir(args.run_dir, "--run-dir")  # made only once the configuration is valid
    try:
        state = train(
            config,
            args.run_dir,
            total_steps=args.total_steps,
            minutes=args.minutes,
            resume=args.resume,
            changes=settings if args.resume else None,
            progress=not args.no_progress,
            backend=args.backend,
            address=args.address,
        )
    except TrainingDiverged as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"{state.step} steps, {state.episodes} games, {state.elapsed / 60:.1f} min of training; "
        f"checkpoint, metrics.csv and learning_curve.png in {args.run_dir}"
    )
    return 0


def _check_env_and_plot(args: argparse.Namespace) -> Path | None:
    """One-line errors for --env and --plot before any game is played; the figure's path."""
    if args.env is not None:
        known_env(args.env)
    return None if args.plot is None else output_file(args.plot, "--plot", ".png")


def _evaluate(args: argparse.Namespace) -> int:
    from nethack_agent.evaluate import evaluate

    _check_backend(args, args.workers)
    if args.ttyrec is not None:
        output_dir(args.ttyrec, "--ttyrec")
    plot = _check_env_and_plot(args)
    result, games = evaluate(
        args.run_dir,
        episodes=args.episodes,
        seed=args.seed,
        policy=args.policy,
        ttyrec_dir=args.ttyrec,
        n_workers=args.workers,
        env_id=args.env,
        unseeded=args.unseeded,
        env_api=args.env_api,
        backend=args.backend,
        address=args.address,
        max_keys=args.max_keys,
        progress=True,
    )
    if plot is not None:
        from nethack_agent.plots import plot_scores_by_role  # matplotlib only when asked

        plot_scores_by_role(
            {f"agent ({args.policy})": games["agent"], "random": games["random"]},
            plot,
            title=f"{result['env']}: in-game score by role, {result['episodes']} games",
        )
    if args.json:
        print(json.dumps(result))
        return 0
    games_of = "unseeded games" if args.unseeded else "games seeded"
    last = args.seed + args.episodes - 1
    print(
        f"{result['env']}: {result['episodes']} {games_of} {args.seed}..{last}; "
        f"the agent's policy is {result['policy_kind']}"
    )
    print(
        f"{'':<16}{'return: mean':>13} {'median':>7}  {'95% CI':<18}"
        f"{'score: mean':>12} {'median':>7}  {'95% CI':<18}median's 95% CI"
    )
    for name in ("agent", "random"):
        r = result[name]
        label = f"{name} ({args.policy})" if name == "agent" else "random"
        returns = f"[{r['return_ci_low']:.1f}, {r['return_ci_high']:.1f}]"
        scores = f"[{r['ci_low']:.1f}, {r['ci_high']:.1f}]"
        median = (
            "(too few games)"
            if r["median_ci_low"] is None
            else f"[{r['median_ci_low']:.1f}, {r['median_ci_high']:.1f}]"
        )
        print(
            f"{label:<16}{r['mean_return']:>13.1f} {r['median_return']:>7.1f}  {returns:<18}"
            f"{r['mean_score']:>12.1f} {r['median_score']:>7.1f}  {scores:<18}{median}"
        )
    print("(95% CI: Student-t interval of the mean; the median's: order statistics, any law)")
    ratio = result["agent"]["mean_score"] / max(result["random"]["mean_score"], 1e-9)
    apart = result["agent"]["ci_low"] > result["random"]["ci_high"]
    print(f"mean score ratio agent/random: {ratio:.1f}x; 95% CIs {'apart' if apart else 'overlap'}")
    print(f"\n{'role':<14}{'games':>6}{'median score':>14}{'mean score':>12}{'mean depth':>12}")
    for role, r in result["roles"].items():
        print(
            f"{role:<14}{r['games']:>6}{r['median_score']:>14.1f}{r['mean_score']:>12.1f}"
            f"{r['mean_depth']:>12.2f}"
        )
    for name in ("agent", "random"):
        ends = ", ".join(f"{end} {n}" for end, n in result[f"{name}_ends"].items())
        print(f"{name} games ended by: {ends}")
    print(f"\nwhat ended the agent's games{'':<22}games")
    for row in result["deaths"][:15]:
        print(f"  {row['cause']:<48}{row['games']:>5}")
    if len(result["deaths"]) > 15:
        rest = sum(row["games"] for row in result["deaths"][15:])
        others = f"{len(result['deaths']) - 15} other causes"
        print(f"  {others:<48}{rest:>5}")
    if result["helpless"]:
        print(f"of the deaths, while the agent could not act{'':<6}games")
        for row in result["helpless"]:
            print(f"  while {row['while']:<42}{row['games']:>5}")
    if plot is not None:
        print(f"score by role: {plot}")
    return 0


def _curve(args: argparse.Namespace) -> int:
    from nethack_agent.curve import evaluation_curve

    plot = _check_env_and_plot(args)
    points = evaluation_curve(
        args.run_dir,
        episodes=args.episodes,
        seed=args.seed,
        policy=args.policy,
        n_workers=args.workers,
        env_id=args.env,
        max_keys=args.max_keys,
    )
    if plot is not None:
        from nethack_agent.plots import plot_evaluation_curve  # matplotlib only when asked

        last = args.seed + args.episodes - 1
        plot_evaluation_curve(
            points, plot, title=f"{args.run_dir}: games seeded {args.seed}..{last}"
        )
    if args.json:
        print(json.dumps(points))
        return 0
    print(f"{'minutes':>8} {'steps':>11} {'median':>8}  {'95% CI':<16}{'mean':>8}  snapshot")
    for p in points:
        interval = (
            f"[{p['median_ci_low']:.0f}, {p['median_ci_high']:.0f}]"
            if p["median_ci_low"] is not None
            else "-"
        )
        print(
            f"{p['minutes']:>8.1f} {p['step']:>11,} {p['median_score']:>8.1f}  {interval:<16}"
            f"{p['mean_score']:>8.1f}  {p['snapshot']}"
        )
    if plot is not None:
        print(f"curve: {plot}")
    return 0


def _finite_or_none(value: object) -> object:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _gradient_noise(args: argparse.Namespace) -> int:
    from nethack_agent.curve import gradient_noise_curve

    points = gradient_noise_curve(
        args.run_dir, rollouts=args.rollouts, block=args.block, warmup=args.warmup, seed=args.seed
    )
    if args.json:  # strict JSON: an infinite noise scale (no signal) is null
        finite = [{k: _finite_or_none(v) for k, v in p.items()} for p in points]
        print(json.dumps(finite, allow_nan=False))
        return 0
    print(
        f"{'minutes':>8} {'steps':>11} {'|G|^2':>10} {'tr Sigma':>10} {'noise scale':>12}"
        f" {'(steps)':>12} {'cosine':>7} {'ratio':>7} {'p':>7}"
    )
    for p in points:
        print(
            f"{p['minutes']:>8.1f} {p['step']:>11,} {p['signal']:>10.2e} {p['noise']:>10.2e}"
            f" {p['noise_scale']:>12,.0f} {p['noise_scale_steps']:>12,.0f} {p['cosine']:>7.2f}"
            f" {p['ratio']:>7.2f} {p['p_value']:>7.4f}"
        )
    print(
        "noise scale: rollouts whose mean gradient has as much signal as noise (inf: no signal "
        "above the noise); cosine: the two halves' mean gradients; ratio ~1 and a large p: no "
        "gradient left to follow"
    )
    return 0


def _watch(args: argparse.Namespace) -> int:
    from nethack_agent.watch import watch

    if args.env is not None:
        known_env(args.env)

    watch(
        args.run_dir,
        seed=args.seed,
        policy=args.policy,
        delay=args.delay,
        max_steps=args.max_steps,
        env_id=args.env,
        env_api=args.env_api,
    )
    return 0


_TRAIN_SETTINGS = (
    ("--workers", "n_workers", "worker processes"),
    ("--envs-per-worker", "envs_per_worker", "games per worker"),
    ("--rollout-length", "rollout_length", "steps per update"),
    ("--lr", "learning_rate", "Adam step size"),
    ("--final-lr-fraction", "final_lr_fraction", "step size decays linearly to this fraction"),
    ("--entropy-coef", "entropy_coef", "entropy bonus"),
    ("--gamma", "gamma", "discount of the returns, in [0, 1]"),
    ("--epochs", "epochs", "optimiser steps per rollout (1: A2C; more: PPO's clipped objective)"),
    ("--clip", "clip", "PPO's clip range ε, > 0 (with --epochs above 1)"),
    ("--checkpoint-minutes", "checkpoint_minutes", "minutes between checkpoints"),
    (
        "--snapshot-minutes",
        "snapshot_minutes",
        "keep a copy of the run every this many minutes in RUN_DIR/snapshots (0: none), for "
        "`curve`",
    ),
    (
        "--death-penalty",
        "death_penalty",
        "reward shaping: score points lost on dying (and in the Challenge's no-progress timeout)",
    ),
)
"""(flag, TrainConfig field, help) of the settings ``train`` exposes."""


def _add_env_api(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-api",
        choices=("nle", "gym"),
        default="nle",
        help="play NetHack through NLE's low-level game (nle, fast) or its gymnasium class "
        "(gym, the reference); both play the same games (default %(default)s)",
    )


def _add_backend(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="where the games run: --workers processes here, or --workers Ray actors (the "
        "same numbers with the same workers; pip install '.[ray]')",
    )
    parser.add_argument(
        "--address",
        metavar="ADDR",
        help="HOST:PORT of a Ray head node (ray start --head prints it); default: a local cluster",
    )


def _check_backend(args: argparse.Namespace, workers: int) -> None:
    """One-line errors for the backend options, and Ray joined, before any work starts."""
    if args.backend == "local":
        if args.address is not None:
            raise ValueError("--address needs --backend ray")
        return
    if workers < 1:
        raise ValueError(f"--workers must be >= 1 with --backend ray, got {workers}")
    from gradients.cluster import connect_ray

    connect_ray(args.address)


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command."""
    defaults = TrainConfig()
    parser = Parser(prog="python -m nethack_agent", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("train", help="train a policy (progress bar, metrics.csv, checkpoints)")
    p.add_argument(
        "--run-dir", required=True, help="where metrics.csv, checkpoint.npz and the plot go"
    )
    # what makes a run what it is: a resumed run keeps it (given with --resume: an error)
    p.add_argument(
        "--env", dest="env_id", metavar="ENV", help=f"NLE task (default: {defaults.env_id})"
    )
    p.add_argument("--seed", type=non_negative_int, help=f"run seed (default: {defaults.seed})")
    p.add_argument(
        "--policy",
        choices=("linear", "mlp"),
        help="linear in the features, or mlp: a hidden ReLU layer over them (default: "
        f"{defaults.policy})",
    )
    p.add_argument(
        "--hidden", type=positive_int, help=f"the MLP's hidden units (default: {defaults.hidden})"
    )
    budget = p.add_argument_group("budget (at least one)")
    budget.add_argument("--minutes", type=float, help="train this many minutes (this session)")
    budget.add_argument(
        "--total-steps", type=positive_int, help="train until this many agent steps in all"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue from RUN_DIR/checkpoint.npz with its settings, but for those given here "
        "from --workers to --max-keys (its --env, --seed, --policy and --hidden stay)",
    )
    for flag, field, help_text in _TRAIN_SETTINGS:
        default = getattr(defaults, field)
        p.add_argument(
            flag,
            dest=field,
            type=type(default),
            help=f"{help_text} (default: {default}; with --resume: the run's)",
        )
    p.add_argument(
        "--max-keys",
        type=positive_int,
        help="key cap per training game (default: the Challenge's 10^6, else 5000); a game cut "
        "there is truncated, not ended: its value is bootstrapped",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_env_api(p)
    _add_backend(p)
    p.set_defaults(run=_train)

    p = commands.add_parser(
        "evaluate", help="trained policy vs uniformly random on the same seeded games"
    )
    p.add_argument("run_dir", help="a training run directory")
    p.add_argument("--episodes", type=int, default=200, help="games per policy, at least 2")
    p.add_argument("--seed", type=non_negative_int, default=10000, help="seed of the first game")
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
    p.add_argument(
        "--max-keys",
        type=positive_int,
        help="key cap per game (default: the Challenge's 10^6, else the run's)",
    )
    p.add_argument("--workers", type=non_negative_int, default=2, help="worker processes (0: none)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    _add_env_api(p)
    _add_backend(p)
    p.set_defaults(run=_evaluate)

    p = commands.add_parser(
        "curve", help="the learning curve on fixed games: every snapshot of a run plays them"
    )
    p.add_argument("run_dir", help="a run trained with --snapshot-minutes")
    p.add_argument("--episodes", type=int, default=100, help="games per snapshot, at least 2")
    p.add_argument("--seed", type=non_negative_int, default=10000, help="seed of the first game")
    p.add_argument(
        "--policy", choices=("sampled", "greedy"), default="sampled", help="how the agent acts"
    )
    p.add_argument("--env", help="NLE task to play (default: the one the run was trained on)")
    p.add_argument(
        "--max-keys",
        type=positive_int,
        help="key cap per game (default: the Challenge's 10^6, else the run's)",
    )
    p.add_argument("--plot", metavar="PNG", help="write the curve here")
    p.add_argument("--workers", type=non_negative_int, default=2, help="worker processes (0: none)")
    p.add_argument("--json", action="store_true", help="print the points as one JSON list")
    p.set_defaults(run=_curve)

    p = commands.add_parser(
        "gradient-noise",
        help="at every snapshot of a run, the policy gradient's signal against its noise: is a "
        "direction left to climb?",
    )
    p.add_argument(
        "run_dir", help="a training run directory (without snapshots: its start and its end)"
    )
    p.add_argument(
        "--rollouts", type=positive_int, default=1000, help="rollouts measured per snapshot"
    )
    p.add_argument(
        "--block", type=positive_int, default=25, help="consecutive rollouts averaged per block"
    )
    p.add_argument(
        "--warmup", type=non_negative_int, default=20, help="rollouts played first, not measured"
    )
    p.add_argument("--seed", type=non_negative_int, default=10000, help="the games' seed")
    p.add_argument("--json", action="store_true", help="print the points as one JSON list")
    p.set_defaults(run=_gradient_noise)

    p = commands.add_parser("watch", help="watch the policy play one game in the terminal")
    p.add_argument("run_dir", help="a training run directory")
    p.add_argument("--seed", type=non_negative_int, default=7, help="the game's seed")
    p.add_argument(
        "--policy", choices=("sampled", "greedy"), default="sampled", help="how the agent acts"
    )
    p.add_argument("--delay", type=float, default=0.1, help="seconds between frames")
    p.add_argument("--max-steps", type=positive_int, help="stop after this many steps")
    p.add_argument("--env", help="NLE task to play (default: the one the run was trained on)")
    _add_env_api(p)
    p.set_defaults(run=_watch)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; returns the process exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return run(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
