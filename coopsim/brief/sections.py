"""The brief's result sections: key findings, fan charts, the comparison, what it would take."""

from __future__ import annotations

from collections.abc import Sequence

from coopsim.brief.catalogue import Lang
from coopsim.brief.charts import Chart, ProbabilityPoint, comparison_chart, fan_chart
from coopsim.brief.goals import GoalRow
from coopsim.brief.markup import Content, Html, bar, el, table
from coopsim.brief.runs import ComparisonRow, ScenarioRun
from coopsim.brief.wording import level_sentence, target_sentence, target_text
from coopsim.plots.fan import charted_metrics
from coopsim.results.targets import Z95
from coopsim.results.time_to_target import time_to_target


def section(ident: str, heading: str, body: Content) -> Html:
    """A top-level section with its heading and an id for the contents list."""
    return el("section", [el("h2", heading), body], id=ident)


def quoted(text: str, lang: Lang) -> Html:
    """Prose from a scenario or data file, marked as English when the page is not."""
    return el("q", text, lang=None if lang.code == "en" else "en")


def image(chart: Chart) -> Html:
    return el(
        "img", src=chart.uri, alt=chart.alt, width=chart.width, height=chart.height, class_="chart"
    )


def headline(runs: Sequence[ScenarioRun], lang: Lang) -> Html:
    """Each target's probability in each scenario, with its interval and a plain reading."""
    first = runs[0].result
    start = first.initial
    if first.replications:
        runs_text = lang.t("runs_replicates", n=lang.number(first.replications))
    else:
        runs_text = lang.t("runs_exact")
    intro = lang.t(
        "headline_intro",
        year=start.year,
        total=lang.number(start.total),
        members=lang.number(start.members),
        runs=runs_text,
        seed=first.seed,
        engine=first.engine,
    )
    headers: list[Content] = [lang.t("target"), lang.t("year")]
    headers += [el("span", run.name, class_="scenario-name") for run in runs]
    rows = []
    for name, est in first.targets.items():
        row: list[Content] = [
            [el("span", target_text(est, lang), class_="target"), el("code", name)],
            str(est.target.year),
        ]
        for run in runs:
            other = run.result.targets.get(name)
            row.append(_probability_cell(other, lang) if other else "–")
        rows.append(row)
    parts = [el("p", intro), *_origin(first, lang), table(headers, rows, class_="headline")]
    parts.append(_by_when(runs, lang))
    return section("headline", lang.t("headline"), parts)


def _origin(result, lang: Lang) -> list[Html]:
    """For a forecast started at a report: its date and the figures it is conditioned on."""
    if result.origin is None:
        return []
    figures = [el("li", el("code", line)) for line in result.origin["conditioned_on"]]
    return [el("p", lang.t("origin_intro", date=result.origin["date"])), el("ul", figures)]


def _probability_cell(est, lang: Lang) -> Html:
    low, high = est.ci95
    return Html(
        el("span", lang.probability(est.probability), class_="p")
        + " "
        + el("span", lang.interval(low, high), class_="ci")
        + bar(est.probability)
        + el("span", lang.likelihood(est.probability), class_="reading")
    )


def _by_when(runs: Sequence[ScenarioRun], lang: Lang) -> Html:
    """First year a level is met (median over futures) and P(met by the horizon)."""
    timings = [time_to_target(run.result) for run in runs]
    names = [n for n in timings[0] if all(n in t for t in timings)]
    if not names:
        return Html("")
    horizon = runs[0].result.years[-1]
    rows = []
    for name in names:
        entry0 = timings[0][name]
        row: list[Content] = [level_sentence(entry0.target, lang)]
        for timing in timings:
            entry = timing[name]
            by_year = entry.met_by_year
            if by_year is None:
                assert entry.bounds is not None
                low, high = entry.bounds[-1]
                row.append(
                    lang.t(
                        "bounds_cell",
                        horizon=horizon,
                        low=lang.probability(low),
                        high=lang.probability(high),
                    )
                )
            elif entry.median_year is None:
                row.append(
                    lang.t("not_by_horizon", horizon=horizon, p=lang.probability(by_year[-1]))
                )
            else:
                row.append(
                    lang.t(
                        "first_year_cell",
                        year=entry.median_year,
                        horizon=horizon,
                        p=lang.probability(by_year[-1]),
                    )
                )
        rows.append(row)
    headers: list[Content] = [lang.t("target"), *[run.name for run in runs]]
    return Html(
        el("h3", lang.t("by_when"))
        + el("p", lang.t("by_when_intro", horizon=horizon))
        + table(headers, rows)
    )


