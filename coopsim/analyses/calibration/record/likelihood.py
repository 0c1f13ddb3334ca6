"""The likelihood of a whole published record under one parameter set: the Gaussian-sum
moment filter (record.moments) run through the record's figures (record.timeline).

The filter starts at the record's first total stock with the unpublished class split drawn
around a reference split (the region's latest class census, else the founding entry
classes) with a Dirichlet spread of concentration SPLIT_CONCENTRATION, and a share of dormant
cooperatives `initial_dormant_share`. It then steps from event to event: 1 January (new
cooperatives join the classified stock, a new year's founding intensity), the start of a
published period (its counters are copied), a possible wave (the components split), and
each figure (conditioned on). The log likelihood is the log of the components' total weight
at the end; each figure's one-step-ahead predictive is kept for the predictive check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from coopsim.analyses.calibration.record.moments import (
    LAYOUT,
    N_ALIVE,
    Condition,
    Dynamics,
    Mixture,
    Predictive,
    condition,
    copy_functional,
    new_year,
    propagate,
    steps,
    wave,
)
from coopsim.analyses.calibration.record.timeline import Record, RecordFigure

#: Dirichlet concentration of the unpublished starting class split around its reference.
SPLIT_CONCENTRATION = 10.0
#: Standard deviation of the starting total before its figure is read (a share of it).
START_TOTAL_SPREAD = 0.05
#: Variance of rounding a count to a whole number (uniform on +- 0.5).
_WHOLE = 1.0 / 12.0


@dataclass(frozen=True)
class RecordModel:
    """One parameter set as the filter needs it."""

    dynamics: Dynamics
    reference_split: np.ndarray  # (4,) class shares of the operating stock at the start
    initial_dormant_share: float
    wave_probability: float = 0.0
    wave_time_of_year: float = 0.7
    wave_removal: np.ndarray = field(default_factory=lambda: np.zeros(N_ALIVE))
    register_error: float = 0.0  # sd of a published total's error, in cooperatives


@dataclass
class Filtered:
    """The filter's answer: log likelihood and each figure's predictive (by its place)."""

    log_likelihood: float
    predictive: dict[str, Predictive]
    final: Mixture
    #: Where each copy sits in the final state: a flow's start by the flow's place, and with
    #: `copy_counters_at` the counters then ("founded", "dissolved", "removed").
    copies: dict[str, int] = field(default_factory=dict)
    #: With `split_at`: the log likelihood of the figures up to then.
    log_likelihood_split: float | None = None


def _start(record: Record, model: RecordModel) -> Mixture:
    """The state at the first total, before any figure is read."""
    lay, dyn = LAYOUT, model.dynamics
    d = lay.base
    mean, cov = np.zeros(d), np.zeros((d, d))
    # the share of its year already gone (a year-end stock, at a whole time, ends a year)
    part = record.start - math.floor(record.start) or 1.0
    young = dyn.founding_mean * part * np.append(dyn.entry, 0.0)
    mean[lay.young] = young
    cov[lay.young, lay.young] = np.diag(young)
    n = max(record.first_total - young.sum(), 1.0)
    p = np.append((1 - model.initial_dormant_share) * model.reference_split, 0.0)
    p[N_ALIVE - 1] = model.initial_dormant_share
    mean[lay.old] = n * p
    spread = np.diag(p) - np.outer(p, p)
    cov[lay.old, lay.old] = (n * n / (SPLIT_CONCENTRATION + 1) + n) * spread + (
        START_TOTAL_SPREAD * n
    ) ** 2 * np.outer(p, p)
    mean[lay.founded] = young.sum()
    mean[lay.intensity] = dyn.founding_mean
    if dyn.founding_shape is not None:
        cov[lay.intensity, lay.intensity] = dyn.founding_mean**2 / dyn.founding_shape
    return Mixture(np.zeros(1), mean[None], cov[None], np.ones((1, 0), dtype=bool))


def _events(record: Record, model: RecordModel) -> tuple[list, list[str], list[float]]:
    """(time, order, what) for every step: figures (0), 1 January (1), period starts (2),
    wave dates (3), at equal times in that order; the uncertain-date groups; and the
    distinct lengths of the steps between events."""
    events: list[tuple[float, int, object]] = []
    groups = sorted({f.group for f in record.figures if f.dates})
    for f in record.figures:
        if f.dates:
            for k, t in enumerate(f.dates):
                events.append((t, 0, ("dated", f.group, k)))
        else:
            events.append((f.time, 0, ("figure", f)))
        if f.start is not None:
            events.append((f.start, 2, ("open", f)))
    for year in range(1, record.end_year - record.year0 + 1):
        if year >= record.start:  # a 1 January right after a year-end start counts
            events.append((float(year), 1, ("year",)))
    if model.wave_probability > 0:
        for k in range(record.end_year - record.year0 + 1):
            t = k + model.wave_time_of_year
            if t > record.start:
                events.append((t, 3, ("wave",)))
    # one event per uncertain date of a group (its figures are read together)
    seen: set[tuple[str, int]] = set()
    unique = []
    for e in sorted(events, key=lambda e: (e[0], e[1], _name(e[2]))):
        what = e[2]
        if what[0] == "dated":
            if (what[1], what[2]) in seen:
                continue
            seen.add((what[1], what[2]))
        unique.append(e)
    lengths, now = set(), record.start
    for t, _, _ in unique:
        if t > now:
            lengths.add(round(t - now, 12))
            now = t
    return unique, groups, sorted(lengths)


def _name(what: tuple) -> str:
    """A sort key for events at the same time and order: the figure's place."""
    return what[1].where if what[0] in ("figure", "open") else str(what[1:])


