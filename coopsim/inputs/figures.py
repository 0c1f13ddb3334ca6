"""The kinds of published figure a region file holds, and the dates they refer to.

A figure is a number with its source: exact (`value`), rounded (`value` with `precision`, the
half-width of the interval the rounding allows) or, in dated snapshots and period flows, a bound
(`at_least`, `at_most` or both; inclusive). Year-end snapshots and calendar-year flows, which
the model starts from and fits, take exact or rounded figures only.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from coopsim.classes import QualityClass
from coopsim.inputs.validation import NOT_SHOWN, StrictModel, field_errors

#: The largest count a figure may give: every whole number up to it is exact as a float.
MAX_COUNT = 2**53
#: The keys of a bound.
BOUNDS = ("at_least", "at_most")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _count(value: float, least: int = 0) -> float:
    """A published count: a whole number of at least `least` (and at most MAX_COUNT)."""
    if not float(value).is_integer() or value < least:
        raise ValueError(f"must be a whole number, at least {least}")
    if value > MAX_COUNT:
        raise ValueError(f"must be at most 2**53 = {MAX_COUNT:,}")
    return value


def _change(value: float) -> float:
    """A published change in a count: a whole number, of either sign."""
    if not float(value).is_integer():
        raise ValueError("must be a whole number (a change may be negative)")
    if abs(value) > MAX_COUNT:
        raise ValueError(f"must lie within 2**53 = {MAX_COUNT:,} either side of 0")
    return value


def _date(value: Any) -> Any:
    """A day: a TOML date (2020-07-30) or the same written as text ("2020-07-30")."""
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date without a time of day, e.g. 2020-07-30")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise ValueError(f"is not a date ({error})") from None
    raise ValueError('must be a date, written 2020-07-30 (a TOML date) or as text "2020-07-30"')


#: A number as a figure writes it: an integer or a float (not text, not true/false).
Number = Annotated[float, Field(strict=True)]
Count = Annotated[float, Field(strict=True), AfterValidator(_count)]
Positive = Annotated[float, Field(strict=True), AfterValidator(lambda v: _count(v, least=1))]
Change = Annotated[float, Field(strict=True), AfterValidator(_change)]
Share = Annotated[float, Field(strict=True, ge=0, le=1)]
#: A day, as a TOML date or ISO text.
Date = Annotated[dt.date, BeforeValidator(_date)]

#: What a snapshot may count by: the classes of Circular 01/2020, the unclassified, and
#: cooperatives that stopped operating (ngừng hoạt động), which mid-year reviews publish too.
PublishedClass = Literal["good", "fair", "average", "weak", "unclassified", "stopped"]
#: A published share: of one class, or `well_operating` (the classes its `classes` names).
ShareName = Literal["good", "fair", "average", "weak", "unclassified", "stopped", "well_operating"]


class Figure(StrictModel):
    """One published number with where it comes from (a key of the file's [sources])."""

    #: Whether this kind of figure may be a bound (at_least, at_most) instead of a value.
    bounds_allowed: ClassVar[bool] = False

    value: Number
    source: str
    caveat: str = ""
    precision: Number | None = Field(default=None, ge=0, description="half-width of rounding")

    @model_validator(mode="before")
    @classmethod
    def _no_bound_here(cls, data: Any) -> Any:
        """A year-end snapshot or calendar-year flow takes a value: the model starts from and
        fits these figures. A bound belongs in a dated snapshot or a period's flows."""
        if not cls.bounds_allowed and isinstance(data, dict):
            problems = [
                (
                    (key,),
                    "a bound cannot stand in a year-end snapshot or calendar-year flows (the "
                    "model starts from and fits them, so they need `value`); write it in "
                    "[dated_snapshots.NAME] (date = YEAR-12-31) or [period_flows.NAME]",
                    data[key],
                )
                for key in BOUNDS
                if key in data
            ]
            field_errors("Figure", problems)
        return data

    @field_validator("source")
    @classmethod
    def _source_is_listed(cls, source: str, info: ValidationInfo) -> str:
        """Checked against the file's [sources] while the rest is validated, so every unknown
        source is reported with the other problems, at its own field."""
        known = (info.context or {}).get("sources")
        if known is not None and source not in known:
            raise ValueError(f"{source!r} is not in [sources] ({', '.join(known) or 'none'})")
        return source


class CountFigure(Figure):
    """A published number of cooperatives, members or groups."""

    value: Count


class TotalFigure(Figure):
    """A snapshot's number of cooperatives: at least one."""

    value: Positive


class ChangeFigure(Figure):
    """A published change in a count (it may be negative)."""

    value: Change


class ShareFigure(Figure):
    """A published share; `classes` says which quality classes it counts."""

    value: Share
    classes: list[QualityClass] | None = None


class PublishedFigure(Figure):
    """A figure as a report gives it: exact (`value`), rounded (`value` and `precision`) or a
    bound (`at_least`, `at_most`, or both for a range; inclusive: "more than 60" is
    at_least = 61)."""

    bounds_allowed: ClassVar[bool] = True

    value: Number | None = None
    at_least: Number | None = Field(default=None, description="the smallest value it can be")
    at_most: Number | None = Field(default=None, description="the largest value it can be")

    @model_validator(mode="after")
    def _one_form(self) -> PublishedFigure:
        """A value, or a bound, never both nor neither; precision only with a value."""
        bounded = [key for key in BOUNDS if getattr(self, key) is not None]
        problems: list[tuple[tuple[str | int, ...], str, Any]] = []
        if self.value is None and not bounded:
            needs = "needs `value` (exact, or rounded with `precision`) or a bound (`at_least`, "
            problems.append(((), needs + "`at_most`)", NOT_SHOWN))
        for key in bounded if self.value is not None else []:
            message = "give either `value` or a bound, not both (a range is at_least and at_most)"
            problems.append(((key,), message, getattr(self, key)))
        if self.precision is not None and self.value is None:
            message = "belongs with `value` (a rounded figure); a bound is exact as written"
            problems.append((("precision",), message, self.precision))
        if self.at_least is not None and self.at_most is not None and self.at_most < self.at_least:
            message = f"is below at_least ({self.at_least:g}); a range runs from low to high"
            problems.append((("at_most",), message, self.at_most))
        field_errors("Figure", problems)
        return self


class PublishedCount(PublishedFigure):
    """A published number of cooperatives, members or groups, or a bound on one."""

    value: Count | None = None
    at_least: Count | None = Field(default=None, description="the smallest value it can be")
    at_most: Count | None = Field(default=None, description="the largest value it can be")


class PublishedTotal(PublishedCount):
    """A snapshot's number of cooperatives (a value at least one), or a bound on it."""

    value: Positive | None = None


class PublishedChange(PublishedFigure):
    """A published change in a count (it may be negative), or a bound on one."""

    value: Change | None = None
    at_least: Change | None = Field(default=None, description="the smallest value it can be")
    at_most: Change | None = Field(default=None, description="the largest value it can be")


class PublishedShare(PublishedFigure):
    """A published share of all the snapshot's cooperatives, or a bound on one; a
    `well_operating` share names the classes it counts in `classes` (good and fair if not)."""

    value: Share | None = None
    at_least: Share | None = Field(default=None, description="the smallest value it can be")
    at_most: Share | None = Field(default=None, description="the largest value it can be")
    classes: list[QualityClass] | None = None


_Shares = ShareFigure | PublishedShare


def form(figure: Figure) -> str:
    """How a figure was published: 'exact', 'rounded' or 'bound'."""
    if figure.value is None:
        return "bound"
    return "exact" if not figure.precision else "rounded"


def interval(figure: Figure) -> tuple[float, float]:
    """The values a figure allows: value ± precision, or its bounds (open ends infinite)."""
    if figure.value is not None:
        half = figure.precision or 0.0
        return (figure.value - half, figure.value + half)
    low, high = (getattr(figure, key, None) for key in BOUNDS)
    floor = 0.0 if isinstance(figure, CountFigure | PublishedCount | _Shares) else -math.inf
    ceiling = 1.0 if isinstance(figure, _Shares) else math.inf
    return (floor if low is None else low, ceiling if high is None else high)


def describe(figure: Figure, share: bool = False) -> str:
    """A figure as a sentence gives it: '1,311', '40.6% ± 0.05 points', 'at least 388'."""

    def number(x: float) -> str:
        if share:
            return f"{100 * x:.4g}%"
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"

    if figure.value is not None:
        text = number(figure.value)
        if figure.precision:
            half = f"{100 * figure.precision:.4g} points" if share else f"{figure.precision:,g}"
            text += f" ± {half}"
        return text
    low, high = (getattr(figure, key, None) for key in BOUNDS)
    if low is not None and high is not None:
        return f"between {number(low)} and {number(high)}"
    return f"at least {number(low)}" if low is not None else f"at most {number(high)}"
