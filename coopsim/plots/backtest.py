"""The backtest's chart: each predicted figure's predictive bands against its published value,
origin by origin, beside the bands' coverage against the nominal and the PIT values."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from coopsim.plots.style import (
    BAND_COLOUR,
    BANDS,
    INK,
    LIGHT_COLOUR,
    NEUTRAL_COLOUR,
    OBSERVED_COLOUR,
    grid,
    legend,
    new_axes,
    percent_axis,
    save_chart,
)

if TYPE_CHECKING:
    from coopsim.analyses.backtest.run import BacktestResult

#: How far either side of the median the bands chart reaches (1 = the 95% band's edge).
REACH = 2.0


def _scaled(value: float, row: pd.Series) -> float:
    """A value on the row's own scale: 0 at the predictive median, -1 and +1 at the edges
    of its 95% band (each side scaled apart, so that a skewed predictive shows)."""
    side = row["q975"] - row["median"] if value >= row["median"] else row["median"] - row["q025"]
    return float((value - row["median"]) / side) if side > 0 else 0.0


def _number(kind: str, value: float) -> str:
    return f"{100 * value:.1f}%" if kind == "share" else f"{value:,.0f}"


def plot_backtest_bands(result: BacktestResult, ax: Axes | None = None) -> Axes:
    """Each (origin, figure) a row: its 50/80/95% predictive bands on the row's own scale
    (median at 0, the 95% band from -1 to +1) and the published value, with the numbers."""
    ax = new_axes(ax)
    table = result.table.iloc[::-1].reset_index(drop=True)
    for y, row in table.iterrows():
        for low, high, _, alpha in BANDS:
            a, b = _scaled(row[low], row), _scaled(row[high], row)
            ax.fill_betweenx([y - 0.35, y + 0.35], a, b, color=BAND_COLOUR, alpha=alpha, lw=0)
        ax.plot([0, 0], [y - 0.35, y + 0.35], color=BAND_COLOUR, lw=1.5)
        scaled = _scaled(row["published"], row)
        x = float(np.clip(scaled, -REACH, REACH))
        marker = "o" if abs(scaled) <= REACH else ("<" if scaled < 0 else ">")  # off the chart
        bound = row["form"] == "bound"
        ax.plot(
            x, y, marker, ms=6, mfc="white" if bound else OBSERVED_COLOUR, mec=OBSERVED_COLOUR,
            mew=1.5, zorder=3, clip_on=False,
        )  # fmt: skip
        text = (
            f"{'bound ' if bound else ''}{_number(row['kind'], row['published'])} | "
            f"{_number(row['kind'], row['median'])} [{_number(row['kind'], row['q025'])}, "
            f"{_number(row['kind'], row['q975'])}]"
        )
        ax.text(REACH * 1.04, y, text, va="center", fontsize="x-small", color=INK)
    labels = [
        f"{row.origin}{'*' if row.origin_kind == 'report' else ''} → {row.figure.split('.', 1)[1]}"
        for row in table.itertuples()
    ]
    ax.set_yticks(range(len(table)), labels, fontsize="x-small")
    for edge in (-1, 1):
        ax.axvline(edge, color=NEUTRAL_COLOUR, lw=0.8, ls=":")
    origins = table["origin"].astype(str).to_numpy()
    for y in np.flatnonzero(origins[1:] != origins[:-1]):
        ax.axhline(y + 0.5, color=NEUTRAL_COLOUR, lw=0.6)
    ax.set_xlim(-REACH, REACH)
    ax.set_ylim(-0.6, len(table) - 0.4)
    ax.set_xlabel("predictive: median 0, 95% band -1 to +1 (each row its own scale)")
    ax.set_title(
        "Published (red; hollow: a bound) against the predictive from the origin before\n"
        "(a year-end, or * a dated report); right: published | median [95% band]",
        fontsize="small",
    )
    grid(ax, "x")
    return ax


def plot_backtest_coverage(result: BacktestResult, ax: Axes | None = None) -> Axes:
    """The 50/80/95% bands' coverage over every scored figure, against the nominal."""
    ax = new_axes(ax)
    everything = result.summary[result.summary["origin"] == "all"].iloc[0]
    nominal = [0.50, 0.80, 0.95]
    found = [everything[f"coverage_{n}"] for n in ("50", "80", "95")]
    x = np.arange(3)
    ax.bar(x - 0.18, nominal, 0.36, color=LIGHT_COLOUR, label="nominal")
    ax.bar(x + 0.18, np.nan_to_num(found), 0.36, color=BAND_COLOUR, label="backtest")
    ax.set_xticks(x, ["50% band", "80% band", "95% band"], fontsize="small")
    ax.set_ylim(0, 1.05)
    percent_axis(ax.yaxis)
    ax.set_title(f"Coverage over {int(everything['scored'])} scored figures", fontsize="small")
    legend(ax, loc="upper left")
    grid(ax, "y")
    return ax


def plot_backtest_pit(result: BacktestResult, ax: Axes | None = None) -> Axes:
    """The PIT values by origin (uniform on 0-1 if the predictives are calibrated)."""
    ax = new_axes(ax)
    scored = result.table[result.table["pit"].notna()]
    origins = sorted(scored["origin"].unique())
    for k, origin in enumerate(origins):
        pits = scored.loc[scored["origin"] == origin, "pit"].to_numpy(dtype=float)
        ax.plot(pits, np.full(pits.size, k), "o", color=OBSERVED_COLOUR, ms=5, alpha=0.8)
    kinds = dict(zip(scored["origin"], scored["origin_kind"], strict=True))
    names = [f"{o}{'*' if kinds[o] == 'report' else ''}" for o in origins]
    ax.set_yticks(range(len(origins)), names, fontsize="small")
    ax.set_ylim(-0.7, max(len(origins) - 0.3, 0.7))
    ax.set_xlim(0, 1)
    for edge in (0.025, 0.975):
        ax.axvline(edge, color=NEUTRAL_COLOUR, lw=0.8, ls=":")
    ax.axvline(0.5, color=INK, lw=0.6)
    ax.set_xlabel("PIT (0.5 = at the median; dotted: the 95% band)", fontsize="small")
    ax.set_title("PIT of each scored figure, by origin (* a dated report)", fontsize="small")
    grid(ax, "x")
    return ax


def plot_backtest(result: BacktestResult, figure: Figure | None = None) -> Figure:
    """backtest.png's chart on `figure` (a new one sized to the rows if None): the bands
    against the published values, the coverage and the PIT values."""
    rows = max(len(result.table), 4)
    if figure is None:
        figure = Figure(figsize=(13.0, 1.6 + 0.34 * rows), layout="constrained")
    left, right = figure.subfigures(1, 2, width_ratios=[2.2, 1])
    plot_backtest_bands(result, left.subplots())
    top, bottom = right.subplots(2, 1)
    plot_backtest_coverage(result, top)
    plot_backtest_pit(result, bottom)
    return figure


def save_backtest_chart(result: BacktestResult, path: Path) -> Path:
    """Write backtest.png; returns its path."""
    figure = plot_backtest(result)
    if result.table.empty:
        figure.text(0.5, 0.5, "nothing to score", ha="center")
    save_chart(figure, path)
    return path
