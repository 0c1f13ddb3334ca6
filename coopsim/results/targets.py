"""Targets: yes/no questions about a metric in a year, and the probability each is met."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coopsim.inputs.region_schema import Region
from coopsim.inputs.scenario import Target, is_met
from coopsim.metrics import METRIC_INDEX, metric_info
from coopsim.results.variance import VarianceSplit, split_variance
from coopsim.runs.replicates import ReplicateData

#: Normal quantile for 95% intervals.
Z95 = 1.959963984540054

__all__ = [
    "Z95",
    "TargetEstimate",
    "describe",
    "estimate",
    "half_widths",
    "has_class_figure",
    "is_met",
    "prior_width_notes",
    "target_table",
    "wilson_interval",
]


def wilson_interval(successes: float, trials: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (sensible even at 0 or n successes)."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return (low, high)


def describe(target: Target) -> str:
    """A plain-language statement of the target, used when the file gives no description."""
    info = metric_info(target.metric)

    def fmt(x: float) -> str:
        return f"{x:.0%}" if info.is_share else f"{x:g}"

    if target.comparison == "between":
        assert target.range is not None
        condition = f"between {fmt(target.range[0])} and {fmt(target.range[1])} (inclusive)"
    else:
        words = {">": "above", ">=": "at least", "<": "below", "<=": "at most"}
        assert target.threshold is not None
        condition = f"{words[target.comparison]} {fmt(target.threshold)}"
    return f"{info.label} in {target.year} {condition}"


#: Metrics that count or share the quality classes: only class figures inform them.
CLASS_METRICS = frozenset({"good", "fair", "average", "weak", "well_operating_share", "weak_share"})
#: The quality classes a class figure counts.
CLASS_NAMES = frozenset({"good", "fair", "average", "weak"})
#: The note a class target gets in a region that publishes no class figure: with a
#: posterior its class parameters keep about their priors' width; without, the probability
#: rests on the scenario's class mix and rates alone.
PRIOR_WIDTH_NOTE = (
    "the region publishes no class figure (no class count or share), so its data cannot "
    "inform this target: the probability carries the prior's width"
)
ASSUMED_NOTE = (
    "the region publishes no class figure (no class count or share), so its data cannot "
    "inform this target: the probability rests on the scenario's assumed class mix and "
    "rates (forecast with the posterior of a whole-record calibration to carry the "
    "priors' width)"
)


def has_class_figure(region: Region) -> bool:
    """Whether the region publishes any count or share of a quality class (good, fair,
    average, weak), at any date."""
    return region.publishes_classes()


def prior_width_notes(
    targets: Mapping[str, Target], region: Region, posterior: bool = True
) -> dict[str, str]:
    """A note per target on a class count or share when the region has no class figure (none
    otherwise), so a reader knows the data did not narrow it; what the note says depends on
    whether the forecast carries a `posterior`."""
    if has_class_figure(region):
        return {}
    note = PRIOR_WIDTH_NOTE if posterior else ASSUMED_NOTE
    return {n: note for n, t in targets.items() if t.metric in CLASS_METRICS}


@dataclass(frozen=True)
class TargetEstimate:
    """Monte Carlo estimate of the probability that a target is met."""

    name: str
    target: Target
    probability: float
    stderr: float
    ci95: tuple[float, float]
    met: int
    replications: int
    variance: VarianceSplit | None = None  # with posterior parameter sets

    @property
    def description(self) -> str:
        return self.target.description or describe(self.target)

    def as_dict(self) -> dict[str, object]:
        return {
            "probability": self.probability,
            "stderr": self.stderr,
            "ci95": list(self.ci95),
            "description": self.description,
            "metric": self.target.metric,
            "year": self.target.year,
            "comparison": self.target.comparison,
            "threshold": self.target.threshold,
            "range": list(self.target.range) if self.target.range else None,
            "replicates_met": self.met,
            **({"variance": self.variance.as_dict()} if self.variance else {}),
        }


def estimate(
    name: str, target: Target, values: np.ndarray, sets: np.ndarray | None = None
) -> TargetEstimate:
    """Probability, standard error and 95% interval from per-replicate values: Wilson's for
    independent replicates; with posterior parameter sets (`sets`, one per replicate), a
    cluster-robust standard error (replicates sharing a set are correlated) and Wilson's
    interval at the effective sample size, with the split of the met/not-met variance into
    parameter and stochastic parts."""
    met_flags = is_met(target, values)
    n = int(met_flags.size)
    met = int(met_flags.sum())
    p = met / n if n else float("nan")
    if sets is None:
        stderr = math.sqrt(p * (1 - p) / n) if n else float("nan")
        return TargetEstimate(name, target, p, stderr, wilson_interval(met, n), met, n)
    split = split_variance(met_flags.astype(float), sets)
    stderr = split.mean_stderr
    # Wilson's interval at the effective sample size the clustering leaves (the number of
    # sets when no replicate, or every one, meets the target).
    n_sets = int(np.unique(sets).size)
    effective = n_sets if stderr == 0 else min(n, max(n_sets, p * (1 - p) / stderr**2))
    ci95 = wilson_interval(p * effective, effective)
    return TargetEstimate(name, target, p, stderr, ci95, met, n, split)


def target_table(estimates: Iterable[TargetEstimate]) -> pd.DataFrame:
    """Target estimates as a tidy table, one row per target (indexed by name): the condition,
    the probability met with its standard error and 95% interval, and, with posterior
    parameter sets, the share of the met/not-met variance that the parameters explain."""
    rows = []
    for est in estimates:
        target = est.target
        nan = float("nan")  # a field that does not apply (a range target has no threshold)
        low, high = target.range if target.range is not None else (nan, nan)
        rows.append(
            {
                "target": est.name,
                "metric": target.metric,
                "year": target.year,
                "comparison": target.comparison,
                "threshold": nan if target.threshold is None else target.threshold,
                "range_low": low,
                "range_high": high,
                "probability": est.probability,
                "stderr": est.stderr,
                "ci95_low": est.ci95[0],
                "ci95_high": est.ci95[1],
                "replicates_met": est.met,
                "replications": est.replications,
                "parameter_share": nan if est.variance is None else est.variance.parameter_share,
                "description": est.description,
            }
        )
    columns = [
        "target",
        "metric",
        "year",
        "comparison",
        "threshold",
        "range_low",
        "range_high",
        "probability",
        "stderr",
        "ci95_low",
        "ci95_high",
        "replicates_met",
        "replications",
        "parameter_share",
        "description",
    ]
    return pd.DataFrame(rows, columns=columns).set_index("target")


def half_widths(
    targets: Mapping[str, Target], data: ReplicateData, years: list[int]
) -> dict[str, float]:
    """Each target's 95% interval half-width over the replicates in `data` (a precision
    goal's yardstick)."""
    widths = {}
    columns: dict[str, np.ndarray] = {}
    for name, target in targets.items():
        if target.metric not in columns:
            columns[target.metric] = data.column(METRIC_INDEX[target.metric])
        found = estimate(name, target, columns[target.metric][:, years.index(target.year)])
        widths[name] = (found.ci95[1] - found.ci95[0]) / 2
    return widths
