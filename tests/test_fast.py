"""The fast (numpy) engine: the same model as des and exact, and reproducible by block."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from coopsim.engines import fast
from coopsim.engines.exact.distributions import metric_distribution
from coopsim.engines.exact.model import ExactModel
from coopsim.engines.fast.simulation import FAST_BLOCK, simulate_chunk, unsupported_features
from coopsim.inputs.scenario import load_scenario
from coopsim.metrics import METRIC_INDEX as M
from coopsim.model.plan import compile_plan
from coopsim.runs.simulate import simulate

from .conftest import ROOT

EXACT_METRICS = [
    "cooperatives",
    "founded",
    "dissolved",
    "removed",
    "good",
    "fair",
    "average",
    "weak",
    "unclassified",
    "well_operating_share",
    "weak_share",
]

#: The fast engine cut into one-block chunks, so a small run spans several workers.
FINE_FAST = replace(fast.ENGINE, largest_chunk=fast.FAST_BLOCK, smallest_chunk=fast.FAST_BLOCK)


def plan_of(name, region):
    return compile_plan(load_scenario(ROOT / "scenarios" / f"{name}.toml").scenario, region.data)


@pytest.mark.parametrize(
    "name", ["baseline", "law2023_cleanup", "stagnation", "credit_and_training"]
)
def test_fast_agrees_with_the_exact_distributions(name, region):
    plan = plan_of(name, region)
    values = simulate_chunk(plan, 17, 0, 512)
    model = ExactModel(plan)
    n = values.shape[0]
    for k in range(plan.n_years):
        for metric in EXACT_METRICS:
            support, pmf = metric_distribution(model, metric, k)
            sample = values[:, k, M[metric]]
            mean, var = support @ pmf, (support**2) @ pmf - (support @ pmf) ** 2
            se = np.sqrt(max(var, 1e-12) / n)
            assert abs(sample.mean() - mean) < 4 * se + 1e-9, (name, metric, k)
            median = support[np.searchsorted(np.cumsum(pmf), 0.5)]
            p = pmf[support > median].sum()
            se_p = np.sqrt(p * (1 - p) / n)
            assert abs((sample > median).mean() - p) < 3 * se_p + 1 / n, (name, metric, k)


def test_fast_agrees_with_des_on_group_founding_and_members(region):
    """resolution20 founds from the pool of cooperative groups (outside the exact engine)."""
    plan = plan_of("resolution20", region)
    fast = simulate_chunk(plan, 5, 0, 512)
    des = simulate(plan, 5, 200, engine="des")[0]
    for metric in ("cooperatives", "founded", "members", "cooperative_groups", "good", "weak"):
        for k in (0, 3, 6):
            a, b = fast[:, k, M[metric]], des[:, k, M[metric]]
            se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            assert abs(a.mean() - b.mean()) < 4 * max(se, 1e-9), (metric, k)


def test_a_replicate_does_not_depend_on_chunking_or_workers(region):
    plan = plan_of("law2023_cleanup", region)
    whole = simulate_chunk(plan, 3, 0, FAST_BLOCK + 40)
    assert np.array_equal(
        simulate_chunk(plan, 3, FAST_BLOCK, FAST_BLOCK + 40), whole[FAST_BLOCK:], equal_nan=True
    )
    assert np.array_equal(simulate_chunk(plan, 3, 0, 10), whole[:10], equal_nan=True)
    pooled = simulate(plan, 3, FAST_BLOCK + 40, engine=FINE_FAST, workers=2)[0]
    assert np.array_equal(pooled, whole, equal_nan=True)


def test_stock_flow_identity_and_shares(region):
    values = simulate_chunk(plan_of("law2023_cleanup", region), 8, 0, 300)
    alive = values[..., M["cooperatives"]]
    before = np.concatenate([np.full((300, 1), 1025), alive[:, :-1]], axis=1)
    assert np.array_equal(alive, before + values[..., M["founded"]] - values[..., M["dissolved"]])
    share = values[..., M["well_operating_share"]]
    assert ((share >= 0) & (share <= 1)).all()
    assert values[..., M["removed"]][:, 2].mean() > 0  # the charter-deadline clean-up, 2026


def test_fast_runs_every_bundled_scenario(region):
    for name in ("model_coop_project", "resolution20", "baseline"):
        assert not unsupported_features(plan_of(name, region))


def test_fast_agrees_with_des_on_support_programmes(region, baseline):
    """The coupling step (capacity, budget, targeting) done as des does it: a strong,
    weakest-first programme that runs out of budget in its third round."""
    import datetime as dt

    from coopsim.inputs.policies import Programme

    programme = Programme.model_validate(
        {
            "start": dt.date(2024, 1, 1),
            "capacity_per_year": 40,
            "cost_per_cooperative_million_vnd": 500.0,
            "budget_million_vnd": 50000.0,
            "targeting": "weakest_first",
            "eligible_classes": ["average", "weak"],
            "support_years": 1.5,
            "effects": {"upgrade": 4.0, "dissolution": 0.3},
        }
    )
    scenario = baseline.model_copy(update={"programmes": {"p": programme}})
    plan = compile_plan(scenario, region.data)
    fast = simulate_chunk(plan, 9, 0, 512)
    des = simulate(plan, 9, 200, engine="des")[0]
    assert fast[:, :4, M["supported"]].mean(axis=0).tolist() == [40, 40, 20, 0]
    assert np.allclose(fast[..., M["budget_spent_million_vnd"]].sum(axis=1), 50000)
    for metric in ("good", "fair", "average", "weak", "dissolved", "well_operating_share"):
        for k in range(plan.n_years):
            a, b = fast[:, k, M[metric]], des[:, k, M[metric]]
            se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            assert abs(a.mean() - b.mean()) < 4 * max(se, 1e-9), (metric, k)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["baseline", "law2023_cleanup", "stagnation", "credit_and_training"]
)
def test_fast_agrees_with_the_exact_distributions_full(name, region):
    """Full strength: 8,192 replicates, means within 4 standard errors and tail
    probabilities within 3, every metric and year."""
    plan = plan_of(name, region)
    values = simulate_chunk(plan, 23, 0, 8192)
    model = ExactModel(plan)
    for k in range(plan.n_years):
        for metric in EXACT_METRICS:
            support, pmf = metric_distribution(model, metric, k)
            sample = values[:, k, M[metric]]
            mean, var = support @ pmf, (support**2) @ pmf - (support @ pmf) ** 2
            assert abs(sample.mean() - mean) < 4 * np.sqrt(max(var, 1e-12) / sample.size) + 1e-9
            for level in (0.1, 0.5, 0.9):
                cut = support[np.searchsorted(np.cumsum(pmf), level)]
                p = pmf[support > cut].sum()
                se = np.sqrt(p * (1 - p) / sample.size)
                assert abs((sample > cut).mean() - p) < 3 * se + 1 / sample.size
