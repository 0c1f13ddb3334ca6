"""A share's fast distribution (truncated transform, read off cumulative sums) gives the numbers
of the full transform and a full sort, and the cached re-answer gives the forecast's numbers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from coopsim.engines.exact.model import UNCLASSIFIED, ExactModel
from coopsim.engines.exact.shares import (
    TRUNCATION,
    ShareDistribution,
    _inverse_real,
    share_joint_pmf,
    spectral_share,
)
from coopsim.engines.exact.sources import joint_pmf
from coopsim.inputs.scenario import Target
from coopsim.model.plan import compile_plan
from coopsim.results.exact_answers import ExactAnswers
from coopsim.results.exact_result import ExactForecastResult
from coopsim.results.forecast_result import QUANTILE_LEVELS

from .test_exact import plan_of

WELL, REST = [0, 1], [2, 3, *UNCLASSIFIED]


@pytest.fixture(scope="module")
def model(region) -> ExactModel:
    return ExactModel(plan_of("credit_and_training", region))


def full_sort(distribution) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct shares, probabilities) of the grid, as the engine used to give."""
    xs, ys, pmf = distribution.xs, distribution.ys, distribution.pmf
    total = xs[:, None] + ys[None, :]
    keep = (total > 0) & (pmf > 0)
    ratios = (np.broadcast_to(xs[:, None], pmf.shape)[keep] / total[keep]).ravel()
    order = np.argsort(ratios, kind="stable")
    values, starts = np.unique(ratios[order], return_index=True)
    return values, np.add.reduceat(pmf[keep].ravel()[order], starts)


@pytest.mark.parametrize("k", [0, 6])
def test_the_truncated_transform_moves_each_probability_by_less_than_its_bound(model, k):
    sources = model.branches[k][0].sources
    x, y = model._indicator(WELL), model._indicator(REST)
    full = joint_pmf(sources, x, y)[2]
    fast = share_joint_pmf(sources, x, y)[2]
    assert fast.shape == full.shape
    # e^-TRUNCATION per point is the bound; the rest is the transforms' own rounding
    assert np.abs(fast - full).max() < np.exp(-TRUNCATION) + 1e-16
    assert np.abs(fast - full).sum() < 1e-12


