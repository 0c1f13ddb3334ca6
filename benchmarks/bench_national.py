"""A national-size scenario through the fast engine: 1,000 replicates to 2030 of a synthetic
region 30 times Ha Tinh's size (30,750 cooperatives, about 2,000 founded a year); reports the
time and the peak memory of the process.

    python benchmarks/bench_national.py [--replications 1000] [--workers 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from coopsim.analyses.forecast import forecast

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import load  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    loaded, region, _ = load(HERE / "national" / "scenario.toml")
    start = time.perf_counter()
    result = forecast(
        loaded.scenario,
        replications=args.replications,
        seed=1,
        engine="fast",
        workers=args.workers,
        region=region,
    )
    seconds = time.perf_counter() - start
    years = len(result.years)
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    report = {
        "replications": args.replications,
        "workers": args.workers,
        "cooperatives_at_start": result.initial.total,
        "seconds": round(seconds, 1),
        "ms_per_replicate_year": round(seconds / (args.replications * years) * 1000, 3),
        "peak_memory_mib_largest_process": round(peak / 1024, 1),
        "cooperatives_2030_median": result.metric_quantiles("cooperatives").loc[2030, "q50"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
