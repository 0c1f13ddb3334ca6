"""The whole-record fit's posterior predictive check: every figure against its predictive.

For each posterior draw the record filter gives each figure's one-step-ahead predictive
(given the parameters and every figure published before it, as a forecaster would have had
it). Pooled over draws, a figure's band is the central 90% of that mixture and its PIT the
mixture's probability at or below the published value; a figure outside its band is reported
as an outlier with its PIT. A share is predicted as share = middle + (count - middle x
total) / expected total; a count's normal predictive is cut at zero.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from coopsim.analyses.calibration.record.likelihood import run_filter
from coopsim.analyses.calibration.record.moments import Predictive
from coopsim.analyses.calibration.record.problem import RecordProblem
from coopsim.analyses.calibration.record.timeline import RecordFigure

#: Posterior draws the check runs the filter for (evenly spaced through the draws).
CHECK_DRAWS = 200
#: Samples per draw for the bands.
SAMPLES_PER_DRAW = 20


def published_value(figure: RecordFigure) -> float:
    """The figure's published number: its value, the middle of its rounding, or its bound."""
    if figure.value is not None:
        return float(figure.value)
    if math.isfinite(figure.low) and math.isfinite(figure.high):
        if figure.share and figure.two_sided:
            return (figure.low + figure.high) / 2
        if not figure.share:
            return (figure.low + figure.high) / 2
    if figure.share:
        return figure.low if figure.low > 0 else figure.high
    return figure.low if math.isfinite(figure.low) and figure.low > 0 else figure.high


def record_published(problem: RecordProblem) -> dict[str, float | None]:
    """Each fitted figure's published number, by its place in the region file."""
    return {f.where: published_value(f) for f in problem.record.figures}


def figure_sample(
    figure: RecordFigure, predictive: Predictive, n: int, rng: np.random.Generator
) -> np.ndarray:
    """n draws of a figure from its predictive, as published: a share as a share, a count
    cut at zero (a count is never negative)."""
    sample = predictive.sample(n, rng)
    if figure.share:
        return figure.centre + sample / predictive.scale
    return np.maximum(sample, 0.0)


def figure_pit(figure: RecordFigure, predictive: Predictive, value: float) -> float:
    """The predictive's probability at or below a published value of the figure."""
    if figure.share:
        return predictive.cdf((value - figure.centre) * predictive.scale)
    return predictive.cdf(value)


def record_predictive(
    problem: RecordProblem, draws: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(samples: one column per figure, check: one row per figure) over CHECK_DRAWS draws."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 1])))
    rows = np.unique(np.linspace(0, len(draws) - 1, min(CHECK_DRAWS, len(draws))).round())
    figures = problem.record.figures
    samples: dict[str, list[np.ndarray]] = {f.where: [] for f in figures}
    pits: dict[str, list[float]] = {f.where: [] for f in figures}
    for row in rows.astype(int):
        model = problem.model(draws.iloc[row].to_dict())
        if model is None:
            continue
        filtered = run_filter(problem.record, model, keep_predictive=True)
        for f in figures:
            predictive = filtered.predictive.get(f.where)
            if predictive is None:
                continue
            samples[f.where].append(figure_sample(f, predictive, SAMPLES_PER_DRAW, rng))
            pits[f.where].append(figure_pit(f, predictive, published_value(f)))
    table = pd.DataFrame(
        {where: np.concatenate(parts) for where, parts in samples.items() if parts}
    )
    check = []
    for f in figures:
        if f.where not in table:
            continue
        value = published_value(f)
        low, median, high = np.quantile(table[f.where], [0.05, 0.5, 0.95])
        pit = float(np.mean(pits[f.where]))
        inside = _inside(f, low, high)
        check.append(
            {
                "figure": f.where,
                "published": value,
                "form": figure_form(f),
                "predictive_median": median,
                "q05": low,
                "q95": high,
                "inside_90": inside,
                "p_at_most": pit,
                "outlier": "" if inside else f"outside its 90% band (PIT {pit:.3f})",
            }
        )
    return table, pd.DataFrame(check)


def figure_form(figure: RecordFigure) -> str:
    """How the figure is published: exact, rounded or a bound."""
    if figure.value is not None:
        return "exact"
    if math.isinf(figure.low) or math.isinf(figure.high) or figure.low in (0.0,):
        return "bound"
    return "rounded" if not figure.share or figure.two_sided else "bound"


def _inside(figure: RecordFigure, low: float, high: float) -> bool:
    """Whether the published figure is inside the band: its value, or for a bound, whether
    the band reaches the values it allows."""
    if figure.value is not None:
        return bool(low <= figure.value <= high)
    allowed_low, allowed_high = figure.low, figure.high
    if figure.share and not figure.two_sided:
        allowed_low, allowed_high = (
            (figure.low, math.inf) if figure.low > 0 else (-math.inf, figure.high)
        )
    return bool(high >= allowed_low and low <= allowed_high)