def run_filter(
    record: Record,
    model: RecordModel,
    keep_predictive: bool = False,
    read_until: float | None = None,
    *,
    stop_at: float | None = None,
    split_at: float | None = None,
    copy_counters_at: float | None = None,
) -> Filtered:
    """Filter the record under one parameter set. With `read_until` (a model time), figures
    published after it are predicted and not read: their predictive is given the figures up
    to then only (a forecast from that origin), and the likelihood is of the earlier ones.
    With `stop_at` nothing after it happens and the final state is of that time; `split_at`
    also gives the likelihood of the figures up to it; `copy_counters_at` copies the
    founded, dissolved and removed counters then (a start of the counts "so far")."""
    key = (model.wave_probability > 0, model.wave_time_of_year)
    if key not in record.events:
        record.events[key] = _events(record, model)
    events, groups, lengths = record.events[key]
    moves = dict(zip(lengths, steps(model.dynamics, np.array(lengths)), strict=True))
    by_group = {g: [f for f in record.figures if f.group == g and f.dates] for g in groups}
    mix = _start(record, model)
    mix.pending = np.ones((1, len(groups)), dtype=bool)
    copies: dict[str, int] = {}
    predictive: dict[str, list[tuple[float, Predictive]]] = {}
    now = record.start
    at_origin: float | None = None  # the likelihood of the figures up to read_until
    split: float | None = None
    counters = {"founded": LAYOUT.founded, "dissolved": LAYOUT.dissolved, "removed": LAYOUT.removed}
    for time, _, what in events:
        if stop_at is not None and time > stop_at:
            break
        if read_until is not None and at_origin is None and time > read_until:
            at_origin = mix.log_total()
        if split_at is not None and split is None and time > split_at:
            split = mix.log_total()
        if copy_counters_at is not None and "founded" not in copies and time >= copy_counters_at:
            if copy_counters_at > now:
                mix = propagate(mix, _one_step(model, copy_counters_at - now))
                now = copy_counters_at
            for name, index in counters.items():
                h = np.zeros(LAYOUT.base)
                h[index] = 1.0
                copies[name] = mix.size
                mix = copy_functional(mix, h)
        if time > now:
            length = round(time - now, 12)
            mix = propagate(mix, moves[length] if length in moves else _one_step(model, length))
            now = time
        kind = what[0]
        if kind == "year":
            mix = new_year(mix, model.dynamics)
        elif kind == "open":
            f = what[1]
            copies[f.where] = mix.size
            mix = copy_functional(mix, f.h)
        elif kind == "wave":
            mix = wave(mix, model.wave_probability, model.wave_removal)
        elif kind == "figure":
            f = what[1]
            updated, pred = _read(f, mix, copies, model)
            predictive.setdefault(f.where, []).append((1.0, pred))
            if read_until is None or f.time <= read_until:
                mix = updated
        elif read_until is not None and by_group[what[1]][0].time > read_until:
            k = len(by_group[what[1]][0].dates)
            for f in by_group[what[1]]:  # a later report of uncertain date: predicted only
                predictive.setdefault(f.where, []).append(
                    (1.0 / k, _read(f, mix, copies, model)[1])
                )
        else:
            mix = _dated(
                mix, what[1], what[2], groups.index(what[1]), by_group, copies, model, predictive
            )
        mix = mix.prune()
        if not np.isfinite(mix.log_weight).any():
            return Filtered(-math.inf, {}, mix, copies, -math.inf)
    if stop_at is not None and stop_at > now:
        mix = propagate(mix, _one_step(model, stop_at - now))
    log_lik = mix.log_total() if at_origin is None else at_origin
    if split_at is not None and split is None:
        split = log_lik
    merged = (
        {where: _merge(parts) for where, parts in predictive.items()} if keep_predictive else {}
    )
    return Filtered(log_lik, merged, mix, copies, split)


