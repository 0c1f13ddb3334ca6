"""The policy brief: one self-contained HTML page per run, in English or Vietnamese."""

from coopsim.brief.catalogue import LANGUAGES
from coopsim.lazy import lazy_attributes

__all__ = ["LANGUAGES", "report"]

#: `report` is imported when first used: the command line's parser reads LANGUAGES only.
__getattr__, __dir__ = lazy_attributes("coopsim.brief", {"report": "coopsim.brief.api"}, globals())
