"""`coopsim compare`: scenarios on the first one's targets, paired by common random numbers."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from coopsim.cli.options import DefaultOut, add_out_options
from coopsim.errors import InputError

if TYPE_CHECKING:
    from coopsim.analyses.compare import Comparison


def add_compare_command(
    commands: argparse._SubParsersAction,
    add_simulation_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `coopsim compare` with the simulation options."""
    pair = commands.add_parser(
        "compare", help="compare scenarios on the first one's targets, with common random numbers"
    )
    pair.add_argument("scenarios", type=Path, nargs="+", help="two or more scenario TOML files")
    add_out_options(pair, "coopsim-output/compare-SCENARIOS-TIMESTAMP")
    add_simulation_options(pair)
    pair.add_argument(
        "--origin",
        choices=("latest", "year-end"),
        default="latest",
        help="where each scenario starts: at the latest report its region publishes within "
        "the first year (default), or at the year-end before it",
    )


def run_compare(args: argparse.Namespace, argv: list[str], default_out: DefaultOut) -> int:
    """Run the comparison, write its folder all or nothing, print the table."""
    from coopsim.analyses.compare import compare, load_compared_scenarios
    from coopsim.inputs.region_data import region_for
    from coopsim.plots.compare import save_comparison_charts
    from coopsim.results.output_folder import claimed_output_dir, finish_folder, staged_output
    from coopsim.runs.executor_choice import make_executor
    from coopsim.runs.executors import default_workers
    from coopsim.runs.provenance import provenance

    started = datetime.now(UTC)
    if len(args.scenarios) < 2:
        raise InputError("compare", "give at least two scenario files (the first is the reference)")
    loaded = load_compared_scenarios(args.scenarios, args.overrides)
    stems = "-".join(path.stem for path in args.scenarios[:3])
    out = args.out or default_out(Path(f"compare-{stems}"), started)
    first = loaded[0]
    region = region_for(first.scenario, first.path)
    inputs = [*(path for item in loaded for path in item.files), region.path]
    with claimed_output_dir(out, args.overwrite, inputs=inputs, command=argv):
        workers = args.workers or default_workers()
        with make_executor(args.executor, workers, args.scheduler) as executor:
            comparison = compare(
                loaded,
                replications=args.replications,
                seed=args.seed,
                engine=args.engine,
                progress=None if not args.quiet else False,
                executor=executor,
                origin=args.origin,
            )
        with staged_output(out) as staging:
            comparison.table().to_csv(staging / "comparison.csv", index=False)
            comparison.metric_differences().to_csv(staging / "comparison_metrics.csv", index=False)
            save_comparison_charts(comparison, staging)
            document = provenance(
                first,
                region,
                seed=args.seed,
                replications=args.replications,
                engine=comparison.engine,
                workers=workers,
                started=started,
                argv=argv,
            )
            document["origin"] = [
                "year-end" if r.origin is None else r.origin["date"] for r in comparison.results
            ]
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


def _origin_lines(comparison: Comparison) -> list[str]:
    """Which scenarios start at a report, and on how many figures they are conditioned."""
    lines = []
    for label, result in zip(comparison.labels, comparison.results, strict=True):
        if result.origin is not None:
            lines.append(
                f"Origin of '{label}': the report of {result.origin['date']}, conditioned on "
                f"{len(result.origin['conditioned_on'])} figure(s) published then "
                "(--origin year-end starts before them)"
            )
    return lines


def format_comparison(comparison: Comparison) -> str:
    """The table `coopsim compare` prints: per target, each scenario against the first."""
    reference = comparison.labels[0]
    width = max(len(label) for label in comparison.labels) + 2
    lines = [
        f"Compared {len(comparison.labels)} scenarios on the targets of '{reference}', with "
        f"common random numbers: {comparison.replications} replicates each, seed "
        f"{comparison.seed}, engine {comparison.engine} ({comparison.engine_reason})",
    ]
    lines += _origin_lines(comparison)
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
