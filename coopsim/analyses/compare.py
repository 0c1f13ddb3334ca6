"""Paired comparison of scenarios: every scenario run with the same seed and replicate numbers
(common random numbers), so replicate i of each lives through the same luck wherever their
rules agree, and differences are measured replicate by replicate.

The targets compared are the first scenario's, applied to every scenario. For each scenario
and target: the probability met, its difference from the first with a paired 95% interval,
and the replicates where the two disagree: `better` (the scenario meets the target and the
first does not), `worse` (the reverse) and `p_better`, the share of disagreements that go the
scenario's way (ties excluded: replicates where both meet the target, or both miss it, say
nothing about which is better).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.analyses.origin import ORIGINS, at_latest_report
from coopsim.defaults import DEFAULT_REPLICATIONS, DEFAULT_SEED
from coopsim.engines.registry import select_engine
from coopsim.errors import InputError, combined
from coopsim.inputs.region_data import LoadedRegion, load_scenario_and_region, region_for
from coopsim.inputs.scenario import LoadedScenario, Scenario, Target
from coopsim.model.plan import SimulationPlan, compile_plan
from coopsim.results.forecast_result import ForecastResult
from coopsim.results.targets import is_met, wilson_interval
from coopsim.runs.executors import Executor, PoolExecutor
from coopsim.runs.progress import Progress
from coopsim.runs.simulate import simulate
from coopsim.threads import single_threaded_blas

ScenarioInput = Scenario | LoadedScenario | str | Path


@dataclass(frozen=True)
class PairedDifference:
    """A target met or not in two runs paired replicate by replicate: the difference in
    probability (other minus first), its standard errors and the disagreements."""

    difference: float
    stderr: float  # paired: of the mean of per-replicate differences
    ci95: tuple[float, float]  # Newcombe's hybrid score interval for paired proportions
    unpaired_stderr: float  # what two independent runs of this size would give
    better: float  # share of replicates: other met, first not
    worse: float  # share of replicates: first met, other not

    @property
    def p_better(self) -> float:
        """Of the replicates where the two disagree, the share in the other's favour."""
        disagree = self.better + self.worse
        return self.better / disagree if disagree > 0 else math.nan


def paired_difference(first: np.ndarray, other: np.ndarray) -> PairedDifference:
    """Paired difference of two per-replicate met/not-met arrays of equal length."""
    a, b = np.asarray(first, dtype=bool), np.asarray(other, dtype=bool)
    n = a.size
    if n == 0 or b.size != n:
        raise ValueError("paired runs need the same, non-zero number of replicates")
    both = int(np.sum(a & b))
    better = int(np.sum(b & ~a))
    worse = int(np.sum(a & ~b))
    neither = n - both - better - worse
    p_other, p_first = (both + better) / n, (both + worse) / n
    diff = p_other - p_first
    stderr = math.sqrt(max((better + worse) / n - diff * diff, 0.0) / n)
    unpaired = math.sqrt((p_other * (1 - p_other) + p_first * (1 - p_first)) / n)
    # Newcombe (1998), method 10: Wilson intervals of both proportions, combined with the
    # correlation of the pairs; sensible even with no disagreements at all.
    l1, u1 = wilson_interval(both + better, n)
    l2, u2 = wilson_interval(both + worse, n)
    margins = (both + better) * (worse + neither) * (both + worse) * (better + neither)
    phi = (both * neither - better * worse) / math.sqrt(margins) if margins > 0 else 0.0
    down = (p_other - l1) ** 2 - 2 * phi * (p_other - l1) * (u2 - p_first) + (u2 - p_first) ** 2
    up = (u1 - p_other) ** 2 - 2 * phi * (u1 - p_other) * (p_first - l2) + (p_first - l2) ** 2
    low = max(-1.0, diff - math.sqrt(max(down, 0.0)))
    high = min(1.0, diff + math.sqrt(max(up, 0.0)))
    return PairedDifference(diff, stderr, (low, high), unpaired, better / n, worse / n)


