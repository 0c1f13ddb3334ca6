"""Time the simpy engine's per-replicate set-up against the replicate it prepares, on the
baseline: building a replicate (`DesReplicate`, the starting stock and its first events), a
whole one-year replicate (the baseline cut to its first year, as calibration runs it) and a
whole replicate to 2030.

    python benchmarks/bench_des_setup.py [--repeats 300]

Each repeat is a different replicate of seed 1 (the replicate to 2030 on every third), the
three measures taking turns on it, with the cyclic garbage collector paused as the ensemble
pauses it. Prints medians in milliseconds and the ratio of set-up to a one-year replicate
(set-up included) as JSON; the README records a run. Timings on shared machines are noisy:
compare medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import load  # noqa: E402

from coopsim.engines.des.simulation import DesReplicate, simulate_replicate  # noqa: E402
from coopsim.model.plan import SimulationPlan, compile_plan  # noqa: E402
from coopsim.runs.executors import gc_paused  # noqa: E402


def interleaved_ms(
    actions: dict[str, Callable[[int], object]], every: dict[str, int], repeats: int
) -> dict[str, float]:
    """Median milliseconds of each action(replicate) over replicates 0..repeats-1, the
    actions taking turns on each replicate (action k only on every every[k]-th one), so that
    a busy spell of a shared machine weighs on all of them alike. Cyclic garbage collection
    is paused as the ensemble pauses it."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    with gc_paused():
        for replicate in range(repeats):
            for name, action in actions.items():
                if replicate % every.get(name, 1):
                    continue
                start = time.perf_counter()
                action(replicate)
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}


def built(replicate: DesReplicate) -> None:
    """Free a replicate built and not run as a run frees it (by reference counting, once its
    pending events are dropped), so set-up is timed with memory recycled as in a run."""
    replicate._release()


def one_year_plan() -> SimulationPlan:
    """The baseline cut to its first simulated year."""
    loaded, region, _ = load()
    scenario = loaded.scenario.model_copy(update={"horizon_year": loaded.scenario.first_year})
    return compile_plan(scenario, region.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    _, _, plan = load()
    short = one_year_plan()
    seed, n = 1, args.repeats
    simulate_replicate(short, seed, n)  # warm up imports and any per-plan caches
    medians = interleaved_ms(
        {
            "setup": lambda i: built(DesReplicate(short, seed, i)),
            "one_year": lambda i: simulate_replicate(short, seed, i),
            "full": lambda i: simulate_replicate(plan, seed, i),
        },
        {"full": 3},
        n,
    )
    setup, one_year, full = medians["setup"], medians["one_year"], medians["full"]
    report = {
        "repeats": n,
        "cooperatives_at_start": plan.initial.total,
        "setup_ms": round(setup, 3),
        "one_year_replicate_ms": round(one_year, 3),
        f"{plan.n_years}_year_replicate_ms": round(full, 3),
        "setup_over_one_year_replicate": round(setup / one_year, 3),
        f"setup_over_{plan.n_years}_year_replicate": round(setup / full, 3),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
