"""The policy brief: one self-contained HTML page per run, in English or Vietnamese."""

from typing import Any

from coopsim.brief.catalogue import LANGUAGES

__all__ = ["LANGUAGES", "report"]


def __getattr__(name: str) -> Any:
    """`report` is imported when first used: the command line's parser reads LANGUAGES only."""
    if name == "report":
        from coopsim.brief.api import report

        return report
    raise AttributeError(f"module 'coopsim.brief' has no attribute {name!r}")
