"""Engines that simulate a compiled plan; `des` (simpy) is the model of record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coopsim.engines import exact, fast
from coopsim.engines.des import simulate_replicate as simulate_des
from coopsim.ensemble import DEFAULT_LARGEST_CHUNK, ChunkFunction, per_replicate, run_chunks
from coopsim.errors import InputError
from coopsim.executors import Executor
from coopsim.plan import SimulationPlan
from coopsim.progress import Progress
from coopsim.threads import single_threaded_blas

#: Engine names accepted by --engine; `auto` picks the cheapest that supports the scenario.
ENGINE_CHOICES: tuple[str, ...] = ("auto", "des", "fast", "exact")


@dataclass(frozen=True)
class EngineChoice:
    """The engine picked, why, and (for Monte Carlo engines) how it runs a chunk of replicates,
    the block size chunks must align to and the most replicates worth putting in one chunk."""

    name: str
    reason: str
    chunk: ChunkFunction | None
    align: int = 1
    largest_chunk: int = DEFAULT_LARGEST_CHUNK
    smallest_chunk: int = 1


#: A des replicate to 2030 takes 15-50 ms: chunks of at least 4 (about 0.1 s of work) keep a
#: worker's few milliseconds per chunk small.
DES_SMALLEST_CHUNK = 4
DES = EngineChoice(
    "des", "requested", per_replicate(simulate_des), smallest_chunk=DES_SMALLEST_CHUNK
)
#: A fast-engine block takes milliseconds: chunks of 16 blocks (about 0.2 s of work) amortise
#: a worker's overhead, and smaller runs stay in this process.
FAST_CHUNK = 16 * fast.FAST_BLOCK
FAST = EngineChoice(
    "fast", "requested", fast.simulate_chunk, fast.FAST_BLOCK, FAST_CHUNK, FAST_CHUNK
)


def select_engine(requested: str, plan: SimulationPlan) -> EngineChoice:
    """The engine to run, and why it was picked."""
    if requested not in ENGINE_CHOICES:
        raise ValueError(f"unknown engine {requested!r}; choose from {', '.join(ENGINE_CHOICES)}")
    if requested == "exact" and plan.parameter_sets is not None:
        raise InputError(
            "--engine exact",
            "a forecast with --posterior mixes parameter sets replicate by replicate; "
            "use fast or des",
        )
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
            smallest_chunk=DES.smallest_chunk,
        )
    return EngineChoice(
        "fast",
        "auto: fast (numpy) runs this scenario and reports every metric; exact leaves out members",
        FAST.chunk,
        FAST.align,
        FAST.largest_chunk,
        FAST.smallest_chunk,
    )


def simulate(
    plan: SimulationPlan,
    seed: int,
    replications: int,
    *,
    engine: str = "auto",
    workers: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> tuple[np.ndarray, EngineChoice]:
    """Per-replicate yearly metrics (replications x years x metrics, in METRIC_NAMES order)
    of a compiled plan, from the requested Monte Carlo engine or, with "auto", the fastest
    that supports the plan; the replicate-level entry point for calibration, goal seeking and
    sensitivity code. Replicate i depends only on (seed, i), whatever `workers` is.
    `executor` (see coopsim.executors.make_executor) runs the chunks on a pool or Dask
    cluster the caller keeps across calls; without it, a pool of `workers` for this call.

    >>> from coopsim.engines import simulate
    >>> values, choice = simulate(plan, seed=1, replications=512)  # doctest: +SKIP
    """
    if engine == "exact":
        raise ValueError("the exact engine has no replicates; use coopsim.engines.exact.ExactModel")
    choice = select_engine(engine, plan)
    assert choice.chunk is not None
    with single_threaded_blas():
        values = run_chunks(
            choice.chunk,
            plan,
            seed,
            replications,
            workers=workers,
            progress=progress,
            align=choice.align,
            largest=choice.largest_chunk,
            smallest=choice.smallest_chunk,
            executor=executor,
        )
    return values, choice
