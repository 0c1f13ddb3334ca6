"""`python -m coopsim` runs the command line."""

from coopsim.cli import run

run()
