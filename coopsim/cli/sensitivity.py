"""`coopsim sensitivity`: which levers and uncertain parameters move each target's probability,
written to a new folder (sensitivity.csv, sensitivity.json, tornado.png, provenance.json)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from coopsim.cli.options import add_out_options
from coopsim.defaults import DEFAULT_EVALUATIONS, DEFAULT_REPLICATIONS_PER_POINT
from coopsim.defaults import SENSITIVITY_METHODS as METHODS
from coopsim.errors import InputError

if TYPE_CHECKING:
    from coopsim.analyses.sensitivity.result import SensitivityResult

#: Inputs printed per target (all of them are in sensitivity.csv).
SHOWN = 6


def add_sensitivity_command(
    commands: argparse._SubParsersAction,
    add_simulation_options: Callable[[argparse.ArgumentParser], None],
    whole_number: Callable[[int], Callable[[str], int]],
) -> None:
    """Register the subcommand, with the simulation options every simulating command takes."""
    run = commands.add_parser(
        "sensitivity",
        help="global sensitivity of each target's probability to levers and uncertain parameters",
    )
    run.add_argument("scenario", type=Path, help="scenario TOML file")
    run.add_argument(
        "--method",
        choices=METHODS,
        default="sobol",
        help="sobol: first-order and total indices (default); morris: elementary effects, "
        "cheaper screening of many inputs",
    )
    run.add_argument(
        "--samples",
        type=whole_number(2),
        default=None,
        help="sobol: base samples, a power of 2 (n (inputs + 2) points); morris: trajectories "
        f"(r (inputs + 1) points); default: as many as fit {DEFAULT_EVALUATIONS[True]:,} points "
        f"on the exact engine or {DEFAULT_EVALUATIONS[False]:,} on a Monte Carlo engine",
    )
    run.add_argument(
        "--input",
        dest="inputs",
        action="append",
        default=None,
        metavar="NAME[=LOW:HIGH]",
        help="vary only this lever path or uncertain parameter (repeatable; default: every "
        "lever of `coopsim levers` and every [calibration] prior); PATH=LOW:HIGH varies any "
        "numeric setting over a range of your choice",
    )
    add_out_options(run, "coopsim-output/sensitivity-SCENARIO-TIMESTAMP")
    add_simulation_options(run)
    for action in run._actions:  # here --replications counts replicates per design point
        if action.dest == "replications":
            action.default = DEFAULT_REPLICATIONS_PER_POINT
            action.help = (
                "replicates per design point on a Monte Carlo engine, all with the same seed "
                f"(default {DEFAULT_REPLICATIONS_PER_POINT}; the exact engine needs none)"
            )


def run_sensitivity(
    args: argparse.Namespace, argv: list[str], default_out: Callable[[Path, datetime], Path]
) -> int:
    """Run the analysis and write its folder all or nothing."""
    from coopsim.analyses.sensitivity.analysis import sensitivity
    from coopsim.analyses.sensitivity.inputs import resolve_inputs
    from coopsim.analyses.sensitivity.methods import is_power_of_two
    from coopsim.inputs.region_data import region_for
    from coopsim.inputs.scenario import load_scenario
    from coopsim.plots.sensitivity import save_sensitivity_chart
    from coopsim.results.output_folder import claimed_output_dir, finish_folder, staged_output
    from coopsim.runs.executor_choice import make_executor
    from coopsim.runs.executors import default_workers
    from coopsim.runs.provenance import provenance

    started = datetime.now(UTC)
    if args.method == "sobol" and args.samples is not None and not is_power_of_two(args.samples):
        raise InputError(
            "--samples",
            f"Sobol' samples must be a power of 2, e.g. 64, 128 or 256 (got {args.samples})",
        )
    loaded = load_scenario(args.scenario, args.overrides)
    if not loaded.scenario.targets:
        raise InputError(str(args.scenario), "defines no targets to analyse", "targets")
    resolve_inputs(loaded.scenario, args.inputs)  # refuse unknown inputs before any output
    region = region_for(loaded.scenario, loaded.path)
    out = args.out or default_out(Path(f"sensitivity-{args.scenario.stem}"), started)
    with claimed_output_dir(out, args.overwrite, inputs=[*loaded.files, region.path], command=argv):
        workers = args.workers or default_workers()
        with make_executor(args.executor, workers, args.scheduler) as executor:
            result = sensitivity(
                loaded.scenario,
                method=args.method,
                samples=args.samples,
                inputs=args.inputs,
                replications=args.replications,
                seed=args.seed,
                engine=args.engine,
                workers=workers,
                region=region,
                progress=None if not args.quiet else False,
                executor=executor,
            )
        with staged_output(out) as staging:
            result.write(staging)
            save_sensitivity_chart(result, staging)
            written = finish_folder(
                staging,
                provenance(
                    loaded,
                    region,
                    seed=args.seed,
                    replications=result.replications,
                    engine=result.engine,
                    workers=workers,
                    started=started,
                    argv=argv,
                ),
            )
        print(format_sensitivity(result))
        print(f"\nWrote {out}/: " + ", ".join(written))
        return 0


def _cell(value: float, low: float, high: float) -> str:
    import numpy as np

    if np.isnan(value):
        return "-"
    return f"{value:5.2f} [{low:5.2f}, {high:5.2f}]"


def format_sensitivity(result: SensitivityResult) -> str:
    """The table printed after an analysis: per target, its most influential inputs."""
    import numpy as np

    sobol = result.method == "sobol"
    design = (
        f"Sobol' indices, {result.samples} base samples"
        if sobol
        else f"Morris effects, {result.samples} trajectories"
    )
    runs = (
        "exact probabilities"
        if not result.replications
        else f"{result.replications} replicates per point, the same seed at every point"
    )
    lines = [
        f"Sensitivity of '{result.scenario.name}': {design}, {len(result.inputs)} inputs, "
        f"{result.evaluations:,} points, {runs}",
        f"engine {result.engine} ({result.engine_reason}), seed {result.seed}",
    ]
    columns = ("total [95%]", "first order [95%]") if sobol else ("mu* [95%]", "mu     sigma")
    for name, spread in result.spreads.items():
        lines += [
            "",
            f"{name}: P = {spread.at_value:.3f} now; over the inputs' ranges mean "
            f"{spread.mean:.3f}, sd {np.sqrt(spread.variance):.3f}",
        ]
        if spread.variance <= 0:
            lines.append("  the probability does not change over the inputs' ranges")
            continue
        if spread.warning:
            lines.append(f"  Warning: {spread.warning}")
        if spread.noise_share is not None and spread.noise_share >= 0.02:
            lines.append(
                f"  (Monte Carlo noise is about {spread.noise_share:.0%} of that variance: "
                "indices below it are indistinguishable from 0)"
            )
        lines.append(f"  {'input':<44}{columns[0]:<22}{columns[1]:<22}P at low / high")
        rows = result.target_table(name)
        for row in rows.head(SHOWN).itertuples():
            label = f"{row.input} (uncertain)" if row.kind == "parameter" else row.input
            if sobol:
                first = _cell(row.total, row.total_low, row.total_high)
                second = _cell(row.first_order, row.first_order_low, row.first_order_high)
            else:
                first = _cell(row.mu_star, row.mu_star_low, row.mu_star_high)
                second = f"{row.mu:5.2f}  {row.sigma:5.2f}"
            swing = f"{row.probability_at_low:.3f} / {row.probability_at_high:.3f}"
            lines.append(f"  {label:<44}{first:<22}{second:<22}{swing}")
        if len(rows) > SHOWN:
            lines.append(f"  ... {len(rows) - SHOWN} more in sensitivity.csv")
    return "\n".join(lines)
