"""Commands that read several files report the problems of all of them at once: `validate`
checks each scenario and the data file it names, `compare` every scenario and data file,
`score` the stored forecast's numbers."""

from __future__ import annotations

import json

import pytest

from coopsim.analyses.compare import compare, load_compared_scenarios
from coopsim.errors import InputError

from .support import BASELINE, forecast_folder, ha_tinh, refused, scenario_for, write_region

pytestmark = pytest.mark.filterwarnings("ignore::coopsim.errors.DataInconsistencyWarning")


def broken_region(folder, name, change):
    data = ha_tinh()
    change(data)
    return write_region(folder, data, name)


def negative_total(data):
    data["snapshots"]["2023"]["total"]["value"] = -1


def nan_founded(data):
    data["flows"]["2023"]["founded"]["value"] = float("nan")


def test_validate_reports_problems_of_the_data_file_the_scenario_names(tmp_path):
    path = broken_region(tmp_path, "b.toml", negative_total)
    (problem,) = refused("validate", scenario_for(path))
    assert (problem.file, problem.field) == (str(path), "snapshots.2023.total.value")


def test_validate_reports_every_file(tmp_path):
    b = broken_region(tmp_path, "b.toml", negative_total)
    c = broken_region(tmp_path, "c.toml", nan_founded)
    problems = refused("validate", BASELINE, scenario_for(b), scenario_for(c))
    assert [(p.file, p.field) for p in problems] == [
        (str(b), "snapshots.2023.total.value"),
        (str(c), "flows.2023.founded.value"),
    ]


def test_compare_reports_every_broken_data_file(tmp_path):
    b = broken_region(tmp_path, "b.toml", negative_total)
    c = broken_region(tmp_path, "c.toml", nan_founded)
    out = tmp_path / "out"
    argv = ["compare", BASELINE, scenario_for(b), scenario_for(c), "--out", out]
    problems = refused(*argv, "--replications", "2", out=out)
    assert [(p.file, p.field) for p in problems] == [
        (str(b), "snapshots.2023.total.value"),
        (str(c), "flows.2023.founded.value"),
    ]


def test_compare_collects_every_broken_scenario_and_data_file(tmp_path):
    b = broken_region(tmp_path, "b.toml", negative_total)
    bad_scenario = tmp_path / "typo.toml"
    bad_scenario.write_text(f'extends = "{BASELINE.as_posix()}"\n[founding]\nmean_per_year = nan\n')
    files = [BASELINE, bad_scenario, scenario_for(b), bad_scenario]
    for load in (load_compared_scenarios, lambda f: compare(f, replications=2)):
        with pytest.raises(InputError) as caught:
            load(files)
        problems = getattr(caught.value, "errors", [caught.value])
        assert [(p.source, p.field) for p in problems] == [
            (str(bad_scenario), "founding.mean_per_year"),  # once, though named twice
            (str(b), "snapshots.2023.total.value"),
        ]


def test_score_refuses_nan_quantiles_naming_summary_json(tmp_path):
    metrics = {"cooperatives": {"2023": {"q25": 1020.0, "q50": float("nan"), "q75": 1030.0}}}
    folder = forecast_folder(tmp_path / "stored", metrics)
    (problem,) = refused("score", folder, "--observed", "ha_tinh")
    assert (problem.file, problem.field) == (
        str(folder / "summary.json"),
        "metrics.cooperatives.2023.q50",
    )
    assert sorted(p.name for p in folder.iterdir()) == ["summary.json"]


def test_score_refuses_infinite_trajectories_naming_the_file(tmp_path):
    folder = forecast_folder(tmp_path / "stored")
    trajectories = folder / "trajectories.csv"
    trajectories.write_text("replicate,year,cooperatives,founded\n0,2023,1028,inf\n1,2023,,30\n")
    (problem,) = refused("score", folder, "--observed", "ha_tinh")
    assert (problem.file, problem.field) == (str(trajectories), "column founded")
    assert "infinite" in problem.rest
    assert sorted(p.name for p in folder.iterdir()) == ["summary.json", "trajectories.csv"]


def test_score_reads_null_trajectory_cells_as_not_modelled(tmp_path, capsys):
    from coopsim.cli.main import main

    folder = forecast_folder(tmp_path / "stored")
    rows = "".join(f"{i},2023,{1020 + i % 9},\n" for i in range(40))
    (folder / "trajectories.csv").write_text("replicate,year,cooperatives,members\n" + rows)
    assert main(["score", folder.as_posix(), "--observed", "ha_tinh", "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["metrics"]["cooperatives"]["2023"]["samples"] == 40


def test_a_scenario_and_its_data_file_are_checked_together(tmp_path):
    from coopsim.inputs.region_data import load_scenario_and_region

    b = broken_region(tmp_path, "b.toml", negative_total)
    with pytest.raises(InputError) as caught:
        load_scenario_and_region(scenario_for(b), ["founding.mean_per_year=inf"])
    problems = getattr(caught.value, "errors", [caught.value])
    assert [(p.source, p.field) for p in problems] == [
        ("--set founding.mean_per_year=inf", "founding.mean_per_year"),
        (str(b), "snapshots.2023.total.value"),
    ]
    loaded, region = load_scenario_and_region(BASELINE)
    assert (loaded.scenario.name, region.data.region.id) == ("baseline", "ha_tinh")
