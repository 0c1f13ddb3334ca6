"""The policy brief: one self-contained HTML page per run, in English or Vietnamese."""

from coopsim.brief.api import report
from coopsim.brief.catalogue import LANGUAGES

__all__ = ["LANGUAGES", "report"]
