"""The state at a report given the whole record, for a whole-record posterior: each draw's
filter (analyses.calibration.record) run from the record's first figure through the report,
so the start carries what the record says of the stock at the report (its split into
classes, the cooperatives that stopped operating, this year's new ones), not only the
forecast's fixed end-of-year table.

The report's likelihood given the record up to the forecast's start is the filter's
likelihood through the report less its likelihood up to the start: the factor a posterior
drawn from the record up to the start is reweighted by.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from coopsim.analyses.calibration.record.likelihood import figure_condition, run_filter
from coopsim.analyses.calibration.record.moments import (
    LAYOUT,
    N_ALIVE,
    Condition,
    Mixture,
    Predictive,
    condition,
)
from coopsim.analyses.calibration.record.problem import RecordProblem, build_record_problem
from coopsim.analyses.calibration.record.timeline import RecordFigure
from coopsim.analyses.origin.condition import Conditioned, sds_outside
from coopsim.analyses.origin.report import InYearReport
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario

#: At most this many posterior draws (evenly spaced) are filtered through the whole record.
RECORD_DRAWS = 1000


def record_problem(scenario: Scenario, region: Region, report: InYearReport) -> RecordProblem:
    """The whole-record problem cut at the end of the report's day."""
    return build_record_problem(scenario, region, until=report.date)


def conditioned_on_record(
    problem: RecordProblem, report: InYearReport, draws: pd.DataFrame
) -> list[Conditioned]:
    """Per posterior row: the report's likelihood given the record up to the start, and the
    state at the report with the counters counted from 1 January of the report's year."""
    record = problem.record
    start = record.time_of(dt.date(report.first_year - 1, 12, 31))
    at = record.time_of(report.date)
    published = [f for f in record.figures if f.where in set(report.places)]
    out = []
    for _, row in draws.iterrows():
        values = {name: float(row[name]) for name in problem.names if name in row.index}
        model = problem.model(values)
        if model is None:
            out.append(Conditioned(-np.inf, _empty(), {}))
            continue
        found = run_filter(record, model, True, stop_at=at, split_at=start, copy_counters_at=start)
        before = found.log_likelihood_split
        gain = found.log_likelihood - (before if before is not None else 0.0)
        state = _pinned(found.final, published, at, found.copies, model.register_error)
        surprise = {
            f.where: sds_outside(_as_read(f, found.predictive[f.where]), found.predictive[f.where])
            for f in published
            if f.where in found.predictive
        }
        state = _this_year(state, found.copies)
        out.append(Conditioned(gain, state, {}, pinned_state=True, surprise=surprise))
    return out


def year_end_states(problem: RecordProblem, draws: pd.DataFrame, first_year: int) -> list[Mixture]:
    """Per posterior row: the state on 1 January of `first_year` given the whole record up to
    the end of the year before (last year's new cooperatives joined the stock, the year's
    counters at zero), on the base dimensions."""
    record = problem.record
    at = record.time_of(dt.date(first_year - 1, 12, 31))
    counters = [LAYOUT.founded, LAYOUT.dissolved, LAYOUT.removed]
    out = []
    for _, row in draws.iterrows():
        values = {name: float(row[name]) for name in problem.names if name in row.index}
        model = problem.model(values)
        if model is None:
            raise ValueError(f"posterior row {row.name} gives no model of the record")
        mix = run_filter(record, model, stop_at=at).final
        base = LAYOUT.base
        a = np.zeros((base, mix.size))
        a[:, :base] = np.eye(base)
        a[LAYOUT.old, LAYOUT.young] = np.eye(N_ALIVE)  # last year's new ones join the stock
        a[LAYOUT.young, LAYOUT.young] = 0.0
        a[counters, counters] = 0.0  # the new year's counts start at zero
        mean = mix.mean @ a.T
        cov = np.einsum("ij,cjk,lk->cil", a, mix.cov, a)
        out.append(Mixture(mix.log_weight, mean, cov, np.ones((len(mean), 0), dtype=bool)))
    return out


def _pinned(
    mix: Mixture, figures: list, at: float, copies: dict[str, int], register_error: float
) -> Mixture:
    """The report's exact counts of its day held exactly (as condition.Conditioned.pinned;
    a total stays free within the register's error when there is one)."""
    for f in figures:
        if f.value is None or f.share or abs(f.time - at) > 1e-9:
            continue
        if f.quantity == "total" and register_error > 0:
            continue
        exact = figure_condition(f, mix, copies, 0.0)
        mix, _ = condition(mix, type(exact)(exact.h, 1e-9, value=exact.value))
    return mix


def _as_read(f: RecordFigure, predictive: Predictive) -> Condition:
    """What the filter read a figure as (its functional's value or interval; a share's is
    count - centre x total, at the expected total its predictive carries)."""
    h = np.zeros(0)
    if f.share:
        if f.two_sided:
            half = (f.high - f.low) / 2 * predictive.scale
            return Condition(h, 0.0, low=-half - 0.5, high=half + 0.5)
        return Condition(
            h, 0.0, low=0.0 if f.low > 0 else -np.inf, high=np.inf if f.low > 0 else 0.0
        )
    if f.value is not None:
        return Condition(h, 0.0, value=f.value)
    return Condition(h, 0.0, low=f.low - 0.5, high=f.high + 0.5)


def _this_year(mix: Mixture, copies: dict[str, int]) -> Mixture:
    """The state on the base dimensions with each counter counted from 1 January (the
    counter less its copy then)."""
    d, base = mix.size, LAYOUT.base
    a = np.zeros((base, d))
    a[:, :base] = np.eye(base)
    for name, index in (
        ("founded", LAYOUT.founded),
        ("dissolved", LAYOUT.dissolved),
        ("removed", LAYOUT.removed),
    ):
        a[index, copies[name]] = -1.0
    mean = mix.mean @ a.T
    cov = np.einsum("ij,cjk,lk->cil", a, mix.cov, a)
    return Mixture(mix.log_weight, mean, cov, np.ones((len(mean), 0), dtype=bool))


def _empty() -> Mixture:
    """A state of no weight, for parameter values that give no model."""
    base = LAYOUT.base
    return Mixture(
        np.array([-np.inf]),
        np.zeros((1, base)),
        np.zeros((1, base, base)),
        np.ones((1, 0), dtype=bool),
    )
