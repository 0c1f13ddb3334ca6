"""Figures published at any date or over any period: dated snapshots (a mid-year review, a
count given in a speech) and period flows (a half-year's foundings, a clean-up over years)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import Field, create_model, field_validator, model_validator

from coopsim.inputs.figures import (
    Date,
    Figure,
    PublishedChange,
    PublishedClass,
    PublishedCount,
    PublishedShare,
    PublishedTotal,
    ShareName,
)
from coopsim.inputs.validation import NOT_SHOWN, StrictModel, field_errors

#: The stock figures a dated snapshot may give besides its classes and shares.
STOCK_FIGURES = ("total", "members", "cooperative_groups", "unions")
#: The flows a period may give.
FLOW_FIGURES = ("founded", "dissolved", "removed", "net_change")
#: The classes a share of "well_operating" counts when it does not say.
WELL_OPERATING_DEFAULT = ("good", "fair")


class DatedSnapshot(StrictModel):
    """The stock on one date as a report gives it: any of its figures, each exact, rounded or
    a bound. `date` is the day the figures describe; `between` replaces it when the report
    does not give the day (the first and the last day it can be)."""

    date: Date | None = Field(default=None, description="the day the figures describe")
    between: tuple[Date, Date] | None = Field(
        default=None,
        description="instead of `date`, when the day is not published: the first and last "
        "day it can be",
    )
    note: str = Field(default="", description="what the report is, and how its date was read")
    total: PublishedTotal | None = None
    classes: dict[PublishedClass, PublishedCount] | None = None
    shares: dict[ShareName, PublishedShare] | None = None
    members: PublishedCount | None = None
    cooperative_groups: PublishedCount | None = None
    unions: PublishedCount | None = None

    @field_validator("shares")
    @classmethod
    def _classes_only_when_several(
        cls, shares: dict[str, PublishedShare] | None
    ) -> dict[str, PublishedShare] | None:
        """A class's share counts that class; only `well_operating` names its classes."""
        problems = [
            (
                (name, "classes"),
                f"a share of {name} counts the {name} class; only shares.well_operating "
                "names the classes it counts",
                share.classes,
            )
            for name, share in (shares or {}).items()
            if name != "well_operating" and share.classes is not None
        ]
        field_errors("DatedSnapshot", problems)
        return shares

    @model_validator(mode="after")
    def _dated_and_not_empty(self) -> DatedSnapshot:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if (self.date is None) == (self.between is None):
            message = (
                "give `date` (the day the figures describe) or, if the day is not published, "
                "`between` = [first, last], and not both"
            )
            problems.append(((), message, NOT_SHOWN))
        if self.between is not None and self.between[1] < self.between[0]:
            first, last = (d.isoformat() for d in self.between)
            message = f"the last day ({last}) is before the first ({first})"
            problems.append((("between",), message, NOT_SHOWN))
        if not self.figures():
            names = ", ".join((*STOCK_FIGURES, "classes", "shares"))
            problems.append(((), f"gives no figure; give at least one of {names}", NOT_SHOWN))
        field_errors("DatedSnapshot", problems)
        return self

    @property
    def earliest(self) -> dt.date:
        """The first day the figures can describe."""
        return self.date if self.date is not None else self.between[0]  # type: ignore[index]

    @property
    def latest(self) -> dt.date:
        """The last day the figures can describe."""
        return self.date if self.date is not None else self.between[1]  # type: ignore[index]

    def figures(self) -> list[tuple[str, Figure]]:
        """Its figures with their dotted place inside the snapshot."""
        found: list[tuple[str, Figure]] = []
        for name in STOCK_FIGURES:
            figure = getattr(self, name)
            if figure is not None:
                found.append((name, figure))
        found += [(f"classes.{c}", figure) for c, figure in (self.classes or {}).items()]
        found += [(f"shares.{s}", figure) for s, figure in (self.shares or {}).items()]
        return found


