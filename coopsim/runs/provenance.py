"""provenance.json: what was run, on what data, with which software, and when."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from coopsim.inputs.region_data import LoadedRegion
from coopsim.inputs.scenario import LoadedScenario


def package_version(name: str) -> str:
    """Installed version of a distribution, or 'unknown'."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def provenance(
    scenario: LoadedScenario,
    region: LoadedRegion,
    *,
    seed: int,
    replications: int,
    engine: str,
    workers: int,
    started: datetime,
    finished: datetime | None = None,
    argv: list[str] | None = None,
) -> dict[str, Any]:
    """The provenance document of one run (finished: now, unless given)."""
    finished = finished or datetime.now(UTC)
    return {
        "coopsim_version": package_version("coopsim"),
        "command": argv if argv is not None else sys.argv,
        "scenario_file": _path(scenario.path),
        "scenario_sha256": scenario.sha256,
        "scenario_files_sha256": scenario.file_digests(),
        "overrides": list(scenario.overrides),
        "data_file": _path(region.path),
        "data_sha256": region.sha256,
        "resolved_scenario": scenario.scenario.model_dump(mode="json"),
        "seed": seed,
        "replications": replications,
        "engine": engine,
        "workers": workers,
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "simpy_version": package_version("simpy"),
        "platform": platform.platform(),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
    }


def _path(path: Path | None) -> str | None:
    return str(path.resolve()) if path else None
