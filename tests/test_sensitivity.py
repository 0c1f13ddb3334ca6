"""Global sensitivity: estimators against known indices, inputs, a scenario and the command."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy.stats import sobol_indices as scipy_sobol_indices

import coopsim
from coopsim.analyses.sensitivity.analysis import default_samples
from coopsim.analyses.sensitivity.inputs import apply_inputs, available_inputs, resolve_inputs
from coopsim.analyses.sensitivity.methods import (
    morris_design,
    morris_effects,
    saltelli_design,
    sobol_indices,
    split_saltelli,
)
from coopsim.cli.main import main
from coopsim.errors import InputError
from coopsim.inputs.settings import with_setting
from coopsim.model.parameter_sets import ParameterSets
from coopsim.model.plan import compile_plan
from coopsim.plots.sensitivity import plot_sensitivity, plot_sensitivity_overview

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_estimates_the_ishigami_indices():
    points = saltelli_design(4096, 3, seed=1)
    found = sobol_indices(*split_saltelli(ishigami(points), 3), resamples=300, seed=2)
    first, total = ishigami_indices()
    # tolerance: 0.03, about three bootstrap standard errors at n = 4096
    np.testing.assert_allclose(found.first, first, atol=0.03)
    np.testing.assert_allclose(found.total, total, atol=0.03)
    assert np.all(found.first_interval[:, 0] <= first + 0.01)
    assert np.all(first - 0.01 <= found.first_interval[:, 1])
    assert np.all(found.total_interval[:, 0] <= total + 0.01)
    assert np.all(total - 0.01 <= found.total_interval[:, 1])


def test_sobol_on_a_linear_model_and_against_scipy():
    """y = 3 x1 + 1 x2 + 0 x3 on uniforms: indices a_i^2 / sum a^2, first = total, an input
    without effect exactly 0; the estimators are scipy.stats.sobol_indices's."""
    n, d = 1024, 3
    points = saltelli_design(n, d, seed=5)
    outputs = points @ np.array([3.0, 1.0, 0.0])
    f_a, f_b, f_ab = split_saltelli(outputs, d)
    found = sobol_indices(f_a, f_b, f_ab, resamples=200, seed=1)
    np.testing.assert_allclose(found.first, [0.9, 0.1, 0.0], atol=0.02)
    np.testing.assert_allclose(found.total, [0.9, 0.1, 0.0], atol=0.02)
    assert found.first[2] == 0 and found.total[2] == 0
    reference = scipy_sobol_indices(
        func={"f_A": f_a[None], "f_B": f_b[None], "f_AB": f_ab[:, None]}, n=n
    )
    np.testing.assert_allclose(found.first, reference.first_order, atol=1e-12)
    np.testing.assert_allclose(found.total, reference.total_order, atol=1e-12)


def test_constant_output_has_no_indices():
    points = saltelli_design(16, 2, seed=1)
    found = sobol_indices(*split_saltelli(np.ones(len(points)), 2), resamples=10)
    assert np.isnan(found.first).all() and found.variance == 0


def test_morris_effects_of_a_linear_model_are_its_slopes():
    points, moves = morris_design(20, 3, seed=4)
    assert points.shape == (20 * 4, 3) and points.min() >= 0 and points.max() <= 1
    found = morris_effects(points @ np.array([2.0, -0.5, 0.0]), moves, resamples=50)
    np.testing.assert_allclose(found.mu_star, [2.0, 0.5, 0.0])
    np.testing.assert_allclose(found.mu, [2.0, -0.5, 0.0])
    np.testing.assert_allclose(found.sigma, 0.0, atol=1e-12)


def test_morris_ranks_the_ishigami_inputs():
    points, moves = morris_design(64, 3, seed=3)
    found = morris_effects(ishigami(points), moves, resamples=50)
    assert found.sigma[2] > found.mu_star[2] / 2  # x3 acts only through its interaction
    assert found.mu_star.min() > 1


