"""`coopsim compare`, `coopsim levers` and `coopsim goal-seek`: paired scenario comparison, the
settings an analysis can move, and what it would take to reach a target's probability."""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from matplotlib.figure import Figure

from coopsim.analyses.compare import Comparison, compare
from coopsim.analyses.goal_seek import DEFAULT_REPLICATIONS, Evaluation, GoalSeekResult, goal_seek
from coopsim.cli.arguments import number_between
from coopsim.errors import InputError
from coopsim.inputs.region_data import region_for
from coopsim.inputs.scenario import load_scenario
from coopsim.inputs.settings import LeverSetting, list_levers
from coopsim.results.output_folder import check_output_dir, finish_folder, staged_output, write_json
from coopsim.runs.executors import default_workers, make_executor
from coopsim.runs.provenance import provenance

ANALYSIS_COMMANDS = ("compare", "levers", "goal-seek")
DefaultOut = Callable[[Path, datetime], Path]


def _out_options(parser: argparse.ArgumentParser, default: str) -> None:
    """--out and --overwrite, as forecast has them."""
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default {default}); new or empty"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace --out if it holds earlier results"
    )


def add_analysis_commands(
    commands: argparse._SubParsersAction,
    add_simulation_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register compare, levers and goal-seek with their options."""
    pair = commands.add_parser(
        "compare", help="compare scenarios on the first one's targets, with common random numbers"
    )
    pair.add_argument("scenarios", type=Path, nargs="+", help="two or more scenario TOML files")
    _out_options(pair, "coopsim-output/compare-SCENARIOS-TIMESTAMP")
    add_simulation_options(pair)

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

    seek = commands.add_parser(
        "goal-seek", help="the lever value at which a target's probability reaches P"
    )
    seek.add_argument("scenario", type=Path, help="scenario TOML file")
    seek.add_argument("--target", required=True, help="a target of the scenario")
    seek.add_argument(
        "--lever", required=True, metavar="PATH", help="a setting listed by `coopsim levers`"
    )
    seek.add_argument(
        "--probability",
        required=True,
        type=number_between(0, 1, "0.8"),
        metavar="P",
        help="the probability wanted, strictly between 0 and 1",
    )
    seek.add_argument(
        "--range",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        default=None,
        help="search within LOW-HIGH instead of the lever's whole range",
    )
    _out_options(seek, "coopsim-output/goal-seek-SCENARIO-TIMESTAMP")
    add_simulation_options(seek)
    seek.set_defaults(replications=None)
    for action in seek._actions:
        if action.dest == "replications":
            action.help = (
                f"Monte Carlo replicates per evaluation (default {DEFAULT_REPLICATIONS['fast']:,} "
                f"on fast, {DEFAULT_REPLICATIONS['des']:,} on des)"
            )


def run_analysis(args: argparse.Namespace, argv: list[str], default_out: DefaultOut) -> int:
    """Run one of ANALYSIS_COMMANDS; bad input raises InputError (exit status 2)."""
    if args.command == "levers":
        return _levers(args)
    if args.command == "compare":
        return _compare(args, argv, default_out)
    return _goal_seek(args, argv, default_out)


def _levers(args: argparse.Namespace) -> int:
    """Print the scenario's levers as a table or JSON."""
    loaded = load_scenario(args.scenario, args.overrides)
    found = list_levers(loaded.scenario)
    if args.json:
        print(json.dumps([item.as_dict() for item in found], indent=2))
    else:
        print(format_levers(loaded.scenario.name, found))
    return 0


def _number(value: float | None) -> str:
    """A setting's value for a table ('unset' for None)."""
    return "unset" if value is None else f"{value:g}"


def format_levers(name: str, found: list[LeverSetting]) -> str:
    """The table `coopsim levers` prints."""
    width = max(len(item.path) for item in found)
    lines = [
        f"Levers of '{name}': move one with --set PATH=VALUE, search one with "
        "coopsim goal-seek --lever PATH",
        "",
        f"{'path':<{width}} {'value':>10} {'min':>10} {'max':>10}  description",
    ]
    for item in found:
        lines.append(
            f"{item.path:<{width}} {_number(item.value):>10} {item.min:>10g} {item.max:>10g}  "
            f"{item.description}"
        )
    lines.append(
        "\nRanges: the schema's limits and plausible bounds; --json gives each range's basis."
    )
    return "\n".join(lines)


def _compare(args: argparse.Namespace, argv: list[str], default_out: DefaultOut) -> int:
    """Run the comparison, write its folder all or nothing, print the table."""
    started = datetime.now(UTC)
    if len(args.scenarios) < 2:
        raise InputError("compare", "give at least two scenario files (the first is the reference)")
    loaded = [load_scenario(path, args.overrides) for path in args.scenarios]
    stems = "-".join(path.stem for path in args.scenarios[:3])
    out = args.out or default_out(Path(f"compare-{stems}"), started)
    check_output_dir(out, args.overwrite)
    workers = args.workers or default_workers()
    with make_executor(args.executor, workers, args.scheduler) as executor:
        comparison = compare(
            loaded,
            replications=args.replications,
            seed=args.seed,
            engine=args.engine,
            progress=None if not args.quiet else False,
            executor=executor,
        )
    with staged_output(out) as staging:
        comparison.table().to_csv(staging / "comparison.csv", index=False)
        comparison.metric_differences().to_csv(staging / "comparison_metrics.csv", index=False)
        comparison.save_charts(staging)
        first = loaded[0]
        document = provenance(
            first,
            region_for(first.scenario, first.path),
            seed=args.seed,
            replications=args.replications,
            engine=comparison.engine,
            workers=workers,
            started=started,
            argv=argv,
        )
        document["compared"] = [
            {
                "scenario_file": str(item.path.resolve()) if item.path else None,
                "scenario_sha256": item.sha256,
                "resolved_scenario": item.scenario.model_dump(mode="json"),
            }
            for item in loaded
        ]
        written = finish_folder(staging, document)
    print(format_comparison(comparison))
    print(f"\nWrote {out}/: " + ", ".join(written))
    return 0


def format_comparison(comparison: Comparison) -> str:
    """The table `coopsim compare` prints: per target, each scenario against the first."""
    reference = comparison.labels[0]
    width = max(len(label) for label in comparison.labels) + 2
    lines = [
        f"Compared {len(comparison.labels)} scenarios on the targets of '{reference}', with "
        f"common random numbers: {comparison.replications} replicates each, seed "
        f"{comparison.seed}, engine {comparison.engine} ({comparison.engine_reason})",
    ]
    table = comparison.table()
    for name, spec in comparison.targets.items():
        lines += ["", f"{name}: {spec.description}" if spec.description else name]
        lines.append(
            f"  {'scenario':<{width}}{'P(met)':>7}   {'difference [paired 95%]':<26}"
            f"{'better':>7}{'worse':>7}{'P(better)':>11}"
        )
        for row in table[table["target"] == name].itertuples():
            if row.scenario == reference:
                lines.append(f"  {row.scenario:<{width}}{row.probability:>7.3f}   (reference)")
                continue
            diff = (
                f"{row.difference:+.3f} [{row.difference_ci95_low:+.3f}, "
                f"{row.difference_ci95_high:+.3f}]"
            )
            p_better = "-" if math.isnan(row.p_better) else f"{row.p_better:.2f}"
            lines.append(
                f"  {row.scenario:<{width}}{row.probability:>7.3f}   {diff:<26}"
                f"{row.better:>7.3f}{row.worse:>7.3f}{p_better:>11}"
            )
    lines += [
        "",
        "better: share of replicates in which the scenario meets the target and "
        f"'{reference}' does not; worse: the reverse; P(better): better / (better + worse), "
        "ties excluded.",
    ]
    return "\n".join(lines)


def _goal_seek(args: argparse.Namespace, argv: list[str], default_out: DefaultOut) -> int:
    """Run the search, write its folder all or nothing, print the report."""
    started = datetime.now(UTC)
    loaded = load_scenario(args.scenario, args.overrides)
    region = region_for(loaded.scenario, loaded.path)
    out = args.out or default_out(Path(f"goal-seek-{args.scenario.stem}"), started)
    check_output_dir(out, args.overwrite)
    workers = args.workers or default_workers()
    live = not args.quiet and sys.stderr.isatty()

    def report(point: Evaluation) -> None:
        """Each run as it finishes, on a terminal."""
        if live:
            print(f"  {args.lever} = {point.value:g}: P = {point.probability:.3f}", file=sys.stderr)

    with make_executor(args.executor, workers, args.scheduler) as executor:
        result = goal_seek(
            loaded.scenario,
            args.target,
            args.lever,
            args.probability,
            replications=args.replications,
            seed=args.seed,
            engine=args.engine,
            region=region,
            bounds=tuple(args.range) if args.range else None,
            report=report,
            executor=executor,
        )
    confirm = confirm_command(args.scenario, list(args.overrides), result)
    with staged_output(out) as staging:
        write_json(staging / "goal_seek.json", {**result.as_dict(), "confirm": confirm})
        figure = Figure(figsize=(9, 5.2), layout="constrained")
        result.plot(figure.subplots())
        figure.savefig(staging / "goal_seek.png", dpi=120)
        written = finish_folder(
            staging,
            provenance(
                loaded,
                region,
                seed=args.seed,
                replications=result.replications or 0,
                engine=result.engine,
                workers=workers,
                started=started,
                argv=argv,
            ),
        )
    print(format_goal_seek(result, confirm))
    print(f"\nWrote {out}/: " + ", ".join(written))
    return 0


def confirm_command(scenario: Path, overrides: list[str], result: GoalSeekResult) -> str:
    """The forecast that reproduces the goal seek's probability at the value found."""
    parts = ["coopsim", "forecast", str(scenario), "--engine", result.engine]
    if result.replications is not None:
        parts += ["--replications", str(result.replications), "--seed", str(result.seed)]
    for text in [*overrides, f"{result.lever.path}={result.value!r}"]:
        parts += ["--set", text]
    return shlex.join(parts)


def format_goal_seek(result: GoalSeekResult, confirm: str) -> str:
    """The report `coopsim goal-seek` prints."""
    runs = (
        "exact distributions"
        if result.replications is None
        else f"{result.replications} replicates per run, seed {result.seed}"
    )
    lever = result.lever
    lines = [
        f"Goal seek on '{result.scenario}': engine {result.engine}, {runs}",
        f"Target {result.target}: {result.target_description}",
        f"Lever {lever.path}: {lever.description} (now {_number(lever.value)}; "
        f"range {result.bounds[0]:g}-{result.bounds[1]:g})",
        "",
        f"  {'value':>12} {'P(met)':>8} {'stderr':>8}  step",
    ]
    for point in result.path:
        lines.append(
            f"  {point.value:>12g} {point.probability:>8.3f} {point.stderr:>8.3f}  {point.step}"
        )
    lines.append("")
    if result.reachable:
        spread = (
            f", value ± {result.value_stderr:.2g} from Monte Carlo error"
            if result.value_stderr
            else ""
        )
        precision = "exact" if result.replications is None else f"stderr {result.stderr:.3f}"
        lines.append(
            f"Answer: {lever.path} = {result.value:g} gives P = {result.probability:.3f} "
            f"({precision}) >= {result.wanted:g}{spread}"
        )
    else:
        lines.append(
            f"Not reachable: no value in {result.bounds[0]:g}-{result.bounds[1]:g} gives "
            f"P >= {result.wanted:g}; at {result.value:g}, P = {result.probability:.3f}"
        )
    lines.append(result.note)
    if lever.value is not None:
        lines.append(f"Now: {lever.value:g} gives P = {result.current_probability:.3f}.")
    lines.append(f"Confirm: {confirm}")
    return "\n".join(lines)
