"""`coopsim show`: a scenario as resolved (after extends and --set), as TOML."""

from __future__ import annotations

import argparse
from pathlib import Path

from coopsim.cli.options import add_quiet_option, add_set_option
from coopsim.errors import InputError


def add_show_command(commands: argparse._SubParsersAction) -> None:
    show = commands.add_parser(
        "show", help="print a scenario as resolved (after extends and --set), as TOML"
    )
    show.add_argument("file", type=Path, help="scenario TOML file")
    add_set_option(show)
    add_quiet_option(show, "no comment lines naming the files and overrides: the TOML alone")


def run_show(args: argparse.Namespace) -> int:
    """Print the resolved scenario, after checking it compiles against its region."""
    from coopsim.inputs.region_data import region_for
    from coopsim.inputs.scenario import load_scenario
    from coopsim.inputs.scenario_files import to_toml
    from coopsim.model.plan import compile_plan

    loaded = load_scenario(args.file, args.overrides)
    region = region_for(loaded.scenario, loaded.path)
    compile_plan(loaded.scenario, region.data)
    header = [f"# {args.file}, as resolved"]
    if len(loaded.files) > 1:
        header.append("# extends: " + " -> ".join(str(p) for p in loaded.files[1:]))
    header += [f"# --set {text}" for text in loaded.overrides]
    if not args.quiet:
        print("\n".join(header))
    resolved = loaded.scenario.model_dump(
        mode="python", exclude_none=True, exclude={"extends", "replace"}
    )
    try:
        text = to_toml(resolved)
    except ValueError as error:  # a value TOML cannot hold: say so, do not print a wrong file
        raise InputError(str(args.file), str(error)) from None
    print(text)
    return 0
