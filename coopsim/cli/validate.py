"""`coopsim validate`: check scenario files and the region data each names."""

from __future__ import annotations

import argparse
from pathlib import Path

from coopsim.cli.options import add_quiet_option, add_set_option, report_input_error
from coopsim.errors import InputError

EXIT_OK, EXIT_INPUT = 0, 2


def add_validate_command(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("validate", help="check scenario files and their data")
    check.add_argument("files", type=Path, nargs="+", help="scenario TOML files")
    add_set_option(check)
    add_quiet_option(check, "no line for a file that is ok: only the problems")


def run_validate(args: argparse.Namespace) -> int:
    """Each file loaded, its region read and the plan compiled; every failure reported."""
    from coopsim.inputs.region_data import load_scenario_and_region
    from coopsim.model.plan import compile_plan

    failed = False
    for path in args.files:
        try:
            loaded, region = load_scenario_and_region(path, args.overrides)
            plan = compile_plan(loaded.scenario, region.data)
            origin = ""
            if region.data.observations_within(plan.first_year):
                from coopsim.analyses.origin.report import in_year_report

                report = in_year_report(region.data, plan.first_year)  # refuses a bad one
                if report is not None:
                    origin = f" (forecasts start at the report of {report.date.isoformat()})"
        except InputError as error:
            report_input_error(error)
            failed = True
        else:
            if not args.quiet:
                print(f"{path}: ok{origin}")
    return EXIT_INPUT if failed else EXIT_OK
