"""Fan charts drawn from the quantiles they claim to show."""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest
from matplotlib.figure import Figure

from coopsim.plots.fan import (
    BANDS,
    charted_metrics,
    percent,
    plot_fan,
    save_fan_charts,
    save_forecast_charts,
)


def test_fan_bands_are_the_computed_quantiles(baseline_run):
    figure = Figure()
    ax = plot_fan(baseline_run, "cooperatives", ax=figure.subplots())
    table = baseline_run.metric_quantiles("cooperatives")
    bands = [c for c in ax.collections if c.get_label() in {b[2] for b in BANDS}]
    assert len(bands) == 3
    for (low, high, label, _), band in zip(BANDS, bands, strict=True):
        assert band.get_label() == label
        vertices = band.get_paths()[0].vertices
        for year in baseline_run.years:
            at_year = vertices[np.isclose(vertices[:, 0], year), 1]
            assert np.min(at_year) == pytest.approx(table.loc[year, low])
            assert np.max(at_year) == pytest.approx(table.loc[year, high])
    # The fan opens from the known starting stock.
    start = vertices[np.isclose(vertices[:, 0], 2023), 1]
    assert np.allclose(start, 1025)
    median = next(line for line in ax.lines if line.get_label() == "median")
    assert np.allclose(median.get_ydata()[1:], table["q50"].to_numpy())


def test_a_single_year_fan_draws_its_bands_as_boxes_with_room_for_its_label():
    import warnings

    import coopsim
    from coopsim.plots.fan import SINGLE_YEAR_BOX

    from .conftest import ROOT

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scenario = coopsim.load_scenario(ROOT / "scenarios" / "backtest_2023.toml").scenario
        result = coopsim.forecast(scenario, engine="exact", seed=1)
    assert list(result.years) == [2023]
    figure = Figure(figsize=(7, 4.5))
    ax = plot_fan(result, "founded", ax=figure.subplots())
    table = result.metric_quantiles("founded")
    bands = [c for c in ax.collections if c.get_label() in {b[2] for b in BANDS}]
    assert len(bands) == 3
    for (low, high, _, _), band in zip(BANDS, bands, strict=True):
        vertices = band.get_paths()[0].vertices
        assert np.ptp(vertices[:, 0]) == pytest.approx(2 * SINGLE_YEAR_BOX)  # a box, not a line
        assert np.min(vertices[:, 1]) == pytest.approx(table.loc[2023, low])
        assert np.max(vertices[:, 1]) == pytest.approx(table.loc[2023, high])
    figure.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks) and 2023 in ticks
    axes_box = ax.get_window_extent()
    (label,) = [t for t in ax.texts if "P = " in t.get_text()]
    box = label.get_window_extent()
    assert axes_box.x0 <= box.x0 and box.x1 <= axes_box.x1  # inside the axes, off the y label


def test_target_zones_and_probabilities_are_drawn(baseline_run):
    ax = plot_fan(baseline_run, "founded", ax=Figure().subplots())
    texts = [t.get_text() for t in ax.texts]
    est = baseline_run.targets["new_cooperatives_2024"]
    assert any(
        t.startswith("new_cooperatives_2024\n") and percent(est.probability) in t for t in texts
    )
    zone = next(c for c in ax.collections if c.get_label() == "target zone")
    vertices = zone.get_paths()[0].vertices
    assert vertices[:, 1].min() == pytest.approx(20) and vertices[:, 1].max() == pytest.approx(30)
    published = next(line for line in ax.lines if line.get_label() == "published")
    assert list(published.get_xdata()) == [2023] and list(published.get_ydata()) == [35]


def test_one_png_per_charted_metric(baseline_run, tmp_path):
    paths = save_fan_charts(baseline_run, tmp_path)
    assert [p.name for p in paths] == [f"fan_{m}.png" for m in charted_metrics(baseline_run)]
    assert charted_metrics(baseline_run) == ["cooperatives", "founded", "well_operating_share"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_forecast_charts_are_the_same_drawn_in_one_process_or_two(baseline_run, tmp_path):
    guarded = []

    def guard(name):
        guarded.append(name)
        return contextlib.nullcontext()

    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    paths = save_forecast_charts(baseline_run, one, processes=1, guard=guard)
    names = [f"fan_{m}.png" for m in charted_metrics(baseline_run)] + ["time_to_target.png"]
    assert [p.name for p in paths] == names and guarded == names
    save_forecast_charts(baseline_run, two)  # every other chart drawn by a forked copy
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


def test_a_chart_the_forked_copy_could_not_write_is_written_again(baseline_run, tmp_path):
    from coopsim.plots import fan

    def fails(work):
        return _failing_fork()  # a copy that wrote nothing and failed

    original = fan._forked
    fan._forked = fails
    try:
        paths = save_forecast_charts(baseline_run, tmp_path)
    finally:
        fan._forked = original
    assert all(path.stat().st_size > 10_000 for path in paths)


def _failing_fork() -> int:
    """The pid of a finished child process that exited with status 1."""
    pid = os.fork()
    if pid == 0:
        os._exit(1)
    return pid


def test_percent_keeps_small_probabilities_visible():
    assert percent(0.334) == "33%"
    assert percent(0.004) == "0.4%"
    assert percent(0.9995) == "100.0%"
