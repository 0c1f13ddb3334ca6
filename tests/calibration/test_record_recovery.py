"""The whole-record fit recovers the parameters of synthetic histories with clean-up waves and
dormancy: histories simulated directly (multinomial moves of the chain's transition
probabilities over small steps, gamma-Poisson foundings, waves in random years), written as a
region file in the published form of Ha Tinh's, and calibrated."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import expm

import coopsim
from coopsim.classes import QUALITY_CLASSES
from coopsim.inputs.region_data import load_region
from coopsim.inputs.scenario import Scenario
from coopsim.model.dormancy import compile_dormancy, embed_classes
from coopsim.model.hazards import Hazards

from ..conftest import ROOT

CLEANUP_RISK = ROOT / "scenarios" / "cleanup_risk.toml"
#: The longest step the simulator takes (years).
MAX_STEP = 0.1
#: Ha Tinh's end-2022 class split (good, fair, average, weak): the centre of the starting split.
REFERENCE = np.array([123, 270, 359, 234]) / 986
#: Dirichlet concentration of the starting split around REFERENCE (as the filter assumes).
CONCENTRATION = 10.0
#: Cooperatives at the record's first total.
FIRST_TOTAL = 1255
DORMANT = 4  # the latent state after the four classes
WEAK = QUALITY_CLASSES.index("weak")


@dataclass(frozen=True)
class Rates:
    """One parameter set as the simulator needs it."""

    generator: np.ndarray  # 6 x 6 over (good, fair, average, weak, dormant, dissolved)
    entry: np.ndarray  # (4,) class of a new cooperative
    founding_mean: float
    founding_shape: float
    wave_probability: float
    wave_time: float  # time of year
    removal: np.ndarray  # (5,) per latent state
    dormant_share: float
    register_error: float


def rates(scenario: Scenario, values: dict[str, float]) -> Rates:
    """The chain, foundings and waves of `values` on top of the scenario's settings."""
    base = Hazards.from_quality(scenario.quality)
    hazards = Hazards(
        upgrade=base.upgrade * values.get("upgrade_scale", 1.0),
        downgrade=base.downgrade * values.get("downgrade_scale", 1.0),
        dissolution=base.dissolution * values.get("dissolution_scale", 1.0),
    )
    plan = compile_dormancy(scenario)
    assert plan is not None
    plan = replace(
        plan,
        entry=plan.entry * values.get("dormancy_entry_scale", 1.0),
        resume=values.get("dormancy_resume_per_year", plan.resume),
        dissolution=values.get("dormancy_dissolution_per_year", plan.dissolution),
    )
    waves = scenario.cleanup_waves
    assert waves is not None
    removal = np.array(waves.removal_probability.as_state_tuple()[:5], dtype=float)
    removal[DORMANT] = values.get("wave_removal_dormant", removal[DORMANT])
    removal[WEAK] = values.get("wave_removal_weak", removal[WEAK])
    founding = scenario.founding
    return Rates(
        generator=embed_classes(hazards.generator()) + plan.generator_part(),
        entry=np.array(founding.entry_class.as_tuple()),
        founding_mean=founding.mean_per_year * values.get("founding_scale", 1.0),
        founding_shape=values.get("founding_dispersion", founding.dispersion),
        wave_probability=values.get("wave_probability_per_year", waves.probability_per_year),
        wave_time=waves.time_of_year,
        removal=removal,
        dormant_share=values.get("initial_dormant_share", 0.0),
        register_error=values.get("register_error", 0.0),
    )


def when(day: dt.date) -> float:
    """Years from 1 January 2016 to the end of `day`."""
    first = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - first).days
    return day.year - 2016 + ((day - first).days + 1) / length


@dataclass
class History:
    """A simulated province: its counts by latent state (cooperatives founded before this year
    and during it), counters, and the years its waves struck."""

    old: np.ndarray
    young: np.ndarray
    founded: int = 0
    dissolved: int = 0  # by hazard
    removed: int = 0  # by waves
    waves: list[int] = field(default_factory=list)

    def total(self) -> int:
        return int(self.old.sum() + self.young.sum())

    def published_classes(self, stopped: bool) -> dict[str, int]:
        """The classes as published: founded this year unclassified, dormant ones 'stopped'
        (or unclassified where the report has no such category)."""
        out = {name: int(self.old[i]) for i, name in enumerate(QUALITY_CLASSES)}
        dormant = int(self.old[DORMANT] + self.young[DORMANT])
        young_operating = int(self.young[:DORMANT].sum())
        if stopped:
            out |= {"unclassified": young_operating, "stopped": dormant}
        else:
            out["unclassified"] = young_operating + dormant
        return out


