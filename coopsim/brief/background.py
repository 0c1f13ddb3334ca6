"""The brief's background sections: assumptions, data sources and provenance."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coopsim.brief.catalogue import Lang
from coopsim.brief.markup import Content, Html, el, table
from coopsim.brief.runs import ScenarioRun
from coopsim.brief.sections import quoted, section
from coopsim.brief.terms import FIGURE_LABELS
from coopsim.brief.wording import inconsistency_text
from coopsim.inputs.figures import interval
from coopsim.inputs.policies import ClassProbabilities, Lever
from coopsim.inputs.region_data import Figure, Observation, PublishedShare, Region, ShareFigure
from coopsim.inputs.scenario import Scenario

EFFECTS = ("upgrade", "downgrade", "dissolution", "founding", "group_conversion")


def header_comments(path: Path) -> str:
    """The comment block a scenario file opens with: its question, sources and reasoning."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            lines.append(stripped[1:].removeprefix(" "))
        elif stripped or lines:
            break
    return "\n".join(lines).strip()


def assumptions(runs: Sequence[ScenarioRun], lang: Lang) -> Html:
    """Per scenario: its description, main settings, levers, programmes, clean-ups, reasoning."""
    parts: list[Content] = [el("p", lang.t("assumptions_intro"))]
    shown: set[Path] = set()
    for run in runs:
        scenario = run.loaded.scenario
        block: list[Content] = [el("h3", lang.t("scenario_heading", name=scenario.name))]
        if scenario.description:
            block.append(el("p", quoted(scenario.description, lang)))
        block.append(_settings(scenario, lang))
        if scenario.levers:
            block.append(el("h4", lang.t("levers")))
            block.append(_levers(scenario.levers, lang))
        block.append(_programmes_and_cleanups(scenario, lang))
        for path in run.loaded.files or ((run.loaded.path,) if run.loaded.path else ()):
            resolved = path.resolve()
            text = header_comments(path) if path.is_file() else ""
            if resolved in shown or not text:
                continue
            shown.add(resolved)
            block.append(
                el(
                    "details",
                    [
                        el("summary", lang.t("reasoning", file=path.name)),
                        el("pre", text, lang=None if lang.code == "en" else "en"),
                    ],
                    open=True,
                )
            )
        parts.append(el("article", block, class_="scenario"))
    return section("assumptions", lang.t("assumptions"), parts)


def _settings(scenario: Scenario, lang: Lang) -> Html:
    founding = scenario.founding
    rows: list[list[Content]] = [
        [lang.t("founding_row"), lang.general(founding.mean_per_year)],
        [
            lang.t("dispersion_row"),
            lang.t("poisson") if founding.dispersion is None else lang.general(founding.dispersion),
        ],
    ]
    if founding.from_groups is not None:
        rows.append(
            [lang.t("conversion_row"), lang.general(founding.from_groups.conversion_per_year)]
        )
    if scenario.law_2023 is not None:
        law = scenario.law_2023
        rows.append(
            [
                lang.t(
                    "law_row",
                    date=law.in_force.isoformat(),
                    multiplier=lang.general(law.founding_multiplier),
                ),
                _class_probabilities(law.removal_at_deadline, lang) or "–",
            ]
        )
    well = ", ".join(lang.class_name(c) for c in scenario.reporting.well_operating_classes)
    rows.append([lang.t("well_row"), well])
    return table([lang.t("setting"), lang.t("value")], rows)


def _levers(levers: dict[str, Lever], lang: Lang) -> Html:
    rows: list[list[Content]] = []
    for name, lever in levers.items():
        effects = [
            f"{lang.t(key)} × {lang.general(getattr(lever.effects, key))}"
            for key in EFFECTS
            if getattr(lever.effects, key) != 1.0
        ]
        when = lever.start.isoformat()
        if lever.ramp_up_years:
            when += "; " + lang.t("ramp", years=lang.general(lever.ramp_up_years))
        rows.append(
            [
                [lang.policy_group(lever.group), el("br"), el("code", name)],
                when,
                ", ".join(lang.class_name(c) for c in lever.classes),
                "; ".join(effects) or "–",
                quoted(lever.description, lang) if lever.description else "–",
            ]
        )
    headers: list[Content] = [
        lang.t("policy_group"),
        lang.t("from_date"),
        lang.t("classes"),
        lang.t("effects"),
        lang.t("description"),
    ]
    return table(headers, rows)


