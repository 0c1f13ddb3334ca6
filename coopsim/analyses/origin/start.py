"""Start draws at a report's date: each replicate's state then, drawn from the filter's
mixture given the report under its parameter set (model.origin.ReportOrigin).

A draw picks a component by weight and a point from its normal, rounded to whole
cooperatives and kept possible: no negative count, no more cooperatives founded this year
alive than founded, exits at least the clean-up removals and the year's founded ones gone.
Figures published exactly are reproduced up to that rounding (and, for a total, up to the
register error the calibration allows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from coopsim.analyses.calibration.record.moments import LAYOUT, N_ALIVE, Mixture
from coopsim.model.initial_state import InitialState

#: At least this many start draws (replicate r starts from draw r mod their number), so that
#: runs of up to this many replicates, whatever their number, start from the same draws: the
#: explorer's answer and the command it shows agree.
MIN_START_DRAWS = 4096


def spread(values: np.ndarray) -> dict[str, float]:
    """Mean and 90% range of a quantity over the start draws (summary.json's origin)."""
    return {
        "mean": float(np.mean(values)),
        "q05": float(np.quantile(values, 0.05)),
        "q95": float(np.quantile(values, 0.95)),
    }


def _points(mix: Mixture, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points (n, base) from the mixture's components (the base dimensions only)."""
    base = LAYOUT.base
    which = rng.choice(len(mix.log_weight), size=n, p=mix.weights())
    out = np.empty((n, base))
    for c in np.unique(which):
        rows = np.flatnonzero(which == c)
        cov = mix.cov[c, :base, :base]
        values, vectors = np.linalg.eigh(0.5 * (cov + cov.T))
        root = vectors * np.sqrt(np.clip(values, 0.0, None))
        normal = rng.standard_normal((rows.size, base))
        out[rows] = mix.mean[c, :base] + normal @ root.T
    return out


def draw_starts(
    mix: Mixture,
    n: int,
    rng: np.random.Generator,
    n_states: int,
    founding_mean: float,
    initial: InitialState,
) -> dict[str, np.ndarray]:
    """n start draws as ReportOrigin's arrays (old, young, founded, dissolved, removed,
    founding_factor, members); `founding_mean` is the set's yearly mean (the factor's unit)."""
    x = _points(mix, n, rng)
    # the parts clipped at zero, scaled back to the drawn total (clipping alone would add)
    parts = np.clip(x[:, : 2 * N_ALIVE], 0.0, None)
    total = np.clip(x[:, : 2 * N_ALIVE].sum(axis=1), 0.0, None)
    kept = parts.sum(axis=1)
    scale = np.divide(total, kept, out=np.zeros_like(total), where=kept > 0)
    alive = _whole_rows(parts * scale[:, None])
    old = alive[:, LAYOUT.old]
    young = alive[:, LAYOUT.young]
    counters = np.rint(np.clip(x[:, [LAYOUT.founded, LAYOUT.dissolved, LAYOUT.removed]], 0, None))
    founded, dissolved, removed = counters.astype(np.int64).T
    # no more of this year's cooperatives alive than founded: the excess is of the old stock
    excess = np.maximum(young.sum(axis=1) - founded, 0)
    moved = _take(young, excess)
    young, old = young - moved, old + moved
    dissolved = np.maximum(dissolved + removed, removed + founded - young.sum(axis=1))
    old, young = old[:, :n_states], young[:, :n_states]
    if founding_mean > 0:
        factor = np.clip(x[:, LAYOUT.intensity], 1e-3 * founding_mean, None) / founding_mean
    else:
        factor = np.ones(n)
    per_cooperative = initial.members / initial.total if initial.total else 0.0
    members = np.rint(per_cooperative * old.sum(axis=1)).astype(np.int64)
    return {
        "old": old,
        "young": young,
        "founded": founded,
        "dissolved": dissolved,
        "removed": removed,
        "founding_factor": factor,
        "members": members,
    }


def draws_by_set(
    states: Sequence[Mixture],
    founding_means: Sequence[float],
    count: int,
    rng: np.random.Generator,
    n_states: int,
    initial: InitialState,
) -> dict[str, np.ndarray]:
    """`count` start draws, draw r from states[r mod P] (P sets: the state given the report
    under set j, whose yearly founding mean is founding_means[j]), as draw_starts gives them."""
    sets = len(states)
    parts: dict[str, np.ndarray] = {}
    for j in range(min(sets, count)):
        rows = np.arange(j, count, sets)
        drawn = draw_starts(states[j], rows.size, rng, n_states, founding_means[j], initial)
        for name, values in drawn.items():
            if name not in parts:
                parts[name] = np.zeros((count, *values.shape[1:]), dtype=values.dtype)
            parts[name][rows] = values
    return parts


def _whole_rows(values: np.ndarray) -> np.ndarray:
    """Each row rounded to whole numbers that add up to its rounded sum (largest remainder),
    so a published total is not lost to rounding each part."""
    floors = np.floor(values)
    short = (np.rint(values.sum(axis=1)) - floors.sum(axis=1)).astype(np.int64)
    rank = np.argsort(-(values - floors), axis=1, kind="stable")
    bump = np.zeros_like(floors)
    np.put_along_axis(bump, rank, np.arange(values.shape[1])[None] < short[:, None], axis=1)
    return (floors + bump).astype(np.int64)


def _take(counts: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """`amount` per row taken from the row's cells, largest first (never below zero)."""
    taken = np.zeros_like(counts)
    left = amount.copy()
    for column in np.argsort(-counts.sum(axis=0), kind="stable"):
        step = np.minimum(left, counts[:, column] - taken[:, column])
        taken[:, column] += step
        left -= step
    return taken
