"""Forecasts carry a whole-record posterior's dormancy and wave parameters, on fast and des."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import coopsim
from coopsim.errors import InputError

#: Two parameter sets far apart: no waves at all, and a wave most years removing most
#: dormant cooperatives; dormancy twice as fast to start in the second.
POSTERIOR = pd.DataFrame(
    {
        "wave_probability_per_year": [0.0, 0.9],
        "wave_removal_dormant": [0.8, 0.95],
        "wave_removal_weak": [0.15, 0.4],
        "dormancy_entry_scale": [1.0, 2.0],
    }
)


@pytest.fixture(scope="module")
def cleanup_risk():
    return coopsim.load_scenario("scenarios/cleanup_risk.toml").scenario


def _removed_2026(result) -> np.ndarray:
    return result.metric("removed", 2026)


def test_fast_and_des_apply_the_posterior_sets_alike(cleanup_risk):
    runs = {
        engine: coopsim.forecast(
            cleanup_risk,
            replications=400,
            seed=5,
            engine=engine,
            workers=1,
            posterior=POSTERIOR,
            replicates_per_set=200,
        )
        for engine in ("fast", "des")
    }
    means = {e: _removed_2026(r).mean() for e, r in runs.items()}
    ses = {e: _removed_2026(r).std(ddof=1) / math.sqrt(400) for e, r in runs.items()}
    assert abs(means["fast"] - means["des"]) < 4 * math.hypot(ses["fast"], ses["des"])
    # the set without waves removes no one; the other removes many (sets alternate)
    for result in runs.values():
        removed = _removed_2026(result)
        assert removed[0::2].max() == 0
        assert removed[1::2].mean() > 10


@pytest.mark.parametrize(
    ("columns", "missing"),
    [(["dormancy_entry_scale"], "no \\[dormancy\\]"), (["wave_removal_weak"], "no \\[cleanup_w")],
)
def test_dormancy_and_wave_parameters_need_a_scenario_with_them(columns, missing):
    baseline = coopsim.load_scenario("scenarios/baseline.toml").scenario
    with pytest.raises(InputError, match=missing):
        coopsim.forecast(
            baseline, replications=40, posterior=POSTERIOR[columns], replicates_per_set=20
        )
