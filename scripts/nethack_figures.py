"""Regenerate the NetHack figures of docs/nethack.md from a trained run.

    python scripts/nethack_figures.py runs/score [--episodes 200] [--seed 10000] [--greedy]
                                                 [--out DIR]

Plays the run's policy (sampled, and greedy with ``--greedy``) and the uniformly random policy on
the same seeded games (``seed`` … ``seed + episodes − 1``) through ``nethack_agent.evaluate``
(the loop of ``python -m nethack_agent evaluate``), then writes into ``--out`` (default
``RUN/figures``): ``evaluation.json`` (every figure) and ``scores.png`` (the distribution of
in-game scores of each policy), prints the page's table in Markdown, with the run's training
time and speed, and the paths it wrote. Copy ``scores.png`` to ``docs/figures/nethack_scores.png``
to update the page.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from nethack_agent.checkpoint import load_checkpoint  # noqa: E402
from nethack_agent.evaluate import evaluate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=10000)
    parser.add_argument("--greedy", action="store_true", help="also evaluate the greedy policy")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="where the files go (default RUN/figures)")
    args = parser.parse_args()

    state = load_checkpoint(args.run_dir)
    seeds = list(range(args.seed, args.seed + args.episodes))
    results, scores = {}, {}
    for kind in ("sampled", "greedy") if args.greedy else ("sampled",):
        result, games = evaluate(
            args.run_dir,
            episodes=args.episodes,
            seed=args.seed,
            policy=kind,
            n_workers=args.workers,
        )
        # the random policy plays the same seeded games each time: keep its first evaluation
        for name, label in (("agent", f"agent ({kind})"), ("random", "random")):
            if label in results:
                continue
            scores[label] = np.array([g.score for g in games[name]])
            results[label] = result[name] | {
                "mean_depth": float(np.mean([g.depth for g in games[name]])),
                "mean_length": float(np.mean([g.length for g in games[name]])),
            }
    results = {label: results[label] for label in sorted(results, key=lambda k: k == "random")}
    scores = {label: scores[label] for label in results}

    out = args.out if args.out is not None else args.run_dir / "figures"
    out.mkdir(parents=True, exist_ok=True)
    summary = {
        "run": str(args.run_dir),
        "env": state.config.env_id,
        "training_steps": state.step,
        "training_minutes": state.elapsed / 60,
        "training_steps_per_second": state.step / state.elapsed,
        "episodes": args.episodes,
        "seed": args.seed,
        "policies": results,
    }
    (out / "evaluation.json").write_text(json.dumps(summary, indent=2))

    figure, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    bins = np.linspace(0, max(np.percentile(s, 98) for s in scores.values()) + 1, 40)
    for name, values in scores.items():
        ax.hist(
            np.clip(values, 0, bins[-1]),
            bins=bins,
            alpha=0.5,
            label=f"{name}: mean {values.mean():.0f}",
        )
    ax.set_xlabel("in-game score at the end of the game")
    ax.set_ylabel(f"games (of {args.episodes}, seeds {args.seed}..{seeds[-1]})")
    ax.legend()
    figure.savefig(out / "scores.png", dpi=110)

    print(
        f"{state.config.env_id}: {state.step:,} training steps in {state.elapsed / 60:.1f} min "
        f"({state.step / state.elapsed:,.0f} steps/s); {args.episodes} games seeded "
        f"{args.seed}..{seeds[-1]}\n"
    )
    print(
        "| policy | mean score | median score | 95% CI of mean score | mean return | mean depth |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['mean_score']:.1f} | {r['median_score']:.0f} | "
            f"[{r['ci_low']:.1f}, {r['ci_high']:.1f}] | {r['mean_return']:.1f} | "
            f"{r['mean_depth']:.2f} |"
        )
    ratio = results["agent (sampled)"]["mean_score"] / results["random"]["mean_score"]
    print(f"\nmean score ratio agent (sampled) / random: {ratio:.1f}x")
    print(f"wrote {out / 'evaluation.json'} and {out / 'scores.png'}")


if __name__ == "__main__":
    main()
