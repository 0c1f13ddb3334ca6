"""A backtest's origins: the days its calibrations are cut at (a year-end, or a dated report's
day), and the figures each one predicts (those published in the 12 months after it)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from coopsim.analyses.calibration.record.timeline import (
    SHORT_WINDOW_DAYS,
    Record,
    RecordFigure,
    build_record,
)
from coopsim.errors import InputError
from coopsim.inputs.region_data import Region

#: The option an origin is given by on the command line (its errors name it).
OPTION = "--origins"
#: What an origin's kind says: the end of 31 December, or the day of a dated report.
YEAR_END, REPORT = "year-end", "report"
#: How an origin is written on the command line.
_FORMS = re.compile(r"\d{4}|\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, order=True)
class Origin:
    """A backtest's origin: the end of `day`, a year-end or the day of dated reports (the
    reports' own figures are up to it)."""

    day: dt.date
    kind: str = YEAR_END
    reports: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How the tables name the origin: its date, e.g. 2019-12-31."""
        return self.day.isoformat()

    @property
    def horizon(self) -> dt.date:
        """The last day whose figures the origin predicts: a year after it."""
        return one_year_after(self.day)

    def __str__(self) -> str:
        return self.label


def one_year_after(day: dt.date) -> dt.date:
    """The same day a year later (29 February: 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def year_end(year: int) -> Origin:
    """The origin at the end of 31 December of `year`."""
    return Origin(dt.date(year, 12, 31))


def origin_time(record: Record, origin: Origin) -> float:
    """The model time of the end of the origin's day."""
    return record.time_of(origin.day)


def report_days(region: Region) -> dict[dt.date, tuple[str, ...]]:
    """The day of each dated report the record reads (a dated snapshot of one day or of a
    window of at most SHORT_WINDOW_DAYS, read up to the window's last day; a period flow's
    last day) that is not a year-end, with the reports of that day."""
    used = {f.where for f in build_record(region).figures}
    found: dict[dt.date, set[str]] = {}
    for item in region.observations():
        if item.table not in ("dated_snapshots", "period_flows") or item.where not in used:
            continue
        if not item.is_flow and (item.end - item.start).days > SHORT_WINDOW_DAYS:
            continue
        if (item.end.month, item.end.day) != (12, 31):
            found.setdefault(item.end, set()).add(".".join(item.where.split(".")[:2]))
    return {day: tuple(sorted(names)) for day, names in sorted(found.items())}


def figures_ahead(region: Region, origin: Origin | int) -> list[RecordFigure]:
    """The figures published in the 12 months after the origin: in the record cut at the
    end of the horizon and not in the one cut at the origin."""
    origin = year_end(origin) if isinstance(origin, int) else origin
    known = {f.where for f in build_record(region, until=origin.day).figures}
    later = build_record(region, until=origin.horizon).figures
    return [f for f in later if f.where not in known]


def _candidates(region: Region) -> list[Origin]:
    """Every year-end from the record's first year to the year before its last figure, and
    every dated report's day inside the record."""
    record = build_record(region)
    ends = [year_end(year) for year in range(record.year0, record.end_year)]
    reports = [
        Origin(day, REPORT, names)
        for day, names in report_days(region).items()
        if record.time_of(day) >= record.start and day < dt.date(record.end_year, 12, 31)
    ]
    return sorted(ends + reports)


def default_origins(region: Region) -> list[Origin]:
    """Every candidate origin (year-end or dated report) with at least one figure published
    in the 12 months after it."""
    return [origin for origin in _candidates(region) if figures_ahead(region, origin)]


def parse_origin(text: str | int | dt.date | Origin) -> int | dt.date:
    """A year (a year-end) or an ISO date, as given to --origins (or an origin's day); an
    InputError otherwise."""
    if isinstance(text, Origin):
        return text.day
    if isinstance(text, int | dt.date):
        return text
    text = text.strip()
    if _FORMS.fullmatch(text):
        if len(text) == 4:
            return int(text)
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise InputError(
        OPTION,
        f"'{text}' is not a year or a date: give year-ends as years (2019) and dated reports "
        "by their day (2018-06-30), separated by commas",
    )


def _allowed(region: Region) -> str:
    return ", ".join(o.label for o in default_origins(region))


def check_origin(region: Region, asked: int | dt.date | str | Origin) -> Origin:
    """The origin asked for (a year, a year-end's date or a dated report's day); an
    InputError naming --origins for one outside the record, a day with no report or an
    origin with no figure published in the 12 months after it."""
    asked = parse_origin(asked)
    record = build_record(region)
    if isinstance(asked, dt.date) and (asked.month, asked.day) == (12, 31):
        asked = asked.year
    if isinstance(asked, int):
        if not record.year0 <= asked < record.end_year:
            raise InputError(
                OPTION,
                f"{asked} is outside the record: an origin is a year-end from "
                f"{record.year0} to {record.end_year - 1}, before the record's last "
                f"figures (end of {record.end_year}), or a dated report's day",
            )
        origin = year_end(asked)
    else:
        reports = {o.day: o for o in _candidates(region) if o.kind == REPORT}
        if asked not in reports:
            days = ", ".join(d.isoformat() for d in reports) or "none"
            raise InputError(
                OPTION,
                f"no dated report is of {asked.isoformat()}: a date given is a year-end "
                f"(YYYY-12-31) or the day of a dated report in the record (a window of up to "
                f"{SHORT_WINDOW_DAYS} days by its last day); reports: {days}",
            )
        origin = reports[asked]
    if not figures_ahead(region, origin):
        words = f"the year after {asked}" if isinstance(asked, int) else "the 12 months after "
        words += "" if isinstance(asked, int) else origin.label
        raise InputError(
            OPTION,
            f"no figure is published in {words}, so it has nothing to predict; origins with "
            f"one: {_allowed(region)}",
        )
    return origin


def check_origins(region: Region, origins: list[int | dt.date | str | Origin]) -> list[Origin]:
    """The origins asked for, sorted and each once (see check_origin)."""
    return sorted({check_origin(region, asked) for asked in origins})
