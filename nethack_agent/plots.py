"""The learning curve of a run, drawn from its metrics.csv (plotting stays at the edge)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "plot_evaluation_curve",
    "plot_learning_curve",
    "plot_scores_by_role",
    "rolling_mean",
    "rolling_median",
]


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at every position (fewer at the start), (n,)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    cumulative = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    index = np.arange(1, len(values) + 1)
    start = np.maximum(index - window, 0)
    return (cumulative[index] - cumulative[start]) / (index - start)


def rolling_median(values: np.ndarray, window: int) -> np.ndarray:
    """Median of the last ``window`` values at every position (fewer at the start), (n,)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    values = np.asarray(values, dtype=np.float64)
    padded = np.concatenate([np.full(window - 1, np.nan), values])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    return np.nanmedian(windows, axis=-1)


def plot_learning_curve(metrics_csv: str | Path, out_png: str | Path, window: int = 100) -> None:
    """Plot the in-game score and the return per game against training steps.

    Args:
        metrics_csv: a run's metrics.csv (columns step, return, length, score, depth, ...).
        out_png: where to write the figure.
        window: games averaged in the rolling mean.
    """
    with open(metrics_csv) as file:
        columns = file.readline().strip().split(",")
    table = np.loadtxt(metrics_csv, delimiter=",", skiprows=1, ndmin=2)
    data = {name: table[:, j] for j, name in enumerate(columns)}
    # A Figure on its own Agg canvas: no pyplot, so importing this module leaves matplotlib's
    # global backend alone.
    figure = Figure(figsize=(11, 4), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2)
    for ax, column, label in zip(
        axes, ("score", "return"), ("in-game score", "return"), strict=True
    ):
        ax.plot(
            data["step"],
            data[column],
            ".",
            markersize=2,
            alpha=0.25,
            color="tab:gray",
            label="one game",
        )
        ax.plot(
            data["step"],
            rolling_mean(data[column], window),
            color="tab:blue",
            label=f"mean of last {window}",
        )
        ax.plot(
            data["step"],
            rolling_median(data[column], window),
            color="tab:orange",
            label=f"median of last {window}",
        )
        top = np.percentile(data[column], 99.5)  # a few outliers would squash the curves
        ax.set_ylim(min(0.0, data[column].min()), top if top > 0 else 1.0)
        ax.set_xlabel("training steps (all environments)")
        ax.set_ylabel(label)
        ax.legend(loc="upper left")
    figure.suptitle(f"{Path(metrics_csv).parent.name}: {len(table)} games")
    figure.savefig(out_png, dpi=110)


def plot_scores_by_role(games: dict[str, list], out_png: str | Path, title: str = "") -> None:
    """Box plots of the in-game score per role, one box per policy side by side.

    Args:
        games: ``{policy name: [Episode, …]}`` (``Episode.role``, ``Episode.score``).
        out_png: where to write the figure.
        title: the figure's title.
    """
    roles = sorted({g.role or "unknown" for played in games.values() for g in played})
    figure = Figure(figsize=(max(6, 1.1 * len(roles) + 2), 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    width = 0.8 / max(len(games), 1)
    for k, (name, played) in enumerate(games.items()):
        scores = [[g.score for g in played if (g.role or "unknown") == role] for role in roles]
        positions = np.arange(len(roles)) + (k - (len(games) - 1) / 2) * width
        kept = [(p, s) for p, s in zip(positions, scores, strict=True) if s]
        boxes = ax.boxplot(
            [s for _, s in kept],
            positions=[p for p, _ in kept],
            widths=width * 0.9,
            patch_artist=True,
            showfliers=False,
        )
        for box in boxes["boxes"]:
            box.set_facecolor(f"C{k}")
            box.set_alpha(0.6)
        ax.plot([], [], "s", color=f"C{k}", label=name)
    first = next(iter(games.values()))
    counts = {role: sum((g.role or "unknown") == role for g in first) for role in roles}
    ax.set_xticks(np.arange(len(roles)), [f"{r}\n({counts[r]} games)" for r in roles])
    ax.set_yscale("symlog", linthresh=10)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("in-game score")
    ax.legend(loc="upper left")
    ax.set_title(title)
    figure.savefig(out_png, dpi=110)


def plot_evaluation_curve(points: list[dict], out_png: str | Path, title: str = "") -> None:
    """The median score (with its 95 % interval) and the mean score against training minutes.

    Args:
        points: ``nethack_agent.curve.evaluation_curve``'s output.
        out_png: where to write the figure.
        title: the figure's title.
    """
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    minutes = np.array([p["minutes"] for p in points])
    median = np.array([p["median_score"] for p in points])
    # no interval for fewer than 6 games: None becomes nan, and no bar is drawn
    bounds = np.array([[p["median_ci_low"], p["median_ci_high"]] for p in points], dtype=float)
    ax.errorbar(
        minutes,
        median,
        yerr=[median - bounds[:, 0], bounds[:, 1] - median],
        fmt="o-",
        capsize=3,
        label="median (95 % interval)",
    )
    ax.plot(minutes, [p["mean_score"] for p in points], "s--", label="mean")
    ax.set_xlabel("minutes of training")
    ax.set_ylabel("in-game score")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    ax.set_title(title)
    figure.savefig(out_png, dpi=110)
