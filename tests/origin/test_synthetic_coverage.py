"""Forecasts conditioned on a mid-year report, checked against synthetic truths.

Each truth is a year of the baseline's model simulated here independently of the engines
(every cooperative moves by the chain's transition matrices, foundings arrive as a Poisson
process at a gamma intensity), with its own mid-year report: the stock on 30 June and the
first half's foundings and dissolutions. The forecast conditioned on that report must (a) be
narrower at the year's end than the forecast made on 1 January, and (b) over many truths put
each year-end figure inside its central 90% band about 90% of the time (mid-PIT in
[0.05, 0.95], which treats the atoms of a count fairly): within 5 points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest
from scipy.linalg import expm

from coopsim.analyses.calibration.record.moments import LAYOUT
from coopsim.analyses.calibration.record.timeline import RecordFigure, model_time
from coopsim.analyses.origin import InYearReport, start_at_report
from coopsim.engines.fast.simulation import simulate_chunk
from coopsim.metrics import METRIC_INDEX
from coopsim.model.plan import SimulationPlan

REPORT_DAY = dt.date(2024, 6, 30)
T0 = model_time(REPORT_DAY, 2024)
CHECKED = ("cooperatives", "founded", "dissolved", "well_operating_share")


def _truth(plan: SimulationPlan, rng: np.random.Generator) -> dict[str, float]:
    """One year of the model: the report at T0 and the year-end figures."""
    q = plan.periods[0].hazards.generator()  # (5, 5): four classes, then dissolved
    before, after = expm(q * T0), expm(q * (1 - T0))
    old_t0 = np.zeros(5, dtype=int)
    for c, n in enumerate(plan.initial.latent):
        old_t0 += rng.multinomial(n, before[c])
    old_end = np.zeros(5, dtype=int)
    for c in range(4):
        old_end += rng.multinomial(old_t0[c], after[c])
    old_end[4] += old_t0[4]
    k = plan.founding_dispersion
    intensity = plan.founding_mean_per_year * rng.gamma(k, 1 / k)
    arrivals = rng.uniform(0, 1, rng.poisson(intensity))
    young_t0 = np.zeros(5, dtype=int)
    young_end = np.zeros(5, dtype=int)
    for a in arrivals:
        c = rng.choice(4, p=plan.entry_distribution)
        if a < T0:
            s = rng.choice(5, p=_row(expm(q * (T0 - a))[c]))
            young_t0[s] += 1
            s = rng.choice(5, p=_row(after[s])) if s < 4 else 4
        else:
            s = rng.choice(5, p=_row(expm(q * (1 - a))[c]))
        young_end[s] += 1
    total_end = old_end[:4].sum() + young_end[:4].sum()
    return {
        "report_total": float(old_t0[:4].sum() + young_t0[:4].sum()),
        "report_founded": float((arrivals < T0).sum()),
        "report_dissolved": float(old_t0[4] + young_t0[4]),
        "cooperatives": float(total_end),
        "founded": float(arrivals.size),
        "dissolved": float(old_end[4] + young_end[4]),
        "well_operating_share": float(old_end[:2].sum() / total_end),
    }


def _row(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 0, None)
    return p / p.sum()


def _report(truth: dict[str, float]) -> InYearReport:
    """The truth's mid-year review as the forecast reads it."""
    base = LAYOUT.base
    total = LAYOUT.total(base)
    founded, dissolved = np.zeros(base), np.zeros(base)
    founded[LAYOUT.founded] = 1.0
    dissolved[[LAYOUT.dissolved, LAYOUT.removed]] = 1.0
    figures = [
        _exact("review.total", "total", total, truth["report_total"], None),
        _exact("half.founded", "founded", founded, truth["report_founded"], 0.0),
        _exact("half.dissolved", "dissolved", dissolved, truth["report_dissolved"], 0.0),
    ]
    return InYearReport(2024, REPORT_DAY, T0, tuple(figures), tuple(f.where for f in figures))


def _exact(where: str, quantity: str, h: np.ndarray, value: float, start) -> RecordFigure:
    """An exact figure of the report's day (a flow from 1 January when `start` is 0)."""
    return RecordFigure(where, quantity, h, value, value, value, T0, where, start=start)


def _year_end(plan: SimulationPlan, seed: int, replications: int) -> dict[str, np.ndarray]:
    values = simulate_chunk(plan, seed, 0, replications)[:, 0, :]
    return {name: values[:, METRIC_INDEX[name]] for name in CHECKED}


def _mid_pit(sample: np.ndarray, truth: float) -> float:
    return float(np.mean(sample < truth) + 0.5 * np.mean(sample == truth))


def _run(baseline_plan: SimulationPlan, truths: int, replications: int):
    plan = replace(baseline_plan, n_years=1)
    rng = np.random.default_rng(20240630)
    before = _year_end(plan, 7, replications)
    covered = {name: [] for name in CHECKED}
    ratio = {name: [] for name in CHECKED}
    for k in range(truths):
        truth = _truth(plan, rng)
        started = start_at_report(plan, None, _report(truth), replications=replications, seed=k)
        after = _year_end(started.plan, k, replications)
        for name in CHECKED:
            covered[name].append(0.05 <= _mid_pit(after[name], truth[name]) <= 0.95)
            width = np.subtract(*np.quantile(after[name], [0.95, 0.05]))
            ratio[name].append(width / np.subtract(*np.quantile(before[name], [0.95, 0.05])))
    return covered, ratio


@pytest.fixture(scope="module")
def baseline_plan():
    import coopsim
    from coopsim.inputs.region_data import region_for
    from coopsim.model.plan import compile_plan

    scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    plan = compile_plan(scenario, region_for(scenario).data)
    assert len(plan.periods) == 1 and plan.dormancy is None and not plan.cleanups
    return plan


def _check(covered, ratio, tolerance: float) -> None:
    pooled = np.mean([c for name in CHECKED for c in covered[name]])
    assert abs(pooled - 0.90) <= tolerance, {n: np.mean(c) for n, c in covered.items()}
    for name in CHECKED:
        assert abs(np.mean(covered[name]) - 0.90) <= tolerance + 0.05, name
    # a half-year known: the year's stock and flows are far narrower than seen from 1 January
    for name in ("cooperatives", "founded", "dissolved"):
        assert np.median(ratio[name]) < 0.75, (name, np.median(ratio[name]))
    assert np.median(ratio["well_operating_share"]) < 1.0


def test_report_narrows_and_covers(baseline_plan) -> None:
    """60 truths x 4 figures (mid-PIT coverage of the 90% band, pooled, within 5 points)."""
    covered, ratio = _run(baseline_plan, truths=60, replications=1024)
    _check(covered, ratio, tolerance=0.05)


@pytest.mark.slow
def test_report_covers_over_many_truths(baseline_plan) -> None:
    """400 truths: every figure's coverage within 5 points of 90%."""
    covered, ratio = _run(baseline_plan, truths=400, replications=2048)
    _check(covered, ratio, tolerance=0.05)
    for name in CHECKED:
        assert abs(np.mean(covered[name]) - 0.90) <= 0.05, name
