"""The whole-record calibration as a user runs it: `coopsim calibrate
scenarios/cleanup_risk.toml` end to end (a new process: start-up, the fit, the predictive
check, writing the folder), median of --repeats runs; beside it, one filter pass (the
likelihood of the whole record under one parameter set) in this process.

    python benchmarks/bench_calibrate_record.py [--repeats 3] [--workers 2]

Goal: the calibration in at most 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import command, load, median_seconds

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "cleanup_risk.toml"


def filter_pass_ms(repeats: int = 50) -> float:
    """Median milliseconds of one log posterior at the priors' medians."""
    from coopsim.analyses.calibration.record.problem import build_record_problem
    from coopsim.threads import single_threaded_blas

    loaded, region, _ = load(SCENARIO)
    problem = build_record_problem(loaded.scenario, region.data)
    z = problem.unconstrained(
        {n: float(problem.priors[n].frozen().median()) for n in problem.names}
    )
    with single_threaded_blas():
        problem.log_posterior(z)
        return 1000 * median_seconds(lambda: problem.log_posterior(z), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runs = iter(range(args.repeats))

        def calibrate() -> None:
            out = Path(folder) / f"fit-{next(runs)}"
            argv = command(
                "calibrate",
                str(SCENARIO),
                "--workers",
                str(args.workers),
                "--quiet",
                "--out",
                str(out),
            )
            subprocess.run(argv, check=True, capture_output=True)

        seconds = median_seconds(calibrate, args.repeats)
    print(
        json.dumps(
            {
                "calibrate_record_s": round(seconds, 1),
                "workers": args.workers,
                "filter_pass_ms": round(filter_pass_ms(), 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
