"""Calibration charts: each parameter's prior against its posterior, and each published figure
against its posterior predictive distribution."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from coopsim.analyses.calibration.predictive import published_figures
from coopsim.plots.style import BAND_COLOUR, NEUTRAL_COLOUR, OBSERVED_COLOUR

if TYPE_CHECKING:
    from coopsim.analyses.calibration.workflow import CalibrationResult

PRIOR_COLOUR = NEUTRAL_COLOUR
POSTERIOR_COLOUR = BAND_COLOUR


def _grid(panels: int, figure: Figure | None) -> tuple[Figure, np.ndarray]:
    """`panels` Axes in rows of up to three on `figure` (a new one sized to them if None)."""
    columns = min(3, panels)
    rows = math.ceil(panels / columns)
    if figure is None:
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


def plot_prior_posterior(result: CalibrationResult, figure: Figure | None = None) -> Figure:
    """prior_posterior.png's chart: one panel per parameter, its prior density (line) under
    its posterior (histogram), where the two differ the data have spoken; drawn on `figure`
    (a new one if None) and returned.

    >>> import coopsim
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> fit = coopsim.calibrate(scenario, draws=200)
    >>> figure = coopsim.plot_prior_posterior(fit)
    >>> [ax.get_title() for ax in figure.axes][:2]
    ['founding_scale', 'founding_dispersion']
    """
    priors, posterior = result.problem.priors, result.draws
    figure, axes = _grid(len(priors), figure)
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


def plot_posterior_predictive(result: CalibrationResult, figure: Figure | None = None) -> Figure:
    """posterior_predictive.png's chart: one panel per published figure, its posterior
    predictive distribution with the central 90% band and the published value; drawn on
    `figure` (a new one if None) and returned.

    >>> import coopsim
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> fit = coopsim.calibrate(scenario, draws=200)
    >>> figure = coopsim.plot_posterior_predictive(fit)
    >>> figure.axes[0].get_title()
    'founded'
    """
    published = published_figures(result.problem)
    names = [name for name, value in published.items() if value is not None]
    figure, axes = _grid(len(names), figure)
    for ax, name in zip(axes, names, strict=False):
        sample = result.predictive[name].to_numpy(dtype=float)
        low, high = np.quantile(sample, [0.05, 0.95])
        ax.hist(sample, bins=_bins(sample), color=POSTERIOR_COLOUR, alpha=0.6, density=True)
        ax.axvspan(low, high, color=POSTERIOR_COLOUR, alpha=0.12, label="90% band")
        ax.axvline(published[name], color=OBSERVED_COLOUR, lw=2, label="published")
        ax.set_title(name)
        ax.set_yticks([])
    axes[0].legend(frameon=False)
    figure.suptitle("Posterior predictive check: simulated against published figures")
    return figure


def save_calibration_charts(result: CalibrationResult, folder: Path) -> list[Path]:
    """Write prior_posterior.png and posterior_predictive.png into `folder`; returns the paths."""
    paths = [folder / "prior_posterior.png", folder / "posterior_predictive.png"]
    plot_prior_posterior(result).savefig(paths[0], dpi=110)
    plot_posterior_predictive(result).savefig(paths[1], dpi=110)
    return paths
