"""A forecast's results: per-replicate yearly metrics, their quantiles, targets and summary.json."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from coopsim.inputs.region_data import Inconsistency, Region, observed_series
from coopsim.inputs.scenario import Scenario
from coopsim.metrics import METRIC_INDEX, METRIC_NAMES
from coopsim.model.initial_state import InitialState
from coopsim.results.programme_impact import programme_impact_of
from coopsim.results.targets import TargetEstimate, estimate, prior_width_notes, target_table
from coopsim.results.time_to_target import time_to_target_summary
from coopsim.results.variance import VarianceSplit, split_variance
from coopsim.runs.replicates import FRACTIONAL, InMemory, ReplicateData, tidy

__all__ = ["FRACTIONAL", "QUANTILE_LEVELS", "ForecastResult"]

#: Quantile levels kept for every metric and year: the 50/80/95% fan bands, the median, and the
#: 5%/95% quantiles of the summary.json contract.
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
    """Results of one forecast run: `values` (replications x years x metrics) when held in
    memory; a run saved chunk by chunk on disk (the command line's) has `values` None and is
    read through `data` a metric at a time, so every method works on runs of any size."""

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
    data: ReplicateData | None = None  # the replicates, wherever they are (default: values)
    counterfactual_data: ReplicateData | None = None
    precision: dict[str, Any] | None = None  # with a precision goal: rounds, goal, reached
    #: A start at a report within the first year: what it is conditioned on (None: 1 January).
    origin: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.data is None and self.values is not None:
            self.data = InMemory(self.values)
        if self.counterfactual_data is None and self.counterfactual is not None:
            self.counterfactual_data = InMemory(self.counterfactual)
        self._cached_column: tuple[str, np.ndarray] | None = None
        sets = self.sets_of_replicates()
        self.targets = {
            name: estimate(name, target, self.metric(target.metric, target.year), sets)
            for name, target in self.scenario.targets.items()
        }

    def sets_of_replicates(self) -> np.ndarray | None:
        """The posterior parameter set of each replicate (None without a posterior)."""
        if self.parameter_sets is None or self.data is None:
            return None
        return np.arange(self.replications) % self.parameter_sets

    def variance_split(self, metric: str, year: int) -> VarianceSplit | None:
        """A metric's variance in a year split into parameter and stochastic parts."""
        sets = self.sets_of_replicates()
        return None if sets is None else split_variance(self.metric(metric, year), sets)

    @property
    def replications(self) -> int:
        assert self.data is not None
        return self.data.replications

    def metric_column(self, name: str) -> np.ndarray:
        """Per-replicate values of one metric in every year (replicates x years); the last
        one read is kept, as callers read a metric year after year."""
        if self._cached_column is None or self._cached_column[0] != name:
            assert self.data is not None
            self._cached_column = (name, self.data.column(METRIC_INDEX[name]))
        return self._cached_column[1]

    def metric(self, name: str, year: int) -> np.ndarray:
        """Per-replicate values of one metric in one year."""
        return self.metric_column(name)[:, self.years.index(year)]

    @cached_property
    def _modelled(self) -> list[str]:
        return [name for name in METRIC_NAMES if not np.isnan(self.metric_column(name)).all()]

    def modelled_metrics(self) -> list[str]:
        """Metrics the scenario produces (e.g. the groups pool only when founding uses it)."""
        return list(self._modelled)

    def trajectories(self) -> pd.DataFrame:
        """Tidy per-replicate results: one row per replicate and year, one column per metric
        (for a large run saved on disk, read trajectories.parquet a few columns at a time)."""
        assert self.data is not None
        frames = [tidy(values, self.years, first) for first, values in self.data.chunks()]
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    def to_xarray(self) -> Any:
        """The per-replicate results as an xarray Dataset: dims (replicate, year), one
        variable per modelled metric, attrs seed, engine, scenario, region.

        >>> import coopsim
        >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
        >>> ds = coopsim.forecast(scenario, replications=200, seed=1).to_xarray()
        >>> ds["founded"].sel(year=2024).quantile(0.5).item() > 0
        True
        """
        from coopsim.results.labelled import forecast_dataset

        return forecast_dataset(self)

    def quantiles(self) -> pd.DataFrame:
        """Mean and quantiles of each metric by year (tidy: one row per metric and year)."""
        return self._quantile_table.copy()

    def metric_quantiles(self, name: str) -> pd.DataFrame:
        """Mean and quantiles of one metric, one row per year."""
        table = self._quantile_table
        return table[table["metric"] == name].set_index("year")

    def target_table(self) -> pd.DataFrame:
        """Each target's probability met, with its standard error, 95% interval and condition,
        one row per target (indexed by name): the table to report, filter or restyle.

        >>> import coopsim
        >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
        >>> result = coopsim.forecast(scenario, replications=200, seed=1)
        >>> table = result.target_table()
        >>> list(table.columns[table.columns.str.startswith(("prob", "ci95"))])
        ['probability', 'ci95_low', 'ci95_high']
        """
        return target_table(self.targets.values())

    def time_to_target_table(self) -> pd.DataFrame:
        """By when each threshold target is met: one row per target and year with P(first met
        that year), P(met by then) and P(met in that year) (see coopsim.time_to_target)."""
        from coopsim.results.time_to_target import time_to_target_table

        return time_to_target_table(self)

    @cached_property
    def _quantile_table(self) -> pd.DataFrame:
        levels = np.array(list(QUANTILE_LEVELS.values()))
        rows = []
        for name in METRIC_NAMES:  # a metric at a time: a large run is never loaded whole
            column = self.metric_column(name)
            with warnings.catch_warnings():  # metrics a scenario does not model are all NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                qs = np.nanquantile(column, levels, axis=0)  # (levels x years)
                means = np.nanmean(column, axis=0)
            for y, year in enumerate(self.years):
                row: dict[str, Any] = {"metric": name, "year": year, "mean": means[y]}
                row.update({key: qs[k, y] for k, key in enumerate(QUANTILE_LEVELS)})
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
        if self.counterfactual_data is None or self.data is None:
            return None
        return programme_impact_of(
            self.data,
            self.counterfactual_data,
            self.years,
            self.scenario.reporting.well_operating_classes,
        )

    def observed(self, metric: str) -> dict[int, float]:
        """Published values of a metric by year, for marking on charts."""
        return observed_series(self.region, metric)

    def in_year_points(self, metric: str) -> dict[float, float]:
        """The report a forecast starts at, as chart points of a metric: {fractional year:
        value} (a flow's value is the year's count so far); empty without one."""
        if self.origin is None:
            return {}
        return {x: value for x, value in self.origin.get("points", {}).get(metric, [])}

    def summary(self) -> dict[str, Any]:
        """The summary.json document."""
        modelled = self.modelled_metrics()
        notes = prior_width_notes(
            self.scenario.targets, self.region, posterior=self.parameter_sets is not None
        )
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
            **({"precision": self.precision} if self.precision is not None else {}),
            **({"origin": self.origin} if self.origin is not None else {}),
            "posterior": None
            if self.parameter_sets is None
            else {
                "file": self.posterior_source,
                "parameter_sets": self.parameter_sets,
                "replicates_per_set": self.replications / self.parameter_sets,
                "variance": "each target's and metric's variance across replicates split into "
                "a parameter part (between posterior sets) and a stochastic part (within)",
            },
            "targets": {
                name: est.as_dict() | ({"note": notes[name]} if name in notes else {})
                for name, est in self.targets.items()
            },
            "time_to_target": time_to_target_summary(self),
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
