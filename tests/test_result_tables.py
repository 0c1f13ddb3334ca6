"""The result tables and chart methods a notebook uses: tidy, consistent with the result's own
numbers, and drawn on the Axes they are given."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import coopsim
from coopsim.inputs.region_data import LoadedRegion
from coopsim.inputs.scenario import Scenario
from coopsim.results.time_to_target import time_to_target


@pytest.fixture(scope="module")
def small_run(baseline: Scenario, region: LoadedRegion) -> coopsim.ForecastResult:
    return coopsim.forecast(baseline, replications=256, seed=3, workers=1, region=region)


def test_target_table_matches_the_estimates(small_run: coopsim.ForecastResult) -> None:
    table = small_run.target_table()
    assert list(table.index) == list(small_run.targets)
    for name, est in small_run.targets.items():
        row = table.loc[name]
        assert row["probability"] == est.probability
        assert (row["ci95_low"], row["ci95_high"]) == est.ci95
        assert row["replications"] == 256
    between = table.loc["new_cooperatives_2024"]
    assert (between["range_low"], between["range_high"]) == (20, 30)
    assert np.isnan(between["threshold"]) and np.isnan(between["parameter_share"])


def test_target_table_of_exact_and_posterior_runs(baseline: Scenario, region) -> None:
    exact = coopsim.forecast(baseline, engine="exact", region=region).target_table()
    assert (exact["stderr"] == 0).all() and (exact["replications"] == 0).all()
    draws = coopsim.calibrate(baseline, region.data, draws=200, warmup=200).draws
    carried = coopsim.forecast(
        baseline, replications=200, seed=1, workers=1, region=region, posterior=draws
    )
    shares = carried.target_table()["parameter_share"]
    assert shares.between(0, 1).all()


def test_time_to_target_table_is_the_tidy_form(small_run: coopsim.ForecastResult) -> None:
    table = small_run.time_to_target_table()
    entries = time_to_target(small_run)
    assert set(table["target"]) == set(entries)
    for name, entry in entries.items():
        rows = table[table["target"] == name]
        assert rows["year"].tolist() == small_run.years
        np.testing.assert_allclose(rows["met_by_year"], entry.met_by_year)
        np.testing.assert_allclose(rows["met_in_year"], entry.met_in_year)
        assert rows["met_by_year_low"].isna().all()


def test_forecast_charts_draw_on_the_given_axes(small_run: coopsim.ForecastResult) -> None:
    for draw in (
        lambda ax: coopsim.plot_fan(small_run, "founded", ax=ax),
        lambda ax: coopsim.plot_trajectories(small_run, "cooperatives", replicates=5, ax=ax),
        lambda ax: coopsim.plot_time_to_target(small_run, ax=ax),
    ):
        ax = Figure().subplots()
        assert draw(ax) is ax
        assert ax.lines


def test_single_futures_need_replicates(baseline: Scenario, region) -> None:
    exact = coopsim.forecast(baseline, engine="exact", region=region)
    with pytest.raises(ValueError, match="no replicates"):
        coopsim.plot_trajectories(exact, "founded", ax=Figure().subplots())


def test_with_setting_is_validated(baseline: Scenario) -> None:
    changed = coopsim.with_setting(baseline, "founding.mean_per_year", 25)
    assert changed.founding.mean_per_year == 25 and baseline.founding.mean_per_year == 35
    with pytest.raises(coopsim.InputError, match=r"founding\.mean_per_year"):
        coopsim.with_setting(baseline, "founding.mean_per_year", -1)


def test_calibrate_reads_the_scenarios_region_by_default(baseline: Scenario) -> None:
    fit = coopsim.calibrate(baseline, draws=100, warmup=100)
    assert fit.problem.observed.year == 2023
    assert len(coopsim.plot_prior_posterior(fit).axes) >= 6
