"""Updating a forecast with one new report, as a user runs it: `coopsim forecast
docs/examples/july_review/cleanup_risk.toml --posterior posterior.csv` end to end (a new
process: start-up, the posterior reweighted by the report draw by draw, the start draws, the
ensemble, the folder), median of --repeats runs; beside it, in the same run, the same command
with `--origin year-end` (no report read), so the update's own cost is their difference.

    python benchmarks/bench_update.py [--repeats 3] [--posterior FILE]

Without --posterior the scenario is calibrated once first (not timed). Goal: the update in at
most 20 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import command, median_seconds

SCENARIO = Path(__file__).resolve().parents[1] / "docs/examples/july_review/cleanup_risk.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--posterior", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        posterior = args.posterior
        if posterior is None:
            fit = Path(folder) / "fit"
            subprocess.run(
                command("calibrate", str(SCENARIO), "--quiet", "--out", str(fit)),
                check=True,
                capture_output=True,
            )
            posterior = fit / "posterior.csv"
        runs = iter(range(2 * args.repeats))

        def forecast(origin: str) -> None:
            out = Path(folder) / f"forecast-{next(runs)}"
            argv = command(
                "forecast", str(SCENARIO), "--posterior", str(posterior), "--origin", origin,
                "--quiet", "--out", str(out),
            )  # fmt: skip
            subprocess.run(argv, check=True, capture_output=True)

        seconds = {}
        for origin in ("latest", "year-end"):
            seconds[origin] = median_seconds(lambda o=origin: forecast(o), args.repeats)
    print(
        json.dumps(
            {
                "forecast_updated_with_report_s": round(seconds["latest"], 2),
                "forecast_from_year_end_s": round(seconds["year-end"], 2),
                "update_cost_s": round(seconds["latest"] - seconds["year-end"], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
