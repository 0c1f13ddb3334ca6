"""Observed figures for a region, loaded from a data file, with their consistency checked."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from coopsim.classes import QualityClass, ReportedClass
from coopsim.errors import DataInconsistencyWarning, InputError
from coopsim.inputs.validation import StrictModel, file_digest, read_toml, validate

if TYPE_CHECKING:
    from coopsim.inputs.scenario import Scenario


class Figure(StrictModel):
    """One published number with where it comes from."""

    value: float
    source: str
    caveat: str = ""
    precision: float | None = Field(default=None, ge=0, description="half-width of rounding")


class ShareFigure(Figure):
    """A published share; `classes` says which quality classes it counts."""

    value: float = Field(ge=0, le=1)
    classes: list[QualityClass] | None = None


class Snapshot(StrictModel):
    """The stock at a year's end classification: a full census by class, or aggregates only."""

    total: Figure
    classes: dict[ReportedClass, Figure] | None = None
    members: Figure | None = None
    cooperative_groups: Figure | None = None
    unions: Figure | None = None
    well_operating_share: ShareFigure | None = None
    weak_share: ShareFigure | None = None


class Flows(StrictModel):
    """Cooperatives founded and dissolved during a calendar year."""

    founded: Figure
    dissolved: Figure
    net_change: Figure | None = None


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

    @model_validator(mode="after")
    def _sources_exist(self) -> Region:
        for where, figure in self.figures():
            if figure.source not in self.sources:
                known = ", ".join(self.sources)
                raise ValueError(f"{where}.source '{figure.source}' is not in [sources] ({known})")
        return self

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
            raise InputError(f"region {self.region.id}", "no snapshot publishes members")
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
    raw = read_toml(path)
    region = validate(Region, raw, str(path))
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
    """Find published figures that do not add up (class counts, flows against stock changes)."""
    found: list[Inconsistency] = []
    for year, snap in sorted(region.snapshots.items()):
        if snap.classes:
            counted = sum(f.value for f in snap.classes.values())
            if counted != snap.total.value:
                found.append(
                    Inconsistency(
                        year,
                        f"classes sum to {counted:g} but the total is {snap.total.value:g}.",
                        snap.total.value - counted,
                        "the class counts are used and rescaled to the total.",
                    )
                )
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
