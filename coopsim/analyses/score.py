"""Score a stored forecast against the figures later published, to see how well it did."""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from coopsim.errors import InputError, combined
from coopsim.inputs.region_data import (
    LoadedRegion,
    bundled_regions,
    figures_not_compared,
    load_region,
    observed_points,
    observed_series,
)
from coopsim.inputs.scenario import Target
from coopsim.inputs.validation import validate
from coopsim.metrics import METRIC_NAMES, metric_info
from coopsim.results.forecast_result import QUANTILE_LEVELS
from coopsim.results.output_folder import staged_files, write_json
from coopsim.results.targets import is_met

#: Central 50/80/95% bands checked for each observation: name -> (lower, upper) quantile key.
BANDS = {"in_50": ("q25", "q75"), "in_80": ("q10", "q90"), "in_95": ("q025", "q975")}
SAMPLES, QUANTILES = "samples", "quantiles"
METHOD_NOTES = {
    SAMPLES: "CRPS of the per-replicate samples (E|X-y| - E|X-X'|/2 over the empirical "
    "distribution); PIT P(X<y) + P(X=y)/2; bands from the samples' quantiles",
    QUANTILES: "no per-replicate samples: CRPS approximated from the stored quantiles as twice "
    "the integrated quantile score, the quantile function interpolated linearly between "
    "q025 and q975 and held constant beyond; PIT interpolated between the quantiles",
}
LEGEND = (
    "CRPS: in the metric's unit (shares in points), lower is better; 0 means all the forecast's "
    "weight on what happened. PIT: the forecast's probability below the observation (0.5 = the "
    "median; near 0 or 1 = in a tail). Brier: (P - outcome)^2, 0 is perfect, 0.25 is what "
    "P = 0.5 scores."
)
CSV_COLUMNS = [
    "kind", "name", "metric", "year", "observed", "median", "crps", "crps_method", "pit",
    "in_50", "in_80", "in_95", "samples", "probability", "outcome", "brier",
]  # fmt: skip
_GRID = (np.arange(4000) + 0.5) / 4000  # quantile levels for integrating the quantile score


class SummaryTarget(Target):
    """A target as summary.json records it: its definition and its forecast probability."""

    model_config = ConfigDict(extra="ignore")
    probability: float = Field(ge=0, le=1)


class ForecastSummary(BaseModel):
    """The parts of summary.json that scoring reads (other keys are ignored; no number may be
    nan or infinite: a forecast writes null where it has no value)."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)
    scenario: str = ""
    region: str = ""
    engine: str = ""
    replications: int = Field(default=0, ge=0)
    seed: int | None = None
    years: list[int] | None = None
    metrics: dict[str, dict[int, dict[str, float | None]]]
    targets: dict[str, SummaryTarget] = {}


def crps_sample(samples: np.ndarray, observed: float) -> float:
    """CRPS of the samples' empirical distribution, E|X-y| - E|X-X'|/2, in O(n log n)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = x.size
    pairs = 2.0 * np.sum((2.0 * np.arange(1, n + 1) - n - 1) * x)  # sum over i, j of |xi - xj|
    return float(np.mean(np.abs(x - observed)) - pairs / (2.0 * n * n))


def pit_sample(samples: np.ndarray, observed: float) -> float:
    """Mid-rank PIT: P(X < y) + P(X = y)/2, so ties need no randomisation."""
    x = np.sort(np.asarray(samples, dtype=float))
    below = np.searchsorted(x, observed, side="left")
    at_most = np.searchsorted(x, observed, side="right")
    return float((below + 0.5 * (at_most - below)) / x.size)


def crps_quantiles(levels: np.ndarray, values: np.ndarray, observed: float) -> float:
    """CRPS as 2 * integral over tau of the quantile score, from a few stored quantiles."""
    q = np.interp(_GRID, levels, values)
    score = ((observed < q).astype(float) - _GRID) * (q - observed)
    return float(2.0 * np.mean(score))


def pit_quantiles(levels: np.ndarray, values: np.ndarray, observed: float) -> float:
    """PIT from stored quantiles: the interpolated quantile function inverted (flat stretches
    and the unknown tails count at their middle, the mid-rank rule's analogue)."""
    equal = values == observed
    if equal.any():
        return float((levels[equal].min() + levels[equal].max()) / 2)
    if observed < values[0]:
        return float(levels[0] / 2)
    if observed > values[-1]:
        return float((1 + levels[-1]) / 2)
    upper = int(np.searchsorted(values, observed, side="right"))
    lo_v, hi_v, lo_t, hi_t = values[upper - 1], values[upper], levels[upper - 1], levels[upper]
    return float(lo_t + (hi_t - lo_t) * (observed - lo_v) / (hi_v - lo_v))


