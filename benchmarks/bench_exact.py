"""Time the exact engine on the baseline: set-up, one target probability after set-up, the
full yearly summary to 2030 (every metric's distribution and every target), and one changed
policy setting re-answered (targets and quantiles) through the cached ExactAnswers, as an
explorer calls it on each slider move (with its shares' grids made on a second thread and,
taking turns with it, on one): credit_and_training with the training lever's upgrade
multiplier moved to a value not seen before, scenario compiled into a plan included.

    python benchmarks/bench_exact.py [--repeats 7]

Prints medians over the repeats; the README records a run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from coopsim.app.shown import ShownExactResult
from coopsim.engines.exact.model import CLASSIFIED, UNCLASSIFIED, ExactModel
from coopsim.inputs.region_data import load_scenario_and_region
from coopsim.model.plan import compile_plan
from coopsim.plots.fan import charted_metrics
from coopsim.results.exact_answers import ExactAnswers
from coopsim.results.exact_result import ExactForecastResult
from coopsim.threads import single_threaded_blas

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import load, median_seconds  # noqa: E402


def median_ms(action, repeats: int) -> float:
    return round(median_seconds(action, repeats) * 1000, 2)


def exact_result(kind, scenario, region, plan):
    """An exact result of `kind` (the whole summary's, or the explorer's) for a plan, with
    its exact model set up (the set-up is part of what is timed)."""
    return kind(
        scenario=scenario,
        region=region,
        initial=plan.initial,
        years=plan.years,
        values=None,
        engine="exact",
        engine_reason="benchmark",
        seed=0,
        model=ExactModel(plan),
    )


def alternating_ms(actions: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median milliseconds of each action over `repeats` rounds in which they take turns (the
    first one first in even rounds, last in odd ones), so each meets the same load."""
    times: list[list[float]] = [[] for _ in actions]
    for round_ in range(repeats):
        order = list(enumerate(actions))
        for i, action in order if round_ % 2 == 0 else reversed(order):
            start = time.perf_counter()
            action()
            times[i].append(time.perf_counter() - start)
    return [round(statistics.median(found) * 1000, 2) for found in times]


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
        model._founded.clear()  # years with the same founding share one pmf: time one
        values, pmf = model.founded_pmf(0)
        return float(pmf[(values >= 20) & (values <= 30)].sum())

    def full_summary() -> None:
        exact_result(ExactForecastResult, scenario, region.data, plan).summary()

    policy = ROOT / "scenarios" / "credit_and_training.toml"
    lever = "levers.training.effects.upgrade"
    moved = [
        load_scenario_and_region(policy, [f"{lever}={1.1 + 0.01 * i}"])
        for i in range(args.repeats + 1)
    ]

    def slider_move(second_thread: bool):
        """A re-answer per call, each at a lever value this ExactAnswers has not seen."""
        answers = ExactAnswers(moved[0][0].scenario.targets, second_thread=second_thread)
        answers.answer(compile_plan(moved[0][0].scenario, moved[0][1].data))
        slider = iter(moved[1:])

        def reanswer() -> None:
            scenario, changed_region = next(slider)
            answers.answer(compile_plan(scenario.scenario, changed_region.data))

        return reanswer

    shown_slider = iter(moved[1:])

    def reanswer_shown() -> None:
        """What the explorer computes on a move: the targets, and the quantiles of the
        metrics it charts (coopsim.app.shown.ShownExactResult)."""
        scenario, changed_region = next(shown_slider)
        changed = compile_plan(scenario.scenario, changed_region.data)
        result = exact_result(ShownExactResult, scenario.scenario, changed_region.data, changed)
        for metric in charted_metrics(result):
            result.metric_quantiles(metric)

    blas = single_threaded_blas()  # as `coopsim forecast` runs the engine
    blas.__enter__()
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
    # the re-answer with its shares' grids on a second thread and on this one, taking turns
    two, one = alternating_ms([slider_move(True), slider_move(False)], args.repeats)
    report |= {
        "reanswer_one_policy_setting_ms": two,
        "reanswer_one_policy_setting_one_thread_ms": one,
        "reanswer_one_thread_over_two": round(one / two, 3),
        "reanswer_shown_targets_and_charted_quantiles_ms": median_ms(reanswer_shown, args.repeats),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
