"""The observation model: what one year's published figures are, given the parameters.

Starting from the previous year's census, every cooperative moves independently by the
model's hazards, so each one ends the year in one of five categories (operating well, other
classified, weak, dissolved, founded this year and alive); the new cooperatives are the
published founded count, each arriving uniformly in the year. The published figures are:
- founded: negative binomial (the gamma-mixed Poisson of the model), exact;
- dissolved: a sum of binomials (one per starting class, one for the year's new ones), exact;
- the well-operating and weak counts given dissolved: the exact means and covariances of the
  sums of independent categorical outcomes, with a bivariate normal conditional on the
  dissolved count (over a thousand cooperatives), integrated over the interval that each
  published share's rounding allows;
- the stock: the cooperatives alive minus a register revision R (the gap between the flows
  and the change in the stock), an explicit term with its own prior. With the flows observed
  the data fix R; its prior says how surprising that value is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm
from scipy.special import gammaln, log_ndtr, ndtr

from coopsim.classes import WEAK
from coopsim.errors import InputError
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Initial, Scenario
from coopsim.model.hazards import Hazards
from coopsim.model.initial_state import build_initial_state
from coopsim.model.occupancy import integral_of_expm
from coopsim.model.plan import class_mask

# Year-end categories of one cooperative.
WELL, OTHER, WEAK_CLASS, DISSOLVED, YOUNG = range(5)
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)


@dataclass(frozen=True)
class ObservedYear:
    """The published figures of one year and the census it starts from."""

    year: int
    start: np.ndarray  # (4,) latent classes of the previous year's stock
    founded: int
    dissolved: int
    stock: int | None
    well_share: tuple[float, float] | None  # the interval the published rounding allows
    weak_share: tuple[float, float] | None
    well_classes: np.ndarray  # (4,) bool

    @property
    def alive(self) -> int:
        """Cooperatives alive at the year's end by the published flows."""
        return int(self.start.sum()) + self.founded - self.dissolved

    @property
    def revision(self) -> int | None:
        """Flows minus the stock change: cooperatives the register dropped besides them."""
        return None if self.stock is None else self.alive - self.stock


def _interval(figure) -> tuple[float, float] | None:
    if figure is None:
        return None
    half = figure.precision if figure.precision is not None else 0.0
    return (figure.value - half, figure.value + half)


def observed_year(scenario: Scenario, region: Region, year: int) -> ObservedYear:
    """The figures `year` publishes, from the region's data; fails clearly if any is missing."""
    source = region.source_name
    flows = region.flows.get(year)
    if flows is None:
        raise InputError(
            source, f"no flows for {year}; calibration needs founded and dissolved", "flows"
        )
    if scenario.reporting.share_denominator != "all":
        raise InputError(
            "scenario",
            "calibration supports shares of all cooperatives only",
            "reporting.share_denominator",
        )
    start = scenario.model_copy(update={"initial": Initial(snapshot_year=year - 1)})
    census = build_initial_state(start, region)
    snap = region.snapshots.get(year)
    return ObservedYear(
        year=year,
        start=census.latent.astype(np.int64),
        founded=round(flows.founded.value),
        dissolved=round(flows.dissolved.value),
        stock=None if snap is None else round(snap.total.value),
        well_share=None if snap is None else _interval(snap.well_operating_share),
        weak_share=None if snap is None else _interval(snap.weak_share),
        well_classes=class_mask(scenario.reporting.well_operating_classes),
    )


def figures_used(region: Region, year: int) -> set[str]:
    """The dotted places of the figures the calibration of `year` reads: that year's flows,
    total and shares, and the census it starts from (the previous year-end, or, if that is
    only partly published, what fills it in)."""
    used = {f"flows.{year}.founded", f"flows.{year}.dissolved"}
    for name in ("total", "well_operating_share", "weak_share"):
        used.add(f"snapshots.{year}.{name}")
    previous = region.snapshots.get(year - 1)
    if previous is not None and not previous.classes:
        for name in ("total", "well_operating_share", "weak_share"):
            used.add(f"snapshots.{year - 1}.{name}")
        used.add(f"flows.{year - 1}.founded")
        year -= 1  # the census the partial snapshot is filled from
    census = region.snapshots.get(year - 1)
    if census is not None:
        used.add(f"snapshots.{year - 1}.total")
        used |= {f"snapshots.{year - 1}.classes.{c}" for c in census.classes or {}}
    return used


