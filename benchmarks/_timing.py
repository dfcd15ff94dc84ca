"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def best_time(call: Callable[[], object], repeats: int) -> float:
    """The best wall time of ``repeats`` calls: on a shared machine, the least disturbed."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best
