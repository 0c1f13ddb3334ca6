"""A province that publishes only totals and flows (docs/examples/example_province, invented):
the whole-record fit learns what those figures say and says plainly what they cannot inform."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import coopsim
from coopsim.analyses.calibration.record.informed import not_informed
from coopsim.analyses.calibration.record.timeline import build_record
from coopsim.cli.calibrate import format_calibration
from coopsim.cli.forecast import format_report
from coopsim.inputs.region_data import load_region, load_scenario_and_region
from coopsim.model.hazards import Hazards
from coopsim.model.initial_state import steady_class_mix
from coopsim.results.targets import (
    ASSUMED_NOTE,
    PRIOR_WIDTH_NOTE,
    has_class_figure,
    prior_width_notes,
)

from ..conftest import ROOT

SCENARIO = ROOT / "docs" / "examples" / "example_province" / "scenario.toml"
#: The baseline's targets on a class share (inherited by the province's scenario).
CLASS_TARGETS = {"well_operating_share_2024", "well_operating_share_2030"}


@pytest.fixture(scope="module")
def province():
    loaded, region = load_scenario_and_region(SCENARIO)
    return loaded.scenario, region


@pytest.fixture(scope="module")
def fit(province):
    scenario, region = province
    # a short warm-up: the chains start at the Laplace approximation of six parameters
    return coopsim.calibrate(scenario, region.data, draws=400, seed=2024, workers=1, warmup=300)


def test_the_province_publishes_totals_and_flows_and_no_class_figure(province):
    _, region = province
    assert not has_class_figure(region.data)
    assert region.inconsistencies == ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert has_class_figure(load_region("ha_tinh").data)
    quantities = {o.quantity for o in region.data.observations()}
    assert quantities == {"total", "members", "founded", "dissolved"}


def test_the_fit_learns_the_levels_and_leaves_the_class_moves_to_their_priors(fit):
    """Six years of foundings and dissolutions narrow their levels to well under half their
    prior spread; the class moves keep at least 0.6 of it (only a class figure could narrow
    them much: the classes' different dissolution hazards give the flows and the starting
    year's new cooperatives a faint pull, and 400 draws a few per cent of Monte Carlo
    noise)."""
    ratio = fit.identifiability.set_index("parameter")["spread_ratio"]
    assert ratio["founding_scale"] < 0.5
    assert ratio["dissolution_scale"] < 0.6
    assert ratio["upgrade_scale"] >= 0.6 and ratio["downgrade_scale"] >= 0.6
    assert fit.check["inside_90"].all(), fit.check


def test_the_summary_says_plainly_that_no_class_figure_is_published(fit):
    gaps = fit.summary()["not_informed"]
    assert len(gaps) == 1, gaps  # foundings and dissolutions are published; no dormancy
    assert gaps[0].startswith("No class figure")
    assert "upgrade_scale and downgrade_scale" in gaps[0]
    assert "target on a class share carry their priors" in gaps[0]
    printed = format_calibration(fit)
    assert "What the data cannot inform:\n  No class figure" in printed


def test_ha_tinh_record_lacks_only_a_stopped_operating_count(province):
    """The same sentences for Ha Tinh's record under cleanup_risk: classes, foundings and
    dissolutions are published; a count of stopped cooperatives is not."""
    scenario = coopsim.load_scenario(ROOT / "scenarios" / "cleanup_risk.toml").scenario
    assert scenario.calibration is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        record = build_record(load_region("ha_tinh").data, 2023)
    gaps = not_informed(record, scenario.calibration.priors, dormancy=True)
    assert len(gaps) == 1 and gaps[0].startswith("No stopped-operating count"), gaps
    assert "dormancy_entry_scale" in gaps[0] and "initial_dormant_share" in gaps[0]


def test_class_targets_get_the_prior_width_note_only_without_class_figures(province, baseline):
    scenario, region = province
    notes = prior_width_notes(scenario.targets, region.data)
    assert set(notes) == CLASS_TARGETS
    assert set(notes.values()) == {PRIOR_WIDTH_NOTE}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert prior_width_notes(baseline.targets, load_region("ha_tinh").data) == {}


def test_the_province_is_forecast_with_its_posterior_and_its_class_targets_noted(province, fit):
    """The total is split by the steady class mix (and the start says so); summary.json and
    the printed table note each class target, and only those, as not informed by the data;
    without the posterior the note says the probability rests on the assumed class mix."""
    scenario, region = province
    result = coopsim.forecast(
        scenario, replications=200, seed=1, region=region, posterior=fit.draws, workers=1
    )
    assert "steady class mix" in result.initial.method
    assert result.initial.total == round(region.data.snapshots[2023].total.value)
    targets = result.summary()["targets"]
    noted = {name for name, found in targets.items() if "note" in found}
    assert noted == CLASS_TARGETS
    assert all(targets[name]["note"] == PRIOR_WIDTH_NOTE for name in noted)
    printed = format_report(result)
    assert printed.count(f"  note: {PRIOR_WIDTH_NOTE}") == len(CLASS_TARGETS)
    plain = coopsim.forecast(scenario, replications=100, seed=1, region=region, workers=1)
    assert {t.get("note") for t in plain.summary()["targets"].values()} == {ASSUMED_NOTE, None}


def test_the_steady_class_mix_is_where_the_classes_settle(province):
    """Run from the steady mix with entries at the same mix of new ones, the expected class
    shares do not move (the mix is the fixed point of the class dynamics with inflow)."""
    scenario, _ = province
    mix = steady_class_mix(scenario)
    hazards = Hazards.from_quality(scenario.quality)
    q = hazards.generator()[:4, :4]
    entry = np.array(scenario.founding.entry_class.as_tuple())
    inflow = mix @ -q  # the inflow that keeps the stock `mix` in place
    assert np.allclose(inflow / inflow.sum(), entry)
