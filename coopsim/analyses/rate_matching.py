"""Match a scenario's hazards to one year's published figures in expectation.

The shape of the hazards across classes (which classes dissolve or move more) is an assumption
kept from the scenario; three multipliers, one each for upgrades, downgrades and dissolutions,
are solved so that the model started from the previous year's census reproduces the year's
published dissolutions and its well-operating and weak shares in expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from coopsim.classes import FAIR, GOOD, WEAK
from coopsim.errors import InputError
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Initial, Quality, Scenario
from coopsim.model.hazards import Hazards
from coopsim.model.initial_state import build_initial_state
from coopsim.model.occupancy import YearExpectation, expected_year


@dataclass(frozen=True)
class YearFigures:
    """Published figures of one year that rates are matched to."""

    founded: float
    dissolved: float
    well_operating_share: float
    weak_share: float


def published_year(region: Region, year: int) -> YearFigures:
    """The figures of `year` used for matching; fails clearly if any is missing."""
    snap = region.snapshots.get(year)
    flows = region.flows.get(year)
    if snap is None or flows is None or snap.well_operating_share is None or not snap.weak_share:
        raise InputError(
            region.source_name,
            f"matching {year} needs its flows and its well-operating and weak shares",
        )
    return YearFigures(
        founded=flows.founded.value,
        dissolved=flows.dissolved.value,
        well_operating_share=snap.well_operating_share.value,
        weak_share=snap.weak_share.value,
    )


def expected_figures(scenario: Scenario, region: Region, year: int) -> YearFigures:
    """What the scenario's rates give, in expectation, for `year` from the previous census."""
    start = scenario.model_copy(update={"initial": Initial(snapshot_year=year - 1)})
    stock = build_initial_state(start, region).latent
    outcome = expected_year(
        Hazards.from_quality(scenario.quality),
        stock,
        scenario.founding.mean_per_year,
        np.array(scenario.founding.entry_class.as_tuple()),
    )
    return _figures(outcome)


def _figures(outcome: YearExpectation) -> YearFigures:
    alive = outcome.alive
    return YearFigures(
        founded=outcome.founded,
        dissolved=outcome.dissolved,
        well_operating_share=float(outcome.stock_end[GOOD] + outcome.stock_end[FAIR]) / alive,
        weak_share=float(outcome.stock_end[WEAK]) / alive,
    )


def scale_quality(
    quality: Quality, upgrade: float, downgrade: float, dissolution: float
) -> Quality:
    """The same hazard shape with each kind of move multiplied by its factor."""
    data = quality.model_dump()
    for key, factor in (
        ("upgrade_per_year", upgrade),
        ("downgrade_per_year", downgrade),
        ("dissolution_per_year", dissolution),
    ):
        data[key] = {name: rate * factor for name, rate in data[key].items()}
    return Quality.model_validate(data)


def match_rates_to_year(scenario: Scenario, region: Region, year: int) -> Quality:
    """Hazards with the scenario's shape that reproduce `year`'s published figures."""
    target = published_year(region, year)

    def residuals(log_factors: np.ndarray) -> np.ndarray:
        quality = scale_quality(scenario.quality, *np.exp(log_factors))
        got = expected_figures(scenario.model_copy(update={"quality": quality}), region, year)
        return np.array(
            [
                (got.dissolved - target.dissolved) / max(target.dissolved, 1.0),
                (got.well_operating_share - target.well_operating_share) * 100,
                (got.weak_share - target.weak_share) * 100,
            ]
        )

    fit = least_squares(residuals, np.zeros(3), xtol=1e-12, ftol=1e-12)
    if np.max(np.abs(fit.fun)) > 1e-6:
        raise InputError(
            region.source_name,
            f"no rates of this shape reproduce the {year} figures (residuals {fit.fun})",
        )
    return scale_quality(scenario.quality, *np.exp(fit.x))
