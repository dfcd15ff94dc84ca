"""The lecture figure: two Beta posteriors and the region X_a > X_b their integral covers.

Drawn with ``matplotlib.figure.Figure`` on an explicit Agg canvas, not through pyplot:
importing this module changes no global matplotlib state (backend, open figures).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy import stats

__all__ = ["plot_two_beta_posteriors"]


def plot_two_beta_posteriors(
    alpha: tuple[float, float],
    beta: tuple[float, float],
    names: tuple[str, str],
    probability: Fraction | float,
    path: str | Path,
) -> Path:
    """Draw the posterior densities and the joint density with the region X_a > X_b shaded.

    Left: f_a and f_b. Right: the joint density f_a(x)·f_b(y) on the unit square; Thompson
    sampling plays arm a exactly when the sample (x, y) falls below the diagonal, so that
    region's mass is ``P(A = a) = ∫₀¹ f_a(x) F_b(x) dx``.

    Args:
        alpha: the α parameters of arms a and b.
        beta: the β parameters of arms a and b.
        names: the two arm names.
        probability: P(X_a > X_b), written on the figure.
        path: where to write the PNG.

    Returns:
        The path written.
    """
    x = np.linspace(0.0, 1.0, 401)
    pdf_a = stats.beta.pdf(x, alpha[0], beta[0])
    pdf_b = stats.beta.pdf(x, alpha[1], beta[1])
    fig = Figure(figsize=(10, 4.4), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    for pdf, name, a, b in (
        (pdf_a, names[0], alpha[0], beta[0]),
        (pdf_b, names[1], alpha[1], beta[1]),
    ):
        left.plot(x, pdf, lw=2, label=f"{name} ~ Beta({a:g}, {b:g}), mean {a / (a + b):.3g}")
    left.set(xlabel="success probability θ", ylabel="posterior density", xlim=(0, 1))
    left.set_ylim(bottom=0)
    left.legend(loc="upper center")
    left.set_title("Posteriors after the history")

    joint = pdf_b[:, None] * pdf_a[None, :]  # rows: y = X_b, columns: x = X_a
    image = right.imshow(joint, origin="lower", extent=(0, 1, 0, 1), cmap="viridis", aspect="equal")
    fig.colorbar(image, ax=right, label=f"joint density f_{names[0]}(x) f_{names[1]}(y)")
    right.fill_between([0, 1], [0, 1], 0, facecolor="none", edgecolor="white", hatch="//", lw=0)
    right.plot([0, 1], [0, 1], color="white", lw=1.5)
    label = f"{probability}" if isinstance(probability, Fraction) else f"{probability:.4g}"
    right.text(
        0.65,
        0.2,
        f"X_{names[0]} > X_{names[1]}\nP = {label}",
        color="white",
        ha="center",
        bbox={"facecolor": "black", "alpha": 0.7, "edgecolor": "none"},
    )
    right.set(xlabel=f"X_{names[0]}", ylabel=f"X_{names[1]}")
    right.set_title(f"Thompson picks {names[0]} below the diagonal")
    path = Path(path)
    fig.savefig(path, dpi=120)
    return path
