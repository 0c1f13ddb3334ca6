"""Forecasts that carry the posterior: two-level ensembles, the variance split, and the
calibrate / forecast --posterior commands."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from coopsim.analyses.calibration.workflow import calibrate
from coopsim.analyses.forecast import forecast
from coopsim.cli.main import main
from coopsim.engines import fast
from coopsim.engines.des.simulation import simulate_replicate
from coopsim.model.parameter_sets import choose_sets
from coopsim.model.plan import compile_plan
from coopsim.results.variance import split_variance
from coopsim.runs.simulate import simulate

from .conftest import BASELINE, ROOT

#: The fast engine cut into one-block chunks, so a small run spans several workers.
FINE_FAST = replace(fast.ENGINE, largest_chunk=fast.FAST_BLOCK, smallest_chunk=fast.FAST_BLOCK)


@pytest.fixture(scope="module")
def posterior(baseline, region) -> pd.DataFrame:
    return calibrate(baseline, region.data, draws=400, seed=3, warmup=300).draws


@pytest.fixture(scope="module")
def posterior_file(posterior, tmp_path_factory):
    path = tmp_path_factory.mktemp("posterior") / "posterior.csv"
    posterior.to_csv(path, index=False)
    return path


def test_variance_split_recovers_known_parts():
    """Sets with between-set variance 4 and within-set variance 9: each estimate within 3 of
    its standard errors (from the sampling distribution of the method of moments)."""
    rng = np.random.default_rng(1)
    sets, per_set = 400, 10
    means = rng.normal(0, 2, sets)
    groups = np.tile(np.arange(sets), per_set)
    values = means[groups] + rng.normal(0, 3, groups.size)
    split = split_variance(values, groups)
    assert split.stochastic == pytest.approx(9, abs=3 * 9 * np.sqrt(2 / (sets * (per_set - 1))))
    assert split.parameter == pytest.approx(4, abs=3 * np.sqrt(2 / sets) * (4 + 9 / per_set))
    assert split.mean_stderr == pytest.approx(np.sqrt((4 + 9 / per_set) / sets), rel=0.25)


def test_posterior_widens_the_fans_and_splits_the_variance(baseline, region, posterior):
    plain = forecast(baseline, replications=2000, seed=4, engine="fast", region=region)
    carried = forecast(
        baseline, replications=2000, seed=4, engine="fast", region=region, posterior=posterior
    )
    for metric in ("cooperatives", "well_operating_share"):
        a, b = plain.metric(metric, 2030), carried.metric(metric, 2030)
        assert np.subtract(*np.quantile(b, [0.95, 0.05])) > np.subtract(
            *np.quantile(a, [0.95, 0.05])
        ), metric
    summary = carried.summary()
    assert summary["posterior"]["parameter_sets"] == 200
    cell = summary["metrics"]["cooperatives"]["2030"]
    assert cell["variance_parameter"] > 0 and cell["variance_stochastic"] > 0
    target = summary["targets"]["new_cooperatives_2024"]
    assert 0 <= target["variance"]["parameter_share"] <= 1
    assert "variance" not in plain.summary()["targets"]["new_cooperatives_2024"]


def test_posterior_replicates_do_not_depend_on_workers_and_match_des(baseline, region, posterior):
    plan = compile_plan(baseline, region.data)
    plan = plan.__class__(**{**plan.__dict__, "parameter_sets": choose_sets(posterior, 600, 3)})
    one = simulate(plan, 8, 600, engine=FINE_FAST, workers=1)[0]
    two = simulate(plan, 8, 600, engine=FINE_FAST, workers=2)[0]
    assert np.array_equal(one, two, equal_nan=True)
    des = simulate(plan, 8, 200, engine="des", workers=1)[0]
    index = {"cooperatives": 0, "founded": 1, "dissolved": 2}
    for metric, m in index.items():
        for k in (0, 6):
            a, b = one[:, k, m], des[:, k, m]
            se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            assert abs(a.mean() - b.mean()) < 4 * se, (metric, k)
    # des runs replicate i with set i mod P: the same as running that set's plan directly.
    assert np.array_equal(des[7], simulate_replicate(plan.for_replicate(7), 8, 7), equal_nan=True)


def test_cli_calibrate_then_forecast_with_posterior(tmp_path, capsys):
    out = tmp_path / "cal"
    assert (
        main(["calibrate", str(BASELINE), "--draws", "200", "--seed", "2", "--out", str(out)]) == 0
    )
    for name in (
        "posterior.csv",
        "diagnostics.json",
        "identifiability.csv",
        "calibration.json",
        "prior_posterior.png",
        "posterior_predictive.png",
        "provenance.json",
    ):
        assert (out / name).is_file(), name
    draws = pd.read_csv(out / "posterior.csv")
    assert len(draws) == 200 and "dissolution_scale" in draws.columns
    printed = capsys.readouterr().out
    assert "Posterior predictive check" in printed and "register dropped 3 more" in printed
    forecast_out = tmp_path / "fc"
    code = main(
        [
            "forecast",
            str(BASELINE),
            "--posterior",
            str(out / "posterior.csv"),
            "--replications",
            "300",
            "--quiet",
            "--out",
            str(forecast_out),
        ]
    )
    assert code == 0
    summary = json.loads((forecast_out / "summary.json").read_text())
    assert summary["posterior"]["parameter_sets"] == 30
    assert "from parameters" in capsys.readouterr().out
    assert (out / "posterior.nc").is_file()
    assert list(draws.columns[:2]) == ["chain", "draw"]
    from_netcdf = tmp_path / "fc-nc"
    argv = ["forecast", str(BASELINE), "--replications", "300", "--quiet", "--posterior"]
    assert main([*argv, str(out / "posterior.nc"), "--out", str(from_netcdf)]) == 0
    # The same draws in the same order (200 fill the 4 chains): the same forecast.
    assert json.loads((from_netcdf / "summary.json").read_text())["targets"] == summary["targets"]


def test_bad_posterior_and_exact_engine_are_refused(tmp_path, posterior_file, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("dissolution_scale,colour\n1.0,2\n")
    out = tmp_path / "out"
    assert main(["forecast", str(BASELINE), "--posterior", str(bad), "--out", str(out)]) == 2
    assert "unknown column 'colour'" in capsys.readouterr().err
    negative = tmp_path / "negative.csv"
    negative.write_text("dissolution_scale\n1.0\n-0.5\n")
    assert main(["forecast", str(BASELINE), "--posterior", str(negative), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "dissolution_scale" in err and "positive" in err
    code = main(
        [
            "forecast",
            str(BASELINE),
            "--posterior",
            str(posterior_file),
            "--engine",
            "exact",
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert "use fast or des" in capsys.readouterr().err
    assert not out.exists()


def test_calibrate_needs_priors(tmp_path, capsys):
    scenario = ROOT / "scenarios" / "backtest_2023.toml"
    stripped = tmp_path / "no_priors.toml"
    stripped.write_text(f'extends = "{BASELINE}"\nreplace = ["calibration"]\nname = "no_priors"\n')
    assert scenario.is_file()
    assert main(["calibrate", str(stripped), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "calibration" in err and "no [calibration] table" in err
    assert not (tmp_path / "o").exists()
