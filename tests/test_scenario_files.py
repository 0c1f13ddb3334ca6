"""extends, replace, --set, line numbers for errors, and `coopsim show`."""

from __future__ import annotations

import io
import json
import tomllib
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coopsim.cli.main import main
from coopsim.errors import InputError
from coopsim.inputs.scenario import load_scenario
from coopsim.inputs.scenario_files import parse_override, to_toml, toml_key_lines

from .conftest import BASELINE, ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


def child(tmp_path: Path, text: str, name: str = "child.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{BASELINE}"\n' + text)
    return path


def test_extends_deep_merges(tmp_path, baseline):
    path = child(tmp_path, 'name = "c"\n[founding]\nmean_per_year = 20.0\n')
    loaded = load_scenario(path)
    assert loaded.scenario.founding.mean_per_year == 20
    assert loaded.scenario.founding.dispersion == baseline.founding.dispersion
    assert loaded.scenario.targets == baseline.targets
    assert [p.name for p in loaded.files] == ["child.toml", "baseline.toml"]


def test_replace_drops_inherited_tables(tmp_path):
    text = (
        'name = "c"\nreplace = ["targets"]\n[targets.only]\nmetric = "founded"\n'
        'year = 2025\ncomparison = ">="\nthreshold = 10\n'
    )
    assert list(load_scenario(child(tmp_path, text)).scenario.targets) == ["only"]


def test_set_overrides_are_typed_and_recorded(tmp_path):
    loaded = load_scenario(
        BASELINE, ["founding.mean_per_year=28", "reporting.share_denominator=classified"]
    )
    assert loaded.scenario.founding.mean_per_year == 28.0
    assert loaded.scenario.reporting.share_denominator == "classified"
    assert loaded.overrides == (
        "founding.mean_per_year=28",
        "reporting.share_denominator=classified",
    )
    assert parse_override("levers.x.start=2025-01-01")[1].isoformat() == "2025-01-01"
    with pytest.raises(InputError, match=r"dotted\.path=value"):
        parse_override("founding.mean_per_year")


def test_set_errors_name_the_override():
    with pytest.raises(InputError) as caught:
        load_scenario(BASELINE, ["founding.mean_per_year=-2"])
    assert "--set founding.mean_per_year=-2" in str(caught.value)
    assert "founding.mean_per_year" in str(caught.value)


def test_errors_point_at_the_line_and_the_file_that_set_the_value(tmp_path):
    path = child(tmp_path, 'name = "c"\n\n[founding]\ndispersion = -1.0\n')
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert str(caught.value).startswith(f"{path}, line 5: founding.dispersion:")
    inherited = child(tmp_path, 'name = "c"\n[members]\nnew_cooperative_minimum = 500\n', "m.toml")
    with pytest.raises(InputError) as caught:
        load_scenario(inherited)
    assert str(inherited) in str(caught.value) and "new_cooperative_mean" in str(caught.value)


def test_key_lines_cover_headers_keys_and_inline_tables():
    lines = toml_key_lines(BASELINE.read_text())
    text = BASELINE.read_text().splitlines()
    assert text[lines[("founding", "mean_per_year")] - 1].startswith("mean_per_year")
    assert "entry_class" in text[lines[("founding", "entry_class", "weak")] - 1]
    assert text[lines[("targets", "new_cooperatives_2024")] - 1] == (
        "[targets.new_cooperatives_2024]"
    )


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_show_prints_toml_that_loads_back_to_the_same_scenario(path, tmp_path):
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["show", str(path)]) == 0
    shown = tmp_path / "shown.toml"
    shown.write_text(out.getvalue())
    tomllib.loads(out.getvalue())
    original = load_scenario(path).scenario
    again = load_scenario(shown).scenario
    assert again == original


def test_to_toml_quotes_what_needs_quoting():
    text = to_toml({"a": {"odd key": "x", "v": [1, 2.5, True]}, "b": "Hà Tĩnh"})
    assert tomllib.loads(text) == {"a": {"odd key": "x", "v": [1, 2.5, True]}, "b": "Hà Tĩnh"}


def test_forecast_records_overrides_in_provenance(tmp_path):
    out = tmp_path / "out"
    status = main(
        [
            "forecast",
            str(BASELINE),
            "--replications",
            "3",
            "--workers",
            "1",
            "--quiet",
            "--out",
            str(out),
            "--set",
            "founding.mean_per_year=30",
        ]
    )
    assert status == 0
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["overrides"] == ["founding.mean_per_year=30"]
    assert prov["resolved_scenario"]["founding"]["mean_per_year"] == 30.0
    assert str(BASELINE.resolve()) in prov["scenario_files_sha256"]


def test_every_bundled_scenario_validates():
    assert len(SCENARIOS) >= 7
    with redirect_stdout(io.StringIO()):
        assert main(["validate", *map(str, SCENARIOS)]) == 0


SHOWABLE = [p for p in SCENARIOS if p.stem in ("baseline", "model_coop_project", "resolution20")]


@settings(max_examples=20, deadline=None, derandomize=True)
@given(data=st.data(), path=st.sampled_from(SHOWABLE))
def test_show_round_trips_scenarios_with_settings_moved(data, path, tmp_path_factory):
    """show -> load gives the same resolved scenario for scenarios with settings moved
    anywhere in their allowed ranges (programmes' tables, dates and lists included)."""
    from coopsim.inputs.scenario_files import to_toml as write
    from coopsim.inputs.settings import list_levers, with_setting

    scenario = load_scenario(path).scenario
    for setting in data.draw(st.lists(st.sampled_from(list_levers(scenario)), max_size=3)):
        low, high = setting.min, setting.max
        value = (
            data.draw(st.integers(int(low), int(high)))
            if setting.integer
            else data.draw(st.floats(low, high, allow_nan=False, allow_infinity=False))
        )
        scenario = with_setting(scenario, setting.path, value)
    resolved = scenario.model_dump(mode="python", exclude_none=True, exclude={"extends", "replace"})
    shown = tmp_path_factory.mktemp("show") / "shown.toml"
    shown.write_text(write(resolved), encoding="utf-8")
    assert load_scenario(shown).scenario == scenario


def test_to_toml_writes_arrays_of_tables_and_refuses_an_unset_value_in_a_list():
    text = to_toml({"rows": [{"x": 1}, {"x": 2}], "unset": None, "t": {"gone": None, "k": 1}})
    assert tomllib.loads(text) == {"rows": [{"x": 1}, {"x": 2}], "t": {"k": 1}}
    with pytest.raises(ValueError, match=r"a\.b: a list holding an unset value"):
        to_toml({"a": {"b": [1, None]}})
