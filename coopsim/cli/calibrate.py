"""`coopsim calibrate`: fit a scenario's [calibration] priors to its year's published figures
and write the posterior and its checks into a new folder."""

from __future__ import annotations

import argparse
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
from coopsim.errors import InputError

if TYPE_CHECKING:
    from coopsim.analyses.calibration.workflow import CalibrationResult

DEFAULT_SCENARIO = Path("scenarios") / "baseline.toml"


def add_calibrate_command(commands: argparse._SubParsersAction, whole_number) -> None:
    """Register the subcommand and its options."""
    fit = commands.add_parser(
        "calibrate", help="Bayesian calibration of a scenario's rates to published figures"
    )
    fit.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=f"scenario TOML file with a [calibration] table (default {DEFAULT_SCENARIO})",
    )
    add_fit_options(
        fit,
        DEFAULT_DRAWS,
        f"posterior draws to keep (default {DEFAULT_DRAWS})",
        "worker processes for the whole-record fit's densities (default all cores; the "
        "one-year fit runs in one process); results are the same for any number",
    )
    add_out_options(fit, "coopsim-output/calibration-SCENARIO-TIMESTAMP")
    add_quiet_option(fit, "no progress bar of the sampler's steps")


def run_calibrate(args: argparse.Namespace, argv: list[str], default_out) -> int:
    """Run the calibration and write its folder all or nothing."""
    from coopsim.analyses.calibration.workflow import calibrate
    from coopsim.plots.calibration import save_calibration_charts
    from coopsim.results.output_folder import claimed_output_dir, finish_folder, staged_output
    from coopsim.runs.provenance import provenance

    started = datetime.now(UTC)
    if not args.scenario.is_file() and args.scenario == DEFAULT_SCENARIO:
        raise InputError(
            "calibrate", f"no scenario file at {args.scenario}; give the scenario to calibrate"
        )
    loaded, region = load_fit_inputs(args)
    out = args.out or default_out(Path(f"calibration-{args.scenario.stem}"), started)
    with claimed_output_dir(out, args.overwrite, inputs=[*loaded.files, region.path], command=argv):
        result = calibrate(
            loaded.scenario,
            region.data,
            draws=args.draws,
            seed=args.seed,
            progress=None if not args.quiet else False,
            workers=args.workers,
        )
        with staged_output(out) as staging:
            result.write(staging)
            save_calibration_charts(result, staging)
            written = finish_folder(
                staging,
                provenance(
                    loaded,
                    region,
                    seed=args.seed,
                    replications=args.draws,
                    engine="calibration",
                    workers=args.workers or 1,
                    started=started,
                    argv=argv,
                ),
            )
        print(format_calibration(result))
        print(f"\nWrote {out}/: " + ", ".join(written))
        return 0


def format_calibration(result: CalibrationResult) -> str:
    """The table printed after a calibration."""
    summary = result.summary()
    what = (
        f"the whole record from {summary['record_starts']} to the end of {result.problem.year}"
        if summary["method"] == "record"
        else str(result.problem.year)
    )
    width = max([22, *(len(name) + 1 for name in result.identifiability.parameter)])
    lines = [
        f"Calibrated '{result.problem.scenario.name}' to {what} "
        f"({len(result.draws)} posterior draws, seed {result.seed})",
        "",
        f"{'parameter':<{width}}{'prior median [90%]':>30}{'posterior median [90%]':>32}"
        f"{'ratio':>7}",
    ]
    for row in result.identifiability.itertuples():
        prior = f"{row.prior_median:.3g} [{row.prior_q05:.3g}, {row.prior_q95:.3g}]"
        post = f"{row.posterior_median:.3g} [{row.posterior_q05:.3g}, {row.posterior_q95:.3g}]"
        lines.append(f"{row.parameter:<{width}}{prior:>30}{post:>32}{row.spread_ratio:>7.2f}")
    lines += ["", "Posterior predictive check (published value against the 90% band):"]
    figure_width = max([22, *(len(name) for name in result.check.figure)])
    for row in result.check.itertuples():
        inside = "inside" if row.inside_90 else f"OUTSIDE (PIT {row.p_at_most:.3f})"
        lines.append(
            f"  {row.figure:<{figure_width}} {row.published:>10.4g}  "
            f"[{row.q05:.4g}, {row.q95:.4g}]  {inside}"
        )
    wave = summary.get("clean_up_wave")
    if isinstance(wave, dict) and "probability" in wave:
        first, last = wave["years"]
        lines.append(
            f"\nChance of at least one clean-up wave in {first}-{last}: "
            f"{wave['probability']:.2f} (posterior median {wave['median']:.2f}, "
            f"90% interval {wave['q05']:.2f}-{wave['q95']:.2f})"
        )
    lines += [f"\nContradiction in the data: {text}" for text in summary.get("contradictions", [])]
    gaps = summary.get("not_informed", [])
    if gaps:
        lines += ["\nWhat the data cannot inform:", *(f"  {text}" for text in gaps)]
    revision = result.revision()
    if revision["revision"] is not None:
        lines.append(
            f"\nStock revision: flows give {revision['published_flows_net']:+d}, the stock "
            f"changed by {revision['published_stock_change']:+d}: the register dropped "
            f"{revision['revision']} more"
            + (
                f" (prior probability of a revision at least this large: "
                f"{revision['prior_probability_at_least_this_large']:.2f})"
                if "prior_probability_at_least_this_large" in revision
                else ""
            )
        )
    lines += [f"\nWarning: {text}" for text in result.warnings]
    return "\n".join(lines)
