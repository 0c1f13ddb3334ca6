"""Fan charts: nested 50/80/95% bands by year, published values, and target zones."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from coopsim.metrics import metric_info
from coopsim.plots.style import (
    BAND_COLOUR,
    BANDS,
    INK,
    TARGET_COLOUR,
    TARGET_TEXT_COLOUR,
    chart_figure,
    fit_margins,
    grid,
    legend,
    metric_axis,
    new_axes,
    save_chart,
    shade_target,
    target_zone,
    year_axis,
)
from coopsim.results.forecast_result import ForecastResult
from coopsim.runs.executors import forking_is_safe

#: Half the width, in years, of the boxes a fan chart of a single year draws its bands as.
SINGLE_YEAR_BOX = 0.15


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
    reported = result.in_year_points(metric)
    if reported and not info.is_flow:  # a stock known at the report: the fan passes it
        table = pd.concat(
            [
                pd.DataFrame(
                    {c: list(reported.values()) for c in table.columns}, index=list(reported)
                ),
                table,
            ]
        ).sort_index()
    years = table.index.to_numpy()
    only = float(years[0]) if len(years) == 1 else None  # one year: a flow a year ahead
    if only is not None:  # its bands as boxes about the year
        years = only + np.array([-SINGLE_YEAR_BOX, SINGLE_YEAR_BOX])
        table = pd.concat([table, table])
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
    if reported:
        day = result.origin["date"] if result.origin else ""
        ax.plot(
            list(reported),
            list(reported.values()),
            "D",
            color=INK,
            mfc="white",
            mew=1.5,
            ms=6,
            zorder=6,
            label=f"reported {day}" + (" (so far that year)" if info.is_flow else ""),
        )
    if only is not None:  # room on the left for a target's label
        ax.set_xlim(only - 1.5, only + 0.6)
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
    return [_save_fan(result, metric, folder) for metric in charted_metrics(result)]


def save_forecast_charts(
    result: ForecastResult,
    folder: Path,
    guard: Callable[[str], AbstractContextManager[object]] = lambda name: nullcontext(),
    processes: int = 2,
) -> list[Path]:
    """Write every chart of a forecast's output folder: a fan chart per charted metric and,
    with a target that has a yearly form, time_to_target.png; returns the paths. Each chart
    is drawn inside guard(its file name) (the command names a file that cannot be written).
    With processes=2 where forking is safe (runs.executors.forking_is_safe), a copy of this
    process draws every other chart meanwhile (two cores, about half the time); a
    chart it fails to write is drawn again here, so an error is raised as without it."""
    from coopsim.plots.time_to_target import plot_time_to_target
    from coopsim.results.time_to_target import time_to_target

    def fan(metric: str) -> Callable[[], Path]:
        return lambda: _save_fan(result, metric, folder)

    def timing() -> Path:
        figure = chart_figure()
        fit_margins(figure, plot_time_to_target(result, ax=figure.subplots()))
        save_chart(figure, folder / "time_to_target.png")
        return folder / "time_to_target.png"

    jobs = [(f"fan_{metric}.png", fan(metric)) for metric in charted_metrics(result)]
    if time_to_target(result):
        jobs.append(("time_to_target.png", timing))

    def run(job: tuple[str, Callable[[], Path]]) -> Path:
        with guard(job[0]):
            return job[1]()

    forks = processes > 1 and len(jobs) > 1 and _cores() > 1 and forking_is_safe()
    theirs = jobs[1::2] if forks else []
    child = _forked(lambda: [job[1]() for job in theirs]) if theirs else None
    try:
        for job in jobs if child is None else jobs[0::2]:
            run(job)
    except BaseException:
        _joined(child, stop=True)
        raise
    if not _joined(child, stop=False):
        for job in theirs:
            run(job)
    return [folder / name for name, _ in jobs]


def _cores() -> int:
    """Cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def _forked(work: Callable[[], object]) -> int | None:
    """Run `work` in a forked copy of this process; its pid (None where fork is missing)."""
    if not hasattr(os, "fork"):
        return None
    pid = os.fork()
    if pid == 0:  # the copy: do the work, then leave at once (no exit handlers, no flushing
        status = 1  # of buffers this process also holds)
        try:
            work()
            status = 0
        finally:
            os._exit(status)
    return pid


def _joined(pid: int | None, stop: bool) -> bool:
    """Wait for a forked copy (stopped first if `stop`); whether it did all its work (True
    when there is none)."""
    if pid is None:
        return True
    if stop:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)  # retried by Python on EINTR
    return os.waitstatus_to_exitcode(status) == 0


def _save_fan(result: ForecastResult, metric: str, folder: Path) -> Path:
    figure = chart_figure()
    ax = plot_fan(result, metric, ax=figure.subplots())
    fit_margins(figure, ax)
    path = folder / f"fan_{metric}.png"
    save_chart(figure, path)
    return path
