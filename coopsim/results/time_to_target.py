"""Time to target: in which year a target's condition is first met, replicate by replicate.

A target with a threshold (`>`, `>=`, `<`, `<=`) is a level to reach ("over 60% operating
well"): its yearly form applies the same condition to every simulated year, and the first
year a replicate meets it is that replicate's time to target ("not by the horizon" when it
never does). A `between` target is a band for one year (20-30 founded in 2024), not a level
to reach: a trajectory can cross the band and leave it, so it has no yearly form here.

The exact engine gives each year's distribution but not the joint across years, so for it
only P(met in year k) is exact; the probability of having met a target by year k is then
bounded: at least the largest P(met in year j), j <= k, and at most their sum (capped at 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from coopsim.engines.exact import probability_met
from coopsim.inputs.scenario import Scenario, Target
from coopsim.results.targets import is_met


class YearlyResults(Protocol):
    """What time to target reads from a forecast's result (a ForecastResult): its scenario,
    its years and each metric's per-replicate values in a year."""

    scenario: Scenario
    years: list[int]

    def metric(self, name: str, year: int) -> np.ndarray: ...


#: Comparisons whose condition has a yearly form (a level to reach, checked every year).
YEARLY_COMPARISONS = (">", ">=", "<", "<=")
#: Why the exact engine reports per-year probabilities and bounds only.
EXACT_NOTE = (
    "the exact engine computes each year's distribution, not the joint across years: "
    "P(met in year) is exact; P(met by year) is only bounded (at least the largest "
    "P(met in year) so far, at most their sum); run fast or des for the first-year distribution"
)


def has_yearly_form(target: Target) -> bool:
    """Whether the target is a level to reach (a threshold), so 'first year met' means something."""
    return target.comparison in YEARLY_COMPARISONS


@dataclass(frozen=True)
class TimeToTarget:
    """When a target is first met: per-year probabilities, the first-year distribution and
    its cumulative form (Monte Carlo engines), or per-year probabilities and bounds (exact)."""

    name: str
    target: Target
    years: list[int]
    met_in_year: np.ndarray  # P(the condition holds in year k)
    first_year: np.ndarray | None  # P(first met in year k); None from the exact engine
    replications: int
    bounds: np.ndarray | None = None  # exact engine: (years x 2) bounds on P(met by year k)

    @property
    def met_by_year(self) -> np.ndarray | None:
        """P(met in some year up to k): the cumulative first-year distribution."""
        if self.first_year is None:
            return None
        n = self.replications  # cumulate counts, not rounded fractions
        return np.cumsum(np.round(self.first_year * n)) / n

    @property
    def not_by_horizon(self) -> float | None:
        """P(never met in the simulated years)."""
        return None if self.first_year is None else float(1.0 - self.first_year.sum())

    @property
    def median_year(self) -> int | None:
        """The first year by which the target is met in at least half the replicates (None:
        not within the horizon, or not computable)."""
        by_year = self.met_by_year
        if by_year is None or by_year[-1] < 0.5:
            return None
        return self.years[int(np.argmax(by_year >= 0.5))]

    def as_dict(self) -> dict[str, Any]:
        """The summary.json entry (years as strings, like the metrics)."""

        def by_year(values: np.ndarray | None) -> dict[str, float] | None:
            if values is None:
                return None
            return {str(y): float(v) for y, v in zip(self.years, values, strict=True)}

        entry: dict[str, Any] = {
            "metric": self.target.metric,
            "comparison": self.target.comparison,
            "threshold": self.target.threshold,
            "target_year": self.target.year,
            "first_year_probabilities": by_year(self.first_year),
            "not_by_horizon": self.not_by_horizon,
            "median_year": self.median_year,
            "met_by_year": by_year(self.met_by_year),
            "met_in_year": by_year(self.met_in_year),
            "replications": self.replications,
        }
        if self.bounds is not None:
            entry["met_by_year_bounds"] = {
                str(y): [float(lo), float(hi)]
                for y, (lo, hi) in zip(self.years, self.bounds, strict=True)
            }
            entry["note"] = EXACT_NOTE
        return entry


def first_met(met: np.ndarray) -> np.ndarray:
    """Per replicate, the index of the first year met (replicates x years flags), -1 if none."""
    first = np.argmax(met, axis=1)
    return np.where(met.any(axis=1), first, -1)


def from_flags(name: str, target: Target, years: list[int], met: np.ndarray) -> TimeToTarget:
    """Time to target from per-replicate, per-year flags (replicates x years)."""
    n = met.shape[0]
    first = first_met(met)
    counts = np.bincount(first[first >= 0], minlength=len(years))[: len(years)]
    return TimeToTarget(name, target, years, met.mean(axis=0), counts / n, n)


def from_yearly_probabilities(
    name: str, target: Target, years: list[int], met_in_year: np.ndarray
) -> TimeToTarget:
    """Per-year probabilities only (no joint across years), with bounds on P(met by year)."""
    low = np.maximum.accumulate(met_in_year)
    high = np.minimum(1.0, np.cumsum(met_in_year))
    return TimeToTarget(name, target, years, met_in_year, None, 0, np.stack([low, high], axis=1))


def time_to_target(result: YearlyResults) -> dict[str, TimeToTarget]:
    """Time to target of every target with a yearly form, read year by year from the result
    (the exact engine's per-year distributions, or its replicates via `result.metric`)."""
    found: dict[str, TimeToTarget] = {}
    distributions = getattr(result, "distributions", None)  # the exact engine's
    for name, target in result.scenario.targets.items():
        if not has_yearly_form(target):
            continue
        if distributions is not None:
            if (target.metric, result.years[0]) not in distributions:
                continue  # a metric the exact engine does not compute
            per_year = []
            for year in result.years:
                per_year.append(probability_met(distributions[(target.metric, year)], target))
            found[name] = from_yearly_probabilities(name, target, result.years, np.array(per_year))
        else:
            met = np.stack(
                [is_met(target, result.metric(target.metric, y)) for y in result.years], axis=1
            )
            found[name] = from_flags(name, target, result.years, met)
    return found


def time_to_target_summary(result: YearlyResults) -> dict[str, dict[str, Any]]:
    """summary.json's `time_to_target`: one entry per target with a yearly form."""
    return {name: entry.as_dict() for name, entry in time_to_target(result).items()}


def time_to_target_table(result: YearlyResults) -> pd.DataFrame:
    """Time to target as a tidy table, one row per target with a yearly form and year:
    P(first met that year), P(met by then), P(met in that year), and, from the exact engine,
    the bounds on P(met by then) in place of the first-year columns."""
    nan = float("nan")  # not computable: first years from the exact engine, bounds otherwise
    rows = []
    for name, entry in time_to_target(result).items():
        by_year = entry.met_by_year
        for k, year in enumerate(entry.years):
            rows.append(
                {
                    "target": name,
                    "year": year,
                    "first_met": nan if entry.first_year is None else entry.first_year[k],
                    "met_by_year": nan if by_year is None else by_year[k],
                    "met_in_year": entry.met_in_year[k],
                    "met_by_year_low": nan if entry.bounds is None else entry.bounds[k, 0],
                    "met_by_year_high": nan if entry.bounds is None else entry.bounds[k, 1],
                    "target_year": entry.target.year,
                }
            )
    columns = [
        "target",
        "year",
        "first_met",
        "met_by_year",
        "met_in_year",
        "met_by_year_low",
        "met_by_year_high",
        "target_year",
    ]
    return pd.DataFrame(rows, columns=columns)