def figures_not_used(region: Region, year: int) -> dict[str, str]:
    """Every published figure the calibration of `year` leaves out, with why (the
    calibration.json note): other years, dated snapshots, period flows, and the figures of
    the years it reads that are not in the observation model."""
    used = figures_used(region, year)
    fitted = f"the calibration fits the figures of {year} from the end-{year - 1} stock"
    left: dict[str, str] = {}
    for item in region.observations():
        if item.where in used:
            continue
        if item.table == "dated_snapshots":
            reason = f"a snapshot dated {item.when()}; {fitted}"
        elif item.table == "period_flows":
            reason = f"flows over {item.when()}; {fitted}"
        elif item.end.year == year or (item.table == "snapshots" and item.end.year == year - 1):
            kind = item.quantity.split(".")[0]
            reason = _NOT_IN_MODEL.get(kind, "not in the observation model")
        else:
            reason = f"a figure of {item.end.year}; {fitted}"
        left[item.where] = reason
    return left


_NOT_IN_MODEL = {
    "members": "members are not in the observation model",
    "cooperative_groups": "cooperative groups are not in the observation model",
    "unions": "unions are not in the observation model",
    "classes": "class counts are not in the observation model (only the well-operating and "
    "weak shares are)",
    "net_change": "the change in the published stock gives the register revision; the net "
    "change is not in the observation model",
    "removed": "removals are not in the observation model yet",
}


@dataclass(frozen=True)
class Outcomes:
    """Year-end category probabilities: per starting class (4 x 5) and for a new one (5,)."""

    stock: np.ndarray
    entrant: np.ndarray


def year_outcomes(hazards: Hazards, entry: np.ndarray, well_classes: np.ndarray) -> Outcomes:
    """Category probabilities after one year, from the generator's matrix exponential."""
    q = hazards.generator()
    states = expm(q)[:4]
    entry5 = np.append(entry, 0.0)
    arrived = entry5 @ integral_of_expm(q, 1.0)
    return Outcomes(
        _categories(states, well_classes), _categories(arrived[None, :], well_classes, True)[0]
    )


def _categories(states: np.ndarray, well_classes: np.ndarray, young: bool = False) -> np.ndarray:
    """From (.., 5) state probabilities (4 classes, dissolved) to the 5 categories."""
    out = np.zeros((*states.shape[:-1], 5))
    if young:
        out[..., YOUNG] = states[..., :4].sum(axis=-1)
    else:
        out[..., WEAK_CLASS] = states[..., WEAK]
        out[..., WELL] = states[..., :4][..., well_classes].sum(axis=-1)
        out[..., OTHER] = states[..., :4].sum(axis=-1) - out[..., WELL] - out[..., WEAK_CLASS]
    out[..., DISSOLVED] = states[..., 4]
    return np.clip(out, 0.0, 1.0)


def log_negative_binomial(count: int, mean: float, shape: float | None) -> float:
    """log P(count) for a gamma-mixed Poisson with this mean and gamma shape (Poisson if None)."""
    if shape is None or math.isinf(shape):
        return count * math.log(mean) - mean - math.lgamma(count + 1)
    return float(
        gammaln(count + shape)
        - gammaln(shape)
        - gammaln(count + 1)
        + shape * math.log(shape / (shape + mean))
        + count * math.log(mean / (shape + mean))
    )


def log_sum_of_binomials(value: int, counts: np.ndarray, probabilities: np.ndarray) -> float:
    """log P(sum of independent Binomial(counts[i], probabilities[i]) == value), exact."""
    k = np.arange(value + 1)
    n, p = counts[:, None].astype(float), np.clip(probabilities[:, None], 1e-300, 1 - 1e-16)
    with np.errstate(invalid="ignore"):
        log_pmf = (
            gammaln(n + 1)
            - gammaln(k + 1)
            - gammaln(np.maximum(n - k, 0) + 1)
            + k * np.log(p)
            + (n - k) * np.log1p(-p)
        )
    pmf = np.where(k <= n, np.exp(log_pmf), 0.0)
    total = np.zeros(value + 1)
    total[0] = 1.0
    for row in pmf:
        total = np.convolve(total, row)[: value + 1]
    return math.log(total[value]) if total[value] > 0 else -math.inf


