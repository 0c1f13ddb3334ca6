"""Brier scores of a scenario's targets in a backtest: only a target whose metric and year is
a figure the backtest predicted (a year-end figure published in the year after an origin)
can be scored; the others are listed with why."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coopsim.analyses.score import brier
from coopsim.inputs.region_data import Region, observed_points
from coopsim.inputs.scenario import Scenario, is_met
from coopsim.metrics import metric_info


@dataclass(frozen=True)
class TargetBrier:
    """One target's predicted probability at an origin against whether it was met."""

    name: str
    origin: int
    figure: str
    probability: float
    published: float
    outcome: int
    brier: float


def target_scores(
    scenario: Scenario,
    region: Region,
    samples: dict[tuple[int, str], np.ndarray],
) -> tuple[list[TargetBrier], dict[str, str]]:
    """(the targets scored, the others with why) from the pooled predictive samples of each
    (origin, figure) the backtest predicted."""
    by_figure = {where: origin for origin, where in samples}
    scored, not_scored = [], {}
    for name, target in scenario.targets.items():
        point = observed_points(region, target.metric).get(target.year)
        origin = by_figure.get(point[1]) if point is not None else None
        if point is None or origin is None:
            not_scored[name] = (
                f"{target.metric} in {target.year} is not a figure published in the year "
                "after an origin"
            )
            continue
        sample = samples[(origin, point[1])]
        if not metric_info(target.metric).is_share:
            sample = np.round(sample)  # counts are whole
        probability = float(np.mean(is_met(target, sample)))
        outcome = int(is_met(target, np.array([point[0]]))[0])
        scored.append(
            TargetBrier(
                name, origin, point[1], probability, point[0], outcome, brier(probability, outcome)
            )
        )
    return scored, not_scored
