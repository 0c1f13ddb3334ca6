"""Argument types shared by the `coopsim` subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def number_between(low: float, high: float, example: str) -> Callable[[str], float]:
    """An argparse type: a number strictly between `low` and `high` (e.g. a probability)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"'{text}' is not a number; give one strictly between {low:g} and {high:g}, "
                f"e.g. {example}"
            ) from None
        if not low < value < high:
            raise argparse.ArgumentTypeError(
                f"must be strictly between {low:g} and {high:g} (got {text})"
            )
        return value

    return parse
