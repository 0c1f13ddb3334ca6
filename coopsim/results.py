"""A forecast's results: per-replicate yearly metrics, their quantiles, targets and summary.json."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from coopsim.impact import programme_impact
from coopsim.initial_state import InitialState
from coopsim.metrics import METRIC_INDEX, METRIC_NAMES
from coopsim.observed import Inconsistency, Region, observed_series
from coopsim.scenario import Scenario
from coopsim.targets import TargetEstimate, estimate
from coopsim.variance import VarianceSplit, split_variance

#: Quantile levels kept for every metric and year: the 50/80/95% fan bands, the median, and the
#: 5%/95% quantiles of the summary.json contract.
#: Metrics that are not whole numbers even though they are not shares.
FRACTIONAL = {"budget_spent_million_vnd"}

QUANTILE_LEVELS: dict[str, float] = {
    "q025": 0.025,
    "q05": 0.05,
    "q10": 0.10,
    "q25": 0.25,
    "q50": 0.50,
    "q75": 0.75,
    "q90": 0.90,
    "q95": 0.95,
    "q975": 0.975,
}


@dataclass
class ForecastResult:
    """Results of one forecast run; `values` is (replications x years x metrics)."""

    scenario: Scenario
    region: Region
    initial: InitialState
    years: list[int]
    values: np.ndarray | None
    engine: str
    engine_reason: str
    seed: int
    inconsistencies: tuple[Inconsistency, ...] = ()
    counterfactual: np.ndarray | None = None  # the same seed without programmes, if any
    parameter_sets: int | None = None  # posterior sets: replicate i ran with set i mod this
    posterior_source: str | None = None
    targets: dict[str, TargetEstimate] = field(init=False)

    def __post_init__(self) -> None:
        sets = self.sets_of_replicates()
        self.targets = {
            name: estimate(name, target, self.metric(target.metric, target.year), sets)
            for name, target in self.scenario.targets.items()
        }

    def sets_of_replicates(self) -> np.ndarray | None:
        """The posterior parameter set of each replicate (None without a posterior)."""
        if self.parameter_sets is None or self.values is None:
            return None
        return np.arange(self.values.shape[0]) % self.parameter_sets

    def variance_split(self, metric: str, year: int) -> VarianceSplit | None:
        """A metric's variance in a year split into parameter and stochastic parts."""
        sets = self.sets_of_replicates()
        return None if sets is None else split_variance(self.metric(metric, year), sets)

    @property
    def replications(self) -> int:
        return int(self.values.shape[0])

    def metric(self, name: str, year: int) -> np.ndarray:
        """Per-replicate values of one metric in one year."""
        return self.values[:, self.years.index(year), METRIC_INDEX[name]]

    def modelled_metrics(self) -> list[str]:
        """Metrics the scenario produces (e.g. the groups pool only when founding uses it)."""
        present = ~np.all(np.isnan(self.values), axis=(0, 1))
        return [name for name, keep in zip(METRIC_NAMES, present, strict=True) if keep]

    def trajectories(self) -> pd.DataFrame:
        """Tidy per-replicate results: one row per replicate and year, one column per metric."""
        n, n_years, _ = self.values.shape
        frame = pd.DataFrame(self.values.reshape(n * n_years, -1), columns=list(METRIC_NAMES))
        frame.insert(0, "year", np.tile(self.years, n))
        frame.insert(0, "replicate", np.repeat(np.arange(n), n_years))
        counts = [m for m in METRIC_NAMES if not m.endswith("_share") and m not in FRACTIONAL]
        frame[counts] = frame[counts].round().astype("Int64")  # <NA> where not modelled
        return frame

    def quantiles(self) -> pd.DataFrame:
        """Mean and quantiles of each metric by year (tidy: one row per metric and year)."""
        return self._quantile_table.copy()

    def metric_quantiles(self, name: str) -> pd.DataFrame:
        """Mean and quantiles of one metric, one row per year."""
        table = self._quantile_table
        return table[table["metric"] == name].set_index("year")

    @cached_property
    def _quantile_table(self) -> pd.DataFrame:
        levels = np.array(list(QUANTILE_LEVELS.values()))
        with warnings.catch_warnings():  # metrics a scenario does not model are all NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            qs = np.nanquantile(self.values, levels, axis=0)  # (levels x years x metrics)
            means = np.nanmean(self.values, axis=0)
        rows = []
        for m, name in enumerate(METRIC_NAMES):
            for y, year in enumerate(self.years):
                row: dict[str, Any] = {"metric": name, "year": year, "mean": means[y, m]}
                row.update({key: qs[k, y, m] for k, key in enumerate(QUANTILE_LEVELS)})
                rows.append(row)
        return pd.DataFrame(rows)

    def initial_value(self, metric: str) -> float | None:
        """The metric in the starting stock, where the start fixes it (stocks and shares)."""
        reported = self.initial.reported
        alive = self.initial.total
        classified = alive - reported["unclassified"]
        denominator = (
            classified if self.scenario.reporting.share_denominator == "classified" else alive
        )
        if metric == "cooperatives":
            return float(alive)
        if metric == "members":
            return float(self.initial.members)
        if metric in reported:
            return float(reported[metric])
        if metric == "well_operating_share":
            well = self.scenario.reporting.well_operating_classes
            return sum(reported[c] for c in well) / denominator
        if metric == "weak_share":
            return reported["weak"] / denominator
        return None

    def programme_impact(self) -> pd.DataFrame | None:
        """Per year, what the scenario's programmes bought against the same seed without them
        (None when the scenario has no programme)."""
        if self.counterfactual is None:
            return None
        return programme_impact(
            self.values,
            self.counterfactual,
            self.years,
            self.scenario.reporting.well_operating_classes,
        )

    def observed(self, metric: str) -> dict[int, float]:
        """Published values of a metric by year, for marking on charts."""
        return observed_series(self.region, metric)

    def summary(self) -> dict[str, Any]:
        """The summary.json document."""
        modelled = self.modelled_metrics()
        metrics: dict[str, dict[str, dict[str, float]]] = {name: {} for name in modelled}
        for row in self._quantile_table.to_dict("records"):
            if row["metric"] in metrics:
                stats = {k: _number(v) for k, v in row.items() if k not in ("metric", "year")}
                split = self.variance_split(row["metric"], int(row["year"]))
                if split is not None:
                    stats["variance_parameter"] = _number(split.parameter)
                    stats["variance_stochastic"] = _number(split.stochastic)
                metrics[row["metric"]][str(row["year"])] = stats
        return {
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "region": self.region.region.id,
            "engine": self.engine,
            "engine_reason": self.engine_reason,
            "replications": self.replications,
            "seed": self.seed,
            "years": self.years,
            "posterior": None
            if self.parameter_sets is None
            else {
                "file": self.posterior_source,
                "parameter_sets": self.parameter_sets,
                "replicates_per_set": self.replications / self.parameter_sets,
                "variance": "each target's and metric's variance across replicates split into "
                "a parameter part (between posterior sets) and a stochastic part (within)",
            },
            "targets": {name: est.as_dict() for name, est in self.targets.items()},
            "metrics": metrics,
            "metrics_not_modelled": [m for m in METRIC_NAMES if m not in modelled],
            "initial_state": {
                "year": self.initial.year,
                "reported": self.initial.reported,
                "latent": dict(
                    zip(
                        ("good", "fair", "average", "weak"),
                        self.initial.latent.tolist(),
                        strict=True,
                    )
                ),
                "members": self.initial.members,
                "method": self.initial.method,
            },
            "programme_impact": _records(self.programme_impact()),
            "data_inconsistencies": [
                {"year": i.year, "message": i.message, "gap": i.gap, "treatment": i.treatment}
                for i in self.inconsistencies
            ],
        }


def _records(frame: pd.DataFrame | None) -> dict[str, dict[str, float | None]] | None:
    """A per-year table as {year: {column: value}} for JSON."""
    if frame is None:
        return None
    return {
        str(int(row["year"])): {k: _number(v) for k, v in row.items() if k != "year"}
        for row in frame.to_dict("records")
    }


def _number(value: Any) -> float | None:
    """JSON-safe float: NaN (e.g. a share with no cooperatives) becomes null."""
    value = float(value)
    return None if np.isnan(value) else value
