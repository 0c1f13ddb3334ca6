"""The calibration workflow: priors and data in; posterior, diagnostics, identifiability and
posterior predictive check out (coopsim.plots.calibration draws them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coopsim.analyses.calibration.diagnostics import convergence_warnings
from coopsim.analyses.calibration.fit import (
    REVISION,
    Posterior,
    Problem,
    build_problem,
    calibrate_problem,
)
from coopsim.analyses.calibration.observation import figures_not_used
from coopsim.analyses.calibration.predictive import (
    predictive_check,
    predictive_draws,
    published_figures,
)
from coopsim.analyses.calibration.record.check import record_predictive
from coopsim.analyses.calibration.record.informed import not_informed
from coopsim.analyses.calibration.record.problem import RecordProblem, build_record_problem
from coopsim.analyses.calibration.record.timeline import CLASSES_AS_PUBLISHED
from coopsim.analyses.calibration.record.waves import wave_chance
from coopsim.analyses.calibration.report import identifiability, warnings_for
from coopsim.defaults import DEFAULT_DRAWS
from coopsim.inputs.consistency import check_consistency
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario
from coopsim.results.output_folder import write_json
from coopsim.runs.executors import default_workers
from coopsim.runs.progress import Progress
from coopsim.threads import single_threaded_blas


def prior_draws(problem: Problem, n: int, seed: int) -> pd.DataFrame:
    """n draws from each prior (the InferenceData's prior group), from a stream of their own."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 2])))
    return pd.DataFrame(
        {
            name: prior.frozen().rvs(size=n, random_state=rng)
            for name, prior in problem.priors.items()
        }
    )


@dataclass(frozen=True)
class CalibrationResult:
    """Everything `coopsim calibrate` reports, as tables a notebook can use."""

    problem: Problem | RecordProblem
    posterior: Posterior
    identifiability: pd.DataFrame
    predictive: pd.DataFrame
    check: pd.DataFrame
    warnings: list[str]
    seed: int
    #: The published figures the fit leaves out, with why (dotted place -> reason).
    not_used: dict[str, str] = field(default_factory=dict)
    #: Figures of the region file that contradict each other (the consistency checks).
    contradictions: list[str] = field(default_factory=list)

    @property
    def draws(self) -> pd.DataFrame:
        """posterior.csv: one row per draw, one column per parameter."""
        return self.posterior.draws

    def revision(self) -> dict[str, object]:
        """The register-revision term of the observation model, and how surprising it is
        (the whole-record fit has a register error on every total instead)."""
        if isinstance(self.problem, RecordProblem):
            return {"revision": None, "note": "see register_error"}
        observed = self.problem.observed
        value = observed.revision
        prior = self.problem.priors.get(REVISION)
        note = {
            "published_flows_net": observed.founded - observed.dissolved,
            "published_stock_change": None
            if observed.stock is None
            else observed.stock - int(observed.start.sum()),
            "revision": value,
        }
        if prior is not None and value is not None:
            frozen = prior.frozen()
            note["prior"] = prior.describe()
            note["prior_probability_at_least_this_large"] = float(
                frozen.sf(abs(value) - 0.5) + frozen.cdf(-abs(value) + 0.5)
            )
        return note

    def summary(self) -> dict[str, object]:
        """calibration.json: the fit in one document."""
        record = isinstance(self.problem, RecordProblem)
        found: dict[str, object] = {
            "scenario": self.problem.scenario.name,
            "method": "record" if record else "year",
            "year": self.problem.year,
            "draws": len(self.draws),
            "seed": self.seed,
            "likelihood": self.problem.likelihood,
        }
        if record:
            found["record_starts"] = self.problem.record.first_date
            found["figures_fitted"] = [f.where for f in self.problem.record.figures]
            found["contradictions"] = self.contradictions
            found["clean_up_wave"] = wave_chance(self.problem, self.draws)
            found["classes_as_published"] = CLASSES_AS_PUBLISHED
            found["not_informed"] = not_informed(
                self.problem.record,
                self.problem.priors,
                self.problem.scenario.dormancy is not None,
            )
        else:
            found["stock_revision"] = self.revision()
        return found | {
            "posterior": {
                row.parameter: {
                    "median": row.posterior_median,
                    "q05": row.posterior_q05,
                    "q95": row.posterior_q95,
                    "spread_ratio": row.spread_ratio,
                    "verdict": row.verdict,
                }
                for row in self.identifiability.itertuples()
            },
            "posterior_predictive": self.check.to_dict("records"),
            "warnings": self.warnings,
            "figures_not_used": self.not_used,
        }

    def inference_data(self) -> object:
        """The calibration as an ArviZ InferenceData: posterior (chain, draw), prior,
        posterior_predictive (when the draws fill whole chains), observed_data and
        sample_stats; written as posterior.nc."""
        return self.posterior.inference_data(
            prior=prior_draws(self.problem, len(self.draws), self.seed),
            predictive=self.predictive,
            observed=published_figures(self.problem),
        )

    def write(self, folder: Path) -> None:
        """Write the tables and documents into an existing (staging) folder (the charts are
        coopsim.plots.calibration.save_calibration_charts')."""
        pd.concat([self.posterior.chain_and_draw(), self.draws], axis=1).to_csv(
            folder / "posterior.csv", index=False
        )
        self.inference_data().to_netcdf(str(folder / "posterior.nc"))
        self.identifiability.to_csv(folder / "identifiability.csv", index=False)
        self.predictive.to_csv(folder / "posterior_predictive.csv", index=False)
        write_json(folder / "diagnostics.json", self.posterior.diagnostics())
        write_json(folder / "calibration.json", self.summary())


def calibrate(
    scenario: Scenario,
    region: Region | None = None,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 2024,
    warmup: int | None = None,
    progress: bool | None = False,
    workers: int | None = None,
) -> CalibrationResult:
    """Fit the parameters a scenario's [calibration] table names to its year's figures in
    `region` (by default the region the scenario names), so that forecasts can carry what
    the data leave uncertain (`coopsim.forecast(..., posterior=fit.draws)`). `progress`
    shows a bar of the sampler's steps (None: when in a terminal or a notebook).

    >>> import coopsim
    >>> scenario = coopsim.load_scenario("scenarios/baseline.toml").scenario
    >>> fit = coopsim.calibrate(scenario, draws=1000)
    >>> fit.identifiability.columns[:2].tolist(), fit.draws.shape
    (['parameter', 'meaning'], (1000, 6))
    >>> carried = coopsim.forecast(scenario, replications=200, posterior=fit.draws)
    """
    if region is None:
        from coopsim.inputs.region_data import region_for

        region = region_for(scenario).data
    spec = scenario.calibration
    record = spec is not None and spec.method == "record"
    problem = build_record_problem(scenario, region) if record else build_problem(scenario, region)
    bar = Progress(0, label="sampler steps", enabled=progress)
    try:
        posterior = calibrate_problem(
            problem,
            draws,
            seed,
            warmup=warmup,
            progress=bar,
            workers=default_workers() if workers is None else workers,
        )
    finally:
        bar.close()
    table = identifiability(problem.priors, posterior.draws, seed)
    with single_threaded_blas():
        if isinstance(problem, RecordProblem):
            predictive, check = record_predictive(problem, posterior.draws, seed)
        else:
            predictive = predictive_draws(problem, posterior.draws, seed)
            check = predictive_check(predictive, published_figures(problem))
    found = warnings_for(table)
    found += convergence_warnings(posterior.convergence(), posterior.natural_chains.shape[0])
    contradictions: list[str] = []
    if isinstance(problem, RecordProblem):
        left = problem.record.not_used
        contradictions = [str(item) for item in check_consistency(region)]
        found += [
            f"{row.figure}: published {row.published:.4g} is {row.outlier}"
            for row in check.itertuples()
            if row.outlier
        ]
    else:
        left = figures_not_used(region, problem.observed.year)
    return CalibrationResult(
        problem, posterior, table, predictive, check, found, seed, left, contradictions
    )
