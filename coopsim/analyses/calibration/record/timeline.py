"""A region's whole published record as figures on one time axis, each a linear functional of
the filter's state (coopsim.analyses.calibration.record.moments).

Time is in years from 1 January of the record's first year. A stock describes the end of its
day (31 December is the year's end, before the next 1 January); a flow runs from the start of
its first day to the end of its last. The record starts at the earliest total stock; a
figure before it, or a flow that starts before it, is left out with why, as are figures the
model has no quantity for (members, cooperative groups, unions).

How published classes map onto the model's states (Circular 01/2020): good, fair, average and
weak count classified cooperatives founded before this calendar year that operate; a
cooperative founded this year is unclassified; a dormant one (stopped operating) is
"stopped" where a report publishes that category and otherwise among the unclassified.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from coopsim.analyses.calibration.record.moments import LAYOUT, N_ALIVE
from coopsim.classes import DORMANT, QUALITY_CLASSES
from coopsim.inputs.figures import interval
from coopsim.inputs.published import Observation
from coopsim.inputs.region_data import Region

#: How published classes map onto the model's states (calibration.json says it).
CLASSES_AS_PUBLISHED = {
    "good, fair, average, weak": "classified cooperatives in that latent class, founded before "
    "the calendar year, operating",
    "unclassified": "cooperatives founded in the calendar year, and dormant ones where the "
    "report has no 'stopped' category",
    "stopped": "dormant cooperatives (stopped operating): alive, in no class (Circular 01/2020)",
    "shares": "of every cooperative alive, dormant ones included",
    "dissolved": "dissolutions by hazard and removals by a clean-up wave",
    "removed": "removals by a clean-up wave",
}
#: A window of possible dates this short is read as its middle day.
SHORT_WINDOW_DAYS = 31
#: Most dates tried for a figure whose day is known only to a longer window.
MAX_DATES = 4
#: Flows whose start the state copies: quantity -> counters (summed) of the state.
_FLOW_COUNTERS = {
    "founded": (LAYOUT.founded,),
    "dissolved": (LAYOUT.dissolved, LAYOUT.removed),  # removals count among dissolved
    "removed": (LAYOUT.removed,),
}
_NOT_MODELLED = {
    "members": "members are not in the record's model",
    "cooperative_groups": "cooperative groups are not in the record's model",
    "unions": "unions are not in the record's model",
}


@dataclass(frozen=True)
class RecordFigure:
    """One published figure ready for the filter: where it is in the file, what it counts
    (state weights `h`, with share figures as count - share x total), its published form and
    its dates."""

    where: str
    quantity: str
    h: np.ndarray
    value: float | None
    low: float
    high: float
    time: float  # when it is observed (a flow: its end)
    group: str  # figures of one report share a date
    dates: tuple[float, ...] = ()  # for an uncertain date: the dates tried (equal weights)
    share: bool = False
    start: float | None = None  # a flow's start
    copy: int | None = None  # the state's copy index of the flow's start (set by the plan)

    @property
    def is_count(self) -> bool:
        return not self.share

    @property
    def two_sided(self) -> bool:
        """A share published as a value (rounded or exact), not as a one-sided bound."""
        return self.low > 0 and self.high < 1

    @property
    def centre(self) -> float:
        """The share a share figure's functional (count - centre x total) is centred on: the
        middle of its rounding, or its bound."""
        if self.two_sided:
            return (self.low + self.high) / 2
        return self.low if self.low > 0 else self.high


@dataclass
class Record:
    """The figures the filter reads, in time order, and those it leaves out with why."""

    year0: int
    start: float  # the first total's time
    first_total: float
    first_date: str  # the first total's date or window, in words
    figures: list[RecordFigure]
    not_used: dict[str, str] = field(default_factory=dict)
    end_year: int = 0
    #: The filter's event lists, by what they depend on (filled on first use).
    events: dict = field(default_factory=dict, repr=False, compare=False)

    def time_of(self, day: dt.date, end_of_day: bool = True) -> float:
        return model_time(day, self.year0, end_of_day)


def model_time(day: dt.date, year0: int, end_of_day: bool = True) -> float:
    """Years from 1 January of year0 to the end (or start) of `day`."""
    first = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - first).days
    days = (day - first).days + (1 if end_of_day else 0)
    return day.year - year0 + days / length


def _class_h(quantity: str, stopped_separate: bool) -> np.ndarray | None:
    """State weights of a published class count (None: not a class the model reports)."""
    h = np.zeros(LAYOUT.base)
    name = quantity.split(".", 1)[1]
    if name in QUALITY_CLASSES:
        h[QUALITY_CLASSES.index(name)] = 1.0
    elif name == "stopped":
        h[DORMANT] = h[N_ALIVE + DORMANT] = 1.0
    elif name == "unclassified":
        h[LAYOUT.young] = 1.0
        if stopped_separate:
            h[N_ALIVE + DORMANT] = 0.0
        else:
            h[DORMANT] = 1.0
    else:
        return None
    return h


def _share_h(quantity: str, stopped_separate: bool) -> np.ndarray | None:
    """State weights of the count a share is of ('shares.fair+good', 'shares.weak', ...)."""
    total = np.zeros(LAYOUT.base)
    for name in quantity.split(".", 1)[1].split("+"):
        part = _class_h(f"classes.{name}", stopped_separate)
        if part is None:
            return None
        total += part
    return total


def _dates(item: Observation, year0: int) -> tuple[float, tuple[float, ...]]:
    """When a stock figure is observed: its day, or the middle of a short window, or (longer
    windows) up to MAX_DATES evenly spread days tried with equal weight."""
    if item.exact_date:
        return model_time(item.end, year0), ()
    days = (item.end - item.start).days
    if days <= SHORT_WINDOW_DAYS:
        middle = item.start + dt.timedelta(days=days // 2)
        return model_time(middle, year0), ()
    n = min(MAX_DATES, max(2, math.ceil(days / 30)))
    tried = tuple(
        model_time(item.start + dt.timedelta(days=round((i + 0.5) * days / n)), year0)
        for i in range(n)
    )
    return tried[-1], tried


def build_record(
    region: Region, end_year: int | None = None, until: dt.date | None = None
) -> Record:
    """The record's figures from the earliest total stock to the end of `end_year`, or to the
    end of the day `until` (default: every figure), each as a functional of the state, and
    those left out with why."""
    observations = region.observations()
    totals = [o for o in observations if not o.is_flow and o.quantity == "total"]
    if not totals:
        raise ValueError("the region publishes no total stock to start the record from")
    first = min(totals, key=lambda o: (o.start, o.end))
    year0 = first.start.year
    start, _ = _dates(first, year0)
    if not first.exact_date:
        start = model_time(first.start + (first.end - first.start) / 2, year0)
    last_day = dt.date(end_year, 12, 31) if end_year is not None else until
    first_value = first.figure.value or interval(first.figure)[0]
    record = Record(year0, start, float(first_value), first.when(), [])
    stopped_in = stopped_reports(observations)
    for item in observations:
        reason = _why_left_out(item, first, last_day, year0, start)
        if reason:
            record.not_used[item.where] = reason
            continue
        figure = record_figure(item, year0, item.where.rsplit(".", 2)[0] in stopped_in)
        if isinstance(figure, str):
            record.not_used[item.where] = figure
        else:
            record.figures.append(figure)
    record.figures.sort(key=lambda f: (f.time, f.where))
    record.end_year = max(
        [year0 + math.ceil(f.time) - 1 for f in record.figures] + [year0],
    )
    return record


def _why_left_out(item, first, last_day, year0, start) -> str:
    kind = item.quantity.split(".")[0]
    if kind in _NOT_MODELLED:
        return _NOT_MODELLED[kind]
    if last_day is not None and item.end > last_day:
        return f"published for after {last_day.isoformat()}, the end of the fitted record"
    if item.is_flow and model_time(item.start, year0, end_of_day=False) < start - 1e-9:
        return (
            f"a flow from {item.start.isoformat()}, before the record's first total stock "
            f"({first.when()})"
        )
    if not item.is_flow and item is not first and model_time(item.end, year0) < start:
        return f"a stock before the record's first total ({first.when()})"
    if item.quantity == "net_change":
        return "the change in the stock: the record reads the stocks themselves"
    return ""


def stopped_reports(observations: list[Observation]) -> set[str]:
    """The reports (tables) that publish a 'stopped' category of their own."""
    return {o.where.rsplit(".", 2)[0] for o in observations if o.quantity == "classes.stopped"}


def record_figure(item: Observation, year0: int, stopped_separate: bool) -> RecordFigure | str:
    """The figure as a functional (time in years from 1 January of year0), or why the model
    cannot read it."""
    low, high = interval(item.figure)
    value = item.figure.value if not item.figure.precision else None
    if item.figure.value is None:
        value = None
    group = item.where.rsplit(".", 2)[0] if item.table == "dated_snapshots" else item.where
    if item.is_flow:
        counters = _FLOW_COUNTERS.get(item.quantity)
        if counters is None:
            return f"{item.quantity} flows are not in the record's model"
        h = np.zeros(LAYOUT.base)
        h[list(counters)] = 1.0
        return RecordFigure(
            item.where,
            item.quantity,
            h,
            value,
            low,
            high,
            model_time(item.end, year0),
            item.where,
            start=model_time(item.start, year0, end_of_day=False),
        )
    time, tried = _dates(item, year0)
    if item.quantity == "total":
        return RecordFigure(
            item.where, "total", LAYOUT.total(LAYOUT.base), value, low, high, time, group, tried
        )
    if item.quantity.startswith("classes."):
        h = _class_h(item.quantity, stopped_separate)
        if h is None:
            return f"{item.quantity} is not a class the model reports"
        return RecordFigure(item.where, item.quantity, h, value, low, high, time, group, tried)
    if item.quantity.startswith("shares."):
        h = _share_h(item.quantity, stopped_separate)
        if h is None:
            return f"{item.quantity} is not a class the model reports"
        return RecordFigure(
            item.where, item.quantity, h, None, low, high, time, group, tried, share=True
        )
    return f"{item.quantity} is not in the record's model"
