"""The page's fan charts: the forecast's own (coopsim.plots.fan.plot_fan, in the palette of
coopsim.plots.style) with every label in the page's language, as the brief draws them."""

from __future__ import annotations

import io

from matplotlib.figure import Figure

from coopsim.brief.catalogue import Lang
from coopsim.brief.charts import DPI, chart_style, localized_fan
from coopsim.plots.fan import charted_metrics
from coopsim.results.forecast_result import ForecastResult

#: A chart's size in inches (at DPI dots per inch: 760 x 440 pixels).
SIZE = (7.6, 4.4)


def chart_metrics(result: ForecastResult) -> list[str]:
    """The metrics the page charts: those a forecast writes fan charts for."""
    return charted_metrics(result)


def fan_png(result: ForecastResult, metric: str, lang: Lang) -> bytes:
    """One metric's fan chart in `lang`, as PNG bytes."""
    if metric not in chart_metrics(result):
        raise ValueError(f"no chart of {metric!r}; charted: {', '.join(chart_metrics(result))}")
    with chart_style():
        figure = Figure(figsize=SIZE, layout="constrained")
        localized_fan(result, metric, lang, figure.subplots())
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
