"""Forecasts from a report within the first year: which report, the state given it, the
posterior updated with it, and the start draws (see start_at_report)."""

from coopsim.analyses.origin.plan_start import ORIGINS, start_plan
from coopsim.analyses.origin.report import InYearReport, in_year_report
from coopsim.analyses.origin.start_at_report import StartAtReport, at_latest_report, start_at_report

__all__ = [
    "ORIGINS",
    "InYearReport",
    "StartAtReport",
    "at_latest_report",
    "in_year_report",
    "start_at_report",
    "start_plan",
]
