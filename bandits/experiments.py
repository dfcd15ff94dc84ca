"""Experiments of Sutton & Barto chapter 2 and a regret study, bsuite style.

Three separate things: the **settings** (``FIGURES``, ``regret_methods``: which policies with
which parameters, as data), the **run loop** (``run_methods``: a fresh environment and policy
per method, each on its own random stream from ``SeedSequence.spawn``), and the **analysis**
(``summary``, ``regret_summary``: the numbers a reader compares with the book).

Reproducibility: the streams of figure ``f``, method ``m`` are child ``m`` of child ``f`` of
``SeedSequence(seed)``, so a figure gives the same numbers, bit for bit, whether it runs alone
or inside ``all``.

Source: Sutton & Barto, *Reinforcement Learning: An Introduction* (2nd ed., 2018), Figures
2.2–2.6; Lai & Robbins (1985) for the regret bound.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from bandits import _checks, backends, engine
from bandits.environments import BernoulliBandit, GaussianBandit, gaussian_testbed
from bandits.kl_ucb import KLUCB, lai_robbins_constant
from bandits.policies import (
    UCB,
    BetaThompson,
    EpsilonGreedy,
    GradientBandit,
    Greedy,
    Policy,
)
from gradients.cli import progress_bar

__all__ = [
    "FIGURES",
    "Figure",
    "Method",
    "Problem",
    "Result",
    "Setting",
    "make_policy",
    "parameters_of",
    "regret_methods",
    "regret_summary",
    "run_figures",
    "run_regret",
    "run_settings",
    "summary",
    "write_csv",
]

# The JSON name of each policy → its class and the constructor keyword of each JSON parameter.
_POLICIES: dict[str, tuple[type, dict[str, str]]] = {
    "greedy": (Greedy, {"alpha": "step_size", "initial_value": "initial_value"}),
    "epsilon-greedy": (
        EpsilonGreedy,
        {"epsilon": "epsilon", "alpha": "step_size", "initial_value": "initial_value"},
    ),
    "ucb": (UCB, {"c": "c", "alpha": "step_size", "initial_value": "initial_value"}),
    "ucb1": (UCB, {"c": "c"}),
    "gradient": (GradientBandit, {"alpha": "alpha", "baseline": "baseline"}),
    "thompson": (BetaThompson, {"prior": "prior"}),
    "kl-ucb": (KLUCB, {}),
}


@dataclass(frozen=True)
class Method:
    """One curve of a figure: a policy and its parameters.

    Attributes:
        policy: the policy's name in the JSON output ("greedy", "epsilon-greedy", "ucb",
            "ucb1", "gradient", "thompson", "kl-ucb").
        params: its parameters under their JSON names (``alpha`` None = sample averages).
        label: the legend text.
        sweep: for a parameter study, the name of the parameter on the x-axis.
    """

    policy: str
    params: dict[str, Any]
    label: str
    sweep: str | None = None


@dataclass(frozen=True)
class Figure:
    """The settings of one figure of Sutton & Barto chapter 2.

    Attributes:
        name: "2.2" … "2.6".
        title: what the figure shows.
        methods: the curves (or, for the parameter study, the points).
        q_mean: mean of the true action values of the testbed (0, or +4 for Figure 2.5).
        book: what the book's figure shows, for the reader to compare with.
    """

    name: str
    title: str
    methods: tuple[Method, ...]
    q_mean: float = 0.0
    book: str = ""

    @property
    def is_study(self) -> bool:
        """True for a parameter study (one point per method, x = the swept parameter)."""
        return self.methods[0].sweep is not None


@dataclass(frozen=True)
class Result:
    """A method and the curves it produced.

    Attributes:
        method: the policy and its parameters.
        curves: the engine's measurements.
        figure: the figure it belongs to ("2.2" … "2.6"), or "regret".
    """

    method: Method
    curves: engine.Curves
    figure: str = ""


@dataclass(frozen=True)
class Problem:
    """The bandit problems a setting's runs face, as data (so a task can go to a worker).

    Attributes:
        testbed: "gaussian" (``q*(a) ~ N(q_mean, 1)`` per run, rewards ``N(q*(a), 1)``;
            Sutton & Barto §2.3), "bernoulli" (``μ(a) ~ U(0, 1)`` per run, rewards in {0, 1})
            or "arms" (the Bernoulli arms ``means`` in every run).
        n_arms: K, for the two testbeds.
        q_mean: the mean of ``q*`` on the Gaussian testbed.
        means: the success probabilities of "arms".
    """

    testbed: str = "gaussian"
    n_arms: int = 10
    q_mean: float = 0.0
    means: tuple[float, ...] = ()

    def make(self, n_runs: int, rng: np.random.Generator) -> GaussianBandit | BernoulliBandit:
        """The problems of ``n_runs`` runs, drawn from ``rng`` (nothing drawn for "arms")."""
        if self.testbed == "gaussian":
            return gaussian_testbed(n_runs, self.n_arms, rng, q_mean=self.q_mean)
        if self.testbed == "bernoulli":
            return BernoulliBandit.testbed(n_runs, self.n_arms, rng)
        return BernoulliBandit(self.means, n_runs=n_runs)


@dataclass(frozen=True)
class Setting:
    """One curve of an experiment: a method on a problem, with its own random seed.

    Attributes:
        method: the policy and its parameters.
        problem: what the runs face.
        seed: the setting's ``SeedSequence`` (its blocks of runs draw from it and its children).
        figure: the figure it belongs to ("2.2" … "2.6"), "regret" or "sweep".
    """

    method: Method
    problem: Problem
    seed: np.random.SeedSequence
    figure: str = ""

    @property
    def n_arms(self) -> int:
        """K."""
        return len(self.problem.means) if self.problem.testbed == "arms" else self.problem.n_arms

    def build(
        self, n_runs: int, rng: np.random.Generator
    ) -> tuple[Policy, GaussianBandit | BernoulliBandit]:
        """Fresh problems for ``n_runs`` runs (drawn from ``rng``) and a fresh policy."""
        env = self.problem.make(n_runs, rng)
        return make_policy(self.method, env.n_arms, n_runs), env


def parameters_of(policy: str) -> tuple[str, ...]:
    """The JSON names of the parameters ``policy`` takes (``make_policy``'s keys).

    Args:
        policy: a policy name.

    Returns:
        Its parameter names, e.g. ``("epsilon", "alpha", "initial_value")``.
    """
    if policy not in _POLICIES:
        raise ValueError(f"unknown policy {policy!r}; expected one of {sorted(_POLICIES)}")
    return tuple(_POLICIES[policy][1])


def make_policy(method: Method, n_arms: int, n_runs: int) -> Policy:
    """Build the policy a ``Method`` names, for ``n_runs`` runs of ``n_arms`` arms.

    Args:
        method: policy name and JSON parameters.
        n_arms: K.
        n_runs: R.

    Returns:
        A fresh policy of the protocol.
    """
    parameters_of(method.policy)  # an unknown name raises here
    cls, keywords = _POLICIES[method.policy]
    unknown = set(method.params) - set(keywords)
    if unknown:
        raise ValueError(f"{method.policy} takes parameters {sorted(keywords)}, got {unknown}")
    kwargs = {keywords[name]: value for name, value in method.params.items()}
    return cls(n_arms, n_runs=n_runs, **kwargs)


_AVERAGES = {"alpha": None, "initial_value": 0.0}  # the book's default: sample averages, Q1 = 0


def _value(policy: str, label: str, **params: Any) -> Method:
    """An action-value method, by default with sample averages and Q1 = 0."""
    return Method(policy, {**_AVERAGES, **params}, label)


def _study(policy: str, sweep: str, exponents: range, label: str, **params: Any) -> list[Method]:
    return [
        Method(policy, {**params, sweep: 2.0**k}, f"{label} {sweep}=2^{k}", sweep)
        for k in exponents
    ]


FIGURES: dict[str, Figure] = {
    figure.name: figure
    for figure in (
        Figure(
            "2.2",
            "greedy vs ε-greedy, sample averages",
            (
                _value("greedy", "greedy (ε = 0)"),
                _value("epsilon-greedy", "ε = 0.01", epsilon=0.01),
                _value("epsilon-greedy", "ε = 0.1", epsilon=0.1),
            ),
            book="step 1000: greedy ≈ 1.0 reward, ≈ 1/3 optimal; ε = 0.1 ≈ 1.35–1.4, ≈ 80% "
            "optimal (never above 91%); ε = 0.01 in between",
        ),
        Figure(
            "2.3",
            "optimistic initial values, α = 0.1",
            (
                _value("greedy", "optimistic greedy Q1 = 5", alpha=0.1, initial_value=5.0),
                _value("epsilon-greedy", "realistic ε = 0.1, Q1 = 0", epsilon=0.1, alpha=0.1),
            ),
            book="optimistic greedy worse early (spike near step 11), above ε-greedy later",
        ),
        Figure(
            "2.4",
            "UCB vs ε-greedy, sample averages",
            (
                _value("ucb", "UCB c = 2", c=2.0),
                _value("epsilon-greedy", "ε-greedy ε = 0.1", epsilon=0.1),
            ),
            book="UCB above ε-greedy after the first steps, spike at step 11",
        ),
        Figure(
            "2.5",
            "gradient bandit with and without baseline, q*(a) ~ N(+4, 1)",
            tuple(
                Method(
                    "gradient",
                    {"alpha": alpha, "baseline": baseline},
                    f"α = {alpha}, {'with' if baseline else 'without'} baseline",
                )
                for baseline in (True, False)
                for alpha in (0.1, 0.4)
            ),
            q_mean=4.0,
            book="with baseline ≈ 75–80% optimal at step 1000, far above without baseline",
        ),
        Figure(
            "2.6",
            "parameter study: average reward over all steps against each method's parameter",
            (
                *_study("epsilon-greedy", "epsilon", range(-7, -1), "ε-greedy", **_AVERAGES),
                *_study("gradient", "alpha", range(-5, 2), "gradient bandit", baseline=True),
                *_study("ucb", "c", range(-4, 3), "UCB", **_AVERAGES),
                *_study("greedy", "initial_value", range(-2, 3), "optimistic greedy", alpha=0.1),
            ),
            book="UCB best (≈ 1.5 near c = 1), all four methods peak in the middle of the range",
        ),
    )
}


def regret_methods(epsilon: float = 0.1) -> tuple[Method, ...]:
    """The methods of the regret study: ε-greedy, UCB1, Beta(1, 1) Thompson, KL-UCB.

    Args:
        epsilon: the exploration rate of ε-greedy.

    Returns:
        The four methods, in the order they are plotted.
    """
    return (
        Method("epsilon-greedy", {"epsilon": epsilon}, f"ε-greedy ε = {epsilon:g}"),
        Method("ucb1", {"c": math.sqrt(2.0)}, "UCB1 (c = √2)"),
        Method("thompson", {"prior": (1.0, 1.0)}, "Thompson, Beta(1, 1)"),
        Method("kl-ucb", {}, "KL-UCB"),
    )


def stream_settings(
    settings: Sequence[Setting],
    n_runs: int,
    n_steps: int,
    *,
    backend: backends.Backend = backends.LOCAL,
    progress: bool = True,
    description: str = "",
) -> Iterator[tuple[int, Result]]:
    """The run loop: every setting's runs, in blocks, on ``backend``, as settings finish.

    Args:
        settings: the settings, each with its own seed.
        n_runs: runs per setting R.
        n_steps: the horizon T.
        backend: where the blocks run (every backend gives the same numbers).
        progress: show a tqdm progress bar on stderr.
        description: the progress bar's label.

    Yields:
        ``(setting index, Result)`` in the order the settings finish; stopping early (Ctrl-C)
        keeps the settings already yielded.
    """
    n_runs = _checks.count("runs", n_runs)
    n_steps = _checks.count("steps", n_steps)
    total = n_steps * -(-n_runs // backends.BLOCK_RUNS) * len(settings)
    bar = progress_bar(total, unit="step", desc=description, disable=not progress, leave=False)
    with bar:
        for index, curves in backends.run_settings(
            settings, n_runs, n_steps, backend, progress=bar.update
        ):
            setting = settings[index]
            yield index, Result(setting.method, curves, setting.figure)


def run_settings(
    settings: Sequence[Setting],
    n_runs: int,
    n_steps: int,
    *,
    backend: backends.Backend = backends.LOCAL,
    progress: bool = True,
    description: str = "",
) -> list[Result]:
    """``stream_settings``, waited for: one ``Result`` per setting, in order."""
    done = dict(
        stream_settings(
            settings, n_runs, n_steps, backend=backend, progress=progress, description=description
        )
    )
    return [done[index] for index in range(len(settings))]


def run_figures(
    names: Sequence[str],
    *,
    n_runs: int = 2000,
    n_steps: int = 1000,
    n_arms: int = 10,
    seed: int = 0,
    progress: bool = True,
    backend: backends.Backend = backends.LOCAL,
) -> list[Result]:
    """Run the figures ``names`` of Sutton & Barto chapter 2 on the k-armed testbed.

    Args:
        names: figure names, keys of ``FIGURES`` ("2.2" … "2.6").
        n_runs: independent bandit problems per method (the book: 2000), >= 2.
        n_steps: steps per run (the book: 1000), >= 1.
        n_arms: arms per problem (the book: 10), >= 2.
        seed: the root seed, an integer >= 0.
        progress: show a tqdm progress bar on stderr.
        backend: where the runs are computed (the same numbers on every backend).

    Returns:
        One ``Result`` per method of every figure, in order.

    Example:
        >>> results = run_figures(["2.2"], n_runs=50, n_steps=20, progress=False)
        >>> print(*[result.method.policy for result in results])
        greedy epsilon-greedy epsilon-greedy
        >>> results[0].curves.mean_reward.shape
        (20,)
    """
    unknown = [name for name in names if name not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure {unknown[0]!r}; expected one of {', '.join(FIGURES)}")
    n_runs = _checks.count("runs", n_runs, 2)
    n_steps = _checks.count("steps", n_steps, 1)
    n_arms = _checks.count("arms", n_arms, 2)
    seed = _checks.count("seed", seed, 0)
    figure_seeds = dict(zip(FIGURES, np.random.SeedSequence(seed).spawn(len(FIGURES)), strict=True))
    settings = [
        Setting(method, Problem("gaussian", n_arms, FIGURES[name].q_mean), method_seed, name)
        for name in names
        for method, method_seed in zip(
            FIGURES[name].methods,
            figure_seeds[name].spawn(len(FIGURES[name].methods)),
            strict=True,
        )
    ]
    description = f"figure {names[0]}" if len(names) == 1 else "figures"
    return run_settings(
        settings, n_runs, n_steps, backend=backend, progress=progress, description=description
    )


def run_regret(
    means: ArrayLike,
    *,
    horizon: int = 10_000,
    n_runs: int = 500,
    seed: int = 0,
    epsilon: float = 0.1,
    progress: bool = True,
    backend: backends.Backend = backends.LOCAL,
) -> list[Result]:
    """Cumulative regret of ε-greedy, UCB1, Thompson sampling and KL-UCB on Bernoulli arms.

    Args:
        means: (K,) success probabilities in [0, 1], K >= 2.
        horizon: steps per run T >= 1.
        n_runs: independent runs R >= 2.
        seed: the root seed, an integer >= 0.
        epsilon: the exploration rate of ε-greedy.
        progress: show a tqdm progress bar on stderr.
        backend: where the runs are computed (the same numbers on every backend).

    Returns:
        One ``Result`` per method.
    """
    horizon = _checks.count("horizon", horizon, 1)
    n_runs = _checks.count("runs", n_runs, 2)
    seed = _checks.count("seed", seed, 0)
    BernoulliBandit(means)  # check the means before the long work starts
    epsilon = _checks.real("epsilon", epsilon, 0.0, 1.0)
    problem = Problem("arms", means=tuple(float(mean) for mean in np.asarray(means, dtype=float)))
    methods = regret_methods(epsilon)
    seeds = np.random.SeedSequence(seed).spawn(len(methods))
    settings = [Setting(m, problem, s, "regret") for m, s in zip(methods, seeds, strict=True)]
    return run_settings(
        settings, n_runs, horizon, backend=backend, progress=progress, description="regret"
    )


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {name: list(v) if isinstance(v, tuple) else v for name, v in params.items()}


def summary(result: Result) -> dict[str, Any]:
    """The numbers to compare with the book: one JSON-ready object per curve.

    ``final_*`` average the last ``window`` (100) steps, ``mean_reward`` all steps (the
    y-axis of Figure 2.6); each ``*_stderr`` is the standard error over runs.

    Args:
        result: a method's curves.

    Returns:
        ``{"figure", "policy", "label", "params", "final_reward", "final_reward_stderr",
        "final_optimal", "final_optimal_stderr", "mean_reward", "mean_reward_stderr"}``.
    """
    curves = result.curves
    return {
        "figure": result.figure,
        "policy": result.method.policy,
        "label": result.method.label,
        "params": _json_params(result.method.params),
        "final_reward": float(curves.run_final_reward.mean),
        "final_reward_stderr": float(curves.run_final_reward.stderr),
        "final_optimal": float(curves.run_final_optimal.mean),
        "final_optimal_stderr": float(curves.run_final_optimal.stderr),
        "mean_reward": float(curves.run_mean_reward.mean),
        "mean_reward_stderr": float(curves.run_mean_reward.stderr),
    }


def regret_summary(means: ArrayLike, results: Sequence[Result]) -> dict[str, Any]:
    """Lai–Robbins constant and each method's final regret ± standard error.

    Args:
        means: (K,) the Bernoulli means of the study.
        results: the output of ``run_regret``.

    Returns:
        ``{"means", "horizon", "runs", "lai_robbins_constant", "lai_robbins_regret",
        "methods": [{"policy", "label", "params", "final_regret", "stderr"}, ...]}`` where
        ``lai_robbins_regret = C(μ) ln T``.
    """
    constant = lai_robbins_constant(means)
    horizon = results[0].curves.n_steps
    return {
        "means": [float(mean) for mean in np.asarray(means, dtype=float)],
        "horizon": horizon,
        "runs": results[0].curves.n_runs,
        "lai_robbins_constant": constant,
        "lai_robbins_regret": constant * math.log(horizon),
        "methods": [
            {
                "policy": result.method.policy,
                "label": result.method.label,
                "params": _json_params(result.method.params),
                "final_regret": float(result.curves.regret[-1]),
                "stderr": float(result.curves.regret_stderr[-1]),
            }
            for result in results
        ],
    }


def write_csv(results: Sequence[Result], path: str | Path) -> Path:
    """One row per step and method: the means over runs and their standard errors.

    Args:
        results: the curves to write.
        path: the CSV file to create (its directory is created).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = (
        "mean_reward",
        "reward_stderr",
        "optimal",
        "optimal_stderr",
        "regret",
        "regret_stderr",
    )
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("figure", "policy", "label", "params", "step", *columns))
        for result in results:
            params = json.dumps(_json_params(result.method.params))
            series = [getattr(result.curves, name) for name in columns]
            for step, values in enumerate(zip(*series, strict=True), start=1):
                writer.writerow(
                    (result.figure, result.method.policy, result.method.label, params, step)
                    + tuple(f"{value:.6g}" for value in values)
                )
    return path
