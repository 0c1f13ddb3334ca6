"""The levers an analysis can move: paths usable with --set, values, ranges and the JSON shape."""

from __future__ import annotations

import json

import pytest

from coopsim.cli.main import main
from coopsim.errors import InputError
from coopsim.inputs.scenario import load_scenario
from coopsim.inputs.settings import find_lever, list_levers, with_setting
from tests.test_cli import ROOT

SCENARIOS = ROOT / "scenarios"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("baseline", ["founding.mean_per_year", "founding.dispersion"]),
        (
            "resolution20",
            [
                *(f"levers.credit.effects.{e}" for e in ("upgrade", "downgrade", "dissolution")),
                "levers.founding_support.effects.founding",
                "levers.founding_support.effects.group_conversion",
                "founding.from_groups.conversion_per_year",
                "law_2023.founding_multiplier",
                "quality.upgrade_per_year.average",
            ],
        ),
        (
            "model_coop_project",
            [
                "programmes.model_coop_project.budget_million_vnd",
                "programmes.model_coop_project.capacity_per_year",
                "programmes.model_coop_project.effects.upgrade",
            ],
        ),
        ("law2023_cleanup", ["law_2023.removal_at_deadline.weak"]),
    ],
)
def test_every_listed_lever_can_be_set_and_lies_in_its_range(name, expected):
    loaded = load_scenario(SCENARIOS / f"{name}.toml")
    found = {item.path: item for item in list_levers(loaded.scenario)}
    assert set(expected) <= set(found)
    for item in found.values():
        assert item.min <= item.max and item.description and item.basis
        if item.value is None:
            continue
        assert item.min <= item.value <= item.max, item.path
        # Setting a lever to its own value changes nothing; --set gives the same scenario.
        assert with_setting(loaded.scenario, item.path, item.value) == loaded.scenario
    middle = next(iter(found.values()))
    value = (middle.min + middle.max) / 2
    by_set = load_scenario(loaded.path, [f"{middle.path}={value!r}"]).scenario
    assert with_setting(loaded.scenario, middle.path, value) == by_set


def test_ranges_follow_the_schema_and_the_documented_bounds(baseline):
    found = {item.path: item for item in list_levers(baseline)}
    assert (found["founding.mean_per_year"].min, found["founding.mean_per_year"].max) == (0, 105)
    assert (found["founding.dispersion"].min, found["founding.dispersion"].max) == (0.5, 100)
    weak = found["quality.dissolution_per_year.weak"]
    assert weak.min == pytest.approx(weak.value / 5) and weak.max == pytest.approx(5 * weak.value)
    law = {
        i.path: i for i in list_levers(load_scenario(SCENARIOS / "law2023_cleanup.toml").scenario)
    }
    assert (
        law["law_2023.removal_at_deadline.weak"].min,
        law["law_2023.removal_at_deadline.weak"].max,
    ) == (0, 1)
    assert law["law_2023.founding_multiplier"].min == 0.5


def test_unknown_paths_and_bad_values_are_input_errors(baseline):
    with pytest.raises(InputError, match=r"--lever.*did you mean 'founding.mean_per_year'"):
        find_lever(baseline, "founding.mean_per_yaer")
    with pytest.raises(InputError, match="greater than or equal to 0"):
        with_setting(baseline, "founding.mean_per_year", -1.0)


def test_levers_json_is_a_list_of_path_value_min_max_description(capsys):
    assert main(["levers", str(SCENARIOS / "resolution20.toml"), "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert isinstance(items, list) and len(items) > 40
    for item in items:
        assert {"path", "value", "min", "max", "description"} <= set(item)
        assert isinstance(item["path"], str) and isinstance(item["description"], str)
        assert all(isinstance(item[k], int | float) for k in ("value", "min", "max"))
    paths = [item["path"] for item in items]
    assert len(paths) == len(set(paths))


def test_levers_table_and_overrides(capsys):
    path = SCENARIOS / "baseline.toml"
    assert main(["levers", str(path), "--set", "founding.mean_per_year=20"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("founding.mean_per_year "))
    assert line.split()[1:4] == ["20", "0", "60"]
    assert main(["levers", str(path), "--set", "founding.mean_per_year=-3"]) == 2
    assert "founding.mean_per_year" in capsys.readouterr().err