def simulate(r: Rates, start: float, stops: list[float], rng: np.random.Generator):
    """Run a history from `start` (the first total) and yield (time, history) at each stop."""
    year = math.floor(start)
    intensity = rng.gamma(r.founding_shape, r.founding_mean / r.founding_shape)
    young = np.zeros(5, dtype=np.int64)
    for _ in range(rng.poisson(intensity * (start - year))):
        young[rng.choice(4, p=r.entry)] += 1
    old_n = FIRST_TOTAL - int(young.sum())
    dormant = rng.binomial(old_n, r.dormant_share)
    split = rng.dirichlet(CONCENTRATION * REFERENCE)
    old = np.append(rng.multinomial(old_n - dormant, split), dormant)
    h = History(old, young)
    end = max(stops)
    marks = sorted(
        set(stops)
        | {float(y) for y in range(year + 1, math.ceil(end) + 1)}
        | {y + r.wave_time for y in range(year, math.ceil(end))}
    )
    now, cache = start, {}
    # a new cooperative's state u years after founding: entry @ expm(Q u), by eigenvectors
    eigenvalues, vectors = np.linalg.eig(r.generator)
    left, inverse = np.append(r.entry, [0.0, 0.0]) @ vectors, np.linalg.inv(vectors)
    if start in stops:
        yield start, h
    for mark in marks:
        if mark <= now:
            continue
        while now < mark - 1e-12:
            step = min(MAX_STEP, mark - now)
            key = round(step, 10)
            if key not in cache:
                moves = np.clip(expm(r.generator * step)[:5], 0.0, None)
                cache[key] = moves / moves.sum(axis=1, keepdims=True)
            moves = cache[key]
            for counts in (h.old, h.young):
                moved = sum(rng.multinomial(counts[s], moves[s]) for s in range(5))
                h.dissolved += int(moved[5])
                counts[:] = moved[:5]
            arrivals = rng.poisson(intensity * step)
            h.founded += arrivals
            if arrivals:
                u = rng.uniform(0.0, step, size=arrivals)
                p = np.clip(((left * np.exp(np.outer(u, eigenvalues))) @ inverse).real, 0, None)
                cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
                states = (rng.random(arrivals)[:, None] > cdf[:, :-1]).sum(axis=1)
                counted = np.bincount(states, minlength=6)
                h.young += counted[:5]
                h.dissolved += int(counted[5])
            now += step
        now = mark
        if mark in stops:
            yield mark, h  # a year's end is seen before its new cooperatives are classified
        if abs(mark - round(mark)) < 1e-9:  # 1 January
            h.old += h.young
            h.young[:] = 0
            intensity = rng.gamma(r.founding_shape, r.founding_mean / r.founding_shape)
        if abs(mark - math.floor(mark) - r.wave_time) < 1e-9 and rng.random() < r.wave_probability:
            h.waves.append(2016 + math.floor(mark))
            for counts in (h.old, h.young):
                hit = rng.binomial(counts, r.removal)
                counts -= hit
                h.removed += int(hit.sum())


# ---------------------------------------------------------------------------------------------
# Region files: every figure as a TOML table with its source.


def _figure(value: float | None = None, **extra: object) -> dict[str, object]:
    out: dict[str, object] = {} if value is None else {"value": value}
    return out | extra | {"source": "synthetic"}


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)  # ints and dates


def write_region(path: Path, tables: dict[str, dict[str, object]]) -> Path:
    """A region file: [region], one source, and `tables` (dotted name -> keys)."""
    lines = [
        '[region]\nid = "synthetic"\nname = "Synthetic province (simulated)"\n',
        '[sources.synthetic]\ntitle = "Simulated history"\npublisher = "tests"\ndate = "2024"\n',
    ]
    for name, keys in tables.items():
        body = "\n".join(f"{k} = {_toml_value(v)}" for k, v in keys.items())
        lines.append(f"[{name}]\n{body}\n")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _total(count: int, r: Rates, rng: np.random.Generator) -> dict[str, object]:
    """A published total: the register's count, off by the register error."""
    return _figure(round(count + rng.normal(0.0, r.register_error)))


def _bound(count: int, threshold: int) -> dict[str, object]:
    """A bound at a threshold fixed in advance: 'at least' it or 'fewer than' it."""
    return _figure(at_least=threshold) if count >= threshold else _figure(at_most=threshold - 1)


