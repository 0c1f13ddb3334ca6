"""The report a forecast starts from: the figures a region publishes within the first
simulated year, before its 31 December (a July review, a nine-month report).

A stock counts when its day (or a window of at most a month, read as its middle day) falls
within the year; a flow when it runs within the year. The origin is the latest of their
dates: the forecast starts there, conditioned on all of them. Figures the model has no
quantity for (members, groups) are listed as not used, with why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from coopsim.analyses.calibration.record.timeline import (
    SHORT_WINDOW_DAYS,
    RecordFigure,
    model_time,
    record_figure,
    stopped_reports,
)
from coopsim.errors import InputError
from coopsim.inputs.figures import describe
from coopsim.inputs.published import Observation
from coopsim.inputs.region_data import Region

#: The metric a report's figure is a value of (figures of other quantities are not drawn).
_METRIC_OF = {
    "total": "cooperatives",
    "founded": "founded",
    "dissolved": "dissolved",
    "removed": "removed",
    **{f"classes.{name}": name for name in ("good", "fair", "average", "weak", "unclassified")},
    "shares.fair+good": "well_operating_share",
    "shares.good+fair": "well_operating_share",
    "shares.weak": "weak_share",
}

_NOT_MODELLED = {
    "members": "members are not conditioned on (the start's members follow the stock)",
    "cooperative_groups": "cooperative groups are not conditioned on",
    "unions": "unions are not in the model",
    "net_change": "the change in the stock: the report's stocks themselves are read",
}


@dataclass(frozen=True)
class InYearReport:
    """The figures published within the first year, as the filter reads them (times in
    years since 1 January of that year), and the origin: the latest of their dates."""

    first_year: int
    date: dt.date
    time: float
    figures: tuple[RecordFigure, ...]
    #: One line per figure conditioned on: its place, its value as published and its date.
    described: tuple[str, ...]
    not_used: dict[str, str] = field(default_factory=dict)

    @property
    def places(self) -> list[str]:
        return [f.where for f in self.figures]

    def points(self) -> dict[str, list[tuple[float, float]]]:
        """The report's figures as chart points by metric: (when, as a fractional year on
        the axis where a year's snapshot sits at the year, value); a stock at its day, a flow
        from 1 January as the year's count so far, a rounded share at its centre; bounds and
        rounded counts are not drawn."""
        found: dict[str, list[tuple[float, float]]] = {}
        for f in self.figures:
            metric = _METRIC_OF.get(f.quantity)
            if metric is None or (f.start is not None and f.start > 1e-9):
                continue
            if f.value is not None:
                value = f.value
            elif f.share and f.two_sided:
                value = f.centre
            else:  # a bound, or a rounded count: not a point
                continue
            found.setdefault(metric, []).append((self.first_year - 1 + f.time, value))
        return found


def _window_days(item: Observation) -> int:
    return 0 if item.exact_date else (item.end - item.start).days


def _line(item: Observation) -> str:
    share = item.quantity.startswith("shares.")
    return f"{item.where} = {describe(item.figure, share=share)} ({item.when()})"


def in_year_report(region: Region, first_year: int) -> InYearReport | None:
    """The figures the region publishes within `first_year` (None when there are none). A
    stock whose day is known only to a window longer than SHORT_WINDOW_DAYS cannot be an
    origin and is refused, naming it."""
    observations = region.observations_within(first_year)
    stopped = stopped_reports(observations)
    figures, lines, not_used = [], [], {}
    for item in observations:
        kind = item.quantity if item.quantity == "net_change" else item.quantity.split(".")[0]
        if kind in _NOT_MODELLED:
            not_used[item.where] = _NOT_MODELLED[kind]
            continue
        if not item.is_flow and _window_days(item) > SHORT_WINDOW_DAYS:
            raise InputError(
                region.source_name,
                f"is dated only to {item.when()}; a report a forecast starts from needs its "
                f"day, or a window of at most {SHORT_WINDOW_DAYS} days",
                item.where.rsplit(".", 1)[0] if "." in item.where else item.where,
            )
        figure = record_figure(item, first_year, item.where.rsplit(".", 2)[0] in stopped)
        if isinstance(figure, str):
            not_used[item.where] = figure
            continue
        figures.append(figure)
        lines.append(_line(item))
    if not figures:
        return None
    order = sorted(range(len(figures)), key=lambda i: (figures[i].time, figures[i].where))
    figures = [figures[i] for i in order]
    lines = [lines[i] for i in order]
    time = figures[-1].time
    date = _date_of(time, first_year)
    return InYearReport(first_year, date, time, tuple(figures), tuple(lines), not_used)


def _date_of(time: float, first_year: int) -> dt.date:
    """The day whose end is `time` (years since 1 January of first_year)."""
    day = dt.date(first_year, 1, 1)
    while model_time(day, first_year) < time - 1e-9:
        day += dt.timedelta(days=1)
    return day
