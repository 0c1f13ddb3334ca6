"""`coopsim levers`: the settings a goal seek or a sensitivity analysis can move."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from coopsim.cli.options import add_quiet_option

if TYPE_CHECKING:
    from coopsim.inputs.settings import LeverSetting


def add_levers_command(commands: argparse._SubParsersAction) -> None:
    """Register `coopsim levers`."""
    settings = commands.add_parser(
        "levers", help="list the settings a goal seek or sensitivity analysis can move"
    )
    settings.add_argument("scenario", type=Path, help="scenario TOML file")
    settings.add_argument("--json", action="store_true", help="print a JSON list instead")
    settings.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a setting by its dotted path first (repeatable)",
    )
    add_quiet_option(settings, "the table alone, without the lines on how to use it")


def run_levers(args: argparse.Namespace) -> int:
    """Print the scenario's levers as a table or JSON."""
    from coopsim.inputs.scenario import load_scenario
    from coopsim.inputs.settings import list_levers

    loaded = load_scenario(args.scenario, args.overrides)
    found = list_levers(loaded.scenario)
    if args.json:
        print(json.dumps([item.as_dict() for item in found], indent=2))
    else:
        print(format_levers(loaded.scenario.name, found, notes=not args.quiet))
    return 0


def setting_text(value: float | None) -> str:
    """A setting's value for a table ('unset' for None)."""
    return "unset" if value is None else f"{value:g}"


def format_levers(name: str, found: list[LeverSetting], notes: bool = True) -> str:
    """The table `coopsim levers` prints (with `notes`, the lines on how to use it)."""
    width = max(len(item.path) for item in found)
    heading = [
        f"Levers of '{name}': move one with --set PATH=VALUE, search one with "
        "coopsim goal-seek --lever PATH",
        "",
    ]
    lines = [
        *(heading if notes else []),
        f"{'path':<{width}} {'value':>10} {'min':>10} {'max':>10}  description",
    ]
    for item in found:
        lines.append(
            f"{item.path:<{width}} {setting_text(item.value):>10} {item.min:>10g} {item.max:>10g}  "
            f"{item.description}"
        )
    if notes:
        lines.append(
            "\nRanges: the schema's limits and plausible bounds; --json gives each range's basis."
        )
    return "\n".join(lines)
