"""Goal seeking: the lever value at which a target's probability reaches a wanted level.

Every evaluation runs the scenario with the lever changed, the same seed and the same
replicate count, exactly as `coopsim forecast --set PATH=VALUE` would: with common random
numbers the probability is a deterministic function of the lever (no fresh noise between two
values), so the search cannot be sent back and forth by Monte Carlo error, and a forecast with
the value found reproduces its probability exactly.

The search: the probability at both ends of the lever's range sets the direction (rising or
falling with the lever); a scan of evenly spaced values from the end where it is lower finds
the first that reaches the wanted probability, and bisection on a grid of round values narrows
the step down to the resolution. The answer is the smallest value that reaches it when the
probability rises with the lever, the largest when it falls.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from coopsim.analyses.origin import at_latest_report
from coopsim.defaults import DEFAULT_SEED, GOAL_SEEK_REPLICATIONS
from coopsim.engines.exact import ExactModel, target_probability
from coopsim.engines.registry import select_engine
from coopsim.errors import InputError
from coopsim.inputs.region_data import LoadedRegion, region_for
from coopsim.inputs.scenario import Scenario
from coopsim.inputs.settings import LeverSetting, find_lever, setting_value, with_setting
from coopsim.metrics import METRIC_INDEX
from coopsim.model.plan import compile_plan
from coopsim.results.targets import estimate
from coopsim.runs.executors import Executor, PoolExecutor
from coopsim.runs.simulate import simulate
from coopsim.threads import single_threaded_blas

#: Replicates per evaluation when none are given: many on fast (a probability with a standard
#: error of at most 0.005), as many as a forecast's default on des.
DEFAULT_REPLICATIONS = GOAL_SEEK_REPLICATIONS
#: Evenly spaced values scanned between the range's ends before bisection.
SCAN_POINTS = 8


@dataclass(frozen=True)
class Evaluation:
    """One run of the search: a lever value and the target's probability there."""

    value: float
    probability: float
    stderr: float
    step: str  # "range end", "current", "scan" or "bisection"

    def as_dict(self) -> dict[str, Any]:
        """One entry of goal_seek.json's `search`."""
        return {
            "value": self.value,
            "probability": self.probability,
            "stderr": self.stderr,
            "step": self.step,
        }


@dataclass
class GoalSeekResult:
    """The lever value found, its probability, and how the search got there."""

    scenario: str
    target: str
    target_description: str
    lever: LeverSetting
    wanted: float
    value: float | int  # int for whole-number levers
    probability: float
    stderr: float
    reachable: bool
    direction: str  # "increasing" or "decreasing": how the probability moves with the lever
    bounds: tuple[float, float]
    resolution: float
    engine: str
    engine_reason: str
    replications: int | None
    seed: int
    note: str
    current_probability: float
    value_stderr: float | None
    path: list[Evaluation] = field(default_factory=list)
    #: Where every run starts: the latest report within the first year (None: 1 January).
    origin: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The goal_seek.json document."""
        return {
            "scenario": self.scenario,
            "target": self.target,
            "target_description": self.target_description,
            "lever": self.lever.path,
            "lever_description": self.lever.description,
            "wanted_probability": self.wanted,
            "value": self.value,
            "probability": self.probability,
            "stderr": self.stderr,
            "reachable": self.reachable,
            "value_stderr": self.value_stderr,
            "direction": self.direction,
            "note": self.note,
            "current_value": self.lever.value,
            "current_probability": self.current_probability,
            "range": list(self.bounds),
            "range_basis": self.lever.basis,
            "resolution": self.resolution,
            "engine": self.engine,
            "engine_reason": self.engine_reason,
            "replications": self.replications,
            "seed": self.seed,
            "search": [e.as_dict() for e in self.path],
            **({"origin": self.origin} if self.origin is not None else {}),
        }


class _Evaluator:
    """The target's probability as a function of the lever: same seed, same replicates."""

    def __init__(
        self,
        scenario: Scenario,
        region: LoadedRegion,
        target: str,
        lever: LeverSetting,
        *,
        engine: str,
        seed: int,
        replications: int | None,
        executor: Executor,
        report: Callable[[Evaluation], None] | None,
    ) -> None:
        """Pick the engine once (as a forecast would) and the replicates per run."""
        self.scenario, self.region, self.target, self.lever = scenario, region, target, lever
        self.seed, self.executor, self.report = seed, executor, report
        plan, self.origin = at_latest_report(
            compile_plan(scenario, region.data), scenario, region.data, replications=2, seed=seed
        )
        choice = select_engine(engine, plan)
        self.engine, self.engine_reason = choice.name, choice.reason
        spec = scenario.targets[target]
        if choice.name == "exact" and spec.metric == "members":
            raise InputError("--engine exact", "the exact engine does not compute members")
        self.replications = (
            None if choice.name == "exact" else replications or DEFAULT_REPLICATIONS[choice.name]
        )
        self.cache: dict[float, Evaluation] = {}
        self.path: list[Evaluation] = []

    def __call__(self, value: float, step: str) -> Evaluation:
        """The target's probability with the lever at `value` (each value is run once)."""
        if value in self.cache:
            return self.cache[value]
        changed = with_setting(
            self.scenario, self.lever.path, setting_value(value, self.lever.integer)
        )
        plan = compile_plan(changed, self.region.data)
        if self.origin is not None:  # each setting starts at the report, as a forecast does
            assert self.replications is not None
            plan, _ = at_latest_report(
                plan, changed, self.region.data, replications=self.replications, seed=self.seed
            )
        target = changed.targets[self.target]
        k = plan.years.index(target.year)
        with single_threaded_blas():
            if self.engine == "exact":
                p = target_probability(ExactModel(plan), target)
                result = Evaluation(value, p, 0.0, step)
            else:
                assert self.replications is not None
                runs, _ = simulate(
                    plan, self.seed, self.replications, engine=self.engine, executor=self.executor
                )
                est = estimate(self.target, target, runs[:, k, METRIC_INDEX[target.metric]])
                result = Evaluation(value, est.probability, est.stderr, step)
        self.cache[value] = result
        self.path.append(result)
        if self.report:
            self.report(result)
        return result


