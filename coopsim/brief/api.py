"""`coopsim.report`: scenarios in, one self-contained HTML policy brief out."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coopsim.brief import background, sections
from coopsim.brief.catalogue import LANGUAGES, Lang
from coopsim.brief.goals import GoalRow, check_goal_lever, what_it_would_take
from coopsim.brief.page import page
from coopsim.brief.runs import (
    ComparisonRow,
    ScenarioRun,
    SimulationOptions,
    comparison_rows,
    run_scenarios,
)
from coopsim.brief.wording import region_name
from coopsim.defaults import DEFAULT_GOAL_PROBABILITY, DEFAULT_REPLICATIONS, DEFAULT_SEED
from coopsim.errors import InputError
from coopsim.inputs.scenario import LoadedScenario, load_scenario
from coopsim.runs.executors import default_workers
from coopsim.runs.provenance import package_version, provenance

ScenarioSpec = str | Path | LoadedScenario


@dataclass(frozen=True)
class BriefData:
    """Everything a brief shows, computed once and rendered in any language."""

    runs: list[ScenarioRun]
    comparison: list[ComparisonRow] | None
    goals: list[GoalRow]
    goal_probability: float
    record: dict[str, Any]


def report(
    scenarios: ScenarioSpec | Sequence[ScenarioSpec],
    *,
    lang: str = "en",
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    engine: str = "auto",
    workers: int | None = None,
    overrides: Sequence[str] = (),
    goal_lever: str | None = None,
    goal_probability: float = DEFAULT_GOAL_PROBABILITY,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool | None = False,
    argv: list[str] | None = None,
) -> str:
    """The policy brief of one or more scenario files as an HTML string (also written to
    `out` when given, all or nothing, never over an existing file unless `overwrite`).

    >>> import coopsim
    >>> page = coopsim.report(["scenarios/baseline.toml"], lang="vi", replications=200)
    >>> page.startswith("<!DOCTYPE html>")
    True
    """
    check_language(lang)
    if out is not None:
        check_output_file(Path(out), overwrite)
    data = simulate_brief(
        scenarios,
        replications=replications,
        seed=seed,
        engine=engine,
        workers=workers,
        overrides=overrides,
        goal_lever=goal_lever,
        goal_probability=goal_probability,
        progress=progress,
        argv=argv,
    )
    html = render_brief(data, lang)
    if out is not None:
        write_file(Path(out), html, overwrite)
    return html


def simulate_brief(
    scenarios: ScenarioSpec | Sequence[ScenarioSpec],
    *,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = DEFAULT_SEED,
    engine: str = "auto",
    workers: int | None = None,
    overrides: Sequence[str] = (),
    goal_lever: str | None = None,
    goal_probability: float = DEFAULT_GOAL_PROBABILITY,
    progress: bool | None = False,
    argv: list[str] | None = None,
) -> BriefData:
    """Run what a brief needs: the forecasts (one seed for all), the comparison and the goal
    seeks; bad input fails before any simulation."""
    if not 0 < goal_probability < 1:
        raise InputError("--goal-probability", f"must be between 0 and 1 (got {goal_probability})")
    specs = [scenarios] if isinstance(scenarios, str | Path | LoadedScenario) else list(scenarios)
    if not specs:
        raise InputError("scenarios", "give at least one scenario file")
    loaded = [s if isinstance(s, LoadedScenario) else load_scenario(s, overrides) for s in specs]
    check_goal_lever(loaded[0].scenario, goal_lever)
    started = datetime.now(UTC)
    options = SimulationOptions(
        replications, seed, engine, workers or default_workers(), tuple(overrides), progress
    )
    simulated = run_scenarios(loaded, options)
    runs = simulated.runs
    goals = what_it_would_take(runs[0], options, goal_probability, goal_lever)
    paired = simulated.comparison
    comparison = comparison_rows(paired) if paired is not None else None
    record = provenance_record(runs, options, started, datetime.now(UTC), argv)
    return BriefData(runs, comparison, goals, goal_probability, record)


def check_language(code: str) -> Lang:
    """The brief's language, or an input error listing the ones there are."""
    if code not in LANGUAGES:
        raise InputError("--lang", f"unknown language {code!r}; choose from {', '.join(LANGUAGES)}")
    return Lang(code)


def render_brief(data: BriefData, lang: str) -> str:
    """The page of a computed brief in one language (en or vi)."""
    language = check_language(lang)
    return _page(data, language)


def _page(data: BriefData, lang: Lang) -> str:
    """Assemble the sections into the page."""
    runs, record = data.runs, {**data.record, "language": lang.code}
    first = runs[0].result
    region = region_name(first.region, lang)
    parts = [
        ("headline", lang.t("headline"), sections.headline(runs, lang)),
        ("forecasts", lang.t("fans"), sections.fans(runs, lang)),
    ]
    if data.comparison is not None:
        html = sections.comparison(data.comparison, runs, lang)
        parts.append(("comparison", lang.t("comparison"), html))
    parts += [
        ("goal", lang.t("goal"), sections.goals(data.goals, runs, data.goal_probability, lang)),
        ("assumptions", lang.t("assumptions"), background.assumptions(runs, lang)),
        ("sources", lang.t("sources"), background.sources(runs, lang)),
        ("provenance", lang.t("provenance"), background.provenance_section(record, lang)),
    ]
    version = record["coopsim_version"]
    return page(
        lang,
        lang.t("title", region=region),
        [
            lang.t("subtitle", first=first.years[0], last=first.years[-1]),
            " · ".join(run.name for run in runs),
        ],
        parts,
        lang.t("footer", version=version, date=record["finished"][:10]),
        f"coopsim {version}",
    )


def provenance_record(
    runs: Sequence[ScenarioRun],
    options: SimulationOptions,
    started: datetime,
    finished: datetime,
    argv: list[str] | None,
) -> dict[str, Any]:
    """The brief's provenance: the run settings and each scenario's provenance document."""
    entries = []
    for run in runs:
        entry = provenance(
            run.loaded,
            run.region,
            seed=options.seed,
            replications=options.replications,
            engine=run.result.engine,
            workers=options.workers or 1,
            started=started,
            finished=finished,
            argv=argv,
        )
        entry.pop("command")
        entries.append({"name": run.name, "engine_reason": run.result.engine_reason, **entry})
    return {
        "coopsim_version": package_version("coopsim"),
        "command": argv if argv is not None else sys.argv,
        "seed": options.seed,
        "replications": options.replications,
        "engine": options.engine,
        "overrides": list(options.overrides),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "scenarios": entries,
    }


def check_output_file(out: Path, overwrite: bool) -> None:
    """Refuse, before any work, an output path that would lose a user's file."""
    if out.is_dir():
        raise InputError("--out", f"{out} is a folder; give the path of the HTML file to write")
    if out.exists() and not overwrite:
        raise InputError(
            "--out", f"{out} exists; choose another name or pass --overwrite to replace it"
        )
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError("--out", f"the parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError("--out", f"the parent folder {parent} is not writable")


def write_file(out: Path, text: str, overwrite: bool) -> None:
    """Write to a hidden temporary file beside `out`, then rename it into place."""
    check_output_file(out, overwrite)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.partial-", dir=out.resolve().parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # as a plain open() would have made it
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