@dataclass
class Comparison:
    """Scenarios run with common random numbers, and their paired differences."""

    labels: list[str]
    results: list[ForecastResult]
    targets: dict[str, Target]
    engine: str
    engine_reason: str
    seed: int
    replications: int

    def met(self, index: int, target: str) -> np.ndarray:
        """Per replicate, whether scenario `index` meets one of the first scenario's targets."""
        spec = self.targets[target]
        return is_met(spec, self.results[index].metric(spec.metric, spec.year))

    def to_xarray(self) -> Any:
        """Every scenario's per-replicate results on one xarray Dataset: dims (scenario,
        replicate, year); replicate i of each scenario ran with the same random numbers."""
        from coopsim.results.labelled import comparison_dataset

        return comparison_dataset(self.labels, self.results)

    @cached_property
    def _target_table(self) -> pd.DataFrame:
        """The comparison table, computed once."""
        rows = []
        for name, spec in self.targets.items():
            reference = self.met(0, name)
            for index, label in enumerate(self.labels):
                met = self.met(index, name)
                successes = int(met.sum())
                p = successes / met.size
                paired = paired_difference(reference, met)
                low, high = wilson_interval(successes, met.size)
                rows.append(
                    {
                        "scenario": label,
                        "target": name,
                        "metric": spec.metric,
                        "year": spec.year,
                        "probability": p,
                        "stderr": math.sqrt(p * (1 - p) / met.size),
                        "ci95_low": low,
                        "ci95_high": high,
                        "difference": paired.difference,
                        "difference_stderr": paired.stderr,
                        "difference_ci95_low": paired.ci95[0],
                        "difference_ci95_high": paired.ci95[1],
                        "unpaired_difference_stderr": paired.unpaired_stderr,
                        "better": paired.better,
                        "worse": paired.worse,
                        "p_better": paired.p_better,
                        "replications": met.size,
                        "engine": self.engine,
                        "description": spec.description,
                    }
                )
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """comparison.csv: one row per target and scenario (the first scenario's differences
        are 0, its p_better empty)."""
        return self._target_table.copy()

    def metric_differences(self) -> pd.DataFrame:
        """Per scenario, metric and year: mean, median and 90% interval, and the mean paired
        difference from the first scenario with its paired and unpaired standard errors."""
        first = self.results[0]
        years = [y for y in first.years if all(y in r.years for r in self.results)]
        metrics = [m for m in first.modelled_metrics() if self._everywhere(m)]
        rows = []
        for label, result in zip(self.labels, self.results, strict=True):
            for metric in metrics:
                for year in years:
                    a, b = first.metric(metric, year), result.metric(metric, year)
                    d = b - a
                    n = d.size
                    rows.append(
                        {
                            "scenario": label,
                            "metric": metric,
                            "year": year,
                            "mean": float(np.mean(b)),
                            "q05": float(np.quantile(b, 0.05)),
                            "q50": float(np.quantile(b, 0.5)),
                            "q95": float(np.quantile(b, 0.95)),
                            "difference": float(np.mean(d)),
                            "difference_stderr": float(np.std(d, ddof=1) / math.sqrt(n))
                            if n > 1
                            else math.nan,
                            "unpaired_difference_stderr": float(
                                math.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / n)
                            )
                            if n > 1
                            else math.nan,
                        }
                    )
        return pd.DataFrame(rows)

    def _everywhere(self, metric: str) -> bool:
        """Whether every scenario models the metric (e.g. the groups pool may be absent)."""
        return all(metric in r.modelled_metrics() for r in self.results)

    def charted_metrics(self) -> list[str]:
        """Metrics drawn as overlaid fan charts: cooperatives, founded, and targeted ones."""
        names = ["cooperatives", "founded"]
        for spec in self.targets.values():
            if spec.metric not in names and self._everywhere(spec.metric):
                names.append(spec.metric)
        return names


def _loaded(item: ScenarioInput, overrides: Sequence[str]) -> tuple[LoadedScenario, LoadedRegion]:
    """A scenario input as a LoadedScenario (files are read with the `--set` overrides), with
    the region data it names; a file's problems and its data file's are raised together."""
    if isinstance(item, LoadedScenario | Scenario):
        loaded = item if isinstance(item, LoadedScenario) else LoadedScenario(item, None, None)
        return loaded, region_for(loaded.scenario, loaded.path)
    return load_scenario_and_region(item, overrides)


def load_compared(
    scenarios: Sequence[ScenarioInput], overrides: Sequence[str] = ()
) -> list[tuple[LoadedScenario, LoadedRegion]]:
    """Every scenario of a comparison with its region data, each checked: the problems of
    every broken scenario or data file are raised together (one InputError), not the first
    file's alone."""
    found, errors = [], []
    for item in scenarios:
        try:
            found.append(_loaded(item, overrides))
        except InputError as error:
            errors.append(error)
    if errors:
        raise combined(errors)
    return found


def load_compared_scenarios(
    scenarios: Sequence[ScenarioInput], overrides: Sequence[str] = ()
) -> list[LoadedScenario]:
    """The scenarios of a comparison, loaded as `load_compared` does (every problem of every
    file, and of the data files they name, at once)."""
    return [loaded for loaded, _ in load_compared(scenarios, overrides)]


def _labels(loaded: list[LoadedScenario]) -> list[str]:
    """Scenario names, made unique by their position where two share a name."""
    names = [item.scenario.name for item in loaded]
    return [name if names.count(name) == 1 else f"{name} [{i + 1}]" for i, name in enumerate(names)]


