from __future__ import annotations

import math

import numpy as np
import pytest

from coopsim.inputs.scenario import Target
from coopsim.results.targets import describe, estimate, is_met, wilson_interval


def target(**fields) -> Target:
    return Target.model_validate({"metric": "founded", "year": 2024, **fields})


def test_comparisons():
    values = np.array([19.0, 20, 25, 30, 31])
    assert is_met(target(comparison="between", range=[20, 30]), values).tolist() == [
        False,
        True,
        True,
        True,
        False,
    ]
    assert is_met(target(comparison=">=", threshold=20), values).sum() == 4
    assert is_met(target(comparison=">", threshold=30), values).sum() == 1
    assert is_met(target(comparison="<", threshold=20), values).sum() == 1
    assert is_met(target(comparison="<=", threshold=20), values).sum() == 2


def test_targets_need_the_right_bound():
    with pytest.raises(ValueError, match="takes range"):
        target(comparison="between", threshold=3)
    with pytest.raises(ValueError, match="takes threshold"):
        target(comparison=">", range=[1, 2])
    with pytest.raises(ValueError, match="low <= high"):
        target(comparison="between", range=[30, 20])


def test_wilson_interval_known_values():
    z2 = 1.959963984540054**2
    low, high = wilson_interval(0, 10)
    assert low == 0 and high == pytest.approx(z2 / (10 + z2))
    low, high = wilson_interval(50, 100)
    half = 1.959963984540054 * math.sqrt(0.25 / 100 + z2 / 40000) / (1 + z2 / 100)
    assert (low, high) == pytest.approx((0.5 - half, 0.5 + half))
    assert wilson_interval(10, 10)[1] == 1.0


def test_estimate_reports_probability_stderr_and_interval():
    est = estimate("t", target(comparison=">=", threshold=20), np.array([10, 20, 30, 40.0]))
    assert est.probability == 0.75
    assert est.stderr == pytest.approx(math.sqrt(0.75 * 0.25 / 4))
    assert est.ci95[0] < 0.75 < est.ci95[1]
    assert est.description == describe(est.target)
    assert "at least 20" in est.description
