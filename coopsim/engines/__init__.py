"""Engines that simulate a compiled plan; `des` (simpy) is the model of record."""

from __future__ import annotations

from dataclasses import dataclass

from coopsim.engines.des import simulate_replicate as simulate_des
from coopsim.engines.exact import unsupported_features
from coopsim.ensemble import ReplicateFunction
from coopsim.errors import InputError
from coopsim.plan import SimulationPlan

#: Engine names accepted by --engine; `auto` picks the cheapest that supports the scenario.
ENGINE_CHOICES: tuple[str, ...] = ("auto", "des", "exact")


@dataclass(frozen=True)
class EngineChoice:
    """The engine picked, why, and (for Monte Carlo engines) its replicate function."""

    name: str
    reason: str
    simulate: ReplicateFunction | None


def select_engine(requested: str, plan: SimulationPlan) -> EngineChoice:
    """The engine to run, and why it was picked."""
    if requested not in ENGINE_CHOICES:
        raise ValueError(f"unknown engine {requested!r}; choose from {', '.join(ENGINE_CHOICES)}")
    if requested == "exact":
        problems = unsupported_features(plan)
        if problems:
            raise InputError(
                "--engine exact", "this scenario has " + "; ".join(problems) + "; use des"
            )
        return EngineChoice("exact", "requested", None)
    if requested == "des":
        return EngineChoice("des", "requested", simulate_des)
    return EngineChoice(
        "des",
        "auto: des, the engine that reports every metric (exact leaves out members)",
        simulate_des,
    )
