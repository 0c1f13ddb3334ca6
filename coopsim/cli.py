"""The `coopsim` command: forecast a scenario file, or validate scenario files."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from coopsim.calibration.command import add_calibrate_command, run_calibrate
from coopsim.calibration.posterior_file import read_posterior
from coopsim.engines import ENGINE_CHOICES
from coopsim.ensemble import default_workers
from coopsim.errors import InputError
from coopsim.forecast import DEFAULT_REPLICATIONS, DEFAULT_SEED, forecast, region_for
from coopsim.metrics import metric_info
from coopsim.observed import DataInconsistencyWarning
from coopsim.outputs import check_output_dir, staged_output, write_json
from coopsim.parameter_sets import DEFAULT_REPLICATES_PER_SET
from coopsim.plan import compile_plan
from coopsim.plotting import charted_metrics, save_fan_charts
from coopsim.provenance import provenance
from coopsim.results import ForecastResult
from coopsim.scenario import load_scenario
from coopsim.scenario_files import to_toml
from coopsim.score import format_score, score_forecast, write_score
from coopsim.targets import Z95

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
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default coopsim-output/SCENARIO-TIMESTAMP); must be new or empty",
    )
    run.add_argument(
        "--overwrite", action="store_true", help="replace --out if it holds earlier results"
    )
    run.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="FILE",
        help="posterior.csv of `coopsim calibrate`: each replicate runs with a parameter set "
        "from it (parameter uncertainty in every result)",
    )
    run.add_argument(
        "--replicates-per-draw",
        type=_whole_number(2),
        default=DEFAULT_REPLICATES_PER_SET,
        help=f"with --posterior: replicates run with each posterior draw "
        f"(default {DEFAULT_REPLICATES_PER_SET})",
    )

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
    --engine, --workers, --set and --quiet."""
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
                return _forecast(args, list(argv) if argv is not None else sys.argv)
            if args.command == "calibrate":
                return run_calibrate(
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


def _forecast(args: argparse.Namespace, argv: list[str]) -> int:
    started = datetime.now(UTC)
    loaded = load_scenario(args.scenario, args.overrides)
    region = region_for(loaded.scenario, loaded.path)
    out = args.out or _default_out(args.scenario, started)
    check_output_dir(out, args.overwrite)
    workers = args.workers or default_workers()
    posterior = read_posterior(args.posterior) if args.posterior else None
    result = forecast(
        loaded.scenario,
        replications=args.replications,
        seed=args.seed,
        engine=args.engine,
        workers=workers,
        region=region,
        progress=None if not args.quiet else False,
        posterior=posterior,
        replicates_per_set=args.replicates_per_draw,
        posterior_source=str(args.posterior) if args.posterior else None,
    )
    with staged_output(out) as staging:
        write_json(staging / "summary.json", result.summary())
        trajectories = result.trajectories()
        if trajectories is not None:
            trajectories.to_csv(staging / "trajectories.csv", index=False)
        result.quantiles().to_csv(staging / "quantiles.csv", index=False)
        save_fan_charts(result, staging)
        impact = result.programme_impact()
        if impact is not None:
            impact.to_csv(staging / "programme_impact.csv", index=False)
        write_json(
            staging / "provenance.json",
            provenance(
                loaded,
                region,
                seed=args.seed,
                replications=args.replications,
                engine=result.engine,
                workers=workers,
                started=started,
                finished=datetime.now(UTC),
                argv=argv,
            ),
        )
        written = sorted(path.name for path in staging.iterdir())
    print(format_report(result))
    print(f"\nWrote {out}/: " + ", ".join(written))
    return EXIT_OK


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


def format_report(result: ForecastResult) -> str:
    """The table printed after a forecast: each target's probability with its uncertainty."""
    lines = [
        f"Scenario '{result.scenario.name}' ({result.region.region.name}), "
        + (
            f"{result.replications} replicates, "
            if result.replications
            else "exact distributions, "
        )
        + f"engine {result.engine} ({result.engine_reason}), seed {result.seed}",
        f"Start: end-{result.initial.year} stock of {result.initial.total} cooperatives; "
        f"forecast {result.years[0]}-{result.years[-1]}",
        "",
        f"{'target':<40} {'P(met)':>7} {'stderr':>7}  {'95% interval':<15}",
    ]
    for name, est in result.targets.items():
        low, high = est.ci95
        share = f"  {est.variance.parameter_share:>6.0%} from parameters" if est.variance else ""
        lines.append(
            f"{name:<40} {est.probability:>7.3f} {est.stderr:>7.3f}  [{low:.3f}, {high:.3f}]"
            + share
        )
        lines.append(f"  {est.description}")
    if result.parameter_sets:
        lines.append(
            f"(posterior {result.posterior_source}: {result.parameter_sets} parameter sets; "
            "stderr counts replicates of a set as one cluster)"
        )
    lines += ["", "Forecast: median [90% interval]"]
    for metric in charted_metrics(result):
        info = metric_info(metric)
        table = result.metric_quantiles(metric)
        cells = []
        for year in sorted({result.years[0], result.years[-1]}):
            row = table.loc[year]
            fmt = "{:.1%}" if info.is_share else "{:,.0f}"
            cells.append(
                f"{year}: {fmt.format(row.q50)} [{fmt.format(row.q05)}, {fmt.format(row.q95)}]"
            )
        lines.append(f"  {metric:<22} " + "   ".join(cells))
    impact = result.programme_impact()
    if impact is not None:
        lines += _impact_lines(impact)
    for item in result.inconsistencies:
        lines.append(f"\nNote on the data: {item}")
    return "\n".join(lines)


def _impact_lines(impact: pd.DataFrame) -> list[str]:
    """The programme table: supported, spent to date, extra good+fair and cost per extra."""
    lines = [
        "",
        "Programmes, against the same seed without them (means over replicates):",
        f"  {'year':<6}{'supported':>10}{'spent to date':>15}{'extra good+fair':>20}"
        f"{'cost per extra':>16}   (money in million VND)",
    ]
    for row in impact.itertuples():
        cost = row.cost_per_additional_well_operating_million_vnd
        half = Z95 * row.additional_well_operating_stderr
        extra = f"{row.additional_well_operating:.2f} ± {half:.2f}"
        cost_text = "-" if np.isnan(cost) else f"{cost:,.0f}"
        spent = f"{row.budget_spent_to_date_million_vnd:,.0f}"
        lines.append(f"  {row.year:<6}{row.supported:>10.1f}{spent:>15}{extra:>20}{cost_text:>16}")
    return lines


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


if __name__ == "__main__":
    sys.exit(main())
