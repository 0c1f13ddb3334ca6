"""Brier scores of a scenario's targets in a backtest. A target is a condition on one metric
at one year's end (or over one calendar year); wherever a figure the backtest predicted
measures that metric at a year's end (or over a calendar year) and decides the condition,
the predictive's probability of it is scored against what was published (0/1), per origin:
at the target's own year (`as_written`) and, as a check of such probabilities, at the other
years the record publishes. A rounded figure is read at its centre; a bound only where every
value it allows falls on one side. The reference is the base rate: how often the condition
held in the year-end figures of the metric published up to the origin (none: no reference)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from coopsim.analyses.calibration.record.check import figure_form, published_value
from coopsim.analyses.calibration.record.timeline import RecordFigure, build_record
from coopsim.analyses.score import brier
from coopsim.inputs.region_data import Region, metric_of, observed_points
from coopsim.inputs.scenario import Scenario, Target, is_met
from coopsim.metrics import metric_info

#: How the base rate is defined (backtest.json says it).
REFERENCE = (
    "the base rate: the share of the metric's year-end (or calendar-year) figures published "
    "up to the origin that meet the target's condition, said at every origin without a "
    "model; left out where no such figure was published by then"
)


@dataclass(frozen=True)
class TargetBrier:
    """One target's condition at a predicted figure: the probability the origin's predictive
    gave it, whether the figure met it, and the base rate a forecaster had without a model."""

    name: str
    origin: str  # the origin's date
    figure: str
    probability: float
    published: float
    outcome: int
    brier: float
    year: int = 0  # the year's end (or calendar year) the figure is of
    as_written: bool = True  # the target's own year (else its condition at another year)
    read_as: str = "value"  # value, the centre of a rounding, or a bound that decides it
    base_rate: float | None = None
    base_figures: int = 0  # figures the base rate counts
    reference_brier: float | None = None


def _decided(target: Target, figure: RecordFigure) -> tuple[float, int, str] | str:
    """(the value read, whether it meets the target, how it was read), or why the figure
    does not decide the target."""
    form = figure_form(figure)
    value = float(published_value(figure))
    if form == "exact":
        return value, int(is_met(target, np.array([value]))[0]), "value"
    if form == "rounded":
        half = (figure.high - figure.low) / 2
        words = f"the centre of the published rounding ({value:g} ± {half:g})"
        return value, int(is_met(target, np.array([value]))[0]), words
    low, high = figure.low, figure.high
    if figure.is_count:  # a count's bound allows whole numbers only
        low, high = math.ceil(low), math.floor(high) if math.isfinite(high) else high
    edges = np.array([low, high])
    met = is_met(target, edges)
    if target.comparison == "between":
        assert target.range is not None
        inside = bool(met.all())
        outside = high < target.range[0] or low > target.range[1]
    else:
        inside, outside = bool(met.all()), not bool(met.any())
    if inside or outside:
        return value, int(inside), f"a bound ({low:g} to {high:g}) on one side of the target"
    return f"the bound {low:g} to {high:g} at {figure.where} allows values either side of it"


def base_rate(region: Region, target: Target, day: dt.date) -> tuple[float | None, int]:
    """(how often the target's condition held in the year-end figures of its metric up to
    `day`, how many there were); None if there were none."""
    past = [
        value
        for year, (value, _) in observed_points(region, target.metric).items()
        if dt.date(year, 12, 31) <= day
    ]
    if not past:
        return None, 0
    return float(np.mean(is_met(target, np.array(past, dtype=float)))), len(past)


def target_scores(
    scenario: Scenario,
    region: Region,
    samples: dict[tuple[str, str], np.ndarray],
) -> tuple[list[TargetBrier], dict[str, str]]:
    """(each target's condition scored at each predicted figure that decides it, the targets
    scored nowhere with why) from the pooled predictive samples of each (origin's date,
    figure) the backtest predicted."""
    observations = {o.where: o for o in region.observations()}
    figures = {f.where: f for f in build_record(region).figures}
    scored: list[TargetBrier] = []
    not_scored: dict[str, str] = {}
    for name, target in scenario.targets.items():
        why = []
        for label, where in sorted(samples):
            item = observations.get(where)
            if item is None or item.year_end is None or metric_of(item) != target.metric:
                continue
            decided = _decided(target, figures[where])
            if isinstance(decided, str):
                why.append(decided)
                continue
            value, outcome, read_as = decided
            sample = samples[(label, where)]
            if not metric_info(target.metric).is_share:
                sample = np.round(sample)  # counts are whole
            probability = float(np.mean(is_met(target, sample)))
            rate, count = base_rate(region, target, dt.date.fromisoformat(label))
            scored.append(
                TargetBrier(
                    name,
                    label,
                    where,
                    probability,
                    value,
                    outcome,
                    brier(probability, outcome),
                    item.year_end,
                    item.year_end == target.year,
                    read_as,
                    rate,
                    count,
                    None if rate is None else brier(rate, outcome),
                )
            )
        if not any(t.name == name for t in scored):
            not_scored[name] = "; ".join(why) or (
                f"no figure of {target.metric} at a year's end (or over a calendar year) is "
                "published in the 12 months after an origin"
            )
    return scored, not_scored


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def target_summary(scored: list[TargetBrier]) -> dict[str, object]:
    """The mean Brier score of the events scored (all, and at the targets' own years) and,
    over the events that have a base rate, the model's mean Brier beside the base rate's."""
    written = [t for t in scored if t.as_written]
    based = [t for t in scored if t.reference_brier is not None]
    return {
        "events": len(scored),
        "mean_brier": _mean([t.brier for t in scored]),
        "events_as_written": len(written),
        "mean_brier_as_written": _mean([t.brier for t in written]),
        "events_with_base_rate": len(based),
        "mean_brier_with_base_rate": _mean([t.brier for t in based]),
        "reference_brier": _mean([t.reference_brier for t in based]),  # type: ignore[misc]
        "reference": REFERENCE,
    }
