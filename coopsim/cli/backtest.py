"""`coopsim backtest`: calibrate a whole-record scenario at each past origin on the figures
published up to it, predict the next year's published figures and score them."""

from __future__ import annotations

import argparse
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from coopsim.cli.options import (
    add_fit_options,
    add_out_options,
    add_quiet_option,
    load_fit_inputs,
)
from coopsim.defaults import DEFAULT_DRAWS

if TYPE_CHECKING:
    from coopsim.analyses.backtest.run import BacktestResult


def origin_years(text: str) -> list[int]:
    """An argparse type: year-ends separated by commas, e.g. 2019,2021."""
    years = []
    for part in text.split(","):
        try:
            years.append(int(part.strip()))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"'{part.strip()}' is not a year (give year-ends such as 2019,2021)"
            ) from None
    return years


def add_backtest_command(commands: argparse._SubParsersAction) -> None:
    """Register the subcommand and its options."""
    test = commands.add_parser(
        "backtest",
        help="rolling-origin backtest: calibrate at each past year-end, score the next year",
    )
    test.add_argument(
        "scenario", type=Path, help='scenario TOML file whose [calibration] has method = "record"'
    )
    test.add_argument(
        "--origins",
        type=origin_years,
        default=None,
        metavar="Y1,Y2",
        help="year-ends to calibrate at (default: every year-end of the record with a figure "
        "published in the year after it)",
    )
    add_fit_options(
        test,
        DEFAULT_DRAWS,
        f"posterior draws of each origin's calibration (default {DEFAULT_DRAWS}, as "
        "calibrate's: about 100 s for Ha Tinh's four origins on 2 cores; 1000 take about "
        "half as long but leave the chains far from converged)",
        "worker processes for each calibration (default all cores); results are the same "
        "for any number",
    )
    add_out_options(test, "coopsim-output/backtest-SCENARIO-TIMESTAMP")
    add_quiet_option(test, "no progress bars and no table: only the line naming the files")


def run_backtest(args: argparse.Namespace, argv: list[str], default_out) -> int:
    """Run the backtest and write its folder all or nothing."""
    from coopsim.analyses.backtest.run import backtest, backtest_origins
    from coopsim.errors import InputError
    from coopsim.plots.backtest import save_backtest_chart
    from coopsim.results.output_folder import claimed_output_dir, finish_folder, staged_output
    from coopsim.runs.executors import default_workers
    from coopsim.runs.provenance import provenance

    started = datetime.now(UTC)
    loaded, region = load_fit_inputs(args)
    try:
        origins = backtest_origins(loaded.scenario, region.data, args.origins)
    except InputError as error:
        if error.source != "scenario":
            raise
        raise InputError(str(args.scenario), error.message, error.field) from None
    workers = args.workers or default_workers()
    out = args.out or default_out(Path(f"backtest-{args.scenario.stem}"), started)
    with claimed_output_dir(out, args.overwrite, inputs=[*loaded.files, region.path], command=argv):
        result = backtest(
            loaded.scenario,
            region.data,
            origins,
            draws=args.draws,
            seed=args.seed,
            workers=workers,
            progress=None if not args.quiet else False,
        )
        with staged_output(out) as staging:
            result.write(staging)
            save_backtest_chart(result, staging / "backtest.png")
            written = finish_folder(
                staging,
                provenance(
                    loaded,
                    region,
                    seed=args.seed,
                    replications=args.draws,
                    engine="backtest",
                    workers=workers,
                    started=started,
                    argv=argv,
                ),
            )
        if not args.quiet:
            print(format_backtest(result))
        print(f"\nWrote {out}/: " + ", ".join(written))
        return 0


def _fmt(value: float | None, digits: int = 0, percent: bool = False) -> str:
    """A number (a share or a rate in percent); '-' if missing."""
    if value is None or math.isnan(value):
        return "-"
    return f"{100 * value:.{digits}f}%" if percent else f"{value:,.{digits}f}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _figure(kind: str, value: float | None) -> str:
    """A figure as published: a count whole, a share in percent."""
    return _fmt(value, 1, True) if kind == "share" else _fmt(value)


def format_backtest(result: BacktestResult) -> str:
    """The tables printed after a backtest: each origin's figures, then the summary."""
    width = max([30, *(len(str(name)) + 1 for name in result.table["figure"])])
    lines = [
        f"Backtest of '{result.scenario}': {len(result.origins)} origins, "
        f"{result.draws} posterior draws each (seed {result.seed}), predictives of "
        f"{result.predictive_draws} draws pooled",
    ]
    for fit in result.origins:
        lines += [
            "",
            f"Origin end of {fit.origin}: calibrated on "
            f"{_count(len(fit.problem.record.figures), 'figure')}, predicting the "
            f"{_count(len(fit.predicted), 'figure')} published in {fit.origin + 1}",
            f"  {'figure':<{width}}{'published':>11}{'median [80% band]':>30}{'PIT':>7}{'CRPS':>9}",
        ]
        for row in result.table[result.table["origin"] == fit.origin].itertuples():
            band = (
                f"{_figure(row.kind, row.median)} [{_figure(row.kind, row.q10)}, "
                f"{_figure(row.kind, row.q90)}]"
            )
            if row.form == "bound":
                tail = f"   P(bound) {row.p_bound:.2f}"
            else:
                share = row.kind == "share"
                crps = _fmt(row.crps, 2 if share else 1, share)
                tail = f"{row.pit:>7.2f}{crps:>9}"
            published = _figure(row.kind, row.published)
            if row.form == "bound":
                published = f"bound {published}"
            lines.append(f"  {row.figure:<{width}}{published:>11}{band:>30}{tail}")
    lines += [
        "",
        "Summary (coverage of the central bands; nominal 50% / 80% / 95%):",
        f"  {'origin':<8}{'scored':>7}{'CRPS counts':>13}{'CRPS shares':>13}{'|err| median':>14}"
        f"{'in 50%':>8}{'in 80%':>8}{'in 95%':>8}{'mean PIT':>10}",
    ]
    for row in result.summary.itertuples():
        lines.append(
            f"  {row.origin!s:<8}{row.scored:>7}{_fmt(row.mean_crps_counts, 1):>13}"
            f"{_fmt(row.mean_crps_shares, 2, True):>13}{_fmt(row.mean_abs_error_median, 1):>14}"
            f"{_fmt(row.coverage_50, 0, True):>8}{_fmt(row.coverage_80, 0, True):>8}"
            f"{_fmt(row.coverage_95, 0, True):>8}{_fmt(row.mean_pit, 2):>10}"
        )
    lines.append(f"\nTargets: {result.targets_note}")
    lines += [
        f"  {t.name} (origin {t.origin}): P = {t.probability:.2f}, met = {t.outcome}, "
        f"Brier {t.brier:.3f}"
        for t in result.targets
    ]
    lines += [f"\nWarning: {text}" for fit in result.origins for text in fit.warnings]
    return "\n".join(lines)
