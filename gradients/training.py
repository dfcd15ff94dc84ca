"""Mini-batch training of a ``Network``: seeded shuffling, a tqdm bar, Ctrl-C stops early."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gradients.cli import progress_bar
from gradients.network import Network
from gradients.optim import SGD, Adam

__all__ = ["History", "check_data", "fit"]


@dataclass
class History:
    """What a training run recorded."""

    losses: list[float | NDArray] = field(default_factory=list)
    """mean training loss of each epoch ((R,) per epoch for stacked replicas)"""
    interrupted: bool = False
    """training was stopped by Ctrl-C before the last epoch"""


def check_data(name: str, x: NDArray, n_features: int | None = None) -> None:
    """Raise a ValueError unless ``x`` is a non-empty 2-D finite array (with ``n_features``)."""
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(
            f"{name} must be a non-empty 2-D array (examples, features), got {x.shape}"
        )
    if n_features is not None and x.shape[1] != n_features:
        raise ValueError(f"{name} must have {n_features} columns, got {x.shape[1]}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got nan or inf")


def fit(
    network: Network,
    optimiser: SGD | Adam,
    x: NDArray,
    y: NDArray,
    *,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
    progress: bool = True,
    on_epoch: Callable[[int], None] | None = None,
) -> History:
    """Train ``network`` in place on (x, y) by mini-batches.

    Each epoch visits the examples in an order drawn from ``rng`` (unless one batch holds them
    all), one optimiser step per batch; the last batch may be smaller.

    Args:
        network: the network, updated in place.
        optimiser: its optimiser, updated in place.
        x: inputs (N, D) in the network's dtype.
        y: targets (N, K): one-hot under the softmax head.
        epochs: passes over the data, ≥ 1.
        batch_size: examples per step, ≥ 1.
        rng: the shuffling generator.
        progress: show a tqdm bar on stderr.
        on_epoch: called with the epoch number (1-based) after each epoch.

    Returns:
        The ``History``; Ctrl-C ends training early (the network keeps its weights) and sets
        ``interrupted``.
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be an integer ≥ 1, got {value!r}")
    check_data("x", x, network.sizes[0])
    check_data("y", y, network.sizes[-1])
    if len(x) != len(y):
        raise ValueError(f"x and y must hold as many examples, got {len(x)} and {len(y)}")
    n_examples = len(x)
    history = History()
    with progress_bar(epochs, disable=not progress, unit="epoch") as bar:
        try:
            for epoch in range(1, epochs + 1):
                epoch_loss = 0.0
                if batch_size >= n_examples:
                    batches = [(x, y)]
                else:
                    order = rng.permutation(n_examples)
                    batches = (
                        (x[order[start : start + batch_size]], y[order[start : start + batch_size]])
                        for start in range(0, n_examples, batch_size)
                    )
                for x_batch, y_batch in batches:
                    loss, grads = network.loss_and_grads(x_batch, y_batch)
                    optimiser.step(network.params, grads)
                    epoch_loss = epoch_loss + loss * len(x_batch)
                history.losses.append(epoch_loss / n_examples)
                if on_epoch is not None:
                    on_epoch(epoch)
                bar.update()
        except KeyboardInterrupt:
            history.interrupted = True
    return history