def ha_tinh_like(r: Rates, rng: np.random.Generator) -> dict[str, dict[str, object]]:
    """A record in the published form of Ha Tinh's, June 2016 to the end of 2023: totals at
    dated snapshots (June 2016 and July 2018 with uncertain days), a half-year's foundings, a
    review with a bound on the weak and the stopped count, removals over 2020-2022 as a
    bound, a census by class at the end of 2022, flows for 2022 and 2023, and the end-2023
    total with rounded shares."""
    june = dt.date(2016, 6, 1) + dt.timedelta(days=int(rng.integers(30)))
    july = dt.date(2018, 6, 30) + dt.timedelta(days=int(rng.integers(32)))
    days = {
        "half": when(dt.date(2018, 6, 30)),
        "july": when(july),
        "review": when(dt.date(2020, 7, 30)),
        **{str(y): float(y - 2015) for y in (2017, 2019, 2021, 2022, 2023)},
    }
    start = when(june)
    seen: dict[str, dict] = {}
    for time, h in simulate(r, start, sorted(set(days.values())), rng):
        for name, t in days.items():
            if t == time:
                seen[name] = {
                    "total": h.total(),
                    "founded": h.founded,
                    "dissolved": h.dissolved + h.removed,
                    "removed": h.removed,
                    "classes": h.published_classes(stopped=name == "review"),
                }
    t: dict[str, dict[str, object]] = {}
    t["dated_snapshots.june_2016"] = {"between": [dt.date(2016, 6, 1), dt.date(2016, 6, 30)]}
    t["dated_snapshots.june_2016.total"] = _total(FIRST_TOTAL, r, rng)
    t["period_flows.first_half_2018"] = {"from": dt.date(2018, 1, 1), "to": dt.date(2018, 6, 30)}
    t["period_flows.first_half_2018.founded"] = _figure(
        seen["half"]["founded"] - seen["2017"]["founded"]
    )
    t["dated_snapshots.july_2018"] = {"between": [dt.date(2018, 6, 30), dt.date(2018, 7, 31)]}
    t["dated_snapshots.july_2018.total"] = _total(seen["july"]["total"], r, rng)
    review = seen["review"]
    t["dated_snapshots.review_2020_07_30"] = {"date": dt.date(2020, 7, 30)}
    t["dated_snapshots.review_2020_07_30.total"] = _total(review["total"], r, rng)
    t["dated_snapshots.review_2020_07_30.classes.weak"] = _bound(review["classes"]["weak"], 250)
    t["dated_snapshots.review_2020_07_30.classes.stopped"] = _figure(review["classes"]["stopped"])
    t["period_flows.cleanup_2020_2022"] = {"from": dt.date(2020, 1, 1), "to": dt.date(2022, 12, 31)}
    t["period_flows.cleanup_2020_2022.removed"] = _bound(
        seen["2022"]["removed"] - seen["2019"]["removed"], 100
    )
    census = seen["2022"]
    t["snapshots.2022.total"] = _figure(census["total"])  # a census adds up to its total
    for name, count in census["classes"].items():
        t[f"snapshots.2022.classes.{name}"] = _figure(count)
    for year in (2022, 2023):
        now, before = seen[str(year)], seen[str(year - 1)]
        for flow in ("founded", "dissolved"):
            t[f"flows.{year}.{flow}"] = _figure(now[flow] - before[flow])
    end = seen["2023"]
    t["snapshots.2023.total"] = _total(end["total"], r, rng)
    c = end["classes"]
    well = (c["good"] + c["fair"]) / end["total"]
    weak = c["weak"] / end["total"]
    t["snapshots.2023.well_operating_share"] = _figure(
        round(well, 3), precision=0.0005, classes=["good", "fair"]
    )
    t["snapshots.2023.weak_share"] = _figure(round(weak, 2), precision=0.005)
    return t


def rich(r: Rates, rng: np.random.Generator) -> tuple[dict[str, dict[str, object]], History]:
    """A richly observed record: the end-2015 total, then for each year 2016-2023 its flows
    (founded, dissolved, removed) and a year-end census by class."""
    stops = [float(k) for k in range(9)]  # the ends of 2015 to 2023
    seen = {}
    for time, h in simulate(r, 0.0, stops, rng):
        seen[2015 + round(time)] = (
            h.total(),
            h.founded,
            h.dissolved + h.removed,
            h.removed,
            h.published_classes(stopped=False),
        )
    t: dict[str, dict[str, object]] = {"snapshots.2015.total": _figure(seen[2015][0])}
    for year in range(2016, 2024):
        total, founded, dissolved, removed, classes = seen[year]
        before = seen[year - 1]
        t[f"snapshots.{year}.total"] = _figure(total)
        for name, count in classes.items():
            t[f"snapshots.{year}.classes.{name}"] = _figure(count)
        t[f"flows.{year}.founded"] = _figure(founded - before[1])
        t[f"flows.{year}.dissolved"] = _figure(dissolved - before[2])
        t[f"flows.{year}.removed"] = _figure(removed - before[3])
    return t, h


