"""The registry of engines and the one choice of engine every caller makes.

`select_engine` answers "which engine runs this plan, and why" for every purpose: a forecast
(auto: fast, or des when support programmes make its per-cooperative pairing worth it), a
paired comparison (replicates needed, so never exact), and target probabilities (auto: exact
when it computes every target's metric, without Monte Carlo error; then fast).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from coopsim.defaults import ENGINE_CHOICES
from coopsim.engines import des, exact, fast
from coopsim.engines.contract import ChunkFunction, Engine
from coopsim.errors import InputError
from coopsim.model.plan import SimulationPlan

ENGINES: dict[str, Engine] = {e.name: e for e in (des.ENGINE, fast.ENGINE, exact.ENGINE)}
#: What the caller needs from the engine.
Purpose = Literal["forecast", "pairs", "probabilities"]

AUTO_DES = (
    "auto: des, whose per-cooperative random numbers make a programme's paired impact "
    "against the run without it precise"
)
AUTO_FAST = (
    "auto: fast (numpy) runs this scenario and reports every metric; exact leaves out members"
)
#: Why `auto` picks each engine for a paired comparison (measured; see the README).
AUTO_PAIRS_DES = (
    "auto: des, as a scenario has support programmes: they touch a few cooperatives, and only "
    "des's per-cooperative random numbers pair them precisely"
)
AUTO_PAIRS_FAST = (
    "auto: fast, as no scenario has support programmes: its extra replicates per second "
    "narrow paired intervals more than des's tighter pairing (--engine des pairs replicate "
    "by replicate more closely)"
)
AUTO_EXACT = "auto: exact computes every target's probability without Monte Carlo error"


@dataclass(frozen=True)
class EngineChoice:
    """The engine picked and why."""

    engine: Engine
    reason: str

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def chunk(self) -> ChunkFunction | None:
        return self.engine.chunk

    @property
    def align(self) -> int:
        return self.engine.align

    @property
    def largest_chunk(self) -> int:
        return self.engine.largest_chunk

    @property
    def smallest_chunk(self) -> int:
        return self.engine.smallest_chunk


def exact_cannot(plan: SimulationPlan, metrics: Iterable[str] = ()) -> list[str]:
    """Why the exact engine cannot answer for this plan and these metrics (empty if it can)."""
    problems = exact.ENGINE.unsupported_features(plan)
    if plan.parameter_sets is not None:
        problems.append("posterior parameter sets mixed replicate by replicate")
    if not problems:
        missing = sorted({m for m in metrics if not exact.computes_metric(plan, m)})
        if missing:
            problems.append(f"targets on {', '.join(missing)}, which it does not compute")
    return problems


def _checked(requested: str, plan: SimulationPlan) -> EngineChoice:
    """The requested engine, refused (with the engines that can) if it cannot run the plan."""
    if requested == "exact" and plan.parameter_sets is not None:
        raise InputError(
            "--engine exact",
            "a forecast with --posterior mixes parameter sets replicate by replicate; "
            "use fast or des",
        )
    problems = ENGINES[requested].unsupported_features(plan)
    if problems:
        able = (
            "fast or des"
            if requested == "exact" and not fast.ENGINE.unsupported_features(plan)
            else "des"
        )
        raise InputError(
            f"--engine {requested}", "this scenario has " + "; ".join(problems) + f"; use {able}"
        )
    return EngineChoice(ENGINES[requested], "requested")


def select_engine(
    requested: str,
    plan: SimulationPlan,
    purpose: Purpose = "forecast",
    metrics: Iterable[str] = (),
) -> EngineChoice:
    """The engine to run for `purpose`, and why it was picked; `metrics` are the ones whose
    probabilities are asked for (purpose "probabilities")."""
    if requested not in ENGINE_CHOICES:
        raise ValueError(f"unknown engine {requested!r}; choose from {', '.join(ENGINE_CHOICES)}")
    if purpose == "pairs" and requested == "exact":
        raise InputError(
            "--engine exact",
            "a comparison pairs the scenarios replicate by replicate, and the exact engine has "
            "no replicates; use auto, des or fast",
        )
    if purpose == "probabilities":
        problems = exact_cannot(plan, metrics)
        if requested == "exact" and problems:
            raise InputError("--engine exact", "this scenario has " + "; ".join(problems))
        if requested == "exact":
            return EngineChoice(
                exact.ENGINE, "requested: target probabilities without Monte Carlo error"
            )
        if requested == "auto":
            if not problems:
                return EngineChoice(exact.ENGINE, AUTO_EXACT)
            return EngineChoice(
                fast.ENGINE, "auto: fast (the exact engine cannot: " + "; ".join(problems) + ")"
            )
    if requested != "auto":
        return _checked(requested, plan)
    pairs = purpose == "pairs"
    if plan.programmes:
        return EngineChoice(des.ENGINE, AUTO_PAIRS_DES if pairs else AUTO_DES)
    return EngineChoice(fast.ENGINE, AUTO_PAIRS_FAST if pairs else AUTO_FAST)
