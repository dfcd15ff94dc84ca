"""One training epoch of our networks vs scikit-learn's MLPClassifier; chain vs shortcut backprop.

Part 1, for the digits network (64 → 128 ReLU → 10, batch 32, the 1,438 training images of
``train digits``) and the MNIST network (784 → 512 ReLU → 10, batch 128, 60,000 synthetic
MNIST-shaped images): seconds per epoch, best of ``--repeats``, of ``gradients`` and of
``MLPClassifier`` with the same layers, batch size, Adam settings, no L2 penalty, shuffling on,
float32 data (both keep float32), and the ratio ours / scikit-learn, measured in the same run.
scikit-learn's epoch is one ``partial_fit`` call after a first call that initialises it.

Part 2: the gradient of one batch of the MNIST network by the explicit Jacobian chain
(``backward_chain``, float64, one example at a time, so its peak memory is that of one
example; run on ``--chain-examples`` examples and its time scaled up linearly to the batch)
and by the shortcut (``Network.loss_and_grads``), with the largest difference between the two.

    python benchmarks/bench_networks.py
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_networks.py --clock cpu   # loaded machine
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import gradients as g
from gradients.data import load_digits
from gradients.training import fit

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
"""``--clock cpu``: this process's CPU time (all its threads), which an oversubscribed machine
does not inflate as it does wall time; run it with OPENBLAS_NUM_THREADS=1 so idle BLAS
threads do not count"""


def best_time(call: Callable[[], object], repeats: int, clock: Callable[[], float]) -> float:
    """Best time of ``repeats`` calls on ``clock``: on a shared machine, the least disturbed."""
    best = np.inf
    for _ in range(repeats):
        start = clock()
        call()
        best = min(best, clock() - start)
    return best


def epoch_seconds(
    x: np.ndarray,
    labels: np.ndarray,
    hidden: int,
    batch: int,
    repeats: int,
    seed: int,
    clock: Callable[[], float],
) -> tuple[float, float]:
    """Seconds of one epoch, ours and scikit-learn's, for input → hidden ReLU → classes."""
    n_classes = int(labels.max()) + 1
    rng = np.random.default_rng(seed)
    net = g.Network.create(
        [x.shape[1], hidden, n_classes], ["relu", "identity"], "softmax_cross_entropy", rng, x.dtype
    )
    optimiser = g.Adam(learning_rate=1e-3)
    y = g.one_hot(labels, n_classes).astype(x.dtype)
    ours = best_time(
        lambda: fit(net, optimiser, x, y, epochs=1, batch_size=batch, rng=rng, progress=False),
        repeats,
        clock,
    )
    theirs_model = MLPClassifier(
        hidden_layer_sizes=(hidden,),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=batch,
        learning_rate_init=1e-3,
        shuffle=True,
        random_state=seed,
    )
    classes = np.arange(n_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs_model.partial_fit(x, labels, classes=classes)
        theirs = best_time(lambda: theirs_model.partial_fit(x, labels), repeats, clock)
    return ours, theirs


def chain_vs_shortcut(
    batch: int, chain_examples: int, seed: int, clock: Callable[[], float]
) -> None:
    """Time and memory of the explicit chain against the shortcut on the MNIST network."""
    rng = np.random.default_rng(seed)
    net = g.Network.create([784, 512, 10], ["relu", "identity"], "softmax_cross_entropy", rng)
    x = rng.random((batch, 784))
    y = g.one_hot(rng.integers(10, size=batch), 10)
    shortcut_s = best_time(lambda: net.loss_and_grads(x, y), 5, clock)
    # The chain goes one example at a time: time it on a few and scale up to the batch.
    few_x, few_y = x[:chain_examples], y[:chain_examples]
    tracemalloc.start()
    start = clock()
    chain = g.backward_chain(net, few_x, few_y)
    chain_s = (clock() - start) * batch / chain_examples
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    shortcut = net.loss_and_grads(few_x, few_y)[1]
    diff = max(np.abs(chain[name] - shortcut[name]).max() for name in chain)
    print(f"\nMNIST network 784→512→10, one batch of {batch}, float64")
    print(f"  shortcut (S − y, layer by layer)   {shortcut_s:10.4f} s")
    print(
        f"  explicit Jacobian chain            {chain_s:10.1f} s   "
        f"(run on {chain_examples} example(s), scaled ×{batch / chain_examples:.0f})"
    )
    print(f"  ratio chain / shortcut             {chain_s / shortcut_s:10.0f}×")
    print(f"  chain peak memory (one example)    {peak / 2**30:10.2f} GiB")
    print(f"  largest |chain − shortcut|         {diff:10.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mnist-examples", type=int, default=60_000)
    parser.add_argument("--chain-examples", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall")
    args = parser.parse_args()
    clock = CLOCKS[args.clock]
    rng = np.random.default_rng(args.seed)

    digits = load_digits(np.random.default_rng(args.seed))
    synthetic = rng.random((args.mnist_examples, 784), dtype=np.float32)
    cases = (
        ("digits 64→128→10", digits.x_train.astype(np.float32), digits.y_train, 128, 32),
        ("MNIST-shaped 784→512→10", synthetic, rng.integers(10, size=len(synthetic)), 512, 128),
    )
    print(f"one epoch, Adam lr 1e-3, float32, best of {args.repeats}, {args.clock} seconds")
    print(
        f"{'network':>26} {'examples':>9} {'batch':>6} {'ours s':>8} {'sklearn s':>10} {'ratio':>6}"
    )
    for name, x, labels, hidden, batch in cases:
        ours, theirs = epoch_seconds(x, labels, hidden, batch, args.repeats, args.seed, clock)
        print(
            f"{name:>26} {len(x):>9} {batch:>6} {ours:>8.3f} {theirs:>10.3f} {ours / theirs:>6.2f}"
        )
    chain_vs_shortcut(128, args.chain_examples, args.seed, clock)


if __name__ == "__main__":
    main()
