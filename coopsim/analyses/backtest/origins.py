"""A backtest's origins: the year-ends its calibrations are cut at, and the figures each one
predicts (those published in the year after it)."""

from __future__ import annotations

import datetime as dt

from coopsim.analyses.calibration.record.timeline import Record, RecordFigure, build_record
from coopsim.errors import InputError
from coopsim.inputs.region_data import Region

#: The option an origin is given by on the command line (its errors name it).
OPTION = "--origins"


def origin_time(record: Record, origin: int) -> float:
    """The model time of the end of 31 December of `origin`."""
    return record.time_of(dt.date(origin, 12, 31))


def figures_ahead(region: Region, origin: int) -> list[RecordFigure]:
    """The figures published in the year after `origin`: in the record cut at the end of
    the next year and not in the one cut at the origin."""
    known = {f.where for f in build_record(region, origin).figures}
    return [f for f in build_record(region, origin + 1).figures if f.where not in known]


def default_origins(region: Region) -> list[int]:
    """Every year-end from the record's first year to the year before its last figure that
    has at least one figure published in the year after it."""
    record = build_record(region)
    years = range(record.year0, record.end_year)
    return [year for year in years if figures_ahead(region, year)]


def check_origins(region: Region, origins: list[int]) -> list[int]:
    """The origins asked for, sorted and each once; an InputError naming --origins for one
    outside the record or with no figure published in the year after it."""
    record = build_record(region)
    for year in origins:
        if not record.year0 <= year < record.end_year:
            raise InputError(
                OPTION,
                f"{year} is outside the record: an origin is a year-end from "
                f"{record.year0} to {record.end_year - 1}, before the record's last "
                f"figures (end of {record.end_year})",
            )
        if not figures_ahead(region, year):
            allowed = ", ".join(str(y) for y in default_origins(region))
            raise InputError(
                OPTION,
                f"no figure is published in the year after {year}, so it has nothing to "
                f"predict; origins with one: {allowed}",
            )
    return sorted(set(origins))
