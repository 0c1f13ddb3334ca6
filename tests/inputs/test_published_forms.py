"""Figures as provinces publish them: dated snapshots, flows over any period, exact, rounded and
bounded figures. Each form loads and is checked (refusals are one line naming the file and the
dotted field), contradictions are reported as data inconsistencies, Ha Tinh's history loads
beside its unchanged year-end figures, and every consumer either uses a new kind or says that
it leaves it out."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from coopsim.analyses.calibration.observation import figures_not_used
from coopsim.analyses.score import score_forecast
from coopsim.brief.background import sources
from coopsim.brief.catalogue import Lang
from coopsim.cli.main import main
from coopsim.errors import DataInconsistencyWarning, InputError
from coopsim.inputs.region_data import (
    LoadedRegion,
    figures_not_compared,
    load_region,
    observed_points,
)
from coopsim.model.initial_state import build_initial_state

from .support import HA_TINH, forecast_folder, ha_tinh, refused, scenario_for, write_region

SOURCE = "review_2020"
#: The tables and sources the history added to the Ha Tinh file.
HISTORY_TABLES = ("dated_snapshots", "period_flows")
HISTORY_SOURCES = ("ha_tinh_2016", "ha_tinh_2018", "review_2020", "cleanup_after_2020")


def figure(**form: Any) -> dict[str, Any]:
    return {**form, "source": SOURCE}


def quietly(path: Path | str) -> LoadedRegion:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataInconsistencyWarning)
        return load_region(str(path))


def with_tables(tmp_path: Path, **tables: dict[str, Any]) -> Path:
    """The Ha Tinh file with these dated_snapshots / period_flows / flows / snapshots added."""
    data = ha_tinh()
    for table, entries in tables.items():
        data.setdefault(table, {}).update(entries)
    return write_region(tmp_path, data)


# ---------------------------------------------------------------------------------------------
# The Ha Tinh file: its history, and its year-end figures as before.


def test_the_ha_tinh_history_loads_with_its_sources_and_forms(region):
    data = region.data
    dated, periods = data.dated_snapshots, data.period_flows
    assert set(dated) == {"june_2016", "july_2018", "review_2020_07_30", "after_cleanup"}
    assert set(periods) == {"first_half_2018", "cleanup_after_2020"}
    june = dated["june_2016"]
    assert june.between == (dt.date(2016, 6, 1), dt.date(2016, 6, 30)) and june.date is None
    assert (june.total.value, june.members.value, june.cooperative_groups.value) == (
        1255,
        117355,
        2822,
    )
    assert dated["july_2018"].total.value == 1349
    half = periods["first_half_2018"]
    assert (half.start, half.end, half.founded.value) == (
        dt.date(2018, 1, 1),
        dt.date(2018, 6, 30),
        24,
    )
    review = dated["review_2020_07_30"]
    assert review.date == dt.date(2020, 7, 30) and review.total.value == 1311
    weak = review.classes["weak"]
    assert (weak.value, weak.at_least) == (None, 388) and "62" in weak.caveat
    assert "388" in review.note and "15 September 2020" in review.note
    cleanup = periods["cleanup_after_2020"].removed
    assert (cleanup.value, cleanup.at_least) == (None, 416)
    assert "without dates" in cleanup.caveat
    after = dated["after_cleanup"]
    assert (
        after.date is None and after.total.value == 995 and "without a date" in after.total.caveat
    )
    for key in HISTORY_SOURCES:
        assert data.sources[key].note, key
    assert "Cam Xuyen" in HA_TINH.read_text(encoding="utf-8")  # kept in a comment, with why
    # The history contradicts nothing: the only inconsistency is the 2023 gap, as before.
    assert [(i.year, i.gap) for i in region.inconsistencies] == [(2023, 3)]


def test_the_year_end_figures_load_to_the_same_objects_as_without_the_history(tmp_path, region):
    data = ha_tinh()
    for table in HISTORY_TABLES:
        data.pop(table)
    for key in HISTORY_SOURCES:
        data["sources"].pop(key)
    before = quietly(write_region(tmp_path, data)).data
    now = region.data
    assert now.snapshots == before.snapshots and now.flows == before.flows
    assert list(now.sources)[:3] == list(before.sources)
    assert now.figures()[: len(before.figures())] == before.figures()
    census = {k: f.value for k, f in now.snapshots[2022].classes.items()}
    assert census == {"good": 123, "fair": 270, "average": 359, "weak": 234, "unclassified": 34}
    share = now.snapshots[2023].well_operating_share
    assert (share.value, share.precision, share.classes) == (0.406, 0.0005, ["good", "fair"])
    assert now.flows[2023].removed is None


def test_the_starting_stocks_are_unchanged(region, baseline, backtest):
    start = build_initial_state(baseline, region.data)
    assert start.reported == {"good": 129, "fair": 287, "average": 338, "weak": 236,
                              "unclassified": 35}  # fmt: skip
    assert start.members == 73691
    assert build_initial_state(backtest, region.data).total == 1020


# ---------------------------------------------------------------------------------------------
# Every new form loads.


def test_every_form_loads(tmp_path):
    path = with_tables(
        tmp_path,
        dated_snapshots={
            "mid_2021": {
                "date": dt.date(2021, 6, 30),
                "total": figure(value=1100),
                "classes": {
                    "weak": figure(at_least=200),
                    "stopped": figure(value=40),
                    "good": figure(at_least=100, at_most=150),
                },
                "shares": {
                    "stopped": figure(value=0.04, precision=0.005),
                    "well_operating": figure(at_least=0.3, classes=["good", "fair"]),
                },
                "members": figure(at_most=90000),
            },
            "as_text": {"date": "2021-09-01", "unions": figure(value=3)},
            "sometime_2021": {"between": ["2021-01-01", "2021-12-31"], "total": figure(value=1)},
        },
        period_flows={
            "several_years": {
                "from": dt.date(2015, 1, 1),
                "to": dt.date(2020, 12, 31),
                "founded": figure(value=297),
                "dissolved": figure(at_least=61),
                "removed": figure(at_least=50, at_most=60),
                "net_change": figure(at_most=-10),
            },
            "one_day": {"from": "2021-03-01", "to": "2021-03-01", "founded": figure(value=2)},
        },
        flows={
            "2021": {
                "founded": figure(value=30),
                "dissolved": figure(value=20),
                "removed": figure(value=12),
            }
        },
    )
    with pytest.warns(DataInconsistencyWarning) as caught:
        data = load_region(str(path)).data
    assert len(caught) == 1 and "35 - 27 = +8" in str(caught[0].message)  # only the 2023 gap
    mid = data.dated_snapshots["mid_2021"]
    assert mid.classes["stopped"].value == 40 and mid.shares["stopped"].precision == 0.005
    assert (mid.classes["good"].at_least, mid.classes["good"].at_most) == (100, 150)
    assert data.dated_snapshots["as_text"].date == dt.date(2021, 9, 1)
    assert data.dated_snapshots["sometime_2021"].latest == dt.date(2021, 12, 31)
    period = data.period_flows["several_years"]
    assert (period.start, period.end) == (dt.date(2015, 1, 1), dt.date(2020, 12, 31))
    assert data.flows[2021].removed.value == 12
    forms = {item.where: item for item in data.observations()}
    assert forms["dated_snapshots.mid_2021.shares.well_operating"].quantity == "shares.fair+good"
    assert forms["period_flows.one_day.founded"].when() == "2021-03-01 to 2021-03-01"
    assert forms["dated_snapshots.sometime_2021.total"].exact_date is False
    assert main(["validate", "--quiet", str(scenario_for(path))]) == 0


# ---------------------------------------------------------------------------------------------
# Every malformed one is refused: one line naming the file, the line and the dotted field.

DAY = {"date": dt.date(2020, 7, 30)}
HALF = {"from": dt.date(2020, 1, 1), "to": dt.date(2020, 6, 30)}
REFUSED = {
    "a day that does not exist": (
        {"dated_snapshots": {"x": {"date": "2020-02-30", "total": figure(value=5)}}},
        "dated_snapshots.x.date",
        "is not a date",
    ),
    "a date in words": (
        {"dated_snapshots": {"x": {"date": "July 2020", "total": figure(value=5)}}},
        "dated_snapshots.x.date",
        "must be a date, written 2020-07-30",
    ),
    "a year as a date": (
        {"dated_snapshots": {"x": {"date": 2020, "total": figure(value=5)}}},
        "dated_snapshots.x.date",
        "must be a date",
    ),
    "a time of day": (
        {"dated_snapshots": {"x": {"date": dt.datetime(2020, 7, 30, 9), "total": figure(value=5)}}},
        "dated_snapshots.x.date",
        "without a time of day",
    ),
    "date and between": (
        {
            "dated_snapshots": {
                "x": {**DAY, "between": ["2020-07-01", "2020-07-31"], "total": figure(value=5)}
            }
        },
        "dated_snapshots.x",
        "and not both",
    ),
    "neither date nor between": (
        {"dated_snapshots": {"x": {"note": "undated", "total": figure(value=5)}}},
        "dated_snapshots.x",
        "give `date`",
    ),
    "between backwards": (
        {
            "dated_snapshots": {
                "x": {"between": ["2020-07-31", "2020-07-01"], "total": figure(value=5)}
            }
        },
        "dated_snapshots.x.between",
        "is before the first",
    ),
    "a dated snapshot without figures": (
        {"dated_snapshots": {"x": DAY}},
        "dated_snapshots.x",
        "gives no figure",
    ),
    "to before from": (
        {
            "period_flows": {
                "x": {"from": "2020-07-30", "to": "2020-01-01", "founded": figure(value=5)}
            }
        },
        "period_flows.x.to",
        "is before `from` (2020-07-30)",
    ),
    "a period without to": (
        {"period_flows": {"x": {"from": "2020-07-30", "founded": figure(value=5)}}},
        "period_flows.x.to",
        "Field required",
    ),
    "a period without figures": (
        {"period_flows": {"x": HALF}},
        "period_flows.x",
        "gives no figure",
    ),
    "value and at_least": (
        {"period_flows": {"x": {**HALF, "founded": figure(value=5, at_least=3)}}},
        "period_flows.x.founded.at_least",
        "either `value` or a bound, not both",
    ),
    "neither value nor bound": (
        {"period_flows": {"x": {**HALF, "founded": figure()}}},
        "period_flows.x.founded",
        "needs `value`",
    ),
    "precision with a bound": (
        {"period_flows": {"x": {**HALF, "founded": figure(at_least=5, precision=1)}}},
        "period_flows.x.founded.precision",
        "belongs with `value`",
    ),
    "a range upside down": (
        {"period_flows": {"x": {**HALF, "founded": figure(at_least=5, at_most=3)}}},
        "period_flows.x.founded.at_most",
        "is below at_least (5)",
    ),
    "a fractional count bound": (
        {"period_flows": {"x": {**HALF, "dissolved": figure(at_least=60.5)}}},
        "period_flows.x.dissolved.at_least",
        "whole number, at least 0 (got 60.5)",
    ),
    "a negative count bound": (
        {"dated_snapshots": {"x": {**DAY, "members": figure(at_most=-1)}}},
        "dated_snapshots.x.members.at_most",
        "whole number, at least 0",
    ),
    "a fractional change": (
        {"period_flows": {"x": {**HALF, "net_change": figure(at_least=-2.5)}}},
        "period_flows.x.net_change.at_least",
        "whole number (a change may be negative)",
    ),
    "a zero total": (
        {"dated_snapshots": {"x": {**DAY, "total": figure(value=0)}}},
        "dated_snapshots.x.total.value",
        "whole number, at least 1",
    ),
    "a share above one": (
        {"dated_snapshots": {"x": {**DAY, "shares": {"weak": figure(value=1.5)}}}},
        "dated_snapshots.x.shares.weak.value",
        "less than or equal to 1",
    ),
    "a share bound below zero": (
        {"dated_snapshots": {"x": {**DAY, "shares": {"stopped": figure(at_least=-0.1)}}}},
        "dated_snapshots.x.shares.stopped.at_least",
        "greater than or equal to 0",
    ),
    "classes on a class's share": (
        {
            "dated_snapshots": {
                "x": {**DAY, "shares": {"weak": figure(value=0.2, classes=["weak"])}}
            }
        },
        "dated_snapshots.x.shares.weak.classes",
        "only shares.well_operating names the classes",
    ),
    "a bound in a year-end snapshot": (
        {"snapshots": {"2021": {"total": figure(at_least=900)}}},
        "snapshots.2021.total.at_least",
        "a bound cannot stand in a year-end snapshot",
    ),
    "a bound in a calendar year's flows": (
        {"flows": {"2022": {"founded": figure(value=30), "dissolved": figure(at_most=40)}}},
        "flows.2022.dissolved.at_most",
        "write it in [dated_snapshots.NAME]",
    ),
    "stopped in a year-end census": (
        {
            "snapshots": {
                "2021": {"total": figure(value=40), "classes": {"stopped": figure(value=40)}}
            }
        },
        "snapshots.2021.classes.stopped",
        "is not a year-end class",
    ),
    "an unknown key in a dated snapshot": (
        {"dated_snapshots": {"x": {**DAY, "totl": figure(value=5)}}},
        "dated_snapshots.x.totl",
        "did you mean 'total'?",
    ),
    "an unknown key in a period": (
        {"period_flows": {"x": {**HALF, "founded": figure(value=5), "until": "2020-07-01"}}},
        "period_flows.x.until",
        "Valid keys here: from, to, note, founded, dissolved, removed, net_change",
    ),
    "an unknown key in a figure": (
        {"period_flows": {"x": {**HALF, "founded": figure(value=5, more_than=4)}}},
        "period_flows.x.founded.more_than",
        "Valid keys here: value, source, caveat, precision, at_least, at_most",
    ),
    "an unknown source": (
        {"dated_snapshots": {"x": {**DAY, "total": {"value": 5, "source": "nowhere"}}}},
        "dated_snapshots.x.total.source",
        "'nowhere' is not in [sources]",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_a_malformed_figure_or_date_is_refused_in_one_line(tmp_path, case):
    tables, field, needle = REFUSED[case]
    path = with_tables(tmp_path, **tables)
    (problem,) = refused("validate", scenario_for(path))
    assert (problem.file, problem.field) == (str(path), field), problem
    assert needle in problem.rest, problem
    assert problem.line is not None


def test_independent_problems_of_the_new_tables_are_reported_together(tmp_path):
    path = with_tables(
        tmp_path,
        dated_snapshots={"x": {"date": "2020-02-30", "total": figure(value=5)}},
        period_flows={"y": {"from": "2020-07-30", "to": "2020-01-01", "founded": figure(value=5)}},
    )
    problems = refused("validate", scenario_for(path))
    assert sorted(p.field for p in problems) == ["dated_snapshots.x.date", "period_flows.y.to"]


# ---------------------------------------------------------------------------------------------
# Contradictions: a warning each, listed with the region, never silently reconciled.

CONTRADICTIONS = {
    "a bound against the year-end total": (
        {"dated_snapshots": {"x": {"date": "2022-12-31", "total": figure(at_least=1100)}}},
        "2022: snapshots.2022.total (1,020) and dated_snapshots.x.total (at least 1,100)",
        80,
    ),
    "two values on one day": (
        {"dated_snapshots": {"x": {"date": "2020-07-30", "total": figure(value=1300)}}},
        "2020-07-30: dated_snapshots.review_2020_07_30.total (1,311) and dated_snapshots.x.total",
        11,
    ),
    "a bound against an exact figure of the same day": (
        {"dated_snapshots": {"x": {"date": "2020-07-30", "classes": {"weak": figure(value=300)}}}},
        "dated_snapshots.review_2020_07_30.classes.weak (at least 388)",
        88,
    ),
    "class counts above the total": (
        {
            "dated_snapshots": {
                "x": {
                    "date": "2021-07-30",
                    "total": figure(value=100),
                    "classes": {"weak": figure(at_least=80), "stopped": figure(value=30)},
                }
            }
        },
        "its class counts come to at least 110, more than its total allows (100",
        10,
    ),
    "a class count against its share": (
        {
            "dated_snapshots": {
                "x": {
                    "date": "2021-07-30",
                    "total": figure(value=100),
                    "classes": {"weak": figure(value=30)},
                    "shares": {"weak": figure(value=0.2, precision=0.005)},
                }
            }
        },
        "cannot both hold for the weak share on 2021-07-30",
        pytest.approx(0.095),
    ),
    "a period of one calendar year against its flows": (
        {
            "period_flows": {
                "x": {"from": "2023-01-01", "to": "2023-12-31", "founded": figure(at_most=30)}
            }
        },
        "2023: flows.2023.founded (35) and period_flows.x.founded (at most 30)",
        5,
    ),
    "removals above all exits": (
        {
            "period_flows": {
                "x": {**HALF, "removed": figure(value=30), "dissolved": figure(at_most=20)}
            }
        },
        "removals, part of all exits",
        10,
    ),
    "a period's flows against its net change": (
        {
            "period_flows": {
                "x": {
                    **HALF,
                    "founded": figure(value=30),
                    "dissolved": figure(value=20),
                    "net_change": figure(at_least=15),
                }
            }
        },
        "founded - dissolved (+10) cannot equal the published net change (at least +15",
        5,
    ),
    "a period's flows against the stocks either side": (
        {
            "period_flows": {
                "x": {
                    "from": "2023-01-01",
                    "to": "2023-06-30",
                    "founded": figure(value=30),
                    "dissolved": figure(value=20),
                }
            },
            "dated_snapshots": {"y": {"date": "2023-06-30", "total": figure(value=1000)}},
        },
        "the change from snapshots.2022.total to dated_snapshots.y.total (-20; gap 30)",
        30,
    ),
}


@pytest.mark.parametrize("case", CONTRADICTIONS, ids=str)
def test_a_contradiction_is_a_warning_and_is_listed(tmp_path, case):
    tables, needle, gap = CONTRADICTIONS[case]
    path = with_tables(tmp_path, **tables)
    with pytest.warns(DataInconsistencyWarning) as caught:
        loaded = load_region(str(path))
    messages = [str(w.message) for w in caught]
    assert any(needle in m and m.startswith("data.toml: ") for m in messages), messages
    new = [i for i in loaded.inconsistencies if i.year != 2023 or i.figures]
    assert len(new) == 1 and new[0].gap == gap and "kept as published" in new[0].treatment
    assert str(new[0]) in messages[-1]


def test_a_day_that_is_not_known_is_not_compared_with_a_particular_day(tmp_path):
    path = with_tables(
        tmp_path,
        dated_snapshots={"x": {"between": ["2022-12-01", "2022-12-31"], "total": figure(value=5)}},
    )
    assert quietly(path).inconsistencies == quietly(HA_TINH).inconsistencies


# ---------------------------------------------------------------------------------------------
# The consumers: each uses a new kind where it can, and lists what it leaves out.


def test_a_dated_snapshot_is_never_a_starting_stock(tmp_path, baseline):
    data = ha_tinh()
    end_2023 = data["snapshots"].pop("2023")
    shares = {"well_operating": end_2023.pop("well_operating_share")}
    shares["weak"] = end_2023.pop("weak_share")
    dated = {"date": dt.date(2023, 12, 31), **end_2023, "shares": shares}
    data["dated_snapshots"]["end_2023"] = dated
    path = write_region(tmp_path, data)
    (problem,) = refused("validate", scenario_for(path))
    assert problem.field == "initial.snapshot_year"
    assert "dated_snapshots.end_2023 is dated 2023-12-31" in problem.rest
    assert "a starting stock needs a [snapshots.2023] table" in problem.rest
    with pytest.raises(InputError, match=r"no snapshot for 2023.*dated_snapshots\.end_2023"):
        build_initial_state(baseline, quietly(path).data)


def test_the_calibration_lists_every_figure_it_leaves_out(region):
    left = figures_not_used(region.data, 2023)
    fitted = {"flows.2023.founded", "flows.2023.dissolved", "snapshots.2023.total",
              "snapshots.2023.well_operating_share", "snapshots.2023.weak_share",
              "snapshots.2022.total", "snapshots.2022.classes.good"}  # fmt: skip
    assert not fitted & set(left)
    every = {where for where, _ in region.data.figures()}
    history = {w for w in every if w.startswith(HISTORY_TABLES)}
    assert history <= set(left) and len(history) == 9
    assert "dated 2020-07-30" in left["dated_snapshots.review_2020_07_30.classes.weak"]
    assert "flows over 2020-01-01 to 2022-12-31" in left["period_flows.cleanup_after_2020.removed"]
    assert "not in the observation model" in left["snapshots.2023.members"]
    assert "register revision" in left["flows.2023.net_change"]
    assert set(left) | fitted | {f"snapshots.2022.classes.{c}" for c in
                                 ("fair", "average", "weak", "unclassified")} == every  # fmt: skip


def test_calibration_json_names_the_figures_left_out_and_the_fit_is_as_before(tmp_path):
    from coopsim.analyses.calibration.workflow import calibrate
    from coopsim.inputs.scenario import load_scenario

    scenario = load_scenario(HA_TINH.parents[2] / "scenarios" / "backtest_2023.toml").scenario
    path = with_tables(
        tmp_path,
        flows={"2023": {**ha_tinh()["flows"]["2023"], "removed": figure(value=10)}},
    )
    plain, extended = quietly(HA_TINH).data, quietly(path).data
    fits = [calibrate(scenario, data, draws=200, warmup=200, seed=5) for data in (plain, extended)]
    assert fits[0].draws.equals(fits[1].draws)  # the history and `removed` change nothing
    document = fits[1].summary()["figures_not_used"]
    assert document == figures_not_used(extended, 2023)
    assert document["flows.2023.removed"] == "removals are not in the observation model yet"
    assert "period_flows.cleanup_after_2020.removed" in document


def summary_for(folder: Path, years: list[int], metrics: dict[str, list[int]]) -> Path:
    """A stored forecast reporting these metrics in these years (same quantiles for each)."""
    quantiles = json.loads((forecast_folder(folder) / "summary.json").read_text())["metrics"]
    stats = quantiles["cooperatives"]["2023"]
    summary = json.loads((folder / "summary.json").read_text())
    summary["years"] = years
    summary["metrics"] = {m: {str(y): stats for y in ys} for m, ys in metrics.items()}
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def test_score_compares_a_dated_year_end_figure_and_lists_the_rest(tmp_path):
    path = with_tables(
        tmp_path,
        dated_snapshots={
            "end_2024": {
                "date": "2024-12-31",
                "total": figure(value=1030),
                "classes": {"weak": figure(at_least=200)},
            },
            "mid_2024": {"date": "2024-06-30", "total": figure(value=1027)},
        },
        period_flows={
            "year_2024": {"from": "2024-01-01", "to": "2024-12-31", "founded": figure(value=1040)},
        },
    )
    folder = summary_for(
        tmp_path / "stored", [2023, 2024], {"cooperatives": [2023, 2024], "founded": [2024]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataInconsistencyWarning)
        score = score_forecast(folder, str(path))
    observed = {(m.metric, m.year): m.observed for m in score.metrics}
    assert observed == {("cooperatives", 2023): 1025, ("cooperatives", 2024): 1030,
                        ("founded", 2024): 1040}  # fmt: skip
    left = score.figures_not_scored
    assert "a bound (at least 200)" in left["dated_snapshots.end_2024.classes.weak"]
    assert "not a year end" in left["dated_snapshots.mid_2024.total"]
    assert "its day is not published" in left["dated_snapshots.after_cleanup.total"]
    assert "not one calendar year" in left["period_flows.first_half_2018.founded"]
    assert "does not report members" in left["snapshots.2023.members"]
    assert "does not report cooperatives for 2022" in left["snapshots.2022.total"]
    assert "no coopsim metric measures net_change" in left["flows.2023.net_change"]
    assert score.as_dict()["figures_not_scored"] == left
    assert not {"snapshots.2023.total", "dated_snapshots.end_2024.total"} & set(left)


def test_a_year_end_snapshot_wins_over_a_dated_one_of_the_same_day(tmp_path):
    path = with_tables(
        tmp_path, dated_snapshots={"x": {"date": "2023-12-31", "total": figure(value=1025)}}
    )
    data = quietly(path).data
    assert observed_points(data, "cooperatives")[2023] == (1025, "snapshots.2023.total")
    left = figures_not_compared(data, {"cooperatives": {2023}}, {"snapshots.2023.total"})
    assert (
        left["dated_snapshots.x.total"]
        == "snapshots.2023.total gives cooperatives for 2023 instead"
    )


def test_score_runs_on_the_ha_tinh_file_and_says_what_it_leaves_out(tmp_path, capsys):
    folder = forecast_folder(tmp_path / "stored")
    assert main(["score", str(folder), "--observed", str(HA_TINH)]) == 0
    printed = capsys.readouterr().out
    assert "Not scored: 23 published figures" in printed
    document = json.loads((folder / "score.json").read_text())
    assert set(document["metrics"]) == {"cooperatives"}
    assert len(document["figures_not_scored"]) == 23


def test_the_brief_lists_every_figure_with_its_date_and_form(region):
    run = SimpleNamespace(region=region)
    english, vietnamese = (str(sources([run], Lang(code))) for code in ("en", "vi"))  # type: ignore[list-item]
    for needle in (
        "2020-07-30: Classified weak",
        "at least 388",
        "some day from 2016-06-01 to 2016-06-30: Members of cooperatives",
        "117,355",
        "2018-01-01 to 2018-06-30: Founded",
        "2020-01-01 to 2022-12-31: Struck off in a clean-up",
        "at least 416",
        "the forecast and the calibration do not use them yet",
        "2023: Share operating well",
    ):
        assert needle in english, needle
    for needle in ("ít nhất 388", "từ 2018-01-01 đến 2018-06-30: Thành lập mới", "117.355"):
        assert needle in vietnamese, needle


def test_a_stopped_class_and_its_share_are_named_in_both_languages(tmp_path):
    path = with_tables(
        tmp_path,
        dated_snapshots={
            "x": {
                "date": "2021-07-30",
                "classes": {"stopped": figure(value=40)},
                "shares": {"stopped": figure(value=0.04), "good": figure(at_most=0.2)},
            }
        },
    )
    run = SimpleNamespace(region=quietly(path))
    english, vietnamese = (str(sources([run], Lang(code))) for code in ("en", "vi"))  # type: ignore[list-item]
    assert "2021-07-30: Stopped operating" in english and "Share stopped operating" in english
    assert "Share classified good" in english and "at most 20.0%" in english
    assert "Ngừng hoạt động" in vietnamese and "Tỷ lệ xếp loại tốt" in vietnamese


def test_every_new_figure_of_a_loaded_file_is_checked_against_its_sources(tmp_path):
    """A Region built without load_region checks the new tables' sources too."""
    from coopsim.inputs.region_data import Region

    data = ha_tinh()
    data["dated_snapshots"]["june_2016"]["total"]["source"] = "nowhere"
    with pytest.raises(Exception, match=r"dated_snapshots\.june_2016\.total\.source"):
        Region.model_validate(data)
    with pytest.raises(InputError, match=r"dated_snapshots\.june_2016\.total\.source"):
        load_region(str(write_region(tmp_path, data)))