def fans(runs: Sequence[ScenarioRun], lang: Lang) -> Html:
    """Every scenario's fan charts: cooperatives alive, founded, and each targeted metric."""
    parts: list[Content] = [el("p", lang.t("fans_intro"))]
    for run in runs:
        charts = [fan_chart(run.result, metric, lang) for metric in charted_metrics(run.result)]
        parts.append(
            el(
                "article",
                [
                    el("h3", lang.t("scenario_heading", name=run.name)),
                    el("p", quoted(run.loaded.scenario.description, lang))
                    if run.loaded.scenario.description
                    else None,
                    el("div", [el("figure", image(chart)) for chart in charts], class_="charts"),
                ],
                class_="scenario",
            )
        )
    return section("forecasts", lang.t("fans"), parts)


def comparison(rows: Sequence[ComparisonRow], runs: Sequence[ScenarioRun], lang: Lang) -> Html:
    """Each scenario against the first (coopsim.compare): probabilities, paired differences,
    the replicates that go either way, and a chart."""
    first = runs[0]
    body = []
    for row in rows:
        if row.reference:
            difference: Content = el("span", lang.t("reference"), class_="muted")
            either: Content = "–"
        else:
            difference = lang.t(
                "points",
                value=_points(row.difference, lang),
                low=_points(row.difference_low, lang),
                high=_points(row.difference_high, lang),
            )
            either = f"{lang.probability(row.better)} / {lang.probability(row.worse)}"
        est = first.result.targets[row.target]
        body.append(
            [
                target_text(est, lang),
                el("span", row.scenario, class_="scenario-name"),
                f"{lang.probability(row.probability)} {lang.interval(row.low, row.high)}",
                difference,
                either,
            ]
        )
    headers: list[Content] = [
        lang.t("target"),
        lang.t("scenario"),
        lang.t("probability_ci"),
        lang.t("difference"),
        lang.t("better"),
    ]
    points = [ProbabilityPoint(r.target, r.scenario, r.probability, r.low, r.high) for r in rows]
    sentences = {
        name: target_sentence(est.target, lang) for name, est in first.result.targets.items()
    }
    labels = list(dict.fromkeys(r.scenario for r in rows))
    chart = comparison_chart(points, sentences, labels, lang)
    result = first.result
    note = lang.t("comparison_source", engine=result.engine, n=lang.number(result.replications))
    return section(
        "comparison",
        lang.t("comparison"),
        [
            el("p", lang.t("comparison_intro", first=first.name)),
            table(headers, body, class_="comparison"),
            el("figure", image(chart)),
            el("p", note, class_="muted"),
        ],
    )


def _points(difference: float, lang: Lang) -> str:
    """A difference of probabilities in percentage points, with its sign."""
    sign = "+" if difference > 0 else ""
    return sign + lang.number(100 * difference, 1)


def goals(
    rows: Sequence[GoalRow], runs: Sequence[ScenarioRun], probability: float, lang: Lang
) -> Html:
    """For each target of the first scenario, the lever value that would reach it."""
    intro = lang.t("goal_intro", scenario=runs[0].name, probability=lang.probability(probability))
    first = runs[0].result
    body = []
    for row in rows:
        est = first.targets[row.target]
        if row.lever is None:
            body.append([target_text(est, lang), (lang.t("no_lever"), "muted"), "–", "–", "–"])
            continue
        if row.reachable:
            needed: Content = [el("strong", lang.general(row.value))]
            if row.decreasing:
                needed += [el("br"), el("span", lang.t("decreasing"), class_="muted")]
        else:
            needed = lang.t(
                "unreachable",
                value=lang.general(row.best_value),
                probability=lang.probability(row.best_probability),
            )
        reached = lang.probability(row.probability) if row.reachable else "–"
        if row.stderr and row.reachable:
            reached += f" ± {lang.probability(Z95 * row.stderr).rstrip('%')}"
        body.append(
            [
                target_text(est, lang),
                [el("code", row.lever), el("br"), quoted(row.description, lang)]
                if row.description
                else el("code", row.lever),
                [
                    lang.general(row.current),
                    el("br"),
                    el(
                        "span",
                        f"P = {lang.probability(row.current_probability)}",
                        class_="muted nowrap",
                    ),
                ],
                needed,
                reached,
            ]
        )
    headers: list[Content] = [
        lang.t("target"),
        lang.t("lever"),
        lang.t("current"),
        lang.t("needed"),
        lang.t("reached"),
    ]
    return section("goal", lang.t("goal"), [el("p", intro), table(headers, body)])
