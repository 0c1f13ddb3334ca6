"""`coopsim schema`: JSON Schemas that accept every bundled file and catch what validate
would refuse for a key or a type."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from coopsim.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
REGION = ROOT / "coopsim" / "data" / "ha_tinh.toml"


def as_json(value: object) -> object:
    """TOML values as a TOML-aware editor hands them to a JSON Schema (dates as strings)."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def schema_of(kind: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(["schema", kind]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def load(path: Path) -> dict:
    return as_json(tomllib.loads(path.read_text(encoding="utf-8")))  # type: ignore[return-value]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_bundled_scenario_fits_the_scenario_schema(path, capsys):
    jsonschema.validate(load(path), schema_of("scenario", capsys))


def test_the_bundled_region_file_fits_the_region_schema(capsys):
    jsonschema.validate(load(REGION), schema_of("region", capsys))


def test_the_schema_catches_a_misspelt_key_a_wrong_type_and_a_missing_table(capsys):
    schema = schema_of("scenario", capsys)
    baseline = load(ROOT / "scenarios" / "baseline.toml")
    misspelt = {**baseline, "horizon_yaer": 2030}
    wrong_type = {**baseline, "horizon_year": "soon"}
    missing = {k: v for k, v in baseline.items() if k != "founding"}
    for broken in (misspelt, wrong_type, missing):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)
    # A file that extends another may leave tables out, but not misspell them.
    jsonschema.validate({"extends": "baseline.toml", "name": "x"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"extends": "baseline.toml", "foundng": {}}, schema)
