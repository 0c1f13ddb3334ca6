"""`coopsim forecast`: run a scenario's ensemble, checkpointed into the output folder, and
write the results there whole.

While the ensemble runs, each finished chunk is saved in OUT/.checkpoints/ (with a manifest of
the arguments); the result files are then written to a staging folder beside OUT and renamed
into place in one step, which also removes the checkpoints. Ctrl-C or SIGTERM, or a disk that
fills up, leaves the checkpoints and nothing else; `--resume` finishes the run from them. The
folder is locked while the command runs (coopsim.results.output_folder).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from coopsim.cli.arguments import number_between
from coopsim.cli.options import (
    EXIT_INPUT,
    EXIT_OK,
    add_out_options,
    interrupted_status,
    stop_word,
    write_error_message,
)
from coopsim.defaults import DEFAULT_MAX_REPLICATIONS, DEFAULT_REPLICATES_PER_SET
from coopsim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from coopsim.inputs.region_data import LoadedRegion
    from coopsim.inputs.scenario import LoadedScenario
    from coopsim.results.forecast_result import ForecastResult

WholeNumber = Callable[[int], Callable[[str], int]]
DefaultOut = Callable[[Path, datetime], Path]


def origin_lines(origin: dict | None) -> list[str]:
    """What a forecast started at a report is conditioned on, for the printed table."""
    if origin is None:
        return []
    if not origin["conditioned_on"]:  # a year-end start drawn from the whole record
        dormant = origin.get("dormant_at_origin", {}).get("mean", 0.0)
        return [
            f"Origin: the year-end ({origin['date']}), each replicate's stock drawn from the "
            f"whole record under its parameter set (on average {dormant:.0f} stopped operating)",
            *(f"  note: {note}" for note in origin.get("notes", [])),
        ]
    lines = [
        f"Origin: the report of {origin['date']}; the forecast is conditioned on "
        f"{len(origin['conditioned_on'])} figure(s) published then (--origin year-end "
        "starts before them):"
    ]
    lines += [f"  {line}" for line in origin["conditioned_on"]]
    update = origin.get("posterior_update")
    if update:
        lines.append(
            f"  posterior updated with them: {update['effective_draws']:.0f} effective draws "
            f"of {update['draws']}"
        )
    lines += [f"  note: {note}" for note in origin.get("notes", [])]
    return lines


def add_forecast_options(run: argparse.ArgumentParser, whole_number: WholeNumber) -> None:
    """The options only `coopsim forecast` takes (after the shared simulation options)."""
    add_out_options(run, "coopsim-output/SCENARIO-TIMESTAMP")
    run.add_argument(
        "--resume",
        action="store_true",
        help="finish the run interrupted in --out (same arguments; other workers are fine)",
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
        type=whole_number(2),
        default=DEFAULT_REPLICATES_PER_SET,
        help=f"with --posterior: replicates run with each posterior draw "
        f"(default {DEFAULT_REPLICATES_PER_SET})",
    )
    run.add_argument(
        "--precision",
        type=number_between(0, 0.5, "0.01"),
        default=None,
        metavar="E",
        help="add replicates (--replications is the first round) until every target "
        "probability's 95%% interval half-width is below E",
    )
    run.add_argument(
        "--max-replications",
        type=whole_number(1),
        default=DEFAULT_MAX_REPLICATIONS,
        help=f"with --precision: stop there (default {DEFAULT_MAX_REPLICATIONS:,})",
    )
    run.add_argument(
        "--origin",
        choices=("latest", "year-end"),
        default="latest",
        help="where the forecast starts: at the latest report the region publishes within "
        "the first year (default; its figures so far count), or at the year-end before it",
    )
    run.add_argument(
        "--csv", action="store_true", help="also write trajectories.csv (as text, larger)"
    )
    run.add_argument(
        "--netcdf",
        action="store_true",
        help="also write trajectories.nc: an xarray Dataset (replicate, year; one variable per "
        "metric), as result.to_xarray() gives",
    )


def run_forecast(args: argparse.Namespace, argv: list[str], default_out: DefaultOut) -> int:
    """The forecast command: checks, the checkpointed run, then the output folder, all while
    holding the output folder's lock."""
    from coopsim.inputs.region_data import load_scenario_and_region
    from coopsim.results.output_folder import claimed_output_dir

    started = datetime.now(UTC)
    loaded, region = load_scenario_and_region(args.scenario, args.overrides)
    out = args.out or default_out(args.scenario, started)
    inputs = [*loaded.files, region.path, args.posterior]
    with claimed_output_dir(out, args.overwrite, args.resume, inputs, argv):
        return _forecast_into(out, args, argv, started, loaded, region)


