"""Per-replicate results as labelled arrays (xarray): dims replicate and year, one variable
per metric, and a scenario dimension for a comparison, so researchers can select, group and
reduce with the tools they already use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coopsim.metrics import METRIC_INDEX, metric_info

#: A Monte Carlo forecast result (coopsim.results.forecast_result.ForecastResult, which
#: imports this module): anything with data, years, modelled_metrics(), scenario, region,
#: engine, seed and replications.
ForecastResult = Any


def forecast_dataset(result: ForecastResult) -> Any:
    """An xarray Dataset of a Monte Carlo forecast: dims (replicate, year), one variable per
    modelled metric (read a metric at a time), attrs with seed, engine, scenario, region and
    the replicate count."""
    import numpy as np
    import xarray as xr

    assert result.data is not None
    variables = {}
    for name in result.modelled_metrics():
        info = metric_info(name)
        variables[name] = xr.Variable(
            ("replicate", "year"),
            result.data.column(METRIC_INDEX[name]),
            attrs={"long_name": info.label, "units": info.unit},
        )
    return xr.Dataset(
        variables,
        coords={"replicate": np.arange(result.replications), "year": list(result.years)},
        attrs={
            "scenario": result.scenario.name,
            "region": result.region.region.name,
            "engine": result.engine,
            "seed": result.seed,
            "replications": result.replications,
        },
    )


def comparison_dataset(labels: Sequence[str], results: Sequence[ForecastResult]) -> Any:
    """The scenarios of a paired comparison on one Dataset: dims (scenario, replicate, year);
    replicate i of every scenario ran with the same random numbers."""
    import xarray as xr

    datasets = [forecast_dataset(result) for result in results]
    combined = xr.concat(datasets, dim="scenario", join="outer", combine_attrs="drop")
    combined = combined.assign_coords(scenario=list(labels))
    first = datasets[0].attrs
    combined.attrs = {key: first[key] for key in ("region", "engine", "seed", "replications")}
    return combined
