"""Calibrate a scenario's parameters to one year's published figures: the posterior.

The log posterior is the priors' plus the observation model's exact-where-possible
likelihood (coopsim.analyses.calibration.observation). It is sampled by adaptive random-walk
Metropolis from the posterior mode, on the log scale for positive parameters.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from coopsim.analyses.calibration.diagnostics import diagnose, inference_data
from coopsim.analyses.calibration.laplace import laplace
from coopsim.analyses.calibration.observation import (
    ObservedYear,
    count_box,
    log_likelihood,
    observed_year,
)
from coopsim.analyses.calibration.parallel import fit_workers
from coopsim.analyses.calibration.record.problem import RecordProblem
from coopsim.analyses.calibration.sampler import Chains, chain_seeds, gather, sample
from coopsim.analyses.calibration.space import ParameterSpace
from coopsim.errors import InputError
from coopsim.inputs.priors import Prior
from coopsim.inputs.region_data import Region
from coopsim.inputs.scenario import Scenario
from coopsim.model.hazards import Hazards
from coopsim.runs.progress import Progress
from coopsim.threads import single_threaded_blas

CHAINS = 4
WARMUP = 1000
#: Whether the whole record's chains adapt their proposal in warm-up: no, the Laplace
#: approximation's covariance mixed better on Ha Tinh's record (larger bulk ESS, R-hat nearer 1).
ADAPT_RECORD = False
#: Steps per kept draw of the whole record's chains.
THIN_RECORD = 2
#: Steps each whole-record chain discards: it starts from a draw of the Laplace
#: approximation with that approximation's proposal, so it needs no tuning, only burn-in.
WARMUP_RECORD = 500
THIN = 4
#: Derived, not sampled: the data fix it once the flows and both stocks are published.
REVISION = "stock_revision"


@dataclass(frozen=True)
class Problem(ParameterSpace):
    """A scenario, the year it is fitted to and the priors of the sampled parameters."""

    scenario: Scenario
    observed: ObservedYear
    priors: dict[str, Prior]
    base: Hazards = field(repr=False)
    entry: np.ndarray = field(repr=False)

    #: How the likelihood is computed (calibration.json and diagnostics.json say it).
    likelihood = (
        "exact: founded (negative binomial) and dissolved (sum of binomials); bivariate normal "
        "with exact moments for the well-operating and weak counts given dissolved, over each "
        "share's rounding interval"
    )

    @property
    def names(self) -> list[str]:
        """The sampled parameters, in the order of the sampler's vectors."""
        return [name for name in self.priors if name != REVISION]

    @property
    def year(self) -> int:
        """The year fitted."""
        return self.observed.year

    def model_inputs(self, values: dict[str, float]) -> tuple[Hazards, float, float | None]:
        """Hazards, founding mean and founding dispersion for parameter values (a parameter
        without a prior keeps the scenario's value)."""
        hazards = Hazards(
            upgrade=self.base.upgrade * values.get("upgrade_scale", 1.0),
            downgrade=self.base.downgrade * values.get("downgrade_scale", 1.0),
            dissolution=self.base.dissolution * values.get("dissolution_scale", 1.0),
        )
        founding = self.scenario.founding
        mean = founding.mean_per_year * values.get("founding_scale", 1.0)
        return hazards, mean, values.get("founding_dispersion", founding.dispersion)

    def log_posterior(self, z: np.ndarray) -> float:
        total, values = self.log_prior(z)
        if not math.isfinite(total):
            return -math.inf
        hazards, mean, dispersion = self.model_inputs(values)
        if mean <= 0:
            return -math.inf
        return total + log_likelihood(self.observed, hazards, self.entry, mean, dispersion)


def build_problem(scenario: Scenario, region: Region) -> Problem:
    """The calibration problem a scenario's [calibration] table describes."""
    spec = scenario.calibration
    if spec is None or not spec.priors:
        raise InputError("scenario", "has no [calibration] table with priors", "calibration")
    features = [
        name
        for name, present in (
            ("levers", scenario.levers),
            ("programmes", scenario.programmes),
            ("cleanups", scenario.cleanups),
            ("law_2023", scenario.law_2023),
            ("founding.from_groups", scenario.founding.from_groups),
            ("dormancy", scenario.dormancy),
            ("cleanup_waves", scenario.cleanup_waves),
        )
        if present
    ]
    if features:
        raise InputError(
            "scenario",
            "calibration fits the steady rates of a scenario without "
            + ", ".join(features)
            + "; calibrate the baseline and forecast any scenario with --posterior",
            features[0],
        )
    observed = observed_year(scenario, region, spec.year)
    for name, share in (
        ("well_operating_share", observed.well_share),
        ("weak_share", observed.weak_share),
    ):
        if share is not None and count_box(share, observed.alive) is None:
            raise InputError(
                region.source_name,
                f"no whole number of the {observed.alive} cooperatives alive (by the published "
                f"flows) gives a share within {share[0]:.4f}-{share[1]:.4f}; widen its "
                "`precision` or check the figure",
                f"snapshots.{spec.year}.{name}",
            )
    return Problem(
        scenario=scenario,
        observed=observed,
        priors=dict(spec.priors),
        base=Hazards.from_quality(scenario.quality),
        entry=np.array(scenario.founding.entry_class.as_tuple()),
    )


