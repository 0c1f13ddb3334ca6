"""Bayesian calibration: the likelihood's pieces, the sampler, recovery of known parameters,
posterior predictive checks, identifiability warnings and reproducibility."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from coopsim.analyses.calibration.diagnostics import (
    arviz,
    convergence_warnings,
    diagnose,
    inference_data,
)
from coopsim.analyses.calibration.fit import build_problem, calibrate_problem
from coopsim.analyses.calibration.observation import (
    DISSOLVED,
    WEAK_CLASS,
    WELL,
    count_box,
    log_likelihood,
    log_negative_binomial,
    log_share_probability,
    log_sum_of_binomials,
    year_outcomes,
)
from coopsim.analyses.calibration.predictive import predictive_draws
from coopsim.analyses.calibration.workflow import calibrate
from coopsim.inputs.priors import prior_sample


@pytest.fixture(scope="module")
def problem(baseline, region):
    return build_problem(baseline, region.data)


@pytest.fixture(scope="module")
def fitted(baseline, region):
    return calibrate(baseline, region.data, draws=2000, seed=5, warmup=800)


def test_negative_binomial_and_sums_of_binomials_match_scipy():
    assert log_negative_binomial(35, 30.0, 8.0) == pytest.approx(
        stats.nbinom(8.0, 8.0 / 38.0).logpmf(35), abs=1e-10
    )
    assert log_negative_binomial(4, 3.0, None) == pytest.approx(stats.poisson(3.0).logpmf(4))
    counts, p = np.array([120, 300, 35]), np.array([0.01, 0.05, 0.1])
    pmf = np.array([1.0])
    for n, q in zip(counts, p, strict=True):
        pmf = np.convolve(pmf, stats.binom(n, q).pmf(np.arange(n + 1)))
    for value in (0, 7, 19, 40):
        assert np.exp(log_sum_of_binomials(value, counts, p)) == pytest.approx(pmf[value], rel=1e-9)


def test_share_likelihood_matches_simulation_of_the_observation_model(problem):
    """P(well and weak counts in their boxes | dissolved) against exact multinomial simulation,
    within 3 Monte Carlo standard errors."""
    observed = problem.observed
    hazards, _, _ = problem.model_inputs({})
    outcomes = year_outcomes(hazards, problem.entry, observed.well_classes)
    rng = np.random.default_rng(11)
    n = 400_000
    ends = sum(
        rng.multinomial(count, outcomes.stock[c], size=n) for c, count in enumerate(observed.start)
    ) + rng.multinomial(observed.founded, outcomes.entrant, size=n)
    given = ends[:, DISSOLVED] == observed.dissolved
    alive = observed.alive
    well_box = count_box(observed.well_share, alive)
    weak_box = count_box(observed.weak_share, alive)
    inside = (
        given
        & (ends[:, WELL] > well_box[0])
        & (ends[:, WELL] < well_box[1])
        & (ends[:, WEAK_CLASS] > weak_box[0])
        & (ends[:, WEAK_CLASS] < weak_box[1])
    )
    simulated = inside.sum() / given.sum()
    se = np.sqrt(simulated * (1 - simulated) / given.sum())
    computed = np.exp(log_share_probability(observed, outcomes, [well_box, weak_box]))
    assert abs(computed - simulated) < 3 * se, (computed, simulated, se)


def test_likelihood_prefers_the_rates_matched_to_the_year(problem):
    observed = problem.observed
    base = problem.model_inputs({})
    at_match = log_likelihood(observed, base[0], problem.entry, base[1], base[2])
    for scale in (0.6, 1.6):
        hazards, mean, shape = problem.model_inputs({"dissolution_scale": scale})
        assert log_likelihood(observed, hazards, problem.entry, mean, shape) < at_match - 1


def test_diagnostics_on_known_chains():
    """ArviZ's diagnostics: independent draws look converged, a random walk is flagged."""
    rng = np.random.default_rng(3)
    independent = rng.standard_normal((4, 1000, 1))
    found = diagnose(inference_data(independent, ["x"]))["x"]
    assert found["rhat"] == pytest.approx(1.0, abs=0.01)
    assert 3000 < found["ess_bulk"] < 5000
    assert convergence_warnings({"x": found}, chains=4) == []
    walk = np.cumsum(rng.standard_normal((4, 1000, 1)), axis=1)  # barely mixing
    stuck = diagnose(inference_data(walk, ["x"]))["x"]
    assert stuck["rhat"] > 1.1
    assert stuck["ess_bulk"] < 100
    assert len(convergence_warnings({"x": stuck}, chains=4)) == 1


