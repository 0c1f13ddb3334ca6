"""Two workers against one, end to end: `coopsim forecast scenarios/baseline.toml --engine des
--replications N` with --workers 1 and --workers 2 taking turns (start-up, pool, simulation
and writing included), for N = 600 and 2,000; and how long a pool of two takes to be ready
(started, and each worker through a first one-replicate chunk).

    python benchmarks/bench_workers.py [--repeats 3] [--replications 600 2000]

Prints medians over the repeats and the same-run ratio. Goals: 1.6x at 600, 1.7x at 2,000
(two busy processes run at about 0.9x the speed of one alone here: 1.8x is the ceiling),
workers ready in 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import BASELINE, load  # noqa: E402

from coopsim.engines.registry import select_engine  # noqa: E402
from coopsim.runs.executors import ChunkTask, PoolExecutor, start_method  # noqa: E402


def command(replications: int, workers: int) -> float:
    """Seconds of one end-to-end forecast into a throw-away folder."""
    with tempfile.TemporaryDirectory() as folder:
        argv = [sys.executable, "-m", "coopsim", "forecast", str(BASELINE), "--engine", "des",
                "--replications", str(replications), "--workers", str(workers), "--quiet",
                "--out", str(Path(folder) / "out")]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start


def pool_ready() -> float:
    """Seconds from a new pool of two to both workers having run a one-replicate chunk."""
    _, _, plan = load()
    chunk = select_engine("des", plan).engine.chunk
    tasks = [ChunkTask(chunk, plan, 1, i, i + 1) for i in range(2)]
    start = time.perf_counter()
    with PoolExecutor(2) as pool:
        list(pool.run(tasks))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--replications", type=int, nargs="+", default=[600, 2000])
    args = parser.parse_args()
    report: dict[str, object] = {
        "start_method": start_method(),
        "load_average_at_start": os.getloadavg()[0],
        "workers_ready_s": round(statistics.median(pool_ready() for _ in range(args.repeats)), 3),
    }
    for n in args.replications:
        one, two = [], []
        for _ in range(args.repeats):
            one.append(command(n, 1))
            two.append(command(n, 2))
        report[f"{n}_1_worker_s"] = round(statistics.median(one), 2)
        report[f"{n}_2_workers_s"] = round(statistics.median(two), 2)
        report[f"{n}_speedup"] = round(statistics.median(one) / statistics.median(two), 2)
        report[f"{n}_speedup_per_pair"] = [round(a / b, 2) for a, b in zip(one, two, strict=True)]
    report["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
