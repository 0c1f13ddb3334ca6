"""Targets and quantiles from the exact engine, re-answered fast as a plan's settings move.

An explorer redraws on every slider move: `ExactAnswers.answer(plan)` gives the target
probabilities and the quantile table of a compiled plan, and keeps each year's numbers under a
fingerprint of the parts of the plan that year depends on (the starting stock, founding, entry
and reporting rules, groups and dormancy, and the periods, clean-ups and waves up to the year's
end). A setting that changes from 2027 on recomputes 2027-2030 only; a value seen before, or a
setting the exact engine ignores (members), is answered from the cache. The numbers are the ones
ExactForecastResult gives for the same plan, to the last bit.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np
import pandas as pd

from coopsim.engines.exact.distributions import (
    Distribution,
    mean,
    metric_distributions,
    probability_met,
    quantiles,
)
from coopsim.engines.exact.model import ExactModel, check_supported
from coopsim.inputs.scenario import Target
from coopsim.metrics import METRIC_NAMES
from coopsim.model.plan import SimulationPlan
from coopsim.results.forecast_result import QUANTILE_LEVELS

#: Years kept in an ExactAnswers cache (each a few kilobytes), oldest dropped first.
CACHED_YEARS = 4096
_LEVELS = np.array(list(QUANTILE_LEVELS.values()))


@dataclass(frozen=True)
class ExactAnswer:
    """One plan's exact target probabilities (by target name) and quantile table (as
    ForecastResult.quantiles(): metric, year, mean and the QUANTILE_LEVELS columns)."""

    targets: dict[str, float]
    quantiles: pd.DataFrame


def distribution_row(distribution: Distribution | None) -> list[float]:
    """A quantile-table row's numbers: the mean and the QUANTILE_LEVELS quantiles (NaN for a
    metric the engine does not compute)."""
    if distribution is None:
        return [np.nan] * (1 + len(_LEVELS))
    return [mean(distribution), *quantiles(distribution, _LEVELS).tolist()]


#: A year's quantile-table rows by metric and the probabilities of the targets set for it.
YearAnswer = tuple[dict[str, list[float]], dict[str, float]]


def _year(
    model: ExactModel,
    k: int,
    found: Mapping[str, Distribution | None],
    targets: Mapping[str, Target],
) -> YearAnswer:
    """Year k's quantile-table rows by metric and the probabilities of the targets set for
    that year, from its metrics' distributions `found`."""
    year = model.plan.years[k]
    met = {}
    for label, target in targets.items():
        if target.year == year:
            distribution = found[target.metric]
            if distribution is None:
                raise ValueError(f"the exact engine does not compute {target.metric}")
            met[label] = probability_met(distribution, target)
    return {name: distribution_row(found[name]) for name in METRIC_NAMES}, met


def _fingerprint(value: Any) -> Any:
    """A hashable, exact stand-in for plan parts: arrays by dtype, shape and bytes."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if is_dataclass(value):
        return (
            type(value).__name__,
            *(_fingerprint(getattr(value, f.name)) for f in fields(value)),
        )
    if isinstance(value, (tuple, list)):
        return tuple(_fingerprint(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _fingerprint(item)) for key, item in value.items()))
    return value


def year_keys(plan: SimulationPlan) -> list[bytes]:
    """For each simulated year, a digest of everything in the plan that the exact engine's
    numbers for that year depend on: the same digest, the same numbers."""
    fixed = (
        plan.first_year,
        plan.initial.latent,
        plan.founding_mean_per_year,
        plan.founding_dispersion,
        plan.entry_distribution,
        plan.well_operating,
        plan.share_of_classified_only,
        plan.groups,
        plan.dormancy,
        plan.waves,
        plan.programmes,
        plan.parameter_sets is None,
    )
    common = repr(_fingerprint(fixed)).encode()  # once, not once a year
    hazards = {id(p.hazards): repr(_fingerprint(p.hazards)) for p in plan.periods}
    keys = []
    for k in range(plan.n_years):
        end = float(k + 1)
        periods = tuple(
            (
                p.start,
                min(p.end, end),
                hazards[id(p.hazards)],
                p.founding_multiplier,
                p.conversion_multiplier,
            )
            for p in plan.periods
            if p.start < end
        )
        cleanups = tuple(c for c in plan.cleanups if c.time < end)
        part = repr((k, periods, _fingerprint(cleanups))).encode()
        keys.append(hashlib.blake2b(common + b"|" + part, digest_size=20).digest())
    return keys


class ExactAnswers:
    """Re-answer a scenario's targets and quantiles on the exact engine as settings change,
    reusing every year whose inputs did not (see the module docstring).

    >>> from coopsim.inputs.region_data import load_scenario_and_region
    >>> from coopsim.model.plan import compile_plan
    >>> loaded, region = load_scenario_and_region("scenarios/baseline.toml")
    >>> answers = ExactAnswers(loaded.scenario.targets)
    >>> first = answers.answer(compile_plan(loaded.scenario, region.data))
    >>> round(first.targets["new_cooperatives_2024"], 4)
    0.2988
    >>> answers.answer(compile_plan(loaded.scenario, region.data)).quantiles.equals(first.quantiles)
    True
    """

    def __init__(
        self,
        targets: Mapping[str, Target],
        cached_years: int = CACHED_YEARS,
        second_thread: bool = True,
    ) -> None:
        self.targets = dict(targets)
        self.cached_years = cached_years
        #: Whether shares' grids are made on a second thread (the same numbers either way).
        self.second_thread = second_thread
        self._cache: OrderedDict[bytes, YearAnswer] = OrderedDict()
        #: Years computed (not found in the cache) since this object was made.
        self.computed = 0

    def answer(self, plan: SimulationPlan) -> ExactAnswer:
        """The plan's target probabilities and quantile table, computing only the years not
        in the cache (the exact engine must support the plan: ValueError otherwise, even for
        a plan whose years are cached under the parts the engine reads)."""
        check_supported(plan)
        keys = year_keys(plan)
        missing = [k for k, key in enumerate(keys) if key not in self._cache]
        made: dict[int, YearAnswer] = {}
        if missing:
            model, names = ExactModel(plan), list(METRIC_NAMES)
            with model.shares_on_second_thread() if self.second_thread else nullcontext():
                # a year's distributions begun before the last year's rows: its shares' grids
                # are made on the second thread meanwhile, and two years at most are held
                begun = metric_distributions(model, names, missing[0])
                for k, after in itertools.zip_longest(missing, missing[1:]):
                    found = begun
                    begun = {} if after is None else metric_distributions(model, names, after)
                    made[k] = _year(model, k, found, self.targets)
        years = []
        for k, key in enumerate(keys):
            if k not in made:
                self._cache.move_to_end(key)
            years.append(made[k] if k in made else self._cache[key])
        for k in missing:
            self._cache[keys[k]] = made[k]
            self.computed += 1
        while len(self._cache) > self.cached_years:
            self._cache.popitem(last=False)
        targets: dict[str, float] = {}
        for _, met in years:
            targets.update(met)
        columns = ["metric", "year", "mean", *QUANTILE_LEVELS]
        table = [
            [name, year, *rows[name]]
            for name in METRIC_NAMES
            for year, (rows, _) in zip(plan.years, years, strict=True)
        ]
        ordered = {label: targets[label] for label in self.targets if label in targets}
        return ExactAnswer(ordered, pd.DataFrame(table, columns=columns))
