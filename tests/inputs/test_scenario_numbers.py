"""Scenario settings: nan and inf (valid TOML) are refused wherever a number is read, from a
file or from --set, as every other bad value is."""

from __future__ import annotations

import pytest

from coopsim.errors import InputError
from coopsim.inputs.scenario import load_scenario
from coopsim.inputs.settings import with_setting

from .support import BACKTEST, BASELINE, refused

SETTINGS = [
    "founding.mean_per_year",
    "founding.dispersion",
    "founding.entry_class.good",
    "quality.upgrade_per_year.fair",
    "quality.downgrade_per_year.good",
    "quality.dissolution_per_year.weak",
    "members.new_cooperative_mean",
    "members.new_cooperative_minimum",
    "members.dispersion",
    "targets.well_operating_share_2024.threshold",
    "targets.new_cooperatives_2024.range",
    "initial.snapshot_year",
    "horizon_year",
]


@pytest.mark.parametrize("path", SETTINGS)
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "+inf"])
def test_nan_and_inf_are_refused_by_set(tmp_path, path, bad):
    value = f"[{bad}, 30]" if path.endswith(".range") else bad
    out = tmp_path / "out"
    for command in ("validate", "forecast"):
        argv = [command, BASELINE, "--set", f"{path}={value}"]
        (problem,) = refused(*argv, *(["--out", out] if command == "forecast" else []), out=out)
        assert problem.file == f"--set {path}={value}", problem
        assert problem.field in (path, f"{path}.0"), problem
        assert "finite number" in problem.rest, problem


def test_nan_in_a_scenario_file_is_refused_at_its_line(tmp_path):
    scenario = tmp_path / "mine.toml"
    scenario.write_text(
        f'extends = "{BASELINE.as_posix()}"\n'
        "[levers.credit]\n"
        'group = "credit"\n'
        "start = 2025-01-01\n"
        "ramp_up_years = nan\n"
        "effects = { upgrade = inf, downgrade = 1.0 }\n"
        "[programmes.advice]\n"
        "start = 2025-01-01\n"
        "capacity_per_year = 10\n"
        "cost_per_cooperative_million_vnd = -inf\n"
        "budget_million_vnd = 100.0\n"
        "support_years = nan\n"
        "effects = { upgrade = 1.2 }\n"
    )
    problems = refused("validate", scenario)
    assert [(p.line, p.field) for p in problems] == [
        (5, "levers.credit.ramp_up_years"),
        (6, "levers.credit.effects.upgrade"),
        (10, "programmes.advice.cost_per_cooperative_million_vnd"),
        (12, "programmes.advice.support_years"),
    ]
    assert {p.file for p in problems} == {str(scenario)}


def test_nan_in_a_prior_is_refused(tmp_path):
    scenario = tmp_path / "priors.toml"
    scenario.write_text(
        f'extends = "{BACKTEST.as_posix()}"\n'
        "[calibration.priors.founding_scale]\n"
        'distribution = "uniform"\n'
        "low = 0.5\n"
        "high = inf\n"
        'reason = "none"\n'
    )
    (problem,) = refused("validate", scenario)
    assert (problem.line, problem.field) == (5, "calibration.priors.founding_scale.high")


def test_with_setting_refuses_nan_as_set_does():
    base = load_scenario(BASELINE).scenario
    with pytest.raises(InputError, match="finite number"):
        with_setting(base, "founding.mean_per_year", float("nan"))
