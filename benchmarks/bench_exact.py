"""Time the exact engine on the baseline: set-up, one target probability after set-up, and
the full yearly summary to 2030 (every metric's distribution and every target).

    python benchmarks/bench_exact.py [--repeats 7]

Prints medians over the repeats; the README records a run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coopsim.engines.exact.model import CLASSIFIED, UNCLASSIFIED, ExactModel
from coopsim.results.exact_result import ExactForecastResult

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import load, median_seconds  # noqa: E402


def median_ms(action, repeats: int) -> float:
    return round(median_seconds(action, repeats) * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    loaded, region, plan = load()
    scenario = loaded.scenario
    model = ExactModel(plan)
    others = [2, 3, *UNCLASSIFIED]

    def share_target() -> float:
        return model.share_probability(0, [0, 1], others, 0.5, strict=True)

    def share_target_2030() -> float:
        return model.share_probability(6, [0, 1], others, 0.6, strict=True)

    def founding_target() -> float:
        values, pmf = model.founded_pmf(0)
        return float(pmf[(values >= 20) & (values <= 30)].sum())

    def full_summary() -> None:
        ExactForecastResult(
            scenario=scenario,
            region=region.data,
            initial=plan.initial,
            years=plan.years,
            values=None,
            engine="exact",
            engine_reason="benchmark",
            seed=0,
            model=ExactModel(plan),
        ).summary()

    report = {
        "setup_ms": median_ms(lambda: ExactModel(plan), args.repeats),
        "target_well_operating_share_2024_ms": median_ms(share_target, args.repeats),
        "target_well_operating_share_2030_ms": median_ms(share_target_2030, args.repeats),
        "target_new_cooperatives_2024_ms": median_ms(founding_target, args.repeats),
        "alive_count_distribution_2030_ms": median_ms(
            lambda: model.count_pmf(6, [*CLASSIFIED, *UNCLASSIFIED]), args.repeats
        ),
        "full_summary_to_2030_including_setup_ms": median_ms(full_summary, args.repeats),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