def _forecast_into(
    out: Path,
    args: argparse.Namespace,
    argv: list[str],
    started: datetime,
    loaded: LoadedScenario,
    region: LoadedRegion,
) -> int:
    from coopsim.analyses.forecast import forecast
    from coopsim.inputs.posterior_file import read_posterior
    from coopsim.results.output_folder import staged_output, write_json, writing
    from coopsim.runs.checkpoints import FOLDER_NAME
    from coopsim.runs.executor_choice import make_executor
    from coopsim.runs.executors import default_workers
    from coopsim.runs.provenance import provenance

    posterior = read_posterior(args.posterior) if args.posterior else None
    if args.precision is not None:
        if posterior is not None:
            raise InputError(
                "--precision",
                "does not combine with --posterior (the parameter sets follow from the number "
                "of replicates); fix --replications instead",
            )
        if args.max_replications < args.replications:
            raise InputError(
                "--max-replications",
                f"must be at least --replications ({args.replications}), the first round",
            )
    workers = args.workers or default_workers()
    checkpoints = out / FOLDER_NAME
    existed = out.exists()
    executor = make_executor(args.executor, workers, args.scheduler, _import_writers_meanwhile)
    try:
        with executor, writing(checkpoints):
            result = forecast(
                loaded.scenario,
                replications=args.replications,
                seed=args.seed,
                engine=args.engine,
                region=region,
                progress=None if not args.quiet else False,
                posterior=posterior,
                replicates_per_set=args.replicates_per_draw,
                posterior_source=str(args.posterior) if args.posterior else None,
                executor=executor,
                checkpoints=checkpoints,
                resume=args.resume,
                precision=args.precision,
                max_replications=args.max_replications,
                origin=args.origin,
            )
        run = {
            "executor": args.executor,
            "scheduler": args.scheduler or ("local" if args.executor == "dask" else None),
            "workers": executor.workers,
            "resumed": args.resume,
            "origin": "year-end" if result.origin is None else result.origin["date"],
        }
        with staged_output(out) as staging:
            _write_results(staging, out, result, args.csv, args.netcdf)
            document = provenance(
                loaded,
                region,
                seed=args.seed,
                replications=args.replications if result.data is None else result.replications,
                engine=result.engine,
                workers=executor.workers,
                started=started,
                finished=datetime.now(UTC),
                argv=argv,
            )
            with writing(staging / "provenance.json", out / "provenance.json"):
                write_json(staging / "provenance.json", {**document, **run})
            written = sorted(path.name for path in staging.iterdir())
            report = format_report(result)
    except KeyboardInterrupt as error:  # Ctrl-C, or SIGTERM
        _report_stop(out, checkpoints, stop_word(error))
        return interrupted_status(error)
    except OSError as error:  # a full disk, no permission, a read-only file system
        message = write_error_message(error)
        if message is None:
            raise
        _remove_if_empty(checkpoints, out if not existed else None)
        _report_stop(out, checkpoints, f"error: {message}")
        return EXIT_INPUT
    print(report)
    print(f"\nWrote {out}/: " + ", ".join(written))
    return EXIT_OK


def _import_writers_meanwhile() -> None:
    """Import what writing the results needs (matplotlib above all, then pyarrow) in a
    background thread once the pool's workers run: this process only waits for them then,
    instead of importing after them."""

    def load() -> None:
        with suppress(ImportError):
            for name in ("coopsim.plots.fan", "coopsim.plots.time_to_target", "pyarrow.parquet"):
                importlib.import_module(name)

    threading.Thread(target=load, name="coopsim-import-writers", daemon=True).start()


