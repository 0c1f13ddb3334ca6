"""Global sensitivity of each target's probability to a scenario's levers and uncertain
parameters: design, evaluation with common random numbers, indices and a one-at-a-time swing."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from typing import Literal

import numpy as np
import pandas as pd

from coopsim.analyses.origin import at_latest_report
from coopsim.analyses.sensitivity.evaluate import Evaluator, choose_engine, evaluate
from coopsim.analyses.sensitivity.inputs import SensitivityInput, resolve_inputs
from coopsim.analyses.sensitivity.methods import (
    is_power_of_two,
    morris_design,
    morris_effects,
    saltelli_design,
    sobol_indices,
    split_saltelli,
)
from coopsim.analyses.sensitivity.result import SensitivityResult, TargetSpread
from coopsim.defaults import (
    DEFAULT_EVALUATIONS,
    DEFAULT_REPLICATIONS_PER_POINT,
    DEFAULT_SEED,
    SENSITIVITY_METHODS,
)
from coopsim.inputs.region_data import LoadedRegion, region_for
from coopsim.inputs.scenario import Scenario
from coopsim.model.plan import compile_plan
from coopsim.runs.executors import Executor, PoolExecutor
from coopsim.runs.progress import Progress
from coopsim.threads import single_threaded_blas

Method = Literal["sobol", "morris"]
METHODS = SENSITIVITY_METHODS
#: Bounds on the default base samples (Sobol') or trajectories (Morris).
DEFAULT_SAMPLE_RANGE = {"sobol": (16, 512), "morris": (8, 64)}


def default_samples(method: str, inputs: int, exact: bool) -> int:
    """Base samples (Sobol': the largest power of 2 with n (d + 2) points within the budget)
    or trajectories (Morris: r (d + 1) points), for d inputs."""
    low, high = DEFAULT_SAMPLE_RANGE[method]
    budget = DEFAULT_EVALUATIONS[exact]
    if method == "sobol":
        n = 2 ** int(np.floor(np.log2(max(1, budget // (inputs + 2)))))
    else:
        n = budget // (inputs + 1)
    return int(min(high, max(low, n)))


def _stream(seed: int, purpose: int) -> int:
    """An integer seed for one purpose (design, bootstrap) derived from the run's seed."""
    return int(np.random.SeedSequence([seed, purpose]).generate_state(1)[0])


def sensitivity(
    scenario: Scenario,
    *,
    method: Method = "sobol",
    samples: int | None = None,
    inputs: Sequence[str | SensitivityInput] | None = None,
    replications: int = DEFAULT_REPLICATIONS_PER_POINT,
    seed: int = DEFAULT_SEED,
    engine: str = "auto",
    workers: int | None = None,
    region: LoadedRegion | None = None,
    resamples: int = 1000,
    progress: bool | None = False,
    executor: Executor | None = None,
) -> SensitivityResult:
    """Sobol' indices (or Morris effects) of every target's probability with respect to the
    scenario's levers and uncertain parameters (or the `inputs` named), each point run with
    the same seed; plus each input's one-at-a-time swing from its low to its high end.
    Design points run in batches on `executor` (coopsim.runs.executors.make_executor: a
    process pool or Dask; by default a pool of `workers`).

    >>> import coopsim
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> inputs = ["founding.mean_per_year", "founding_scale", "upgrade_scale"]
    >>> result = coopsim.sensitivity(scenario, inputs=inputs, samples=32, workers=1)
    >>> ranked = result.target_table("new_cooperatives_2024")  # most influential first
    >>> ranked["input"].iloc[0]
    'founding.mean_per_year'
    >>> ax = coopsim.plot_sensitivity(result, "new_cooperatives_2024")  # swing=True: tornado
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if not scenario.targets:
        raise ValueError("the scenario has no targets to analyse")
    if replications < 1:
        raise ValueError("replications must be at least 1")
    chosen = resolve_inputs(scenario, inputs)
    loaded = region or region_for(scenario)
    targets = list(scenario.targets.values())
    with single_threaded_blas():
        plan, _ = at_latest_report(
            compile_plan(scenario, loaded.data), scenario, loaded.data, replications=1, seed=seed
        )
        engine_name, reason = choose_engine(engine, plan, targets)
    exact = engine_name == "exact"
    n = samples if samples is not None else default_samples(method, len(chosen), exact)
    if method == "sobol" and not is_power_of_two(n):
        raise ValueError(f"Sobol' samples must be a power of 2, e.g. 64, 128 or 256 (got {n})")
    if n < 2:
        raise ValueError("samples must be at least 2")
    d = len(chosen)
    if method == "sobol":
        unit = saltelli_design(n, d, _stream(seed, 1))
    else:
        unit, moves = morris_design(n, d, _stream(seed, 1))
    current = np.array([item.value for item in chosen])
    swing = np.tile(current, (2 * d + 1, 1))
    for i, item in enumerate(chosen):
        swing[1 + 2 * i, i], swing[2 + 2 * i, i] = item.at(0.0), item.at(1.0)
    points = np.column_stack([item.at(unit[:, i]) for i, item in enumerate(chosen)])
    evaluator = Evaluator(
        scenario.model_dump(),
        loaded.data,
        tuple(chosen),
        tuple(targets),
        engine_name,
        seed,
        0 if exact else replications,
    )
    bar = Progress(len(points) + len(swing), label="design points", enabled=progress)
    runner = executor or PoolExecutor(workers)
    try:
        with runner if executor is None else nullcontext():
            outputs = evaluate(evaluator, np.concatenate([swing, points]), runner, bar)
    finally:
        bar.close()
    at_swing, outputs = outputs[: len(swing)], outputs[len(swing) :]
    rows = []
    spreads = {}
    for j, (name, target) in enumerate(scenario.targets.items()):
        f = outputs[:, j]
        common = [
            {
                "target": name,
                "input": item.name,
                "kind": item.kind,
                "low": item.low,
                "high": item.high,
                "value": item.value,
                "probability_at_low": at_swing[1 + 2 * i, j],
                "probability_at_value": at_swing[0, j],
                "probability_at_high": at_swing[2 + 2 * i, j],
            }
            for i, item in enumerate(chosen)
        ]
        if method == "sobol":
            f_a, f_b, f_ab = split_saltelli(f, d)
            base = np.concatenate([f_a, f_b])
            found = sobol_indices(f_a, f_b, f_ab, resamples=resamples, seed=_stream(seed, 2))
            for i, row in enumerate(common):
                row |= {
                    "first_order": found.first[i],
                    "first_order_low": found.first_interval[i, 0],
                    "first_order_high": found.first_interval[i, 1],
                    "total": found.total[i],
                    "total_low": found.total_interval[i, 0],
                    "total_high": found.total_interval[i, 1],
                }
        else:
            base = f
            effects = morris_effects(f, moves, resamples=resamples, seed=_stream(seed, 2))
            for i, row in enumerate(common):
                row |= {
                    "mu_star": effects.mu_star[i],
                    "mu_star_low": effects.mu_star_interval[i, 0],
                    "mu_star_high": effects.mu_star_interval[i, 1],
                    "mu": effects.mu[i],
                    "sigma": effects.sigma[i],
                }
        variance = float(np.var(base))
        noise = 0.0 if exact else float(np.mean(base * (1 - base)) / replications)
        estimates = [r[k] for r in common for k in ("first_order", "total", "mu_star") if k in r]
        spreads[name] = TargetSpread(
            float(at_swing[0, j]),
            float(np.mean(base)),
            variance,
            noise,
            target.description,
            method == "sobol" and bool(np.any(np.abs(np.array(estimates) - 0.5) > 0.6)),
        )
        key = "total" if method == "sobol" else "mu_star"
        ranked = sorted(common, key=lambda r: -np.nan_to_num(r[key], nan=-np.inf))
        for rank, row in enumerate(ranked, start=1):
            row["rank"] = rank
            row["description"] = next(i.description for i in chosen if i.name == row["input"])
        rows += ranked
    return SensitivityResult(
        scenario=scenario,
        method=method,
        inputs=chosen,
        table=pd.DataFrame(rows),
        spreads=spreads,
        engine=engine_name,
        engine_reason=reason,
        seed=seed,
        replications=0 if exact else replications,
        samples=n,
        evaluations=len(points) + len(swing),
    )
