"""The rolling-origin backtest of the whole-record fit: no figure after an origin reaches its
calibration or its predictions, the CRPS of the pooled predictive against the normal's closed
form, the origins the record allows, and the targets' Brier scores."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from scipy.stats import norm

from coopsim.analyses.backtest.origins import check_origins, default_origins, figures_ahead
from coopsim.analyses.backtest.run import calibrate_origin, predict_ahead
from coopsim.analyses.backtest.scoring import SAMPLES_PER_DRAW, score_figure
from coopsim.analyses.backtest.targets import target_scores
from coopsim.analyses.calibration.record.moments import Predictive
from coopsim.analyses.calibration.record.timeline import RecordFigure, build_record
from coopsim.errors import InputError
from coopsim.inputs.region_data import bundled_region_path, load_region
from coopsim.inputs.scenario import Target

ORIGIN = 2019


def _changed_after(region, origin: int, text: str) -> str:
    """The region file with every figure published after `origin` changed: class counts and
    flows +7, totals +35 (so that a census still adds up), shares +0.02, bounds as values."""
    later = {f.where for f in build_record(region).figures} - {
        f.where for f in build_record(region, origin).figures
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


@pytest.fixture(scope="module")
def changed_region(region, tmp_path_factory):
    path = tmp_path_factory.mktemp("region") / "ha_tinh.toml"
    path.write_text(_changed_after(region, ORIGIN, bundled_region_path("ha_tinh").read_text()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_region(str(path)).data


def test_no_figure_after_an_origin_reaches_its_calibration_or_its_predictions(
    scenario, region, changed_region
):
    """Every figure published after the end of 2019 changed (the 2022 class census the
    starting split is read from too): the origin's posterior draws are byte-identical, and so
    are the predictives of the 2020 figures, whose published values differ."""
    ahead = figures_ahead(region, ORIGIN)
    moved = {f.where: f for f in figures_ahead(changed_region, ORIGIN)}
    assert ahead and all(moved[f.where].low != f.low for f in ahead)
    census = build_record(changed_region).figures
    original = {f.where: f for f in build_record(region).figures}
    assert all(
        f.low != original[f.where].low for f in census if f.where.startswith("snapshots.2022")
    )
    fits = [
        calibrate_origin(scenario, r, ORIGIN, draws=100, seed=5, warmup=40, workers=1)
        for r in (region, changed_region)
    ]
    (problem, posterior), (problem2, posterior2) = fits
    assert posterior.draws.to_numpy().tobytes() == posterior2.draws.to_numpy().tobytes()
    assert np.array_equal(problem.reference_split, problem2.reference_split)
    predicted = predict_ahead(problem, posterior, region, ORIGIN, 20)
    predicted2 = predict_ahead(problem2, posterior2, changed_region, ORIGIN, 20)
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
    2019 (the 2020 review), 2021 (the clean-up, the 2022 census) and 2022 (the 2023 figures)."""
    assert default_origins(region) == [2017, 2019, 2021, 2022]
    assert check_origins(region, [2022, 2019, 2022]) == [2019, 2022]
    for bad, words in ((2015, "outside the record"), (2023, "outside"), (2018, "no figure")):
        with pytest.raises(InputError, match=words) as caught:
            check_origins(region, [bad])
        assert caught.value.source == "--origins"


def test_a_target_on_a_predicted_figure_gets_a_brier_score(scenario, region):
    """A target on the end-2023 stock is scored from the origin 2022's predictive; the
    scenario's own (2024 and 2030) cannot be and are listed with why."""
    target = Target(metric="cooperatives", year=2023, comparison=">=", threshold=1000)
    with_target = scenario.model_copy(update={"targets": {**scenario.targets, "t": target}})
    sample = np.array([990.0, 1010.0, 1020.0, 1030.0])  # P(>= 1000) = 0.75; 1,025 was met
    scored, not_scored = target_scores(
        with_target, region, {(2022, "snapshots.2023.total"): sample}
    )
    assert [(t.name, t.origin, t.probability, t.outcome) for t in scored] == [("t", 2022, 0.75, 1)]
    assert scored[0].brier == pytest.approx(0.0625)
    assert set(not_scored) == set(scenario.targets)
