"""The `coopsim` command: one module per command; heavy imports happen inside each command."""

from coopsim.cli.main import main, run

__all__ = ["main", "run"]
