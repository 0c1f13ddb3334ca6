"""The baseline's rates reproduce the published 2023 figures from the end-2022 census."""

from __future__ import annotations

import pytest

from coopsim.analyses.rate_matching import expected_figures, match_rates_to_year, published_year


def test_baseline_reproduces_2023_in_expectation(baseline, region):
    got = expected_figures(baseline, region.data, 2023)
    published = published_year(region.data, 2023)
    assert got.founded == published.founded == 35
    # Rates are written to 4 significant figures; allow that rounding.
    assert got.dissolved == pytest.approx(27, abs=0.02)
    share_precision = region.data.snapshots[2023].well_operating_share.precision
    assert abs(got.well_operating_share - 0.406) <= share_precision
    assert abs(got.weak_share - 0.23) <= 0.0005


def test_baseline_rates_are_the_solved_rates(baseline, region):
    solved = match_rates_to_year(baseline, region.data, 2023).model_dump()
    written = baseline.quality.model_dump()
    for kind, rates in written.items():
        for name, rate in rates.items():
            assert rate == pytest.approx(solved[kind][name], rel=1e-3), f"{kind}.{name}"


def test_matching_changes_levels_not_shape(baseline, region):
    doubled = baseline.quality.model_copy(
        update={
            "dissolution_per_year": baseline.quality.dissolution_per_year.model_copy(
                update={"weak": baseline.quality.dissolution_per_year.weak * 2}
            )
        }
    )
    solved = match_rates_to_year(
        baseline.model_copy(update={"quality": doubled}), region.data, 2023
    )
    rates = solved.dissolution_per_year
    assert rates.weak / rates.average == pytest.approx(2 * 0.07127 / 0.01782, rel=1e-3)
    got = expected_figures(baseline.model_copy(update={"quality": solved}), region.data, 2023)
    assert got.dissolved == pytest.approx(27, abs=1e-6)
