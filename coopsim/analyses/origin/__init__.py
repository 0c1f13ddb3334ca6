"""Forecasts from a report within the first year: which report, the state given it, the
posterior updated with it, and the start draws (see start_at_report). Attributes are imported
on first use: a forecast with no figure inside its first year never loads the filter."""

from coopsim.lazy import lazy_attributes

_PUBLIC = {
    "ORIGINS": "coopsim.analyses.origin.plan_start",
    "start_plan": "coopsim.analyses.origin.plan_start",
    "InYearReport": "coopsim.analyses.origin.report",
    "in_year_report": "coopsim.analyses.origin.report",
    "StartAtReport": "coopsim.analyses.origin.report_start",
    "at_latest_report": "coopsim.analyses.origin.report_start",
    "start_at_report": "coopsim.analyses.origin.report_start",
}
__all__ = sorted(_PUBLIC)

__getattr__, __dir__ = lazy_attributes("coopsim.analyses.origin", _PUBLIC, globals())
