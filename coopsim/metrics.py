"""The yearly metrics every engine reports, in a fixed order, with labels for people."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    unit: str
    is_share: bool = False

    @property
    def is_flow(self) -> bool:
        """Counted over the year (founded, dissolved, ...), not a stock at its end."""
        return self.name in FLOW_METRICS


#: Metrics counted over a year rather than at its end.
FLOW_METRICS = frozenset(
    {"founded", "dissolved", "removed", "supported", "budget_spent_million_vnd"}
)


#: The metrics in a fixed order, which trajectories' columns and the engines' arrays follow: a
#: contract, so a new metric goes at the end.
METRICS: tuple[MetricInfo, ...] = (
    MetricInfo("cooperatives", "Cooperatives alive at the year-end classification", "cooperatives"),
    MetricInfo("founded", "Cooperatives founded during the year", "cooperatives per year"),
    MetricInfo("dissolved", "Cooperatives dissolved during the year", "cooperatives per year"),
    MetricInfo("members", "Members of all cooperatives", "members"),
    MetricInfo("good", "Cooperatives classified good (80-100 points)", "cooperatives"),
    MetricInfo("fair", "Cooperatives classified fair (65-79 points)", "cooperatives"),
    MetricInfo("average", "Cooperatives classified average (50-64 points)", "cooperatives"),
    MetricInfo("weak", "Cooperatives classified weak (under 50 points)", "cooperatives"),
    MetricInfo("unclassified", "Cooperatives under 12 months old (not classified)", "cooperatives"),
    MetricInfo("well_operating_share", "Share of cooperatives operating well", "share", True),
    MetricInfo("weak_share", "Share of cooperatives classified weak", "share", True),
    MetricInfo("removed", "Cooperatives removed by clean-ups (part of dissolved)", "cooperatives"),
    MetricInfo("supported", "Cooperatives newly supported by programmes", "cooperatives"),
    MetricInfo("budget_spent_million_vnd", "Programme budget spent", "million VND"),
    MetricInfo("cooperative_groups", "Cooperative groups in the pool at year end", "groups"),
    MetricInfo(
        "dormant",
        "Cooperatives stopped operating at the classification (alive, not classified)",
        "cooperatives",
    ),
)

METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)
METRIC_INDEX: dict[str, int] = {name: i for i, name in enumerate(METRIC_NAMES)}


def metric_info(name: str) -> MetricInfo:
    """Label and unit of a metric by name."""
    return METRICS[METRIC_INDEX[name]]
