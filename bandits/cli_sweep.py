"""Sub-command ``sweep``: a parameter study of one or more policies over a grid of parameters.

``python -m bandits sweep --policy epsilon-greedy ucb --epsilon 1/128..1/4 ×2 --c 1/16..4 ×2``
runs every policy with every value of the parameters it takes, writes ``sweep.csv`` (one row
per setting, rewritten as each one finishes, so Ctrl-C keeps the finished rows) and
``sweep.png`` (average reward against the parameter, one line per policy), and prints a table
or (``--json``) the list of ``testbed --json`` objects.

A grid is a list of values and ranges: ``0.1``, ``1/8``, ``0.1,0.2``, ``START..STOP ×F``
(START·Fᵏ up to STOP, F > 1; also ``xF`` or ``*F``) or ``START..STOP +S`` (START + k·S up to
STOP); a ``POLICY:`` prefix scopes the grid to one policy (``--alpha gradient:1/32..2×2``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from fractions import Fraction

from bandits.cli_experiments import add_backend_options, backend_from
from gradients.cli import non_negative_int, output_dir

__all__ = ["parse_grid", "register"]

PARAMETERS = ("epsilon", "c", "alpha", "initial_value")
"""The parameters a sweep can vary (``bandits.sweep.PARAMETERS``, without importing numba)."""

_MAX_VALUES = 10_000
_RANGE = re.compile(r"^(?P<start>[^.][^ ]*?)\.\.(?P<stop>[^×x*+]+)(?P<op>[×x*+])(?P<by>.+)$")


def _number(option: str, text: str) -> Fraction:
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(
            f"{option}: cannot read {text!r} as a number (e.g. 0.1, 1/8, 1e-3)"
        ) from None


def _expand(option: str, item: str) -> list[Fraction]:
    """The values of one grid item: a number or a range."""
    if ".." not in item:
        return [_number(option, item)]
    match = _RANGE.match(item)
    if match is None:
        raise ValueError(
            f"{option}: cannot read {item!r} as a range: START..STOP ×FACTOR or START..STOP +STEP"
        )
    start, stop, by = (_number(option, match[name]) for name in ("start", "stop", "by"))
    geometric = match["op"] != "+"
    if geometric and (by <= 1 or start <= 0):
        raise ValueError(f"{option}: {item!r} needs START > 0 and a factor > 1")
    if not geometric and by <= 0:
        raise ValueError(f"{option}: {item!r} needs a step > 0")
    values: list[Fraction] = []
    value = start
    while value <= stop:
        if len(values) == _MAX_VALUES:
            raise ValueError(f"{option}: {item!r} has more than {_MAX_VALUES} values")
        values.append(value)
        value = value * by if geometric else value + by
    return values


def parse_grid(option: str, tokens: list[str]) -> dict[str | None, list[float]]:
    """The values a grid option lists, per policy scope.

    Args:
        option: the option's name, for error messages (``--epsilon``).
        tokens: its command-line words; a word starting with ``×``, ``x``, ``*`` or ``+``
            continues the range before it (``1/128..1/4 ×2``).

    Returns:
        ``{None: values}`` for the unscoped values and ``{policy: values}`` for each
        ``POLICY:`` prefix, each list sorted and without repeats.

    Raises:
        ValueError: a malformed number or range, or an empty grid (one line naming the option).

    Example:
        >>> parse_grid("--epsilon", ["1/8..1/2", "×2", "0.01"])
        {None: [0.01, 0.125, 0.25, 0.5]}
    """
    words: list[str] = []
    for token in tokens:
        if words and token[:1] in "×x*+" and ".." in words[-1]:
            words[-1] += token
        else:
            words.append(token)
    grids: dict[str | None, set[Fraction]] = {}
    scope: str | None = None
    for word in words:
        if ":" in word:
            scope, _, word = word.partition(":")
            if not word:
                raise ValueError(f"{option}: {scope}: has no values")
        values = grids.setdefault(scope, set())
        for item in filter(None, (part.strip() for part in word.split(","))):
            values.update(_expand(option, item))
    empty = [name for name, values in grids.items() if not values]
    if not grids or empty:
        raise ValueError(f"{option}: the grid is empty")
    return {name: [float(value) for value in sorted(values)] for name, values in grids.items()}


def _print_table(scores: list[dict], runs: int, steps: int) -> None:
    print(f"Parameter study ({runs} runs × {steps} steps)")
    last = f"reward, last {min(100, steps)}"
    print(f"  {'setting':40s} {'mean reward':>18s} {last:>18s}")
    for score in scores:
        print(
            f"  {score['label']:40s}"
            f" {score['mean_reward']:8.3f} ± {score['mean_reward_stderr']:.3f}"
            f" {score['final_reward']:8.3f} ± {score['final_reward_stderr']:.3f}"
        )


def run_sweep(args: argparse.Namespace) -> int:
    """``sweep``: run the grid, stream rows into the CSV; returns the exit status."""
    out = output_dir(args.out, "--out")
    backend = backend_from(args)
    from bandits import experiments, plots, sweep

    grids = {
        name: parse_grid(f"--{name.replace('_', '-')}", getattr(args, name))
        for name in PARAMETERS
        if getattr(args, name) is not None
    }
    settings = sweep.grid_settings(
        args.policy, grids, testbed=args.testbed, n_arms=args.arms, seed=args.seed
    )
    csv_path = out / "sweep.csv"
    done: dict[int, experiments.Result] = {}
    stream = experiments.stream_settings(
        settings,
        args.runs,
        args.steps,
        backend=backend,
        progress=not args.quiet,
        description="sweep",
    )
    interrupted = False
    try:
        for index, result in stream:
            done[index] = result
            sweep.write_rows([done[i] for i in sorted(done)], args.steps, csv_path)
    except KeyboardInterrupt:
        interrupted = True
    results = [done[i] for i in sorted(done)]
    plotted = [result for result in results if result.method.sweep is not None]
    written = [str(csv_path)] if results else []
    if plotted:
        written.append(str(plots.plot_sweep(plotted, out / "sweep.png")))
    if written:
        print(f"wrote {' and '.join(written)}", file=sys.stderr if args.json else sys.stdout)
    if interrupted:
        print(f"interrupted; {len(results)} of {len(settings)} settings finished", file=sys.stderr)
        return 130
    scores = [experiments.summary(result) for result in results]
    if args.json:
        print(json.dumps(scores, indent=2, ensure_ascii=False))
    else:
        _print_table(scores, args.runs, args.steps)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` sub-command (it sets ``run=run_sweep``)."""
    parser = subparsers.add_parser(
        "sweep",
        help="parameter study: policies × a grid of their parameters (Figure 2.6, general)",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    parser.add_argument(
        "--policy",
        nargs="+",
        required=True,
        help="one or more of: epsilon-greedy, greedy, ucb, ucb1, gradient, thompson, kl-ucb",
    )
    for name in PARAMETERS:
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            nargs="+",
            metavar="GRID",
            help=f"values of {name}: 0.1  1/8,1/4  1/128..1/4 ×2  0..1 +0.25  POLICY:…",
        )
    parser.add_argument(
        "--testbed",
        default="gaussian",
        help="gaussian (q*(a) ~ N(0, 1)) or bernoulli (μ(a) ~ U(0, 1))",
    )
    parser.add_argument("--arms", type=int, default=10, help="arms per problem")
    parser.add_argument("--steps", type=int, default=1000, help="steps per run")
    parser.add_argument("--runs", type=int, default=2000, help="runs per setting")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="root random seed")
    parser.add_argument(
        "--out", default="runs/bandits", help="directory for sweep.csv and sweep.png"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_backend_options(parser)
    parser.set_defaults(run=run_sweep)