def brier(probability: float, outcome: int) -> float:
    """Brier score of one probability forecast of a yes/no outcome (1 = met)."""
    return float((probability - outcome) ** 2)


@dataclass(frozen=True)
class MetricScore:
    """How one metric's forecast for one year did against the observation."""

    metric: str
    year: int
    observed: float
    median: float
    crps: float
    crps_method: str
    pit: float
    in_50: bool | None
    in_80: bool | None
    in_95: bool | None
    samples: int | None


@dataclass(frozen=True)
class TargetScore:
    """A target's forecast probability against whether it was met."""

    name: str
    metric: str
    year: int
    probability: float
    observed: float
    outcome: int
    brier: float
    description: str


@dataclass(frozen=True)
class Score:
    """A forecast scored against a region data file."""

    folder: Path
    summary: ForecastSummary
    observed: LoadedRegion
    method: str
    metrics: list[MetricScore]
    targets: list[TargetScore]
    not_scored: dict[str, str]
    #: The published figures compared with nothing, with why (dotted place -> reason).
    figures_not_scored: dict[str, str] = field(default_factory=dict)

    @property
    def mean_brier(self) -> float | None:
        return float(np.mean([t.brier for t in self.targets])) if self.targets else None

    def as_dict(self) -> dict[str, Any]:
        """The score.json document."""
        metrics: dict[str, dict[str, dict[str, Any]]] = {}
        for row in self.metrics:
            entry = {k: v for k, v in asdict(row).items() if k not in ("metric", "year")}
            metrics.setdefault(row.metric, {})[str(row.year)] = entry
        s = self.summary
        return {
            "forecast": {
                "folder": str(self.folder),
                "scenario": s.scenario,
                "region": s.region,
                "engine": s.engine,
                "replications": s.replications,
                "seed": s.seed,
            },
            "observed": {
                "file": str(self.observed.path),
                "sha256": self.observed.sha256,
                "region": self.observed.data.region.id,
            },
            "crps_method": self.method,
            "crps_method_note": METHOD_NOTES[self.method],
            "metrics": metrics,
            "targets": {
                t.name: {k: v for k, v in asdict(t).items() if k != "name"} for t in self.targets
            },
            "targets_not_scored": self.not_scored,
            "mean_brier": self.mean_brier,
            "figures_not_scored": self.figures_not_scored,
        }

    def table(self) -> pd.DataFrame:
        """The score.csv table: one row per year and metric, then one per target."""
        rows = [{"kind": "metric", "name": m.metric, **asdict(m)} for m in self.metrics]
        rows += [{"kind": "target", **asdict(t)} for t in self.targets]
        frame = pd.DataFrame(rows).reindex(columns=CSV_COLUMNS)
        whole = {c: "Int64" for c in ("year", "samples", "outcome")}
        return frame.astype({**whole, **{band: "boolean" for band in BANDS}})


def load_observed(spec: str | Path) -> LoadedRegion:
    """The region data file given with --observed (a path, or a bundled region id)."""
    text = str(spec)
    if Path(text).is_file():
        local = text if "/" in text or text.endswith(".toml") else f"./{text}"
        return load_region(local, named_in="--observed")
    if text in bundled_regions():
        return load_region(text, named_in="--observed")
    raise InputError(
        "--observed",
        f"no data file at {text!r}; give a region data file in the format of "
        f"coopsim/data/ha_tinh.toml, or a bundled region ({', '.join(bundled_regions())})",
    )


