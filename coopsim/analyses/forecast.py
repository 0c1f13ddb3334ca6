"""The forecast workflow: scenario and data in, Monte Carlo ensemble run, results out."""

from __future__ import annotations

from contextlib import nullcontext
from functools import partial
from pathlib import Path

import pandas as pd

from coopsim.analyses.origin.plan_start import start_plan
from coopsim.defaults import (
    DEFAULT_MAX_REPLICATIONS,
    DEFAULT_REPLICATES_PER_SET,
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
)
from coopsim.engines.exact.model import ExactModel
from coopsim.engines.registry import select_engine
from coopsim.inputs.region_data import LoadedRegion, region_for
from coopsim.inputs.scenario import Scenario
from coopsim.model.plan import compile_plan
from coopsim.results.exact_result import ExactForecastResult
from coopsim.results.forecast_result import ForecastResult
from coopsim.results.targets import half_widths
from coopsim.runs.checkpoints import Checkpoints, posterior_digest, run_arguments
from coopsim.runs.chunks import chunk_size
from coopsim.runs.ensemble import PrecisionGoal, run_ensemble
from coopsim.runs.executors import Executor, PoolExecutor
from coopsim.runs.progress import Progress
from coopsim.runs.replicates import InMemory
from coopsim.threads import single_threaded_blas


def forecast(
    scenario: Scenario,
    *,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    engine: str = "auto",
    workers: int | None = None,
    region: LoadedRegion | None = None,
    progress: bool | None = False,
    posterior: pd.DataFrame | None = None,
    replicates_per_set: int = DEFAULT_REPLICATES_PER_SET,
    posterior_source: str | None = None,
    executor: Executor | None = None,
    checkpoints: Path | None = None,
    resume: bool = False,
    precision: float | None = None,
    max_replications: int = DEFAULT_MAX_REPLICATIONS,
    origin: str = "latest",
) -> ForecastResult:
    """Run a scenario as a Monte Carlo ensemble and return its results.

    A scenario with support programmes is also run without them, with the same seed, so the
    result can say what the programmes bought (`ForecastResult.programme_impact()`). With a
    `posterior` (the draws of `coopsim calibrate`), replicate i runs with parameter set
    i mod P, P = replications / replicates_per_set sets spread through the posterior: a
    two-level ensemble whose spread includes what the data leave uncertain.

    Chunks run on `executor` (coopsim.executors.make_executor: a process pool or Dask; by
    default a pool of `workers`). With `checkpoints` (a folder), each finished chunk is saved
    there and the result reads them from there, a metric at a time, instead of holding every
    replicate in memory; `resume` continues a run interrupted in that folder (refused if its
    arguments differ). With `precision`, `replications` is the first round and rounds are
    added until every target probability's 95% interval half-width is below it, or
    `max_replications` have run (`result.precision` says which).

    With `origin` "latest" (the default), a region that publishes a report within the first
    simulated year (a July review) is forecast from the report's date: the year's flows so
    far count, each replicate starts from the state given the report, and a posterior is
    updated with the report's figures (`result.origin` says what it is conditioned on);
    "year-end" starts on 1 January whatever the region publishes later.

    >>> from coopsim import load_scenario, forecast
    >>> result = forecast(load_scenario("scenarios/baseline.toml").scenario, replications=200)
    >>> 0 < result.targets["new_cooperatives_2024"].probability < 1
    True
    >>> result.target_table().index.tolist()[:2]
    ['new_cooperatives_2024', 'new_cooperatives_2024_at_least_20']
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if replicates_per_set < 1:
        raise ValueError("replicates_per_set must be at least 1")
    goal = _precision_goal(precision, max_replications, replications, posterior)
    with single_threaded_blas():
        loaded = region or region_for(scenario)
        plan = compile_plan(scenario, loaded.data)
        plan, started = start_plan(
            plan,
            scenario,
            loaded.data,
            origin=origin,
            replications=replications,
            seed=seed,
            posterior=posterior,
            replicates_per_set=replicates_per_set,
            posterior_source=posterior_source or "",
        )
        choice = select_engine(engine, plan)
        common = {
            "scenario": scenario,
            "region": loaded.data,
            "initial": plan.initial,
            "years": plan.years,
            "engine": choice.name,
            "engine_reason": choice.reason,
            "seed": seed,
            "inconsistencies": loaded.inconsistencies,
            "origin": None if started is None else started.as_dict(),
        }
        if choice.name == "exact":
            return ExactForecastResult(values=None, model=ExactModel(plan), **common)
        runs = [plan, plan.without_programmes()] if plan.programmes else [plan]
        owned = executor is None
        runner = executor or PoolExecutor(workers)
        size = chunk_size(
            replications, runner.workers, choice.align, choice.largest_chunk, choice.smallest_chunk
        )
        store = None
        if checkpoints is not None:
            arguments = run_arguments(
                scenario,
                loaded,
                seed=seed,
                replications=replications,
                engine=choice.name,
                posterior=posterior_digest(plan.parameter_sets),
                replicates_per_set=replicates_per_set,
                precision=precision,
                max_replications=max_replications,
                origin="year-end" if started is None else started.as_dict()["date"],
            )
            store = Checkpoints.open(Path(checkpoints), arguments, size, resume)
        bar = Progress(replications * len(runs), enabled=progress)
        try:
            with runner if owned else nullcontext():
                outcome = run_ensemble(
                    runs,
                    choice.engine,
                    seed,
                    replications,
                    runner,
                    size,
                    store=store,
                    progress=bar,
                    goal=goal,
                    half_widths=partial(half_widths, scenario.targets, years=plan.years),
                )
        finally:
            bar.close()
    main, *paired = outcome.data
    return ForecastResult(
        values=main.array() if isinstance(main, InMemory) else None,
        data=main,
        counterfactual=paired[0].array() if paired and isinstance(paired[0], InMemory) else None,
        counterfactual_data=paired[0] if paired else None,
        precision=outcome.precision,
        parameter_sets=None if plan.parameter_sets is None else plan.parameter_sets.count,
        posterior_source=posterior_source,
        **common,
    )


def _precision_goal(
    precision: float | None,
    max_replications: int,
    replications: int,
    posterior: pd.DataFrame | None,
) -> PrecisionGoal | None:
    """The precision goal, checked (None for a fixed number of replicates)."""
    if precision is None:
        return None
    if not 0 < precision < 0.5:
        raise ValueError("precision must lie between 0 and 0.5 (a half-width of a probability)")
    if max_replications < replications:
        raise ValueError("max_replications must be at least replications (the first round)")
    if posterior is not None:
        raise ValueError(
            "a precision goal does not combine with a posterior: the number of parameter sets "
            "follows from the number of replicates, so fix --replications instead"
        )
    return PrecisionGoal(precision, max_replications)
