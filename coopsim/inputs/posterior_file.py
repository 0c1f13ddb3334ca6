"""Read a posterior written by `coopsim calibrate` (posterior.csv, or the ArviZ record
posterior.nc), checking every column and value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from coopsim.errors import InputError
from coopsim.inputs.priors import PARAMETERS, POSITIVE

#: Columns of posterior.csv that say where a draw comes from (kept for diagnostics).
INDEX_COLUMNS = ("chain", "draw")


def _netcdf_draws(path: Path) -> pd.DataFrame:
    """The posterior group of an ArviZ netCDF file, one row per (chain, draw) in chain order;
    parameters the file holds as constants (e.g. a fixed stock_revision) are not in it."""
    try:
        import xarray as xr

        with xr.open_dataset(path, group="posterior", engine="h5netcdf") as posterior:
            frame = posterior.to_dataframe()
    except (OSError, ValueError, KeyError) as error:
        raise InputError(str(path), f"not an ArviZ posterior file ({error})") from None
    return frame.reset_index(drop=True)


def read_posterior(path: str | Path) -> pd.DataFrame:
    """The draws of a posterior file: one row per draw, one column per known parameter."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(
            source, "no such file; give the posterior.csv or posterior.nc of a calibration folder"
        )
    if path.suffix == ".nc":
        draws = _netcdf_draws(path)
    else:
        try:
            draws = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise InputError(source, f"not a readable CSV file ({error})") from None
        draws = draws.drop(columns=[c for c in INDEX_COLUMNS if c in draws.columns])
    unknown = [c for c in draws.columns if c not in PARAMETERS]
    if unknown:
        raise InputError(
            source,
            f"unknown column {unknown[0]!r}; allowed: {', '.join(PARAMETERS)}",
            str(unknown[0]),
        )
    if draws.empty:
        raise InputError(source, "has no draws (rows)")
    for column in draws.columns:
        values = pd.to_numeric(draws[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | ((values <= 0) if column in POSITIVE else False)
        if bad.any():
            row = int(np.argmax(bad))
            allowed = "a positive number" if column in POSITIVE else "a number"
            raise InputError(
                source,
                f"{draws[column].iloc[row]!r} is not allowed (must be {allowed})",
                str(column),
                line=row + 2,
            )
        draws[column] = values
    return draws
