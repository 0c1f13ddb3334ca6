"""Published figures that disagree: found when a region file is read, reported as data
inconsistencies (a warning each, and listed with the run), never reconciled silently."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from coopsim.inputs.figures import describe, interval
from coopsim.inputs.published import Observation
from coopsim.inputs.region_schema import Region

STOCK_REVISION = (
    "the forecast starts from the published end-of-year stock; the published flows set the "
    "founding and dissolution rates; the gap is read as a one-off stock revision and not "
    "projected forward."
)
NOT_RECONCILED = (
    "both figures are kept as published; the forecast and the calibration use the year-end "
    "snapshots and calendar-year flows only, and nothing is adjusted to make the figures agree."
)

Interval = tuple[float, float]


@dataclass(frozen=True)
class Inconsistency:
    """Two published figures that disagree, with how coopsim treats the gap."""

    year: int
    message: str
    gap: float
    treatment: str
    #: The date or period, for figures that are not a calendar year's ("" for those).
    when: str = ""
    #: The dotted places of the figures that disagree.
    figures: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.when or self.year}: {self.message} Treatment: {self.treatment}"


def check_consistency(region: Region) -> list[Inconsistency]:
    """Find published figures that disagree: a calendar year's flows against its stock change
    (the gap the model reads as a revision); two figures for the same quantity and date (or
    period) whose values or bounds cannot both hold; a dated snapshot's class counts or
    shares against its total; a period's removals against its exits and its flows against its
    net change or stock change. (Class counts of a year-end census that do not add up to its
    total are refused on loading, as are malformed figures and dates.)"""
    found = _calendar_year_gaps(region)
    observations = region.observations()
    found += _same_quantity_and_date(observations)
    found += _dated_snapshot_totals(observations)
    found += _period_flows(region, observations)
    return found


def _calendar_year_gaps(region: Region) -> list[Inconsistency]:
    found: list[Inconsistency] = []
    for year, flow in sorted(region.flows.items()):
        by_flows = flow.founded.value - flow.dissolved.value
        net: float | None = None
        label = ""
        if flow.net_change is not None:
            net, label = flow.net_change.value, "the published net change"
        elif year in region.snapshots and year - 1 in region.snapshots:
            net = region.snapshots[year].total.value - region.snapshots[year - 1].total.value
            label = "the change in the published stock"
        if net is not None and net != by_flows:
            found.append(
                Inconsistency(
                    year,
                    f"founded - dissolved = {flow.founded.value:g} - {flow.dissolved.value:g} = "
                    f"{by_flows:+g}, but {label} is {net:+g} (gap {by_flows - net:g}).",
                    by_flows - net,
                    STOCK_REVISION,
                )
            )
    return found


def _gap(a: Interval, b: Interval) -> float:
    """How far apart two intervals are (0 if they overlap)."""
    return max(a[0] - b[1], b[0] - a[1], 0.0)


def _shown(observation: Observation) -> str:
    return describe(observation.figure, observation.quantity.startswith("shares."))


def _on(observation: Observation) -> str:
    """'on 2020-07-30', 'over 2018-01-01 to 2018-06-30'."""
    return ("over " if observation.is_flow else "on ") + observation.when()


def _disagreement(first: Observation, second: Observation, what: str, gap: float):
    """Two figures whose allowed values do not overlap; a calendar year's are dated by year."""
    return Inconsistency(
        first.end.year,
        f"{first.where} ({_shown(first)}) and {second.where} ({_shown(second)}) cannot both "
        f"hold for {what} (gap {gap:g}).",
        gap,
        NOT_RECONCILED,
        "" if first.year_end is not None else first.when(),
        (first.where, second.where),
    )


def _same_quantity_and_date(observations: list[Observation]) -> list[Inconsistency]:
    """Figures for one quantity on one known day (or over one period) whose allowed values
    do not overlap: two values, or a value and a bound, or two bounds."""
    groups: dict[tuple[bool, str, dt.date, dt.date], list[Observation]] = {}
    for item in observations:
        if item.exact_date:
            key = (item.is_flow, item.quantity, item.start, item.end)
            groups.setdefault(key, []).append(item)
    found: list[Inconsistency] = []
    for (_, quantity, _, _), items in groups.items():
        for i, first in enumerate(items):
            for second in items[i + 1 :]:
                gap = _gap(interval(first.figure), interval(second.figure))
                if gap > 0:
                    found.append(_disagreement(first, second, f"{quantity} {_on(first)}", gap))
    return found