def _class_probabilities(probabilities: ClassProbabilities, lang: Lang) -> str:
    """'weak 30%, average 5%' for the classes a removal touches."""
    pairs = zip(("good", "fair", "average", "weak"), probabilities.as_tuple(), strict=True)
    return ", ".join(f"{lang.class_name(c)} {lang.percent(p, 0)}" for c, p in pairs if p > 0)


def _programmes_and_cleanups(scenario: Scenario, lang: Lang) -> Html:
    parts: list[Content] = []
    if scenario.programmes:
        items = []
        for name, programme in scenario.programmes.items():
            text = lang.t(
                "programme_row",
                name=name,
                start=programme.start.isoformat(),
                capacity=lang.number(programme.capacity_per_year),
                cost=lang.general(programme.cost_per_cooperative_million_vnd),
                budget=lang.general(programme.budget_million_vnd),
            )
            description = (
                [" ", quoted(programme.description, lang)] if programme.description else []
            )
            items.append(el("li", [text, *description]))
        parts += [el("h4", lang.t("programmes")), el("ul", items)]
    if scenario.cleanups:
        items = [
            el(
                "li",
                lang.t(
                    "cleanup_row",
                    name=name,
                    date=cleanup.date.isoformat(),
                    classes=_class_probabilities(cleanup.removal_probability, lang),
                ),
            )
            for name, cleanup in scenario.cleanups.items()
        ]
        parts += [el("h4", lang.t("cleanups")), el("ul", items)]
    return Html("".join(parts))


def figure_label(where: str, lang: Lang) -> str:
    """'snapshots.2023.members' as '2023: Members of cooperatives'."""
    _, year, *rest = where.split(".")
    if rest[0] == "classes":
        label = lang.pick(FIGURE_LABELS, "classes").format(name=lang.class_name(rest[1]))
    elif rest[0] == "removed":
        label = lang.t("removed_in_year")
    else:
        label = lang.pick(FIGURE_LABELS, rest[0]) if rest[0] in FIGURE_LABELS else rest[0]
    return f"{year}: {label}"


#: The labels of dated snapshots' and period flows' figures that differ from a year's.
_DATED_LABELS = {
    "total": "dated_total",
    "classes.stopped": "stopped_count",
    "shares.stopped": "stopped_share",
    "founded": "period_founded",
    "dissolved": "period_dissolved",
    "removed": "period_removed",
    "net_change": "period_net_change",
}


def observation_label(item: Observation, lang: Lang) -> str:
    """A figure as the sources table names it: '2023: Members of cooperatives', '2020-07-30:
    Cooperatives', '2018-01-01 to 2018-06-30: Founded'."""
    if item.table in ("snapshots", "flows"):
        return figure_label(item.where, lang)
    first, last = item.start.isoformat(), item.end.isoformat()
    if item.is_flow:
        when = lang.t("period_dates", first=first, last=last)
    else:
        when = first if item.exact_date else lang.t("some_day", first=first, last=last)
    name = item.where.split(".", 2)[2]  # total, classes.weak, shares.well_operating, ...
    kind, _, which = name.partition(".")
    if name in _DATED_LABELS:
        label = lang.t(_DATED_LABELS[name])
    elif kind == "classes":
        label = lang.pick(FIGURE_LABELS, "classes").format(name=lang.class_name(which))
    elif name == "shares.well_operating":
        label = lang.pick(FIGURE_LABELS, "well_operating_share")
    elif kind == "shares":
        label = lang.t("class_share", name=lang.class_name(which))
    else:
        label = lang.pick(FIGURE_LABELS, name)
    return f"{when}: {label}"


def _figure_value(figure: Figure, lang: Lang) -> str:
    """The value as published: a count or a percentage, or its bound ('at least 388')."""

    def shown(value: float) -> str:
        is_share = isinstance(figure, ShareFigure | PublishedShare)
        return lang.percent(value, 1) if is_share else lang.general(value)

    if figure.value is not None:
        return shown(figure.value)
    low, high = interval(figure)
    given = [getattr(figure, key, None) is not None for key in ("at_least", "at_most")]
    if all(given):
        return lang.t("between", low=shown(low), high=shown(high))
    return lang.t(">=", x=shown(low)) if given[0] else lang.t("<=", x=shown(high))