def test_written_file_gives_the_reported_diagnostics(fitted, tmp_path):
    """posterior.nc keeps chain and draw: ArviZ's R-hat and ESS on the file are what
    calibrate reports, and posterior.csv's chain and draw columns index the same draws."""
    az = arviz()
    fitted.write(tmp_path)
    idata = az.from_netcdf(str(tmp_path / "posterior.nc"))
    assert {"posterior", "prior", "observed_data", "sample_stats"} <= set(idata.groups())
    reported = fitted.posterior.diagnostics()["parameters"]
    rhat = az.rhat(idata.posterior, method="rank")
    bulk = az.ess(idata.posterior, method="bulk")
    for name, figures in reported.items():
        assert figures["rhat"] == pytest.approx(float(rhat[name]), abs=1e-4), name
        assert figures["ess_bulk"] == pytest.approx(float(bulk[name]), abs=0.1), name
    table = pd.read_csv(tmp_path / "posterior.csv")
    row = table.iloc[len(table) // 2]
    name = next(iter(reported))
    value = idata.posterior[name].sel(chain=int(row["chain"]), draw=int(row["draw"])).item()
    assert value == pytest.approx(row[name], rel=1e-12)


def test_same_seed_same_posterior(problem):
    a = calibrate_problem(problem, 200, seed=9, warmup=200, thin=2)
    b = calibrate_problem(problem, 200, seed=9, warmup=200, thin=2)
    c = calibrate_problem(problem, 200, seed=10, warmup=200, thin=2)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    assert not a.draws.equals(c.draws)


def test_calibration_of_the_baseline(fitted):
    """Convergence, the revision term, the identifiability verdicts, and the published 2023
    figures inside the posterior predictive 90% bands."""
    diagnostics = fitted.posterior.diagnostics()["parameters"]
    for name, figures in diagnostics.items():
        assert figures["rhat"] < 1.05, name
        assert figures["ess_bulk"] > 100, name
    assert set(fitted.draws["stock_revision"]) == {3.0}  # 1,020 + 35 - 27 - 1,025
    verdicts = fitted.identifiability.set_index("parameter")
    assert verdicts.loc["founding_dispersion", "spread_ratio"] >= 0.9
    assert verdicts.loc["dissolution_scale", "spread_ratio"] < 0.6
    assert any(
        w.startswith("founding_dispersion: the data barely inform it") for w in fitted.warnings
    )
    assert not any(w.startswith("dissolution_scale: the data barely") for w in fitted.warnings)
    assert fitted.check["inside_90"].all(), fitted.check


def _synthetic(problem, truth: dict[str, float], seed: int):
    """Published figures generated from known parameters, rounded as Ha Tinh publishes them."""
    figures = predictive_draws(problem, pd.DataFrame([truth]), seed).iloc[0]
    well = round(figures.well_operating_share, 3)
    weak = round(figures.weak_share, 2)
    observed = replace(
        problem.observed,
        founded=int(figures.founded),
        dissolved=int(figures.dissolved),
        stock=int(figures.cooperatives),
        well_share=(well - 0.0005, well + 0.0005),
        weak_share=(weak - 0.005, weak + 0.005),
    )
    return replace(problem, observed=observed)


def _coverage(problem, repetitions: int, draws: int) -> tuple[int, int]:
    """Truths drawn from the priors; how many 90% credible intervals contain them."""
    rng = np.random.default_rng(2024)
    truths = pd.DataFrame(prior_sample(problem.priors, repetitions, rng))
    covered = total = 0
    for i, truth in enumerate(truths.to_dict("records")):
        synthetic = _synthetic(problem, truth, seed=100 + i)
        posterior = calibrate_problem(synthetic, draws, seed=i, warmup=300, thin=2)
        for name in synthetic.names:
            low, high = np.quantile(posterior.draws[name], [0.05, 0.95])
            covered += low <= truth[name] <= high
            total += 1
    return covered, total


def test_recovers_known_parameters_reduced(problem):
    """8 synthetic data sets: at least 30 of the 40 intervals cover the truth (a binomial with
    p = 0.9 falls below 30 with probability under 0.001)."""
    covered, total = _coverage(problem, 8, 400)
    assert covered >= 30, (covered, total)


@pytest.mark.slow
def test_recovers_known_parameters_full(problem):
    """40 synthetic data sets: coverage of the 90% intervals within 0.83-0.96 (about 3
    binomial standard errors around 0.9 for 200 intervals)."""
    covered, total = _coverage(problem, 40, 1000)
    assert 0.83 <= covered / total <= 0.96, (covered, total)


def test_a_share_no_whole_count_can_give_is_refused(baseline, region):
    """37.2% of 612 alive is no whole number: the calibration names the figure."""
    from coopsim.errors import InputError

    data = region.data.model_copy(deep=True)
    snap = data.snapshots[2023]
    snap.well_operating_share = snap.well_operating_share.model_copy(
        update={"value": 0.4061, "precision": 0.00001}
    )
    with pytest.raises(InputError, match=r"snapshots\.2023\.well_operating_share"):
        build_problem(baseline, data)


def test_the_sampler_reports_every_step_to_its_progress_bar(problem):
    import io

    from coopsim.runs.progress import Progress

    sink = io.StringIO()
    bar = Progress(0, label="sampler steps", enabled=True, stream=sink, delay=0)
    calibrate_problem(problem, 200, seed=9, warmup=300, thin=2, progress=bar)
    bar.close()
    assert bar.done == bar.total == 4 * (300 + 50 * 2)
    assert f"{bar.total}/{bar.total} sampler steps" in sink.getvalue()
