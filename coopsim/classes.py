"""The quality classes of Circular 01/2020 and the reported statuses built on them."""

from __future__ import annotations

from typing import Literal

#: Latent quality classes, best first. Index order is used by every engine: an upgrade moves a
#: cooperative to the next lower index, a downgrade to the next higher one.
QUALITY_CLASSES: tuple[str, ...] = ("good", "fair", "average", "weak")
GOOD, FAIR, AVERAGE, WEAK = range(4)
#: Index of the absorbing state in generator matrices (after the four quality classes).
DISSOLVED = 4
#: With dormancy, the latent states are the four classes and "dormant" (stopped operating:
#: alive, not classified), in this order; the engines then put dissolved after them (at 5).
LATENT_STATES: tuple[str, ...] = (*QUALITY_CLASSES, "dormant")
DORMANT = 4

QualityClass = Literal["good", "fair", "average", "weak"]
ReportedClass = Literal["good", "fair", "average", "weak", "unclassified"]


def class_index(name: str) -> int:
    """Index of a quality class name in QUALITY_CLASSES."""
    return QUALITY_CLASSES.index(name)