def test_inputs_are_the_levers_and_the_calibration_priors(baseline):
    inputs = {i.name: i for i in available_inputs(baseline)}
    assert "founding.mean_per_year" in inputs and "quality.upgrade_per_year.weak" in inputs
    assert "stock_revision" not in inputs  # an observation term, not a forecast parameter
    assert "founding.dispersion" not in inputs  # left to the founding_dispersion parameter
    upgrade = inputs["upgrade_scale"]
    assert upgrade.kind == "parameter"
    frozen = baseline.calibration.priors["upgrade_scale"].frozen()
    assert upgrade.low == pytest.approx(frozen.ppf(0.05))
    assert upgrade.high == pytest.approx(frozen.ppf(0.95))
    assert upgrade.at(0.5) == pytest.approx(1.0) and upgrade.value == pytest.approx(1.0)
    lever = inputs["founding.mean_per_year"]
    assert lever.kind == "lever" and lever.value == 35 and lever.low < 35 < lever.high


def test_inputs_apply_as_set_and_posterior_do(baseline, region):
    chosen = resolve_inputs(baseline, ["quality.upgrade_per_year.weak", "dissolution_scale"])
    plan = apply_inputs(
        baseline.model_dump(), lambda s: compile_plan(s, region.data), chosen, [0.3, 1.5]
    )
    set_plan = compile_plan(
        with_setting(baseline, "quality.upgrade_per_year.weak", 0.3), region.data
    )
    sets = ParameterSets({"dissolution_scale": np.array([1.5])})
    expected = replace(set_plan, parameter_sets=sets).for_replicate(0)
    np.testing.assert_array_equal(plan.initial.latent, expected.initial.latent)
    for mine, theirs in zip(plan.periods, expected.periods, strict=True):
        np.testing.assert_allclose(mine.hazards.upgrade, theirs.hazards.upgrade)
        np.testing.assert_allclose(mine.hazards.dissolution, theirs.hazards.dissolution)


def test_bad_inputs_are_refused(baseline):
    with pytest.raises(InputError, match="not a lever or uncertain parameter"):
        resolve_inputs(baseline, ["founding.mean_per_yaer"])
    with pytest.raises(InputError, match="LOW < HIGH"):
        resolve_inputs(baseline, ["founding.mean_per_year=40:20"])
    with pytest.raises(InputError, match="not a setting"):
        resolve_inputs(baseline, ["founding.nothing=1:2"])
    custom = resolve_inputs(baseline, ["members.new_cooperative_mean=10:40"])[0]
    assert (custom.low, custom.high, custom.value) == (10, 40, 25)


def test_default_samples_fit_the_budget():
    assert default_samples("sobol", 16, exact=True) == 128  # 128 x 18 = 2,304 points
    assert default_samples("sobol", 63, exact=True) == 32
    assert default_samples("sobol", 2, exact=False) == 512
    assert default_samples("morris", 16, exact=False) == 64


def test_scenario_indices_exact(baseline, region):
    """On the exact engine: upgrades cannot move the founding targets (index exactly 0),
    the founding rate moves them most; the same seed gives the same table."""
    names = ["founding.mean_per_year", "quality.upgrade_per_year.weak", "upgrade_scale"]
    run = coopsim.sensitivity(
        baseline, inputs=names, samples=16, workers=1, region=region, resamples=200
    )
    assert run.engine == "exact" and run.replications == 0
    assert run.evaluations == 16 * 5 + 7
    table = run.table.set_index(["target", "input"])
    for target in ("new_cooperatives_2024", "new_cooperatives_2024_at_least_20"):
        assert table.loc[(target, "founding.mean_per_year"), "total"] > 0.5
        assert table.loc[(target, "founding.mean_per_year"), "rank"] == 1
        for name in names[1:]:
            assert table.loc[(target, name), "total"] == 0
            row = table.loc[(target, name)]
            assert row.probability_at_low == row.probability_at_high == row.probability_at_value
    share = table.loc[("well_operating_share_2030", "quality.upgrade_per_year.weak")]
    assert share.probability_at_high > share.probability_at_low
    again = coopsim.sensitivity(
        baseline, inputs=names, samples=16, workers=1, region=region, resamples=200
    )
    pd.testing.assert_frame_equal(run.table, again.table)
    ax = plot_sensitivity(run, "new_cooperatives_2024", ax=Figure().subplots())
    assert len(ax.patches) == 2 * len(names)
    swing = plot_sensitivity(run, "well_operating_share_2030", ax=Figure().subplots(), swing=True)
    assert swing.get_xlim()[1] > 1
    figure = plot_sensitivity_overview(run, figure=Figure())
    assert len(figure.axes) == 2 * len(run.spreads)


