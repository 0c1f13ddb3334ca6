"""Shared fixtures: the bundled baseline, its region, and one small ensemble reused by tests."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from coopsim.analyses.forecast import forecast
from coopsim.inputs.region_data import LoadedRegion, load_region
from coopsim.inputs.scenario import Initial, Scenario, load_scenario
from coopsim.results.forecast_result import ForecastResult

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"

#: The result files compared byte for byte between an interrupted-and-resumed run and one that
#: was not interrupted.
OUTPUTS = ("summary.json", "quantiles.csv", "trajectories.parquet")
#: Two simulated years and one target: a des run of a few hundred replicates takes seconds.
SHORT = f"""
name = "short"
extends = "{BASELINE.as_posix()}"
replace = ["targets"]
horizon_year = 2025

[targets.founded_2024]
metric = "founded"
year = 2024
comparison = "between"
range = [20, 30]
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--runslow", action="store_true", help="also run full-strength statistical checks"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow statistical check: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def region() -> LoadedRegion:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_region("ha_tinh")


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE).scenario


@pytest.fixture(scope="session")
def backtest(baseline: Scenario) -> Scenario:
    """The baseline started from the end-2022 census and run through 2023 only."""
    return baseline.model_copy(
        update={"initial": Initial(snapshot_year=2022), "horizon_year": 2023, "targets": {}}
    )


@pytest.fixture(scope="session")
def baseline_run(baseline: Scenario, region: LoadedRegion) -> ForecastResult:
    """A small baseline ensemble shared by tests that only read results."""
    return forecast(baseline, replications=200, seed=7, workers=1, region=region, engine="des")
