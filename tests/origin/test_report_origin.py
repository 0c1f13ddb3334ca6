"""A forecast started at a report within its first year: which report, what it conditions,
the posterior updated with it, and the command line."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import nbinom

import coopsim
from coopsim.analyses.origin import in_year_report, start_at_report
from coopsim.errors import InputError
from coopsim.inputs.region_data import load_region, load_scenario_and_region, region_for
from coopsim.model.plan import compile_plan

EXAMPLE = Path("docs/examples/july_review")


@pytest.fixture(scope="module")
def july():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded, region = load_scenario_and_region(EXAMPLE / "scenario.toml")
    return loaded.scenario, region


def test_the_report_within_the_year_is_found(july) -> None:
    _, region = july
    report = in_year_report(region.data, 2024)
    assert report is not None and report.date == dt.date(2024, 6, 30)
    assert sorted(report.places) == [
        "dated_snapshots.review_2024_06_30.total",
        "period_flows.first_half_2024.dissolved",
        "period_flows.first_half_2024.founded",
    ]
    assert report.points()["founded"] == [(2023 + report.time, 9.0)]
    # Ha Tinh's own file has nothing within 2024; nor has the July file within 2025
    assert (
        in_year_report(
            region_for(coopsim.load_scenario("scenarios/baseline.toml").scenario).data, 2024
        )
        is None
    )
    assert in_year_report(region.data, 2025) is None


def test_a_forecast_counts_the_year_so_far_and_narrows(july) -> None:
    scenario, region = july
    after = coopsim.forecast(scenario, replications=2048, seed=3, region=region)
    before = coopsim.forecast(scenario, replications=2048, seed=3, region=region, origin="year-end")
    assert before.origin is None and after.origin["date"] == "2024-06-30"
    founded, dissolved = after.metric("founded", 2024), after.metric("dissolved", 2024)
    assert founded.min() >= 9 and dissolved.min() >= 11
    assert after.summary()["origin"]["conditioned_on"][0].startswith("dated_snapshots.review")

    def width(result, metric):
        return np.subtract(*np.quantile(result.metric(metric, 2024), [0.95, 0.05]))

    for metric in ("cooperatives", "founded"):
        assert width(after, metric) < 0.75 * width(before, metric), metric
    # 9 founded by June, well below the 35 a year expected: fewer in 2024 than from January
    assert founded.mean() < before.metric("founded", 2024).mean() - 5


def test_a_report_dated_only_to_a_long_window_is_refused(tmp_path: Path) -> None:
    text = (EXAMPLE / "region.toml").read_text()
    text = text.replace("date = 2024-06-30", "between = [2024-05-01, 2024-06-30]")
    (tmp_path / "region.toml").write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        region = load_region(str(tmp_path / "region.toml"))
    with pytest.raises(InputError) as error:
        in_year_report(region.data, 2024)
    assert "dated_snapshots.review_2024_06_30" in str(error.value)
    assert "31 days" in str(error.value)
    scenario = (EXAMPLE / "scenario.toml").read_text()
    base = Path("scenarios/baseline.toml").resolve()
    (tmp_path / "scenario.toml").write_text(
        scenario.replace('"../../../scenarios/baseline.toml"', f'"{base}"')
    )
    done = _coopsim("validate", str(tmp_path / "scenario.toml"))
    assert done.returncode == 2 and "review_2024_06_30" in done.stderr
    assert "Traceback" not in done.stderr
    done = _coopsim("validate", str(EXAMPLE / "scenario.toml"))
    assert done.returncode == 0 and "start at the report of 2024-06-30" in done.stdout


def test_the_posterior_is_reweighted_by_the_report(july) -> None:
    """Draws of founding_scale, reweighted by 9 founded in the first half, against the exact
    negative-binomial weights (the filter's Gaussian stands in for it): within 0.06."""
    scenario, region = july
    plan = compile_plan(scenario, region.data)
    report = in_year_report(region.data, 2024)
    founded_only = type(report)(
        report.first_year,
        report.date,
        report.time,
        tuple(f for f in report.figures if f.quantity == "founded"),
        (),
    )
    rng = np.random.default_rng(11)
    draws = pd.DataFrame({"founding_scale": rng.uniform(0.3, 1.7, 2000)})
    started = start_at_report(
        plan,
        scenario,
        founded_only,
        replications=4000,
        seed=5,
        posterior=draws,
        replicates_per_set=2,
    )
    k, mean = plan.founding_dispersion, plan.founding_mean_per_year * report.time
    exact = nbinom.pmf(9, k, k / (k + mean * draws["founding_scale"]))
    expected = float(np.average(draws["founding_scale"], weights=exact))
    updated = float(draws["founding_scale"].iloc[started.update.rows].mean())
    assert abs(updated - expected) < 0.06, (updated, expected)
    assert updated < draws["founding_scale"].mean() - 0.2
    assert 100 < started.update.effective_draws < 2000
    assert started.plan.parameter_sets.count == 2000


def _coopsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "coopsim", *args], capture_output=True, text=True, check=False
    )


