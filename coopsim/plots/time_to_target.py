"""The time-to-target chart: per threshold target, the probability of having met it by each
year and of meeting it in each year."""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from coopsim.plots.style import grid, legend, new_axes, percent_axis, scenario_colour, year_axis
from coopsim.results.forecast_result import ForecastResult
from coopsim.results.time_to_target import time_to_target


def plot_time_to_target(result: ForecastResult, ax: Axes | None = None) -> Axes:
    """Draw, per target with a yearly form, the probability of having met it by each year
    (solid; bounds from the exact engine) and of meeting it in each year (dotted), on `ax`
    (a new figure if None), and return the Axes.

    >>> import coopsim
    >>> from matplotlib.figure import Figure
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> result = coopsim.forecast(scenario, replications=200, seed=1)
    >>> ax = Figure().subplots()
    >>> coopsim.plot_time_to_target(result, ax=ax) is ax
    True
    """
    ax = new_axes(ax)
    for index, entry in enumerate(time_to_target(result).values()):
        colour = scenario_colour(index)
        years = entry.years
        by_year = entry.met_by_year
        if by_year is not None:
            ax.plot(years, by_year, "o-", color=colour, lw=2, ms=4, label=f"{entry.name}: by year")
        else:
            assert entry.bounds is not None
            ax.fill_between(
                years,
                entry.bounds[:, 0],
                entry.bounds[:, 1],
                color=colour,
                alpha=0.2,
                label=f"{entry.name}: by year (bounds)",
            )
        ax.plot(years, entry.met_in_year, ":", color=colour, lw=1.5, label=f"{entry.name}: in year")
        if entry.target.year in years:
            k = years.index(entry.target.year)
            level = by_year[k] if by_year is not None else entry.met_in_year[k]
            ax.plot([entry.target.year], [level], "D", color=colour, ms=8, mfc="white", mew=2)
    ax.set_ylim(-0.02, 1.02)
    percent_axis(ax.yaxis)
    year_axis(ax)
    ax.set_ylabel("Probability")
    ax.set_title(
        "Time to target: probability of having met each target by each year\n"
        f"{result.region.region.name}, scenario '{result.scenario.name}' "
        "(diamond: the target's own year)"
    )
    grid(ax)
    legend(ax)
    return ax


def save_time_to_target_chart(result: ForecastResult, folder: Path) -> Path | None:
    """Write time_to_target.png into `folder` (None, and no file, without a yearly target)."""
    if not time_to_target(result):
        return None
    figure = Figure(figsize=(9, 5.2), layout="constrained")
    plot_time_to_target(result, ax=figure.subplots())
    path = folder / "time_to_target.png"
    figure.savefig(path, dpi=120)
    return path