@dataclass(frozen=True)
class Posterior:
    """Posterior draws (one row per draw, one column per parameter) and how they were got:
    the whole chains on the natural scale (chains x draws x sampled parameters), of which
    the table's rows are the first len(draws) in chain order."""

    draws: pd.DataFrame
    chains: Chains
    names: list[str]
    mode: dict[str, float]
    natural_chains: np.ndarray
    warmup: int = WARMUP
    thin: int = THIN
    likelihood: str = "the exact-where-possible likelihood"
    method: str = "adaptive random-walk Metropolis"

    def chain_and_draw(self) -> pd.DataFrame:
        """Each table row's chain and draw index (posterior.csv keeps them)."""
        per_chain = self.natural_chains.shape[1]
        index = np.arange(len(self.draws))
        return pd.DataFrame({"chain": index // per_chain, "draw": index % per_chain})

    def inference_data(self, **groups: object) -> object:
        """The chains as an ArviZ InferenceData, with any further groups (see
        coopsim.analyses.calibration.diagnostics.inference_data)."""
        return inference_data(
            self.natural_chains, self.names, acceptance=self.chains.acceptance, **groups
        )

    def convergence(self) -> dict[str, dict[str, float]]:
        """ArviZ's diagnostics per sampled parameter (R-hat, bulk and tail ESS, MCSE)."""
        return diagnose(self.inference_data())

    def diagnostics(self) -> dict[str, object]:
        """diagnostics.json: the sampler's settings, acceptance rates and, per sampled
        parameter, ArviZ's rank-normalised R-hat, bulk and tail ESS and MCSE."""
        return {
            "method": self.method,
            "likelihood": self.likelihood,
            "diagnostics": "ArviZ: rank-normalised split R-hat, bulk and tail ESS, MCSE "
            "(Vehtari et al. 2021), on the natural scale",
            "chains": int(self.chains.draws.shape[0]),
            "warmup_per_chain": self.warmup,
            "thin": self.thin,
            "kept_per_chain": int(self.chains.draws.shape[1]),
            "acceptance_rate": [round(float(a), 3) for a in self.chains.acceptance],
            "log_posterior_evaluations": self.chains.evaluations,
            "posterior_mode": {k: round(v, 6) for k, v in self.mode.items()},
            "parameters": self.convergence(),
        }


def calibrate_problem(
    problem: Problem | RecordProblem,
    draws: int,
    seed: int,
    warmup: int | None = None,
    thin: int = THIN,
    progress: Progress | None = None,
    workers: int = 1,
) -> Posterior:
    """Sample the posterior: find its mode, then run CHAINS chains from around it (the
    sampler's steps counted on `progress`, if given). The one-year problem runs adaptive
    random-walk Metropolis from BFGS's mode; the whole record (milliseconds a density) the
    same sampler started from the Laplace approximation (mode and Hessian), its gradients,
    Hessian and chains computed in `workers` processes."""
    if draws < 1:
        raise ValueError("draws must be at least 1")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    per_chain = math.ceil(draws / CHAINS)
    tick = progress.advance if progress is not None else None
    with single_threaded_blas():
        start = problem.unconstrained(
            {name: float(problem.priors[name].frozen().median()) for name in problem.names}
        )
        if isinstance(problem, RecordProblem):
            warmup = WARMUP_RECORD if warmup is None else warmup
            thin = THIN_RECORD
            if progress is not None:
                progress.total = CHAINS * (warmup + per_chain * thin)
            with fit_workers(problem, workers) as pool:
                fit = laplace(pool.density, start)
                starts = rng.multivariate_normal(fit.mode, fit.cov, size=CHAINS)
                proposal = 2.38**2 / fit.mode.size * fit.cov
                seeds = chain_seeds(rng, CHAINS)
                runs = pool.chains(
                    starts, proposal, warmup, per_chain, thin, seeds, tick, adapt=ADAPT_RECORD
                )
            chains = gather(runs, warmup, per_chain, thin)
            mode = fit.mode
        else:
            warmup = WARMUP if warmup is None else warmup
            with warnings.catch_warnings():  # finite differences may step where it is 0
                warnings.simplefilter("ignore", RuntimeWarning)
                found = minimize(lambda z: -problem.log_posterior(z), start, method="BFGS")
            mode = found.x
            cov = np.atleast_2d(found.hess_inv) if found.success else np.eye(mode.size) * 0.01
            cov = 0.5 * (cov + cov.T) + 1e-8 * np.eye(mode.size)
            if np.any(np.linalg.eigvalsh(cov) <= 0):
                cov = np.eye(mode.size) * 0.01
            starts = rng.multivariate_normal(mode, cov, size=CHAINS)
            proposal = 2.38**2 / mode.size * cov
            if progress is not None:
                progress.total = CHAINS * (warmup + per_chain * thin)
            chains = sample(
                problem.log_posterior, starts, proposal, warmup, per_chain, thin, rng, tick
            )
    natural = np.array(
        [[list(problem.natural(z).values()) for z in chain] for chain in chains.draws]
    )
    table = pd.DataFrame(natural.reshape(-1, mode.size)[:draws], columns=problem.names)
    if REVISION in problem.priors and isinstance(problem, Problem):
        revision = problem.observed.revision
        table[REVISION] = (
            float(revision)
            if revision is not None
            else problem.priors[REVISION].frozen().rvs(size=len(table), random_state=rng)
        )
    table = table[list(problem.priors)]
    return Posterior(
        table,
        chains,
        problem.names,
        problem.natural(mode),
        natural,
        warmup,
        thin,
        problem.likelihood,
        "independence Metropolis-Hastings from a multivariate t around the Laplace approximation"
        if isinstance(problem, RecordProblem)
        else "adaptive random-walk Metropolis",
    )
