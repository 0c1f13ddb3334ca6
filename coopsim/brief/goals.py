"""What it would take: per target, the lever value at which its probability reaches a level.

The search is coopsim.goal_seek's (common random numbers, the lever's documented range).

Default levers, by what the target measures (override with `goal_lever`):
- counts of cooperatives, founding and members: `founding.mean_per_year`;
- the well-operating share and the good and fair counts: the scenario's strongest upgrade lever
  (the largest `effects.upgrade` among levers acting on average cooperatives), or, without one,
  `quality.upgrade_per_year.average` (average cooperatives rising to fair is what moves the
  share);
- the weak share and the weak count: `quality.upgrade_per_year.weak`;
- cooperatives supported and budget spent: the first programme's `capacity_per_year`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from coopsim.analyses.goal_seek import goal_seek
from coopsim.analyses.origin import at_latest_report
from coopsim.brief.runs import ScenarioRun, SimulationOptions
from coopsim.defaults import DEFAULT_GOAL_PROBABILITY
from coopsim.engines.registry import select_engine
from coopsim.inputs.region_data import LoadedRegion
from coopsim.inputs.scenario import Scenario, Target
from coopsim.inputs.settings import find_lever
from coopsim.model.plan import compile_plan

FOUNDING_METRICS = {"founded", "cooperatives", "members", "unclassified"}
WELL_METRICS = {"well_operating_share", "good", "fair"}
WEAK_METRICS = {"weak_share", "weak"}
PROGRAMME_METRICS = {"supported", "budget_spent_million_vnd"}


@dataclass(frozen=True)
class GoalRow:
    """The answer for one target: the lever, its value now, the value needed and what it gives."""

    target: str
    lever: str | None
    description: str = ""
    current: float = float("nan")
    value: float = float("nan")
    probability: float = float("nan")
    stderr: float = 0.0
    reachable: bool = False
    decreasing: bool = False  # the probability falls as the lever rises: the largest value
    engine: str = ""
    current_probability: float = float("nan")
    best_value: float = float("nan")  # unreachable: the value tried with the highest probability
    best_probability: float = float("nan")


def default_lever(scenario: Scenario, target: Target) -> str | None:
    """The lever a brief moves for a target when none is given (see the module docstring)."""
    if target.metric in FOUNDING_METRICS:
        return "founding.mean_per_year"
    if target.metric in WELL_METRICS:
        acting = [
            (lever.effects.upgrade, name)
            for name, lever in scenario.levers.items()
            if lever.effects.upgrade > 1 and "average" in lever.classes
        ]
        if acting:
            strongest = max(acting, key=lambda pair: pair[0])  # first of equals wins
            return f"levers.{strongest[1]}.effects.upgrade"
        return "quality.upgrade_per_year.average"
    if target.metric in WEAK_METRICS:
        return "quality.upgrade_per_year.weak"
    if target.metric in PROGRAMME_METRICS and scenario.programmes:
        return f"programmes.{next(iter(scenario.programmes))}.capacity_per_year"
    return None


def check_goal_lever(scenario: Scenario, path: str | None) -> None:
    """Fail early, before any simulation, on a --goal-lever the scenario cannot move."""
    if path is not None:
        find_lever(scenario, path, "--goal-lever")


def goal_engine(scenario: Scenario, region: LoadedRegion, options: SimulationOptions) -> str:
    """The engine for goal seeking: with --engine auto, the cheapest that runs the scenario
    (exact: probabilities in milliseconds and without Monte Carlo error; then fast), since a
    search runs it a few dozen times; otherwise the engine asked for."""
    if options.engine != "auto":
        return options.engine
    plan, _ = at_latest_report(
        compile_plan(scenario, region.data), scenario, region.data, replications=2, seed=0
    )
    return select_engine("auto", plan, "probabilities").name


def brief_resolution(span: float) -> float:
    """The step a brief's answers are given to: a round number near a hundredth of the range
    (three significant digits are plenty for a committee; the search costs a third less)."""
    return 10 ** math.floor(math.log10(span / 100)) if span > 0 else 1.0


def what_it_would_take(
    run: ScenarioRun,
    options: SimulationOptions,
    probability: float = DEFAULT_GOAL_PROBABILITY,
    lever: str | None = None,
) -> list[GoalRow]:
    """A goal seek (coopsim.goal_seek) per target of the run's scenario, on `lever` or each
    target's default, with the brief's seed and replicate count."""
    scenario = run.loaded.scenario
    engine = goal_engine(scenario, run.region, options)
    rows = []
    for name, target in scenario.targets.items():
        path = lever or default_lever(scenario, target)
        if path is None:
            rows.append(GoalRow(name, None))
            continue
        setting = find_lever(scenario, path, "--goal-lever")
        found = goal_seek(
            scenario,
            name,
            path,
            probability,
            resolution=brief_resolution(setting.max - setting.min),
            replications=options.replications,
            seed=options.seed,
            engine="fast" if engine == "exact" and target.metric == "members" else engine,
            workers=options.workers,
            region=run.region,
        )
        best = max(found.path, key=lambda e: e.probability)
        rows.append(
            GoalRow(
                name,
                path,
                found.lever.description,
                float("nan") if found.lever.value is None else found.lever.value,
                found.value,
                found.probability,
                found.stderr,
                found.reachable,
                found.direction == "decreasing",
                found.engine,
                found.current_probability,
                best.value,
                best.probability,
            )
        )
    return rows