def _one_step(model: RecordModel, length: float):
    """The moments' step over one length outside the record's own event grid."""
    return steps(model.dynamics, np.array([length]))[0]


def _dated(mix, group, k, column, by_group, copies, model, predictive) -> Mixture:
    """An uncertain date of a report: each component that has not read it yet splits into
    'the report is of this date' (weight 1 / dates left) and 'of a later one'."""
    figures = by_group[group]
    left = len(figures[0].dates) - k
    waiting = np.flatnonzero(mix.pending[:, column])
    if waiting.size == 0:
        return mix
    now_part = mix.select(waiting)
    now_part.log_weight = now_part.log_weight - math.log(left)
    now_part.pending = now_part.pending.copy()
    now_part.pending[:, column] = False
    share = float(np.exp(now_part.log_weight - mix.log_total()).sum()) if left > 1 else 1.0
    for f in figures:
        now_part, pred = _read(f, now_part, copies, model)
        predictive.setdefault(f.where, []).append((share, pred))
    if left == 1:
        rest = mix.select(np.flatnonzero(~mix.pending[:, column]))
        return rest.join(now_part)
    later = mix.select(waiting)
    later.log_weight = later.log_weight + math.log((left - 1) / left)
    rest = mix.select(np.flatnonzero(~mix.pending[:, column]))
    return rest.join(later).join(now_part)


def _read(f: RecordFigure, mix: Mixture, copies: dict[str, int], model: RecordModel):
    """Condition on a figure; its predictive carries a share's scale (the expected total)."""
    scale = mix.expected_total() if f.share else 1.0
    mix, pred = condition(mix, figure_condition(f, mix, copies, model.register_error))
    return mix, replace(pred, scale=scale)


def figure_condition(
    f: RecordFigure, mix: Mixture, copies: dict[str, int], register_error: float
) -> Condition:
    """The filter's condition for a figure: counts whole (or rounded, or bounded), a flow as
    counters minus their copies at its start, a share as
    count - share x total; a total carries the register's error (an sd, in cooperatives)."""
    h = np.zeros(mix.size)
    h[: f.h.size] = f.h
    if f.start is not None:
        h[copies[f.where]] = -1.0
    if f.share:
        total = LAYOUT.total(mix.size)
        expected_total = mix.expected_total()
        if f.two_sided:
            half = (f.high - f.low) / 2 * expected_total
            return Condition(h - f.centre * total, _WHOLE, low=-half - 0.5, high=half + 0.5)
        low = 0.0 if f.low > 0 else -math.inf
        high = 0.0 if f.low <= 0 else math.inf
        return Condition(h - f.centre * total, _WHOLE, low=low, high=high)
    noise = _WHOLE + (register_error**2 if f.quantity == "total" else 0.0)
    if f.value is not None:
        return Condition(h, noise, value=f.value)
    return Condition(h, noise, low=f.low - 0.5, high=f.high + 0.5)


def _merge(parts: list[tuple[float, Predictive]]) -> Predictive:
    """One predictive from the parts read at different tried dates (weighted by their mass)."""
    if len(parts) == 1:
        return parts[0][1]
    total = sum(w for w, _ in parts)
    weights = np.concatenate([w / total * p.weights for w, p in parts])
    return Predictive(
        weights / weights.sum(),
        np.concatenate([p.means for _, p in parts]),
        np.concatenate([p.sds for _, p in parts]),
        parts[0][1].scale,
    )
