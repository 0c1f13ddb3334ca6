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
