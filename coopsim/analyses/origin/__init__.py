"""Forecasts from a report within the first year: which report, the state given it, the
posterior updated with it, and the start draws (see start_at_report)."""

from coopsim.analyses.origin.report import InYearReport, in_year_report
from coopsim.analyses.origin.start_at_report import StartAtReport, at_latest_report, start_at_report

#: Where a forecast may start: the latest report within its first year, or the year-end.
ORIGINS = ("latest", "year-end")

__all__ = [
    "ORIGINS",
    "InYearReport",
    "StartAtReport",
    "at_latest_report",
    "in_year_report",
    "start_at_report",
]