def test_scenario_indices_with_common_random_numbers(baseline, region):
    """On the fast engine every point runs with the same seed: an upgrade rate's index on the
    founding target stays near 0 (only the stream's use shifts), the founding rate's is large."""
    run = coopsim.sensitivity(
        baseline,
        inputs=["founding.mean_per_year", "quality.upgrade_per_year.weak"],
        samples=16,
        engine="fast",
        workers=1,
        region=region,
        resamples=200,
    )
    assert run.engine == "fast" and run.replications == 256
    table = run.table.set_index(["target", "input"])
    target = "new_cooperatives_2024"
    assert table.loc[(target, "founding.mean_per_year"), "total"] > 0.7
    assert table.loc[(target, "quality.upgrade_per_year.weak"), "total"] < 0.05
    assert 0 < run.spreads[target].noise_share < 0.1


def test_morris_on_a_scenario(baseline, region):
    run = coopsim.sensitivity(
        baseline,
        method="morris",
        inputs=["founding.mean_per_year", "downgrade_scale"],
        samples=8,
        workers=1,
        region=region,
        resamples=100,
    )
    table = run.table.set_index(["target", "input"])
    assert (
        table.loc[("new_cooperatives_2024_at_least_20", "founding.mean_per_year"), "mu_star"] > 0.3
    )
    assert table.loc[("new_cooperatives_2024_at_least_20", "downgrade_scale"), "mu_star"] == 0


def test_command_writes_its_outputs(tmp_path, capsys):
    out = tmp_path / "sens"
    args = ["sensitivity", str(BASELINE), "--input", "founding.mean_per_year"]
    args += ["--input", "upgrade_scale", "--samples", "16", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "new_cooperatives_2024: P = 0.299 now" in printed and "tornado.png" in printed
    frame = pd.read_csv(out / "sensitivity.csv")
    assert len(frame) == 4 * 2
    assert {"target", "input", "first_order", "first_order_low", "total", "total_high"} <= set(
        frame.columns
    )
    assert (out / "tornado.png").stat().st_size > 20_000
    summary = json.loads((out / "sensitivity.json").read_text())
    assert summary["engine"] == "exact" and len(summary["inputs"]) == 2
    assert json.loads((out / "provenance.json").read_text())["seed"] == 2024


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--input", "nothing"], "--input: 'nothing' is not a lever"),
        (["--samples", "100"], "power of 2"),
        (["--method", "fast99"], "invalid choice"),
        (["--set", "founding.mean_per_year=-1"], "founding.mean_per_year"),
        (["--input", "founding.mean_per_year=3"], "PATH=LOW:HIGH"),
    ],
)
def test_bad_input_exits_2(tmp_path, capsys, extra, needle):
    out = tmp_path / "never"
    assert _exit_code(["sensitivity", str(BASELINE), *extra, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert needle in error and "Traceback" not in error
    assert not out.exists()


def test_exact_engine_refused_for_programmes(tmp_path, capsys):
    scenario = ROOT / "scenarios" / "model_coop_project.toml"
    code = main(["sensitivity", str(scenario), "--engine", "exact", "--out", str(tmp_path / "x")])
    assert code == 2 and "--engine exact" in capsys.readouterr().err


def _exit_code(argv: list[str]) -> int:
    """The command's exit status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code)


@pytest.mark.slow
def test_default_run_on_two_workers(baseline, region):
    run = coopsim.sensitivity(baseline, workers=2, region=region)
    assert run.samples == 128
    table = run.table.set_index(["target", "input"])
    assert table.loc[("new_cooperatives_2024", "founding.mean_per_year"), "rank"] == 1
    single = coopsim.sensitivity(
        baseline, workers=1, region=region, inputs=[i.name for i in run.inputs]
    )
    pd.testing.assert_frame_equal(run.table, single.table)
