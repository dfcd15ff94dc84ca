"""Parameter studies: policies × a grid of their parameters, the general form of Figure 2.6.

A sweep is a list of settings, one per policy and combination of its parameter values; each
setting is seeded by its coordinates — child ``j`` (the combination) of child ``p`` (the
policy) of ``SeedSequence(seed)`` — and runs through ``experiments.stream_settings``, so its
numbers do not depend on the backend. Every setting is scored as ``testbed --json`` scores a
curve (``experiments.summary``): the mean reward over all steps (the y-axis of Sutton &
Barto's Figure 2.6) and over the final steps, with standard errors.

Source: Sutton & Barto, *Reinforcement Learning: An Introduction* (2nd ed.), Figure 2.6.

Example:
    >>> from bandits.sweep import grid_settings
    >>> settings = grid_settings(["ucb"], {"c": {None: [0.5, 1.0]}})
    >>> print(*[s.method.label for s in settings], sep=" | ")
    ucb @ c=0.5 | ucb @ c=1
"""

from __future__ import annotations

import csv
import itertools
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from bandits.experiments import Method, Problem, Result, Setting, parameters_of, summary

__all__ = ["TESTBEDS", "grid_settings", "write_rows"]

TESTBEDS = ("gaussian", "bernoulli")

_BERNOULLI_ONLY = ("thompson", "kl-ucb")  # their updates need rewards in [0, 1]

Grid = Mapping[str, Mapping[str | None, Sequence[float]]]


def _values_for(grids: Grid, parameter: str, policy: str) -> Sequence[float] | None:
    scoped = grids.get(parameter, {})
    return scoped.get(policy, scoped.get(None))


def grid_settings(
    policies: Sequence[str],
    grids: Grid,
    *,
    testbed: str = "gaussian",
    n_arms: int = 10,
    seed: int = 0,
) -> list[Setting]:
    """The settings of a sweep: each policy with every combination of its parameter values.

    Args:
        policies: policy names (``experiments.make_policy``'s), each at most once.
        grids: ``{parameter: {policy or None: values}}``: a parameter's values for one policy,
            or (key None) for every listed policy that takes it.
        testbed: "gaussian" (Sutton & Barto's k-armed testbed) or "bernoulli" (μ(a) ~ U(0, 1)).
        n_arms: arms per problem K >= 2.
        seed: the root seed >= 0.

    Returns:
        The settings, policy by policy; a setting's ``method.sweep`` is its policy's first
        parameter with more than one value (the x-axis of the plot), or None.

    Raises:
        ValueError: an unknown or repeated policy, an unknown testbed, a grid no listed policy
            takes, an empty grid, or a policy that needs Bernoulli rewards on the Gaussian one.
    """
    if testbed not in TESTBEDS:
        raise ValueError(f"--testbed must be one of {', '.join(TESTBEDS)}; got {testbed!r}")
    if not policies:
        raise ValueError("--policy must name at least one policy")
    for policy in policies:
        parameters_of(policy)  # an unknown name raises here
        if policies.count(policy) > 1:
            raise ValueError(f"--policy lists {policy!r} twice")
        if testbed == "gaussian" and policy in _BERNOULLI_ONLY:
            raise ValueError(f"--policy {policy} needs rewards in [0, 1]: use --testbed bernoulli")
    for parameter, scoped in grids.items():
        for scope, values in scoped.items():
            option = f"--{parameter.replace('_', '-')}"
            if len(values) == 0:
                raise ValueError(f"{option}: the grid is empty")
            takers = [p for p in policies if parameter in parameters_of(p)]
            if scope is not None and scope not in policies:
                raise ValueError(f"{option}: {scope!r} is not one of --policy {policies}")
            if (scope is None and not takers) or (scope is not None and scope not in takers):
                who = scope or " / ".join(policies)
                raise ValueError(f"{option}: {who} takes no {parameter}")
    problem = Problem(testbed, n_arms)
    root = np.random.SeedSequence(seed)
    settings = []
    for policy, policy_seed in zip(policies, root.spawn(len(policies)), strict=True):
        grid = {p: _values_for(grids, p, policy) for p in parameters_of(policy)}
        grid = {p: values for p, values in grid.items() if values is not None}
        sweep = next((p for p, values in grid.items() if len(values) > 1), None)
        combinations = [
            dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())
        ]
        for params, seed_j in zip(combinations, policy_seed.spawn(len(combinations)), strict=True):
            fixed = " ".join(f"{p}={v:g}" for p, v in params.items() if p != sweep)
            line = f"{policy} {fixed}".rstrip()
            label = f"{line} @ {sweep}={params[sweep]:g}" if sweep else line
            settings.append(Setting(Method(policy, params, label, sweep), problem, seed_j, "sweep"))
    return settings


def write_rows(results: Sequence[Result], n_steps: int, path: str | Path) -> Path:
    """One CSV row per finished setting (``experiments.summary``'s numbers), replaced atomically.

    Args:
        results: the finished settings, in setting order.
        n_steps: steps per run T.
        path: the CSV file (its directory is created).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scores = [summary(result) for result in results]
    columns = (
        "final_reward",
        "final_reward_stderr",
        "final_optimal",
        "final_optimal_stderr",
        "mean_reward",
        "mean_reward_stderr",
    )
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("policy", "label", "params", "runs", "steps", *columns))
        for result, score in zip(results, scores, strict=True):
            writer.writerow(
                (score["policy"], score["label"], json.dumps(score["params"]))
                + (result.curves.n_runs, n_steps)
                + tuple(repr(score[name]) for name in columns)
            )
    os.replace(partial, path)
    return path
