"""What a record has no figure for, and so which parameters and targets rest on their priors.

A whole-record fit reads every figure it can; what no figure measures it cannot learn. A
record without any class count or share leaves the class moves and the stock's class split
to their priors (and every target on a class share with them); without founding or
dissolution flows the founding and exit rates are told apart only by the changes in the
totals; without stopped-operating counts the dormancy parameters are learnt only indirectly
and lean on their priors. Each gap is one plain sentence for calibration.json and the
printed report.
"""

from __future__ import annotations

from collections.abc import Iterable

from coopsim.analyses.calibration.record.timeline import Record
from coopsim.results.targets import CLASS_NAMES


def _named(names: list[str], priors: Iterable[str]) -> str:
    """The sampled parameters among `names`, as words ('upgrade_scale and downgrade_scale')."""
    present = [name for name in names if name in set(priors)]
    if len(present) <= 1:
        return "".join(present)
    return ", ".join(present[:-1]) + " and " + present[-1]


def _counts_classes(quantity: str) -> bool:
    kind, _, names = quantity.partition(".")
    return kind in ("classes", "shares") and bool(set(names.split("+")) & CLASS_NAMES)


def not_informed(record: Record, priors: Iterable[str], dormancy: bool) -> list[str]:
    """One sentence per kind of figure the fitted record lacks, naming the parameters (of
    `priors`) that then carry their priors; `dormancy`: whether the model has a dormant
    state."""
    priors = list(priors)
    quantities = {f.quantity for f in record.figures}
    found: list[str] = []
    if not any(_counts_classes(q) for q in quantities):
        moves = _named(["upgrade_scale", "downgrade_scale"], priors)
        found.append(
            "No class figure (a count or share of good, fair, average or weak cooperatives) "
            "is published: "
            + (f"{moves}, " if moves else "")
            + "the stock's split into classes and every target on a class share carry their "
            "priors"
        )
    if "founded" not in quantities:
        founding = _named(["founding_scale", "founding_dispersion"], priors)
        found.append(
            "No founding flow is published: "
            + (f"{founding} rest" if founding else "foundings rest")
            + " on the prior and on the changes in the totals only"
        )
    if not quantities & {"dissolved", "removed"}:
        exits = _named(
            [
                "dissolution_scale",
                "dormancy_dissolution_per_year",
                "wave_probability_per_year",
                "wave_removal_dormant",
                "wave_removal_weak",
            ],
            priors,
        )
        found.append(
            "No dissolution flow is published: "
            + (f"{exits} rest" if exits else "dissolutions rest")
            + " on the prior and on the changes in the totals only"
        )
    stopped = {"classes.stopped", "shares.stopped"}
    if dormancy and not quantities & stopped:
        dormant = _named(
            [
                "dormancy_entry_scale",
                "dormancy_resume_per_year",
                "dormancy_dissolution_per_year",
                "initial_dormant_share",
            ],
            priors,
        )
        found.append(
            "No stopped-operating count is published: "
            + (f"the dormancy parameters ({dormant}) are" if dormant else "dormancy is")
            + " learnt only indirectly, from the totals and the other figures, and lean on "
            "the prior"
        )
    return found
