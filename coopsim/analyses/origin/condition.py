"""The state at a report's date given the report, under one parameter set: the record's
Gaussian-sum moment filter (analyses.calibration.record.moments) run from the forecast's own
starting stock on 1 January through the in-year figures.

The forecast starts from a fixed table of counts (model.initial_state), so the filter starts
there with no spread and no one dormant, as the engines do; from there the moments propagate
exactly under the plan's own hazards period by period (levers included), founding at the
year's gamma intensity times each period's multiplier, with the plan's clean-ups and, when
one may fall before the report, its wave. Each figure is read as the record's calibration
reads it. The result is the log likelihood of the report (what the posterior is reweighted
by) and the mixture at the report's date (what the start draws come from).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from coopsim.analyses.calibration.record.likelihood import figure_condition
from coopsim.analyses.calibration.record.moments import (
    LAYOUT,
    N_ALIVE,
    Condition,
    Dynamics,
    Mixture,
    Predictive,
    condition,
    copy_functional,
    propagate,
    steps,
    wave,
)
from coopsim.analyses.origin.report import InYearReport
from coopsim.model.dormancy import embed_classes
from coopsim.model.plan import Period, SimulationPlan


@dataclass(frozen=True)
class Conditioned:
    """The report's log likelihood under one parameter set and the state at its date."""

    log_likelihood: float
    state: Mixture
    #: Where each flow's start copy sits in the state (by the figure's place).
    copies: dict[str, int]
    register_error: float = 0.0
    #: Whether `state` has the report's exact counts held already (a whole-record start).
    pinned_state: bool = False
    #: Per figure (by place): how many predictive sds it lies outside what was expected.
    surprise: dict[str, float] = field(default_factory=dict)

    def pinned(self, report: InYearReport) -> Mixture:
        """The state with the report's exact counts of its own day held exactly (the
        likelihood allows them the variance of rounding; a start draw takes them as
        published). A total stays free within the register's error when there is one."""
        mix = self.state
        if self.pinned_state:
            return mix
        for f in report.figures:
            if f.value is None or f.share or abs(f.time - report.time) > 1e-9:
                continue
            if f.quantity == "total" and self.register_error > 0:
                continue
            exact = figure_condition(f, mix, self.copies, 0.0)
            mix, _ = condition(mix, replace(exact, variance=1e-9))
        return mix


def _start(plan: SimulationPlan) -> Mixture:
    """1 January of the first year: the starting stock exactly, the year's intensity drawn."""
    d = LAYOUT.base
    mean, cov = np.zeros(d), np.zeros((d, d))
    mean[: len(plan.initial.latent)] = plan.initial.latent
    mean[LAYOUT.intensity] = plan.founding_mean_per_year
    if plan.founding_dispersion is not None:
        cov[LAYOUT.intensity, LAYOUT.intensity] = (
            plan.founding_mean_per_year**2 / plan.founding_dispersion
        )
    return Mixture(np.zeros(1), mean[None], cov[None], np.ones((1, 0), dtype=bool))


def _dynamics(plan: SimulationPlan, period: Period) -> Dynamics:
    generator = embed_classes(period.hazards.generator())
    if plan.dormancy is not None:
        generator = generator + plan.dormancy.generator_part()
    return Dynamics(
        generator, plan.entry_distribution, plan.founding_mean_per_year, plan.founding_dispersion
    )


def _step(plan: SimulationPlan, period: Period, length: float):
    """The moments' step over `length` years of a period: foundings at its multiplier."""
    step = steps(_dynamics(plan, period), np.array([length]))[0]
    m = period.founding_multiplier
    if m != 1.0:
        step.a[:, LAYOUT.intensity] *= m
        step.a[LAYOUT.intensity, LAYOUT.intensity] = 1.0
        step.per_intensity[...] *= m
    return step


def _removal(removal: np.ndarray) -> np.ndarray:
    """A removal over the plan's states as the filter's five (no one dormant without)."""
    out = np.zeros(N_ALIVE)
    out[: removal.size] = removal
    return out


def _events(plan: SimulationPlan, report: InYearReport) -> list[tuple[float, int, object]]:
    """(time, order, what) up to the report: clean-ups and the wave (0), a flow's start (1)
    and each figure (2); at equal times in that order."""
    events: list[tuple[float, int, object]] = []
    for cleanup in plan.cleanups:
        if 0 <= cleanup.time <= report.time:
            events.append((cleanup.time, 0, ("cleanup", cleanup.removal)))
    if plan.waves is not None and plan.waves.time(0) <= report.time:
        events.append((plan.waves.time(0), 0, ("wave", plan.waves)))
    for f in report.figures:
        if f.start is not None:
            events.append((max(f.start, 0.0), 1, ("open", f)))
        events.append((f.time, 2, ("figure", f)))
    return sorted(events, key=lambda e: (e[0], e[1]))


def condition_on_report(
    plan: SimulationPlan, report: InYearReport, register_error: float = 0.0
) -> Conditioned:
    """The filter through the report under `plan` (one parameter set: a plan for a
    replicate), to the report's date; `register_error` is the sd of a published total."""
    mix = _start(plan)
    copies: dict[str, int] = {}
    surprise: dict[str, float] = {}
    now = 0.0
    for time, _, what in _events(plan, report):
        mix = _advance(plan, mix, now, time)
        now = max(now, time)
        kind = what[0]
        if kind == "cleanup":
            mix = wave(mix, 1.0, _removal(what[1]))
        elif kind == "wave":
            mix = wave(mix, what[1].probability, _removal(what[1].removal))
        elif kind == "open":
            f = what[1]
            copies[f.where] = mix.size
            mix = copy_functional(mix, f.h)
        else:
            f = what[1]
            read = figure_condition(f, mix, copies, register_error)
            mix, predictive = condition(mix, read)
            surprise[f.where] = sds_outside(read, predictive)
        mix = mix.prune()
        if not np.isfinite(mix.log_weight).any():
            return Conditioned(-np.inf, mix, copies, register_error, surprise=surprise)
    mix = _advance(plan, mix, now, report.time)
    return Conditioned(mix.log_total(), mix, copies, register_error, surprise=surprise)


def sds_outside(read: Condition, predictive: Predictive) -> float:
    """How many of its predictive's sds a figure lies outside what the filter expected
    (0 when an interval figure holds the predictive mean)."""
    mean = float(predictive.weights @ predictive.means)
    second = float(predictive.weights @ (predictive.sds**2 + predictive.means**2))
    sd = max(np.sqrt(max(second - mean * mean, 0.0)), 1e-9)
    low, high = (read.value, read.value) if read.value is not None else (read.low, read.high)
    if low <= mean <= high:
        return 0.0
    return float(min(abs(mean - low), abs(mean - high)) / sd)


def _advance(plan: SimulationPlan, mix: Mixture, now: float, until: float) -> Mixture:
    """Propagate from `now` to `until` through the plan's periods."""
    for period in plan.periods:
        lo, hi = max(now, period.start), min(until, period.end)
        if hi - lo > 1e-12:
            mix = propagate(mix, _step(plan, period, hi - lo))
    return mix
