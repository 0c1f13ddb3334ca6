"""The rolling-origin backtest: for each origin (a year-end or a dated report's day),
calibrate the whole-record model on the record cut at the end of that day (nothing published
later reaches the fit), predict every figure published in the 12 months after it from the
figures up to the origin only, and score the predictions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coopsim.analyses.backtest.origins import (
    Origin,
    check_origins,
    default_origins,
    figures_ahead,
    origin_time,
    year_end,
)
from coopsim.analyses.backtest.scoring import COLUMNS, NOMINAL, SAMPLES_PER_DRAW, score_figure
from coopsim.analyses.backtest.summary import summarise
from coopsim.analyses.backtest.targets import TargetBrier, target_scores, target_summary
from coopsim.analyses.calibration.diagnostics import convergence_warnings
from coopsim.analyses.calibration.fit import Posterior, calibrate_problem
from coopsim.analyses.calibration.record.likelihood import run_filter
from coopsim.analyses.calibration.record.problem import RecordProblem, build_record_problem
from coopsim.analyses.calibration.record.timeline import build_record
from coopsim.defaults import DEFAULT_DRAWS
from coopsim.errors import InputError
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario
from coopsim.results.output_folder import write_json
from coopsim.runs.progress import Progress
from coopsim.threads import single_threaded_blas

#: Posterior draws (evenly spaced) whose predictives each origin pools.
PREDICTIVE_DRAWS = 200
#: What the backtest does, in words (backtest.json says it).
METHOD = (
    "rolling origin: at each origin (the end of a year-end or of a dated report's day) the "
    "whole-record model is calibrated on the figures published up to it (the record cut "
    "there), and every figure published in the 12 months after it is predicted from the "
    "figures up to the origin only, for evenly spaced posterior draws, their predictives "
    "pooled"
)
SCORES = (
    "CRPS E|X-y| - E|X-X'|/2 of the pooled predictive samples, in the figure's unit "
    "(cooperatives; a share as a fraction); PIT the mean over draws of the predictive "
    "mixture's probability at or below the published value; in_50/80/95 whether the "
    "published value is inside the pooled sample's central band; abs_error_median for a "
    "count; a published bound is not scored, p_bound is the predictive's probability of it"
)


@dataclass(frozen=True)
class OriginFit:
    """One origin's calibration: the cut problem, its posterior and what it predicted."""

    origin: Origin
    problem: RecordProblem
    posterior: Posterior
    predicted: list[str]
    warnings: list[str]


