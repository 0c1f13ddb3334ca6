"""Tornado charts of a sensitivity analysis: ranked indices, and the one-at-a-time swing."""

from __future__ import annotations

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

TOTAL_COLOUR = "#1f5fa8"
FIRST_COLOUR = "#9ec3ea"
LOW_COLOUR = "#c0392b"
HIGH_COLOUR = "#2e8b57"


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
        ax.legend(loc="lower right", fontsize="small", framealpha=0.8)
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
    ax.axvline(0, color="black", lw=0.8)
    ax.grid(axis="x", alpha=0.3)


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
    ax.axvline(at_value, color="black", lw=1)
    ax.set_xlim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"Probability (now {at_value:.1%}; one input moved at a time)")
    ax.set_title(f"{target}: one-at-a-time swing", fontsize="medium")
    ax.legend(
        handles=[
            Patch(color=LOW_COLOUR, label="input at its low end"),
            Patch(color=HIGH_COLOUR, label="input at its high end"),
        ],
        loc="lower right",
        fontsize="small",
        framealpha=0.8,
    )
    ax.grid(axis="x", alpha=0.3)
