"""Posterior predictive draws of the published figures: simulate the observation model once
per posterior draw (exact sampling, no normal approximation) and compare with what was
published."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopsim.analyses.calibration.fit import REVISION, Problem
from coopsim.analyses.calibration.observation import DISSOLVED, WEAK_CLASS, WELL, year_outcomes
from coopsim.analyses.calibration.record.check import record_published
from coopsim.analyses.calibration.record.problem import RecordProblem

#: The published figures checked, in the order of the predictive table's columns.
FIGURES = ("founded", "dissolved", "cooperatives", "well_operating_share", "weak_share")


def predictive_draws(problem: Problem, draws: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One simulated set of published figures per posterior draw."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 1])))
    observed = problem.observed
    rows = []
    for values in draws.to_dict("records"):
        hazards, mean, dispersion = problem.model_inputs(values)
        rate = mean if dispersion is None else rng.gamma(dispersion, mean / dispersion)
        founded = int(rng.poisson(rate))
        outcomes = year_outcomes(hazards, problem.entry, observed.well_classes)
        ends = rng.multinomial(observed.start, outcomes.stock).sum(axis=0)
        ends += rng.multinomial(founded, outcomes.entrant)
        alive = int(observed.start.sum()) + founded - int(ends[DISSOLVED])
        revision = values.get(REVISION, 0.0)
        rows.append(
            {
                "founded": founded,
                "dissolved": int(ends[DISSOLVED]),
                "cooperatives": alive - round(revision),
                "well_operating_share": ends[WELL] / alive,
                "weak_share": ends[WEAK_CLASS] / alive,
            }
        )
    return pd.DataFrame(rows, columns=list(FIGURES))


def published_figures(problem: Problem | RecordProblem) -> dict[str, float | None]:
    """The published value of each checked figure (None where the data have none); for the
    whole record, every fitted figure by its place in the region file."""
    if isinstance(problem, RecordProblem):
        return record_published(problem)
    observed = problem.observed

    def middle(interval: tuple[float, float] | None) -> float | None:
        return None if interval is None else (interval[0] + interval[1]) / 2

    return {
        "founded": observed.founded,
        "dissolved": observed.dissolved,
        "cooperatives": observed.stock,
        "well_operating_share": middle(observed.well_share),
        "weak_share": middle(observed.weak_share),
    }


def predictive_check(predictive: pd.DataFrame, published: dict[str, float | None]) -> pd.DataFrame:
    """Per figure: the published value, the predictive median and 90% band, whether the value
    falls inside it, and its predictive tail probability P(X <= value)."""
    rows = []
    for name in FIGURES:
        value = published[name]
        if value is None:
            continue
        sample = predictive[name].to_numpy(dtype=float)
        low, median, high = np.quantile(sample, [0.05, 0.5, 0.95])
        rows.append(
            {
                "figure": name,
                "published": value,
                "predictive_median": median,
                "q05": low,
                "q95": high,
                "inside_90": bool(low <= value <= high),
                "p_at_most": float(np.mean(sample <= value + 1e-9)),
            }
        )
    return pd.DataFrame(rows)
