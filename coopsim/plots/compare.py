"""Charts of a paired comparison: overlaid fan charts and target probabilities with intervals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from coopsim.metrics import metric_info
from coopsim.plots.style import (
    INK,
    grid,
    legend,
    metric_axis,
    new_axes,
    percent_axis,
    scenario_colour,
    shade_target,
    target_zone,
    year_axis,
)

if TYPE_CHECKING:
    from coopsim.analyses.compare import Comparison


def plot_overlaid_fans(comparison: Comparison, metric: str, ax: Axes | None = None) -> Axes:
    """Draw each scenario's median and 80% band of one metric on `ax` (a new figure if None),
    with the first scenario's target zones, and return the Axes.

    >>> import coopsim
    >>> from matplotlib.figure import Figure
    >>> files = ["scenarios/baseline.toml", "scenarios/resolution20.toml"]
    >>> c = coopsim.compare(files, replications=200, engine="fast", workers=1)
    >>> ax = Figure().subplots()
    >>> coopsim.plot_overlaid_fans(c, "well_operating_share", ax=ax) is ax
    True
    """
    ax = new_axes(ax)
    info = metric_info(metric)
    for index, (label, result) in enumerate(
        zip(comparison.labels, comparison.results, strict=True)
    ):
        table = result.metric_quantiles(metric)
        start = result.initial_value(metric)
        if start is not None:  # a known starting stock: the fan opens from it
            opening = pd.DataFrame({c: [start] for c in table.columns}, index=[result.initial.year])
            table = pd.concat([opening, table])
        years, colour = table.index.to_numpy(), scenario_colour(index)
        ax.fill_between(years, table["q10"], table["q90"], color=colour, alpha=0.18, lw=0)
        ax.plot(years, table["q50"], color=colour, lw=2, label=f"{label}: median, 80% band")
    _draw_target_zones(comparison, metric, ax)
    ax.set_title(f"{info.label}\nscenarios compared with the same random numbers")
    year_axis(ax)
    metric_axis(ax, info, decimals=None)
    grid(ax)
    legend(ax)
    return ax


def _draw_target_zones(comparison: Comparison, metric: str, ax: Axes) -> None:
    """Shade each of the first scenario's targets on `metric` at its year, and widen
    the axis so that one-sided zones stay visibly tall."""
    ax.relim()
    ax.autoscale_view()
    bottom, top = ax.get_ylim()
    specs = {n: s for n, s in comparison.targets.items() if s.metric == metric}
    for spec in specs.values():
        low, high = target_zone(spec, bottom, top)
        reach = 0.12 * (top - bottom)
        if spec.comparison in (">", ">="):
            top = max(top, low + reach)
        elif spec.comparison in ("<", "<="):
            bottom = min(bottom, high - reach)
        else:
            bottom, top = min(bottom, low), max(top, high)
    for index, spec in enumerate(specs.values()):
        low, high = target_zone(spec, bottom, top)
        low, high = max(low, bottom), min(high, top)
        shade_target(ax, spec.year, low, high, 0.15, "target zone" if index == 0 else None)
    ax.set_ylim(bottom, top)


def _rows(comparison: Comparison) -> tuple[pd.DataFrame, list[str], float]:
    """The comparison table, the targets in order, and the vertical offset between scenarios."""
    table = comparison.table()
    targets = list(comparison.targets)
    spread = 0.7 / max(len(comparison.labels), 1)
    return table, targets, spread


def plot_target_probabilities(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Draw each target's probability per scenario, with 95% (Wilson) intervals, on `ax` (a new
    figure if None), and return the Axes.

    >>> import coopsim
    >>> from matplotlib.figure import Figure
    >>> files = ["scenarios/baseline.toml", "scenarios/resolution20.toml"]
    >>> c = coopsim.compare(files, replications=200, engine="fast", workers=1)
    >>> ax = coopsim.plot_target_probabilities(c, ax=Figure().subplots())
    >>> [label.get_text() for label in ax.get_legend().get_texts()]
    ['baseline', 'resolution20']
    """
    ax = new_axes(ax, (8, 1.2 + 0.9 * len(comparison.targets)))
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
            color=scenario_colour(index),
            capsize=3,
            label=label,
        )
    ax.set_yticks(np.arange(len(targets)) + spread * (len(comparison.labels) - 1) / 2)
    ax.set_yticklabels(targets)
    ax.invert_yaxis()
    ax.set_xlim(-0.02, 1.02)
    percent_axis(ax.xaxis, decimals=None)
    ax.set_xlabel("Probability the target is met (95% interval)")
    ax.set_title("Target probabilities")
    grid(ax, "x")
    legend(ax)
    return ax


def plot_target_differences(comparison: Comparison, ax: Axes | None = None) -> Axes:
    """Draw each scenario's difference in probability from the first, with paired 95%
    intervals, on `ax` (a new figure if None), and return the Axes.

    >>> import coopsim
    >>> from matplotlib.figure import Figure
    >>> files = ["scenarios/baseline.toml", "scenarios/resolution20.toml"]
    >>> c = coopsim.compare(files, replications=200, engine="fast", workers=1)
    >>> ax = coopsim.plot_target_differences(c, ax=Figure().subplots())
    >>> ax.get_title()
    "Against 'baseline', replicate by replicate"
    """
    ax = new_axes(ax, (8, 1.2 + 0.9 * len(comparison.targets)))
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
            rows["difference"],
            y,
            xerr=errors,
            fmt="o",
            color=scenario_colour(index),
            capsize=3,
            label=label,
        )
    ax.axvline(0, color=INK, lw=1)
    ax.set_yticks(np.arange(len(targets)) + spread * (len(others) - 1) / 2)
    ax.set_yticklabels(targets)
    ax.invert_yaxis()
    percent_axis(ax.xaxis, decimals=None)
    ax.set_xlabel(f"Difference from '{comparison.labels[0]}' (paired 95% interval)")
    ax.set_title(f"Against '{comparison.labels[0]}', replicate by replicate")
    grid(ax, "x")
    legend(ax)
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
