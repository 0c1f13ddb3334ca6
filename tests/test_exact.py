"""The exact engine's closed-form distributions agree with the simpy engine (model of record)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from coopsim.engines.exact.chain import COUNT_STATES
from coopsim.engines.exact.distributions import metric_distribution
from coopsim.engines.exact.model import CLASSIFIED, UNCLASSIFIED, ExactModel, unsupported_features
from coopsim.inputs.scenario import load_scenario
from coopsim.metrics import METRIC_INDEX as M
from coopsim.metrics import METRIC_NAMES
from coopsim.model.hazards import Hazards
from coopsim.model.plan import GroupsPlan, Period, compile_plan
from coopsim.runs.simulate import simulate

from .conftest import ROOT

ALIVE = [*CLASSIFIED, *UNCLASSIFIED]
COUNTS = COUNT_STATES
SCENARIOS = ["baseline", "law2023_cleanup", "stagnation", "credit_and_training"]


def plan_of(name, region):
    return compile_plan(load_scenario(ROOT / "scenarios" / f"{name}.toml").scenario, region.data)


@pytest.fixture(scope="module", params=SCENARIOS)
def pair(request, region):
    plan = plan_of(request.param, region)
    values = simulate(plan, 31, 300, engine="des")[0]
    return request.param, ExactModel(plan), values


def test_yearly_means_agree_within_4_standard_errors(pair):
    name, exact, values = pair
    n = values.shape[0]
    for metric, states in COUNTS.items():
        for k in range(values.shape[1]):
            xs, pmf = exact.count_pmf(k, states)
            sample = values[:, k, M[metric]]
            se = max(sample.std(ddof=1), 0.5) / np.sqrt(n)
            assert abs(sample.mean() - xs @ pmf) < 4 * se, (name, metric, k)


def test_target_probabilities_agree_within_3_standard_errors(pair):
    name, exact, values = pair
    n = values.shape[0]
    checks = []
    for k in (0, 3, 6):
        shares, pmf = exact.ratio_pmf(k, [0, 1], [2, 3, *UNCLASSIFIED])
        median = shares[np.searchsorted(np.cumsum(pmf), 0.5)]
        checks.append(
            (pmf[shares > median].sum(), values[:, k, M["well_operating_share"]] > median)
        )
        founded, fpmf = exact.founded_pmf(k)
        inside = (founded >= 20) & (founded <= 30)
        sample = values[:, k, M["founded"]]
        checks.append((fpmf[inside].sum(), (sample >= 20) & (sample <= 30)))
    for p, met in checks:
        se = np.sqrt(p * (1 - p) / n)
        assert abs(met.mean() - p) < 3 * max(se, 1 / n), (name, p, met.mean())


def test_distribution_of_cooperatives_passes_a_chi_square_test(pair):
    name, exact, values = pair
    xs, pmf = exact.count_pmf(3, ALIVE)
    sample = values[:, 3, M["cooperatives"]]
    edges = [xs[0]]
    mass = 0.0
    for x, p in zip(xs, pmf, strict=True):  # bins with at least 10 expected
        mass += p
        if mass * sample.size >= 10:
            edges.append(x + 1)
            mass = 0.0
    edges[-1] = xs[-1] + 1
    observed = np.histogram(sample, bins=edges)[0]
    cdf = np.concatenate([[0], np.cumsum(pmf)])
    expected = np.diff(cdf[np.array(edges) - xs[0]]) * sample.size
    expected *= observed.sum() / expected.sum()
    assert stats.chisquare(observed, expected).pvalue > 0.001, name


def test_founding_is_negative_binomial(region):
    exact = ExactModel(plan_of("baseline", region))
    values, pmf = exact.founded_pmf(0)
    assert np.allclose(pmf, stats.nbinom(8, 8 / 43).pmf(values))
    assert pmf[(values >= 20) & (values <= 30)].sum() == pytest.approx(0.29876, abs=1e-5)


def test_pmfs_are_distributions(region):
    exact = ExactModel(plan_of("law2023_cleanup", region))
    for k in range(exact.plan.n_years):
        _, pmf = exact.count_pmf(k, ALIVE)
        assert pmf.sum() == pytest.approx(1) and (pmf >= 0).all()
        shares, spmf = exact.ratio_pmf(k, [3], [0, 1, 2, *UNCLASSIFIED])
        assert spmf.sum() == pytest.approx(1, abs=1e-9) and ((shares >= 0) & (shares <= 1)).all()


def test_programmes_are_refused_and_group_founding_is_supported(region):
    plan = plan_of("model_coop_project", region)
    assert unsupported_features(plan)
    with pytest.raises(ValueError, match="support programmes"):
        ExactModel(plan)
    assert unsupported_features(plan_of("resolution20", region)) == []


def mean_and_sd(distribution) -> tuple[float, float]:
    values, pmf = distribution
    mean = float(values @ pmf)
    return mean, float(np.sqrt(max(float(values**2 @ pmf) - mean * mean, 0.0)))


def assert_des_agrees_with_exact(model: ExactModel, values: np.ndarray) -> None:
    """Yearly means of every metric the exact engine reports within 4 standard errors (the
    exact standard deviation over sqrt(n)); P(20-30 founded in the first year) and P(share >
    its exact median) in years 0, 3 and 6 within 3 standard errors."""
    n = values.shape[0]
    for metric in METRIC_NAMES:
        for k in range(model.plan.n_years):
            found = metric_distribution(model, metric, k)
            if found is None:
                continue
            mean, sd = mean_and_sd(found)
            sample = values[:, k, M[metric]]
            assert abs(sample.mean() - mean) <= 4 * sd / np.sqrt(n) + 1e-9, (metric, k)
    founded, pmf = metric_distribution(model, "founded", 0)
    sample = values[:, 0, M["founded"]]
    checks = [(pmf[(founded >= 20) & (founded <= 30)].sum(), (sample >= 20) & (sample <= 30))]
    for k in (0, 3, 6):
        shares, spmf = metric_distribution(model, "well_operating_share", k)
        median = shares[np.searchsorted(np.cumsum(spmf), 0.5)]
        checks.append(
            (spmf[shares > median].sum(), values[:, k, M["well_operating_share"]] > median)
        )
    for p, met in checks:
        se = np.sqrt(p * (1 - p) / n)
        assert abs(met.mean() - p) < 3 * max(se, 1 / n), (p, met.mean())


def test_resolution20_with_group_founding_agrees_with_des(region):
    plan = plan_of("resolution20", region)
    model = ExactModel(plan)
    assert metric_distribution(model, "cooperative_groups", 0) is not None
    assert_des_agrees_with_exact(model, simulate(plan, 41, 600, engine="des")[0])


@pytest.mark.slow
def test_resolution20_with_group_founding_agrees_with_des_full(region):
    plan = plan_of("resolution20", region)
    assert_des_agrees_with_exact(ExactModel(plan), simulate(plan, 43, 4000, engine="des")[0])


def groups_only(region, pool: int, conversion: float, new_groups: float = 0.0):
    """The baseline with no direct founding: new cooperatives come from the pool alone."""
    plan = plan_of("baseline", region)
    return replace(
        plan, founding_mean_per_year=0.0, groups=GroupsPlan(pool, conversion, new_groups)
    )


def test_conversions_from_the_pool_alone_are_binomial(region):
    """Each group converts at hazard h: in year 0, Binomial(pool, 1 - exp(-h)) conversions, and
    the pool at a year end holds the survivors of the start and of each year's newcomers."""
    pool, h, joining = 2579, 0.01, 30.0
    model = ExactModel(groups_only(region, pool, h, joining))
    p = -np.expm1(-h)
    values, pmf = model.founded_pmf(0)
    assert values @ pmf == pytest.approx(pool * p, rel=1e-9)
    assert np.allclose(pmf, stats.binom(pool, p).pmf(values), atol=1e-12)
    for k in range(model.plan.n_years):
        expected = pool * np.exp(-h * (k + 1)) + sum(
            joining * np.exp(-h * (k + 1 - j)) for j in range(1, k + 1)
        )
        left, lpmf = metric_distribution(model, "cooperative_groups", k)
        assert left @ lpmf == pytest.approx(expected, rel=1e-9)
    left, lpmf = metric_distribution(model, "cooperative_groups", 0)
    assert np.allclose(lpmf, stats.binom(pool, 1 - p).pmf(left), atol=1e-12)


