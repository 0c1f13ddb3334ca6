"""The simpy engine: invariants, reproducibility, and agreement with closed-form expectations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from coopsim.engines.des.simulation import simulate_replicate
from coopsim.inputs.scenario import Quality
from coopsim.metrics import METRIC_INDEX as M
from coopsim.model.hazards import Hazards
from coopsim.model.occupancy import expected_path
from coopsim.model.plan import GroupsPlan, compile_plan
from coopsim.runs.simulate import simulate

CLASSES = ["good", "fair", "average", "weak"]


def still_quality() -> Quality:
    zero = {"good": 0.0, "fair": 0.0, "average": 0.0, "weak": 0.0}
    return Quality.model_validate(
        {
            "upgrade_per_year": {k: 0.0 for k in ("fair", "average", "weak")},
            "downgrade_per_year": {k: 0.0 for k in ("good", "fair", "average")},
            "dissolution_per_year": zero,
        }
    )


def column(values: np.ndarray, name: str) -> np.ndarray:
    return values[..., M[name]]


def test_stock_flow_identity_holds_in_every_replicate_and_year(baseline_run):
    v = baseline_run.values
    alive = column(v, "cooperatives")
    before = np.concatenate([np.full((v.shape[0], 1), 1025), alive[:, :-1]], axis=1)
    assert np.array_equal(alive, before + column(v, "founded") - column(v, "dissolved"))
    by_class = sum(column(v, c) for c in [*CLASSES, "unclassified"])
    assert np.array_equal(by_class, alive)
    assert (column(v, "unclassified") <= column(v, "founded")).all()


def test_shares_are_shares(baseline_run):
    v = baseline_run.values
    for name, classes in (("well_operating_share", ["good", "fair"]), ("weak_share", ["weak"])):
        share = column(v, name)
        assert ((share >= 0) & (share <= 1)).all()
        counted = sum(column(v, c) for c in classes)
        assert np.allclose(share, counted / column(v, "cooperatives"))


def test_same_seed_same_results_and_replicates_differ(baseline, region):
    plan = compile_plan(baseline, region.data)
    first = simulate_replicate(plan, 11, 3)
    assert np.array_equal(first, simulate_replicate(plan, 11, 3), equal_nan=True)
    assert not np.array_equal(first, simulate_replicate(plan, 11, 4), equal_nan=True)
    assert not np.array_equal(first, simulate_replicate(plan, 12, 3), equal_nan=True)


def test_without_events_the_stock_and_its_members_stay_put(baseline, region):
    still = baseline.model_copy(
        update={
            "quality": still_quality(),
            "founding": baseline.founding.model_copy(update={"mean_per_year": 0.0}),
        }
    )
    values = simulate_replicate(compile_plan(still, region.data), 1, 0)
    assert (column(values, "cooperatives") == 1025).all()
    assert (column(values, "members") == 73691).all()
    assert (column(values, "dissolved") == 0).all()


def test_new_cooperatives_are_unclassified_only_in_their_first_year(baseline, region):
    still = baseline.model_copy(update={"quality": still_quality()})
    values = simulate_replicate(compile_plan(still, region.data), 5, 0)
    founded = column(values, "founded")
    assert np.array_equal(column(values, "unclassified"), founded)
    classified = sum(column(values, c) for c in CLASSES)
    assert np.array_equal(np.diff(classified), founded[:-1])


def test_class_means_agree_with_the_matrix_exponential(baseline_run, baseline):
    """Yearly means of every class count within 4 standard errors of the closed form."""
    path = expected_path(
        Hazards.from_quality(baseline.quality),
        baseline_run.initial.latent.astype(float),
        baseline.founding.mean_per_year,
        np.array(baseline.founding.entry_class.as_tuple()),
        len(baseline_run.years),
    )
    v = baseline_run.values
    n = v.shape[0]
    checks = {c: path.classified[:, i] for i, c in enumerate(CLASSES)}
    checks["unclassified"] = path.unclassified.sum(axis=1)
    checks["dissolved"] = path.dissolved
    for name, expected in checks.items():
        sample = column(v, name)
        stderr = sample.std(axis=0, ddof=1) / np.sqrt(n)
        z = np.abs(sample.mean(axis=0) - expected) / stderr
        assert (z < 4).all(), f"{name}: z = {np.round(z, 2)}"


def founding_counts(baseline, region, replications: int) -> np.ndarray:
    plan = compile_plan(baseline.model_copy(update={"quality": still_quality()}), region.data)
    values = simulate(plan, 3, replications, engine="des")[0]
    return column(values, "founded").ravel()


def assert_negative_binomial(counts: np.ndarray, mean: float, shape: float) -> None:
    """Chi-square goodness of fit to NB(mean, shape), bins with at least 5 expected."""
    dist = stats.nbinom(shape, shape / (shape + mean))
    edges = [0]
    while dist.sf(edges[-1] - 1) * counts.size > 10:
        upper = edges[-1] + 1
        while dist.cdf(upper - 1) - dist.cdf(edges[-1] - 1) < 10 / counts.size:
            upper += 1
        edges.append(upper)
    edges[-1] = 10**9
    observed = np.histogram(counts, bins=edges)[0]
    expected = np.diff(dist.cdf(np.array(edges) - 1)) * counts.size
    expected[-1] = counts.size - expected[:-1].sum()
    p = stats.chisquare(observed, expected).pvalue
    assert p > 0.001, f"chi-square p = {p:.2g}"


def test_yearly_founding_counts_are_negative_binomial(baseline, region):
    counts = founding_counts(baseline, region, 300)
    assert_negative_binomial(counts, 35.0, 8.0)


@pytest.mark.slow
def test_yearly_founding_counts_are_negative_binomial_full(baseline, region):
    counts = founding_counts(baseline, region, 3000)
    assert_negative_binomial(counts, 35.0, 8.0)


def test_groups_convert_independently_at_their_hazard(baseline, region):
    """With founding from the pool alone, each of the pool's groups converts in year 0 with
    probability 1 - exp(-h), not gamma-mixed: year-0 conversions are Binomial(pool, 1 - exp(-h))
    (chi-square p > 0.001, mean within 4 standard errors); groups joining at a year's start
    come after the previous year's snapshot."""
    pool, h = 2579, 0.01
    plan = replace(
        compile_plan(baseline, region.data),
        founding_mean_per_year=0.0,
        groups=GroupsPlan(pool, h, 50.0),
    )
    values = simulate(plan, 8, 200, engine="des")[0]
    founded = column(values, "founded")[:, 0]
    assert np.array_equal(column(values, "cooperative_groups")[:, 0], pool - founded)
    dist = stats.binom(pool, -np.expm1(-h))
    assert abs(founded.mean() - dist.mean()) < 4 * dist.std() / np.sqrt(founded.size)
    edges = [0, *range(int(dist.ppf(0.05)), int(dist.ppf(0.95)) + 1, 3), 10**6]
    observed = np.histogram(founded, bins=edges)[0]
    expected = np.diff(dist.cdf(np.array(edges) - 1)) * founded.size
    assert stats.chisquare(observed, expected * observed.sum() / expected.sum()).pvalue > 0.001
