"""Package attributes imported on first use (PEP 562), so importing a package stays cheap and
the command line starts without numpy, pandas or matplotlib."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_attributes(
    package: str, names: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's `__getattr__` and `__dir__` for `names` (attribute -> defining module):
    each attribute is imported when first used and then kept in the package's `namespace`."""

    namespace["_lazy_names"] = tuple(names)  # what tests/layout checks against the modules

    def __getattr__(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(names[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *names])

    return __getattr__, __dir__