def _plans(
    loaded: list[LoadedScenario], regions: list[LoadedRegion], targets: dict[str, Target]
) -> list[SimulationPlan]:
    """Each scenario's compiled plan, once every scenario covers the targets' years; every
    problem of every scenario is raised together."""
    errors = _check_targets(loaded, targets)
    plans = []
    with single_threaded_blas():
        for item, region in zip(loaded, regions, strict=True):
            try:
                plans.append(compile_plan(item.scenario, region.data))
            except InputError as error:
                errors.append(error)
    if errors:
        raise combined(errors)
    return plans


def _check_targets(loaded: list[LoadedScenario], targets: dict[str, Target]) -> list[InputError]:
    """Every scenario must simulate the year of each of the first scenario's targets: the
    problems found, one per scenario and target."""
    if not targets:
        return [
            InputError(
                str(loaded[0].path or loaded[0].scenario.name),
                "has no targets to compare; add a [targets.NAME] table to the first scenario",
                "targets",
            )
        ]
    errors = []
    for item in loaded[1:]:
        years = item.scenario.years
        for name, spec in targets.items():
            if spec.year not in years:
                errors.append(
                    InputError(
                        str(item.path or item.scenario.name),
                        f"the first scenario's target '{name}' is for {spec.year}, but this "
                        f"scenario simulates {years[0]}-{years[-1]}; compare scenarios that "
                        "cover the targets' years",
                        "horizon_year" if spec.year > years[-1] else "initial.snapshot_year",
                    )
                )
    return errors


def comparison_engine(requested: str, plans: list[SimulationPlan]) -> tuple[str, str]:
    """The engine a comparison runs, and why: pairing needs replicates, so not exact."""
    choices = [select_engine(requested, plan, "pairs") for plan in plans]
    best = next((c for c in choices if c.name == "des"), choices[0])
    return best.name, best.reason


def compare(
    scenarios: Sequence[ScenarioInput],
    *,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    engine: str = "auto",
    workers: int | None = None,
    overrides: Sequence[str] = (),
    progress: bool | None = False,
    executor: Executor | None = None,
    origin: str = "latest",
) -> Comparison:
    """Run scenarios (objects or files; `overrides` apply to files) with common random numbers
    and compare them on the first scenario's targets; runs go to `executor`
    (coopsim.executors.make_executor) or to one pool of `workers` for every scenario. As a
    forecast does, each starts at the latest report its region publishes within the first
    year (`origin` "latest"; each result's `origin` says so) or on 1 January ("year-end").

    >>> import coopsim
    >>> files = ["scenarios/baseline.toml", "scenarios/resolution20.toml"]
    >>> c = coopsim.compare(files, replications=500)
    >>> table = c.table()  # per target and scenario: P(met), paired difference, better, worse
    >>> table["scenario"].unique().tolist()
    ['baseline', 'resolution20']
    >>> ax = coopsim.plot_target_differences(c)  # see coopsim.plots.compare for the others
    """
    if len(scenarios) < 2:
        raise InputError("scenarios", "compare needs at least two scenarios")
    if replications < 2:
        raise InputError("--replications", f"a comparison needs at least 2 (got {replications})")
    pairs = load_compared(scenarios, overrides)
    loaded = [item for item, _ in pairs]
    regions: list[LoadedRegion] = [region for _, region in pairs]
    targets = dict(loaded[0].scenario.targets)
    plans = _plans(loaded, regions, targets)
    origins: list[dict | None] = [None] * len(plans)
    if origin == "latest":
        for i, (item, region) in enumerate(zip(loaded, regions, strict=True)):
            plans[i], origins[i] = at_latest_report(
                plans[i], item.scenario, region.data, replications=replications, seed=seed
            )
    elif origin not in ORIGINS:
        raise ValueError(f"origin must be one of {', '.join(ORIGINS)}, not {origin!r}")
    name, reason = comparison_engine(engine, plans)
    bar = Progress(replications * len(plans), enabled=progress)
    results = []
    try:
        pool = executor or PoolExecutor(workers)
        with pool if executor is None else nullcontext():
            for item, region, plan, start in zip(loaded, regions, plans, origins, strict=True):
                values, _ = simulate(
                    plan, seed, replications, engine=name, progress=bar, executor=pool
                )
                results.append(
                    ForecastResult(
                        scenario=item.scenario,
                        region=region.data,
                        initial=plan.initial,
                        years=plan.years,
                        values=values,
                        engine=name,
                        engine_reason=reason,
                        seed=seed,
                        inconsistencies=region.inconsistencies,
                        origin=start,
                    )
                )
    finally:
        bar.close()
    for item, result in zip(loaded[1:], results[1:], strict=True):
        for target, spec in targets.items():
            if np.all(np.isnan(result.metric(spec.metric, spec.year))):
                raise InputError(
                    str(item.path or item.scenario.name),
                    f"the first scenario's target '{target}' is on {spec.metric}, which this "
                    "scenario does not model",
                    f"targets.{target}.metric",
                )
    return Comparison(_labels(loaded), results, targets, name, reason, seed, replications)
