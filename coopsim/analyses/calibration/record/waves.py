"""What a whole-record fit says about clean-up waves in the years after it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopsim.analyses.calibration.record.problem import RecordProblem

#: The years after the record the chance of a wave is reported for.
WAVE_YEARS = 3


def wave_chance(problem: RecordProblem, draws: pd.DataFrame) -> dict[str, object]:
    """The chance of at least one clean-up wave in the WAVE_YEARS years after the record:
    1 - (1 - p)^3 per posterior draw of the yearly chance p; its posterior median and 90%
    interval, and its posterior mean (the probability a forecast carrying the posterior
    gives)."""
    first, last = problem.year + 1, problem.year + WAVE_YEARS
    waves = problem.scenario.cleanup_waves
    if "wave_probability_per_year" in draws:
        p = draws["wave_probability_per_year"].to_numpy(dtype=float)
    elif waves is not None:
        p = np.array([waves.probability_per_year])
    else:
        return {"years": [first, last], "note": "the scenario has no clean-up waves"}
    chance = 1 - (1 - p) ** WAVE_YEARS
    q05, median, q95 = np.quantile(chance, [0.05, 0.5, 0.95])
    return {
        "years": [first, last],
        "probability": float(chance.mean()),
        "median": float(median),
        "q05": float(q05),
        "q95": float(q95),
        "yearly_probability_median": float(np.median(p)),
    }
