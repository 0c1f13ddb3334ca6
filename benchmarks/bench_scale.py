"""Scaling out: the des engine on 1 and 2 workers (process pool and Dask), the cost of one
chunk on each executor, and the peak memory of a 100,000-replicate forecast to 2030.

    python benchmarks/bench_scale.py [--des-replications 400] [--repeats 3] [--chunks 300]
                                     [--big 100000] [--skip-dask] [--skip-memory]

Prints medians over the repeats as JSON; the README records a run. Pools and clusters are
started before the timed runs (their start-up is reported apart). Timings on shared machines
are noisy: compare medians and ratios measured in the same run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import load, median_seconds  # noqa: E402

from coopsim.metrics import METRIC_NAMES  # noqa: E402
from coopsim.model.plan import SimulationPlan  # noqa: E402
from coopsim.runs.executor_choice import make_executor  # noqa: E402
from coopsim.runs.executors import ChunkTask, Executor, SerialExecutor  # noqa: E402
from coopsim.runs.simulate import simulate  # noqa: E402


def empty_chunk(plan: SimulationPlan, seed: int, start: int, stop: int) -> np.ndarray:
    """A chunk that does no work: what is left is the executor's own cost."""
    return np.zeros((stop - start, plan.n_years, len(METRIC_NAMES)))


def per_chunk_ms(executor: Executor, plan: SimulationPlan, chunks: int, repeats: int) -> float:
    """Median milliseconds per empty chunk, `chunks` of them in a run, on `executor`."""
    tasks = [ChunkTask(empty_chunk, plan, 1, i, i + 1) for i in range(chunks)]
    seconds = median_seconds(lambda: list(executor.run(tasks)), repeats)
    return seconds / chunks * 1000


def des_seconds(executors: dict[str, Executor], plan: SimulationPlan, n: int, repeats: int):
    """Median seconds of n des replicates on each executor, measured in turns (one run on
    each, then again) so that a change in the machine's load falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in executors}
    for executor in executors.values():
        simulate(plan, 1, 4, engine="des", executor=executor)  # warm
    for _ in range(repeats):
        for name, executor in executors.items():
            begin = time.perf_counter()
            simulate(plan, 1, n, engine="des", executor=executor)
            times[name].append(time.perf_counter() - begin)
    return {name: statistics.median(values) for name, values in times.items()}


def started(kind: str, workers: int) -> tuple[Executor, float]:
    """An executor with its workers started (by one tiny run), and how long that took."""
    begin = time.perf_counter()
    executor = make_executor(kind, workers)
    _, _, plan = load()
    list(executor.run([ChunkTask(empty_chunk, plan, 1, i, i + 1) for i in range(2 * workers)]))
    return executor, round(time.perf_counter() - begin, 2)


def peak_mib(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of a command run in a fresh process."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code, *argv], check=True, capture_output=True)
    seconds, mib = out.stdout.split()
    return float(seconds), float(mib)


def memory(big: int) -> dict[str, float]:
    """A `big`-replicate fast forecast to 2030 from the command line (one process, so its peak
    is the run's), against holding every replicate in memory and writing trajectories from a
    DataFrame, as a forecast used to."""
    baseline = str(ROOT / "scenarios" / "baseline.toml")
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "coopsim", "forecast", baseline, "--engine", "fast"]
        command += ["--replications", str(big), "--quiet", "--out"]
        seconds_1, mib_1 = peak_mib([*command, f"{folder}/one", "--workers", "1"])
        seconds_2, _ = peak_mib([*command, f"{folder}/two", "--workers", "2"])
        small = [*command[:-3], "1000", "--quiet", "--out", f"{folder}/small", "--workers", "1"]
        _, mib_small = peak_mib(small)
        size = os.path.getsize(f"{folder}/one/trajectories.parquet") / 2**20
        in_memory = (
            "import sys, warnings; warnings.simplefilter('ignore'); import coopsim; "
            "r = coopsim.forecast(coopsim.load_scenario(sys.argv[1]).scenario, "
            "replications=int(sys.argv[2]), engine='fast', workers=1); r.summary(); "
            "r.trajectories().to_csv(sys.argv[3], index=False)"
        )
        _, mib_memory = peak_mib(
            [sys.executable, "-c", in_memory, baseline, str(big), f"{folder}/t.csv"]
        )
    return {
        "replications": big,
        "cli_1_worker_s": round(seconds_1, 1),
        "cli_2_workers_s": round(seconds_2, 1),
        "cli_1_worker_peak_mib": round(mib_1, 1),
        "cli_1000_replicates_peak_mib": round(mib_small, 1),
        "all_in_memory_peak_mib": round(mib_memory, 1),
        "trajectories_parquet_mib": round(size, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--des-replications", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    _, _, plan = load()
    n, repeats = args.des_replications, args.repeats
    report: dict[str, object] = {
        "des_replications": n,
        "years": plan.n_years,
        "repeats": repeats,
        "load_average_at_start": os.getloadavg(),
    }
    executors: dict[str, Executor] = {"serial": SerialExecutor()}
    executors["pool"], report["pool_start_s"] = started("pool", 2)
    if not args.skip_dask:
        executors["dask"], report["dask_local_cluster_start_s"] = started("dask", 2)
    try:
        seconds = des_seconds(executors, plan, n, repeats)
        for name, executor in executors.items():
            report[f"{name}_ms_per_empty_chunk"] = round(
                per_chunk_ms(executor, plan, args.chunks, repeats), 3
            )
    finally:
        for executor in executors.values():
            executor.close()
    report["des_1_worker_s"] = round(seconds["serial"], 2)
    for name in ("pool", "dask"):
        if name in seconds:
            report[f"des_2_workers_{name}_s"] = round(seconds[name], 2)
            report[f"speedup_2_workers_{name}"] = round(seconds["serial"] / seconds[name], 2)
    if not args.skip_memory:
        report["memory"] = memory(args.big)
    report["load_average_at_end"] = os.getloadavg()
    report["peak_memory_mib_this_process"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
