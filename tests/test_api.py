"""The Python API as the README shows it."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from pydantic import ValidationError

import coopsim
from coopsim.metrics import METRIC_NAMES

from .conftest import BASELINE


def test_readme_example(region):
    loaded = coopsim.load_scenario(BASELINE)
    scenario = loaded.scenario.model_copy(deep=True)
    scenario.founding.mean_per_year = 25.0
    result = coopsim.forecast(scenario, replications=40, seed=1, workers=1, region=region)
    assert 0 <= result.targets["new_cooperatives_2024"].probability <= 1
    assert result.metric("founded", 2024).mean() < 35
    assert set(METRIC_NAMES) <= set(result.trajectories().columns)
    ax = coopsim.plot_fan(result, "well_operating_share", ax=Figure().subplots())
    assert ax.get_title().startswith("Share of cooperatives operating well")


def test_changes_in_code_are_validated(baseline):
    scenario = baseline.model_copy(deep=True)
    with pytest.raises(ValidationError):
        scenario.founding.mean_per_year = -1.0
