"""Chain (explicit Jacobians) vs shortcut for the softmax-layer gradients.

For each (D, K) with a batch of 256: seconds per call of the cross-entropy weight gradient
and of the policy gradient by the explicit chain and by the shortcut, their ratio, the largest
difference between the two, and the peak memory of the chain (tracemalloc sees numpy's
allocations). Where the chain would need more than ``--max-chain-gib`` it runs on a slice of
the batch and its time and memory are scaled up linearly (it is linear in B); the line says so.

    python benchmarks/bench_gradients.py
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

import numpy as np

import gradients as g

SHAPES = ((3, 5), (784, 10), (4096, 23))
BATCH = 256


def best_time(call: Callable[[], np.ndarray], repeats: int) -> tuple[float, np.ndarray]:
    """Best wall time of ``repeats`` calls, and the result of the last one."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_bytes(call: Callable[[], np.ndarray]) -> int:
    """Peak memory allocated while ``call`` runs."""
    tracemalloc.start()
    call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def policy_gradient_chain(W: np.ndarray, phi: np.ndarray, actions, weights) -> np.ndarray:
    """Σ_b w_b ∇_W log π(a_b|φ_b) as d log π_a/dS · dS/dW, with the explicit layer Jacobian."""
    pi = g.softmax(phi @ W)
    dlog_ds = weights[:, None] * g.one_hot(actions, W.shape[1]) / pi
    return np.einsum("bt,btji->ji", dlog_ds, g.softmax_layer_jacobian(W, phi, "chain"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-chain-gib", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    print(f"batch {BATCH}; seconds per call (best of several); chain peak memory")
    header = f"{'D×K':>9} {'gradient':>15} {'chain s':>10} {'shortcut s':>11} {'ratio':>8}"
    print(header + f" {'max |diff|':>10} {'chain peak':>12}")
    for d, k in SHAPES:
        W = rng.normal(size=(d, k)) * 0.1
        x = rng.normal(size=(BATCH, d))
        y = g.softmax(rng.normal(size=(BATCH, k)))
        actions = rng.integers(k, size=BATCH)
        weights = rng.normal(size=BATCH)
        chain_bytes_per_example = 3 * k * d * k * 8
        sub = min(BATCH, max(1, int(args.max_chain_gib * 2**30 // chain_bytes_per_example)))
        scale = BATCH / sub
        cases = {
            "cross-entropy": (
                lambda n, W=W, x=x, y=y: g.cross_entropy_weight_grad(W, x[:n], y[:n], "chain"),
                lambda n, W=W, x=x, y=y: g.cross_entropy_weight_grad(W, x[:n], y[:n], "shortcut"),
            ),
            "policy": (
                lambda n, W=W, x=x, a=actions, w=weights: policy_gradient_chain(
                    W, x[:n], a[:n], w[:n]
                ),
                lambda n, W=W, x=x, a=actions, w=weights: g.policy_gradient(W, x[:n], a[:n], w[:n]),
            ),
        }
        for name, (chain, shortcut) in cases.items():
            repeats = 3 if d * k > 1000 else 50
            chain_s, chain_value = best_time(partial(chain, sub), repeats)
            shortcut_value = shortcut(sub)
            diff = np.abs(chain_value - shortcut_value).max()
            peak = peak_bytes(partial(chain, sub)) * scale
            chain_s *= scale
            shortcut_full, _ = best_time(partial(shortcut, BATCH), repeats * 10)
            note = f"  (chain on {sub} of {BATCH}, scaled ×{scale:.0f})" if sub < BATCH else ""
            print(
                f"{d:>4}×{k:<4} {name:>15} {chain_s:>10.2e} {shortcut_full:>11.2e} "
                f"{chain_s / shortcut_full:>7.0f}× {diff:>10.1e} {peak / 2**20:>9.1f} MiB{note}"
            )


if __name__ == "__main__":
    main()
