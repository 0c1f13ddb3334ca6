"""Parameter sets from a calibration's posterior: the outer level of a two-level ensemble.

A forecast run with a posterior gives replicate i the parameter set i mod P (P sets, each
run by about the same number of replicates), so the spread of its results splits into a
part from the parameters (between sets) and a stochastic part (within sets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Parameters a forecast applies (stock_revision is the calibration year's observation term).
APPLIED = (
    "founding_scale",
    "founding_dispersion",
    "upgrade_scale",
    "downgrade_scale",
    "dissolution_scale",
)
#: Replicates run with each parameter set unless asked otherwise.


@dataclass(frozen=True)
class ParameterSets:
    """P parameter sets, each parameter an array of length P (absent: the scenario's value)."""

    values: dict[str, np.ndarray]
    source: str = ""

    @property
    def count(self) -> int:
        return len(next(iter(self.values.values())))

    def set_of(self, replicates: np.ndarray | int) -> np.ndarray | int:
        """The parameter set each replicate uses."""
        return replicates % self.count

    def for_replicates(self, replicates: np.ndarray) -> dict[str, np.ndarray]:
        """Each applied parameter's value per replicate (a missing one is left out)."""
        index = self.set_of(replicates)
        return {name: column[index] for name, column in self.values.items()}

    def set_values(self, replicate: int) -> dict[str, float]:
        """The parameter values replicate `replicate` runs with (its set's)."""
        j = int(self.set_of(replicate))
        return {name: float(column[j]) for name, column in self.values.items()}


def choose_sets(
    draws: pd.DataFrame, replications: int, per_set: int, source: str = ""
) -> ParameterSets:
    """ceil(replications / per_set) parameter sets, evenly spaced through the posterior's rows
    (so they span every chain); draws are reused in turn if there are fewer rows than sets."""
    count = max(1, -(-replications // per_set))
    rows = (
        np.linspace(0, len(draws) - 1, count).round().astype(int)
        if count <= len(draws)
        else np.arange(count) % len(draws)
    )
    values = {
        name: draws[name].to_numpy(dtype=float)[rows] for name in APPLIED if name in draws.columns
    }
    return ParameterSets(values, source)
