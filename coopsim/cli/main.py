"""The `coopsim` command: the parser of every subcommand, and the dispatch to the one asked.

The parser is built from light modules only (argparse, coopsim.defaults, each command's
options), so `coopsim --help` answers at once; each command imports what it needs when it
runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from coopsim.cli.app import add_app_command, run_app
from coopsim.cli.backtest import add_backtest_command, run_backtest
from coopsim.cli.calibrate import add_calibrate_command, run_calibrate
from coopsim.cli.compare import add_compare_command, run_compare
from coopsim.cli.forecast import add_forecast_options, run_forecast
from coopsim.cli.goal_seek import add_goal_seek_command, run_goal_seek
from coopsim.cli.levers import add_levers_command, run_levers
from coopsim.cli.options import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    add_simulation_options,
    default_out,
    interrupted_status,
    report_input_error,
    sigterm_as_interrupt,
    stop_word,
    whole_number,
    write_error_message,
)
from coopsim.cli.report import add_report_command, run_report
from coopsim.cli.schema import add_schema_command, run_schema
from coopsim.cli.score import add_score_command, run_score
from coopsim.cli.sensitivity import add_sensitivity_command, run_sensitivity
from coopsim.cli.show import add_show_command, run_show
from coopsim.cli.validate import add_validate_command, run_validate
from coopsim.errors import DataInconsistencyWarning, InputError


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coopsim",
        description="Simulate and forecast a province's cooperative sector under policy scenarios.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("forecast", help="run a scenario as a Monte Carlo ensemble")
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    add_simulation_options(run)
    add_forecast_options(run, whole_number)
    add_validate_command(commands)
    add_show_command(commands)
    add_schema_command(commands)
    add_score_command(commands)
    add_calibrate_command(commands, whole_number)
    add_backtest_command(commands)
    add_sensitivity_command(commands, add_simulation_options, whole_number)
    add_report_command(commands, add_simulation_options)
    add_compare_command(commands, add_simulation_options)
    add_levers_command(commands)
    add_goal_seek_command(commands, add_simulation_options)
    add_app_command(commands, whole_number)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command_line = list(argv) if argv is not None else sys.argv
    try:
        with sigterm_as_interrupt(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DataInconsistencyWarning)
            if args.command == "forecast":
                return run_forecast(args, command_line, default_out)
            if args.command == "calibrate":
                return run_calibrate(args, command_line, default_out)
            if args.command == "backtest":
                return run_backtest(args, command_line, default_out)
            if args.command == "report":
                return run_report(args, command_line)
            if args.command == "sensitivity":
                return run_sensitivity(args, command_line, default_out)
            if args.command == "compare":
                return run_compare(args, command_line, default_out)
            if args.command == "levers":
                return run_levers(args)
            if args.command == "goal-seek":
                return run_goal_seek(args, command_line, default_out)
            if args.command == "score":
                return run_score(args)
            if args.command == "schema":
                return run_schema(args)
            if args.command == "show":
                return run_show(args)
            if args.command == "app":
                return run_app(args)
            return run_validate(args)
    except InputError as error:
        report_input_error(error)
        return EXIT_INPUT
    except KeyboardInterrupt as error:  # Ctrl-C, or SIGTERM
        print(f"coopsim: {stop_word(error)}; no output was written", file=sys.stderr)
        return interrupted_status(error)
    except BrokenPipeError:  # e.g. `coopsim forecast ... | head`: the results are written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:  # a full disk, no permission, a read-only file system
        message = write_error_message(error)
        if message is None:
            raise
        print(f"coopsim: error: {message}; nothing was written", file=sys.stderr)
        return EXIT_INPUT


def run() -> None:
    """The console entry point: main()'s exit status. After Ctrl-C or SIGTERM, exit at once
    (the checkpoints are on disk, every file complete): waiting at interpreter exit for worker
    threads of an aborted process pool can hang on a loaded machine."""
    code = main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