def read_summary(folder: Path) -> ForecastSummary:
    """Check the forecast folder and read its summary.json."""
    if not folder.exists():
        raise InputError(str(folder), "no such folder; give a folder written by coopsim forecast")
    if not folder.is_dir():
        raise InputError(str(folder), "is not a folder; give a folder written by coopsim forecast")
    path = folder / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            str(path), "no such file; is this a folder written by coopsim forecast?"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read ({exc.__class__.__name__}: {exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(str(path), "must hold a JSON object with 'metrics' and 'targets'")
    return validate(ForecastSummary, data, str(path))


def trajectories_file(folder: Path) -> Path:
    """trajectories.parquet, or the trajectories.csv of an older or --csv forecast."""
    parquet = folder / "trajectories.parquet"
    return parquet if parquet.exists() else folder / "trajectories.csv"


def read_trajectories(folder: Path) -> pd.DataFrame | None:
    """The per-replicate samples, if the forecast wrote them (the exact engine does not)."""
    path = trajectories_file(folder)
    if not path.exists():
        return None
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        kind = "Parquet" if path.suffix == ".parquet" else "CSV"
        raise InputError(str(path), f"cannot be read as {kind} ({exc})") from None
    if "year" not in frame.columns:
        raise InputError(str(path), "no 'year' column; expected replicate, year, then metrics")
    problems = []
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            problems.append(
                InputError(str(path), "holds values that are not numbers", f"column {column}")
            )
            continue
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(values).any():
            row = int(np.argmax(np.isinf(values)))
            problems.append(
                InputError(
                    str(path),
                    f"holds an infinite value (row {row}: {values[row]}); a forecast writes "
                    "finite numbers, or null where a metric is not modelled",
                    f"column {column}",
                )
            )
    if problems:
        raise combined(problems)
    return frame


def score_forecast(folder: Path, observed: str | Path) -> Score:
    """Score the forecast stored in `folder` against a region data file, writing nothing."""
    folder = Path(folder)
    summary = read_summary(folder)
    region = load_observed(observed)
    if not os.access(folder, os.W_OK):
        raise InputError(str(folder), "the folder is not writable (score files go into it)")
    trajectories = read_trajectories(folder)
    years = summary.years or sorted({y for by_year in summary.metrics.values() for y in by_year})
    metrics: list[MetricScore] = []
    used: set[str] = set()
    for name, by_year in summary.metrics.items():
        seen = observed_points(region.data, name) if name in METRIC_NAMES else {}
        for year in years:
            if year in seen and year in by_year:
                samples = _samples(trajectories, folder, name, year)
                value, where = seen[year]
                found = score_metric(name, year, value, by_year[year], samples, folder)
                metrics.append(found)
                used.add(where)
    targets: list[TargetScore] = []
    not_scored: dict[str, str] = {}
    for name, target in summary.targets.items():
        points = observed_points(region.data, target.metric)
        if target.year not in points:
            not_scored[name] = f"no observed {target.metric} for {target.year}"
            continue
        y, where = points[target.year]
        used.add(where)
        outcome = int(is_met(target, np.array([y]))[0])
        p = target.probability
        row = (name, target.metric, target.year, p, y, outcome, brier(p, outcome))
        targets.append(TargetScore(*row, target.description))
    if not metrics and not targets:
        have = sorted({y for m in METRIC_NAMES for y in observed_series(region.data, m)})
        raise InputError(
            str(region.path),
            f"no observed figure for a metric the forecast reports in {_span(years)}, the years "
            f"it covers (the file has figures for {', '.join(map(str, have)) or 'no year'})",
            "snapshots, flows",
        )
    method = SAMPLES if trajectories is not None else QUANTILES
    reported = {m: {y for y in years if y in by_year} for m, by_year in summary.metrics.items()}
    left = figures_not_compared(region.data, reported, used)
    return Score(folder, summary, region, method, metrics, targets, not_scored, left)


def _span(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0]) if years else "no year"


def _samples(frame: pd.DataFrame | None, folder: Path, metric: str, year: int) -> np.ndarray | None:
    """One metric's per-replicate values in one year (None without trajectories)."""
    if frame is None:
        return None
    if metric not in frame.columns:
        raise InputError(str(trajectories_file(folder)), "missing", f"column {metric}")
    values = frame.loc[frame["year"] == year, metric].dropna().to_numpy(dtype=float)
    if values.size == 0:
        raise InputError(str(trajectories_file(folder)), f"no values for {year}", metric)
    return values


def score_metric(
    metric: str,
    year: int,
    observed: float,
    stats: dict[str, float | None],
    samples: np.ndarray | None,
    folder: Path,
) -> MetricScore:
    """CRPS, PIT and band membership of one observation, from samples or stored quantiles."""
    if samples is not None:
        keys = list(QUANTILE_LEVELS)
        qs = dict(zip(keys, np.quantile(samples, list(QUANTILE_LEVELS.values())), strict=True))
        crps, pit = crps_sample(samples, observed), pit_sample(samples, observed)
    else:
        qs = {k: stats[k] for k in QUANTILE_LEVELS if stats.get(k) is not None}
        levels = np.array([QUANTILE_LEVELS[k] for k in qs])
        values = np.array(list(qs.values()), dtype=float)
        source, where = str(folder / "summary.json"), f"metrics.{metric}.{year}"
        if values.size < 2 or "q50" not in qs:
            allowed = ", ".join(QUANTILE_LEVELS)
            raise InputError(source, f"needs q50 and another quantile of {allowed}", where)
        if np.any(np.diff(values) < -1e-9 * (1 + np.abs(values[1:]))):
            raise InputError(source, "the quantiles decrease as their level rises", where)
        values = np.maximum.accumulate(values)
        crps = crps_quantiles(levels, values, observed)
        pit = pit_quantiles(levels, values, observed)
    bands = {
        band: (bool(qs[lo] <= observed <= qs[hi]) if lo in qs and hi in qs else None)
        for band, (lo, hi) in BANDS.items()
    }
    method, n = (QUANTILES, None) if samples is None else (SAMPLES, int(samples.size))
    row = (metric, year, float(observed), float(qs["q50"]), crps, method, pit)
    return MetricScore(*row, **bands, samples=n)


def write_score(score: Score) -> list[str]:
    """Write score.json and score.csv into the forecast folder, both or neither."""
    with staged_files(score.folder) as staging:
        write_json(staging / "score.json", score.as_dict())
        score.table().to_csv(staging / "score.csv", index=False)
        return sorted(p.name for p in staging.iterdir())


def _fmt(metric: str, value: float, digits: int = 0) -> str:
    """A metric's value as people read it: shares in percent, counts with separators."""
    if metric_info(metric).is_share:
        return f"{value:.{digits + 1}%}"
    return f"{value:,.{digits}f}"


def format_score(score: Score) -> str:
    """The table printed after scoring."""
    s = score.summary
    runs = f"{s.replications} replicates" if s.replications else "exact distributions"
    lines = [
        f"Forecast '{s.scenario}' (engine {s.engine}, {runs}, seed {s.seed}) scored against "
        f"{score.observed.path.name} ({score.observed.data.region.name})",
        *textwrap.wrap(f"Method: {METHOD_NOTES[score.method]}.", 100),
    ]
    if s.region and s.region != score.observed.data.region.id:
        lines.append(
            f"Note: the forecast is for region '{s.region}', the observations for "
            f"'{score.observed.data.region.id}'."
        )
    if score.metrics:
        lines += [
            "",
            f"{'year':<6}{'metric':<22}{'observed':>10}{'median':>10}{'CRPS':>10}{'PIT':>7}"
            f"{'50%':>5}{'80%':>5}{'95%':>5}",
        ]
        mark = {True: "yes", False: "no", None: "-"}
        for m in score.metrics:
            lines.append(
                f"{m.year:<6}{m.metric:<22}{_fmt(m.metric, m.observed):>10}"
                f"{_fmt(m.metric, m.median):>10}{_fmt(m.metric, m.crps, 1):>10}{m.pit:>7.3f}"
                f"{mark[m.in_50]:>5}{mark[m.in_80]:>5}{mark[m.in_95]:>5}"
            )
    if score.targets:
        lines += ["", f"{'target':<34}{'year':<6}{'P(met)':>7}{'outcome':>10}{'Brier':>8}"]
        for t in score.targets:
            outcome = "met" if t.outcome else "not met"
            lines.append(
                f"{t.name:<34}{t.year:<6}{t.probability:>7.3f}{outcome:>10}{t.brier:>8.3f}"
            )
        lines.append(f"Mean Brier score over {len(score.targets)} targets: {score.mean_brier:.3f}")
    for name, reason in score.not_scored.items():
        lines.append(f"Not scored: {name} ({reason})")
    if score.figures_not_scored:
        count = len(score.figures_not_scored)
        left = (
            f"Not scored: {count} published figure{'s' if count > 1 else ''} (dated snapshots, "
            "period flows, bounds, years or metrics the forecast does not report); score.json "
            "lists each with why (figures_not_scored)."
        )
        lines += ["", *textwrap.wrap(left, 100)]
    lines += ["", *textwrap.wrap(LEGEND, 100)]
    return "\n".join(lines)