_PeriodDates = create_model(
    "_PeriodDates",
    __base__=StrictModel,
    **{  # `from` is a Python keyword, so the fields are made by name
        "from": (Date, Field(description="the period's first day")),
        "to": (Date, Field(description="the period's last day (included)")),
    },
)


class PeriodFlows(_PeriodDates):  # type: ignore[misc, valid-type]
    """Cooperatives founded, dissolved (all exits), removed (struck off in a clean-up, part of
    the exits) and the net change over the days from `from` to `to`, both included: each
    figure the report gives, exact, rounded or a bound."""

    note: str = Field(default="", description="what the report is, and how its dates were read")
    founded: PublishedCount | None = None
    dissolved: PublishedCount | None = Field(
        default=None, description="all cooperatives that ceased, removals included"
    )
    removed: PublishedCount | None = Field(
        default=None, description="struck off the register in a clean-up (part of dissolved)"
    )
    net_change: PublishedChange | None = None

    @property
    def start(self) -> dt.date:
        """The period's first day (`from` in the file)."""
        return getattr(self, "from")

    @property
    def end(self) -> dt.date:
        """The period's last day, included (`to` in the file)."""
        return self.to  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _ordered_and_not_empty(self) -> PeriodFlows:
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.end < self.start:
            message = f"is before `from` ({self.start.isoformat()}); a period runs forwards"
            problems.append((("to",), message, self.end))
        if not self.figures():
            names = ", ".join(FLOW_FIGURES)
            problems.append(((), f"gives no figure; give at least one of {names}", NOT_SHOWN))
        field_errors("PeriodFlows", problems)
        return self

    def figures(self) -> list[tuple[str, Figure]]:
        """Its figures with their names."""
        return [(n, getattr(self, n)) for n in FLOW_FIGURES if getattr(self, n) is not None]


@dataclass(frozen=True)
class Observation:
    """One published figure with what it measures and when: a stock on a day (or on one
    unknown day from `start` to `end`), or a flow over the days from `start` to `end`."""

    where: str  # its dotted place in the file, e.g. "dated_snapshots.review_2020.total"
    table: str  # snapshots, flows, dated_snapshots or period_flows
    quantity: str  # total, members, classes.weak, shares.good+fair, founded, removed, ...
    start: dt.date
    end: dt.date
    figure: Figure

    @property
    def is_flow(self) -> bool:
        return self.table in ("flows", "period_flows")

    @property
    def exact_date(self) -> bool:
        """A stock on a known day, or a flow over known days."""
        return self.is_flow or self.start == self.end

    @property
    def year_end(self) -> int | None:
        """The year whose 31 December a stock describes, or whose calendar year a flow
        covers; None otherwise."""
        if self.is_flow:
            whole = (self.start.month, self.start.day, self.end.month, self.end.day)
            one_year = self.start.year == self.end.year and whole == (1, 1, 12, 31)
            return self.start.year if one_year else None
        if self.exact_date and (self.end.month, self.end.day) == (12, 31):
            return self.end.year
        return None

    def when(self) -> str:
        """The date or period in words: '2020-07-30', '2018-01-01 to 2018-06-30', 'some day
        from 2016-06-01 to 2016-06-30'."""
        first, last = self.start.isoformat(), self.end.isoformat()
        if self.is_flow:
            return f"{first} to {last}"
        return first if self.exact_date else f"some day from {first} to {last}"


def share_quantity(name: str, classes: list[str] | None) -> str:
    """What a share measures: 'shares.weak', or the classes a well-operating share counts
    ('shares.fair+good', sorted, so the same classes compare whatever their order)."""
    if name != "well_operating":
        return f"shares.{name}"
    return "shares." + "+".join(sorted(classes or WELL_OPERATING_DEFAULT))


def within_year(item: Observation, year: int) -> bool:
    """Whether a figure lies within `year`, before its 31 December (a report in the year)."""
    return dt.date(year, 1, 1) <= item.start and item.end <= dt.date(year, 12, 30)