def _moments(observed: ObservedYear, outcomes: Outcomes) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of the (dissolved, well, weak) counts: sums of multinomials."""
    index = [DISSOLVED, WELL, WEAK_CLASS]
    mean = np.zeros(3)
    cov = np.zeros((3, 3))
    groups = [(n, outcomes.stock[c]) for c, n in enumerate(observed.start)]
    groups.append((observed.founded, outcomes.entrant))
    for n, q in groups:
        q = q[index]
        mean += n * q
        cov += n * (np.diag(q) - np.outer(q, q))
    return mean, cov


def count_box(share: tuple[float, float], alive: int) -> tuple[float, float] | None:
    """The counts (with a half-unit continuity correction) whose share of `alive` rounds to the
    published figure; None if no whole count does."""
    low, high = math.ceil(share[0] * alive - 1e-9), math.floor(share[1] * alive + 1e-9)
    if share[0] == share[1]:
        low = high = round(share[0] * alive)
    return None if high < low else (low - 0.5, high + 0.5)


def log_share_probability(
    observed: ObservedYear, outcomes: Outcomes, boxes: list[tuple[float, float] | None]
) -> float:
    """log P(well and weak counts in their boxes | dissolved), bivariate normal."""
    mean, cov = _moments(observed, outcomes)
    d = observed.dissolved
    gain = cov[1:, 0] / cov[0, 0]
    mu = mean[1:] + gain * (d - mean[0])
    sigma = cov[1:, 1:] - np.outer(gain, cov[0, 1:])
    well, weak = boxes
    if well is None and weak is None:
        return 0.0
    if well is None or weak is None:
        i = 0 if well is not None else 1
        low, high = well if well is not None else weak  # type: ignore[misc]
        sd = math.sqrt(sigma[i, i])
        return _log_normal_interval((low - mu[i]) / sd, (high - mu[i]) / sd)
    # P = integral over the well box of its density times the weak box's conditional mass.
    sd1 = math.sqrt(sigma[0, 0])
    slope = sigma[0, 1] / sigma[0, 0]
    sd2 = math.sqrt(max(sigma[1, 1] - slope * sigma[0, 1], 1e-12))
    half = (well[1] - well[0]) / 2
    x = well[0] + half * (_NODES + 1)
    density = np.exp(-0.5 * ((x - mu[0]) / sd1) ** 2) / (sd1 * math.sqrt(2 * math.pi))
    centre = mu[1] + slope * (x - mu[0])
    mass = ndtr((weak[1] - centre) / sd2) - ndtr((weak[0] - centre) / sd2)
    total = half * float(_WEIGHTS @ (density * mass))
    return math.log(total) if total > 0 else -math.inf


def _log_normal_interval(a: float, b: float) -> float:
    """log(Phi(b) - Phi(a)), stable in the tails."""
    if a > 0:
        a, b = -b, -a
    upper, lower = float(log_ndtr(b)), float(log_ndtr(a))
    if lower == -math.inf:
        return upper
    diff = 1 - math.exp(lower - upper)
    return upper + math.log(diff) if diff > 0 else -math.inf


def log_likelihood(
    observed: ObservedYear,
    hazards: Hazards,
    entry: np.ndarray,
    founding_mean: float,
    founding_dispersion: float | None,
) -> float:
    """log P(published figures | parameters) under the observation model."""
    outcomes = year_outcomes(hazards, entry, observed.well_classes)
    total = log_negative_binomial(observed.founded, founding_mean, founding_dispersion)
    counts = np.append(observed.start, observed.founded)
    dissolving = np.append(outcomes.stock[:, DISSOLVED], outcomes.entrant[DISSOLVED])
    total += log_sum_of_binomials(observed.dissolved, counts, dissolving)
    alive = observed.alive
    boxes = [
        None if share is None else count_box(share, alive)
        for share in (observed.well_share, observed.weak_share)
    ]
    published = (observed.well_share, observed.weak_share)
    if any(box is None and share is not None for box, share in zip(boxes, published, strict=True)):
        return -math.inf  # no whole count rounds to a published share
    return total + log_share_probability(observed, outcomes, boxes)
