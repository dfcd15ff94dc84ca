"""The four training experiments of ``python -m gradients train``: settings, run, results.

Each run returns one JSON-ready dict; ``train_accuracy`` and ``test_accuracy`` are the
fractions of examples whose every output is right (the argmax for the classifiers, every
output rounded for xor and reverse-binary).

Seeds: ``seed`` gives three independent streams (data split, initial weights, shuffling);
``--restarts N`` of xor trains the networks of seeds ``seed … seed+N−1`` in lockstep, each
initialised from its own seed's stream, so restart 0 is the default run.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gradients.data import Split, load_digits, load_mnist, reverse_binary, xor
from gradients.network import Network, init_params, stack_params
from gradients.optim import SGD, Adam
from gradients.softmax import one_hot
from gradients.training import fit

__all__ = ["DATASETS", "DEFAULTS", "Settings", "run"]

DATASETS: tuple[str, ...] = ("digits", "mnist", "xor", "reverse-binary")
OPTIMIZERS: tuple[str, ...] = ("sgd", "adam")
XOR_MARGIN = 0.4
"""xor has converged when every output is on its target's side of 0.5 by at least this"""


@dataclass(frozen=True)
class Settings:
    """The settings of one training run."""

    epochs: int
    """passes over the training set"""
    batch_size: int
    """examples per optimiser step"""
    learning_rate: float
    """the optimiser's step size"""
    hidden: int
    """width of the hidden layer"""
    optimizer: str
    """"sgd" (with ``momentum``) or "adam\""""
    momentum: float = 0.0
    """SGD's momentum μ"""
    dtype: str = "float32"
    """"float32" or "float64\""""
    seed: int = 0
    """seeds the split, the weights and the shuffling"""
    restarts: int = 1
    """xor: networks trained from seeds seed … seed+restarts−1"""
    data_dir: str | None = None
    """mnist: the folder of the four IDX files"""

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "hidden", "restarts"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer ≥ 1, got {value!r}")
        if not self.learning_rate > 0 or not np.isfinite(self.learning_rate):
            raise ValueError(f"learning rate must be a finite number > 0, got {self.learning_rate}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")


DEFAULTS: dict[str, Settings] = {
    "digits": Settings(epochs=30, batch_size=32, learning_rate=1e-3, hidden=128, optimizer="adam"),
    "mnist": Settings(epochs=10, batch_size=128, learning_rate=1e-3, hidden=512, optimizer="adam"),
    # The posts' settings (REFERENCE §5): Keras' SGD step 0.01 and 0.1, full batches.
    "xor": Settings(
        epochs=100_000, batch_size=4, learning_rate=0.01, hidden=2, optimizer="sgd", dtype="float64"
    ),
    "reverse-binary": Settings(
        epochs=10_000, batch_size=8, learning_rate=0.1, hidden=4, optimizer="sgd", dtype="float64"
    ),
}
"""Each dataset's settings when the command line gives none."""