def test_conversion_times_follow_the_hazard_within_the_year(region):
    """With fast conversions that speed up mid-year and a high dissolution hazard, how many
    converted cooperatives dissolve in their first year depends on when they converted: des
    (truncated exponential times per segment) and exact (the augmented generator) agree."""
    plan = groups_only(region, 400, 1.5, 40.0)
    still = Hazards(np.zeros(4), np.zeros(4), np.zeros(4))
    steep = Hazards(np.array([0, 0.5, 0.5, 0.5]), np.array([0.5, 0.5, 0.5, 0]), np.full(4, 1.2))
    periods = (
        Period(0.0, 0.5, still, 1.0, 1.0),
        Period(0.5, 2.5, steep, 1.0, 3.0),
        Period(2.5, float(plan.n_years), steep, 1.0, 0.5),
    )
    plan = replace(plan, periods=periods)
    model = ExactModel(plan)
    assert_des_agrees_with_exact(model, simulate(plan, 5, 200, engine="des")[0])
    founded, pmf = model.founded_pmf(0)
    assert founded @ pmf == pytest.approx(400 * -np.expm1(-1.5 * 0.5 - 4.5 * 0.5), rel=1e-9)


def test_exact_forecast_result_matches_the_contract(region, baseline):
    from coopsim.analyses.forecast import forecast

    result = forecast(baseline, engine="exact", region=region)
    summary = result.summary()
    assert summary["engine"] == "exact" and summary["replications"] == 0
    target = summary["targets"]["new_cooperatives_2024"]
    assert target["stderr"] == 0 and target["ci95"] == [target["probability"]] * 2
    assert target["probability"] == pytest.approx(0.29876, abs=1e-5)
    assert "members" in summary["metrics_not_modelled"]
    stats_2030 = summary["metrics"]["cooperatives"]["2030"]
    assert stats_2030["q05"] <= stats_2030["q50"] <= stats_2030["q95"]
    assert result.trajectories() is None


