"""Fan charts: nested 50/80/95% bands by year, published values, and target zones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from coopsim.metrics import metric_info
from coopsim.plots.style import (
    BAND_COLOUR,
    BANDS,
    INK,
    TARGET_COLOUR,
    TARGET_TEXT_COLOUR,
    grid,
    legend,
    metric_axis,
    new_axes,
    shade_target,
    target_zone,
    year_axis,
)
from coopsim.results.forecast_result import ForecastResult


def plot_fan(result: ForecastResult, metric: str, ax: Axes | None = None) -> Axes:
    """Draw one metric's fan chart on `ax` (a new figure if None) and return the Axes:
    nested 50/80/95% bands and the median by year, published values as black points, and
    each target's zone at its year with the probability it is met.

    >>> import coopsim
    >>> from matplotlib.figure import Figure
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> result = coopsim.forecast(scenario, replications=200, seed=1)
    >>> ax = coopsim.plot_fan(result, "cooperatives", ax=Figure().subplots())
    >>> ax.set_ylabel("Cooperatives alive at year end")  # restyle as any Axes
    Text(...)
    """
    ax = new_axes(ax)
    info = metric_info(metric)
    table = result.metric_quantiles(metric)
    start = result.initial_value(metric)
    if start is not None:  # a known starting stock: the fan opens from it
        table = pd.concat(
            [pd.DataFrame({c: [start] for c in table.columns}, index=[result.initial.year]), table]
        )
    years = table.index.to_numpy()
    for low, high, label, alpha in BANDS:
        ax.fill_between(
            years, table[low], table[high], color=BAND_COLOUR, alpha=alpha, lw=0, label=label
        )
    ax.plot(years, table["q50"], color=BAND_COLOUR, lw=2, label="median")
    observed = result.observed(metric)
    if observed:
        ax.plot(
            list(observed),
            list(observed.values()),
            "o",
            color=INK,
            ms=6,
            zorder=5,
            label="published",
        )
    _draw_targets(result, metric, ax)
    ax.set_title(f"{info.label}\n{result.region.region.name}, scenario '{result.scenario.name}'")
    year_axis(ax)
    metric_axis(ax, info)
    grid(ax)
    legend(ax)
    return ax


def plot_trajectories(
    result: ForecastResult,
    metric: str,
    replicates: int = 30,
    ax: Axes | None = None,
) -> Axes:
    """Draw the first `replicates` simulated futures of one metric as thin lines over the
    median, on `ax` (a new figure if None), and return the Axes: a fan chart shows each year's
    spread, these show how single futures move from year to year (campaign years, recoveries).

    >>> import coopsim
    >>> from matplotlib.figure import Figure
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> result = coopsim.forecast(scenario, replications=200, seed=1)
    >>> ax = coopsim.plot_trajectories(result, "founded", replicates=20, ax=Figure().subplots())
    >>> len(ax.lines)  # 20 futures, the median and the published values
    22
    """
    if result.replications == 0:
        raise ValueError("the exact engine has no replicates to draw; run fast or des")
    ax = new_axes(ax)
    info = metric_info(metric)
    column = result.metric_column(metric)[:replicates]
    start = result.initial_value(metric)
    years = list(result.years)
    if start is not None:  # every future starts from the known stock
        years = [result.initial.year, *years]
        column = np.column_stack([np.full(column.shape[0], start), column])
    for index, path in enumerate(column):
        ax.plot(
            years,
            path,
            color=BAND_COLOUR,
            lw=0.8,
            alpha=0.35,
            label=f"{len(column)} simulated futures" if index == 0 else None,
        )
    median = result.metric_quantiles(metric)["q50"]
    ax.plot(median.index, median.to_numpy(), color=INK, lw=2, ls="--", label="median")
    observed = result.observed(metric)
    if observed:
        ax.plot(list(observed), list(observed.values()), "o", color=INK, ms=6, zorder=5)
    ax.set_title(f"{info.label}: single futures\nscenario '{result.scenario.name}'")
    year_axis(ax)
    metric_axis(ax, info)
    grid(ax)
    legend(ax)
    return ax


def _draw_targets(result: ForecastResult, metric: str, ax: Axes) -> None:
    """Shade each target's zone at its year and write its probability beside it."""
    ax.relim()
    ax.autoscale_view()
    bottom, top = ax.get_ylim()
    targets = [e for e in result.targets.values() if e.target.metric == metric]
    for est in targets:
        low, high = target_zone(est.target, bottom, top)
        bottom, top = min(bottom, low), max(top, high)
        reach = 0.12 * (top - bottom)  # keep one-sided zones visibly tall
        if est.target.comparison in (">", ">="):
            top = max(top, low + reach)
        elif est.target.comparison in ("<", "<="):
            bottom = min(bottom, high - reach)
    pad = 0.08 * (top - bottom)
    bottom, top = bottom - pad, top + pad
    for index, est in enumerate(targets):
        year = est.target.year
        low, high = target_zone(est.target, bottom, top)
        shade_target(ax, year, low, high, 0.22, "target zone" if index == 0 else None)
        low_ci, high_ci = est.ci95
        last_year = year >= max(result.years)
        ax.annotate(
            f"{est.name}\nP = {percent(est.probability)} "
            f"(95% CI {percent(low_ci)}-{percent(high_ci)})",
            xy=(year - 0.4 if last_year else year + 0.4, (low + high) / 2),
            xytext=(-6 if last_year else 6, 0),
            textcoords="offset points",
            ha="right" if last_year else "left",
            fontsize="small",
            color=TARGET_TEXT_COLOUR,
            va="center",
            bbox={"boxstyle": "round", "fc": "white", "ec": TARGET_COLOUR, "alpha": 0.9},
        )
    ax.set_ylim(bottom, top)


def percent(p: float) -> str:
    """A probability as a percentage, with a decimal near 0 and 1 where rounding would hide it."""
    return f"{p:.0%}" if 0.01 <= p <= 0.99 else f"{p:.1%}"


def charted_metrics(result: ForecastResult) -> list[str]:
    """Metrics that get a fan chart: cooperatives alive, founded, and every targeted metric."""
    names = ["cooperatives", "founded"]
    for est in result.targets.values():
        if est.target.metric not in names:
            names.append(est.target.metric)
    return names


def save_fan_charts(result: ForecastResult, folder: Path) -> list[Path]:
    """Write one PNG fan chart per charted metric into `folder`; returns the paths."""
    paths = []
    for metric in charted_metrics(result):
        figure = Figure(figsize=(9, 5.2), layout="constrained")
        plot_fan(result, metric, ax=figure.subplots())
        path = folder / f"fan_{metric}.png"
        figure.savefig(path, dpi=120)
        paths.append(path)
    return paths