def run(dataset: str, settings: Settings, progress: bool = True) -> dict:
    """Train and evaluate one experiment.

    Args:
        dataset: one of ``DATASETS``.
        settings: its settings (start from ``DEFAULTS[dataset]``).
        progress: show a tqdm bar.

    Returns:
        The results: ``dataset, n_train, n_test, epochs, train_accuracy, test_accuracy,
        seconds`` (training time), the settings, a ``history`` of mean losses per epoch, and
        what the dataset adds (see each ``_run_*``).
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}, got {dataset!r}")
    if dataset == "xor":
        return _run_xor(settings, progress)
    if dataset == "reverse-binary":
        return _run_reverse_binary(settings, progress)
    data_rng = _streams(settings.seed)[0]
    if dataset == "digits":
        split = load_digits(data_rng)
    else:
        if settings.data_dir is None:
            raise ValueError("mnist needs --data DIR, the folder of the four MNIST IDX files")
        split = load_mnist(settings.data_dir)
    return _run_classifier(dataset, split, settings, progress)


def _streams(seed: int) -> list[np.random.Generator]:
    """Independent generators for the data split, the initial weights and the shuffling."""
    return np.random.default_rng(seed).spawn(3)


def _optimiser(settings: Settings) -> SGD | Adam:
    if settings.optimizer == "sgd":
        return SGD(learning_rate=settings.learning_rate, momentum=settings.momentum)
    return Adam(learning_rate=settings.learning_rate)


def _train(
    network: Network, x: NDArray, y: NDArray, settings: Settings, progress: bool, on_epoch=None
) -> dict:
    """Fit and time; the common part of every result."""
    start = time.perf_counter()
    history = fit(
        network,
        _optimiser(settings),
        x,
        y,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        rng=_streams(settings.seed)[2],
        progress=progress,
        on_epoch=on_epoch,
    )
    return {
        "epochs": len(history.losses),
        "interrupted": history.interrupted,
        "seconds": time.perf_counter() - start,
        "history": np.asarray(history.losses).tolist(),
        "settings": dataclasses.asdict(settings),
    }


def _run_classifier(dataset: str, split: Split, settings: Settings, progress: bool) -> dict:
    """Input → hidden (ReLU) → 10 (softmax), cross-entropy; adds ``confusion`` [true][pred]."""
    dtype = np.dtype(settings.dtype)
    x_train, x_test = split.x_train.astype(dtype), split.x_test.astype(dtype)
    n_classes = int(max(split.y_train.max(), split.y_test.max())) + 1
    network = Network.create(
        [x_train.shape[1], settings.hidden, n_classes],
        ["relu", "identity"],
        "softmax_cross_entropy",
        _streams(settings.seed)[1],
        dtype,
    )
    y_train = one_hot(split.y_train, n_classes).astype(dtype)
    result = _train(network, x_train, y_train, settings, progress)
    predicted_train = network.predict(x_train).argmax(axis=-1)
    predicted_test = network.predict(x_test).argmax(axis=-1)
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(confusion, (split.y_test, predicted_test), 1)
    return {
        "dataset": dataset,
        "n_train": len(x_train),
        "n_test": len(x_test),
        "train_accuracy": float(np.mean(predicted_train == split.y_train)),
        "test_accuracy": float(np.mean(predicted_test == split.y_test)),
        "confusion": confusion.tolist(),
        **result,
    }


def _all_right(outputs: NDArray, targets: NDArray) -> NDArray[np.bool_]:
    """Per example: every output rounded to its target bit."""
    return np.all(np.round(outputs) == targets, axis=-1)


def _run_xor(settings: Settings, progress: bool) -> dict:
    """2–2–1 sigmoid, MSE (the post's network).

    Adds ``outputs`` (the default seed's), ``converged`` and ``epochs_to_converge`` (the first
    epoch after which it held, or None), and over the restarts ``n_converged`` and
    ``failure_rate``. There is no held-out set: the four inputs are all there are, so the test
    set is the training set.
    """
    x, y = xor()
    dtype = np.dtype(settings.dtype)
    x, y = x.astype(dtype), y.astype(dtype)
    sizes, activations = [2, settings.hidden, 1], ["sigmoid", "sigmoid"]
    seeds = range(settings.seed, settings.seed + settings.restarts)
    params = stack_params(
        [init_params(sizes, activations, _streams(seed)[1], dtype) for seed in seeds]
    )
    network = Network(params, tuple(activations), "mse")
    first_converged = np.full(settings.restarts, -1)

    def record_convergence(epoch: int) -> None:
        close = np.all(np.abs(network.forward(x)[-1] - y) <= 0.5 - XOR_MARGIN, axis=(-2, -1))
        first_converged[close & (first_converged < 0)] = epoch
        first_converged[~close] = -1

    result = _train(network, x, y, settings, progress, on_epoch=record_convergence)
    outputs = network.forward(x)[-1]
    converged = first_converged >= 0
    accuracy = float(np.mean(_all_right(outputs[0], y)))
    history = np.asarray(result.pop("history"))
    return {
        "dataset": "xor",
        "n_train": 4,
        "n_test": 4,
        "train_accuracy": accuracy,
        "test_accuracy": accuracy,
        "outputs": outputs[0].tolist(),
        "converged": bool(converged[0]),
        "epochs_to_converge": int(first_converged[0]) if converged[0] else None,
        "restarts": settings.restarts,
        "n_converged": int(converged.sum()),
        "failure_rate": float(1 - converged.mean()),
        "median_epochs_to_converge": (
            float(np.median(first_converged[converged])) if converged.any() else None
        ),
        "history": history[:, 0].tolist(),
        **result,
    }


def _run_reverse_binary(settings: Settings, progress: bool) -> dict:
    """4–4–4 sigmoid, MSE, trained on the six numbers with first bit 0 (the post's set-up).

    Adds ``outputs`` and ``heldout_outputs`` (raw), ``heldout_accuracy`` (= test accuracy),
    ``heldout_equals_twin`` (the share of held-out inputs whose rounded answer equals the
    network's rounded answer for the same number with first bit 0) and
    ``generalisation_gap`` (train − held-out accuracy).
    """
    split = reverse_binary()
    dtype = np.dtype(settings.dtype)
    x_train, y_train = split.x_train.astype(dtype), split.y_train.astype(dtype)
    x_test = split.x_test.astype(dtype)
    network = Network.create(
        [4, settings.hidden, 4], ["sigmoid", "sigmoid"], "mse", _streams(settings.seed)[1], dtype
    )
    result = _train(network, x_train, y_train, settings, progress)
    outputs, heldout = network.predict(x_train), network.predict(x_test)
    train_accuracy = float(np.mean(_all_right(outputs, split.y_train)))
    heldout_accuracy = float(np.mean(_all_right(heldout, split.y_test)))
    # Row i of the held-out set is row i of the training set with its first bit set.
    twin_share = float(np.mean(np.all(np.round(heldout) == np.round(outputs), axis=-1)))
    return {
        "dataset": "reverse-binary",
        "n_train": len(x_train),
        "n_test": len(x_test),
        "train_accuracy": train_accuracy,
        "test_accuracy": heldout_accuracy,
        "heldout_accuracy": heldout_accuracy,
        "heldout_equals_twin": twin_share,
        "generalisation_gap": train_accuracy - heldout_accuracy,
        "outputs": outputs.tolist(),
        "heldout_outputs": heldout.tolist(),
        **result,
    }
