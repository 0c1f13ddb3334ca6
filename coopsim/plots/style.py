"""The one palette every chart draws with (forecasts, comparisons, sensitivity, calibration,
goal seeking and the brief), and the axis helpers they share."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import matplotlib.ticker as mticker
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend

from coopsim.inputs.scenario import Target
from coopsim.metrics import MetricInfo

#: One colour per scenario, the first (the reference) in the fan charts' blue; also the
#: colours of other series told apart by colour alone (one per target in time to target).
SCENARIO_COLOURS = ("#1f5fa8", "#d35400", "#2e8b57", "#8e44ad", "#b03a2e", "#7f8c8d", "#c0a000")
#: The fan charts' bands and median, and any single simulated series.
BAND_COLOUR = SCENARIO_COLOURS[0]
#: (lower, upper, label, opacity) of a fan chart's bands, from the widest to the narrowest.
BANDS: tuple[tuple[str, str, str, float], ...] = (
    ("q025", "q975", "95% band", 0.18),
    ("q10", "q90", "80% band", 0.30),
    ("q25", "q75", "50% band", 0.45),
)
#: Target zones (hatched), the wanted level of a goal seek, and "high" ends.
TARGET_COLOUR = "#2e8b57"
#: The text of a target's note beside its zone.
TARGET_TEXT_COLOUR = "#1b5e3a"
#: Plain black: published values on fan charts, reference lines (zero, the current value).
INK = "black"
#: A paler band blue, for a secondary bar beside a BAND_COLOUR one.
LIGHT_COLOUR = "#9ec3ea"
#: What the data are checked against or start from: priors, the current value.
NEUTRAL_COLOUR = "#888888"
#: A published value set against a simulated distribution, and "low" ends.
OBSERVED_COLOUR = "#c0392b"
#: The answer a search found.
ANSWER_COLOUR = "#b03a2e"
#: Opacity of every grid.
GRID_ALPHA = 0.3
#: The x-axis label of every chart by year.
YEAR_LABEL = "Year (end-of-year classification)"


#: Size (inches) and resolution of a chart written to a file.
CHART_SIZE = (9.0, 5.2)
CHART_DPI = 120
#: PNG compression of a written chart: level 1 writes it about four times as fast as the
#: default 6, for files about a third larger.
PNG_COMPRESSION = 1


def chart_figure(size: tuple[float, float] = CHART_SIZE) -> Figure:
    """A figure for one chart written to a file, at its final resolution; fit_margins sets
    its margins once the chart is drawn."""
    figure = Figure(figsize=size, dpi=CHART_DPI)
    FigureCanvasAgg(figure)  # its renderer measures text for fit_margins
    return figure


def fit_margins(figure: Figure, ax: Axes) -> None:
    """Margins that hold the title, axis labels and tick labels, measured from their text
    alone: what a constrained layout finds, without laying out every text twice at each save
    (that cost about half the time of writing a chart)."""
    rc = mpl.rcParams
    canvas = figure.canvas
    renderer = canvas.get_renderer() if isinstance(canvas, FigureCanvasAgg) else None
    if renderer is None:
        renderer = FigureCanvasAgg(figure).get_renderer()

    def extent(label: str, size: str | float) -> tuple[float, float]:
        """Width and height (with descent) of a text, in points."""
        width, height, _ = renderer.get_text_width_height_descent(
            label, FontProperties(size=size), ismath=False
        )
        return width * 72 / figure.dpi, height * 72 / figure.dpi

    def tick_labels(axis: Axis, limits: tuple[float, float], size: str | float) -> list[float]:
        low, high = sorted(limits)
        ticks = [t for t in axis.get_major_locator()() if low <= t <= high]
        labels = axis.get_major_formatter().format_ticks(ticks)
        return [extent(label, size)[0] for label in labels] or [0.0]

    pad = 3.0  # points around the whole, as a constrained layout leaves
    label = extent(ax.get_xlabel() or "Year", rc["axes.labelsize"])[1] + rc["axes.labelpad"]
    ticks = rc["xtick.major.pad"] + rc["xtick.major.size"]
    left = pad + label + max(tick_labels(ax.yaxis, ax.get_ylim(), rc["ytick.labelsize"])) + ticks
    bottom = pad + 1 + label + extent("2030", rc["xtick.labelsize"])[1] + ticks
    line = extent("lp", rc["axes.titlesize"])[1]
    lines = ax.get_title().count("\n") + 1
    top = pad + line * (1 + 1.2 * (lines - 1)) + rc["axes.titlepad"]  # the title's line spacing
    width, height = (inches * 72 for inches in figure.get_size_inches())
    low, high = ax.get_xlim()
    last = tick_labels(ax.xaxis, (low, high), rc["xtick.labelsize"])[-1] / 2
    ticks_x = [t for t in ax.xaxis.get_major_locator()() if low <= t <= high]
    room = (high - max(ticks_x, default=high)) / (high - low) * (width - left - pad)
    right = pad + max(0.0, last - room)  # the last tick label's overhang past the axes
    figure.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height
    )


def save_chart(figure: Figure, path: Path) -> None:
    """Write a drawn chart as PNG (fit_margins first)."""
    figure.savefig(path, dpi=CHART_DPI, pil_kwargs={"compress_level": PNG_COMPRESSION})


def scenario_colour(index: int) -> str:
    """The colour of the scenario (or series) at `index`."""
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def new_axes(ax: Axes | None, size: tuple[float, float] = (8, 4.8)) -> Axes:
    """The Axes given, or a new pyplot figure's (shown in a notebook)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def percent_axis(axis: Axis, decimals: int | None = 0) -> None:
    """Label a probability or share axis in percent."""
    axis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=decimals))


def year_axis(ax: Axes) -> None:
    """Whole years along the x axis, labelled as end-of-year classifications."""
    ax.set_xlabel(YEAR_LABEL)
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True, min_n_ticks=1))


def metric_axis(ax: Axes, info: MetricInfo, decimals: int | None = 0) -> None:
    """A metric along the y axis: its unit, or percent for a share."""
    ax.set_ylabel("Share of all cooperatives" if info.is_share else info.unit.capitalize())
    if info.is_share:
        percent_axis(ax.yaxis, decimals)


def grid(ax: Axes, axis: str = "both") -> None:
    """The light grid every chart has."""
    ax.grid(axis=axis, alpha=GRID_ALPHA)


def legend(ax: Axes, *args, **kwargs) -> Legend:
    """The small, translucent legend every chart has (`ax.legend`'s arguments)."""
    kwargs = {"loc": "best", "fontsize": "small", "framealpha": 0.8, **kwargs}
    return ax.legend(*args, **kwargs)


def target_zone(target: Target, bottom: float, top: float) -> tuple[float, float]:
    """The band of values that meets a target, bounded by the axis limits."""
    if target.comparison == "between":
        assert target.range is not None
        return target.range
    assert target.threshold is not None
    if target.comparison in (">", ">="):
        return target.threshold, max(top, target.threshold)
    return min(bottom, target.threshold), target.threshold


def shade_target(
    ax: Axes, year: int, low: float, high: float, alpha: float, label: str | None
) -> None:
    """A target's zone at its year: a hatched band in the target colour."""
    ax.fill_between(
        [year - 0.4, year + 0.4],
        low,
        high,
        color=TARGET_COLOUR,
        alpha=alpha,
        hatch="//",
        edgecolor=TARGET_COLOUR,
        lw=1,
        label=label,
    )
