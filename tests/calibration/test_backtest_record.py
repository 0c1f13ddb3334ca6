"""The rolling-origin backtest of the whole-record fit: no figure after an origin (a year-end
or a dated report) reaches its calibration or its predictions, the CRPS of the pooled
predictive against the normal's closed form, the origins the record allows, and the targets'
Brier scores."""

from __future__ import annotations

import datetime as dt
import math
import re
import warnings

import numpy as np
import pytest
from scipy.stats import norm

from coopsim.analyses.backtest.origins import (
    check_origin,
    check_origins,
    default_origins,
    figures_ahead,
)
from coopsim.analyses.backtest.run import calibrate_origin, predict_ahead
from coopsim.analyses.backtest.scoring import SAMPLES_PER_DRAW, score_figure
from coopsim.analyses.backtest.targets import target_scores, target_summary
from coopsim.analyses.calibration.record.moments import Predictive
from coopsim.analyses.calibration.record.problem import reference_split
from coopsim.analyses.calibration.record.timeline import RecordFigure, build_record
from coopsim.errors import InputError
from coopsim.inputs.region_data import bundled_region_path, load_region
from coopsim.inputs.scenario import Target


def _changed_after(region, day: dt.date, text: str) -> str:
    """The region file with every figure published after the end of `day` changed: class
    counts and flows +7, totals +35 (so that a census still adds up), shares +0.02, bounds as
    values."""
    later = {f.where for f in build_record(region).figures} - {
        f.where for f in build_record(region, until=day).figures
    }
    lines, table = text.splitlines(), ""
    for k, line in enumerate(lines):
        header = re.fullmatch(r"\[([^\]]+)\]", line.strip())
        if header:
            table = header.group(1)
        found = re.fullmatch(r"(value|at_least|at_most) = ([0-9.]+)", line.strip())
        if found and table in later:
            key, value = found.groups()
            step = 35 if table.endswith(".total") else 7
            new = f"{float(value) + 0.02:.4f}" if "." in value else str(int(value) + step)
            lines[k] = f"{key} = {new}"
    return "\n".join(lines) + "\n"


def _changed_region(region, day: dt.date, folder):
    path = folder / "ha_tinh.toml"
    path.write_text(_changed_after(region, day, bundled_region_path("ha_tinh").read_text()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_region(str(path)).data


@pytest.mark.parametrize(
    ("asked", "own"),
    [(2019, "snapshots"), ("2018-06-30", "period_flows.first_half_2018.founded")],
)
def test_no_figure_after_an_origin_reaches_its_calibration_or_its_predictions(
    scenario, region, asked, own, tmp_path
):
    """Every figure published after the origin (the end of 2019; the day of the first half
    of 2018's foundings) changed, the 2022 class census the starting split is read from too:
    the origin's posterior draws are byte-identical, and so are the predictives of the
    figures of the 12 months after it, whose published values differ. A dated origin reads
    its report's own figures."""
    origin = check_origin(region, asked)
    changed_region = _changed_region(region, origin.day, tmp_path)
    ahead = figures_ahead(region, origin)
    moved = {f.where: f for f in figures_ahead(changed_region, origin)}
    assert ahead and all(moved[f.where].low != f.low for f in ahead)
    census = build_record(changed_region).figures
    original = {f.where: f for f in build_record(region).figures}
    assert all(
        f.low != original[f.where].low for f in census if f.where.startswith("snapshots.2022")
    )
    fits = [
        calibrate_origin(scenario, r, origin, draws=100, seed=5, warmup=40, workers=1)
        for r in (region, changed_region)
    ]
    (problem, posterior), (problem2, posterior2) = fits
    if own != "snapshots":
        assert own in {f.where for f in problem.record.figures}
    assert posterior.draws.to_numpy().tobytes() == posterior2.draws.to_numpy().tobytes()
    assert np.array_equal(problem.reference_split, problem2.reference_split)
    predicted = predict_ahead(problem, posterior, region, origin, 20)
    predicted2 = predict_ahead(problem2, posterior2, changed_region, origin, 20)
    assert set(predicted) == {f.where for f in ahead}
    for where, parts in predicted.items():
        for a, b in zip(parts, predicted2[where], strict=True):
            assert a.means.tobytes() == b.means.tobytes() and a.sds.tobytes() == b.sds.tobytes()


def _crps_normal(mean: float, sd: float, y: float) -> float:
    """The closed form: sd [z(2Φ(z) - 1) + 2φ(z) - 1/sqrt(pi)]."""
    z = (y - mean) / sd
    return sd * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))


@pytest.mark.parametrize("y", [1000.0, 1030.0, 1090.0])
def test_crps_of_the_pooled_predictive_matches_the_normal_closed_form(y):
    """200 draws x SAMPLES_PER_DRAW samples of a normal predictive (mean 1000, sd 30): the
    sample CRPS within 1.5% of sd of the closed form (its standard error is about 0.3% of sd
    at 10,000 samples), and the PIT exact."""
    figure = RecordFigure("snapshots.2023.total", "total", np.zeros(1), y, y, y, 8.0, "g")
    predictive = Predictive(np.ones(1), np.array([1000.0]), np.array([30.0]))
    rng = np.random.Generator(np.random.PCG64(11))
    row, sample = score_figure(2022, figure, [predictive] * 200, rng)
    assert sample.size == 200 * SAMPLES_PER_DRAW
    assert row["crps"] == pytest.approx(_crps_normal(1000.0, 30.0, y), abs=0.015 * 30.0)
    assert row["pit"] == pytest.approx(norm.cdf((y - 1000.0) / 30.0), abs=1e-12)
    assert row["in_95"] == (abs(y - 1000.0) < 1.96 * 30.0)


