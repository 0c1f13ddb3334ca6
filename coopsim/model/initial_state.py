"""The stock a forecast starts from: a published census, or a partly published snapshot filled in.

A full census (as at the end of 2022) is used as published: its class counts add up to its
total (a data file whose counts do not is refused when it is read), and its unclassified
cooperatives, founded during that year, get latent classes from the entry distribution. A
partial snapshot (as at the end of 2023: total, well-operating and weak shares only) is filled
by the model's own expectation of that year, run from the previous census with the scenario's
rates:
- unclassified = cooperatives founded that year and still alive (published founded x expected
  survival), with latent classes as the model expects for them at year end;
- well-operating and weak = published shares x published total (rounded);
- the well-operating count is split into good and fair as the model expects among survivors;
- average = what remains.
The result is one fixed table of counts, the same in every replicate. A region that publishes
no class figure at all has its total split by the scenario's steady class mix (see
steady_class_mix), and says so.

Only the year-end snapshots ([snapshots.YEAR]) and calendar-year flows ([flows.YEAR]) can give
a starting stock: a dated snapshot, even of 31 December, may hold bounds and stopped
cooperatives, which a table of counts by latent class cannot start from. A scenario whose year
has only a dated snapshot is refused with a message naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coopsim.classes import QUALITY_CLASSES
from coopsim.errors import InputError, combined
from coopsim.inputs.region_data import Region, Snapshot
from coopsim.inputs.scenario import Scenario
from coopsim.model.hazards import Hazards
from coopsim.model.occupancy import expected_year


@dataclass(frozen=True)
class InitialState:
    """Counts by latent class at the start, what would be reported, and total members."""

    year: int
    latent: np.ndarray  # (4,) ints: good, fair, average, weak, unclassified included
    reported: dict[str, int]  # good, fair, average, weak, unclassified
    members: int
    method: str

    @property
    def total(self) -> int:
        return int(self.latent.sum())


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights (largest remainder, ties to the first)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def build_initial_state(scenario: Scenario, region: Region) -> InitialState:
    """The starting stock for a scenario, from the region's snapshot at initial.snapshot_year."""
    year = scenario.initial.snapshot_year
    snap = region.snapshots.get(year)
    if snap is None:
        raise InputError(
            region.source_name,
            f"no snapshot for {year}, the scenario's initial.snapshot_year; this file has "
            f"snapshots for {', '.join(str(y) for y in sorted(region.snapshots))}"
            + region.not_a_start(year),
            "snapshots",
        )
    entry = np.array(scenario.founding.entry_class.as_tuple())
    if snap.classes:
        state = _from_census(year, snap, entry)
    elif not region.publishes_classes():
        state = _from_total_only(year, snap, scenario)
    else:
        state = _from_partial(year, snap, scenario, region)
    members = _initial_members(year, snap, region, state.total)
    return InitialState(year, state.latent, state.reported, members, state.method)


def _from_census(year: int, snap: Snapshot, entry: np.ndarray) -> InitialState:
    assert snap.classes is not None
    reported = {name: round(f.value) for name, f in snap.classes.items()}
    for name in (*QUALITY_CLASSES, "unclassified"):
        reported.setdefault(name, 0)
    latent = np.array([reported[name] for name in QUALITY_CLASSES], dtype=np.int64)
    latent += allocate(reported["unclassified"], entry)
    method = (
        f"published census of {year}; its {reported['unclassified']} unclassified cooperatives "
        "take latent classes in proportion to the entry distribution"
    )
    return InitialState(year, latent, reported, 0, method)


def steady_class_mix(scenario: Scenario) -> np.ndarray:
    """The class shares of a population that new cooperatives enter by the entry classes and
    leave by dissolution, moving by the quality hazards, once it has settled: proportional to
    entry x (-Q)^-1 over the four classes (the expected time a new one spends in each)."""
    generator = Hazards.from_quality(scenario.quality).generator()[:4, :4]
    entry = np.array(scenario.founding.entry_class.as_tuple())
    time_in_class = entry @ np.linalg.inv(-generator)
    return time_in_class / time_in_class.sum()


