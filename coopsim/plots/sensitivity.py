"""Tornado charts of a sensitivity analysis: ranked indices, and the one-at-a-time swing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from coopsim.plots.style import (
    BAND_COLOUR,
    INK,
    LIGHT_COLOUR,
    OBSERVED_COLOUR,
    TARGET_COLOUR,
    grid,
    legend,
    new_axes,
    percent_axis,
)

if TYPE_CHECKING:
    from coopsim.analyses.sensitivity.result import SensitivityResult

#: Inputs drawn per target (the most influential; all of them are in sensitivity.csv).
TOP_INPUTS = 12
TOTAL_COLOUR = BAND_COLOUR
FIRST_COLOUR = LIGHT_COLOUR
LOW_COLOUR = OBSERVED_COLOUR
HIGH_COLOUR = TARGET_COLOUR


def plot_sensitivity(
    result: SensitivityResult,
    target: str | None = None,
    ax: Axes | None = None,
    swing: bool = False,
    top: int | None = TOP_INPUTS,
) -> Axes:
    """One target's `top` most influential inputs ranked by total effect (Sobol'
    first-order and total indices, or Morris mu*, with 95% intervals) or, with swing=True,
    its one-at-a-time tornado: the probability with each input at its low and high end, the
    others as they are. Draws on `ax` (a new figure if None) and returns the Axes; `target`
    defaults to the scenario's first.

    >>> import coopsim
    >>> from matplotlib.figure import Figure
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> inputs = ["founding.mean_per_year", "upgrade_scale"]
    >>> result = coopsim.sensitivity(scenario, inputs=inputs, samples=8, workers=1)
    >>> ax = coopsim.plot_sensitivity(result, "new_cooperatives_2024", ax=Figure().subplots())
    >>> swing = coopsim.plot_sensitivity(result, ax=Figure().subplots(), swing=True)
    """
    shown = len(result.inputs) if top is None else min(top, len(result.inputs))
    ax = new_axes(ax, (7, 0.5 * shown + 1.8))
    name = target if target is not None else next(iter(result.spreads))
    rows = result.target_table(name).head(shown)
    spread = result.spreads[name]
    if swing:
        draw_swing(ax, rows, name, spread.at_value)
    else:
        draw_indices(ax, rows, name, result.method, spread.variance, spread.noise_share)
    return ax


def plot_sensitivity_overview(result: SensitivityResult, figure: Figure | None = None) -> Figure:
    """tornado.png's chart: per target, its ranked indices (left) and its swing (right), the
    TOP_INPUTS most influential inputs each, drawn on `figure` (a new one if None) and
    returned.

    >>> import coopsim
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> inputs = ["founding.mean_per_year", "upgrade_scale"]
    >>> result = coopsim.sensitivity(scenario, inputs=inputs, samples=8, workers=1)
    >>> figure = coopsim.plot_sensitivity_overview(result)
    >>> len(figure.axes) == 2 * len(scenario.targets)  # one row of two panels per target
    True
    """
    n_targets, n_inputs = len(result.spreads), min(TOP_INPUTS, len(result.inputs))
    if figure is None:
        figure = Figure(
            figsize=(13, n_targets * (0.42 * n_inputs + 1.6) + 0.6), layout="constrained"
        )
    axes = figure.subplots(n_targets, 2, squeeze=False)
    for row, name in enumerate(result.spreads):
        plot_sensitivity(result, name, ax=axes[row, 0])
        plot_sensitivity(result, name, ax=axes[row, 1], swing=True)
    more = len(result.inputs) - n_inputs
    figure.suptitle(
        f"Sensitivity of each target's probability: scenario '{result.scenario.name}'\n"
        f"({_method_label(result)})"
        + (f"; the {n_inputs} most influential of {len(result.inputs)} inputs" if more else "")
    )
    return figure


def save_sensitivity_chart(result: SensitivityResult, folder: Path) -> Path:
    """Write tornado.png (plot_sensitivity_overview) into `folder`; returns its path."""
    path = folder / "tornado.png"
    plot_sensitivity_overview(result).savefig(path, dpi=110)
    return path


def _method_label(result: SensitivityResult) -> str:
    if result.method == "sobol":
        design = f"Sobol' indices, {result.samples} base samples"
    else:
        design = f"Morris elementary effects, {result.samples} trajectories"
    runs = "exact probabilities" if not result.replications else f"{result.replications} replicates"
    return f"{design}, {result.evaluations} points, {runs} each, seed {result.seed}"


def _labels(rows: pd.DataFrame) -> list[str]:
    return [
        f"{row.input} (uncertain)" if row.kind == "parameter" else str(row.input)
        for row in rows.itertuples()
    ]


def _interval(rows: pd.DataFrame, centre: str, low: str, high: str) -> np.ndarray:
    """Error-bar lengths (2 x n) from an estimate and its interval (never negative)."""
    values = rows[centre].to_numpy(float)
    return np.clip(
        np.vstack([values - rows[low].to_numpy(float), rows[high].to_numpy(float) - values]),
        0.0,
        None,
    )


def draw_indices(
    ax: Axes,
    rows: pd.DataFrame,
    target: str,
    method: str,
    variance: float,
    noise_share: float | None,
) -> None:
    """Inputs ranked by total effect: Sobol' total and first-order indices (or Morris mu*)
    with their 95% bootstrap intervals."""
    y = np.arange(len(rows))[::-1]
    ax.set_yticks(y, _labels(rows), fontsize="small")
    if variance <= 0:
        ax.text(
            0.5,
            0.5,
            "the probability does not change\nover the inputs' ranges",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    elif method == "sobol":
        height = 0.38
        ax.barh(
            y + height / 2,
            rows["total"],
            height,
            xerr=_interval(rows, "total", "total_low", "total_high"),
            color=TOTAL_COLOUR,
            label="total (with interactions)",
            error_kw={"lw": 1, "capsize": 2},
        )
        ax.barh(
            y - height / 2,
            rows["first_order"],
            height,
            xerr=_interval(rows, "first_order", "first_order_low", "first_order_high"),
            color=FIRST_COLOUR,
            label="first order (alone)",
            error_kw={"lw": 1, "capsize": 2},
        )
        left = min(0.0, float(np.nanmin(rows["first_order_low"])))
        right = min(1.5, max(1.0, float(np.nanmax(rows["total"]))))  # noisy estimates exceed 1
        ax.set_xlim(max(-0.5, left) - 0.02, right + 0.05)
        ax.set_xlabel("Share of the probability's variance (95% bootstrap intervals)")
        legend(ax, loc="lower right")
    else:
        ax.barh(
            y,
            rows["mu_star"],
            0.6,
            xerr=_interval(rows, "mu_star", "mu_star_low", "mu_star_high"),
            color=TOTAL_COLOUR,
            error_kw={"lw": 1, "capsize": 2},
        )
        ax.set_xlim(left=0)
        ax.set_xlabel("mu*: mean |change in probability| across each input's range")
    title = f"{target}: what moves it"
    if noise_share is not None and noise_share >= 0.02:
        title += f"\n(Monte Carlo noise about {noise_share:.0%} of its variance)"
    ax.set_title(title, fontsize="medium")
    ax.axvline(0, color=INK, lw=0.8)
    grid(ax, "x")


def draw_swing(ax: Axes, rows: pd.DataFrame, target: str, at_value: float) -> None:
    """One-at-a-time tornado: the probability with each input at its low end and at its high
    end, the others at their current values (the vertical line)."""
    y = np.arange(len(rows))[::-1]
    ax.set_yticks(y, _labels(rows), fontsize="small")
    for row, height in zip(rows.itertuples(), y, strict=True):
        for end, colour, shift in (
            ("probability_at_low", LOW_COLOUR, 0.17),
            ("probability_at_high", HIGH_COLOUR, -0.17),
        ):
            value = getattr(row, end)
            ax.barh(height + shift, value - at_value, 0.34, left=at_value, color=colour)
    ax.axvline(at_value, color=INK, lw=1)
    ax.set_xlim(-0.02, 1.02)
    percent_axis(ax.xaxis)
    ax.set_xlabel(f"Probability (now {at_value:.1%}; one input moved at a time)")
    ax.set_title(f"{target}: one-at-a-time swing", fontsize="medium")
    legend(
        ax,
        handles=[
            Patch(color=LOW_COLOUR, label="input at its low end"),
            Patch(color=HIGH_COLOUR, label="input at its high end"),
        ],
        loc="lower right",
    )
    grid(ax, "x")
