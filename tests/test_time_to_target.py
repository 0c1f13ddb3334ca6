"""Time to target: the first year a target's condition is met, against the yearly probabilities."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from coopsim.analyses.forecast import forecast
from coopsim.cli.main import main
from coopsim.inputs.scenario import Scenario, Target
from coopsim.plots.time_to_target import plot_time_to_target, save_time_to_target_chart
from coopsim.results.time_to_target import from_flags, has_yearly_form, time_to_target

ROOT = Path(__file__).resolve().parents[1]


def test_which_targets_have_a_yearly_form(baseline):
    forms = {name: has_yearly_form(t) for name, t in baseline.targets.items()}
    assert forms == {
        "new_cooperatives_2024": False,  # a band for one year, not a level to reach
        "new_cooperatives_2024_at_least_20": True,
        "well_operating_share_2024": True,
        "well_operating_share_2030": True,
    }


def test_first_year_distribution_from_flags_by_hand():
    target = Target(metric="cooperatives", year=2025, comparison=">", threshold=1)
    met = np.array(
        [
            [False, True, True],  # first met in year 2
            [True, False, True],  # first met in year 1 (and lost, and met again)
            [False, False, False],  # never
            [False, True, False],  # first met in year 2
        ]
    )
    entry = from_flags("t", target, [2024, 2025, 2026], met)
    assert entry.first_year.tolist() == [0.25, 0.5, 0.0]
    assert entry.not_by_horizon == 0.25
    assert entry.met_by_year.tolist() == [0.25, 0.75, 0.75]
    assert entry.met_in_year.tolist() == [0.25, 0.5, 0.5]
    assert entry.median_year == 2025
    never = from_flags("t", target, [2024, 2025, 2026], np.zeros((4, 3), dtype=bool))
    assert never.not_by_horizon == 1.0 and never.median_year is None


def test_summary_entries_agree_with_the_yearly_probabilities(baseline_run):
    summary = json.loads(json.dumps(baseline_run.summary()))
    entries = summary["time_to_target"]
    assert set(entries) == {
        "new_cooperatives_2024_at_least_20",
        "well_operating_share_2024",
        "well_operating_share_2030",
    }
    years = [str(y) for y in baseline_run.years]
    for name, entry in entries.items():
        target = baseline_run.scenario.targets[name]
        first = entry["first_year_probabilities"]
        assert list(first) == years
        assert sum(first.values()) + entry["not_by_horizon"] == pytest.approx(1.0)
        by_year, in_year = entry["met_by_year"], entry["met_in_year"]
        assert all(b >= i - 1e-12 for b, i in zip(by_year.values(), in_year.values(), strict=True))
        assert list(by_year.values()) == sorted(by_year.values())
        assert by_year[years[-1]] == pytest.approx(1 - entry["not_by_horizon"])
        # P(met in the target's own year) is the target's probability
        assert in_year[str(target.year)] == pytest.approx(summary["targets"][name]["probability"])
    founding = entries["new_cooperatives_2024_at_least_20"]
    assert founding["median_year"] == 2024  # founded >= 20 in the first year, most of the time


@pytest.fixture(scope="module")
def monotone(baseline: Scenario) -> Scenario:
    """No dissolution: cooperatives alive never fall, so 'first met by year k' and 'met in
    year k' are the same event for a threshold on them."""
    data = baseline.model_dump()
    data["quality"]["dissolution_per_year"] = {c: 0.0 for c in ("good", "fair", "average", "weak")}
    data["targets"] = {
        "at_least_1260": {
            "metric": "cooperatives",
            "year": 2028,
            "comparison": ">=",
            "threshold": 1260,
        }
    }
    return Scenario.model_validate(data)


def test_monotone_metric_first_passage_equals_the_yearly_probability(monotone, region):
    result = forecast(monotone, replications=1024, seed=3, engine="fast", workers=1, region=region)
    entry = time_to_target(result)["at_least_1260"]
    np.testing.assert_array_equal(entry.met_by_year, entry.met_in_year)
    # and both match the exact engine's yearly probabilities within Monte Carlo error
    exact = time_to_target(forecast(monotone, engine="exact", region=region))["at_least_1260"]
    assert exact.first_year is None and exact.not_by_horizon is None
    p = exact.met_in_year
    stderr = np.sqrt(p * (1 - p) / result.replications) + 1e-9
    assert np.all(np.abs(entry.met_by_year - p) <= 4 * stderr), (entry.met_by_year, p)
    assert 0.05 < p[-1] < 0.95 and p[0] < 0.05  # a test that actually moves over the years


def test_exact_engine_gives_yearly_probabilities_and_bounds(baseline, region):
    result = forecast(baseline, engine="exact", region=region)
    entries = time_to_target(result)
    summary = json.loads(json.dumps(result.summary()))["time_to_target"]
    for name, entry in entries.items():
        target = baseline.targets[name]
        k = result.years.index(target.year)
        assert entry.met_in_year[k] == pytest.approx(result.targets[name].probability)
        low, high = entry.bounds[:, 0], entry.bounds[:, 1]
        assert np.all(low <= high + 1e-12) and np.all(np.diff(low) >= 0)
        assert np.all(low >= entry.met_in_year - 1e-12) and np.all(high <= 1)
        assert summary[name]["first_year_probabilities"] is None
        assert "joint across years" in summary[name]["note"]


def test_chart_is_drawn_and_written(baseline_run, tmp_path):
    ax = plot_time_to_target(baseline_run, ax=Figure().subplots())
    assert len(ax.lines) >= 6 and ax.get_ylim()[1] >= 1
    path = save_time_to_target_chart(baseline_run, tmp_path)
    assert path == tmp_path / "time_to_target.png" and path.stat().st_size > 10_000


def test_no_chart_without_a_yearly_target(baseline_run, tmp_path):
    only_band = {"new_cooperatives_2024": baseline_run.scenario.targets["new_cooperatives_2024"]}
    scenario = baseline_run.scenario.model_copy(update={"targets": only_band})
    result = type(baseline_run)(
        scenario=scenario,
        region=baseline_run.region,
        initial=baseline_run.initial,
        years=baseline_run.years,
        values=baseline_run.values,
        engine=baseline_run.engine,
        engine_reason=baseline_run.engine_reason,
        seed=baseline_run.seed,
    )
    assert result.summary()["time_to_target"] == {}
    assert save_time_to_target_chart(result, tmp_path) is None
    assert not list(tmp_path.iterdir())


def test_forecast_command_writes_the_chart_and_summary(tmp_path):
    out = tmp_path / "run"
    args = ["forecast", str(ROOT / "scenarios" / "baseline.toml"), "--replications", "64"]
    assert main([*args, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert (out / "time_to_target.png").stat().st_size > 10_000
    summary = json.loads((out / "summary.json").read_text())
    assert "well_operating_share_2030" in summary["time_to_target"]
