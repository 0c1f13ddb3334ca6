"""The simulations behind a brief: each scenario's forecast with the same seed, and their
paired comparison (coopsim.compare)."""

from __future__ import annotations

from dataclasses import dataclass

from coopsim.analyses.compare import Comparison, compare
from coopsim.analyses.forecast import forecast
from coopsim.errors import InputError
from coopsim.inputs.region_data import LoadedRegion, region_for
from coopsim.inputs.scenario import LoadedScenario
from coopsim.results.forecast_result import ForecastResult


@dataclass(frozen=True)
class SimulationOptions:
    """The options every simulating command shares, as the brief passes them on."""

    replications: int
    seed: int
    engine: str = "auto"
    workers: int | None = None
    overrides: tuple[str, ...] = ()
    progress: bool | None = False


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario as loaded, its region's data, and its forecast."""

    loaded: LoadedScenario
    region: LoadedRegion
    result: ForecastResult

    @property
    def name(self) -> str:
        return self.loaded.scenario.name


@dataclass(frozen=True)
class ComparisonRow:
    """One scenario's probability of one of the first scenario's targets, against the first."""

    target: str
    scenario: str
    probability: float
    low: float
    high: float
    reference: bool  # the first scenario, which the others are measured against
    difference: float
    difference_low: float
    difference_high: float
    better: float  # share of replicates: this scenario meets the target, the first does not
    worse: float  # the reverse


@dataclass(frozen=True)
class Simulated:
    """The runs a brief shows and, for several scenarios, their paired comparison."""

    runs: list[ScenarioRun]
    comparison: Comparison | None


def run_scenarios(loaded: list[LoadedScenario], options: SimulationOptions) -> Simulated:
    """One scenario: its forecast. Several: coopsim.compare runs them with common random
    numbers, on one engine, and its results are the forecasts the brief shows."""
    regions = [region_for(item.scenario, item.path) for item in loaded]
    ids = {region.data.region.id for region in regions}
    if len(ids) > 1:
        raise InputError(
            "scenarios",
            f"a brief covers one region, but the scenarios name {', '.join(sorted(ids))}",
        )
    if len(loaded) == 1:
        result = forecast(
            loaded[0].scenario,
            replications=options.replications,
            seed=options.seed,
            engine=options.engine,
            workers=options.workers,
            region=regions[0],
            progress=options.progress,
        )
        return Simulated([ScenarioRun(loaded[0], regions[0], result)], None)
    comparison = compare(
        loaded,
        replications=options.replications,
        seed=options.seed,
        engine=options.engine,
        workers=options.workers,
        progress=options.progress,
    )
    runs = [
        ScenarioRun(item, region, result)
        for item, region, result in zip(loaded, regions, comparison.results, strict=True)
    ]
    return Simulated(runs, comparison)


def comparison_rows(comparison: Comparison) -> list[ComparisonRow]:
    """coopsim.compare's table, target by target, the first scenario first."""
    table = comparison.table()
    reference = comparison.labels[0]
    return [
        ComparisonRow(
            target=row.target,
            scenario=row.scenario,
            probability=row.probability,
            low=row.ci95_low,
            high=row.ci95_high,
            reference=row.scenario == reference,
            difference=row.difference,
            difference_low=row.difference_ci95_low,
            difference_high=row.difference_ci95_high,
            better=row.better,
            worse=row.worse,
        )
        for row in table.itertuples()
    ]