def test_the_command_says_its_origin(tmp_path: Path) -> None:
    scenario = str(EXAMPLE / "scenario.toml")
    done = _coopsim("forecast", scenario, "--replications", "300", "--out", str(tmp_path / "a"))
    assert done.returncode == 0, done.stderr
    assert "Origin: the report of 2024-06-30" in done.stdout
    assert "period_flows.first_half_2024.founded = 9" in done.stdout
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["origin"]["date"] == "2024-06-30"
    provenance = json.loads((tmp_path / "a" / "provenance.json").read_text())
    assert "2024-06-30" in json.dumps(provenance)
    done = _coopsim(
        "forecast",
        scenario,
        "--replications",
        "300",
        "--origin",
        "year-end",
        "--out",
        str(tmp_path / "b"),
    )
    assert done.returncode == 0 and "Origin:" not in done.stdout
    assert "origin" not in json.loads((tmp_path / "b" / "summary.json").read_text())
    done = _coopsim("forecast", scenario, "--origin", "july", "--out", str(tmp_path / "c"))
    assert done.returncode == 2 and "--origin" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "c").exists()


def test_compare_and_the_brief_start_at_the_report(tmp_path: Path) -> None:
    scenario = str(EXAMPLE / "scenario.toml")
    resolution = tmp_path / "resolution20.toml"
    resolution.write_text(
        f'extends = "{Path("scenarios/resolution20.toml").resolve()}"\n'
        f'name = "resolution20_july"\nregion = "{(EXAMPLE / "region.toml").resolve()}"\n'
    )
    done = _coopsim(
        "compare", scenario, str(resolution), "--replications", "300", "--out", str(tmp_path / "c")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("the report of 2024-06-30") == 2
    done = _coopsim(
        "compare", scenario, str(resolution), "--replications", "300", "--origin", "year-end",
        "--out", str(tmp_path / "d"),
    )  # fmt: skip
    assert done.returncode == 0 and "Origin of" not in done.stdout
    done = _coopsim(
        "report", scenario, "--replications", "300", "--out", str(tmp_path / "brief.html")
    )
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "brief.html").read_text()
    assert "The forecast starts at the report of 2024-06-30" in page
    assert "period_flows.first_half_2024.founded = 9" in page


def test_goal_seeking_starts_every_run_at_the_report(tmp_path: Path) -> None:
    done = _coopsim(
        "goal-seek", str(EXAMPLE / "scenario.toml"), "--target", "new_cooperatives_2024",
        "--lever", "founding.mean_per_year", "--probability", "0.6", "--replications", "400",
        "--out", str(tmp_path / "g"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Origin: every run starts at the report of 2024-06-30" in done.stdout
    document = json.loads((tmp_path / "g" / "goal_seek.json").read_text())
    assert document["origin"]["date"] == "2024-06-30" and document["engine"] != "exact"


def test_the_explorer_starts_where_the_command_it_shows_starts(july) -> None:
    """The explorer's plan at the report gives the numbers of `coopsim forecast --seed`."""
    from coopsim.app.changes import apply_changes, load_base
    from coopsim.metrics import METRIC_INDEX
    from coopsim.runs.simulate import simulate

    scenario, region = july
    applied = apply_changes(load_base(EXAMPLE / "scenario.toml"), (), seed=11)
    assert applied.origin is not None and applied.origin["date"] == "2024-06-30"
    values, _ = simulate(applied.plan, 11, 700, engine="fast")
    forecast = coopsim.forecast(scenario, replications=700, seed=11, region=region, engine="fast")
    founded = values[:, 0, METRIC_INDEX["founded"]]
    assert np.array_equal(founded, forecast.metric("founded", 2024))


def test_a_figure_the_model_cannot_follow_is_named(tmp_path: Path) -> None:
    """A 'stopped' count in a scenario without dormancy: the model has no one stopped."""
    text = (EXAMPLE / "region.toml").read_text()
    text += (
        "\n[dated_snapshots.review_2024_06_30.classes.stopped]\nvalue = 41\n"
        'source = "invented_review_2024_06"\n'
    )
    (tmp_path / "region.toml").write_text(text)
    scenario = (EXAMPLE / "scenario.toml").read_text()
    base = Path("scenarios/baseline.toml").resolve()
    scenario = scenario.replace('"../../../scenarios/baseline.toml"', f'"{base}"')
    (tmp_path / "scenario.toml").write_text(scenario)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded, region = load_scenario_and_region(tmp_path / "scenario.toml")
    result = coopsim.forecast(loaded.scenario, replications=300, region=region)
    [note] = [n for n in result.origin["notes"] if "predictive sds" in n]
    assert note.startswith("dated_snapshots.review_2024_06_30.classes.stopped lies")
    assert "[dormancy]" in note
    # the July example's own figures are all within what the model expects
    _, july_region = load_scenario_and_region(EXAMPLE / "scenario.toml")
    july = coopsim.forecast(loaded.scenario, replications=300, region=july_region)
    assert not [n for n in july.origin["notes"] if "predictive sds" in n]
