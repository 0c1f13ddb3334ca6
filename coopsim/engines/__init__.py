"""Engines that simulate a compiled plan; `des` (simpy) is the model of record."""

from __future__ import annotations

from dataclasses import dataclass

from coopsim.engines import exact, fast
from coopsim.engines.des import simulate_replicate as simulate_des
from coopsim.ensemble import ChunkFunction, per_replicate
from coopsim.errors import InputError
from coopsim.plan import SimulationPlan

#: Engine names accepted by --engine; `auto` picks the cheapest that supports the scenario.
ENGINE_CHOICES: tuple[str, ...] = ("auto", "des", "fast", "exact")


@dataclass(frozen=True)
class EngineChoice:
    """The engine picked, why, and (for Monte Carlo engines) how it runs a chunk of replicates
    and the block size chunks must align to."""

    name: str
    reason: str
    chunk: ChunkFunction | None
    align: int = 1


DES = EngineChoice("des", "requested", per_replicate(simulate_des))
FAST = EngineChoice("fast", "requested", fast.simulate_chunk, fast.FAST_BLOCK)


def select_engine(requested: str, plan: SimulationPlan) -> EngineChoice:
    """The engine to run, and why it was picked."""
    if requested not in ENGINE_CHOICES:
        raise ValueError(f"unknown engine {requested!r}; choose from {', '.join(ENGINE_CHOICES)}")
    if requested in ("exact", "fast"):
        module = exact if requested == "exact" else fast
        problems = module.unsupported_features(plan)
        if problems:
            able = (
                "fast or des"
                if requested == "exact" and not fast.unsupported_features(plan)
                else "des"
            )
            raise InputError(
                f"--engine {requested}",
                "this scenario has " + "; ".join(problems) + f"; use {able}",
            )
        return EngineChoice("exact", "requested", None) if requested == "exact" else FAST
    if requested == "des":
        return DES
    if plan.programmes:
        return EngineChoice(
            "des",
            "auto: des, whose per-cooperative random numbers make a programme's paired impact "
            "against the run without it precise",
            DES.chunk,
        )
    return EngineChoice(
        "fast",
        "auto: fast (numpy) runs this scenario and reports every metric; exact leaves out members",
        FAST.chunk,
        FAST.align,
    )
