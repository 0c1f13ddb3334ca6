"""What the page is sent, as JSON: the scenario list, a scenario's settings and targets,
and an answer's table and charts, with every word and number in the page's language."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from coopsim.app.answers import Answer
from coopsim.app.changes import Base
from coopsim.app.charts import chart_metrics
from coopsim.app.jobs import JobBoard
from coopsim.app.library import ScenarioLibrary
from coopsim.app.words import word, words
from coopsim.brief.background import sources
from coopsim.brief.catalogue import LANGUAGES, Lang
from coopsim.brief.runs import ScenarioRun
from coopsim.brief.wording import region_name, target_sentence
from coopsim.errors import InputError
from coopsim.inputs.settings import LeverSetting


def language(code: object) -> Lang:
    """The page's language, or an input error naming the field and the languages there are."""
    if code not in LANGUAGES:
        raise InputError("lang", f"unknown language {code!r}; choose from {', '.join(LANGUAGES)}")
    return Lang(str(code))


def scenario_list(library: ScenarioLibrary) -> list[dict[str, Any]]:
    """Every scenario the page may open: the given files, then the exports."""
    return [
        {"id": entry.id, "group": "yours" if entry.exported else "bundled"}
        for entry in library.entries()
    ]


def step(lever: LeverSetting) -> float:
    """A slider's step: 1 for whole numbers, else a power of ten about a 200th of the range."""
    span = lever.max - lever.min
    if lever.integer or span <= 0:
        return 1.0
    return 10.0 ** math.floor(math.log10(span / 200))


def _lever_note(lever: LeverSetting, lang: Lang) -> str:
    """A setting's range and its value in the file, in `lang` ('range 0 to 105; ...')."""
    shown = "–" if lever.value is None else lang.general(lever.value)
    span = word(lang, "range", low=lang.general(lever.min), high=lang.general(lever.max))
    return f"{span}; {word(lang, 'file_value', value=shown)}"


def scenario_view(base: Base, scenario_id: str, lang: Lang, reference: Answer) -> dict[str, Any]:
    """A scenario's title, settings (with ranges), targets and the data it is calibrated to."""
    scenario = base.loaded.scenario
    region = base.region.data
    levers = [
        {
            "path": lever.path,
            "value": lever.value,
            "min": lever.min,
            "max": lever.max,
            "step": step(lever),
            "integer": lever.integer,
            "description": lever.description,
            "note": _lever_note(lever, lang),
        }
        for lever in base.levers
    ]
    targets = [
        {"name": name, "text": target_sentence(target, lang), "metric": target.metric}
        for name, target in scenario.targets.items()
    ]
    # The data section reads only the run's region; the reference run may still be running.
    run = ScenarioRun(base.loaded, base.region, cast(Any, reference.result))
    return {
        "id": scenario_id,
        "name": scenario.name,
        "description": scenario.description,
        "title": word(lang, "title", region=region_name(region, lang)),
        "levers": levers,
        "targets": targets,
        "sources": str(sources([run], lang)),
        "words": words(lang.code),
    }


def answer_view(answer: Answer, lang: Lang, jobs: JobBoard, folder: Path) -> dict[str, Any]:
    """An answer's state, target table, charts and the command that reproduces it."""
    with answer.lock:
        result, version = answer.result, answer.version
        differences = answer.differences()
    state, done, total, error = "done", 0, 0, ""
    if answer.job is not None:
        job = jobs.get(answer.job)
        state, done, total, error = job.state, job.done, job.total, job.error
    rows = []
    if result is not None:
        reference = answer.reference
        for name, estimate in result.targets.items():
            low, high = estimate.ci95
            before = reference.targets[name].probability if reference is not None else math.nan
            diff = differences.get(name)
            rows.append(
                {
                    "name": name,
                    "text": target_sentence(estimate.target, lang),
                    "probability": estimate.probability,
                    "shown": lang.percent(estimate.probability, 1),
                    "interval": word(lang, "exact") if answer.exact else _interval(lang, low, high),
                    "before": lang.percent(before, 1),
                    "difference": _difference(lang, diff) if diff is not None else "",
                }
            )
    status = (
        word(lang, "engine_exact")
        if answer.exact
        else word(
            lang,
            "engine_mc",
            engine=answer.choice.name,
            done=lang.number(result.replications if result is not None else 0),
            total=lang.number(answer.replications),
            seed=answer.seed,
        )
    )
    origin = answer.applied.origin
    if origin is not None:
        status += " " + word(lang, "origin_status", date=origin["date"])
    charts = []
    if result is not None:
        for metric in chart_metrics(result):
            url = f"api/chart/{answer.id}/{version}/{quote(metric)}.png?lang={lang.code}"
            charts.append({"metric": metric, "url": url, "alt": lang.metric_label(metric)})
    return {
        "answer": answer.id,
        "version": version,
        "exact": answer.exact,
        "engine": answer.choice.name,
        "reason": answer.choice.reason,
        "state": state,
        "done": done,
        "total": total,
        "final": answer.exact or (state == "done"),
        "status": status,
        "rows": rows,
        "charts": charts,
        "changed": len(answer.applied.changed_values()),
        "changes": dict(answer.applied.changes),
        "command": answer.command(folder),
        "error": error,
    }


def _interval(lang: Lang, low: float, high: float) -> str:
    return f"[{lang.percent(low, 1)}, {lang.percent(high, 1)}]"


def _difference(lang: Lang, diff: Any) -> str:
    """A difference in percentage points, signed, with its interval when it has width."""

    def points(x: float) -> str:
        if abs(100 * x) < 0.05:
            return lang.number(0.0, 1)
        text = lang.number(100 * x, 1)
        return text if text.startswith("−") else "+" + text

    if diff.low == diff.high:
        return points(diff.value)
    return f"{points(diff.value)} [{points(diff.low)}, {points(diff.high)}]"
