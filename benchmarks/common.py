"""Helpers shared by the benchmark scripts: timing and loading a scenario."""

from __future__ import annotations

import shutil
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from coopsim.inputs.region_data import LoadedRegion, region_for
from coopsim.inputs.scenario import LoadedScenario, load_scenario
from coopsim.model.plan import SimulationPlan, compile_plan

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def load(path: Path = BASELINE) -> tuple[LoadedScenario, LoadedRegion, SimulationPlan]:
    """A scenario file, its region's data and its compiled plan (data warnings silenced)."""
    warnings.simplefilter("ignore")
    loaded = load_scenario(path)
    region = region_for(loaded.scenario, loaded.path)
    return loaded, region, compile_plan(loaded.scenario, region.data)


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    """Median wall-clock seconds of `action` over `repeats` runs (shared machines are noisy)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command(*args: str) -> list[str]:
    """The installed console script (as a user runs it), else `python -m coopsim`."""
    found = shutil.which("coopsim", path=str(Path(sys.executable).parent))
    return [found, *args] if found else [sys.executable, "-m", "coopsim", *args]
