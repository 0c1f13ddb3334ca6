"""A whole-record posterior started at a report: each draw's state from the whole record."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim.analyses.calibration.record.likelihood import run_filter
from coopsim.analyses.calibration.record.problem import build_record_problem
from coopsim.analyses.origin import in_year_report, start_at_report
from coopsim.analyses.origin.record_start import conditioned_on_record, record_problem
from coopsim.inputs.region_data import load_scenario_and_region
from coopsim.model.plan import compile_plan

EXAMPLE = Path("docs/examples/july_review/cleanup_risk.toml")


@pytest.fixture(scope="module")
def setting():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded, region = load_scenario_and_region(EXAMPLE)
    scenario = loaded.scenario
    report = in_year_report(region.data, 2024)
    problem = record_problem(scenario, region.data, report)
    rng = np.random.default_rng(4)
    medians = {n: float(problem.priors[n].frozen().median()) for n in problem.names}
    draws = pd.DataFrame(
        {n: v * np.exp(0.05 * rng.standard_normal(40)) for n, v in medians.items()}
    )
    for name in draws:  # probabilities stay probabilities
        if "probability" in name or "removal" in name or "share" in name:
            draws[name] = draws[name].clip(0.01, 0.99)
    return scenario, region, report, problem, draws


def test_the_report_gain_is_the_whole_record_less_the_calibrated_part(setting) -> None:
    """The likelihood before the start is exactly the calibration's (record cut at 2023)."""
    scenario, region, report, problem, draws = setting
    calibrated = build_record_problem(scenario, region.data)
    values = draws.iloc[0].to_dict()
    model = problem.model(values)
    start = problem.record.time_of(dt.date(2023, 12, 31))
    found = run_filter(
        problem.record,
        model,
        stop_at=problem.record.time_of(report.date),
        split_at=start,
        copy_counters_at=start,
    )
    assert found.log_likelihood_split == pytest.approx(
        run_filter(calibrated.record, calibrated.model(values)).log_likelihood, abs=1e-9
    )
    gain = conditioned_on_record(problem, report, draws.iloc[:1])[0].log_likelihood
    assert gain == pytest.approx(found.log_likelihood - found.log_likelihood_split, abs=1e-9)
    assert -30 < gain < 0


def test_starts_carry_the_records_dormant_stock_and_the_report(setting) -> None:
    scenario, region, report, _, draws = setting
    plan = compile_plan(scenario, region.data)
    assert plan.initial.latent.sum() == 1025 and plan.n_states == 5
    started = start_at_report(
        plan, scenario, report, replications=400, seed=2, posterior=draws,
        replicates_per_set=10, region=region.data,
    )  # fmt: skip
    origin = started.plan.origin
    assert any("whole record" in note for note in started.notes)
    assert (origin.founded == 9).all() and (origin.dissolved == 11).all()
    dormant = origin.old[:, 4] + origin.young[:, 4]
    assert dormant.mean() > 5  # the year-end table has none; the record has some
    assert abs(origin.alive(np.arange(origin.count)).mean() - 1023) < 5
    assert (origin.young.sum(axis=1) <= 9).all()
    # without the region, the start is the year-end table's (no one dormant at 1 January)
    plain = start_at_report(
        plan, scenario, report, replications=400, seed=2, posterior=draws, replicates_per_set=10
    )
    assert plain.plan.origin.old[:, 4].mean() < dormant.mean()


def test_a_year_end_forecast_starts_from_the_records_stock(setting) -> None:
    """With a whole-record posterior and no report, replicates start on 1 January from the
    record's state: some dormant, nothing counted yet, the year's founding drawn as usual."""
    import coopsim
    from coopsim.analyses.origin.year_end_start import record_for_year_end, start_from_record

    scenario, region, _, _, draws = setting
    plan = compile_plan(scenario, region.data)
    problem = record_for_year_end(scenario, region.data, plan.first_year)
    assert problem is not None
    started = start_from_record(
        plan, problem, draws, replications=400, replicates_per_set=10, seed=3
    )
    origin = started.plan.origin
    assert origin.time == 0.0 and origin.young.sum() == 0
    assert not (origin.founded.any() or origin.dissolved.any() or origin.removed.any())
    assert np.isnan(origin.founding_factor).all()
    assert origin.old[:, 4].mean() > 5
    assert abs(origin.alive(np.arange(origin.count)).mean() - 1025) < 8
    result = coopsim.forecast(
        scenario, replications=400, seed=3, region=region, posterior=draws,
        replicates_per_set=10, origin="year-end",
    )  # fmt: skip
    assert result.origin["kind"] == "year-end, from the whole record"
    assert result.metric("dormant", 2024).mean() > 5
    # E[founded in 2024 | set j] = the mean x set j's founding scale: per set, the replicates'
    # mean less it, averaged over the sets (independent), within 4 standard errors
    sets = started.plan.parameter_sets
    founded = result.metric("founded", 2024)
    which = np.arange(founded.size) % sets.count
    expected = scenario.founding.mean_per_year * sets.values["founding_scale"]
    gaps = np.array([founded[which == j].mean() - expected[j] for j in range(sets.count)])
    assert abs(gaps.mean()) < 4 * gaps.std(ddof=1) / np.sqrt(sets.count)