@pytest.mark.parametrize("threshold", [0.5, 0.45, 0.6, 0.4217, 0.47])
def test_share_thresholds_by_weighted_counts_match_the_joint_distribution(region, threshold):
    exact = ExactModel(plan_of("stagnation", region))
    rest = [2, 3, *UNCLASSIFIED]
    for k in (0, 4):
        shares, pmf = exact.ratio_pmf(k, [0, 1], rest)
        for strict in (True, False):
            joint = pmf[shares > threshold].sum() if strict else pmf[shares >= threshold].sum()
            fast = exact.share_probability(k, [0, 1], rest, threshold, strict)
            assert fast == pytest.approx(joint, abs=1e-9)


@pytest.mark.parametrize("shape", [None, 0.5, 2.7, 33.3, 1e4])
@pytest.mark.parametrize("mean", [0.0, 0.3, 17.25, 35.0, 2000.0])
def test_the_founding_pmf_is_scipy_stats_to_the_last_bit(mean, shape):
    from coopsim.engines.exact.founding import TAIL, founding_pmf

    dist = stats.poisson(mean) if shape is None else stats.nbinom(shape, shape / (shape + mean))
    values = np.arange(int(dist.ppf(1 - TAIL)) + 2)
    found_values, found = founding_pmf(mean, shape)
    assert np.array_equal(found_values, values)
    assert np.array_equal(found, dist.pmf(values))  # the same bits, not close ones