@dataclass(frozen=True)
class BacktestResult:
    """Everything `coopsim backtest` reports, as tables a notebook can use."""

    scenario: str
    origins: list[OriginFit]
    table: pd.DataFrame
    summary: pd.DataFrame
    targets: list[TargetBrier]
    targets_not_scored: dict[str, str]
    draws: int
    seed: int
    predictive_draws: int
    samples: dict[tuple[str, str], np.ndarray] = field(repr=False, default_factory=dict)

    @property
    def targets_note(self) -> str:
        """What backtest.json and the printed table say about the targets' Brier scores."""
        if self.targets:
            names = len({t.name for t in self.targets})
            written = sum(t.as_written for t in self.targets)
            return (
                f"{len(self.targets)} event(s) of {names} target(s) scored, {written} at the "
                "target's own year (the others: its condition at a year the record publishes)"
            )
        return (
            "no target of the scenario can be scored: no figure published in the 12 months "
            "after an origin decides one's condition"
        )

    def as_dict(self) -> dict[str, object]:
        """backtest.json: the method, each origin's fit and every score."""
        return {
            "scenario": self.scenario,
            "method": METHOD,
            "scores": SCORES,
            "draws_per_calibration": self.draws,
            "predictive_draws": self.predictive_draws,
            "samples_per_draw": SAMPLES_PER_DRAW,
            "seed": self.seed,
            "nominal_coverage": NOMINAL,
            "origins": {
                fit.origin.label: {
                    "kind": fit.origin.kind,
                    "reports": list(fit.origin.reports),
                    "predicts_until": fit.origin.horizon.isoformat(),
                    "calibrated_on": [f.where for f in fit.problem.record.figures],
                    "predicted": fit.predicted,
                    "warnings": fit.warnings,
                }
                for fit in self.origins
            },
            "summary": _records(self.summary),
            "figures": _records(self.table),
            "pit": [float(p) for p in self.table["pit"].dropna()],
            "targets": [vars(t) for t in self.targets],
            "targets_summary": target_summary(self.targets),
            "targets_not_scored": self.targets_not_scored,
            "targets_note": self.targets_note,
        }

    def write(self, folder: Path) -> None:
        """Write backtest.csv, backtest_summary.csv and backtest.json into a (staging) folder."""
        self.table.to_csv(folder / "backtest.csv", index=False)
        self.summary.to_csv(folder / "backtest_summary.csv", index=False)
        write_json(folder / "backtest.json", self.as_dict())


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """A table's rows with nan as None (JSON has no nan)."""
    return [
        {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        for row in frame.astype(object).to_dict("records")
    ]


def calibrate_origin(
    scenario: Scenario,
    region: Region,
    origin: Origin | int,
    *,
    draws: int,
    seed: int,
    warmup: int | None = None,
    workers: int = 1,
    progress: bool | None = False,
) -> tuple[RecordProblem, Posterior]:
    """The whole-record fit of the record cut at the end of the origin's day (a year: its
    31 December)."""
    origin = year_end(origin) if isinstance(origin, int) else origin
    problem = build_record_problem(scenario, region, until=origin.day)
    bar = Progress(0, label=f"origin {origin}: sampler steps", enabled=progress)
    try:
        posterior = calibrate_problem(
            problem, draws, seed, warmup=warmup, progress=bar, workers=workers
        )
    finally:
        bar.close()
    return problem, posterior


def predict_ahead(
    problem: RecordProblem, posterior: Posterior, region: Region, origin: Origin | int, n: int
) -> dict[str, list]:
    """Each figure of the 12 months after the origin: its predictive under each of n evenly
    spaced posterior draws, given the figures up to the origin only."""
    origin = year_end(origin) if isinstance(origin, int) else origin
    ahead = figures_ahead(region, origin)
    record = build_record(region, until=origin.horizon)
    # read nothing after the origin, nor any later figure whose tried dates end before it
    until = min([origin_time(record, origin)] + [f.time - 1e-9 for f in ahead])
    rows = np.unique(np.linspace(0, len(posterior.draws) - 1, min(n, len(posterior.draws))))
    found: dict[str, list] = {f.where: [] for f in ahead}
    for row in rows.round().astype(int):
        model = problem.model(posterior.draws.iloc[row].to_dict())
        if model is None:
            continue
        filtered = run_filter(record, model, keep_predictive=True, read_until=until)
        for f in ahead:
            found[f.where].append(filtered.predictive[f.where])
    return found


def _convergence(origin: Origin, posterior: Posterior) -> list[str]:
    """One warning for an origin whose chains may not have converged (none if they did)."""
    figures = posterior.convergence()
    flagged = convergence_warnings(figures, posterior.natural_chains.shape[0])
    if not flagged:
        return []
    worst = max(f["rhat"] for f in figures.values())
    least = min(min(f["ess_bulk"], f["ess_tail"]) for f in figures.values())
    return [
        f"origin {origin}: chains may not have converged for {len(flagged)} of {len(figures)} "
        f"parameters (worst R-hat {worst:.3f}, least ESS {least:.0f}); ask for more --draws"
    ]


def backtest_origins(
    scenario: Scenario, region: Region, origins: list[int | dt.date | str | Origin] | None = None
) -> list[Origin]:
    """The origins a backtest runs (default: every year-end and dated report with a figure
    published in the 12 months after it); an InputError for a scenario without a
    whole-record calibration or an origin the record does not allow."""
    spec = scenario.calibration
    if spec is None or spec.method != "record":
        raise InputError(
            "scenario",
            "a backtest calibrates on the whole record: it needs a [calibration] table with "
            'method = "record" (as scenarios/cleanup_risk.toml has)',
            "calibration.method",
        )
    return default_origins(region) if origins is None else check_origins(region, origins)


def backtest(
    scenario: Scenario,
    region: Region,
    origins: list[int | dt.date | str | Origin] | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 2024,
    warmup: int | None = None,
    workers: int = 1,
    predictive_draws: int = PREDICTIVE_DRAWS,
    progress: bool | None = False,
) -> BacktestResult:
    """Backtest a whole-record scenario at each origin (default: every year-end and dated
    report with a figure published in the 12 months after it); each origin's calibration
    uses `seed` and reads only the figures published up to it."""
    chosen = backtest_origins(scenario, region, origins)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 3])))
    fits, rows, samples = [], [], {}
    for origin in chosen:
        problem, posterior = calibrate_origin(
            scenario, region, origin, draws=draws, seed=seed, warmup=warmup,
            workers=workers, progress=progress,
        )  # fmt: skip
        with single_threaded_blas():
            predicted = predict_ahead(problem, posterior, region, origin, predictive_draws)
        by_where = {f.where: f for f in figures_ahead(region, origin)}
        for where, predictives in predicted.items():
            row, sample = score_figure(origin, by_where[where], predictives, rng)
            rows.append(row)
            samples[(origin.label, where)] = sample
        found = _convergence(origin, posterior)
        fits.append(OriginFit(origin, problem, posterior, list(predicted), found))
    table = pd.DataFrame(rows, columns=COLUMNS)
    scored, not_scored = target_scores(scenario, region, samples)
    return BacktestResult(
        scenario.name,
        fits,
        table,
        summarise(table),
        scored,
        not_scored,
        draws,
        seed,
        predictive_draws,
        samples,
    )
