"""`coopsim schema scenario|region`: the JSON Schema of scenario or region data files, from
the same pydantic models that validate them, for editors that check and complete TOML."""

from __future__ import annotations

import argparse
import json

from coopsim.cli.options import add_quiet_option

KINDS = ("scenario", "region")


def add_schema_command(commands: argparse._SubParsersAction) -> None:
    schema = commands.add_parser(
        "schema", help="print the JSON Schema of scenario or region data files"
    )
    schema.add_argument("kind", choices=KINDS, help="which files: scenario or region")
    add_quiet_option(schema, "accepted as by every command; the schema is the only output")


def loosened(node: object) -> object:
    """A copy of a schema with every `required` list dropped and every `#/$defs/X` reference
    pointing at the loosened copy `#/$defs/X_extending`."""
    if isinstance(node, dict):
        return {
            k: (v + "_extending" if k == "$ref" else loosened(v))
            for k, v in node.items()
            if k != "required"
        }
    if isinstance(node, list):
        return [loosened(v) for v in node]
    return node


def file_schema(kind: str) -> dict:
    """The JSON Schema of one kind of file, titled and with its dialect named. A scenario
    that `extends` another inherits what it leaves out, so for such a file nothing is
    required (coopsim validate checks the resolved whole); keys and types are checked still."""
    if kind == "scenario":
        from coopsim.inputs.scenario import Scenario as model
    else:
        from coopsim.inputs.region_data import Region as model
    schema = model.model_json_schema()
    header = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "coopsim scenario file" if kind == "scenario" else "coopsim region data file",
        "description": schema.get("description", ""),
    }
    if kind == "region":
        return {**schema, **header}
    definitions = schema.pop("$defs", {})
    complete = {k: v for k, v in schema.items() if k not in ("title", "description")}
    definitions["complete"] = complete
    loose = {f"{name}_extending": loosened(value) for name, value in definitions.items()}
    return {
        **header,
        "$defs": {**definitions, **loose},
        "if": {"type": "object", "required": ["extends"]},
        "then": {"$ref": "#/$defs/complete_extending"},
        "else": {"$ref": "#/$defs/complete"},
    }


def run_schema(args: argparse.Namespace) -> int:
    print(json.dumps(file_schema(args.kind), indent=2, ensure_ascii=False))
    return 0
