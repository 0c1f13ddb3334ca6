"""Levers, programmes, clean-ups, the 2023 Law and group conversion, in the plan and in the
simpy engine: each moves what it names, in the direction it says, by the amount it says."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from coopsim.analyses.forecast import forecast
from coopsim.engines.des.programmes import choose
from coopsim.engines.des.simulation import simulate_replicate
from coopsim.inputs.policies import Cleanup, GroupConversion, Law2023, Lever, Programme
from coopsim.metrics import METRIC_INDEX as M
from coopsim.model.plan import compile_plan
from coopsim.runs.simulate import simulate

HAZARDS = ("upgrade", "downgrade", "dissolution")


def with_(scenario, **update):
    return scenario.model_copy(update=update)


def lever(**fields) -> Lever:
    return Lever.model_validate({"group": "credit", "start": dt.date(2025, 1, 1), **fields})


@pytest.mark.parametrize("hazard", HAZARDS)
@pytest.mark.parametrize("multiplier", [0.5, 1.7])
def test_each_lever_scales_the_hazard_it_names_for_its_classes(
    baseline, region, hazard, multiplier
):
    scenario = with_(
        baseline,
        levers={"x": lever(classes=["average", "weak"], effects={hazard: multiplier})},
    )
    plan = compile_plan(scenario, region.data)
    before, after = plan.periods[0], plan.periods[-1]
    assert (before.start, before.end, after.start) == (0.0, 1.0, 1.0)
    base = getattr(before.hazards, hazard)
    changed = getattr(after.hazards, hazard)
    assert np.allclose(changed[2:], base[2:] * multiplier)  # average and weak
    assert np.allclose(changed[:2], base[:2])  # good and fair untouched
    for other in set(HAZARDS) - {hazard}:
        assert np.allclose(getattr(after.hazards, other), getattr(before.hazards, other))


def test_ramp_up_grows_in_quarterly_steps_and_end_stops_it(baseline, region):
    scenario = with_(
        baseline,
        levers={"x": lever(ramp_up_years=1.0, end=dt.date(2027, 1, 1), effects={"founding": 2.0})},
    )
    plan = compile_plan(scenario, region.data)
    edges = [(p.start, p.end) for p in plan.periods]
    assert edges == [(0, 1), (1, 1.25), (1.25, 1.5), (1.5, 1.75), (1.75, 2), (2, 3), (3, 7)]
    multipliers = [p.founding_multiplier for p in plan.periods]
    assert multipliers == pytest.approx([1, 1.125, 1.375, 1.625, 1.875, 2, 1])


def test_law_2023_raises_founding_from_its_date(baseline, region):
    scenario = with_(baseline, law_2023=Law2023(founding_multiplier=1.2))
    plan = compile_plan(scenario, region.data)
    assert [(p.start, p.founding_multiplier) for p in plan.periods] == [
        (0.0, 1.0),
        pytest.approx((182 / 366, 1.2)),  # 1 July 2024, a leap year
    ]


def mean_metric(scenario, region, metric, year_index, n=150, seed=4):
    values = simulate(compile_plan(scenario, region.data), seed, n, engine="des")[0]
    return values[:, year_index, M[metric]]


@pytest.mark.parametrize(
    ("effects", "metric", "direction"),
    [
        ({"upgrade": 2.0}, "well_operating_share", +1),
        ({"downgrade": 2.0}, "well_operating_share", -1),
        ({"dissolution": 3.0}, "dissolved", +1),
        ({"founding": 2.0}, "founded", +1),
    ],
)
def test_levers_move_outcomes_the_way_they_say(baseline, region, effects, metric, direction):
    """Paired (same seed) differences, significant beyond 4 standard errors."""
    changed = with_(baseline, levers={"x": lever(start=dt.date(2024, 1, 1), effects=effects)})
    diff = mean_metric(changed, region, metric, 2) - mean_metric(baseline, region, metric, 2)
    z = diff.mean() / (diff.std(ddof=1) / np.sqrt(diff.size))
    assert direction * z > 4, f"z = {z:.1f}"


def test_a_lever_after_the_horizon_changes_nothing(baseline, region):
    late = with_(
        baseline,
        levers={"x": lever(start=dt.date(2031, 1, 1), effects={"upgrade": 3.0, "founding": 2})},
    )
    plan_a, plan_b = compile_plan(baseline, region.data), compile_plan(late, region.data)
    a = simulate(plan_a, 21, 20, engine="des")[0]
    b = simulate(plan_b, 21, 20, engine="des")[0]
    assert np.array_equal(a, b, equal_nan=True)


def test_a_lever_shares_random_numbers_until_it_starts(baseline, region):
    """Common random numbers: a lever starting in 2027 leaves 2024-2026 untouched."""
    later = with_(baseline, levers={"x": lever(start=dt.date(2027, 1, 1), effects={"upgrade": 3})})
    a = simulate(compile_plan(baseline, region.data), 8, 20, engine="des")[0]
    b = simulate(compile_plan(later, region.data), 8, 20, engine="des")[0]
    assert np.array_equal(a[:, :3], b[:, :3], equal_nan=True)
    assert not np.array_equal(a[:, 3:], b[:, 3:], equal_nan=True)


def test_cleanup_removes_each_cooperative_with_its_probability(baseline, region):
    p = 0.3
    wave = Cleanup(date=dt.date(2024, 1, 1), removal_probability={"weak": p})
    scenario = with_(baseline, cleanups={"wave": wave})
    removed = mean_metric(scenario, region, "removed", 0, n=300)
    weak_at_start = int(compile_plan(scenario, region.data).initial.latent[3])
    expected, sd = weak_at_start * p, np.sqrt(weak_at_start * p * (1 - p))
    assert abs(removed.mean() - expected) < 3 * sd / np.sqrt(removed.size)
    assert removed.std(ddof=1) == pytest.approx(sd, rel=0.2)


def programme(**fields) -> Programme:
    base = {
        "start": dt.date(2024, 1, 1),
        "capacity_per_year": 30,
        "cost_per_cooperative_million_vnd": 700.0,
        "budget_million_vnd": 50000.0,
        "eligible_classes": ["average", "weak"],
        "support_years": 2.0,
        "effects": {"upgrade": 4.0, "dissolution": 0.5},
    }
    return Programme.model_validate({**base, **fields})


def test_programmes_respect_capacity_and_never_overspend(baseline, region):
    scenario = with_(baseline, programmes={"p": programme()})
    values = simulate(compile_plan(scenario, region.data), 2, 40, engine="des")[0]
    supported = values[..., M["supported"]]
    spent = values[..., M["budget_spent_million_vnd"]]
    assert (supported <= 30).all()
    assert (spent.sum(axis=1) <= 50000 + 1e-6).all()
    # 50,000 buys 71 cooperatives at 700: 30 + 30 + 11, then the budget is spent.
    assert supported[0].tolist() == [30, 30, 11, 0, 0, 0, 0]
    assert np.allclose(spent, supported * 700)


def test_a_strong_programme_adds_well_operating_cooperatives(baseline, region):
    scenario = with_(baseline, programmes={"p": programme()})
    result = forecast(scenario, replications=120, seed=6, workers=1, region=region)
    impact = result.programme_impact().set_index("year")
    assert (
        impact.loc[2026, "additional_well_operating"]
        > 4 * impact.loc[2026, "additional_well_operating_stderr"]
    )
    assert impact.loc[2026, "budget_spent_to_date_million_vnd"] == pytest.approx(49700)
    cost = impact.loc[2026, "cost_per_additional_well_operating_million_vnd"]
    assert cost == pytest.approx(49700 / impact.loc[2026, "additional_well_operating"])


def test_targeting_rules():
    rng = np.random.default_rng(0)
    candidates, classes = [10, 11, 12, 13, 14], [1, 3, 2, 3, 0]
    assert sorted(choose(candidates, classes, 2, "weakest_first", rng)) == [11, 13]
    assert choose(candidates, classes, 1, "most_promising", rng) == [14]
    picked = choose(candidates, classes, 3, "random", rng)
    assert len(set(picked)) == 3 and set(picked) <= set(candidates)
    assert choose(candidates, classes, 9, "random", rng) == candidates


def test_groups_pool_feeds_founding_and_shrinks(baseline, region):
    founding = baseline.founding.model_copy(
        update={"mean_per_year": 0.0, "from_groups": GroupConversion(conversion_per_year=0.01)}
    )
    plan = compile_plan(with_(baseline, founding=founding), region.data)
    assert plan.groups.initial_pool == 2579
    values = simulate_replicate(plan, 3, 0)
    founded = values[:, M["founded"]]
    assert np.array_equal(values[:, M["cooperative_groups"]], 2579 - np.cumsum(founded))
    assert founded.sum() > 0


def test_common_random_numbers_make_paired_differences_precise(baseline, region):
    """Each cooperative draws from its own keyed sequence, so a policy that touches a few
    cooperatives leaves the others' lives unchanged: the paired difference is far less noisy
    than the difference of two independent runs."""
    small = programme(capacity_per_year=5, budget_million_vnd=3500.0)
    scenario = with_(baseline, programmes={"p": small})
    result = forecast(scenario, replications=100, seed=12, workers=1, region=region)
    impact = result.programme_impact().set_index("year")
    well = ["good", "fair"]
    with_programme = sum(result.values[:, -1, M[c]] for c in well)
    without = sum(result.counterfactual[:, -1, M[c]] for c in well)
    unpaired = np.sqrt((with_programme.var(ddof=1) + without.var(ddof=1)) / 100)
    assert impact.loc[2030, "additional_well_operating_stderr"] < 0.2 * unpaired
