"""`coopsim report`: the policy brief of one or more scenarios as one HTML file."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from coopsim.brief.catalogue import LANGUAGES
from coopsim.cli.arguments import number_between
from coopsim.defaults import DEFAULT_GOAL_PROBABILITY
from coopsim.errors import InputError

if TYPE_CHECKING:
    pass


def add_report_command(
    commands: argparse._SubParsersAction,
    add_simulation_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `coopsim report` with the simulation options every simulating command takes."""
    brief = commands.add_parser(
        "report",
        help="write a self-contained HTML policy brief (English or Vietnamese)",
        description="Forecast the scenarios with the same seed and write one HTML file: "
        "headline probabilities, fan charts, the comparison, what it would take, "
        "assumptions, data sources and provenance.",
    )
    brief.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO", help="scenario files")
    brief.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="language of the brief (default en)"
    )
    brief.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    brief.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    brief.add_argument(
        "--goal-lever",
        default=None,
        metavar="PATH",
        help="the setting to move in 'what it would take' for every target (default: "
        "founding.mean_per_year for founding targets, the strongest upgrade lever for "
        "quality targets)",
    )
    brief.add_argument(
        "--goal-probability",
        type=number_between(0, 1, "0.8"),
        default=DEFAULT_GOAL_PROBABILITY,
        metavar="P",
        help=f"probability 'what it would take' aims for (default {DEFAULT_GOAL_PROBABILITY})",
    )
    add_simulation_options(brief)


def run_report(args: argparse.Namespace, argv: list[str]) -> int:
    """Check the input before any work, write the brief, say where it is."""
    from coopsim.brief.api import check_output_file, report

    if getattr(args, "executor", "pool") != "pool" or getattr(args, "scheduler", None):
        raise InputError(
            "--executor",
            "coopsim report runs on this machine's worker processes (--workers): the "
            "comparison and goal seeks it uses take no other executor; use --executor pool",
        )
    check_output_file(args.out, args.overwrite)
    report(
        args.scenarios,
        lang=args.lang,
        replications=args.replications,
        seed=args.seed,
        engine=args.engine,
        workers=args.workers,
        overrides=args.overrides,
        goal_lever=args.goal_lever,
        goal_probability=args.goal_probability,
        out=args.out,
        overwrite=args.overwrite,
        progress=None if not args.quiet else False,
        argv=argv,
    )
    print(f"Wrote {args.out} ({args.lang})")
    return 0
