"""A sensitivity analysis's results: the table behind sensitivity.csv and its summary (the
charts are coopsim.plots.sensitivity's)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coopsim.analyses.sensitivity.inputs import SensitivityInput
from coopsim.inputs.scenario import Scenario
from coopsim.results.output_folder import write_json


@dataclass(frozen=True)
class TargetSpread:
    """A target's probability now, and how much the inputs move it over the design: the mean
    and variance across design points, and the part of that variance that is Monte Carlo
    noise (mean p(1 - p) / replicates; 0 from the exact engine)."""

    at_value: float
    mean: float
    variance: float
    noise_variance: float
    description: str
    out_of_range: bool = False  # some index estimates fall well outside [0, 1]

    @property
    def warning(self) -> str | None:
        """What to beware of in this target's indices, if anything."""
        if self.out_of_range:
            return (
                "some estimates fall outside [0, 1] by more than 0.1: too few samples for how "
                "sharply this probability changes over the inputs' ranges; raise --samples"
            )
        return None

    @property
    def noise_share(self) -> float | None:
        """Monte Carlo noise as a share of the variance (None when nothing varies)."""
        return None if self.variance <= 0 else min(1.0, self.noise_variance / self.variance)


@dataclass(frozen=True)
class SensitivityResult:
    """Indices of each target's probability per input (`table`, one row per target and
    input, ranked within each target), with how the analysis ran."""

    scenario: Scenario
    method: str
    inputs: list[SensitivityInput]
    table: pd.DataFrame
    spreads: dict[str, TargetSpread]
    engine: str
    engine_reason: str
    seed: int
    replications: int  # per design point (0: exact probabilities)
    samples: int
    evaluations: int

    @property
    def ranking_column(self) -> str:
        """The column inputs are ranked by: total index (Sobol') or mu* (Morris)."""
        return "total" if self.method == "sobol" else "mu_star"

    def target_table(self, target: str) -> pd.DataFrame:
        """One target's rows, ranked (most influential first)."""
        if target not in self.spreads:
            raise KeyError(f"no target {target!r}; the targets are {', '.join(self.spreads)}")
        return self.table[self.table["target"] == target].sort_values("rank")

    def summary(self) -> dict[str, Any]:
        """sensitivity.json: how the analysis ran, its inputs, and each target's spread."""
        return {
            "scenario": self.scenario.name,
            "method": self.method,
            "samples": self.samples,
            "evaluations": self.evaluations,
            "engine": self.engine,
            "engine_reason": self.engine_reason,
            "replications_per_point": self.replications,
            "seed": self.seed,
            "common_random_numbers": "every design point runs with the same seed",
            "inputs": [item.as_dict() for item in self.inputs],
            "targets": {
                name: {
                    "description": spread.description,
                    "probability_at_value": spread.at_value,
                    "probability_mean": spread.mean,
                    "probability_variance": spread.variance,
                    "noise_share": spread.noise_share,
                    "warning": spread.warning,
                    "ranking": self.target_table(name)["input"].tolist(),
                }
                for name, spread in self.spreads.items()
            },
        }

    def write(self, folder: Path) -> list[str]:
        """Write sensitivity.csv and sensitivity.json into `folder` (tornado.png is
        coopsim.plots.sensitivity.save_sensitivity_chart's)."""
        self.table.to_csv(folder / "sensitivity.csv", index=False)
        write_json(folder / "sensitivity.json", _finite(self.summary()))
        return ["sensitivity.csv", "sensitivity.json"]


def _finite(document: Any) -> Any:
    """NaN and infinities as null, for strict JSON."""
    if isinstance(document, dict):
        return {k: _finite(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_finite(v) for v in document]
    if isinstance(document, float | np.floating):
        return float(document) if np.isfinite(document) else None
    return document
