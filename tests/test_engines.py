"""The replicate-level API: the fastest engine that supports a plan, replicates in order."""

from __future__ import annotations

import numpy as np
import pytest

from coopsim.engines.fast.simulation import simulate_chunk
from coopsim.inputs.scenario import load_scenario
from coopsim.metrics import METRIC_NAMES
from coopsim.model.plan import compile_plan
from coopsim.runs.simulate import simulate

from .conftest import ROOT


def test_simulate_picks_fast_and_returns_replicates_in_order(baseline, region):
    plan = compile_plan(baseline, region.data)
    values, choice = simulate(plan, 4, 300, workers=2)
    assert choice.name == "fast"
    assert values.shape == (300, plan.n_years, len(METRIC_NAMES))
    assert np.array_equal(values, simulate_chunk(plan, 4, 0, 300), equal_nan=True)


def test_simulate_uses_des_for_programmes_and_refuses_exact(region):
    scenario = load_scenario(ROOT / "scenarios" / "model_coop_project.toml").scenario
    plan = compile_plan(scenario.model_copy(update={"horizon_year": 2024}), region.data)
    values, choice = simulate(plan, 1, 3)
    assert choice.name == "des" and values.shape[0] == 3
    with pytest.raises(ValueError, match="no replicates"):
        simulate(plan, 1, 3, engine="exact")
