"""`python -m coopsim` runs the command line."""

from coopsim.cli.main import run

run()
