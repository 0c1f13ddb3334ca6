"""The fast and des engines started at a dated report (model.origin): each replicate from its
start draw, the first year's counters from the report's, nothing before the report's date,
the two engines agreeing, and results independent of how replicates are chunked."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import coopsim
from coopsim.engines.registry import ENGINES, select_engine
from coopsim.inputs.region_data import region_for
from coopsim.metrics import METRIC_INDEX as M
from coopsim.model.hazards import Hazards
from coopsim.model.origin import ReportOrigin
from coopsim.model.plan import CleanupEvent, SimulationPlan, compile_plan

ROOT = Path(__file__).resolve().parents[2]
T0 = 0.5
CLASSES = ["good", "fair", "average", "weak"]
#: Three start draws with different old/young splits (the fourth column's counts are dormant,
#: used when the plan has dormancy).
OLD = np.array([[200, 300, 300, 200, 40], [20, 30, 30, 20, 5], [400, 500, 600, 400, 90]])
YOUNG = np.array([[1, 3, 5, 3, 1], [0, 0, 0, 0, 0], [0, 2, 6, 4, 0]])
FOUNDED = np.array([12, 0, 12])
DISSOLVED = np.array([7, 0, 9])
REMOVED = np.array([0, 0, 2])
FACTOR = np.array([0.8, 1.0, 1.5])
MEMBERS = np.array([70_000, 7_000, 140_000])


def load_plan(name: str, years: int = 3) -> SimulationPlan:
    """A bundled scenario's plan, cut to `years` simulated years to keep des runs short."""
    scenario = coopsim.load_scenario(ROOT / "scenarios" / f"{name}.toml").scenario
    scenario = scenario.model_copy(update={"horizon_year": scenario.first_year + years - 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        region = region_for(scenario).data
    return compile_plan(scenario, region)


def report_origin(plan: SimulationPlan, old: np.ndarray = OLD, **changes) -> ReportOrigin:
    """A hand-made origin at T0 in the plan's first year, its draws over the plan's states."""
    s = plan.n_states
    fields = dict(
        time=T0,
        date=dt.date(plan.first_year, 7, 2),
        old=np.ascontiguousarray(old[:, :s], dtype=np.int64),
        young=np.ascontiguousarray(YOUNG[: len(old), :s], dtype=np.int64),
        founded=FOUNDED[: len(old)],
        dissolved=DISSOLVED[: len(old)],
        removed=REMOVED[: len(old)],
        founding_factor=FACTOR[: len(old)],
        members=MEMBERS[: len(old)],
    )
    fields.update(changes)
    return ReportOrigin(**fields)


def run(engine: str, plan: SimulationPlan, seed: int, n: int, start: int = 0) -> np.ndarray:
    chunk = ENGINES[engine].chunk
    assert chunk is not None
    return chunk(plan, seed, start, start + n)


def still(plan: SimulationPlan) -> SimulationPlan:
    """The plan with nothing happening: no class move, dissolution, founding or wave."""
    zero = np.zeros(4)
    hazards = Hazards(upgrade=zero, downgrade=zero, dissolution=zero)
    dormancy = plan.dormancy
    if dormancy is not None:
        dormancy = replace(dormancy, entry=zero, resume=0.0, dissolution=0.0)
    periods = tuple(replace(p, hazards=hazards) for p in plan.periods)
    return replace(plan, periods=periods, founding_mean_per_year=0.0, dormancy=dormancy, waves=None)


@pytest.fixture(scope="module")
def plans() -> dict[str, SimulationPlan]:
    return {name: load_plan(name) for name in ("baseline", "cleanup_risk", "model_coop_project")}


ENGINE_CASES = [("fast", 512), ("des", 24)]


@pytest.mark.parametrize(("engine", "n"), ENGINE_CASES)
@pytest.mark.parametrize("name", ["baseline", "cleanup_risk"])
def test_the_first_years_counters_start_at_the_reports(plans, name, engine, n):
    plan = plans[name]
    origin = report_origin(plan)
    values = run(engine, plan.with_origin(origin), 3, n)
    d = origin.row(np.arange(n))
    year0 = values[:, 0]
    assert (year0[:, M["founded"]] >= origin.founded[d]).all()
    assert (year0[:, M["dissolved"]] >= origin.dissolved[d]).all()
    assert (year0[:, M["removed"]] >= origin.removed[d]).all()


@pytest.mark.parametrize(("engine", "n"), ENGINE_CASES)
@pytest.mark.parametrize("name", ["baseline", "cleanup_risk"])
def test_with_nothing_happening_after_the_report_the_first_year_is_the_draw(plans, name, engine, n):
    plan = still(plans[name])
    origin = report_origin(plan)
    values = run(engine, plan.with_origin(origin), 5, n)
    d = origin.row(np.arange(n))
    old, young = origin.old[d], origin.young[d]
    year0, year1 = values[:, 0], values[:, 1]
    assert np.array_equal(year0[:, M["cooperatives"]], old.sum(axis=1) + young.sum(axis=1))
    assert np.array_equal(year0[:, [M[c] for c in CLASSES]], old[:, :4])
    assert np.array_equal(year0[:, M["unclassified"]], young.sum(axis=1))
    for name_ in ("founded", "dissolved", "removed"):
        assert np.array_equal(year0[:, M[name_]], getattr(origin, name_)[d]), name_
    dormant = old[:, 4] if plan.n_states == 5 else np.zeros(n)
    assert np.array_equal(year0[:, M["dormant"]], dormant)
    # The old stock keeps its members; the young have at least the legal minimum each.
    extra = year0[:, M["members"]] - origin.members[d]
    assert (extra >= plan.new_members_minimum * young.sum(axis=1)).all()
    assert (extra[young.sum(axis=1) == 0] == 0).all()
    # The next year the young are classified, nothing is counted, and no one has left.
    assert np.array_equal(year1[:, [M[c] for c in CLASSES]], old[:, :4] + young[:, :4])
    assert (year1[:, M["unclassified"]] == 0).all()
    assert (year1[:, [M["founded"], M["dissolved"], M["removed"]]] == 0).all()
    assert np.array_equal(year1[:, M["members"]], year0[:, M["members"]])


@pytest.mark.parametrize(("engine", "n"), ENGINE_CASES)
def test_replicate_r_starts_from_draw_r_mod_count(plans, engine, n):
    plan = plans["baseline"]
    small, large = [25, 25, 25, 25], [500, 500, 500, 500]
    origin = report_origin(plan, old=np.array([small, large, small]))
    total = run(engine, plan.with_origin(origin), 7, n)[:, 0, M["cooperatives"]]
    large_draw = np.arange(n) % 3 == 1
    assert (total[large_draw] > 1800).all() and (total[~large_draw] < 300).all()


@pytest.mark.parametrize(
    ("engine", "n", "overdispersed"), [("fast", 16 * 256, 1.25), ("des", 300, 1.7)]
)
def test_founding_after_the_report_runs_at_the_draws_factor(engine, n, overdispersed):
    """The rest of the first year founds Poisson(mean x factor x (1 - t0)) given the draw:
    the draw's factor replaces the year's gamma draw (which would make the count's variance
    about 3 times its mean here)."""
    plan = load_plan("baseline", years=1)
    origin = report_origin(plan)
    values = run(engine, plan.with_origin(origin), 11, n)
    d = origin.row(np.arange(n))
    after = values[:, 0, M["founded"]] - origin.founded[d]
    year0 = sum(
        p.founding_multiplier * max(0.0, min(1, p.end) - max(T0, p.start)) for p in plan.periods
    )
    for row in range(origin.count):
        sample = after[d == row]
        expected = plan.founding_mean_per_year * origin.founding_factor[row] * year0
        assert abs(sample.mean() - expected) < 4 * np.sqrt(expected / sample.size), row
        assert sample.var() < overdispersed * expected, row  # Poisson, not gamma-mixed


AGREEING = ["cooperatives", "founded", "dissolved", "good", "well_operating_share"]
AGREEING += ["unclassified", "members", "dormant"]


@pytest.mark.parametrize("name", ["baseline", "cleanup_risk"])
def test_des_and_fast_agree_from_a_report(plans, name):
    """Means within 4 standard errors of their difference, both overall and draw by draw
    (stratified: both runs hold each draw equally often, and the draws' spread, large for
    the stock and its members, cancels)."""
    origin = report_origin(plans[name])
    plan = plans[name].with_origin(origin)
    des, fast = run("des", plan, 21, 300), run("fast", plan, 21, 3000)
    des_row, fast_row = origin.row(np.arange(300)), origin.row(np.arange(3000))
    for k in (0, 2):
        for metric in AGREEING:
            a, b = des[:, k, M[metric]], fast[:, k, M[metric]]
            se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            assert abs(a.mean() - b.mean()) <= 4 * se + 1e-9, (metric, k, a.mean(), b.mean())
            parts = [(a[des_row == r], b[fast_row == r]) for r in range(origin.count)]
            gap = np.mean([x.mean() - y.mean() for x, y in parts])
            se = np.sqrt(sum(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size for x, y in parts))
            assert abs(gap) <= 4 * se / origin.count + 1e-9, (metric, k, "by draw", gap)


@pytest.mark.parametrize(("engine", "n", "cut"), [("fast", 600, 300), ("des", 8, 4)])
@pytest.mark.parametrize("name", ["cleanup_risk", "model_coop_project"])
def test_results_do_not_depend_on_chunking(plans, name, engine, n, cut):
    plan = plans[name].with_origin(report_origin(plans[name]))
    whole = run(engine, plan, 13, n)
    assert np.array_equal(whole[cut:], run(engine, plan, 13, n - cut, start=cut), equal_nan=True)


@pytest.mark.parametrize(("engine", "n"), ENGINE_CASES)
def test_no_clean_up_or_wave_before_the_report(plans, engine, n):
    """A clean-up or the first year's wave dated before the report does not happen, even
    when a plan carries it; one after the report does."""
    plan = plans["cleanup_risk"]
    origin = report_origin(plan)
    everyone = np.ones(plan.n_states)
    early = CleanupEvent("early", T0 - 0.2, everyone)
    waves = replace(plan.waves, probability=1.0, time_of_year=T0 - 0.1, removal=everyone)
    before = replace(plan.with_origin(origin), cleanups=(early,), waves=waves)
    values = run(engine, before, 17, n)
    d = origin.row(np.arange(n))
    assert np.array_equal(values[:, 0, M["removed"]], origin.removed[d])
    assert (values[:, 1, M["removed"]] >= 100).all()  # the next year's wave removes all
    later = replace(before, waves=replace(waves, time_of_year=T0 + 0.1))
    values = run(engine, later, 17, n)
    assert (values[:, 0, M["removed"]] - origin.removed[d] >= 100).all()


@pytest.mark.parametrize(("engine", "n"), ENGINE_CASES)
def test_a_programme_round_is_made_at_the_report_or_after(plans, engine, n):
    plan = plans["model_coop_project"]
    origin = report_origin(plan)
    supported = run(engine, plan.with_origin(origin), 19, n)[:, :, M["supported"]]
    assert (supported[:, 0] == 2).all() and (supported[:, 1:] == 0).all()  # moved to T0
    # Carried without with_origin, a round due before the report is skipped, the next made.
    skipped = run(engine, replace(plan, origin=origin), 19, n)[:, :, M["supported"]]
    assert (skipped[:, 0] == 0).all() and (skipped[:, 1] == 2).all()


def test_auto_still_picks_des_for_programmes_and_exact_refuses_an_origin(plans):
    for name, engine in (("baseline", "fast"), ("model_coop_project", "des")):
        plan = plans[name].with_origin(report_origin(plans[name]))
        assert select_engine("auto", plan).name == engine
        assert ENGINES["exact"].unsupported_features(plan)