def test_a_share_is_scored_on_the_share_scale():
    """A share's predictive is of count - middle x total: divided by the expected total
    (1,000) it is a normal of sd 0.01 around the middle (0.406), scored as a share."""
    figure = RecordFigure(
        "snapshots.2023.well_operating_share", "shares.fair+good", np.zeros(1), None,
        0.4055, 0.4065, 8.0, "g", share=True,
    )  # fmt: skip
    predictive = Predictive(np.ones(1), np.array([0.0]), np.array([10.0]), scale=1000.0)
    rng = np.random.Generator(np.random.PCG64(12))
    row, _ = score_figure(2022, figure, [predictive] * 200, rng)
    assert row["kind"] == "share" and row["form"] == "rounded"
    assert row["median"] == pytest.approx(0.406, abs=0.001)
    assert row["crps"] == pytest.approx(_crps_normal(0.406, 0.01, 0.406), abs=0.015 * 0.01)


def test_the_origins_the_record_allows(region):
    """Year-ends 2016-2022 with a figure in the next year: 2017 (the first half of 2018),
    2019 (the 2020 review), 2021 (the clean-up, the 2022 census) and 2022 (the 2023 figures);
    of the dated reports only the first half of 2018's foundings (30 June) has a figure in
    the 12 months after it (the July 2018 total)."""
    found = default_origins(region)
    assert [o.label for o in found] == [
        "2017-12-31", "2018-06-30", "2019-12-31", "2021-12-31", "2022-12-31"
    ]  # fmt: skip
    assert [o.kind for o in found] == ["year-end", "report", "year-end", "year-end", "year-end"]
    assert found[1].reports == ("period_flows.first_half_2018",)
    asked = check_origins(region, [2022, "2019", "2018-06-30", "2022-12-31"])
    assert [o.label for o in asked] == ["2018-06-30", "2019-12-31", "2022-12-31"]
    assert [f.where for f in figures_ahead(region, asked[0])] == ["dated_snapshots.july_2018.total"]
    for bad, words in (
        (2015, "outside the record"),
        (2023, "outside"),
        (2018, "no figure is published in the year after 2018"),
        ("2020-13-01", "'2020-13-01' is not a year or a date"),
        ("x", "'x' is not a year or a date"),
        ("2020-07-31", "no dated report is of 2020-07-31.*2018-06-30, 2018-07-31, 2020-07-30"),
        ("2020-07-30", "no figure is published in the 12 months after 2020-07-30"),
    ):
        with pytest.raises(InputError, match=words) as caught:
            check_origins(region, [bad])
        assert caught.value.source == "--origins"


def test_the_starting_split_reads_no_census_after_a_dated_cut(scenario, region):
    """The end-2022 census is read from a cut at 31 December 2022, not from one a day
    earlier (the founding classes instead)."""
    census = reference_split(region, scenario, dt.date(2022, 12, 31))
    assert np.array_equal(census, reference_split(region, scenario, 2022))
    before = reference_split(region, scenario, dt.date(2022, 12, 30))
    assert np.array_equal(before, np.array(scenario.founding.entry_class.as_tuple()))


def test_a_target_on_a_predicted_figure_gets_a_brier_score(scenario, region):
    """A target on the end-2023 stock is scored from the origin 2022's predictive (at its own
    year), its condition at the end of 2022 from 2021's, with the base rate of the year-end
    totals up to each origin (none by 2021; 2022's 1,020 by 2022); the scenario's own
    targets, with no predicted figure of their metric, are listed with why."""
    target = Target(metric="cooperatives", year=2023, comparison=">=", threshold=1021)
    with_target = scenario.model_copy(update={"targets": {"t": target}})
    sample = np.array([990.0, 1010.0, 1030.0, 1040.0])  # P(>= 1021) = 0.5
    samples = {
        ("2022-12-31", "snapshots.2023.total"): sample,  # 1,025: met
        ("2021-12-31", "snapshots.2022.total"): sample,  # 1,020: not met
    }
    scored, not_scored = target_scores(with_target, region, samples)
    found = [(t.origin, t.year, t.as_written, t.probability, t.outcome) for t in scored]
    assert found == [("2021-12-31", 2022, False, 0.5, 0), ("2022-12-31", 2023, True, 0.5, 1)]
    assert [t.brier for t in scored] == [0.25, 0.25]
    assert [(t.base_rate, t.base_figures) for t in scored] == [(None, 0), (0.0, 1)]
    summary = target_summary(scored)
    assert summary["mean_brier"] == 0.25 and summary["events_with_base_rate"] == 1
    assert summary["reference_brier"] == 1.0  # the base rate said 0, and 1,025 met it
    scored, not_scored = target_scores(scenario, region, {})
    assert scored == [] and set(not_scored) == set(scenario.targets)


def test_a_rounded_share_is_read_at_its_centre_and_a_bound_only_where_it_decides(scenario, region):
    """The end-2023 well-operating share (40.6%, published to 0.1 point) is read at 0.406;
    the at-least-388 weak cooperatives of 30 July 2020 are not at a year's end, so give no
    event; a 2023 share target above 40.6% is not met."""
    target = Target(metric="well_operating_share", year=2023, comparison=">", threshold=0.4)
    with_target = scenario.model_copy(update={"targets": {"share": target}})
    sample = np.array([0.38, 0.39, 0.41, 0.42, 0.43])
    samples = {("2022-12-31", "snapshots.2023.well_operating_share"): sample}
    (scored,), _ = target_scores(with_target, region, samples)
    assert scored.published == pytest.approx(0.406) and scored.outcome == 1
    assert scored.probability == pytest.approx(0.6) and "centre" in scored.read_as
