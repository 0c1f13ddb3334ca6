"""Every chart is a function of coopsim.plots that draws on the Axes (or Figure) it is given and
returns it; every chart shares one palette; results and analyses draw nothing."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.colors as mcolors
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import coopsim
import coopsim.plots
from coopsim.brief import charts
from coopsim.brief.catalogue import Lang
from coopsim.plots import style
from coopsim.plots.compare import plot_target_probabilities

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["baseline.toml", "resolution20.toml", "stagnation.toml"]


@pytest.fixture(scope="module")
def comparison(region) -> coopsim.Comparison:
    files = [ROOT / "scenarios" / name for name in SCENARIOS]
    return coopsim.compare(files, replications=64, engine="fast", workers=1)


@pytest.fixture(scope="module")
def results(baseline, baseline_run, comparison, region) -> dict[str, Any]:
    """One result of each kind a chart draws."""
    return {
        "forecast": baseline_run,
        "comparison": comparison,
        "sensitivity": coopsim.sensitivity(
            baseline,
            inputs=["founding.mean_per_year", "upgrade_scale"],
            samples=8,
            workers=1,
            region=region,
            resamples=50,
        ),
        "calibration": coopsim.calibrate(baseline, region.data, draws=100, warmup=100),
        "goal_seek": coopsim.goal_seek(
            baseline,
            "new_cooperatives_2024_at_least_20",
            "founding.mean_per_year",
            0.9,
            engine="exact",
            region=region,
        ),
    }


#: Each chart: the result it draws, how it is called with `where` (an Axes or a Figure), and
#: whether it takes figure= (several panels) rather than ax=.
CHARTS: dict[str, tuple[str, Callable[[Any, Any], Any], bool]] = {
    "plot_fan": ("forecast", lambda r, ax: coopsim.plot_fan(r, "founded", ax=ax), False),
    "plot_trajectories": (
        "forecast",
        lambda r, ax: coopsim.plot_trajectories(r, "cooperatives", replicates=5, ax=ax),
        False,
    ),
    "plot_time_to_target": ("forecast", lambda r, ax: coopsim.plot_time_to_target(r, ax=ax), False),
    "plot_overlaid_fans": (
        "comparison",
        lambda r, ax: coopsim.plot_overlaid_fans(r, "well_operating_share", ax=ax),
        False,
    ),
    "plot_target_probabilities": (
        "comparison",
        lambda r, ax: coopsim.plot_target_probabilities(r, ax=ax),
        False,
    ),
    "plot_target_differences": (
        "comparison",
        lambda r, ax: coopsim.plot_target_differences(r, ax=ax),
        False,
    ),
    "plot_sensitivity": ("sensitivity", lambda r, ax: coopsim.plot_sensitivity(r, ax=ax), False),
    "plot_sensitivity_overview": (
        "sensitivity",
        lambda r, figure: coopsim.plot_sensitivity_overview(r, figure=figure),
        True,
    ),
    "plot_prior_posterior": (
        "calibration",
        lambda r, figure: coopsim.plot_prior_posterior(r, figure=figure),
        True,
    ),
    "plot_posterior_predictive": (
        "calibration",
        lambda r, figure: coopsim.plot_posterior_predictive(r, figure=figure),
        True,
    ),
    "plot_goal_seek": ("goal_seek", lambda r, ax: coopsim.plot_goal_seek(r, ax=ax), False),
}


def drawn(ax: Axes) -> list[Any]:
    """The data artists on an Axes (not its spines, ticks or labels)."""
    return [*ax.lines, *ax.collections, *ax.patches, *ax.images]


def test_every_public_chart_is_covered() -> None:
    public = {name for name in coopsim.plots.__all__ if name.startswith("plot_")}
    assert public == set(CHARTS)
    assert public <= set(coopsim.__all__)


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_a_chart_draws_on_what_it_is_given(name: str, results: dict[str, Any]) -> None:
    kind, draw, panels = CHARTS[name]
    if panels:
        figure = Figure(layout="constrained")
        assert draw(results[kind], figure) is figure
        shown = [ax for ax in figure.axes if ax.get_visible()]
        assert shown and all(drawn(ax) for ax in shown)
    else:
        figure = Figure()
        ax = figure.subplots()
        assert draw(results[kind], ax) is ax
        assert drawn(ax)
        assert figure.axes == [ax]  # nothing drawn elsewhere


def test_the_brief_and_compare_charts_colour_scenarios_alike(comparison, monkeypatch) -> None:
    """The brief's comparison chart and coopsim.plot_target_probabilities give scenario i the
    same colour, the palette's i-th."""
    ax = plot_target_probabilities(comparison, ax=Figure().subplots())
    compare_colours = [c.lines[0].get_color() for c in ax.containers]
    captured: list[Figure] = []
    monkeypatch.setattr(charts, "embed", lambda figure, alt: captured.append(figure))
    table = comparison.table()
    points = [
        charts.ProbabilityPoint(r.target, r.scenario, r.probability, r.ci95_low, r.ci95_high)
        for r in table.itertuples()
    ]
    sentences = {name: name for name in comparison.targets}
    charts.comparison_chart(points, sentences, comparison.labels, Lang("en"))
    brief_colours = [c.lines[0].get_color() for c in captured[0].axes[0].containers]
    expected = list(style.SCENARIO_COLOURS[: len(comparison.labels)])
    assert len(comparison.labels) == 3
    assert [mcolors.to_hex(c) for c in compare_colours] == expected
    assert [mcolors.to_hex(c) for c in brief_colours] == expected


def test_fan_charts_use_the_palette(baseline_run) -> None:
    ax = coopsim.plot_fan(baseline_run, "founded", ax=Figure().subplots())
    median = next(line for line in ax.lines if line.get_label() == "median")
    assert mcolors.to_hex(median.get_color()) == style.BAND_COLOUR
    zone = next(c for c in ax.collections if c.get_label() == "target zone")
    assert mcolors.to_hex(zone.get_facecolor()[0], keep_alpha=False) == style.TARGET_COLOUR


@pytest.mark.parametrize("stage", ["results", "analyses"])
def test_results_and_analyses_import_no_matplotlib(stage: str) -> None:
    """Numbers only: no module under coopsim/results or coopsim/analyses imports matplotlib."""
    found = []
    for path in sorted((ROOT / "coopsim" / stage).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "matplotlib"]
    assert not found
