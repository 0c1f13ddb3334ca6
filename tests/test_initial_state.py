from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopsim.model.hazards import Hazards
from coopsim.model.initial_state import allocate, build_initial_state
from coopsim.model.occupancy import expected_year


@given(
    st.integers(min_value=0, max_value=5000),
    st.lists(st.floats(min_value=0.01, max_value=10), min_size=1, max_size=6),
)
def test_allocate_keeps_the_total_and_stays_within_one_of_exact(total, weights):
    counts = allocate(total, np.array(weights))
    exact = total * np.array(weights) / sum(weights)
    assert counts.sum() == total
    assert np.all(np.abs(counts - exact) < 1)


def test_census_start_uses_published_counts(backtest, region):
    state = build_initial_state(backtest, region.data)
    assert state.reported == {
        "good": 123,
        "fair": 270,
        "average": 359,
        "weak": 234,
        "unclassified": 34,
    }
    assert state.total == 1020
    entry = allocate(34, np.array(backtest.founding.entry_class.as_tuple()))
    assert state.latent.tolist() == (np.array([123, 270, 359, 234]) + entry).tolist()
    # No 2022 member count is published: members per cooperative come from 2023.
    assert state.members == round(73691 / 1025 * 1020)


def test_partial_2023_snapshot_is_filled_consistently(baseline, backtest, region):
    state = build_initial_state(baseline, region.data)
    rep = state.reported
    assert state.total == sum(rep.values()) == 1025
    assert state.members == 73691
    assert abs((rep["good"] + rep["fair"]) / 1025 - 0.406) <= 0.5 / 1025
    assert abs(rep["weak"] / 1025 - 0.23) <= 0.5 / 1025
    # Unclassified: the 35 founded in 2023 times the model's expected survival to year end.
    hazards = Hazards.from_quality(baseline.quality)
    entry = np.array(baseline.founding.entry_class.as_tuple())
    census = build_initial_state(backtest, region.data).latent
    year = expected_year(hazards, census, 35, entry)
    assert rep["unclassified"] == round(year.entrants_end.sum())
    # Good:fair as the model expects among survivors of the census.
    expected_ratio = year.stock_end[0] / year.stock_end[1]
    assert rep["good"] / rep["fair"] == pytest.approx(expected_ratio, rel=0.02)
    assert "2022 census" in state.method