@pytest.mark.parametrize("k", [0, 3, 6])
def test_mean_quantiles_and_probabilities_match_a_full_sort(model, k):
    for numerator, rest in ((WELL, REST), ([3], [0, 1, 2, *UNCLASSIFIED])):
        share = model.share_distribution(k, numerator, rest)
        values, probs = full_sort(share)
        assert share.mean() == pytest.approx(float(values @ probs), abs=1e-12)
        cumulative = np.cumsum(probs)
        levels = np.array([*QUANTILE_LEVELS.values(), 1e-9, 0.999999])
        expected = values[np.minimum(np.searchsorted(cumulative, levels - 1e-12), len(values) - 1)]
        assert np.array_equal(share.quantiles(levels), expected)
        unpacked_values, unpacked_probs = share
        assert np.array_equal(unpacked_values, values) and np.array_equal(unpacked_probs, probs)
        for threshold in (0.3, 0.5, 0.6, float(values[len(values) // 2])):
            for comparison, met in (
                (">", values > threshold),
                (">=", values >= threshold),
                ("<", values < threshold),
                ("<=", values <= threshold),
            ):
                p = share.probability(comparison, threshold)
                assert p == pytest.approx(probs[met].sum(), abs=1e-13), (comparison, threshold)
        inside = (values >= 0.3) & (values <= 0.5)
        assert share.probability("between", 0.3, 0.5) == pytest.approx(
            probs[inside].sum(), abs=1e-13
        )


@pytest.mark.parametrize("name", ["credit_and_training", "law2023_cleanup"])
@pytest.mark.parametrize("k", [0, 6])
def test_cumulative_sums_from_the_transform_give_the_grids_numbers(region, name, k):
    model = ExactModel(plan_of(name, region))
    sources = model.branches[k][0].sources
    levels = np.array([*QUANTILE_LEVELS.values(), 1e-9, 0.999999])
    for numerator, rest in ((WELL, REST), ([3], [0, 1, 2, *UNCLASSIFIED])):
        x, y = model._indicator(numerator), model._indicator(rest)
        spectral = spectral_share(sources, x, y)
        grid = ShareDistribution(*share_joint_pmf(sources, x, y), spectral.mean())
        assert np.abs(spectral.pmf - grid.pmf).max() < 1e-16
        rows = np.arange(len(grid.xs) + 1)[:, None].repeat(len(grid.ys), axis=1)
        assert np.abs(spectral._at(rows) - grid._at(rows)).max() < 1e-14
        assert np.array_equal(spectral.quantiles(levels), grid.quantiles(levels))
        for threshold in (0.2, 0.3, 0.5, 0.6, float(spectral.quantiles(np.array([0.5]))[0])):
            for comparison in (">", ">=", "<", "<="):
                expected = grid.probability(comparison, threshold)
                assert spectral.probability(comparison, threshold) == pytest.approx(
                    expected, abs=1e-12
                )
        assert spectral.probability("between", 0.3, 0.5) == pytest.approx(
            grid.probability("between", 0.3, 0.5), abs=1e-12
        )


@pytest.mark.parametrize("m", [466, 480, 607, 641])
def test_the_second_pass_by_table_is_the_inverse_fft(m):
    rng = np.random.default_rng(m)
    partial = rng.standard_normal((9, 40)) + 1j * rng.standard_normal((9, 40))
    expected = np.fft.irfft(partial, n=m, axis=1)
    assert np.abs(_inverse_real(partial, m) - expected).max() < 1e-15


def test_a_mixture_over_wave_years_matches_a_full_sort(region):
    model = ExactModel(plan_of("cleanup_risk", region))
    share = model.share_distribution(2, WELL, REST)
    values, probs = full_sort(share)
    assert share.mean() == pytest.approx(float(values @ probs), abs=1e-12)
    levels = np.array(list(QUANTILE_LEVELS.values()))
    expected = values[np.searchsorted(np.cumsum(probs), levels - 1e-12)]
    assert np.array_equal(share.quantiles(levels), expected)


def test_cached_answers_are_the_forecast_numbers_and_reuse_unchanged_years(region):
    from coopsim.inputs.scenario import load_scenario

    from .conftest import ROOT

    scenario = load_scenario(ROOT / "scenarios" / "credit_and_training.toml").scenario
    plan = compile_plan(scenario, region.data)
    answers = ExactAnswers(scenario.targets)
    first = answers.answer(plan)
    result = ExactForecastResult(
        scenario=scenario,
        region=region.data,
        initial=plan.initial,
        years=plan.years,
        values=None,
        engine="exact",
        engine_reason="test",
        seed=0,
        model=ExactModel(plan),
    )
    assert first.targets == {name: t.probability for name, t in result.targets.items()}
    assert first.quantiles.equals(result.quantiles())
    assert answers.computed == plan.n_years
    # dissolution halved from the start of year 4: years 0-3 come from the cache
    split = _split_at(plan, 4.0)
    again = answers.answer(split)
    assert answers.computed == plan.n_years + 3
    fresh = ExactAnswers(scenario.targets).answer(split)
    assert again.targets == fresh.targets and again.quantiles.equals(fresh.quantiles)
    assert again.quantiles.iloc[:4].equals(first.quantiles.iloc[:4])
    answers.answer(plan)  # moved back: all from the cache
    assert answers.computed == plan.n_years + 3


def _split_at(plan, t: float):
    """The plan with its periods cut at t and dissolution halved from t on."""
    periods = []
    for p in plan.periods:
        if p.start < t < p.end:
            periods += [replace(p, end=t), replace(p, start=t)]
        else:
            periods.append(p)
    halved = tuple(
        replace(p, hazards=replace(p.hazards, dissolution=p.hazards.dissolution * 0.5))
        if p.start >= t
        else p
        for p in periods
    )
    return replace(plan, periods=halved)


def test_a_target_on_a_metric_the_engine_does_not_compute_is_refused(region):
    plan = plan_of("baseline", region)
    members = Target(metric="members", year=2024, comparison=">", threshold=1.0)
    with pytest.raises(ValueError, match="does not compute members"):
        ExactAnswers({"members": members}).answer(plan)


def test_the_spectral_route_leaves_out_no_cooperatives_as_the_grid_does():
    from coopsim.engines.exact.sources import OutcomeSource

    probabilities = np.zeros(14)
    probabilities[[0, 2, 8]] = 0.3, 0.3, 0.4  # good, average, dissolved in the year
    means = np.zeros(14)
    means[[4, 6]] = 0.8, 0.6
    sources = [OutcomeSource(probabilities, 3), OutcomeSource(means=means, shape=2.0)]
    x, y = np.zeros(14), np.zeros(14)
    x[[0, 4]], y[[2, 6]] = 1, 1
    spectral = spectral_share(sources, x, y)
    grid = ShareDistribution(*share_joint_pmf(sources, x, y), spectral.mean())
    assert spectral.xs[0] + spectral.ys[0] == 0 and spectral.pmf[0, 0] == 0.0
    assert np.abs(spectral.pmf - grid.pmf).max() < 1e-15
    levels = np.array([0.01, *QUANTILE_LEVELS.values(), 0.99])
    assert np.array_equal(spectral.quantiles(levels), grid.quantiles(levels))
    for threshold in (0.25, 0.5, 0.75):
        for comparison in (">", ">=", "<", "<="):
            assert spectral.probability(comparison, threshold) == pytest.approx(
                grid.probability(comparison, threshold), abs=1e-14
            )


def test_a_plan_the_engine_refuses_is_refused_even_with_its_years_cached(region):
    """A start at a dated report is not among the parts a year's cache key reads: the plan
    is refused, not answered with the numbers of the plan without it."""
    from coopsim.inputs.scenario import load_scenario

    from .conftest import ROOT

    scenario = load_scenario(ROOT / "scenarios" / "baseline.toml").scenario
    plan = compile_plan(scenario, region.data)
    answers = ExactAnswers(scenario.targets)
    answers.answer(plan)
    with pytest.raises(ValueError, match="does not support a start at a dated report"):
        answers.answer(replace(plan, origin=object()))
