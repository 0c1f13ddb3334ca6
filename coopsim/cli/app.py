"""`coopsim app`: the interactive scenario explorer in a local web page.

The parser imports nothing heavy; tornado (the `app` extra) is imported when the command
runs, and its absence is an input error that names the install line.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from coopsim.cli.options import add_quiet_option, add_run_options, interrupted_status, stop_word
from coopsim.errors import InputError

INSTALL = 'pip install "coopsim[app]"'
#: The folder exports are written to when --export-dir is not given.
DEFAULT_EXPORTS = Path("coopsim-explorer")


def add_app_command(
    commands: argparse._SubParsersAction, whole_number: Callable[[int], Callable[[str], int]]
) -> None:
    """Register `coopsim app`."""
    app = commands.add_parser(
        "app",
        help="explore scenarios in a local web page: move levers, read the targets",
        description="Start the scenario explorer on this machine and print its address. "
        "Scenarios: the files given, or every .toml in the folders given (default: "
        "./scenarios); exports go to --export-dir. Needs the app extra: " + INSTALL,
    )
    app.add_argument(
        "scenarios", type=Path, nargs="*", metavar="SCENARIO", help="scenario files or folders"
    )
    app.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this "
        "machine only; any other exposes the explorer to the network)",
    )
    app.add_argument("--port", type=whole_number(0), default=0, help="port (default 0: a free one)")
    app.add_argument(
        "--export-dir",
        type=Path,
        default=DEFAULT_EXPORTS,
        help=f"where exported scenarios and briefs are written (default {DEFAULT_EXPORTS}/)",
    )
    add_run_options(app, "engine (default auto: exact when it computes every target, else fast)")
    add_quiet_option(app, "print the address alone")


def serve_forever() -> None:
    """Wait while the server's thread serves (until Ctrl-C or SIGTERM)."""
    while True:
        time.sleep(3600)


def run_app(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (or SIGTERM): print the address, warn when exposed."""
    try:
        import tornado  # noqa: F401
    except ImportError:
        raise InputError(
            "coopsim app", f"the explorer needs the app extra; install it with: {INSTALL}"
        ) from None
    from coopsim.app.explorer import Explorer, Options
    from coopsim.app.library import ScenarioLibrary
    from coopsim.app.server import Server, is_loopback

    sources = list(args.scenarios) or [Path("scenarios")]
    library = ScenarioLibrary(sources, args.export_dir)
    if not library.files:
        raise InputError("SCENARIO", f"no scenario files in {', '.join(map(str, sources))}")
    options = Options(args.engine, args.seed, args.replications, args.workers)
    explorer = Explorer(library, options)
    server = Server(explorer, args.host, args.port, Path.cwd())
    if not is_loopback(args.host):
        print(
            f"coopsim: warning: --host {args.host} exposes the explorer to the network: anyone "
            "who can reach this address can run simulations and write exports here",
            file=sys.stderr,
        )
    url = server.start()
    if args.quiet:
        print(url, flush=True)
    else:
        print(
            f"coopsim explorer: {url}  ({len(library.files)} scenarios; exports to "
            f"{library.export_folder}; Ctrl-C to stop)",
            flush=True,
        )
    try:
        serve_forever()
    except KeyboardInterrupt as error:  # Ctrl-C, or SIGTERM: stop serving, keep the exports
        print(f"coopsim explorer: {stop_word(error)}; stopped", file=sys.stderr)
        return interrupted_status(error)
    finally:
        server.stop()