def calibrated(
    scenario: Scenario, tables: dict, path: Path, draws: int, seed: int, warmup: int | None = None
):
    """The record fit of `scenario` on the region file written from `tables` (`warmup`: steps
    per chain, by default the calibration's own)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # register errors make flows and stocks disagree
        region = load_region(str(write_region(path, tables))).data
        return coopsim.calibrate(scenario, region, draws=draws, seed=seed, workers=1, warmup=warmup)


def covered(fit, truth: dict[str, float]) -> dict[str, bool]:
    """Per parameter: whether its posterior 90% interval holds the truth."""
    table = fit.identifiability.set_index("parameter")
    return {
        name: bool(table.loc[name, "posterior_q05"] <= v <= table.loc[name, "posterior_q95"])
        for name, v in truth.items()
    }


#: The fast check's parameters: the founding and wave ones (the rest at the scenario's values).
FAST = (
    "founding_scale",
    "founding_dispersion",
    "wave_probability_per_year",
    "wave_removal_dormant",
    "wave_removal_weak",
)
#: Its truth, and a seed whose history has one wave (in 2020).
FAST_TRUTH = {
    "founding_scale": 1.2,
    "founding_dispersion": 6.0,
    "wave_probability_per_year": 0.2,
    "wave_removal_dormant": 0.75,
    "wave_removal_weak": 0.25,
}
FAST_SEED = 8
#: What eight years of yearly figures narrow: the founding level (eight counts) and the removal
#: probabilities (the wave's removals against the classes before and after). One wave in eight
#: years and eight counts leave the wave chance and the founding dispersion near their priors.
NARROWED = ("founding_scale", "wave_removal_dormant", "wave_removal_weak")


@pytest.fixture(scope="module")
def cleanup_risk() -> Scenario:
    return coopsim.load_scenario(CLEANUP_RISK).scenario


def test_a_rich_history_pins_down_the_founding_and_wave_parameters(cleanup_risk, tmp_path):
    spec = cleanup_risk.calibration
    assert spec is not None
    scenario = cleanup_risk.model_copy(
        update={
            "calibration": spec.model_copy(update={"priors": {n: spec.priors[n] for n in FAST}})
        }
    )
    rng = np.random.Generator(np.random.PCG64(FAST_SEED))
    tables, history = rich(rates(scenario, FAST_TRUTH), rng)
    assert history.waves == [2020]
    # the chains start at the Laplace approximation of a small, sharp posterior: a short
    # warm-up is enough here (the check runs in seconds)
    fit = calibrated(scenario, tables, tmp_path / "rich.toml", 300, FAST_SEED, warmup=200)
    assert covered(fit, FAST_TRUTH) == dict.fromkeys(FAST, True), fit.identifiability
    ratio = fit.identifiability.set_index("parameter")["spread_ratio"]
    assert (ratio[list(NARROWED)] < 0.7).all(), ratio


#: Synthetic histories of the slow check (x 13 parameters: 208 intervals).
HISTORIES = 16


@pytest.mark.slow
def test_90_percent_intervals_cover_the_truth_90_percent_of_the_time(cleanup_risk, tmp_path):
    """Truths drawn from cleanup_risk's priors, Ha Tinh-like records simulated from them and
    calibrated: the 90% intervals cover the truth in 85-95% of the 208 intervals (the
    binomial standard error of 208 coverages at 0.9 is 0.021)."""
    spec = cleanup_risk.calibration
    assert spec is not None
    hits: dict[str, list[bool]] = {name: [] for name in spec.priors}
    for k in range(HISTORIES):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([2024, k])))
        truth = {
            name: float(prior.frozen().rvs(random_state=rng)) for name, prior in spec.priors.items()
        }
        tables = ha_tinh_like(rates(cleanup_risk, truth), rng)
        fit = calibrated(cleanup_risk, tables, tmp_path / f"history_{k}.toml", 1000, seed=k)
        for name, hit in covered(fit, truth).items():
            hits[name].append(hit)
    every = [hit for parts in hits.values() for hit in parts]
    coverage = float(np.mean(every))
    print(f"\n{len(every)} intervals, coverage {coverage:.3f}")
    for name, parts in hits.items():
        print(f"  {name}: {sum(parts)}/{len(parts)}")
    assert 0.85 <= coverage <= 0.95, {name: sum(parts) for name, parts in hits.items()}
