"""The simpy engine's starting stock, set up in numpy steps: its first events fall where the
per-cooperative integration puts them, and its members leave as the Dirichlet-multinomial
split says."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats

from coopsim.engines.des.constants import plan_constants
from coopsim.engines.des.simulation import DesReplicate
from coopsim.inputs.policies import Lever
from coopsim.metrics import METRIC_INDEX as M
from coopsim.model.plan import SimulationPlan, compile_plan
from coopsim.rng import stream
from coopsim.runs.simulate import simulate

STILL = {"upgrade": 0.0, "downgrade": 0.0, "dissolution": 0.0}


def first_event_time(plan: SimulationPlan, c: int, hazard: float) -> float:
    """Where a class-c cooperative's hazard from time 0 adds up to `hazard`, period by period."""
    t = 0.0
    for k, period in enumerate(plan.periods):
        end = period.end if k < len(plan.periods) - 1 else math.inf
        rate = float(period.hazards.exit_rate[c])
        if rate > 0:
            if t + hazard / rate <= end:
                return t + hazard / rate
            hazard -= rate * (end - t)
        t = end
    return math.inf


STOP_GOOD = Lever(group="other", start=dt.date(2024, 1, 1), classes=["good"], effects=STILL)
PAUSE_WEAK = Lever(
    group="other",
    start=dt.date(2025, 1, 1),
    end=dt.date(2027, 1, 1),
    ramp_up_years=0.5,
    classes=["weak"],
    effects=STILL,
)


@pytest.mark.parametrize(
    "levers",
    [{}, {"stop_good": STOP_GOOD}, {"stop_good": STOP_GOOD, "pause_weak": PAUSE_WEAK}],
    ids=["one_period", "one_period_good_stuck", "periods_weak_paused"],
)
def test_first_events_integrate_each_cooperatives_hazard_over_the_periods(baseline, region, levers):
    """With no lever, with good cooperatives stopped for good, and with weak ones also paused
    for a while, ramping up: the starting stock's first events, placed all at once from the
    i-th Exp(1) draw of its stream for cooperative i, are those of the period-by-period
    integration, in time order, and only those before the horizon."""
    plan = compile_plan(baseline.model_copy(update={"levers": levers}), region.data)
    assert (len(plan.periods) > 3) == ("pause_weak" in levers)
    for replicate in range(3):
        sim = DesReplicate(plan, 5, replicate)
        hazards = stream(5, replicate, "initial").standard_exponential(len(sim.cls)).tolist()
        expected = np.array(
            [first_event_time(plan, c, h) for c, h in zip(sim.cls, hazards, strict=True)]
        )
        due = [i for i in np.argsort(expected, kind="stable") if expected[i] < plan.n_years]
        assert sim.initial_order == due
        assert np.allclose(sim.initial_times, expected[due], rtol=1e-12, atol=0)
        if levers:
            assert np.isinf(expected[np.array(sim.cls) == 0]).all()


def test_plan_constants_are_built_once_per_plan(baseline, region):
    plan = compile_plan(baseline, region.data)
    assert plan_constants(plan) is plan_constants(plan)
    assert plan_constants(compile_plan(baseline, region.data)) is not plan_constants(plan)


def test_the_starting_stocks_members_leave_as_a_dirichlet_multinomial_split(baseline, region):
    """Without founding, the members gone from the N of the n starting cooperatives, given
    the g of them gone, are BetaBinomial(N, k g, k (n - g)): standardised by that mean and
    variance they have mean 0 (within 4 standard errors) and variance 1 (chi-square, p above
    0.001), which a split without the Dirichlet's dispersion would miss by a factor of 49."""
    founding = baseline.founding.model_copy(update={"mean_per_year": 0.0})
    plan = compile_plan(baseline.model_copy(update={"founding": founding}), region.data)
    values = simulate(plan, 9, 300, engine="des")[0]
    total, n, k = plan.initial.members, plan.initial.total, plan.members_dispersion
    for year in (0, plan.n_years - 1):
        gone = n - values[:, year, M["cooperatives"]]
        removed = total - values[:, year, M["members"]]
        mean = total * gone / n
        var = total * gone * (n - gone) / n**2 * (k * n + total) / (k * n + 1)
        z = (removed - mean) / np.sqrt(var)
        assert abs(z.mean()) < 4 / np.sqrt(z.size)
        chi2 = stats.chi2(z.size).cdf((z**2).sum())
        assert 0.0005 < chi2 < 0.9995
