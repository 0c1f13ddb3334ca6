"""Observed figures for a region, loaded from a data file, with their consistency checked.

The tables and figure kinds are in coopsim.inputs.region_schema, .published and .figures; the
checks across figures in coopsim.inputs.consistency. Everything is importable from here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from coopsim.errors import DataInconsistencyWarning, InputError, combined
from coopsim.inputs.consistency import (
    NOT_RECONCILED,
    STOCK_REVISION,
    Inconsistency,
    check_consistency,
)
from coopsim.inputs.figures import (
    MAX_COUNT,
    ChangeFigure,
    CountFigure,
    Figure,
    PublishedChange,
    PublishedCount,
    PublishedFigure,
    PublishedShare,
    PublishedTotal,
    ShareFigure,
    TotalFigure,
    describe,
)
from coopsim.inputs.published import DatedSnapshot, Observation, PeriodFlows
from coopsim.inputs.region_schema import (
    Flows,
    PublishedSource,
    Region,
    RegionInfo,
    Snapshot,
)
from coopsim.inputs.scenario import LoadedScenario, Scenario, scenario_from_raw
from coopsim.inputs.scenario_files import read_scenario_data, toml_key_lines
from coopsim.inputs.validation import file_digest, read_toml_with_text, validate
from coopsim.metrics import METRIC_NAMES

__all__ = [
    "MAX_COUNT",
    "NOT_RECONCILED",
    "STOCK_REVISION",
    "ChangeFigure",
    "CountFigure",
    "DataInconsistencyWarning",
    "DatedSnapshot",
    "Figure",
    "Flows",
    "Inconsistency",
    "LoadedRegion",
    "Observation",
    "PeriodFlows",
    "PublishedChange",
    "PublishedCount",
    "PublishedFigure",
    "PublishedShare",
    "PublishedSource",
    "PublishedTotal",
    "Region",
    "RegionInfo",
    "ShareFigure",
    "Snapshot",
    "TotalFigure",
    "bundled_region_path",
    "bundled_regions",
    "check_consistency",
    "figures_not_compared",
    "load_region",
    "load_scenario_and_region",
    "metric_of",
    "observed_points",
    "observed_series",
    "region_for",
]


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


#: Published quantities as coopsim metrics: what a figure can be compared with.
QUANTITY_METRICS: dict[str, str] = {
    "total": "cooperatives",
    "members": "members",
    "cooperative_groups": "cooperative_groups",
    **{f"classes.{name}": name for name in ("good", "fair", "average", "weak", "unclassified")},
    "classes.stopped": "dormant",
    "shares.fair+good": "well_operating_share",
    "shares.weak": "weak_share",
    "founded": "founded",
    "dissolved": "dissolved",
    "removed": "removed",
}


def metric_of(observation: Observation) -> str | None:
    """The coopsim metric a published figure measures, if there is one."""
    metric = QUANTITY_METRICS.get(observation.quantity)
    return metric if metric in METRIC_NAMES else None


def observed_points(region: Region, metric: str) -> dict[int, tuple[float, str]]:
    """Published values of a coopsim metric by year, each with the dotted place it comes
    from: the year-end snapshots (shares derived from a census by class where none is
    published) and calendar-year flows; then, for the years those leave out, a value (exact
    or rounded) in a dated snapshot of 31 December or in period flows over one calendar year.
    Bounds, other dates and other periods give no point."""
    points: dict[int, tuple[float, str]] = {}
    for year, snap in region.snapshots.items():
        found = _snapshot_metric(snap, metric)
        if found is not None:
            points[year] = (found[0], f"snapshots.{year}.{found[1]}")
    for year, flow in region.flows.items():
        figure = (
            getattr(flow, metric, None) if metric in ("founded", "dissolved", "removed") else None
        )
        if figure is not None:
            points[year] = (figure.value, f"flows.{year}.{metric}")
    for item in region.observations():
        year = item.year_end
        published = item.table in ("dated_snapshots", "period_flows")
        usable = published and year is not None and item.figure.value is not None
        if usable and metric_of(item) == metric:
            points.setdefault(year, (item.figure.value, item.where))  # type: ignore[arg-type]
    return dict(sorted(points.items()))


def observed_series(region: Region, metric: str) -> dict[int, float]:
    """Published values of a coopsim metric by year (what fan charts mark as points; see
    observed_points)."""
    return {year: value for year, (value, _) in observed_points(region, metric).items()}


def figures_not_compared(
    region: Region, reported: dict[str, set[int]], used: set[str]
) -> dict[str, str]:
    """Every published figure not among `used` (dotted places) when a forecast reporting
    `reported` (metric -> years) is compared with the data, and why: a date that is not a
    year end (or not known), a period that is not a calendar year, a bound, a quantity with
    no metric, a metric or year the forecast does not report, or another figure compared
    instead. A class count whose census gave a share (marked '...classes') counts as used."""
    left: dict[str, str] = {}
    for item in region.observations():
        census = item.quantity.startswith("classes.") and item.where.rsplit(".", 1)[0] in used
        if item.where not in used and not census:
            left[item.where] = _why_not_compared(item, region, reported)
    return left


def _why_not_compared(item: Observation, region: Region, reported: dict[str, set[int]]) -> str:
    metric, year = metric_of(item), item.year_end
    if year is None:
        if item.is_flow:
            return f"flows over {item.when()}, not one calendar year; the forecast's are yearly"
        if not item.exact_date:
            return f"its day is not published ({item.when()}); the forecast's are year-end figures"
        return f"a snapshot of {item.when()}, not a year end; the forecast's are year-end figures"
    if item.figure.value is None:
        shown = describe(item.figure, item.quantity.startswith("shares."))
        return f"a bound ({shown}); a comparison needs a value"
    if metric is None:
        return f"no coopsim metric measures {item.quantity}"
    if metric not in reported:
        return f"the forecast does not report {metric}"
    if year not in reported[metric]:
        return f"the forecast does not report {metric} for {year}"
    chosen = observed_points(region, metric).get(year)
    return f"{chosen[1] if chosen else 'another figure'} gives {metric} for {year} instead"


def _snapshot_metric(snap: Snapshot, metric: str) -> tuple[float, str] | None:
    """A year-end snapshot's value of a metric, and the figure it comes from."""
    total = snap.total.value
    classes = {k: f.value for k, f in (snap.classes or {}).items()}
    if metric == "cooperatives":
        return total, "total"
    if metric in ("members", "cooperative_groups"):
        figure = getattr(snap, metric)
        return (figure.value, metric) if figure is not None else None
    if metric in classes:
        return classes[metric], f"classes.{metric}"
    if metric == "well_operating_share":
        if snap.well_operating_share is not None:
            return snap.well_operating_share.value, "well_operating_share"
        if classes:
            return (classes.get("good", 0) + classes.get("fair", 0)) / total, "classes"
    if metric == "weak_share":
        if snap.weak_share is not None:
            return snap.weak_share.value, "weak_share"
        if classes:
            return classes.get("weak", 0) / total, "classes"
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
                    f"{', '.join(str(y) for y in sorted(region.data.snapshots))}"
                    + region.data.not_a_start(year),
                    "initial.snapshot_year",
                    line,
                )
            )
    if errors:
        raise combined(errors)
    assert loaded is not None and region is not None
    return loaded, region
