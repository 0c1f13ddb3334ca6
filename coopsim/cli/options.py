"""The options every simulating command takes, the same way, and the pieces every command
shares: whole-number arguments, --set, default output folders, one-line error output, the
exit statuses and SIGTERM handled as Ctrl-C is."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from coopsim.defaults import DEFAULT_REPLICATIONS, DEFAULT_SEED, ENGINE_CHOICES, EXECUTOR_CHOICES
from coopsim.errors import InputError

if TYPE_CHECKING:
    from coopsim.inputs.region_data import LoadedRegion
    from coopsim.inputs.scenario import LoadedScenario

#: (scenario, start time) -> the output folder to write when --out is not given.
DefaultOut = Callable[[Path, datetime], Path]
#: Exit statuses: success; bad input, or an output that cannot be written; Ctrl-C; SIGTERM.
EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 2, 130, 143
#: Errors of a write that the person running the command can act on (space, permissions).
WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EFBIG, errno.EIO}
)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be so that it stops a run the same way."""


def interrupted_status(error: KeyboardInterrupt) -> int:
    """The exit status after Ctrl-C (130) or SIGTERM (143)."""
    return EXIT_TERMINATED if isinstance(error, Terminated) else EXIT_INTERRUPTED


def stop_word(error: KeyboardInterrupt) -> str:
    return "terminated" if isinstance(error, Terminated) else "interrupted"


def _terminate(number: int, frame: object) -> None:
    raise Terminated


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block SIGTERM raises Terminated (a KeyboardInterrupt) in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def write_error_message(error: OSError) -> str | None:
    """One line for a write that failed for a reason outside the program (a full disk, no
    permission, a read-only file system), or None for any other OSError."""
    if error.errno not in WRITE_ERRNOS:
        return None
    reason = error.strerror or str(error)
    return f"cannot write {error.filename}: {reason}" if error.filename else f"{reason}"


def whole_number(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum} (got {value})")
        return value

    return parse


def add_run_options(
    parser: argparse.ArgumentParser, engine_help: str = "simulation engine (default auto)"
) -> None:
    """--replications, --seed, --engine and --workers: what a run on this machine needs."""
    parser.add_argument(
        "--replications",
        type=whole_number(1),
        default=DEFAULT_REPLICATIONS,
        help=f"Monte Carlo replicates (default {DEFAULT_REPLICATIONS})",
    )
    parser.add_argument(
        "--seed",
        type=whole_number(0),
        default=DEFAULT_SEED,
        help=f"random seed (default {DEFAULT_SEED})",
    )
    parser.add_argument("--engine", choices=ENGINE_CHOICES, default="auto", help=engine_help)
    parser.add_argument(
        "--workers",
        type=whole_number(1),
        default=None,
        help="worker processes (default all cores)",
    )


def add_fit_options(
    parser: argparse.ArgumentParser, draws: int, draws_help: str, workers_help: str
) -> None:
    """--data, --draws (`draws_help` says its default), --seed and --workers, as the
    calibrating commands take them."""
    parser.add_argument(
        "--data", metavar="REGION_FILE", help="region data file (default: the scenario's region)"
    )
    parser.add_argument("--draws", type=whole_number(100), default=draws, help=draws_help)
    parser.add_argument(
        "--seed", type=whole_number(0), default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})"
    )
    parser.add_argument("--workers", type=whole_number(1), default=None, help=workers_help)


def load_fit_inputs(args: argparse.Namespace) -> tuple[LoadedScenario, LoadedRegion]:
    """(the scenario file, the region data) of a calibrating command: --data if given, else
    the region the scenario names."""
    from coopsim.inputs.region_data import load_region, region_for
    from coopsim.inputs.scenario import load_scenario

    loaded = load_scenario(args.scenario)
    if args.data:
        return loaded, load_region(args.data, named_in="--data")
    return loaded, region_for(loaded.scenario, loaded.path)


def add_simulation_options(parser: argparse.ArgumentParser) -> None:
    """The options every simulating command takes, the same way: --replications, --seed,
    --engine, --workers, --executor, --scheduler, --set and --quiet (make the executor with
    coopsim.runs.executor_choice.make_executor(args.executor, args.workers, args.scheduler))."""
    add_run_options(parser)
    parser.add_argument(
        "--executor",
        choices=EXECUTOR_CHOICES,
        default="pool",
        help="where chunks of replicates run: pool (worker processes here, default) or dask "
        '(a Dask cluster; pip install "coopsim[dask]")',
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --executor dask: the scheduler, e.g. tcp://HOST:8786 (default: start a "
        "local cluster of --workers processes for the run)",
    )
    add_quiet_option(parser, "no progress bar")
    add_set_option(parser)


def add_quiet_option(parser: argparse.ArgumentParser, silences: str) -> None:
    """--quiet, which every command takes; `silences` says what it leaves out there."""
    parser.add_argument("--quiet", action="store_true", help=silences)


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """--set PATH=VALUE, repeatable."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a setting by its dotted path, e.g. founding.mean_per_year=30 "
        "(repeatable; the value is read as TOML, a bare word as text)",
    )


def default_out(scenario: Path, started: datetime) -> Path:
    """A new folder under coopsim-output/, named after the scenario and the time."""
    stamp = started.astimezone().strftime("%Y%m%d-%H%M%S")
    base = Path("coopsim-output") / f"{scenario.stem}-{stamp}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    candidate.parent.mkdir(parents=True, exist_ok=True)
    return candidate


def report_input_error(error: InputError) -> None:
    """One line per problem on stderr, each with the command's prefix."""
    for problem in getattr(error, "errors", [error]):
        print(f"coopsim: error: {problem}", file=sys.stderr)


def add_out_options(parser: argparse.ArgumentParser, default: str) -> None:
    """--out and --overwrite, as forecast has them."""
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default {default}); new or empty"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace --out if it holds earlier results"
    )
