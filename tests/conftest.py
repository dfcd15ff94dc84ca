"""Hypothesis profiles: the same examples on every run, and no deadline.

The default profile "ci" derandomizes (examples come from a fixed seed derived from each test,
so a run is reproducible and CI cannot fail by drawing a new example) and has no deadline
(the tests are numerical, and a wall-clock limit would make them depend on the machine's
speed). ``HYPOTHESIS_PROFILE=explore`` draws fresh random examples on each run, for hunting
new counter-examples by hand.
"""

import os

import pytest
from hypothesis import settings
from matplotlib.figure import Figure

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
