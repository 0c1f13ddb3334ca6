"""One predicted figure scored against its published value: CRPS of the pooled predictive
samples, PIT of the predictive mixture, the 50/80/95% central bands and, for a count, the
median's absolute error; a published bound gets the predictive's probability of it."""

from __future__ import annotations

import math

import numpy as np

from coopsim.analyses.backtest.origins import Origin, year_end
from coopsim.analyses.calibration.record.check import (
    figure_form,
    figure_pit,
    figure_sample,
    published_value,
)
from coopsim.analyses.calibration.record.moments import Predictive
from coopsim.analyses.calibration.record.timeline import RecordFigure
from coopsim.analyses.score import BANDS, crps_sample

#: Samples drawn from each posterior draw's predictive (pooled over the draws).
SAMPLES_PER_DRAW = 50
#: Quantile levels kept for each figure, by the names score.py's BANDS use.
LEVELS = {"q025": 0.025, "q10": 0.10, "q25": 0.25, "median": 0.5, "q75": 0.75, "q90": 0.90,
          "q975": 0.975}  # fmt: skip
#: The nominal coverage of each central band.
NOMINAL = {"in_50": 0.50, "in_80": 0.80, "in_95": 0.95}
COLUMNS = [
    "origin", "origin_kind", "figure", "quantity", "kind", "form", "published", *LEVELS,
    "crps", "pit", *NOMINAL, "abs_error_median", "p_bound",
]  # fmt: skip


def pooled_sample(
    figure: RecordFigure, predictives: list[Predictive], rng: np.random.Generator
) -> np.ndarray:
    """SAMPLES_PER_DRAW draws of the figure from each draw's predictive, pooled."""
    return np.concatenate([figure_sample(figure, p, SAMPLES_PER_DRAW, rng) for p in predictives])


def is_bound(figure: RecordFigure) -> bool:
    """A published bound ('at least 388'): it has no value to score a distribution against."""
    return figure_form(figure) == "bound"


def bound_probability(figure: RecordFigure, sample: np.ndarray) -> float:
    """The predictive's probability of what a bound allows (a count's whole-number edge
    counted in, as the filter reads it)."""
    if figure.share:
        low, high = (figure.low, math.inf) if figure.low > 0 else (-math.inf, figure.high)
        return float(np.mean((sample >= low) & (sample <= high)))
    return float(np.mean((sample >= figure.low - 0.5) & (sample <= figure.high + 0.5)))


def score_figure(
    origin: Origin | int,
    figure: RecordFigure,
    predictives: list[Predictive],
    rng: np.random.Generator,
) -> tuple[dict[str, object], np.ndarray]:
    """(the backtest.csv row of the figure predicted at `origin` (a year: its year-end),
    its pooled predictive sample)."""
    origin = year_end(origin) if isinstance(origin, int) else origin
    sample = pooled_sample(figure, predictives, rng)
    quantiles = dict(zip(LEVELS, np.quantile(sample, list(LEVELS.values())), strict=True))
    row: dict[str, object] = {
        "origin": origin.label,
        "origin_kind": origin.kind,
        "figure": figure.where,
        "quantity": figure.quantity,
        "kind": "share" if figure.share else "count",
        "form": figure_form(figure),
        "published": published_value(figure),
        **{name: float(value) for name, value in quantiles.items()},
    }
    if is_bound(figure):
        return row | {"p_bound": bound_probability(figure, sample)}, sample
    value = float(published_value(figure))  # type: ignore[arg-type]
    row["crps"] = crps_sample(sample, value)
    row["pit"] = float(np.mean([figure_pit(figure, p, value) for p in predictives]))
    for name, (low, high) in BANDS.items():
        row[name] = bool(quantiles[low] <= value <= quantiles[high])
    if not figure.share:
        row["abs_error_median"] = abs(float(quantiles["median"]) - value)
    return row, sample