def sources(runs: Sequence[ScenarioRun], lang: Lang) -> Html:
    """The region's sources, every published figure with its caveat, and the data notes."""
    loaded = runs[0].region
    region: Region = loaded.data
    items = []
    for key, source in region.sources.items():
        cited: list[Content] = [
            el("cite", source.title, lang=None if lang.code == "en" else "en"),
            f", {source.publisher}, {source.date}. ",
            el("code", key),
        ]
        if source.note:
            cited += [el("br"), el("span", source.note, class_="muted", lang="en")]
        if source.url:
            cited += [el("br"), el("span", source.url, class_="url")]
        items.append(el("li", cited))
    notes = {f"dated_snapshots.{k}": d.note for k, d in region.dated_snapshots.items()}
    notes |= {f"period_flows.{k}": p.note for k, p in region.period_flows.items()}
    rows = []
    for item in region.observations():
        place = ".".join(item.where.split(".")[:2])
        caveat = " ".join(t for t in (notes.pop(place, ""), item.figure.caveat) if t)
        english = None if lang.code == "en" else "en"
        rows.append(
            [
                observation_label(item, lang),
                (_figure_value(item.figure, lang), "num"),
                el("code", item.figure.source),
                el("span", caveat, lang=english) if caveat else "",
            ]
        )
    headers: list[Content] = [
        lang.t("figure"),
        lang.t("value"),
        lang.t("source"),
        lang.t("caveat"),
    ]
    intro = lang.t("sources_intro", file=loaded.path.name)
    if region.dated_snapshots or region.period_flows:
        intro += " " + lang.t("sources_not_used")
    parts: list[Content] = [
        el("p", intro),
        el("ul", items, class_="sources"),
        table(headers, rows),
    ]
    if loaded.inconsistencies:
        notes = [el("li", inconsistency_text(i, region, lang)) for i in loaded.inconsistencies]
        parts += [el("h3", lang.t("inconsistencies")), el("ul", notes)]
    return section("sources", lang.t("sources"), parts)


def provenance_section(record: dict[str, Any], lang: Lang) -> Html:
    """What was run, on which files, with which software: a table and the full JSON record."""
    scenarios = record["scenarios"]
    files = [
        el("li", [el("code", path), " ", el("code", digest, class_="hash")])
        for entry in scenarios
        for path, digest in entry["scenario_files_sha256"].items()
    ]
    data = {entry["data_file"]: entry["data_sha256"] for entry in scenarios}
    data_items = [
        el("li", [el("code", p), " ", el("code", d, class_="hash")]) for p, d in data.items()
    ]
    first = scenarios[0]
    engines = "; ".join(
        f"{entry['name']}: {entry['engine']} ({entry['engine_reason']})" for entry in scenarios
    )
    software = (
        f"Python {first['python_version']}, numpy {first['numpy_version']}, "
        f"simpy {first['simpy_version']}; {first['platform']}"
    )
    rows: list[list[Content]] = [
        [lang.t("version"), record["coopsim_version"]],
        [lang.t("created"), record["finished"]],
        [lang.t("command"), el("code", " ".join(record["command"]))],
        [lang.t("seed"), str(record["seed"])],
        [lang.t("replicates"), lang.number(record["replications"])],
        [lang.t("engine"), el("span", engines, lang=None if lang.code == "en" else "en")],
        [lang.t("scenario_files"), el("ul", files, class_="plain")],
        [lang.t("data_file"), el("ul", data_items, class_="plain")],
        [lang.t("software"), software],
    ]
    document = json.dumps(record, indent=1, ensure_ascii=False, default=str)
    document = document.replace("<", "\\u003c")  # never ends the script element early
    embedded = Html(f'<script type="application/json" id="provenance-record">{document}</script>')
    return section(
        "provenance",
        lang.t("provenance"),
        [
            el("p", lang.t("provenance_intro")),
            table([lang.t("setting"), lang.t("value")], rows),
            embedded,
        ],
    )
