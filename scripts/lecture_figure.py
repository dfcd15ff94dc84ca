"""Regenerate the lecture table, its figure and the simulation speed docs/probabilities.md quotes.

Prints ``python -m bandits lecture`` exactly as docs/probabilities.md shows it, writes the Thompson
posterior figure, then times the simulation route (the policy's own ``select``, vectorised)
at 10⁷ draws for each policy of the lecture table, best of ``--repeats``.

    python scripts/lecture_figure.py                     # table, figure, speed (~30 s)
    python scripts/lecture_figure.py --out runs/bandits  # where the PNG goes
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bandits.__main__ import main as bandits_main
from bandits.cli_probability import LECTURE_HISTORY
from bandits.probability import build_policy, simulate

SPEED_POLICIES = (
    ("greedy", {}),
    ("epsilon-greedy", {"epsilon": "0.1"}),
    ("ucb", {"c": "2"}),
    ("thompson", {"prior": (1, 1)}),
    ("gradient", {"alpha": "0.1"}),
)


def simulation_speed(draws: int, repeats: int, seed: int) -> None:
    print(f"\n| policy | seconds per {draws:.0e} draws (best of {repeats}) | draws per second |")
    print("|---|---|---|")
    for name, params in SPEED_POLICIES:
        policy = build_policy(name, LECTURE_HISTORY, 2, **params)
        best = np.inf
        for repeat in range(repeats):
            start = time.perf_counter()
            simulate(policy, draws, np.random.default_rng([seed, repeat]))
            best = min(best, time.perf_counter() - start)
        print(f"| {name} | {best:.2f} | {draws / best / 1e6:.1f} million |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/bandits", help="directory for the PNG")
    parser.add_argument("--samples", default="1000000", help="draws in the lecture table")
    parser.add_argument("--seed", default="0", help="seed of the lecture table")
    parser.add_argument("--draws", type=int, default=10**7, help="draws per timed call")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per policy")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    figure = out / "lecture_thompson.png"
    print("```")
    lecture = ["lecture", "--samples", args.samples, "--seed", args.seed, "--plot", str(figure)]
    status = bandits_main(lecture)
    print("```")
    if status:
        raise SystemExit(status)
    simulation_speed(args.draws, args.repeats, int(args.seed))


if __name__ == "__main__":
    main()
