"""Dormancy (stopping operating) and clean-up waves at random years: the schema, the engines'
agreement (des and fast against the exact distributions), what a wave does at its date, and
that scenarios without either give exactly the results they gave before."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from coopsim.engines.des.removals import schedule_removals
from coopsim.engines.des.simulation import DesReplicate
from coopsim.engines.draws import wave_years
from coopsim.engines.exact.distributions import metric_distribution
from coopsim.engines.exact.model import MAX_WAVE_YEARS, ExactModel, unsupported_features
from coopsim.engines.fast.simulation import simulate_chunk
from coopsim.engines.registry import select_engine
from coopsim.errors import InputError
from coopsim.inputs.scenario import Scenario, load_scenario
from coopsim.inputs.validation import validate
from coopsim.metrics import METRIC_INDEX as M
from coopsim.metrics import METRIC_NAMES
from coopsim.model.plan import compile_plan
from coopsim.rng import STREAM_NAMES
from coopsim.runs.simulate import simulate

from ..conftest import ROOT

DORMANCY: dict[str, Any] = {
    "entry_per_year": {"good": 0.02, "fair": 0.04, "average": 0.08, "weak": 0.2},
    "resume_per_year": 0.4,
    "resume_class": {"good": 0.0, "fair": 0.2, "average": 0.4, "weak": 0.4},
    "dissolution_per_year": 0.15,
}
WAVES: dict[str, Any] = {
    "probability_per_year": 0.3,
    "removal_probability": {"weak": 0.3, "average": 0.05},
}
WAVES_WITH_DORMANT: dict[str, Any] = {
    "probability_per_year": 0.3,
    "time_of_year": 0.4,
    "removal_probability": {"dormant": 0.7, "weak": 0.2},
}
CASES = {
    "dormancy": {"dormancy": DORMANCY},
    "waves": {"cleanup_waves": WAVES},
    "both": {"dormancy": DORMANCY, "cleanup_waves": WAVES_WITH_DORMANT},
}
#: The metrics the exact engine gives a distribution of.
CHECKED = [
    "cooperatives",
    "founded",
    "dissolved",
    "removed",
    "good",
    "fair",
    "average",
    "weak",
    "unclassified",
    "dormant",
    "well_operating_share",
    "weak_share",
]
CLASSES = ["good", "fair", "average", "weak"]


def scenario_with(baseline: Scenario, horizon: int = 2027, **tables: Any) -> Scenario:
    """The baseline to `horizon`, with the given tables added (validated as a file would be)."""
    data = baseline.model_dump(mode="python", exclude={"extends", "replace"})
    data["horizon_year"] = horizon
    data["targets"] = {k: t for k, t in data["targets"].items() if t["year"] <= horizon}
    data.update(tables)
    return validate(Scenario, data, "test scenario")


def plan_with(baseline, region, horizon: int = 2027, **tables: Any):
    return compile_plan(scenario_with(baseline, horizon, **tables), region.data)


def assert_agrees_with_exact(model: ExactModel, values: np.ndarray, label: str) -> None:
    """Every year and metric: the sample mean within 4 standard errors (the exact standard
    deviation over sqrt(n)) of the exact mean, and P(value > exact median) within 3."""
    n = values.shape[0]
    for k in range(model.plan.n_years):
        for metric in CHECKED:
            support, pmf = metric_distribution(model, metric, k)
            sample = values[:, k, M[metric]]
            mean = support @ pmf
            sd = np.sqrt(max(support**2 @ pmf - mean**2, 0.0))
            assert abs(sample.mean() - mean) <= 4 * sd / np.sqrt(n) + 1e-9, (label, metric, k)
            median = support[min(np.searchsorted(np.cumsum(pmf), 0.5), len(support) - 1)]
            p = pmf[support > median].sum()
            se = np.sqrt(p * (1 - p) / n)
            assert abs((sample > median).mean() - p) <= 3 * se + 1 / n, (label, metric, k)


# -- schema -------------------------------------------------------------------------------------
def test_without_the_tables_the_plan_has_neither(baseline, region):
    plan = compile_plan(baseline, region.data)
    assert plan.dormancy is None and plan.waves is None and plan.n_states == 4


def test_stream_names_are_only_appended():
    """The sub-stream contract: earlier names keep their indices (and so every result)."""
    assert STREAM_NAMES[:7] == (
        "founding",
        "transitions",
        "members",
        "initial",
        "cleanups",
        "programmes",
        "cooperatives",
    )
    assert STREAM_NAMES[7:] == ("waves", "wave_removals")


def test_dormant_removal_without_dormancy_is_refused_at_its_field(baseline):
    with pytest.raises(InputError, match=r"cleanup_waves\.removal_probability\.dormant"):
        scenario_with(baseline, cleanup_waves=WAVES_WITH_DORMANT)
    cleanups = {"sweep": {"date": "2025-06-01", "removal_probability": {"dormant": 0.5}}}
    with pytest.raises(InputError, match=r"cleanups\.sweep\.removal_probability\.dormant"):
        scenario_with(baseline, cleanups=cleanups)


@pytest.mark.parametrize(
    ("table", "bad"),
    [
        ("cleanup_waves", {**WAVES, "time_of_year": 1.0}),
        ("cleanup_waves", {**WAVES, "probability_per_year": 1.5}),
        ("cleanup_waves", {**WAVES, "probabilty_per_year": 0.1}),
        ("dormancy", {**DORMANCY, "resume_class": {"weak": 0.5}}),
        ("dormancy", {**DORMANCY, "resume_per_year": -1}),
    ],
)
def test_bad_settings_are_refused_with_a_message(baseline, table, bad):
    extra = {"dormancy": DORMANCY} if table == "cleanup_waves" else {}
    with pytest.raises(InputError, match=table):
        scenario_with(baseline, **{**extra, table: bad})


def test_the_bundled_cleanup_risk_scenario_has_both(region):
    scenario = load_scenario(ROOT / "scenarios" / "cleanup_risk.toml").scenario
    plan = compile_plan(scenario, region.data)
    assert plan.dormancy is not None and plan.waves is not None
    assert plan.waves.removal.tolist() == [0.0, 0.0, 0.02, 0.15, 0.8]
    assert unsupported_features(plan) == []


# -- unchanged without the features ----------------------------------------------------------------
def test_waves_that_never_happen_change_nothing_on_any_engine(baseline, region):
    plain = plan_with(baseline, region)
    never = plan_with(baseline, region, cleanup_waves={**WAVES, "probability_per_year": 0.0})
    assert never.waves is None
    for engine in ("des", "fast"):
        a, b = (simulate(p, 5, 40, engine=engine)[0] for p in (plain, never))
        assert np.array_equal(a, b, equal_nan=True), engine
    a, b = ExactModel(plain), ExactModel(never)
    for metric in CHECKED:
        for k in range(plain.n_years):
            x, y = metric_distribution(a, metric, k), metric_distribution(b, metric, k)
            assert np.array_equal(x[0], y[0]) and np.array_equal(x[1], y[1]), (metric, k)


def test_des_with_dormancy_that_never_starts_lives_the_same_lives(baseline, region):
    """A cooperative's events use the same keyed draws with or without a dormant state: with
    no one ever stopping, every metric but `dormant` (0) is exactly as without dormancy."""
    idle = {**DORMANCY, "entry_per_year": {}}
    plain = simulate(plan_with(baseline, region), 3, 30, engine="des")[0]
    dormant = simulate(plan_with(baseline, region, dormancy=idle), 3, 30, engine="des")[0]
    assert np.array_equal(plain, dormant, equal_nan=True)
    assert (dormant[..., M["dormant"]] == 0).all()


def test_dormant_is_the_last_metric_and_zero_without_dormancy(baseline, region):
    assert METRIC_NAMES[-1] == "dormant" and METRIC_NAMES[:2] == ("cooperatives", "founded")
    plan = plan_with(baseline, region)
    assert (simulate_chunk(plan, 1, 0, 8)[..., M["dormant"]] == 0).all()
    values, pmf = metric_distribution(ExactModel(plan), "dormant", 0)
    assert values.tolist() == [0.0] and pmf.tolist() == [1.0]


# -- what the features do ----------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["des", "fast"])
def test_reported_counts_partition_the_stock_and_flows_add_up(baseline, region, engine):
    plan = plan_with(baseline, region, **CASES["both"])
    v = simulate(plan, 2, 64, engine=engine)[0]
    parts = sum(v[..., M[c]] for c in [*CLASSES, "unclassified", "dormant"])
    assert np.array_equal(parts, v[..., M["cooperatives"]])
    before = np.concatenate([np.full((64, 1), 1025), v[:, :-1, M["cooperatives"]]], axis=1)
    assert np.array_equal(
        v[..., M["cooperatives"]], before + v[..., M["founded"]] - v[..., M["dissolved"]]
    )
    assert (v[..., M["removed"]] <= v[..., M["dissolved"]]).all()
    assert v[..., M["dormant"]].mean() > 10
    # Shares: of every cooperative alive, dormant included (share_denominator "all").
    well = (v[..., M["good"]] + v[..., M["fair"]]) / v[..., M["cooperatives"]]
    assert np.allclose(v[..., M["well_operating_share"]], well)


def test_classified_denominator_leaves_dormant_and_young_out(baseline, region):
    scenario = scenario_with(baseline, dormancy=DORMANCY)
    reporting = scenario.reporting.model_copy(update={"share_denominator": "classified"})
    plan = compile_plan(scenario.model_copy(update={"reporting": reporting}), region.data)
    for engine in ("des", "fast"):
        v = simulate(plan, 4, 32, engine=engine)[0]
        classified = sum(v[..., M[c]] for c in CLASSES)
        assert np.allclose(v[..., M["weak_share"]], v[..., M["weak"]] / classified), engine


def test_waves_fall_in_the_same_years_on_des_and_fast(baseline, region):
    """Which years have a wave is drawn per replicate from its own stream: the two engines
    (and two scenarios on the same seed) agree on it; a higher probability only adds years."""
    plan = plan_with(baseline, region, horizon=2030, cleanup_waves=WAVES)
    des = simulate(plan, 9, 40, engine="des")[0]
    fast = simulate_chunk(plan, 9, 0, 40)
    years = np.stack([wave_years(plan, 9, i) for i in range(40)])
    assert 0 < years.mean() < 1
    # A wave removes some of the ~200 weak cooperatives (each with probability 0.3).
    assert np.array_equal(des[..., M["removed"]] > 0, years)
    assert np.array_equal(fast[..., M["removed"]] > 0, years)
    likelier = plan_with(
        baseline, region, 2030, cleanup_waves={**WAVES, "probability_per_year": 0.5}
    )
    more = np.stack([wave_years(likelier, 9, i) for i in range(40)])
    assert (more >= years).all() and more.sum() > years.sum()


def no_founding(plan):
    return replace(plan, founding_mean_per_year=0.0)


def test_a_certain_wave_removes_every_dormant_cooperative_at_its_date(baseline, region):
    """Probability 1 and removal 1 for dormant (nothing else): in des, no cooperative is
    dormant just after each wave, some just before; on 1 January (time_of_year 0) with no
    founding, each year's removals are exactly the previous year-end's dormant count, in des
    and fast, and in the exact engine their distributions are the same."""
    sure = {
        "probability_per_year": 1.0,
        "time_of_year": 0.5,
        "removal_probability": {"dormant": 1.0},
    }
    plan = no_founding(plan_with(baseline, region, dormancy=DORMANCY, cleanup_waves=sure))
    sim = DesReplicate(plan, 3, 0)
    schedule_removals(sim)
    after: list[int] = []
    for k in range(plan.n_years):  # queued after the wave of the same instant
        sim.env.timeout(k + 0.5).callbacks.append(lambda _: after.append(sim.cls.count(4)))
    before = []
    for k in range(plan.n_years):
        sim.env.run(until=k + 0.5)  # stops ahead of the events at k + 0.5
        before.append(sim.cls.count(4))
    sim.env.run(until=plan.n_years)
    assert after == [0] * plan.n_years and min(before) > 0
    assert sim.removed == sum(before)

    january = no_founding(
        plan_with(baseline, region, dormancy=DORMANCY, cleanup_waves={**sure, "time_of_year": 0.0})
    )
    for values in (simulate(january, 6, 30, engine="des")[0], simulate_chunk(january, 6, 0, 30)):
        removed, dormant = values[..., M["removed"]], values[..., M["dormant"]]
        assert (removed[:, 0] == 0).all()
        assert np.array_equal(removed[:, 1:], dormant[:, :-1])
    model = ExactModel(january)
    for k in range(1, january.n_years):
        r, d = (
            metric_distribution(model, "removed", k),
            metric_distribution(model, "dormant", k - 1),
        )
        keep = r[1] > 1e-12
        assert np.allclose(np.interp(r[0][keep], d[0], d[1]), r[1][keep], atol=1e-10)


def test_rate_scales_leave_the_dormancy_hazards_alone(baseline, region):
    """Posterior rate scales multiply the quality hazards; the dormancy part of the fast
    engine's generator is the same for every replicate."""
    from coopsim.engines.fast.simulation import _generators

    plan = plan_with(baseline, region, dormancy=DORMANCY)
    hazards = plan.periods[0].hazards
    part = plan.dormancy.generator_part()[None]
    one = _generators(hazards, None, part)
    scales = np.array([[1.0, 1.0, 1.0], [2.0, 1.0, 0.5]])
    both = _generators(hazards, scales, part)
    assert one.shape == (1, 6, 6) and np.allclose(both[0], one[0])
    assert np.allclose(both.sum(axis=-1), 0) and np.allclose(both[1, :, 4], one[0, :, 4])
    assert both[1, 3, 2] == pytest.approx(2 * one[0, 3, 2])  # weak -> average, doubled


