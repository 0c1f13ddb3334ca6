"""The `coopsim` command: forecast a scenario file, or validate scenario files."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from coopsim.analyses.score import format_score, score_forecast, write_score
from coopsim.cli.analysis import ANALYSIS_COMMANDS, add_analysis_commands, run_analysis
from coopsim.cli.calibrate import add_calibrate_command, run_calibrate
from coopsim.cli.forecast import add_forecast_options, run_forecast
from coopsim.cli.forecast import format_report as format_report  # re-exported
from coopsim.cli.report import add_report_command, run_report
from coopsim.cli.sensitivity import add_sensitivity_command, run_sensitivity
from coopsim.engines.registry import ENGINE_CHOICES
from coopsim.errors import InputError
from coopsim.inputs.region_data import DataInconsistencyWarning, region_for
from coopsim.inputs.scenario import load_scenario
from coopsim.inputs.scenario_files import to_toml
from coopsim.model.plan import compile_plan
from coopsim.runs.defaults import DEFAULT_REPLICATIONS, DEFAULT_SEED
from coopsim.runs.executors import EXECUTOR_CHOICES

EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _whole_number(minimum: int):
    """An argparse type: a whole number of at least `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum} (got {value})")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coopsim",
        description="Simulate and forecast a province's cooperative sector under policy scenarios.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("forecast", help="run a scenario as a Monte Carlo ensemble")
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    add_simulation_options(run)
    add_forecast_options(run, _whole_number)

    check = commands.add_parser("validate", help="check scenario files and their data")
    check.add_argument("files", type=Path, nargs="+", help="scenario TOML files")
    _add_set_option(check)

    show = commands.add_parser(
        "show", help="print a scenario as resolved (after extends and --set), as TOML"
    )
    show.add_argument("file", type=Path, help="scenario TOML file")
    _add_set_option(show)
    _add_score_command(commands)
    add_calibrate_command(commands, _whole_number)
    add_sensitivity_command(commands, add_simulation_options, _whole_number)
    add_report_command(commands, add_simulation_options)
    add_analysis_commands(commands, add_simulation_options)
    return parser


def _add_score_command(commands: argparse._SubParsersAction) -> None:
    """`coopsim score`: a stored forecast against the observed figures of its years."""
    score = commands.add_parser("score", help="score a stored forecast against observed figures")
    score.add_argument("folder", type=Path, help="a folder written by coopsim forecast")
    score.add_argument(
        "--observed",
        required=True,
        metavar="FILE",
        help="region data file (TOML, like coopsim/data/ha_tinh.toml) with the observed years",
    )
    score.add_argument("--json", action="store_true", help="print score.json instead of a table")


def add_simulation_options(parser: argparse.ArgumentParser) -> None:
    """The options every simulating command takes, the same way: --replications, --seed,
    --engine, --workers, --executor, --scheduler, --set and --quiet (make the executor with
    coopsim.executors.make_executor(args.executor, args.workers, args.scheduler))."""
    parser.add_argument(
        "--replications",
        type=_whole_number(1),
        default=DEFAULT_REPLICATIONS,
        help=f"Monte Carlo replicates (default {DEFAULT_REPLICATIONS})",
    )
    parser.add_argument(
        "--seed",
        type=_whole_number(0),
        default=DEFAULT_SEED,
        help=f"random seed (default {DEFAULT_SEED})",
    )
    parser.add_argument(
        "--engine", choices=ENGINE_CHOICES, default="auto", help="simulation engine (default auto)"
    )
    parser.add_argument(
        "--workers",
        type=_whole_number(1),
        default=None,
        help="worker processes (default all cores)",
    )
    parser.add_argument(
        "--executor",
        choices=EXECUTOR_CHOICES,
        default="pool",
        help="where chunks of replicates run: pool (worker processes here, default) or dask "
        '(a Dask cluster; pip install "coopsim[dask]")',
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --executor dask: the scheduler, e.g. tcp://HOST:8786 (default: start a "
        "local cluster of --workers processes for the run)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_set_option(parser)


def _add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a setting by its dotted path, e.g. founding.mean_per_year=30 "
        "(repeatable; the value is read as TOML, a bare word as text)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataInconsistencyWarning)
            if args.command == "forecast":
                return run_forecast(
                    args, list(argv) if argv is not None else sys.argv, _default_out
                )
            if args.command == "calibrate":
                return run_calibrate(
                    args, list(argv) if argv is not None else sys.argv, _default_out
                )
            if args.command == "report":
                return run_report(args, list(argv) if argv is not None else sys.argv)
            if args.command == "sensitivity":
                return run_sensitivity(
                    args, list(argv) if argv is not None else sys.argv, _default_out
                )
            if args.command in ANALYSIS_COMMANDS:
                return run_analysis(
                    args, list(argv) if argv is not None else sys.argv, _default_out
                )
            if args.command == "score":
                return _score(args.folder, args.observed, args.json)
            if args.command == "show":
                return _show(args.file, args.overrides)
            return _validate(args.files, args.overrides)
    except InputError as error:
        report_input_error(error)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("coopsim: interrupted; no output was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `coopsim forecast ... | head`: the results are written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def report_input_error(error: InputError) -> None:
    """One line per problem on stderr, each with the command's prefix."""
    for problem in getattr(error, "errors", [error]):
        print(f"coopsim: error: {problem}", file=sys.stderr)


def _default_out(scenario: Path, started: datetime) -> Path:
    """A new folder under coopsim-output/, named after the scenario and the time."""
    stamp = started.astimezone().strftime("%Y%m%d-%H%M%S")
    base = Path("coopsim-output") / f"{scenario.stem}-{stamp}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    candidate.parent.mkdir(parents=True, exist_ok=True)
    return candidate


def _score(folder: Path, observed: str, as_json: bool) -> int:
    """Score a forecast folder, write score.json and score.csv into it, print the result."""
    score = score_forecast(folder, observed)
    written = write_score(score)
    if as_json:
        print(json.dumps(score.as_dict(), indent=2))
    else:
        print(format_score(score))
    print(f"\nWrote {folder}/: " + ", ".join(written), file=sys.stderr if as_json else sys.stdout)
    return EXIT_OK


def _show(path: Path, overrides: list[str]) -> int:
    loaded = load_scenario(path, overrides)
    region = region_for(loaded.scenario, loaded.path)
    compile_plan(loaded.scenario, region.data)
    header = [f"# {path}, as resolved"]
    if len(loaded.files) > 1:
        header.append("# extends: " + " -> ".join(str(p) for p in loaded.files[1:]))
    header += [f"# --set {text}" for text in loaded.overrides]
    print("\n".join(header))
    resolved = loaded.scenario.model_dump(
        mode="python", exclude_none=True, exclude={"extends", "replace"}
    )
    print(to_toml(resolved))
    return EXIT_OK


def _validate(files: list[Path], overrides: list[str]) -> int:
    failed = False
    for path in files:
        try:
            loaded = load_scenario(path, overrides)
            region = region_for(loaded.scenario, loaded.path)
            compile_plan(loaded.scenario, region.data)
        except InputError as error:
            report_input_error(error)
            failed = True
        else:
            print(f"{path}: ok")
    return EXIT_INPUT if failed else EXIT_OK


def run() -> None:
    """The console entry point: main()'s exit status. After Ctrl-C, exit at once (the
    checkpoints are on disk, every file complete): waiting at interpreter exit for worker
    threads of an aborted process pool can hang on a loaded machine."""
    code = main()
    if code == EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
