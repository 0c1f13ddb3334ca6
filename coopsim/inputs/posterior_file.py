"""Read a posterior written by `coopsim calibrate` (posterior.csv, or the ArviZ record
posterior.nc), checking every column and value."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from coopsim.errors import InputError, combined
from coopsim.inputs.priors import PARAMETERS, POSITIVE, PROBABILITIES

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


#: The largest value a rate multiplier may take: a thousand times the scenario's rates is far
#: beyond any calibration (its priors put 99.9% of their weight within 0.2-5x), and keeps every
#: scaled rate and founding count within what the engines compute exactly.
MAX_SCALE = 1000.0


def allowed_values(column: str) -> str:
    """What a column of a posterior file may hold, in words."""
    if column.endswith("_scale"):
        return f"a positive number up to {MAX_SCALE:g} (a multiplier on the scenario's rates)"
    if column in PROBABILITIES:
        return "a probability, from 0 to 1"
    if column in POSITIVE:
        return "a positive number"
    return "a finite number"


def allowed(column: str, values: np.ndarray) -> np.ndarray:
    """Whether each value is allowed in the column (nan for cells that are not numbers)."""
    ok = np.isfinite(values)
    if column in PROBABILITIES:
        return ok & (values >= 0) & (values <= 1)
    if column in POSITIVE:
        ok &= values > 0
    if column.endswith("_scale"):
        ok &= values <= MAX_SCALE
    return ok


def cell_text(cell: object) -> str:
    """A posterior's value as written: text quoted, numbers plain (2000.0, nan)."""
    if isinstance(cell, str):
        return repr(cell)
    try:
        return repr(float(cell))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return repr(cell)


def read_posterior(path: str | Path) -> pd.DataFrame:
    """The draws of a posterior file: one row per draw, one column per known parameter.
    Every problem is reported at once: each unknown or repeated column, and for each column
    its first bad value (with how many more there are)."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(
            source, "no such file; give the posterior.csv or posterior.nc of a calibration folder"
        )
    is_csv = path.suffix != ".nc"
    if not is_csv:
        table = _netcdf_draws(path)
    else:
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            reason = next(iter(str(error).strip().splitlines()), "") or "empty"
            raise InputError(source, f"not a readable CSV file ({reason})") from None
        table = table[(table != "").any(axis=1)]  # blank lines; the index keeps line numbers
        table = table.drop(columns=[c for c in INDEX_COLUMNS if c in table.columns])
    problems = _column_problems(source, [str(c) for c in table.columns])
    if table.empty:
        problems.append(InputError(source, "has no draws (rows)"))
    draws = pd.DataFrame(index=table.index)
    for column in (c for c in table.columns if c in PARAMETERS):
        cells = table[column]
        if not pd.api.types.is_numeric_dtype(cells):
            cells = cells.astype(str).str.strip()
        values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
        bad = ~allowed(column, values)
        if bad.any():
            first = int(np.argmax(bad))
            cell, row = cells.iloc[first], int(table.index[first])
            shown = "an empty cell" if cell == "" else cell_text(cell)
            message = f"{shown} is not allowed: each value must be {allowed_values(column)}"
            if bad.sum() > 1:
                more = int(bad.sum()) - 1
                rows = "1 more row below" if more == 1 else f"{more} more rows below"
                message += f" (nor is the value in {rows})"
            if is_csv:
                problems.append(InputError(source, message, str(column), line=row + 2))
            else:
                problems.append(InputError(source, f"draw {row}: {message}", str(column)))
        draws[column] = values
    if problems:
        raise combined(problems)
    return draws.reset_index(drop=True)


def _column_problems(source: str, columns: list[str]) -> list[InputError]:
    """Unknown and repeated columns of the header, one problem each."""
    problems = []
    known = (*PARAMETERS, *INDEX_COLUMNS)
    for column in columns:
        repeat = re.fullmatch(r"(.+)\.(\d+)", column)  # pandas renames a repeated column x.1
        if repeat and repeat[1] in known:
            message = "appears more than once; each parameter has one column"
            problems.append(InputError(source, message, repeat[1], line=1))
        elif column not in PARAMETERS:
            shown = column if len(column) <= 40 else column[:37] + "..."
            close = difflib.get_close_matches(column, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            message = (
                f"unknown column {shown!r}; {hint}allowed: chain, draw and the parameters "
                "`coopsim calibrate` writes (founding_scale, dissolution_scale, "
                "wave_probability_per_year, ...: the Calibration page lists them)"
            )
            problems.append(InputError(source, message, shown, line=1))
    return problems
