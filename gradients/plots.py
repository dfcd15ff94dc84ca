"""Figures of a training run: the loss curve and, for the classifiers, the confusion matrix."""

from __future__ import annotations

import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["plot_training"]


def plot_training(result: dict, out_png: str | os.PathLike) -> None:
    """Draw a result of ``gradients.experiments.run``: losses per epoch, confusion matrix.

    Args:
        result: the run's result dict (``history``, optionally ``confusion``).
        out_png: where to write the figure.
    """
    confusion = result.get("confusion")
    # A Figure on its own Agg canvas: no pyplot, matplotlib's global backend stays as it is.
    figure = Figure(figsize=(11 if confusion else 6, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2 if confusion else 1, squeeze=False)[0]
    losses = np.asarray(result["history"])
    axes[0].plot(np.arange(1, len(losses) + 1), losses)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("mean training loss")
    axes[0].set_title(f"{result['dataset']}: training loss")
    if confusion:
        matrix = np.asarray(confusion)
        image = axes[1].imshow(matrix, cmap="Blues")
        figure.colorbar(image, ax=axes[1])
        for (true, predicted), count in np.ndenumerate(matrix):
            if count:
                axes[1].text(predicted, true, str(count), ha="center", va="center", fontsize=7)
        axes[1].set_xlabel("predicted class")
        axes[1].set_ylabel("true class")
        axes[1].set_xticks(range(len(matrix)))
        axes[1].set_yticks(range(len(matrix)))
        axes[1].set_title(f"test set: accuracy {result['test_accuracy']:.2%}")
    figure.savefig(out_png, dpi=110)
