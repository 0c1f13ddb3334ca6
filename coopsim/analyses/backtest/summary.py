"""A backtest's summary: per origin and over all of them, the mean CRPS (counts and shares
apart: their units differ), the median's mean absolute error, the 50/80/95% bands' coverage
against the nominal and the mean PIT."""

from __future__ import annotations

import pandas as pd

from coopsim.analyses.backtest.scoring import NOMINAL

SUMMARY_COLUMNS = [
    "origin", "origin_kind", "figures", "scored", "bounds", "mean_crps_counts", "mean_crps_shares",
    "mean_abs_error_median", *(f"coverage_{name[3:]}" for name in NOMINAL), "mean_pit",
]  # fmt: skip


def _mean(values: pd.Series) -> float | None:
    """The mean of the values present (None if none is)."""
    present = values.dropna()
    return float(present.astype(float).mean()) if len(present) else None


def summary_row(origin: object, rows: pd.DataFrame) -> dict[str, object]:
    """One backtest_summary.csv row from the figure rows of an origin (or of all)."""
    scored = rows[rows["crps"].notna()]
    found: dict[str, object] = {
        "origin": origin,
        "origin_kind": rows["origin_kind"].iloc[0] if origin != "all" and len(rows) else "",
        "figures": len(rows),
        "scored": len(scored),
        "bounds": int((rows["form"] == "bound").sum()),
        "mean_crps_counts": _mean(scored.loc[scored["kind"] == "count", "crps"]),
        "mean_crps_shares": _mean(scored.loc[scored["kind"] == "share", "crps"]),
        "mean_abs_error_median": _mean(scored["abs_error_median"]),
        "mean_pit": _mean(scored["pit"]),
    }
    for name in NOMINAL:
        found[f"coverage_{name[3:]}"] = _mean(scored[name])
    return found


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """backtest_summary.csv: a row per origin and an 'all' row pooling every figure."""
    rows = [summary_row(origin, part) for origin, part in table.groupby("origin", sort=True)]
    rows.append(summary_row("all", table))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
