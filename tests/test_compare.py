"""Paired scenario comparison: the paired statistics, common random numbers on the engines
compare picks, the output folder and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from coopsim.analyses.compare import compare, paired_difference
from coopsim.cli.main import main
from coopsim.engines.registry import AUTO_PAIRS_DES as AUTO_DES
from coopsim.engines.registry import AUTO_PAIRS_FAST as AUTO_FAST
from coopsim.errors import InputError
from coopsim.inputs.policies import HazardEffects, Lever, LeverEffects, Programme
from coopsim.inputs.scenario import Scenario, Target
from coopsim.plots.compare import (
    plot_overlaid_fans,
    plot_target_differences,
    plot_target_probabilities,
)
from tests.test_cli import BASELINE, ROOT

TARGETS = {
    "share_2026": Target(metric="well_operating_share", year=2026, comparison=">", threshold=0.445),
    "founded_2024": Target(metric="founded", year=2024, comparison=">=", threshold=30),
}


@pytest.fixture(scope="module")
def short(baseline: Scenario) -> Scenario:
    """The baseline to 2026, with targets near its medians (probabilities near one half)."""
    return baseline.model_copy(update={"horizon_year": 2026, "targets": TARGETS, "name": "base"})


def test_paired_difference_counts_disagreements():
    first = np.array([1, 1, 0, 0, 1, 0], dtype=bool)
    other = np.array([1, 0, 1, 0, 1, 1], dtype=bool)
    paired = paired_difference(first, other)
    assert paired.difference == pytest.approx(4 / 6 - 3 / 6)
    assert (paired.better, paired.worse) == (pytest.approx(2 / 6), pytest.approx(1 / 6))
    assert paired.p_better == pytest.approx(2 / 3)
    d = other.astype(float) - first
    assert paired.stderr == pytest.approx(d.std() / np.sqrt(d.size))
    low, high = paired.ci95
    assert -1 <= low < paired.difference < high <= 1
    same = paired_difference(first, first)
    assert same.difference == same.stderr == 0 and np.isnan(same.p_better)
    assert same.ci95[0] <= 0 <= same.ci95[1] and same.ci95[1] - same.ci95[0] < 0.2


def test_paired_interval_covers_the_true_difference_95_percent_of_the_time():
    """400 data sets of 150 pairs (both met 0.3, only the other 0.1, only the first 0.05):
    the coverage of the true difference 0.05 must lie within 3 binomial standard errors of
    0.95 (0.917-0.983)."""
    rng = np.random.default_rng(11)
    cells = rng.choice(4, size=(400, 150), p=[0.3, 0.1, 0.05, 0.55])
    covered = 0
    for row in cells:
        first = (row == 0) | (row == 2)
        other = (row == 0) | (row == 1)
        low, high = paired_difference(first, other).ci95
        covered += low <= 0.05 <= high
    assert 0.917 <= covered / 400 <= 0.983


def test_des_pairing_beats_independent_runs_for_a_programme(short, region):
    """With a support programme compare runs des: founding is identical replicate by
    replicate (difference exactly 0), and each paired standard error is below the unpaired
    one computed from the same runs."""
    programme = Programme(
        start="2024-01-01",
        capacity_per_year=40,
        cost_per_cooperative_million_vnd=1.0,
        budget_million_vnd=1e6,
        support_years=2.0,
        effects=HazardEffects(upgrade=2.0, downgrade=0.5),
    )
    supported = short.model_copy(update={"programmes": {"support": programme}, "name": "prog"})
    result = compare([short, supported], replications=64, seed=5, workers=1)
    assert (result.engine, result.engine_reason) == ("des", AUTO_DES)
    table = result.table().set_index(["scenario", "target"])
    share = table.loc[("prog", "share_2026")]
    assert share.difference > 0
    assert share.difference_stderr < 0.8 * share.unpaired_difference_stderr
    founded = table.loc[("prog", "founded_2024")]
    assert founded.difference == founded.difference_stderr == founded.better == 0
    metrics = result.metric_differences().query("scenario == 'prog'").set_index(["metric", "year"])
    for metric in ("good", "weak", "well_operating_share", "cooperatives"):
        rows = metrics.loc[metric]
        assert (rows.difference_stderr < 0.5 * rows.unpaired_difference_stderr).all(), metric
    assert (metrics.loc["founded"].difference == 0).all()


def test_fast_pairing_beats_independent_runs_where_scenarios_share_randomness(short, region):
    """Without programmes compare runs fast, whose one stream per block pairs less: the
    founding target and founded counts still have a paired standard error below the unpaired
    one (measured about 0.6 of it), class targets about the same (0.95)."""
    lever = Lever(group="training", start="2024-01-01", effects=LeverEffects(upgrade=1.1))
    levered = short.model_copy(update={"levers": {"training": lever}, "name": "lever"})
    result = compare([short, levered], replications=1024, seed=5, workers=1)
    assert (result.engine, result.engine_reason) == ("fast", AUTO_FAST)
    row = result.table().set_index(["scenario", "target"]).loc[("lever", "founded_2024")]
    assert row.difference_stderr < 0.8 * row.unpaired_difference_stderr
    metrics = result.metric_differences().query("scenario == 'lever' and metric == 'founded'")
    assert (metrics.difference_stderr < 0.8 * metrics.unpaired_difference_stderr).all()
    share = result.table().set_index(["scenario", "target"]).loc[("lever", "share_2026")]
    assert share.difference_stderr <= share.unpaired_difference_stderr


def test_identical_scenarios_differ_by_nothing(short, region):
    result = compare([short, short], replications=300, seed=2, engine="fast", workers=1)
    assert result.labels == ["base [1]", "base [2]"]
    table = result.table()
    assert (table[["difference", "difference_stderr", "better", "worse"]] == 0).all().all()
    assert table["p_better"].isna().all()


def test_comparison_charts_draw_on_the_axes_given(short, region):
    result = compare([short, short], replications=64, engine="fast", workers=1)
    figure = Figure()
    for draw in (plot_target_probabilities, plot_target_differences):
        ax = figure.add_subplot()
        assert draw(result, ax=ax) is ax
    ax = figure.add_subplot()
    assert plot_overlaid_fans(result, "well_operating_share", ax=ax) is ax
    assert isinstance(ax, Axes)
    assert result.charted_metrics() == ["cooperatives", "founded", "well_operating_share"]


def test_targets_come_from_the_first_scenario_and_must_fit_every_scenario(short, baseline):
    with pytest.raises(InputError, match=r"target 'well_operating_share_2030' is for 2030"):
        compare([baseline, short], replications=8, engine="fast", workers=1)
    with pytest.raises(InputError, match=r"--engine exact.*no replicates"):
        compare([short, short], replications=8, engine="exact", workers=1)


def run_main(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    try:
        status = main([str(a) for a in args])
    except SystemExit as stop:
        status = stop.code
    out, err = capsys.readouterr()
    return int(status or 0), out, err


def test_command_writes_comparison_csv_and_charts(tmp_path, capsys):
    out = tmp_path / "cmp"
    other = ROOT / "scenarios" / "credit_and_training.toml"
    options = ["--replications", "64", "--engine", "fast", "--workers", "1", "--quiet"]
    status, stdout, err = run_main(capsys, "compare", BASELINE, other, "--out", out, *options)
    assert status == 0, err
    table = pd.read_csv(out / "comparison.csv")
    assert len(table) == 2 * 4 and list(table["scenario"].unique()) == [
        "baseline",
        "credit_and_training",
    ]
    for column in (
        "probability",
        "difference",
        "difference_ci95_low",
        "difference_ci95_high",
        "p_better",
        "better",
        "worse",
    ):
        assert column in table.columns
    names = {p.name for p in out.iterdir()}
    assert {"comparison_metrics.csv", "compare_targets.png", "provenance.json"} <= names
    assert "compare_fan_well_operating_share.png" in names
    assert "new_cooperatives_2024" in stdout and "(reference)" in stdout


def test_command_refuses_a_scenario_without_a_target_year(tmp_path, capsys):
    short_file = tmp_path / "short.toml"
    short_file.write_text(
        f'extends = "{BASELINE}"\nname = "short"\nhorizon_year = 2026\nreplace = ["targets"]\n'
    )
    out = tmp_path / "never"
    status, _, err = run_main(capsys, "compare", BASELINE, short_file, "--out", out)
    assert status == 2 and "Traceback" not in err
    assert str(short_file) in err and "horizon_year" in err and "2030" in err
    assert not out.exists()
    status, _, err = run_main(capsys, "compare", BASELINE, "--out", out)
    assert status == 2 and "at least two scenario files" in err
    status, _, err = run_main(capsys, "compare", BASELINE, BASELINE, "--engine", "exact")
    assert status == 2 and "--engine exact" in err
