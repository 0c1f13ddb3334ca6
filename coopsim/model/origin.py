"""A forecast origin at a dated report within the first simulated year.

When a region publishes a report after the forecast's starting year-end (a July review, a
nine-month report), the forecast starts at the report's date instead of 1 January: the
engines begin at `time`, each replicate from one start draw of the state then, and the year's
flows so far count toward the first year's figures (founded in the year = founded by the
report + founded after it). The draws come from the analyses (the state given the report,
under each parameter set); the plan only carries them, replicate r using draw r mod `count`.

Contract with the engines:
- nothing happens before `time`: clean-ups and the first year's wave dated earlier are in the
  report already; a programme's selection round due earlier is made at `time` (who was chosen
  is not published), see SimulationPlan.with_origin;
- `old[d, s]` cooperatives founded before the first year and `young[d, s]` founded in it are
  alive in latent state s (four classes, then dormant when the plan has dormancy);
- the first year's counters start at `founded[d]`, `dissolved[d]` (every exit, clean-ups
  included) and `removed[d]` (by clean-ups alone);
- the rest of the first year founds at `founding_factor[d]` x the plan's founding mean (and
  the replicate's founding scale and the period's multiplier): the factor given what the
  report says of the year's foundings, replacing the first year's gamma draw (NaN: the
  year's factor is drawn as without an origin, as for a start on 1 January, time 0, whose
  year has told nothing yet);
- `members[d]` is the members of the `old` cooperatives; the young get theirs at the year's
  end, as every cohort founded in a year does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ReportOrigin:
    """Where and from what a report-conditioned forecast starts (see the module's contract)."""

    time: float  # years since 1 January of the first simulated year, 0 <= time < 1
    date: dt.date
    old: np.ndarray  # (count, n_states) int64
    young: np.ndarray  # (count, n_states) int64
    founded: np.ndarray  # (count,) int64
    dissolved: np.ndarray  # (count,) int64
    removed: np.ndarray  # (count,) int64
    founding_factor: np.ndarray  # (count,) float, > 0 (or NaN: drawn as usual)
    members: np.ndarray  # (count,) int64
    #: The published figures the start draws are conditioned on, one line each.
    conditioned_on: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.time < 1:
            raise ValueError(
                f"an origin lies within the first year (0 <= time < 1), not {self.time}"
            )
        count = len(self.founded)
        shapes = [a.shape[0] for a in (self.old, self.young, self.dissolved, self.removed)]
        shapes += [len(self.founding_factor), len(self.members)]
        if count == 0 or any(n != count for n in shapes):
            raise ValueError("an origin's arrays must hold the same number (> 0) of draws")

    @property
    def count(self) -> int:
        """The number of start draws."""
        return len(self.founded)

    @property
    def n_states(self) -> int:
        return int(self.old.shape[1])

    def row(self, replicates: np.ndarray | int) -> np.ndarray | int:
        """The start draw each replicate starts from."""
        return replicates % self.count

    def alive(self, replicates: np.ndarray | int) -> np.ndarray | int:
        """Cooperatives alive at the origin in each replicate's draw."""
        d = self.row(replicates)
        return self.old[d].sum(axis=-1) + self.young[d].sum(axis=-1)
