"""Figures of the experiments, drawn with matplotlib's Agg canvas (files only, no display).

Curves are the means over runs; the shaded bands are ± 1.96 standard errors (95%). Figures
are built with ``matplotlib.figure.Figure`` on an explicit Agg canvas, not through pyplot:
importing this module changes no global matplotlib state (backend, open figures).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as Canvas

from bandits.contextual_env import RegretCurves
from bandits.experiments import Figure, Result, summary

__all__ = ["plot_contextual", "plot_figure", "plot_regret", "plot_sweep"]

_Z95 = 1.96
_STUDY_NAMES = {
    "epsilon-greedy": "ε-greedy",
    "gradient": "gradient bandit",
    "ucb": "UCB",
    "greedy": "greedy, optimistic Q₀, α = 0.1",
}


def _new(figsize: tuple[float, float]) -> Canvas:
    canvas = Canvas(figsize=figsize, layout="constrained")
    FigureCanvasAgg(canvas)
    return canvas


def _band(axis: Axes, steps: np.ndarray, mean: np.ndarray, stderr: np.ndarray, label: str):
    (line,) = axis.plot(steps, mean, linewidth=1.0, label=label)
    axis.fill_between(
        steps, mean - _Z95 * stderr, mean + _Z95 * stderr, color=line.get_color(), alpha=0.2
    )


def _save(fig: Canvas, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def _plot_curves(figure: Figure, results: Sequence[Result]) -> Canvas:
    fig = _new((7, 7))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for result in results:
        curves = result.curves
        steps = np.arange(1, curves.n_steps + 1)
        label = result.method.label
        _band(top, steps, curves.mean_reward, curves.reward_stderr, label)
        _band(bottom, steps, 100 * curves.optimal, 100 * curves.optimal_stderr, label)
    top.set_ylabel("Average reward")
    bottom.set_ylabel("% Optimal action")
    bottom.set_xlabel("Steps")
    top.legend(fontsize="small")
    runs = results[0].curves.n_runs
    top.set_title(f"Figure {figure.name}: {figure.title}\n{runs} runs, shaded: 95% band")
    return fig


def _study_lines(axis: Axes, results: Sequence[Result], name: Callable[[Result], str]) -> None:
    """One line per policy and fixed parameters: mean reward against the swept parameter."""
    lines: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        method = result.method
        fixed = {key: value for key, value in method.params.items() if key != method.sweep}
        lines.setdefault((method.policy, repr(sorted(fixed.items()))), []).append(result)
    positive = True
    for members in lines.values():
        sweep = members[0].method.sweep
        x = [member.method.params[sweep] for member in members]
        positive = positive and min(x) > 0
        scores = [summary(member) for member in members]
        y = [score["mean_reward"] for score in scores]
        error = [_Z95 * score["mean_reward_stderr"] for score in scores]
        axis.errorbar(x, y, yerr=error, marker="o", markersize=3, capsize=2, label=name(members[0]))
    if positive:
        axis.set_xscale("log", base=2)
    steps = results[0].curves.n_steps
    axis.set_ylabel(f"Average reward over first {steps} steps")
    axis.legend(fontsize="small")


def _plot_study(figure: Figure, results: Sequence[Result]) -> Canvas:
    fig = _new((7, 4.5))
    axis = fig.subplots()

    def name(result: Result) -> str:
        method = result.method
        return f"{_STUDY_NAMES.get(method.policy, method.policy)} ({method.sweep})"

    _study_lines(axis, results, name)
    axis.set_xlabel("ε   α   c   Q₀")
    axis.set_title(f"Figure {figure.name}: {figure.title}")
    return fig


def plot_sweep(results: Sequence[Result], path: str | Path) -> Path:
    """The parameter study of ``python -m bandits sweep`` into a PNG file.

    One line per policy and combination of its fixed parameters: the average reward over all
    steps against the swept parameter (log₂ axis when it is positive), 95% error bars.

    Args:
        results: one result per setting; ``method.sweep`` names each one's x parameter.
        path: the PNG file to write (its directory is created).

    Returns:
        The path written.
    """
    fig = _new((7, 4.5))
    axis = fig.subplots()
    _study_lines(axis, results, lambda result: result.method.label.rpartition(" @ ")[0])
    axis.set_xlabel(" / ".join(dict.fromkeys(result.method.sweep for result in results)))
    runs = results[0].curves.n_runs
    axis.set_title(f"Parameter study ({runs} runs per point, bars: 95%)")
    return _save(fig, path)


def plot_figure(figure: Figure, results: Sequence[Result], path: str | Path) -> Path:
    """Draw one figure of Sutton & Barto chapter 2 into a PNG file.

    Curves figures get two panels (average reward, % optimal action, as in Figure 2.2); the
    parameter study (Figure 2.6) plots the average reward over all steps against the swept
    parameter on a log₂ axis, with 95% error bars.

    Args:
        figure: the figure's settings.
        results: the results of its methods, in order.
        path: the PNG file to write (its directory is created).

    Returns:
        The path written.
    """
    draw = _plot_study if figure.is_study else _plot_curves
    return _save(draw(figure, results), path)


def plot_regret(results: Sequence[Result], lai_robbins: float, path: str | Path) -> Path:
    """Cumulative pseudo-regret on a log-time axis, with the Lai–Robbins line ``C(μ) ln t``.

    Args:
        results: the regret study's results.
        lai_robbins: the constant ``C(μ)``.
        path: the PNG file to write (its directory is created).

    Returns:
        The path written.
    """
    fig = _new((7, 4.5))
    axis = fig.subplots()
    for result in results:
        curves = result.curves
        steps = np.arange(1, curves.n_steps + 1)
        _band(axis, steps, curves.regret, curves.regret_stderr, result.method.label)
    t = np.arange(1, results[0].curves.n_steps + 1)
    axis.plot(t, lai_robbins * np.log(t), "k--", linewidth=1.0, label=f"{lai_robbins:.2f} ln t")
    axis.set_xscale("log")
    axis.set_xlabel("Step t")
    axis.set_ylabel("Cumulative pseudo-regret")
    runs = results[0].curves.n_runs
    axis.set_title(f"Bernoulli arms: regret vs the Lai–Robbins line\n{runs} runs, shaded: 95% band")
    axis.legend(fontsize="small")
    return _save(fig, path)


def plot_contextual(curves: dict[str, RegretCurves], title: str, path: str | Path) -> Path:
    """Cumulative regret on log–log axes, with a line ∝ t, and the average reward so far.

    On log–log axes a power law ``t^b`` is a straight line of slope b: regret that bends
    below the dashed slope-1 line grows sub-linearly.

    Args:
        curves: the curves of each policy, by name.
        title: the first line of the title (the environment).
        path: the PNG file to write (its directory is created).

    Returns:
        The path written.
    """
    fig = _new((7, 7))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for name, result in curves.items():
        rounds = np.arange(1, result.regret.size + 1)
        _band(top, rounds, result.regret, result.regret_stderr, name)
        _band(bottom, rounds, result.reward / rounds, result.reward_stderr / rounds, name)
    rounds = np.arange(1, next(iter(curves.values())).regret.size + 1)
    start = max(result.regret[0] for result in curves.values())
    top.plot(rounds, start * rounds, "k--", linewidth=0.8, label="∝ t (linear regret)")
    top.set_xscale("log")
    top.set_yscale("log")
    top.set_ylabel("Cumulative regret")
    bottom.set_ylabel("Average reward so far")
    bottom.set_xlabel("Round t")
    top.legend(fontsize="small")
    runs = next(iter(curves.values())).n_runs
    top.set_title(f"{title}\n{runs} runs, shaded: 95% band")
    return _save(fig, path)
