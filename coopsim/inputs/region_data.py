"""Observed figures for a region, loaded from a data file, with their consistency checked."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from coopsim.classes import QualityClass, ReportedClass
from coopsim.errors import DataInconsistencyWarning, InputError, combined
from coopsim.inputs.scenario import LoadedScenario, Scenario, scenario_from_raw
from coopsim.inputs.scenario_files import read_scenario_data, toml_key_lines
from coopsim.inputs.validation import (
    NOT_SHOWN,
    StrictModel,
    field_errors,
    file_digest,
    read_toml_with_text,
    validate,
)

#: The largest count a figure may give: every whole number up to it is exact as a float.
MAX_COUNT = 2**53


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


#: A number as a figure writes it: an integer or a float (not text, not true/false).
Number = Annotated[float, Field(strict=True)]
Count = Annotated[float, Field(strict=True), AfterValidator(_count)]
Positive = Annotated[float, Field(strict=True), AfterValidator(lambda v: _count(v, least=1))]
Change = Annotated[float, Field(strict=True), AfterValidator(_change)]


class Figure(StrictModel):
    """One published number with where it comes from (a key of the file's [sources])."""

    value: Number
    source: str
    caveat: str = ""
    precision: Number | None = Field(default=None, ge=0, description="half-width of rounding")

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

    value: Annotated[float, Field(strict=True, ge=0, le=1)]
    classes: list[QualityClass] | None = None


class Snapshot(StrictModel):
    """The stock at a year's end classification: a full census by class, or aggregates only."""

    total: TotalFigure
    classes: dict[ReportedClass, CountFigure] | None = None
    members: CountFigure | None = None
    cooperative_groups: CountFigure | None = None
    unions: CountFigure | None = None
    well_operating_share: ShareFigure | None = None
    weak_share: ShareFigure | None = None

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
    """Cooperatives founded and dissolved during a calendar year."""

    founded: CountFigure
    dissolved: CountFigure
    net_change: ChangeFigure | None = None


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


class Region(StrictModel):
    """Everything published about one region's cooperatives."""

    region: RegionInfo
    sources: dict[str, PublishedSource]
    snapshots: dict[int, Snapshot]
    flows: dict[int, Flows] = {}
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
        """Every figure with its dotted location, for listing and checking."""
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
        return found

    def members_per_cooperative(self, year: int) -> float:
        """Members per cooperative from the snapshot nearest to `year` that publishes members."""
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


@dataclass(frozen=True)
class Inconsistency:
    """Two published figures that disagree, with how coopsim treats the gap."""

    year: int
    message: str
    gap: float
    treatment: str

    def __str__(self) -> str:
        return f"{self.year}: {self.message} Treatment: {self.treatment}"


def bundled_region_path(region_id: str) -> Path:
    """Path of a region data file shipped with coopsim."""
    return Path(str(resources.files("coopsim") / "data" / f"{region_id}.toml"))


def bundled_regions() -> list[str]:
    """Region ids with a bundled data file."""
    folder = resources.files("coopsim") / "data"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


@dataclass(frozen=True)
class LoadedRegion:
    """A region's data with the file it came from (for provenance)."""

    data: Region
    path: Path
    sha256: str
    inconsistencies: tuple[Inconsistency, ...]


def load_region(
    spec: str, relative_to: Path | None = None, named_in: str = "scenario"
) -> LoadedRegion:
    """Load a region by bundled id ('ha_tinh') or by path to a TOML data file (relative to
    `relative_to`); `named_in` is the file whose `region` field asked for it, for errors.

    >>> import coopsim
    >>> loaded = coopsim.load_region("ha_tinh")  # warns about the 35 - 27 != +5 gap
    >>> loaded.data.region.name, int(loaded.data.snapshots[2023].total.value)
    ('Ha Tinh', 1025)
    """
    choices = f"bundled regions: {', '.join(bundled_regions())}, or the path of a TOML data file"
    if spec.endswith(".toml") or "/" in spec:
        path = Path(spec)
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        if not path.is_file():
            raise InputError(named_in, f"no data file at {str(path)!r}; {choices}", "region")
    elif spec in bundled_regions():
        path = bundled_region_path(spec)
    else:
        raise InputError(named_in, f"unknown region {spec!r}; {choices}", "region")
    text, raw = read_toml_with_text(path)
    lines = toml_key_lines(text)

    def locate(loc: tuple[str, ...]) -> tuple[str, int | None]:
        """The data file, and the line of the longest prefix of `loc` written in it."""
        found = (lines.get(loc[:n]) for n in range(len(loc), 0, -1))
        return str(path), next((line for line in found if line is not None), None)

    sources = raw.get("sources")
    context = {"sources": list(sources)} if isinstance(sources, dict) else None
    region = validate(Region, raw, str(path), locate=locate, context=context)
    region._file = str(path)
    found = tuple(check_consistency(region))
    for item in found:
        warnings.warn(f"{path.name}: {item}", DataInconsistencyWarning, stacklevel=2)
    return LoadedRegion(region, path, file_digest(path), found)


STOCK_REVISION = (
    "the forecast starts from the published end-of-year stock; the published flows set the "
    "founding and dissolution rates; the gap is read as a one-off stock revision and not "
    "projected forward."
)


def check_consistency(region: Region) -> list[Inconsistency]:
    """Find published figures that disagree and that the model can reconcile: flows against
    stock changes. (Class counts that do not add up to their total are refused on loading.)"""
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


def observed_series(region: Region, metric: str) -> dict[int, float]:
    """Published values of a coopsim metric by year (what fan charts mark as points)."""
    series: dict[int, float] = {}
    for year, snap in region.snapshots.items():
        value = _snapshot_metric(snap, metric)
        if value is not None:
            series[year] = value
    for year, flow in region.flows.items():
        if metric == "founded":
            series[year] = flow.founded.value
        elif metric == "dissolved":
            series[year] = flow.dissolved.value
    return dict(sorted(series.items()))


def _snapshot_metric(snap: Snapshot, metric: str) -> float | None:
    total = snap.total.value
    classes = {k: f.value for k, f in (snap.classes or {}).items()}
    if metric == "cooperatives":
        return total
    if metric == "members":
        return snap.members.value if snap.members else None
    if metric in classes:
        return classes[metric]
    if metric == "well_operating_share":
        if snap.well_operating_share is not None:
            return snap.well_operating_share.value
        if classes:
            return (classes.get("good", 0) + classes.get("fair", 0)) / total
    if metric == "weak_share":
        if snap.weak_share is not None:
            return snap.weak_share.value
        if classes:
            return classes.get("weak", 0) / total
    return None


def region_for(scenario: Scenario, scenario_path: Path | None = None) -> LoadedRegion:
    """The region data a scenario names (paths are relative to the scenario file)."""
    return load_region(
        scenario.region,
        scenario_path.parent if scenario_path else None,
        str(scenario_path) if scenario_path else "scenario",
    )


def load_scenario_and_region(
    path: str | Path, overrides: Sequence[str] = ()
) -> tuple[LoadedScenario, LoadedRegion]:
    """A scenario file (with `--set` overrides) and the region data it names, both checked:
    the data file is read even when the scenario has problems elsewhere, and every problem of
    either is raised together (one InputError)."""
    path = Path(path)
    raw = read_scenario_data(path, list(overrides))
    errors: list[InputError] = []
    loaded = region = None
    try:
        loaded = scenario_from_raw(path, raw)
    except InputError as error:
        errors.append(error)
    spec = raw.data.get("region", Scenario.model_fields["region"].default)
    if isinstance(spec, str):
        try:
            region = load_region(spec, path.parent, str(path))
        except InputError as error:
            errors.append(error)
    if loaded is not None and region is not None:
        year = loaded.scenario.initial.snapshot_year
        if year not in region.data.snapshots:
            origin, line = raw.where(("initial", "snapshot_year"))
            errors.append(
                InputError(
                    origin,
                    f"{year} has no snapshot in {region.data.source_name}, which has "
                    f"{', '.join(str(y) for y in sorted(region.data.snapshots))}",
                    "initial.snapshot_year",
                    line,
                )
            )
    if errors:
        raise combined(errors)
    assert loaded is not None and region is not None
    return loaded, region
