"""Time the baseline forecast to 2030: seconds per replicate-year and peak memory, end to end
from the command line with the des engine on one worker and on all cores (1,000 replicates)
and with the fast engine (50,000 replicates), and the des and fast engines alone against a
plain simpy model of the same size.

    python benchmarks/bench_forecast.py [--replications 1000] [--fast-replications 50000]
                                        [--repeats 3] [--fast-only]

--fast-only times the fast engine's rows alone (and the plain simpy model they are compared
with, on --replications replicates).

Prints medians over the repeats; the README records a run. Timings on shared machines are
noisy: compare medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import load, median_seconds  # noqa: E402
from plain_simpy import plain_replicate  # noqa: E402

from coopsim.engines.fast.simulation import simulate_chunk  # noqa: E402
from coopsim.runs.executors import default_workers  # noqa: E402
from coopsim.runs.simulate import simulate  # noqa: E402
from coopsim.threads import single_threaded_blas  # noqa: E402


def cli_forecast(replications: int, workers: int, engine: str = "des") -> None:
    """One end-to-end `coopsim forecast` of the baseline into a throw-away folder."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "coopsim",
                "forecast",
                str(ROOT / "scenarios" / "baseline.toml"),
                "--replications",
                str(replications),
                "--workers",
                str(workers),
                "--quiet",
                "--engine",
                engine,
                "--out",
                str(Path(folder) / "out"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def largest_child_mib() -> float:
    """Peak resident memory of the largest finished child process (the CLI or a worker)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--fast-replications", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fast-only", action="store_true", help="skip the des rows")
    args = parser.parse_args()
    _, _, plan = load()
    n, years = args.replications, plan.n_years
    cores = default_workers()

    def per_replicate_year(seconds: float) -> float:
        return seconds / (n * years)

    big = args.fast_replications
    fast_cli = median_seconds(lambda: cli_forecast(big, cores, "fast"), args.repeats)
    with single_threaded_blas():
        fast_engine = median_seconds(lambda: simulate_chunk(plan, 1, 0, big), args.repeats)
    plain = median_seconds(lambda: [plain_replicate(plan, 1, i) for i in range(n)], args.repeats)
    report: dict[str, object] = {"replications": n, "years": years, "repeats": args.repeats}
    report["cores"] = cores
    if not args.fast_only:
        serial = median_seconds(lambda: cli_forecast(n, 1), args.repeats)
        parallel = median_seconds(lambda: cli_forecast(n, cores), args.repeats)
        peak = largest_child_mib()
        engine_only = median_seconds(
            lambda: simulate(plan, 1, n, engine="des", workers=1)[0], args.repeats
        )
        report |= {
            "cli_1_worker_s": round(serial, 2),
            f"cli_{cores}_workers_s": round(parallel, 2),
            "cli_s_per_replicate_year_1_worker": per_replicate_year(serial),
            f"cli_s_per_replicate_year_{cores}_workers": per_replicate_year(parallel),
            "parallel_speedup": round(serial / parallel, 2),
            "cli_peak_memory_mib_largest_process": round(peak, 1),
            "des_engine_s_per_replicate_year": per_replicate_year(engine_only),
            "des_engine_speedup_over_plain_simpy": round(plain / engine_only, 2),
        }
    report |= {
        "plain_simpy_s_per_replicate_year": per_replicate_year(plain),
        "fast_replications": big,
        f"cli_fast_{cores}_workers_s": round(fast_cli, 2),
        "cli_fast_s_per_replicate_year": fast_cli / (big * years),
        "cli_fast_speedup_over_plain_simpy": round(plain / n / (fast_cli / big), 1),
        "fast_engine_s_per_replicate_year": fast_engine / (big * years),
        "fast_engine_speedup_over_plain_simpy": round(plain / n / (fast_engine / big), 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
