"""Region data files: every figure is checked when the file is read, and every command that
reads one refuses a broken one the same way (status 2, one line per problem naming the data
file and the dotted field, no traceback, nothing written)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pydantic import ValidationError

from coopsim.inputs.region_data import check_consistency, load_region
from coopsim.model.initial_state import build_initial_state

from .support import (
    BASELINE,
    HA_TINH,
    forecast_folder,
    ha_tinh,
    refused,
    scenario_for,
    write_region,
)


def broken(tmp_path, change):
    """A copy of the Ha Tinh file with `change(data)` applied, and its scenario."""
    data = ha_tinh()
    change(data)
    path = write_region(tmp_path, data)
    return path, scenario_for(path)


def test_the_bundled_data_load_as_before(region, baseline, backtest):
    with pytest.warns() as caught:
        loaded = load_region("ha_tinh")
    assert len(caught) == 1 and "35 - 27 = +8" in str(caught[0].message)
    census = {k: f.value for k, f in loaded.data.snapshots[2022].classes.items()}
    assert census == {"good": 123, "fair": 270, "average": 359, "weak": 234, "unclassified": 34}
    assert [i.gap for i in loaded.inconsistencies] == [3]
    assert loaded.data.source_name == str(HA_TINH)
    start = build_initial_state(baseline, loaded.data)
    assert start.reported == {"good": 129, "fair": 287, "average": 338, "weak": 236,
                              "unclassified": 35}  # fmt: skip
    assert start.members == 73691
    assert build_initial_state(backtest, loaded.data).total == 1020


def test_a_negative_founded_count_is_refused_by_every_command(tmp_path):
    path, scenario = broken(tmp_path, lambda d: d["flows"]["2023"]["founded"].update(value=-35))
    out = tmp_path / "out"
    for argv in (
        ["validate", scenario],
        ["forecast", scenario, "--replications", "2", "--workers", "1", "--out", out],
        ["calibrate", scenario_for(path, "backtest"), "--draws", "100", "--out", out],
        ["calibrate", BASELINE.parent / "backtest_2023.toml", "--data", path, "--out", out],
    ):
        (problem,) = refused(*argv, out=out)
        assert problem.file == str(path), problem
        assert problem.field == "flows.2023.founded.value", problem
        assert "whole number, at least 0 (got -35)" in problem.rest


def test_a_negative_class_count_is_refused_before_it_reaches_the_engines(tmp_path):
    path, scenario = broken(
        tmp_path, lambda d: d["snapshots"]["2022"]["classes"]["good"].update(value=-123)
    )
    out = tmp_path / "out"
    for argv in (["validate", scenario], ["forecast", scenario, "--out", out]):
        (problem,) = refused(*argv, out=out)
        assert (problem.file, problem.field) == (str(path), "snapshots.2022.classes.good.value")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_inf_are_refused_by_every_command(tmp_path, bad):
    path, scenario = broken(tmp_path, lambda d: d["snapshots"]["2023"]["total"].update(value=bad))
    out = tmp_path / "out"
    folder = forecast_folder(tmp_path / "stored")
    for argv in (
        ["validate", scenario],
        ["forecast", scenario, "--out", out],
        ["calibrate", BASELINE.parent / "backtest_2023.toml", "--data", path, "--out", out],
        ["compare", BASELINE, scenario, "--replications", "2", "--out", out],
        ["score", folder, "--observed", path],
    ):
        (problem,) = refused(*argv, out=out)
        assert (problem.file, problem.field) == (str(path), "snapshots.2023.total.value")
        assert f"finite number (got {bad!r})" in problem.rest
    assert sorted(p.name for p in folder.iterdir()) == ["summary.json"]


def test_a_nan_precision_is_refused(tmp_path):
    _, scenario = broken(
        tmp_path,
        lambda d: d["snapshots"]["2023"]["weak_share"].update(precision=float("nan")),
    )
    (problem,) = refused("validate", scenario)
    assert problem.field == "snapshots.2023.weak_share.precision"


@pytest.mark.parametrize(
    ("where", "value", "allowed"),
    [
        (("snapshots", "2022", "total"), 1020.5, "whole number, at least 1"),
        (("snapshots", "2023", "total"), 0, "whole number, at least 1"),
        (("snapshots", "2023", "members"), 2**60, "at most 2**53"),
        (("flows", "2023", "net_change"), 5.5, "whole number (a change may be negative)"),
        (("flows", "2023", "dissolved"), "27", "valid number"),
        (("snapshots", "2023", "unions"), True, "valid number"),
        (("snapshots", "2023", "weak_share"), 1.2, "less than or equal to 1"),
        (("snapshots", "2023", "well_operating_share"), -0.1, "greater than or equal to 0"),
    ],
)
def test_each_kind_of_figure_allows_what_it_can_be(tmp_path, where, value, allowed):
    def change(data):
        node = data
        for part in where:
            node = node[part]
        node["value"] = value

    path, scenario = broken(tmp_path, change)
    (problem,) = refused("validate", scenario)
    assert (problem.file, problem.field) == (str(path), ".".join((*where, "value")))
    assert allowed in problem.rest, problem
    assert problem.line is not None


def test_a_negative_net_change_is_allowed(tmp_path):
    data = ha_tinh()
    data["flows"]["2023"]["net_change"]["value"] = -3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_region(str(write_region(tmp_path, data)))
    assert [i.gap for i in loaded.inconsistencies] == [11]


def test_class_counts_that_do_not_add_up_are_refused_naming_sum_and_total(tmp_path):
    path, scenario = broken(
        tmp_path, lambda d: d["snapshots"]["2022"]["classes"]["average"].update(value=300)
    )
    (problem,) = refused("validate", scenario)
    assert (problem.file, problem.field) == (str(path), "snapshots.2022.classes")
    assert "sum to 961" in problem.rest and "1020" in problem.rest
    assert "rescaled" not in problem.rest


def test_no_inconsistency_says_class_counts_are_rescaled(region):
    assert all("rescaled" not in item.treatment for item in check_consistency(region.data))


def test_unknown_sources_are_each_reported_shortly(tmp_path):
    def change(data):
        data["snapshots"]["2022"]["total"]["source"] = "nowhere"
        data["flows"]["2023"]["dissolved"]["source"] = "elsewhere"
        data["snapshots"]["2023"]["weak_share"]["value"] = 2.0
        data["region"]["colour"] = "red"

    path, scenario = broken(tmp_path, change)
    problems = refused("validate", scenario)
    fields = sorted(p.field for p in problems)
    assert fields == [
        "flows.2023.dissolved.source",
        "region.colour",
        "snapshots.2022.total.source",
        "snapshots.2023.weak_share.value",
    ]
    assert all(p.file == str(path) for p in problems)
    source = next(p for p in problems if p.field == "snapshots.2022.total.source")
    assert "'nowhere' is not in [sources]" in source.rest
    assert "Ha Tinh" not in source.rest and "{" not in source.rest  # no dump of the file


def test_an_unknown_source_in_a_large_file_gives_a_short_message(tmp_path):
    data = ha_tinh()
    data["snapshots"]["2022"]["total"]["source"] = "nowhere"
    data["sources"]["steering_committee_2024"]["note"] = "x" * 2_000_000
    path = write_region(tmp_path, data)
    (problem,) = refused("validate", scenario_for(path))
    assert len(problem.rest) < 300


def test_errors_found_when_the_stock_is_built_name_the_data_file(tmp_path):
    def change(data):
        del data["snapshots"]["2023"]["weak_share"]
        del data["snapshots"]["2022"]["classes"]

    path, scenario = broken(tmp_path, change)
    problems = refused("validate", scenario)
    assert {p.file for p in problems} == {str(path)}
    assert sorted(p.field for p in problems) == [
        "snapshots.2022.classes",
        "snapshots.2023.weak_share",
    ]


def test_a_start_year_without_a_snapshot_names_where_it_was_set_and_the_data_file(tmp_path):
    path = write_region(tmp_path, ha_tinh())
    (problem,) = refused("validate", scenario_for(path), "--set", "initial.snapshot_year=2019")
    assert (problem.file, problem.field) == (
        "--set initial.snapshot_year=2019",
        "initial.snapshot_year",
    )
    assert str(path) in problem.rest
    assert "2019" in problem.rest and "2022, 2023" in problem.rest


def test_figures_given_from_python_are_checked_too(region):
    data = region.data.model_dump()
    data["snapshots"][2022]["classes"]["weak"]["value"] = float("nan")
    with pytest.raises(ValidationError, match="finite number"):
        type(region.data).model_validate(data)
    assert np.isfinite(region.data.snapshots[2022].classes["weak"].value)
