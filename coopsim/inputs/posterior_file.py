"""Read a posterior.csv written by `coopsim calibrate`, checking every column and value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from coopsim.errors import InputError
from coopsim.inputs.priors import PARAMETERS, POSITIVE


def read_posterior(path: str | Path) -> pd.DataFrame:
    """The draws of a posterior file: one row per draw, one column per known parameter."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(source, "no such file; give the posterior.csv of a calibration folder")
    try:
        draws = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(source, f"not a readable CSV file ({error})") from None
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
