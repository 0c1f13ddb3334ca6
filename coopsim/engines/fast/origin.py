"""A start at a dated report in the fast engine (model.origin).

Each replicate of a block starts from its own start draw (replicate r from draw r mod count):
the cooperatives founded before the first year form the starting-stock cohort, those founded
in it before the report the first year's cohort (unclassified at its snapshot, with members
drawn at its end like every cohort founded in a year); the year's counters start at the
report's, and the rest of the year founds at the draw's factor in place of the first year's
gamma draw. The block's random numbers are drawn as without an origin (the full gamma block,
then column 0 overwritten), so a replicate's result still depends only on the seed and its
index. Nothing is simulated before the report: year 0's intervals begin at its date.
"""

from __future__ import annotations

import numpy as np

from coopsim.model.origin import ReportOrigin
from coopsim.model.plan import SimulationPlan


def year_start(plan: SimulationPlan, k: int) -> float:
    """When year k's simulation begins: the report's date in the first year, else 1 January."""
    if k == 0 and plan.origin is not None:
        return plan.origin.time
    return float(k)


def start_at_origin(
    origin: ReportOrigin,
    replicates: np.ndarray,
    counts: np.ndarray,
    factors: np.ndarray,
    stock_members: np.ndarray,
) -> None:
    """Fill a block's state from each replicate's start draw, in place: counts[b, 0, 0] (the
    old stock, unsupported) and counts[b, 0, 1] (founded in the first year), the first year's
    founding factors (factors[b, 0], kept where the draw's is NaN) and the old stock's members
    (stock_members[b])."""
    d = origin.row(replicates)
    counts[:, 0, 0] = origin.old[d]
    counts[:, 0, 1] = origin.young[d]
    given = origin.founding_factor[d]
    factors[:, 0] = np.where(np.isnan(given), factors[:, 0], given)
    stock_members[:] = origin.members[d]


def counted_so_far(origin: ReportOrigin, replicates: np.ndarray) -> dict[str, np.ndarray]:
    """Each replicate's first-year counters at the report (founded, dissolved, removed)."""
    d = origin.row(replicates)
    return {
        "founded": origin.founded[d],
        "dissolved": origin.dissolved[d],
        "removed": origin.removed[d],
    }
