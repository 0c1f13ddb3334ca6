"""Paired against unpaired standard errors of scenario differences, on des and fast.

    python benchmarks/bench_pairing.py [--des 300] [--fast 4096] [--seed 11]

For two pairs of bundled scenarios (a broad lever package, and a programme that supports two
cooperatives) it runs `coopsim.compare` on each engine and prints, for a class target near
one half, a founding target and the mean well-operating share, the paired standard error of
the difference, the unpaired one from the same runs, their ratio, the seconds the runs took
on one worker, and paired SE x sqrt(seconds): the standard error a second of computing buys
(lower is better). The README records a run and the choice of compare's `auto` engine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import load  # noqa: E402

from coopsim.analyses.compare import compare  # noqa: E402
from coopsim.inputs.scenario import Target  # noqa: E402

EXTRA = {
    "share_2026_above_44.5%": Target(
        metric="well_operating_share", year=2026, comparison=">", threshold=0.445
    ),
    "founded_2024_at_least_20": Target(metric="founded", year=2024, comparison=">=", threshold=20),
}
PAIRS = (("baseline", "credit_and_training"), ("baseline", "model_coop_project"))


def measure(first: str, other: str, engine: str, replications: int, seed: int) -> list[str]:
    """One line per quantity: paired and unpaired SE, ratio, seconds, SE x sqrt(seconds)."""
    reference = load(ROOT / "scenarios" / f"{first}.toml")[0].scenario
    reference = reference.model_copy(update={"horizon_year": 2026, "targets": EXTRA})
    compared = load(ROOT / "scenarios" / f"{other}.toml")[0].scenario
    compared = compared.model_copy(update={"horizon_year": 2026, "targets": {}})
    start = time.perf_counter()
    result = compare(
        [reference, compared], replications=replications, seed=seed, engine=engine, workers=1
    )
    seconds = time.perf_counter() - start
    rows = result.table().query("scenario == @result.labels[1]").set_index("target")
    metrics = result.metric_differences().query(
        "scenario == @result.labels[1] and metric == 'well_operating_share' and year == 2025"
    )
    found = [(name, rows.loc[name]) for name in EXTRA]
    found.append(("mean well-operating share 2025", metrics.iloc[0]))
    lines = []
    for name, row in found:
        paired, unpaired = row.difference_stderr, row.unpaired_difference_stderr
        lines.append(
            f"{other:<20} {engine:<5} {replications:>6} {name:<31} {paired:>9.5f} "
            f"{unpaired:>9.5f} {paired / unpaired:>6.2f} {seconds:>7.1f} "
            f"{paired * seconds**0.5:>9.5f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--des", type=int, default=300, help="replicates on des")
    parser.add_argument("--fast", type=int, default=4096, help="replicates on fast")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    print(
        f"{'against baseline':<20} {'engine':<5} {'reps':>6} {'quantity':<31} {'paired':>9} "
        f"{'unpaired':>9} {'ratio':>6} {'seconds':>7} {'SE*sqrt(s)':>9}"
    )
    for first, other in PAIRS:
        for engine, replications in (("des", args.des), ("fast", args.fast)):
            print("\n".join(measure(first, other, engine, replications, args.seed)))


if __name__ == "__main__":
    main()
