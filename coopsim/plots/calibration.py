"""Calibration charts: each parameter's prior against its posterior, and each published figure
against its posterior predictive distribution."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from coopsim.inputs.priors import Prior

PRIOR_COLOUR = "#888888"
POSTERIOR_COLOUR = "#1f5fa8"
OBSERVED_COLOUR = "#c0392b"


def _grid(panels: int) -> tuple[Figure, np.ndarray]:
    columns = min(3, panels)
    rows = math.ceil(panels / columns)
    figure = Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    axes = np.atleast_1d(figure.subplots(rows, columns, squeeze=False).ravel())
    for ax in axes[panels:]:
        ax.set_visible(False)
    return figure, axes


def _bins(sample: np.ndarray) -> np.ndarray | int:
    """Bins that hold whole counts evenly (no empty or doubled bars), or 40 for shares."""
    if not np.allclose(sample, np.round(sample)):
        return 40
    step = max(1, math.ceil(np.ptp(sample) / 40))
    return np.arange(sample.min() - 0.5, sample.max() + step + 0.5, step)


def plot_prior_posterior(priors: dict[str, Prior], posterior: pd.DataFrame) -> Figure:
    """One panel per parameter: the prior's density (line) and the posterior (histogram)."""
    figure, axes = _grid(len(priors))
    for ax, (name, prior) in zip(axes, priors.items(), strict=False):
        frozen = prior.frozen()
        draws = posterior[name].to_numpy(dtype=float)
        low = min(frozen.ppf(0.005), np.quantile(draws, 0.005))
        high = max(frozen.ppf(0.995), np.quantile(draws, 0.995))
        x = np.linspace(low, high, 400)
        ax.plot(x, frozen.pdf(x), color=PRIOR_COLOUR, lw=2, label="prior")
        if np.ptp(draws) > 0:
            ax.hist(
                draws,
                bins=50,
                range=(low, high),
                density=True,
                color=POSTERIOR_COLOUR,
                alpha=0.6,
                label="posterior",
            )
        else:
            ax.axvline(draws[0], color=POSTERIOR_COLOUR, lw=3, label="posterior (fixed)")
        ax.set_title(name)
        ax.set_yticks([])
    axes[0].legend(frameon=False)
    figure.suptitle("Prior and posterior of each calibrated parameter")
    return figure


def plot_posterior_predictive(
    predictive: pd.DataFrame, published: dict[str, float | None]
) -> Figure:
    """One panel per published figure: its posterior predictive distribution, the central 90%
    band, and the published value."""
    names = [name for name, value in published.items() if value is not None]
    figure, axes = _grid(len(names))
    for ax, name in zip(axes, names, strict=False):
        sample = predictive[name].to_numpy(dtype=float)
        low, high = np.quantile(sample, [0.05, 0.95])
        ax.hist(sample, bins=_bins(sample), color=POSTERIOR_COLOUR, alpha=0.6, density=True)
        ax.axvspan(low, high, color=POSTERIOR_COLOUR, alpha=0.12, label="90% band")
        ax.axvline(published[name], color=OBSERVED_COLOUR, lw=2, label="published")
        ax.set_title(name)
        ax.set_yticks([])
    axes[0].legend(frameon=False)
    figure.suptitle("Posterior predictive check: simulated against published figures")
    return figure