def test_programmes_never_pick_a_dormant_cooperative(region):
    scenario = load_scenario(ROOT / "scenarios" / "model_coop_project.toml").scenario
    data = scenario.model_dump(mode="python", exclude={"extends", "replace"})
    data.update(horizon_year=2026, dormancy=DORMANCY)
    data["targets"] = {k: t for k, t in data["targets"].items() if t["year"] <= 2026}
    plan = compile_plan(validate(Scenario, data, "test scenario"), region.data)
    for engine in ("des", "fast"):
        v = simulate(plan, 8, 16, engine=engine)[0]
        assert v[:, 0, M["supported"]].min() > 0 and v[..., M["dormant"]].mean() > 5, engine


# -- agreement ---------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=list(CASES))
def case(request, baseline, region):
    plan = plan_with(baseline, region, **CASES[request.param])
    return request.param, plan, ExactModel(plan)


def test_des_agrees_with_exact(case):
    name, plan, model = case
    assert_agrees_with_exact(model, simulate(plan, 21, 300, engine="des")[0], f"des {name}")


def test_fast_agrees_with_exact(case):
    name, plan, model = case
    assert_agrees_with_exact(model, simulate_chunk(plan, 22, 0, 512), f"fast {name}")


def test_fast_agrees_with_exact_with_levers_and_groups_too(region):
    """resolution20 (levers, the 2023 Law, founding from cooperative groups) with both."""
    scenario = load_scenario(ROOT / "scenarios" / "resolution20.toml").scenario
    data = scenario.model_dump(mode="python", exclude={"extends", "replace"})
    data.update(horizon_year=2027, **CASES["both"])
    data["targets"] = {k: t for k, t in data["targets"].items() if t["year"] <= 2027}
    plan = compile_plan(validate(Scenario, data, "test scenario"), region.data)
    assert plan.groups is not None and len(plan.periods) > 1
    assert_agrees_with_exact(ExactModel(plan), simulate_chunk(plan, 5, 0, 1024), "fast levers")


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_engines_agree_with_exact_full(baseline, region, name):
    """Full strength, to 2030: 2,000 des and 8,192 fast replicates."""
    plan = plan_with(baseline, region, 2030, **CASES[name])
    model = ExactModel(plan)
    assert_agrees_with_exact(model, simulate(plan, 31, 2000, engine="des")[0], f"des {name}")
    assert_agrees_with_exact(model, simulate_chunk(plan, 33, 0, 8192), f"fast {name}")


# -- the exact mixture's horizon -----------------------------------------------------------------
def test_exact_refuses_waves_beyond_its_horizon_and_names_fast(baseline, region):
    last = 2023 + MAX_WAVE_YEARS
    assert unsupported_features(plan_with(baseline, region, last, cleanup_waves=WAVES)) == []
    long = plan_with(baseline, region, last + 1, cleanup_waves=WAVES)
    problems = unsupported_features(long)
    assert problems and "clean-up waves" in problems[0]
    with pytest.raises(InputError, match="use fast or des"):
        select_engine("exact", long)
    assert select_engine("auto", long, "probabilities").name == "fast"
    sure = {**WAVES, "probability_per_year": 1.0}  # a wave every year: no mixture
    assert unsupported_features(plan_with(baseline, region, last + 1, cleanup_waves=sure)) == []
