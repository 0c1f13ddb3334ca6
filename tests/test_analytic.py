from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad_vec

from coopsim.model.hazards import Hazards
from coopsim.model.occupancy import (
    expected_path,
    expected_year,
    integrated_transitions,
    transition_probabilities,
)


def test_generator_rows_sum_to_zero_and_transitions_to_one(baseline):
    hazards = Hazards.from_quality(baseline.quality)
    assert np.allclose(hazards.generator().sum(axis=1), 0)
    p = transition_probabilities(hazards, 2.5)
    assert np.allclose(p.sum(axis=1), 1) and (p >= 0).all()
    assert p[4, 4] == pytest.approx(1.0)


def test_integrated_transitions_match_quadrature(baseline):
    hazards = Hazards.from_quality(baseline.quality)
    numeric, _ = quad_vec(lambda u: transition_probabilities(hazards, u), 0, 1.7)
    assert np.allclose(integrated_transitions(hazards, 1.7), numeric, atol=1e-9)


def test_expected_path_first_year_agrees_with_expected_year(baseline):
    hazards = Hazards.from_quality(baseline.quality)
    stock = np.array([100.0, 200, 300, 150])
    entry = np.array(baseline.founding.entry_class.as_tuple())
    year = expected_year(hazards, stock, 35, entry)
    path = expected_path(hazards, stock, 35, entry, 3)
    assert np.allclose(path.classified[0], year.stock_end)
    assert np.allclose(path.unclassified[0], year.entrants_end)
    assert path.dissolved[0] == pytest.approx(year.dissolved)
    alive = path.classified.sum(1) + path.unclassified.sum(1)
    # Conservation: alive(k) = alive(k-1) + founded - dissolved, in expectation too.
    assert np.allclose(np.diff(alive), 35 - path.dissolved[1:])
