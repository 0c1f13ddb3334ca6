"""`coopsim score`: a stored forecast against the observed figures of its years."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from coopsim.cli.options import add_quiet_option


def add_score_command(commands: argparse._SubParsersAction) -> None:
    score = commands.add_parser("score", help="score a stored forecast against observed figures")
    score.add_argument("folder", type=Path, help="a folder written by coopsim forecast")
    score.add_argument(
        "--observed",
        required=True,
        metavar="FILE",
        help="region data file (TOML, like coopsim/data/ha_tinh.toml) with the observed years",
    )
    score.add_argument("--json", action="store_true", help="print score.json instead of a table")
    add_quiet_option(score, "no table: only the line naming the files written")


def run_score(args: argparse.Namespace) -> int:
    """Score a forecast folder, write score.json and score.csv into it, print the result."""
    from coopsim.analyses.score import format_score, score_forecast, write_score

    score = score_forecast(args.folder, args.observed)
    written = write_score(score)
    if args.json:
        print(json.dumps(score.as_dict(), indent=2))
    elif not args.quiet:
        print(format_score(score))
    out = sys.stderr if args.json else sys.stdout
    print(f"\nWrote {args.folder}/: " + ", ".join(written), file=out)
    return 0
