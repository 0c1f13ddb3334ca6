"""`coopsim backtest`: calibrate a whole-record scenario at each past origin (a year-end or a
dated report's day) on the figures published up to it, predict the figures published in the
12 months after it and score them."""

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


def origin_list(text: str) -> list[str]:
    """An argparse type: origins separated by commas, e.g. 2019,2020-07-30 (each is checked
    against the record, with an error naming --origins, before anything runs)."""
    return [part.strip() for part in text.split(",")]


def add_backtest_command(commands: argparse._SubParsersAction) -> None:
    """Register the subcommand and its options."""
    test = commands.add_parser(
        "backtest",
        help="rolling-origin backtest: calibrate at each past year-end and dated report, "
        "score the next 12 months",
    )
    test.add_argument(
        "scenario", type=Path, help='scenario TOML file whose [calibration] has method = "record"'
    )
    test.add_argument(
        "--origins",
        type=origin_list,
        default=None,
        metavar="Y1,Y2",
        help="origins to calibrate at: years (their year-ends) or the ISO days of dated "
        "reports, e.g. 2019,2018-06-30 (default: every year-end and dated report of the "
        "record with a figure published in the 12 months after it)",
    )
    add_fit_options(
        test,
        DEFAULT_DRAWS,
        f"posterior draws of each origin's calibration (default {DEFAULT_DRAWS}, as "
        "calibrate's: about 2.5 minutes for Ha Tinh's five origins on 2 cores; 1000 take about "
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
    from coopsim.analyses.backtest.targets import target_summary

    width = max([30, *(len(str(name)) + 1 for name in result.table["figure"])])
    lines = [
        f"Backtest of '{result.scenario}': {len(result.origins)} origins, "
        f"{result.draws} posterior draws each (seed {result.seed}), predictives of "
        f"{result.predictive_draws} draws pooled",
    ]
    for fit in result.origins:
        kind = fit.origin.kind
        if fit.origin.reports:
            kind += ": " + ", ".join(fit.origin.reports)
        lines += [
            "",
            f"Origin {fit.origin.label} ({kind}): calibrated on "
            f"{_count(len(fit.problem.record.figures), 'figure')}, predicting the "
            f"{_count(len(fit.predicted), 'figure')} published by {fit.origin.horizon}",
            f"  {'figure':<{width}}{'published':>11}{'median [80% band]':>30}{'PIT':>7}{'CRPS':>9}",
        ]
        for row in result.table[result.table["origin"] == fit.origin.label].itertuples():
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
        f"  {'origin':<12}{'scored':>7}{'CRPS counts':>13}{'CRPS shares':>13}{'|err| median':>14}"
        f"{'in 50%':>8}{'in 80%':>8}{'in 95%':>8}{'mean PIT':>10}",
    ]
    for row in result.summary.itertuples():
        lines.append(
            f"  {row.origin!s:<12}{row.scored:>7}{_fmt(row.mean_crps_counts, 1):>13}"
            f"{_fmt(row.mean_crps_shares, 2, True):>13}{_fmt(row.mean_abs_error_median, 1):>14}"
            f"{_fmt(row.coverage_50, 0, True):>8}{_fmt(row.coverage_80, 0, True):>8}"
            f"{_fmt(row.coverage_95, 0, True):>8}{_fmt(row.mean_pit, 2):>10}"
        )
    lines.append(f"\nTargets: {result.targets_note}")
    lines += [
        f"  {t.name} at {t.year}{'' if t.as_written else ' (not its year)'} (origin "
        f"{t.origin}): P = {t.probability:.2f}, met = {t.outcome}, Brier {t.brier:.3f}"
        + ("" if t.base_rate is None else f", base rate {t.base_rate:.2f}")
        for t in result.targets
    ]
    if result.targets:
        found = target_summary(result.targets)
        line = f"  mean Brier {found['mean_brier']:.3f} over {found['events']} event(s)"
        if found["reference_brier"] is not None:
            line += (
                f"; over the {found['events_with_base_rate']} with a base rate "
                f"{found['mean_brier_with_base_rate']:.3f}, the base rate's "
                f"{found['reference_brier']:.3f}"
            )
        lines.append(line)
    lines += [f"\nWarning: {text}" for fit in result.origins for text in fit.warnings]
    return "\n".join(lines)
