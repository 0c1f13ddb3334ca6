"""Engines that simulate a compiled plan; `des` (simpy) is the model of record."""

from __future__ import annotations

from dataclasses import dataclass

from coopsim.engines.des import simulate_replicate as simulate_des
from coopsim.ensemble import ReplicateFunction
from coopsim.plan import SimulationPlan

#: Engine names accepted by --engine; `auto` picks the cheapest that supports the scenario.
ENGINE_CHOICES: tuple[str, ...] = ("auto", "des")


@dataclass(frozen=True)
class EngineChoice:
    name: str
    reason: str
    simulate: ReplicateFunction


def select_engine(requested: str, plan: SimulationPlan) -> EngineChoice:
    """The engine to run, and why it was picked."""
    if requested not in ENGINE_CHOICES:
        raise ValueError(f"unknown engine {requested!r}; choose from {', '.join(ENGINE_CHOICES)}")
    if requested == "des":
        return EngineChoice("des", "requested", simulate_des)
    return EngineChoice("des", "auto: the only engine in this version", simulate_des)
