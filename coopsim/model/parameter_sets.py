"""Parameter sets from a calibration's posterior: the outer level of a two-level ensemble.

A forecast run with a posterior gives replicate i the parameter set i mod P (P sets, each
run by about the same number of replicates), so the spread of its results splits into a
part from the parameters (between sets) and a stochastic part (within sets).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coopsim.errors import InputError
from coopsim.inputs.posterior_file import allowed, allowed_values, cell_text

#: Parameters a forecast applies (stock_revision, register_error and initial_dormant_share
#: are terms of the calibration's observation model and starting state only).
APPLIED = (
    "founding_scale",
    "founding_dispersion",
    "upgrade_scale",
    "downgrade_scale",
    "dissolution_scale",
    "dormancy_entry_scale",
    "dormancy_resume_per_year",
    "dormancy_dissolution_per_year",
    "wave_probability_per_year",
    "wave_removal_dormant",
    "wave_removal_weak",
)


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
    (so they span every chain); draws are reused in turn if there are fewer rows than sets.
    Refused (InputError naming `source`, the posterior file) when the posterior has no
    parameter a forecast applies, or when the run would have fewer than two sets or no set
    run twice: the split of the variance into parameters and chance needs both."""
    where = source or "posterior"
    applied = _applied(draws, where)
    count = set_count(replications, per_set)
    if count < 2 or replications <= count:
        fix = (
            f"give --replications {2 * per_set} or more, or a smaller --replicates-per-draw"
            if count < 2
            else "give --replicates-per-draw 2 or more"
        )
        raise InputError(
            where,
            f"{replications} replicates at {per_set} per parameter set (--replicates-per-draw) "
            f"give {count} set{'s' if count > 1 else ''}; a forecast with a posterior needs at "
            f"least 2 sets, each run at least twice: {fix}",
        )
    rows = set_rows(len(draws), count)
    values = {name: _column(draws, name, where)[rows] for name in applied}
    return ParameterSets(values, source)


def every_draw(draws: pd.DataFrame, source: str = "") -> ParameterSets:
    """One parameter set per posterior row (each checked as choose_sets checks them): for
    work done draw by draw, such as reweighting by a new report."""
    where = source or "posterior"
    applied = _applied(draws, where)
    return ParameterSets({name: _column(draws, name, where) for name in applied}, source)


def _applied(draws: pd.DataFrame, where: str) -> list[str]:
    """The parameters a forecast applies that the posterior has; refused (naming `where`) when
    it has none of them, or no draws."""
    applied = [name for name in APPLIED if name in draws.columns]
    if not applied:
        has = ", ".join(map(str, draws.columns)) or "no columns"
        raise InputError(
            where,
            f"has none of the parameters a forecast applies (founding_scale, the rate scales, "
            f"dormancy and wave parameters: {len(APPLIED)} in all); it has "
            f"{has}. Give the posterior.csv that `coopsim calibrate` wrote",
        )
    if len(draws) == 0:
        raise InputError(where, "has no draws (rows)")
    return applied


def set_rows(n_draws: int, count: int) -> np.ndarray:
    """The posterior rows `count` sets take: evenly spaced, or every row in turn when there
    are fewer rows than sets."""
    if count <= n_draws:
        return np.linspace(0, n_draws - 1, count).round().astype(int)
    return np.arange(count) % n_draws


def set_count(replications: int, per_set: int) -> int:
    """How many parameter sets a forecast of `replications` at `per_set` each runs."""
    return max(1, -(-replications // per_set))


def _column(draws: pd.DataFrame, name: str, where: str) -> np.ndarray:
    """A parameter's draws as numbers, each one a forecast may apply (as read_posterior
    checks a file; draws given from Python are checked the same way here)."""
    values = pd.to_numeric(draws[name], errors="coerce").to_numpy(dtype=float)
    bad = ~allowed(name, values)
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(
            where,
            f"draw {row} is {cell_text(draws[name].iloc[row])}; each must be "
            + allowed_values(name),
            name,
        )
    return values
