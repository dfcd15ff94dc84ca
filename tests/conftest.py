"""Hypothesis profiles: the same examples on every run, and no deadline.

The default profile "ci" derandomizes (examples come from a fixed seed derived from each test,
so a run is reproducible and CI cannot fail by drawing a new example) and has no deadline
(the tests are numerical, and a wall-clock limit would make them depend on the machine's
speed). ``HYPOTHESIS_PROFILE=explore`` draws fresh random examples on each run, for hunting
new counter-examples by hand.
"""

import os
import string

import numpy as np
import pytest
from hypothesis import settings
from matplotlib.figure import Figure
from nle import nethack

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def saved_figures(monkeypatch):
    """Every matplotlib Figure saved during the test, in order (each still written to its file).

    Plot tests read the drawn data back from these objects (line data, axis limits, texts),
    so they check what a figure shows, not only that a PNG file exists.
    """
    figures = []
    real_savefig = Figure.savefig

    def savefig(figure, *args, **kwargs):
        figures.append(figure)
        return real_savefig(figure, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return figures


def _nle_pack(*lines: str, letters: str = string.ascii_letters) -> tuple[np.ndarray, np.ndarray]:
    """NLE's ``inv_letters`` (55,) and ``inv_strs`` (55, 80) holding ``lines`` under ``letters``."""
    inv_letters = np.zeros(55, dtype=np.uint8)
    inv_strs = np.zeros((55, 80), dtype=np.uint8)
    for row, (letter, line) in enumerate(zip(letters, lines, strict=False)):
        inv_letters[row] = ord(letter)
        inv_strs[row, : len(line)] = np.frombuffer(line.encode(), dtype=np.uint8)
    return inv_letters, inv_strs


@pytest.fixture
def nle_pack():
    """Builds an inventory as NLE observes it: ``nle_pack("an apple", "a tin", letters="fg")``.

    The lines go under the letters a, b, … unless ``letters`` names them.
    """
    return _nle_pack


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray cluster of 2 CPUs for the tests of one module (starting one takes seconds).

    Ray gives its raylet a fixed 30 s to register; on a loaded machine that can run out, so
    the start is tried up to three times.
    """
    ray = pytest.importorskip("ray")
    for attempt in range(3):
        try:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            break
        except Exception:  # noqa: BLE001  (Ray raises a bare Exception on the timeout)
            ray.shutdown()
            if attempt == 2:
                raise
    yield ray
    ray.shutdown()


def _date_corpse(runner, i: int, square, turn: int, name: str) -> None:
    """Write into ``runner.corpses`` that a ``name`` corpse fell on ``square`` at ``turn``.

    ``square``: (y, x), or (dungeon, level, y, x) as ``GameRunner._where`` gives it.
    """
    y, x = (int(v) for v in square[-2:])
    runner.corpses.dated[i, y, x] = turn
    runner.corpses.monster[i, y, x] = next(
        m for m in range(nethack.NUMMONS) if nethack.permonst(m).mname == name
    )


@pytest.fixture
def date_corpse():
    """Dates a corpse by hand: ``date_corpse(runner, i, (y, x), turn, "jackal")``.

    As if the runner's ``CorpseWatch`` had seen it fall (its own rules have their own tests).
    """
    return _date_corpse
