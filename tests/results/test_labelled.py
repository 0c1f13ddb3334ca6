"""Labelled arrays: a forecast as an xarray Dataset (replicate, year) and a comparison with a
scenario dimension, holding the same numbers as the tables."""

from __future__ import annotations

import numpy as np
import pytest

from coopsim.analyses.compare import compare
from coopsim.analyses.forecast import forecast
from coopsim.results.forecast_result import QUANTILE_LEVELS

from ..conftest import BASELINE, ROOT


def test_to_xarray_holds_the_replicates_and_its_quantiles_equal_quantiles(baseline_run):
    ds = baseline_run.to_xarray()
    assert dict(ds.sizes) == {"replicate": 200, "year": len(baseline_run.years)}
    assert ds.attrs["seed"] == 7 and ds.attrs["engine"] == "des"
    assert ds.attrs["scenario"] == baseline_run.scenario.name
    assert set(ds.data_vars) == set(baseline_run.modelled_metrics())
    assert np.array_equal(ds["founded"].sel(year=2024), baseline_run.metric("founded", 2024))
    table = baseline_run.quantiles().set_index(["metric", "year"])
    levels = list(QUANTILE_LEVELS.values())
    for metric in ("cooperatives", "well_operating_share", "members"):
        found = ds[metric].quantile(levels, dim="replicate")
        for key, level in QUANTILE_LEVELS.items():
            for year in baseline_run.years:
                expected = table.loc[(metric, year), key]
                got = float(found.sel(quantile=level, year=year))
                assert got == pytest.approx(expected, rel=1e-12), (metric, year, key)


def test_a_comparison_has_a_scenario_dimension(region):
    files = [BASELINE, ROOT / "scenarios" / "resolution20.toml"]
    comparison = compare(files, replications=60, seed=3, workers=1, engine="fast")
    ds = comparison.to_xarray()
    assert list(ds["scenario"].values) == comparison.labels
    assert ds.sizes["scenario"] == 2 and ds.sizes["replicate"] == 60
    for index, result in enumerate(comparison.results):
        assert np.array_equal(
            ds["founded"].isel(scenario=index).sel(year=2025), result.metric("founded", 2025)
        )


def test_the_exact_engine_has_no_replicates_to_label(baseline, region):
    result = forecast(baseline, engine="exact", region=region)
    with pytest.raises(ValueError, match="no replicates"):
        result.to_xarray()


def test_forecast_netcdf_writes_the_same_replicates_as_the_parquet(tmp_path):
    import pandas as pd
    import xarray as xr

    from coopsim.cli.main import main

    out = tmp_path / "out"
    argv = ["forecast", str(BASELINE), "--replications", "40", "--workers", "1", "--quiet"]
    assert main([*argv, "--netcdf", "--out", str(out)]) == 0
    with xr.open_dataset(out / "trajectories.nc", engine="h5netcdf") as ds:
        table = pd.read_parquet(out / "trajectories.parquet")
        founded = table.pivot(index="replicate", columns="year", values="founded")
        assert np.array_equal(ds["founded"].values, founded.to_numpy())
        assert ds.attrs["seed"] == 2024 and ds.attrs["scenario"] == "baseline"