def _from_total_only(year: int, snap: Snapshot, scenario: Scenario) -> InitialState:
    """A region that publishes no class figure at all: the total split by the steady class
    mix, an assumption its data cannot check (the forecast notes its class targets)."""
    total = round(snap.total.value)
    latent = allocate(total, steady_class_mix(scenario))
    reported = dict(zip(QUALITY_CLASSES, (int(c) for c in latent), strict=True))
    reported["unclassified"] = 0
    method = (
        f"published {year} total only: the region publishes no class figure, so the total is "
        "split by the scenario's steady class mix (new cooperatives entering by the entry "
        "classes and moving by the quality hazards), an assumption its data cannot check"
    )
    return InitialState(year, latent, reported, 0, method)


def _from_partial(year: int, snap: Snapshot, scenario: Scenario, region: Region) -> InitialState:
    source = region.source_name
    previous = region.snapshots.get(year - 1)
    flows = region.flows.get(year)
    needed = f"the {year} snapshot (the scenario's start) has no class counts; to fill it in,"
    missing = []
    if previous is None or not previous.classes:
        missing.append((f"snapshots.{year - 1}.classes", f"a census by class for {year - 1}"))
    if flows is None:
        missing.append((f"flows.{year}", f"the flows (founded, dissolved) of {year}"))
    for name in ("well_operating_share", "weak_share"):
        if getattr(snap, name) is None:
            missing.append((f"snapshots.{year}.{name}", f"its {name}"))
    if missing:
        raise combined(
            [
                InputError(source, f"{needed} the file needs {what}", where)
                for where, what in missing
            ]
        )
    assert previous is not None and flows is not None
    assert snap.well_operating_share is not None and snap.weak_share is not None
    share_classes = snap.well_operating_share.classes or ["good", "fair"]
    if sorted(share_classes) != ["fair", "good"]:
        raise InputError(
            source,
            "filling a snapshot needs well_operating_share to count good and fair",
            f"snapshots.{year}.well_operating_share.classes",
        )
    entry = np.array(scenario.founding.entry_class.as_tuple())
    census = _from_census(year - 1, previous, entry)
    hazards = Hazards.from_quality(scenario.quality)
    expected = expected_year(hazards, census.latent, flows.founded.value, entry)

    total = round(snap.total.value)
    survival = expected.entrants_end.sum() / flows.founded.value if flows.founded.value else 0.0
    unclassified = round(flows.founded.value * survival)
    well = round(snap.well_operating_share.value * total)
    weak = round(snap.weak_share.value * total)
    average = total - well - weak - unclassified
    if average < 0:
        raise InputError(
            source,
            f"well-operating ({well}), weak ({weak}) and unclassified ({unclassified}) "
            f"cooperatives exceed the total ({total})",
            f"snapshots.{year}",
        )
    good_fair = allocate(well, expected.stock_end[:2])
    classified = np.array([good_fair[0], good_fair[1], average, weak], dtype=np.int64)
    latent = classified + allocate(unclassified, expected.entrants_end)
    reported = dict(zip(QUALITY_CLASSES, (int(c) for c in classified), strict=True))
    reported["unclassified"] = unclassified
    method = (
        f"published {year} total and shares, with the unpublished split filled by the model's "
        f"expectation of {year} run from the {year - 1} census: {unclassified} unclassified "
        f"(founded in {year} and alive), good:fair as expected among survivors "
        f"({good_fair[0]}:{good_fair[1]}), average = the remainder ({average})"
    )
    return InitialState(year, latent, reported, 0, method)


def _initial_members(year: int, snap: Snapshot, region: Region, total: int) -> int:
    if snap.members is not None:
        return round(snap.members.value)
    return round(region.members_per_cooperative(year) * total)
