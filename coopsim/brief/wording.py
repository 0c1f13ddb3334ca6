"""Sentences the brief builds from structured settings: targets, regions and data notes.

A scenario file's own prose is English; a Vietnamese brief says the same things from the
structure (metric, year, comparison, threshold) so that nothing essential needs translating.
"""

from __future__ import annotations

from coopsim.brief.catalogue import Lang
from coopsim.brief.terms import METRIC_NOUNS
from coopsim.inputs.region_data import Inconsistency, Region
from coopsim.inputs.scenario import Target
from coopsim.metrics import metric_info
from coopsim.results.targets import TargetEstimate


def region_name(region: Region, lang: Lang) -> str:
    """The region as readers of `lang` write it (Hà Tĩnh in Vietnamese)."""
    info = region.region
    return info.local_name if lang.code == "vi" and info.local_name else info.name


def bound(target: Target, value: float, lang: Lang) -> str:
    """A threshold in the metric's terms: a percentage for shares, a count otherwise."""
    if metric_info(target.metric).is_share:
        whole = round(100 * value, 6).is_integer()
        return lang.percent(value, 0 if whole else 1)
    return lang.general(value)


def condition(target: Target, lang: Lang, short: bool = False) -> str:
    """What the metric must do: 'between 20 and 30', 'above 50%' (or '20–30' when short)."""
    if target.comparison == "between":
        assert target.range is not None
        low, high = (bound(target, v, lang) for v in target.range)
        return lang.t("between_short" if short else "between", low=low, high=high)
    assert target.threshold is not None
    return lang.t(target.comparison, x=bound(target, target.threshold, lang))


def target_sentence(target: Target, lang: Lang) -> str:
    """The target as a sentence built from its settings, in `lang`."""
    noun = lang.pick(METRIC_NOUNS, target.metric)  # type: ignore[arg-type]
    flow = METRIC_NOUNS[target.metric][2]
    when = lang.t("in_year" if flow else "end_of_year", year=target.year)
    return lang.t("target_sentence", noun=noun, when=when, condition=condition(target, lang))


def level_sentence(target: Target, lang: Lang) -> str:
    """A target as a level to reach in any year (its yearly form), without its own year."""
    noun = lang.pick(METRIC_NOUNS, target.metric)  # type: ignore[arg-type]
    flow = METRIC_NOUNS[target.metric][2]
    return lang.t("level_flow" if flow else "level", noun=noun, condition=condition(target, lang))


def target_short(target: Target, lang: Lang) -> str:
    """A chart note's first line: '2024 target: 20–30'."""
    return lang.t("target_short", year=target.year, condition=condition(target, lang, True))


def target_text(estimate: TargetEstimate, lang: Lang) -> str:
    """The target as the page states it: the file's own description in English, built from
    the settings in Vietnamese."""
    if lang.code == "en":
        return estimate.description
    return target_sentence(estimate.target, lang)


def signed(value: float, lang: Lang) -> str:
    """A count with its sign: +8, −3."""
    return ("+" if value > 0 else "") + lang.general(value)


def inconsistency_text(item: Inconsistency, region: Region, lang: Lang) -> str:
    """A data inconsistency and its treatment, rebuilt from the figures in `lang`."""
    flow = region.flows.get(item.year)
    if item.message.startswith("founded") and flow is not None:
        by_flows = flow.founded.value - flow.dissolved.value
        published = flow.net_change is not None
        net = by_flows - item.gap
        return " ".join(
            [
                lang.t(
                    "flows_gap",
                    year=item.year,
                    founded=lang.general(flow.founded.value),
                    dissolved=lang.general(flow.dissolved.value),
                    by_flows=signed(by_flows, lang),
                    label=lang.t("net_published" if published else "net_stock"),
                    net=signed(net, lang),
                    gap=lang.general(item.gap),
                ),
                lang.t("stock_revision"),
            ]
        )
    return str(item)
