"""Charts of a paired comparison: overlaid fan charts and target probabilities with intervals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from coopsim.metrics import metric_info
from coopsim.plots.fan import TARGET_COLOUR, _zone

if TYPE_CHECKING:
    from coopsim.analyses.compare import Comparison

#: One colour per scenario, the first (the reference) in the fan charts' blue.
COLOURS = ("#1f5fa8", "#d35400", "#2e8b57", "#8e44ad", "#b03a2e", "#7f8c8d", "#c0a000")


def colour(index: int) -> str:
    """The colour of the scenario at `index`."""
    return COLOURS[index % len(COLOURS)]


def _new_axes(ax: Axes | None, size: tuple[float, float] = (8, 4.8)) -> Axes:
    """The Axes given, or a new figure's."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def plot_overlaid_fans(comparison: Comparison, metric: str, ax: Axes | None = None) -> Axes:
    """Each scenario's median and 80% band of one metric on one Axes, with the first
    scenario's target zones; returns the Axes."""
    ax = _new_axes(ax)
    info = metric_info(metric)
    for index, (label, result) in enumerate(
        zip(comparison.labels, comparison.results, strict=True)
    ):
        table = result.metric_quantiles(metric)
        start = result.initial_value(metric)
        if start is not None:  # a known starting stock: the fan opens from it
            opening = pd.DataFrame({c: [start] for c in table.columns}, index=[result.initial.year])
            table = pd.concat([opening, table])
        years = table.index.to_numpy()
        ax.fill_between(years, table["q10"], table["q90"], color=colour(index), alpha=0.18, lw=0)
        ax.plot(years, table["q50"], color=colour(index), lw=2, label=f"{label}: median, 80% band")
    _draw_target_zones(comparison, metric, ax)
    ax.set_title(f"{info.label}\nscenarios compared with the same random numbers")
    ax.set_xlabel("Year (end-of-year classification)")
    ax.set_ylabel("Share of all cooperatives" if info.is_share else info.unit.capitalize())
    ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    if info.is_share:
        ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small", framealpha=0.8)
    return ax


def _draw_target_zones(comparison: Comparison, metric: str, ax: Axes) -> None:
    """Shade each of the first scenario's targets on `metric` at its year, and widen
    the axis so that one-sided zones stay visibly tall."""
    ax.relim()
    ax.autoscale_view()
    bottom, top = ax.get_ylim()
    specs = {n: s for n, s in comparison.targets.items() if s.metric == metric}
    for spec in specs.values():
        low, high = _zone(spec, bottom, top)
        reach = 0.12 * (top - bottom)
        if spec.comparison in (">", ">="):
            top = max(top, low + reach)
        elif spec.comparison in ("<", "<="):
            bottom = min(bottom, high - reach)
        else:
            bottom, top = min(bottom, low), max(top, high)
    for index, spec in enumerate(specs.values()):
        low, high = _zone(spec, bottom, top)
        low, high = max(low, bottom), min(high, top)
        ax.fill_between(
            [spec.year - 0.4, spec.year + 0.4],
            low,
            high,
            color=TARGET_COLOUR,
            alpha=0.15,
            hatch="//",
            edgecolor=TARGET_COLOUR,
            lw=1,
            label="target zone" if index == 0 else None,
        )
    ax.set_ylim(bottom, top)


def _rows(comparison: Comparison) -> tuple[pd.DataFrame, list[str], float]:
    """The comparison table, the targets in order, and the vertical offset between scenarios."""
    table = comparison.table()
    targets = list(comparison.targets)
    spread = 0.7 / max(len(comparison.labels), 1)
    return table, targets, spread


def plot_target_probabilities(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Each target's probability per scenario, with 95% (Wilson) intervals; returns the Axes."""
    ax = _new_axes(ax, (8, 1.2 + 0.9 * len(comparison.targets)))
    table, targets, spread = _rows(comparison)
    for index, label in enumerate(comparison.labels):
        rows = table[table["scenario"] == label].set_index("target").loc[targets]
        y = np.arange(len(targets)) + index * spread
        errors = [rows["probability"] - rows["ci95_low"], rows["ci95_high"] - rows["probability"]]
        ax.errorbar(
            rows["probability"],
            y,
            xerr=errors,
            fmt="o",
            color=colour(index),
            capsize=3,
            label=label,
        )
    ax.set_yticks(np.arange(len(targets)) + spread * (len(comparison.labels) - 1) / 2)
    ax.set_yticklabels(targets)
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
    ax.set_xlabel("Probability the target is met (95% interval)")
    ax.set_title("Target probabilities")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_target_differences(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Each scenario's difference in probability from the first, with paired 95% intervals;
    returns the Axes."""
    ax = _new_axes(ax, (8, 1.2 + 0.9 * len(comparison.targets)))
    table, targets, spread = _rows(comparison)
    others = comparison.labels[1:]
    for index, label in enumerate(others, start=1):
        rows = table[table["scenario"] == label].set_index("target").loc[targets]
        y = np.arange(len(targets)) + (index - 1) * spread
        errors = [
            rows["difference"] - rows["difference_ci95_low"],
            rows["difference_ci95_high"] - rows["difference"],
        ]
        ax.errorbar(
            rows["difference"], y, xerr=errors, fmt="o", color=colour(index), capsize=3, label=label
        )
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(np.arange(len(targets)) + spread * (len(others) - 1) / 2)
    ax.set_yticklabels(targets)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=None))
    ax.set_xlabel(f"Difference from '{comparison.labels[0]}' (paired 95% interval)")
    ax.set_title(f"Against '{comparison.labels[0]}', replicate by replicate")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(loc="best", fontsize="small")
    return ax


def save_comparison_charts(comparison: Comparison, folder: Path) -> list[Path]:
    """Write compare_targets.png (probabilities and differences side by side) and one
    compare_fan_METRIC.png per charted metric into `folder`; returns the paths."""
    paths = []
    height = 1.6 + 0.9 * len(comparison.targets)
    figure = Figure(figsize=(14, height), layout="constrained")
    left, right = figure.subplots(1, 2)
    plot_target_probabilities(comparison, left)
    plot_target_differences(comparison, right)
    path = folder / "compare_targets.png"
    figure.savefig(path, dpi=120)
    paths.append(path)
    for metric in comparison.charted_metrics():
        figure = Figure(figsize=(9, 5.2), layout="constrained")
        plot_overlaid_fans(comparison, metric, figure.subplots())
        path = folder / f"compare_fan_{metric}.png"
        figure.savefig(path, dpi=120)
        paths.append(path)
    return paths
