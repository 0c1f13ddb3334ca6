"""The whole-record calibration on Ha Tinh's record: what it reads, what it leaves out and
what it reports."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import coopsim
from coopsim.analyses.calibration.record.likelihood import run_filter
from coopsim.analyses.calibration.record.problem import build_record_problem
from coopsim.analyses.calibration.record.timeline import build_record


def test_the_record_reads_every_figure_it_has_a_quantity_for(region):
    record = build_record(region, 2023)
    read = {f.where for f in record.figures}
    assert "dated_snapshots.after_cleanup.total" in read  # an undated report
    assert "period_flows.cleanup_after_2020.removed" in read  # a bound over three years
    assert "dated_snapshots.review_2020_07_30.classes.weak" in read
    assert "period_flows.first_half_2018.founded" in read
    assert set(record.not_used) == {
        "snapshots.2023.members",
        "snapshots.2023.cooperative_groups",
        "snapshots.2023.unions",
        "flows.2023.net_change",
        "dated_snapshots.june_2016.members",
        "dated_snapshots.june_2016.cooperative_groups",
    }
    assert record.first_date == "some day from 2016-06-01 to 2016-06-30"
    undated = next(f for f in record.figures if f.where.endswith("after_cleanup.total"))
    assert len(undated.dates) == 4 and undated.dates[0] < undated.dates[-1] <= 7.0


def test_a_record_cut_at_an_earlier_year_leaves_the_later_figures_out(region):
    record = build_record(region, 2022)
    assert not any(f.where.startswith(("flows.2023", "snapshots.2023")) for f in record.figures)
    assert "after 2022-12-31" in record.not_used["snapshots.2023.total"]


def test_the_2020_wave_is_what_the_record_needs(scenario, region):
    """With waves the record is far likelier than without (416 struck off in 2020-2022)."""
    problem = build_record_problem(scenario, region)
    values = {"initial_dormant_share": 0.35, "register_error": 3.0}
    with_waves = run_filter(problem.record, problem.model(values)).log_likelihood
    never = run_filter(
        problem.record, problem.model({**values, "wave_probability_per_year": 0.0})
    ).log_likelihood
    assert with_waves > never + 20


def test_the_calibration_reports_the_whole_record(scenario, region):
    fit = coopsim.calibrate(scenario, region, draws=100, warmup=50, seed=3, workers=1)
    summary = fit.summary()
    assert summary["method"] == "record"
    assert len(summary["figures_fitted"]) == 18
    assert any("+8" in text and "+5" in text for text in summary["contradictions"])
    wave = summary["clean_up_wave"]
    assert wave["years"] == [2024, 2026] and 0 <= wave["q05"] <= wave["median"] <= wave["q95"] <= 1
    assert set(fit.check.figure) == set(summary["figures_fitted"])
    assert np.all(fit.check.q05 <= fit.check.q95)
    assert fit.draws.shape == (100, 13)
    assert "stopped" in summary["classes_as_published"]


def test_figures_after_the_origin_are_predicted_and_never_read(scenario, region):
    """A forecast from an origin: the later figures change neither the likelihood nor the
    predictive of any figure, whatever their values."""
    problem = build_record_problem(scenario, region)
    model = problem.model({"initial_dormant_share": 0.35, "register_error": 3.0})
    origin = build_record(region, 2021)
    cut = run_filter(origin, model, keep_predictive=True)
    full = run_filter(problem.record, model, keep_predictive=True, read_until=5.0)
    assert full.log_likelihood == pytest.approx(cut.log_likelihood, rel=1e-12)
    changed = build_record(region, 2023)  # every later count published as "at most 9"
    changed.figures = [
        f if f.time <= 5.0 or f.share else replace(f, value=None, low=0.0, high=9.0)
        for f in changed.figures
    ]
    moved = run_filter(changed, model, keep_predictive=True, read_until=5.0)
    assert moved.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-12)
    for where, predictive in full.predictive.items():
        assert np.allclose(moved.predictive[where].means, predictive.means)
    later = [f.where for f in problem.record.figures if f.time > 5.0]
    assert later and all(where in full.predictive for where in later)
