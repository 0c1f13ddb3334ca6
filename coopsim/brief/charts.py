"""The brief's charts in the reader's language, as PNG data URIs the page embeds.

Fan charts are drawn by coopsim.plots.fan.plot_fan, the same as a forecast's, then every text
on them (title, axis labels, legend, target notes, tick labels) is rewritten from the catalogue.
Charts use DejaVu Sans, which matplotlib ships and which has every precomposed Vietnamese letter,
and the palette of coopsim.plots.style.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib
import matplotlib.ticker as mticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from coopsim.brief.catalogue import Lang, nfc
from coopsim.brief.wording import region_name, target_short
from coopsim.metrics import metric_info
from coopsim.plots.fan import plot_fan
from coopsim.plots.style import BANDS, grid, legend, scenario_colour
from coopsim.results.forecast_result import ForecastResult

#: plot_fan's legend labels -> catalogue ids.
LEGEND_KEYS: dict[str, str] = {
    BANDS[0][2]: "band_95",
    BANDS[1][2]: "band_80",
    BANDS[2][2]: "band_50",
    "median": "median",
    "published": "published",
    "target zone": "target_zone",
}
FONT = "DejaVu Sans"
DPI = 100


@dataclass(frozen=True)
class Chart:
    """One embedded chart: its PNG as a data URI, its size in pixels and its alt text."""

    uri: str
    width: int
    height: int
    alt: str


@contextmanager
def chart_style() -> Iterator[None]:
    """Draw with a font that has Vietnamese glyphs, whatever the user's matplotlibrc says."""
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": [FONT]}):
        yield


def embed(figure: Figure, alt: str) -> Chart:
    """Render a figure to PNG and wrap it as a data URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = (round(v) for v in figure.get_size_inches() * DPI)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Chart(f"data:image/png;base64,{encoded}", width, height, nfc(alt))


def localized_fan(result: ForecastResult, metric: str, lang: Lang, ax: Axes) -> Axes:
    """plot_fan's chart with every text in `lang`."""
    plot_fan(result, metric, ax=ax)
    info = metric_info(metric)
    region = region_name(result.region, lang)
    ax.set_title(
        nfc(
            f"{lang.metric_label(metric)}\n"
            + lang.t("chart_subtitle", region=region, name=result.scenario.name)
        )
    )
    ax.set_xlabel(lang.t("x_year"))
    ax.set_ylabel(lang.t("y_share") if info.is_share else lang.unit(info.unit))
    if not info.is_share:
        ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: lang.general(v)))
    handles, labels = ax.get_legend_handles_labels()
    names = [lang.t(LEGEND_KEYS[label]) if label in LEGEND_KEYS else label for label in labels]
    legend(ax, handles, names)
    notes = [text for text in ax.texts if isinstance(text, Annotation)]
    targets = [e for e in result.targets.values() if e.target.metric == metric]
    for note, est in zip(notes, targets, strict=False):
        low, high = est.ci95
        note.set_text(
            lang.t(
                "annotation",
                label=target_short(est.target, lang),
                p=lang.probability(est.probability),
                low=lang.probability(low),
                high=lang.probability(high),
            )
        )
    return ax


def fan_chart(result: ForecastResult, metric: str, lang: Lang) -> Chart:
    """One metric's localized fan chart, embedded."""
    with chart_style():
        figure = Figure(figsize=(8.4, 4.8), layout="constrained")
        localized_fan(result, metric, lang, figure.subplots())
        alt = lang.t(
            "fan_alt",
            label=lang.metric_label(metric),
            region=region_name(result.region, lang),
            name=result.scenario.name,
        )
        return embed(figure, alt)


@dataclass(frozen=True)
class ProbabilityPoint:
    """One scenario's probability of one target, with its 95% interval."""

    target: str
    scenario: str
    probability: float
    low: float
    high: float


def comparison_chart(
    points: Sequence[ProbabilityPoint],
    sentences: dict[str, str],
    scenarios: Sequence[str],
    lang: Lang,
) -> Chart:
    """Each target's probability by scenario, with 95% intervals, one row per target."""
    targets = list(dict.fromkeys(p.target for p in points))
    with chart_style():
        height = 1.2 + 0.55 * len(targets) * max(1, len(scenarios)) ** 0.5
        figure = Figure(figsize=(8.4, height), layout="constrained")
        ax = figure.subplots()
        step = 0.7 / max(1, len(scenarios))
        for s, scenario in enumerate(scenarios):
            mine = [p for p in points if p.scenario == scenario]
            ys = [targets.index(p.target) + (s - (len(scenarios) - 1) / 2) * step for p in mine]
            ax.errorbar(
                [100 * p.probability for p in mine],
                ys,
                xerr=[
                    [100 * (p.probability - p.low) for p in mine],
                    [100 * (p.high - p.probability) for p in mine],
                ],
                fmt="o",
                capsize=3,
                color=scenario_colour(s),
                label=scenario,
            )
        ax.set_yticks(
            range(len(targets)),
            [textwrap.fill(sentences[t], 42) for t in targets],
            fontsize="small",
        )
        ax.invert_yaxis()
        ax.set_xlim(-2, 102)
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: lang.number(v) + "%"))
        ax.set_xlabel(lang.t("probability"))
        ax.set_title(lang.t("comparison_chart_title"))
        grid(ax, "x")
        legend(ax, title=lang.t("scenario"))
        return embed(figure, lang.t("comparison_chart_alt"))