def _write_results(
    staging: Path, out: Path, result: ForecastResult, csv: bool, netcdf: bool = False
) -> None:
    """Every result file but provenance.json, read from the run a metric or chunk at a time;
    a file that cannot be written is named by its place in `out`."""
    from coopsim.plots.fan import save_forecast_charts
    from coopsim.results.output_folder import write_json, writing
    from coopsim.runs.replicates import write_csv, write_parquet

    def file(name: str) -> AbstractContextManager[None]:
        return writing(staging / name, out / name)

    with file("summary.json"):
        write_json(staging / "summary.json", result.summary())
    if result.data is not None:
        with file("trajectories.parquet"):
            write_parquet(result.data, result.years, staging / "trajectories.parquet")
        if csv:
            with file("trajectories.csv"):
                write_csv(result.data, result.years, staging / "trajectories.csv")
        if netcdf:
            with file("trajectories.nc"):
                result.to_xarray().to_netcdf(staging / "trajectories.nc", engine="h5netcdf")
    elif csv or netcdf:
        asked = " and ".join(flag for flag, on in (("--csv", csv), ("--netcdf", netcdf)) if on)
        print(
            f"coopsim: note: {asked}: the exact engine has no replicates to write", file=sys.stderr
        )
    with file("quantiles.csv"):
        result.quantiles().to_csv(staging / "quantiles.csv", index=False)
    save_forecast_charts(result, staging, guard=file)  # the fan charts and time to target
    impact = result.programme_impact()
    if impact is not None:
        with file("programme_impact.csv"):
            impact.to_csv(staging / "programme_impact.csv", index=False)


def _remove_if_empty(checkpoints: Path, out: Path | None) -> None:
    """After a failed write, remove a checkpoint folder left empty, and `out` (a folder this
    run created) if that leaves it empty."""
    for folder in (checkpoints, out):
        if folder is not None:
            with suppress(OSError):
                folder.rmdir()  # only if empty


def _report_stop(out: Path, checkpoints: Path, what: str) -> None:
    """Say why a forecast stopped, what it left and how to finish it."""
    from coopsim.runs.checkpoints import saved_replicates

    if not checkpoints.is_dir():
        done = (out / "summary.json").is_file() and not checkpoints.exists()
        print(
            f"coopsim: {what}; {out} was already complete"
            if done
            else f"coopsim: {what}; no output was written",
            file=sys.stderr,
        )
        return
    saved = saved_replicates(checkpoints)
    print(
        f"coopsim: {what}; {saved:,} replicates are saved in {checkpoints} (no result "
        f"file was written). To finish, run the same command with --out {out} --resume",
        file=sys.stderr,
    )


def format_report(result: ForecastResult) -> str:
    """The table printed after a forecast: each target's probability with its uncertainty."""
    from coopsim.metrics import metric_info
    from coopsim.plots.fan import charted_metrics
    from coopsim.results.targets import prior_width_notes

    notes = prior_width_notes(
        result.scenario.targets, result.region, posterior=result.parameter_sets is not None
    )

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
        *origin_lines(result.origin),
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
        if name in notes:
            lines.append(f"  note: {notes[name]}")
    if result.parameter_sets:
        lines.append(
            f"(posterior {result.posterior_source}: {result.parameter_sets} parameter sets; "
            "stderr counts replicates of a set as one cluster)"
        )
    if result.precision is not None:
        lines.append(precision_line(result.precision, result.replications))
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


def precision_line(precision: dict, replications: int) -> str:
    """How many replicates a --precision run needed, or that it stopped at its cap."""
    goal = precision["half_width_goal"]
    rounds = ", ".join(f"{n:,}" for n in precision["rounds"])
    if precision["reached"]:
        return (
            f"Precision: every target's 95% interval half-width is below {goal:g} after "
            f"{replications:,} replicates (rounds {rounds})"
        )
    widths = precision["half_widths"]
    worst = max(widths, key=widths.get)
    return (
        f"Precision NOT reached: stopped at the cap of {precision['max_replications']:,} "
        f"replicates with {worst}'s half-width {widths[worst]:.4f} (goal {goal:g}; rounds "
        f"{rounds})"
    )


def _impact_lines(impact: pd.DataFrame) -> list[str]:
    """The programme table: supported, spent to date, extra good+fair and cost per extra."""
    import numpy as np

    from coopsim.results.targets import Z95

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