class _Grid:
    """Round values a step apart (whole numbers for whole-number levers), for bisection."""

    def __init__(self, low: float, high: float, resolution: float | None, integer: bool) -> None:
        """The step: `resolution`, or a power of ten a thousandth of the range or less."""
        span = high - low
        if resolution is None:  # a power of ten between a thousandth and a ten-thousandth
            resolution = 10.0 ** math.floor(math.log10(span / 1000)) if span > 0 else 1.0
        step = resolution
        self.step = max(1.0, float(round(step))) if integer else float(step)
        self.digits = max(0, -math.floor(math.log10(self.step)) + 1)

    def value(self, k: int) -> float:
        """The k-th grid value, rounded so that it prints (and reads back) exactly."""
        return round(k * self.step, self.digits)

    def nearest(self, x: float) -> float:
        """The grid value nearest to x."""
        return self.value(round(x / self.step))

    def between(self, a: float, b: float) -> float | None:
        """The grid value halfway between a and b (exclusive), or None if there is none."""
        low, high = min(a, b), max(a, b)
        first = math.floor(low / self.step + 1e-9) + 1
        last = math.ceil(high / self.step - 1e-9) - 1
        return None if first > last else self.value((first + last) // 2)


def goal_seek(
    scenario: Scenario,
    target: str,
    lever: str,
    probability: float,
    *,
    replications: int | None = None,
    seed: int = DEFAULT_SEED,
    engine: str = "auto",
    workers: int | None = None,
    region: LoadedRegion | None = None,
    bounds: tuple[float, float] | None = None,
    resolution: float | None = None,
    report: Callable[[Evaluation], None] | None = None,
    executor: Executor | None = None,
) -> GoalSeekResult:
    """The lever value (within its range, or `bounds`) at which the target's probability
    reaches `probability`: the smallest if the probability rises with the lever, the largest
    if it falls. Runs use `seed` and `replications` (default 10,000 on fast, 1,000 on des),
    so `forecast` with the value set reproduces the probability found. Runs go to
    `executor` (coopsim.executors.make_executor) or to one pool of `workers` for the search.

    >>> import coopsim
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> found = coopsim.goal_seek(
    ...     scenario, "new_cooperatives_2024_at_least_20", "founding.mean_per_year", 0.9,
    ...     engine="exact",
    ... )
    >>> found.reachable, round(found.value)  # founding 36 a year makes "at least 20" 90% likely
    (True, 36)
    >>> ax = coopsim.plot_goal_seek(found)  # every value tried; takes ax=
    """
    if target not in scenario.targets:
        allowed = ", ".join(scenario.targets) or "none: add a [targets.NAME] table"
        raise InputError("--target", f"unknown target '{target}'; this scenario's: {allowed}")
    if not 0 < probability < 1:
        raise InputError("--probability", f"must be strictly between 0 and 1 (got {probability})")
    setting = find_lever(scenario, lever)
    low, high = _bounds(setting, bounds)
    grid = _Grid(low, high, resolution, setting.integer)
    if setting.integer:
        low, high = math.ceil(low), math.floor(high)
    pool = executor or PoolExecutor(workers)  # one pool for every run of the search
    with pool if executor is None else nullcontext():
        run = _Evaluator(
            scenario,
            region or region_for(scenario),
            target,
            setting,
            engine=engine,
            seed=seed,
            replications=replications,
            executor=pool,
            report=report,
        )
        at_low, at_high = run(low, "range end"), run(high, "range end")
        current = run(setting.value, "current") if setting.value is not None else None
        rising = at_high.probability >= at_low.probability
        start, far = (at_low, at_high) if rising else (at_high, at_low)
        found, before = _scan(run, grid, start, far, probability)
        if found is not None and before is not None:
            found = _bisect(run, grid, before, found, probability)
    answer = found or far
    return GoalSeekResult(
        scenario=scenario.name,
        target=target,
        target_description=scenario.targets[target].description,
        lever=setting,
        wanted=probability,
        value=setting_value(answer.value, setting.integer),
        probability=answer.probability,
        stderr=answer.stderr,
        reachable=found is not None,
        direction="increasing" if rising else "decreasing",
        bounds=(low, high),
        resolution=grid.step,
        engine=run.engine,
        engine_reason=run.engine_reason,
        replications=run.replications,
        seed=seed,
        note=_note(setting.path, rising, at_low, at_high, found, far, probability),
        current_probability=(current or at_low).probability,
        value_stderr=_value_stderr(run.path, answer) if found is not None else None,
        path=run.path,
        origin=run.origin,
    )


def _bounds(setting: LeverSetting, bounds: tuple[float, float] | None) -> tuple[float, float]:
    """The search range: the lever's, or `bounds` if they lie within it."""
    if bounds is None:
        return setting.min, setting.max
    low, high = bounds
    if not setting.min <= low < high <= setting.max:
        raise InputError(
            "--range",
            f"must be LOW HIGH with {setting.min:g} <= LOW < HIGH <= {setting.max:g}, the "
            f"range of {setting.path} (got {low:g} {high:g})",
        )
    return float(low), float(high)


def _scan(
    run: _Evaluator, grid: _Grid, start: Evaluation, far: Evaluation, wanted: float
) -> tuple[Evaluation | None, Evaluation | None]:
    """From the low-probability end towards the other, the first value that reaches `wanted`
    and the value scanned before it (None, None if none does)."""
    if start.probability >= wanted:
        return start, None
    before = start
    for i in range(1, SCAN_POINTS + 1):
        x = grid.nearest(start.value + (far.value - start.value) * i / (SCAN_POINTS + 1))
        if not min(start.value, far.value) < x < max(start.value, far.value):
            continue
        point = run(x, "scan")
        if point.probability >= wanted:
            return point, before
        before = point
    return (far, before) if far.probability >= wanted else (None, None)


def _bisect(
    run: _Evaluator, grid: _Grid, short: Evaluation, reach: Evaluation, wanted: float
) -> Evaluation:
    """Narrow the bracket (`short` below `wanted`, `reach` at or above it) to one grid step."""
    while (middle := grid.between(short.value, reach.value)) is not None:
        point = run(middle, "bisection")
        if point.probability >= wanted:
            reach = point
        else:
            short = point
    return reach


def _value_stderr(path: list[Evaluation], answer: Evaluation) -> float | None:
    """Approximate Monte Carlo error of the value found: the probability's standard error over
    the local slope, taken between the nearest values on either side whose probabilities
    differ from the answer's by at least two standard errors (None without such a pair)."""
    if answer.stderr == 0:
        return 0.0
    far_enough = [e for e in path if abs(e.probability - answer.probability) >= 2 * answer.stderr]
    below = [e for e in far_enough if e.value < answer.value]
    above = [e for e in far_enough if e.value > answer.value]
    if not below or not above:
        return None
    left = max(below, key=lambda e: e.value)
    right = min(above, key=lambda e: e.value)
    slope = abs(right.probability - left.probability) / (right.value - left.value)
    return answer.stderr / slope if slope > 0 else None


def _note(
    path: str,
    rising: bool,
    at_low: Evaluation,
    at_high: Evaluation,
    found: Evaluation | None,
    far: Evaluation,
    wanted: float,
) -> str:
    """How to read the answer, in one sentence or two."""
    ends = (
        f"P = {at_low.probability:.3f} at {at_low.value:g} and {at_high.probability:.3f} at "
        f"{at_high.value:g}"
    )
    if rising:
        how = f"The probability rises with {path} ({ends}): the answer is the smallest value "
    else:
        how = f"The probability falls as {path} rises ({ends}): the answer is the largest value "
    how += f"at which it reaches {wanted:g}."
    if found is None:
        return how + (
            f" No value in the range reaches it; the best end, {far.value:g}, gives "
            f"{far.probability:.3f}."
        )
    start = at_low if rising else at_high
    if found.value == start.value:
        return how + " It is reached across the whole range, from its end."
    return how
