"""The region data file's tables: year-end snapshots and calendar-year flows (what the model
starts from and fits), dated snapshots and period flows (any other published figure), and the
sources they cite."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, PrivateAttr, field_validator, model_validator

from coopsim.classes import QUALITY_CLASSES, ReportedClass
from coopsim.errors import InputError
from coopsim.inputs.figures import (
    ChangeFigure,
    CountFigure,
    Figure,
    ShareFigure,
    TotalFigure,
)
from coopsim.inputs.published import (
    DatedSnapshot,
    Observation,
    PeriodFlows,
    share_quantity,
    within_year,
)
from coopsim.inputs.validation import NOT_SHOWN, StrictModel, field_errors


class Snapshot(StrictModel):
    """The stock at a year's end classification (31 December): a full census by class, or
    aggregates only."""

    total: TotalFigure
    classes: dict[ReportedClass, CountFigure] | None = None
    members: CountFigure | None = None
    cooperative_groups: CountFigure | None = None
    unions: CountFigure | None = None
    well_operating_share: ShareFigure | None = None
    weak_share: ShareFigure | None = None

    @field_validator("classes", mode="before")
    @classmethod
    def _no_stopped_class(cls, classes: Any) -> Any:
        """Circular 01/2020 counts a cooperative stopped for over 3 months as unclassified."""
        if isinstance(classes, dict) and "stopped" in classes:
            message = (
                "is not a year-end class: the classification counts cooperatives stopped for "
                "over 3 months as unclassified; add them there, or give the report as "
                "[dated_snapshots.NAME] with date = YEAR-12-31"
            )
            field_errors("Snapshot", [(("stopped",), message, NOT_SHOWN)])
        return classes

    @model_validator(mode="after")
    def _classes_add_up(self) -> Snapshot:
        """A census by class must count every cooperative of the total, no more, no less."""
        if self.classes:
            counted = sum(f.value for f in self.classes.values())
            if counted != self.total.value:
                message = (
                    f"the class counts sum to {counted:g}, but total.value is "
                    f"{self.total.value:g}; a census by class must add up to the total"
                )
                field_errors("Snapshot", [(("classes",), message, NOT_SHOWN)])
        return self


class Flows(StrictModel):
    """Cooperatives founded and dissolved during a calendar year (and, if published, how many
    of the dissolved were removed in a clean-up)."""

    founded: CountFigure
    dissolved: CountFigure
    net_change: ChangeFigure | None = None
    removed: CountFigure | None = Field(
        default=None, description="struck off the register in a clean-up (part of dissolved)"
    )


class PublishedSource(StrictModel):
    """Where published figures come from: a report, its publisher and date."""

    title: str
    publisher: str
    date: str
    note: str = ""
    url: str = ""


class RegionInfo(StrictModel):
    id: str
    name: str
    local_name: str = ""
    country: str = ""


#: Year-end snapshot figures by what they measure (the shares as dated snapshots name them).
_SNAPSHOT_FIGURES = ("total", "members", "cooperative_groups", "unions")


class Region(StrictModel):
    """Everything published about one region's cooperatives."""

    region: RegionInfo
    sources: dict[str, PublishedSource]
    snapshots: dict[int, Snapshot]
    flows: dict[int, Flows] = {}
    dated_snapshots: dict[str, DatedSnapshot] = Field(
        default={},
        description="the stock on any other date, or figures a year-end snapshot cannot hold "
        "(bounds, stopped cooperatives, a share alone, a count without the total)",
    )
    period_flows: dict[str, PeriodFlows] = Field(
        default={},
        description="flows over any other period (its first and last days in "
        "`from` and `to`), or figures calendar-year flows cannot hold",
    )
    _file: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _sources_exist(self) -> Region:
        """Every figure's source is listed (for data not read by load_region, whose check
        runs with the figures)."""
        known = ", ".join(self.sources)
        field_errors(
            "Region",
            [
                (
                    (*where.split("."), "source"),
                    f"{figure.source!r} is not in [sources] ({known})",
                    figure.source,
                )
                for where, figure in self.figures()
                if figure.source not in self.sources
            ],
        )
        return self

    @property
    def source_name(self) -> str:
        """The data file these figures were read from, for messages (or the region's id)."""
        return self._file or f"region {self.region.id}"

    def figures(self) -> list[tuple[str, Figure]]:
        """Every figure with its dotted location, for listing and checking: the year-end
        snapshots and calendar-year flows first, then dated snapshots and period flows."""
        found: list[tuple[str, Figure]] = []
        for year, snap in self.snapshots.items():
            for name in Snapshot.model_fields:
                figure = getattr(snap, name)
                if isinstance(figure, Figure):
                    found.append((f"snapshots.{year}.{name}", figure))
            for cls, figure in (snap.classes or {}).items():
                found.append((f"snapshots.{year}.classes.{cls}", figure))
        for year, flow in self.flows.items():
            for name in Flows.model_fields:
                figure = getattr(flow, name)
                if figure is not None:
                    found.append((f"flows.{year}.{name}", figure))
        for key, dated in self.dated_snapshots.items():
            found += [(f"dated_snapshots.{key}.{n}", f) for n, f in dated.figures()]
        for key, period in self.period_flows.items():
            found += [(f"period_flows.{key}.{n}", f) for n, f in period.figures()]
        return found

    def publishes_classes(self) -> bool:
        """Whether any figure, at any date, counts or shares a quality class (good, fair,
        average, weak): without one, the data cannot inform the class split."""
        for item in self.observations():
            kind, _, names = item.quantity.partition(".")
            if kind in ("classes", "shares") and set(names.split("+")) & set(QUALITY_CLASSES):
                return True
        return False

    def observations_within(self, year: int) -> list[Observation]:
        """The figures dated within `year`, before its 31 December (a report in the year:
        published.within_year), in the order of observations()."""
        return [item for item in self.observations() if within_year(item, year)]

    def observations(self) -> list[Observation]:
        """Every figure with what it measures and the date or period it describes, in the
        order of figures()."""
        found: list[Observation] = []
        for year, snap in self.snapshots.items():
            end = dt.date(year, 12, 31)
            for name in _SNAPSHOT_FIGURES:
                figure = getattr(snap, name)
                if figure is not None:
                    found.append(
                        Observation(f"snapshots.{year}.{name}", "snapshots", name, end, end, figure)
                    )
            for name, quantity in (
                ("well_operating_share", "well_operating"),
                ("weak_share", "weak"),
            ):
                figure = getattr(snap, name)
                if figure is not None:
                    what = share_quantity(quantity, figure.classes)
                    found.append(
                        Observation(f"snapshots.{year}.{name}", "snapshots", what, end, end, figure)
                    )
            for cls, figure in (snap.classes or {}).items():
                where = f"snapshots.{year}.classes.{cls}"
                found.append(Observation(where, "snapshots", f"classes.{cls}", end, end, figure))
        for year, flow in self.flows.items():
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            for name in Flows.model_fields:
                figure = getattr(flow, name)
                if figure is not None:
                    found.append(
                        Observation(f"flows.{year}.{name}", "flows", name, first, last, figure)
                    )
        for key, dated in self.dated_snapshots.items():
            for name, figure in dated.figures():
                what = name
                if name.startswith("shares."):
                    what = share_quantity(name.split(".", 1)[1], figure.classes)  # type: ignore[attr-defined]
                where = f"dated_snapshots.{key}.{name}"
                found.append(
                    Observation(
                        where, "dated_snapshots", what, dated.earliest, dated.latest, figure
                    )
                )
        for key, period in self.period_flows.items():
            for name, figure in period.figures():
                where = f"period_flows.{key}.{name}"
                found.append(
                    Observation(where, "period_flows", name, period.start, period.end, figure)
                )
        order = {where: i for i, (where, _) in enumerate(self.figures())}
        return sorted(found, key=lambda o: order[o.where])

    def not_a_start(self, year: int) -> str:
        """For a message about a missing year-end snapshot: the dated snapshots of that 31
        December, which a starting stock cannot use ('' if there are none)."""
        end = dt.date(year, 12, 31)
        keys = [f"dated_snapshots.{k}" for k, d in self.dated_snapshots.items() if d.date == end]
        if not keys:
            return ""
        return (
            f" ({', '.join(keys)} is dated {end.isoformat()}, but a starting stock needs a "
            f"[snapshots.{year}] table, with a total and exact or rounded figures)"
        )

    def members_per_cooperative(self, year: int) -> float:
        """Members per cooperative from the year-end snapshot nearest to `year` that publishes
        members."""
        with_members = [y for y, s in self.snapshots.items() if s.members is not None]
        if not with_members:
            raise InputError(
                self.source_name,
                "no snapshot publishes members (at least one needs a members figure, to give "
                "the members per cooperative)",
                "snapshots",
            )
        nearest = min(with_members, key=lambda y: (abs(y - year), y))
        snap = self.snapshots[nearest]
        assert snap.members is not None
        return snap.members.value / snap.total.value
