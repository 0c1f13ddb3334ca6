"""`coopsim goal-seek`: the lever value at which a target's probability reaches a level."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from coopsim.cli.arguments import number_between
from coopsim.cli.levers import setting_text
from coopsim.cli.options import DefaultOut, add_out_options
from coopsim.defaults import GOAL_SEEK_REPLICATIONS

if TYPE_CHECKING:
    from coopsim.analyses.goal_seek import Evaluation, GoalSeekResult


def add_goal_seek_command(
    commands: argparse._SubParsersAction,
    add_simulation_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `coopsim goal-seek` with the simulation options."""
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
    add_out_options(seek, "coopsim-output/goal-seek-SCENARIO-TIMESTAMP")
    add_simulation_options(seek)
    seek.set_defaults(replications=None)
    for action in seek._actions:
        if action.dest == "replications":
            fast, des = GOAL_SEEK_REPLICATIONS["fast"], GOAL_SEEK_REPLICATIONS["des"]
            action.help = (
                f"Monte Carlo replicates per evaluation (default {fast:,} on fast, {des:,} on des)"
            )


def run_goal_seek(args: argparse.Namespace, argv: list[str], default_out: DefaultOut) -> int:
    """Run the search, write its folder all or nothing, print the report."""
    from coopsim.analyses.goal_seek import goal_seek
    from coopsim.inputs.region_data import region_for
    from coopsim.inputs.scenario import load_scenario
    from coopsim.plots.goal_seek import save_goal_seek_chart
    from coopsim.results.output_folder import (
        claimed_output_dir,
        finish_folder,
        staged_output,
        write_json,
    )
    from coopsim.runs.executor_choice import make_executor
    from coopsim.runs.executors import default_workers
    from coopsim.runs.provenance import provenance

    started = datetime.now(UTC)
    loaded = load_scenario(args.scenario, args.overrides)
    region = region_for(loaded.scenario, loaded.path)
    out = args.out or default_out(Path(f"goal-seek-{args.scenario.stem}"), started)
    workers = args.workers or default_workers()
    live = not args.quiet and sys.stderr.isatty()

    def report(point: Evaluation) -> None:
        """Each run as it finishes, on a terminal."""
        if live:
            print(f"  {args.lever} = {point.value:g}: P = {point.probability:.3f}", file=sys.stderr)

    with claimed_output_dir(out, args.overwrite, inputs=[*loaded.files, region.path], command=argv):
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
            save_goal_seek_chart(result, staging)
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
        f"Lever {lever.path}: {lever.description} (now {setting_text(lever.value)}; "
        f"range {result.bounds[0]:g}-{result.bounds[1]:g})",
        *(
            [
                f"Origin: every run starts at the report of {result.origin['date']} (the "
                "year's figures so far count)"
            ]
            if result.origin
            else []
        ),
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
