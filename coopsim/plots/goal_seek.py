"""The goal-seek chart: the target's probability at every lever value the search tried."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from coopsim.plots.style import (
    ANSWER_COLOUR,
    BAND_COLOUR,
    NEUTRAL_COLOUR,
    TARGET_COLOUR,
    grid,
    legend,
    new_axes,
)
from coopsim.results.targets import Z95

if TYPE_CHECKING:
    from coopsim.analyses.goal_seek import GoalSeekResult


def plot_goal_seek(result: GoalSeekResult, ax: Axes | None = None) -> Axes:
    """Draw the target's probability at every value the search tried (with 95% intervals),
    the wanted level, the answer and the current value, on `ax` (a new figure if None), and
    return the Axes.

    >>> import coopsim
    >>> from matplotlib.figure import Figure
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> found = coopsim.goal_seek(
    ...     scenario, "new_cooperatives_2024_at_least_20", "founding.mean_per_year", 0.9,
    ...     engine="exact",
    ... )
    >>> ax = Figure().subplots()
    >>> coopsim.plot_goal_seek(found, ax=ax) is ax
    True
    """
    ax = new_axes(ax)
    points = sorted(result.path, key=lambda e: e.value)
    xs = [e.value for e in points]
    ys = [e.probability for e in points]
    errs = [Z95 * e.stderr for e in points]
    ax.errorbar(xs, ys, yerr=errs, fmt="o-", color=BAND_COLOUR, ms=4, lw=1, capsize=2)
    ax.axhline(result.wanted, color=TARGET_COLOUR, ls="--", label=f"wanted P = {result.wanted:g}")
    if result.reachable:
        ax.axvline(result.value, color=ANSWER_COLOUR, label=f"answer {result.value:g}")
    if result.lever.value is not None:
        ax.axvline(result.lever.value, color=NEUTRAL_COLOUR, ls=":", label="current value")
    ax.set_xlim(*result.bounds)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(result.lever.path)
    ax.set_ylabel(f"P({result.target})")
    ax.set_title(f"What it would take: {result.target}, scenario '{result.scenario}'")
    grid(ax)
    legend(ax)
    return ax


def save_goal_seek_chart(result: GoalSeekResult, folder: Path) -> Path:
    """Write goal_seek.png (plot_goal_seek) into `folder`; returns its path."""
    figure = Figure(figsize=(9, 5.2), layout="constrained")
    plot_goal_seek(result, ax=figure.subplots())
    path = folder / "goal_seek.png"
    figure.savefig(path, dpi=120)
    return path
