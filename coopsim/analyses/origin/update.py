"""A posterior updated with a new report, reusing the calibration: each draw reweighted by the
report's likelihood given the draw (importance sampling, posterior x likelihood of the new
figures), then resampled (systematic resampling), so no chain is run again.

This is exact in the limit of many draws when the report is new to the calibration and the
draws are from its posterior; how far the report moved the posterior shows in the effective
number of draws (Kish's n_eff = 1 / sum w^2). Below MIN_EFFECTIVE_DRAWS the update warns:
the report says something the calibration did not expect, and a calibration that reads it
(with calibration.year set to its year) is the better answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Fewer effective draws than this after reweighting, and the update warns.
MIN_EFFECTIVE_DRAWS = 200


@dataclass(frozen=True)
class PosteriorUpdate:
    """The resampled rows (indices into the old draws) and how much the report moved them."""

    rows: np.ndarray
    draws: int
    effective_draws: float
    log_evidence: float  # log of the mean likelihood: the report's marginal likelihood

    @property
    def warning(self) -> str | None:
        if self.effective_draws >= MIN_EFFECTIVE_DRAWS:
            return None
        return (
            f"the report leaves {self.effective_draws:.0f} effective posterior draws of "
            f"{self.draws} (fewer than {MIN_EFFECTIVE_DRAWS}): it says something the "
            "calibration did not expect; calibrate again with the report read "
            "(calibration.year = its year) for a sharper answer"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "importance reweighting of the calibration's draws by the report's "
            "likelihood, then systematic resampling",
            "draws": self.draws,
            "effective_draws": round(self.effective_draws, 1),
            "log_evidence": round(self.log_evidence, 4),
            **({"warning": self.warning} if self.warning else {}),
        }


def reweight(log_likelihood: np.ndarray, rng: np.random.Generator) -> PosteriorUpdate:
    """Importance weights from each draw's log likelihood, and as many rows resampled."""
    n = len(log_likelihood)
    finite = np.isfinite(log_likelihood)
    if not finite.any():
        raise ValueError("the report is impossible under every posterior draw")
    top = float(log_likelihood[finite].max())
    weights = np.where(finite, np.exp(log_likelihood - top), 0.0)
    total = weights.sum()
    weights /= total
    positions = (rng.random() + np.arange(n)) / n
    rows = np.minimum(np.searchsorted(np.cumsum(weights), positions), n - 1)
    return PosteriorUpdate(
        rows=rows,
        draws=n,
        effective_draws=float(1.0 / np.sum(weights**2)),
        log_evidence=top + math.log(total / n),
    )


def resampled(draws: pd.DataFrame, update: PosteriorUpdate) -> pd.DataFrame:
    """The posterior's rows as the update resampled them."""
    return draws.iloc[update.rows].reset_index(drop=True)