def _dated_snapshot_totals(observations: list[Observation]) -> list[Inconsistency]:
    """In each dated snapshot: the class counts together, and each class's count against its
    published share, checked against the total."""
    found: list[Inconsistency] = []
    by_snapshot: dict[str, dict[str, Observation]] = {}
    for item in observations:
        if item.table == "dated_snapshots":
            key = item.where.split(".")[1]
            by_snapshot.setdefault(key, {})[item.quantity] = item
    for key, items in by_snapshot.items():
        total = items.get("total")
        if total is None:
            continue
        low_total, high_total = interval(total.figure)
        classes = [item for quantity, item in items.items() if quantity.startswith("classes.")]
        counted = sum(interval(item.figure)[0] for item in classes)
        if classes and counted > high_total:
            gap = counted - high_total
            found.append(
                Inconsistency(
                    total.end.year,
                    f"dated_snapshots.{key}: its class counts come to at least {counted:,g}, "
                    f"more than its total allows ({_shown(total)}; gap {gap:g}).",
                    gap,
                    NOT_RECONCILED,
                    total.when(),
                    (total.where, *(item.where for item in classes)),
                )
            )
        for item in classes:
            share = items.get("shares." + item.quantity.split(".", 1)[1])
            if share is None or low_total <= 0:
                continue
            low, high = interval(item.figure)
            implied = (low / high_total, high / low_total)
            gap = _gap(implied, interval(share.figure))
            if gap > 0:
                what = f"the {share.quantity.split('.', 1)[1]} share {_on(total)}"
                found.append(_disagreement(item, share, what, gap))
    return found


def _period_flows(region: Region, observations: list[Observation]) -> list[Inconsistency]:
    """Removals against all exits (removals are part of them), in calendar years and periods;
    and a period's founded - dissolved against its net change, or against the change between
    stocks published on the day before it starts and on its last day."""
    found: list[Inconsistency] = []
    by_period: dict[str, dict[str, Observation]] = {}
    for item in observations:
        if item.is_flow:
            by_period.setdefault(item.where.rsplit(".", 1)[0], {})[item.quantity] = item
    totals = {
        item.end: item
        for item in observations
        if item.quantity == "total" and not item.is_flow and item.exact_date
    }
    for place, items in by_period.items():
        removed, dissolved = items.get("removed"), items.get("dissolved")
        if removed is not None and dissolved is not None:
            gap = interval(removed.figure)[0] - interval(dissolved.figure)[1]
            if gap > 0:
                what = f"removals, part of all exits, {_on(removed)}"
                found.append(_disagreement(removed, dissolved, what, gap))
        founded = items.get("founded")
        if not place.startswith("period_flows.") or founded is None or dissolved is None:
            continue
        (f_low, f_high), (d_low, d_high) = interval(founded.figure), interval(dissolved.figure)
        by_flows = (f_low - d_high, f_high - d_low)
        net, label = _net(items, totals, founded)
        if net is None:
            continue
        gap = _gap(by_flows, net)
        if gap > 0 and not math.isinf(gap):
            found.append(
                Inconsistency(
                    founded.end.year,
                    f"{place}: founded - dissolved ({_range(by_flows)}) cannot equal {label} "
                    f"({_range(net)}; gap {gap:g}).",
                    gap,
                    NOT_RECONCILED,
                    founded.when(),
                    tuple(item.where for item in items.values()),
                )
            )
    return found


def _net(
    items: dict[str, Observation], totals: dict[dt.date, Observation], founded: Observation
) -> tuple[Interval | None, str]:
    """A period's net change: published, or the change between the stocks either side."""
    if "net_change" in items:
        return interval(items["net_change"].figure), "the published net change"
    before = totals.get(founded.start - dt.timedelta(days=1))
    after = totals.get(founded.end)
    if before is None or after is None:
        return None, ""
    (b_low, b_high), (a_low, a_high) = interval(before.figure), interval(after.figure)
    label = f"the change from {before.where} to {after.where}"
    return (a_low - b_high, a_high - b_low), label


def _range(values: Interval) -> str:
    low, high = values
    if low == high:
        return f"{low:+g}"
    if math.isinf(low):
        return f"at most {high:+g}"
    if math.isinf(high):
        return f"at least {low:+g}"
    return f"{low:+g} to {high:+g}"
