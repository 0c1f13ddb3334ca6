"""Exports: the page's settings as a scenario file that `extends` the chosen one with only
the changed settings, and the policy brief of it (coopsim.brief), both in the export folder.

An existing file is replaced only if the explorer wrote it (its first line says so, or, for a
brief, it holds coopsim's provenance record); any other is left alone and the export refused.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from coopsim.app.answers import Answer
from coopsim.app.changes import Applied
from coopsim.app.jobs import Job
from coopsim.app.library import ScenarioLibrary
from coopsim.brief.api import report, write_file
from coopsim.defaults import DEFAULT_REPLICATIONS
from coopsim.errors import InputError
from coopsim.inputs.scenario import load_scenario
from coopsim.inputs.scenario_files import to_toml

#: The first line of every scenario file the explorer writes.
HEADER = "# Exported by coopsim app"
#: What every brief coopsim writes holds (its provenance record).
BRIEF_MARK = 'id="provenance-record"'


def scenario_text(applied: Applied, out: Path) -> str:
    """The scenario file: comments, `extends` (relative to `out`) and the changed settings."""
    base = applied.base.path
    changed = applied.changed_values()
    lines = [
        f"{HEADER} on {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}.",
        f"# It extends {base.name} and sets only what was changed there:",
    ]
    current = {lever.path: lever.value for lever in applied.base.levers}
    lines += [f"#   {path}: {current.get(path)} -> {value}" for path, value in changed.items()]
    if not changed:
        lines.append("#   nothing: this scenario is the one it extends.")
    nested: dict[str, object] = {"extends": os.path.relpath(base, out.parent)}
    for path, value in changed.items():
        node = nested
        *tables, key = path.split(".")
        for table in tables:
            node = node.setdefault(table, {})  # type: ignore[assignment]
        node[key] = value
    return "\n".join(lines) + "\n\n" + to_toml(nested)


def _replaceable(path: Path, mark: str) -> bool:
    """Whether an existing file is one the explorer (or coopsim) wrote."""
    if not path.exists():
        return True
    if not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as stream:
        head = stream.read(200_000 if mark == BRIEF_MARK else 200)
    return head.startswith(mark) if mark == HEADER else mark in head


def _target(library: ScenarioLibrary, name: object, suffix: str, mark: str) -> Path:
    out = library.export_path(name, suffix)
    if not _replaceable(out, mark):
        raise InputError(
            "name", f"{out} exists and was not written by coopsim; choose another name"
        )
    return out


def export_scenario(library: ScenarioLibrary, answer: Answer, name: object) -> Path:
    """Write the scenario file of an answer's settings; it is checked by loading it back."""
    out = _target(library, name, ".toml", HEADER)
    write_file(out, scenario_text(answer.applied, out), overwrite=True)
    load_scenario(out)
    return out


def export_brief(
    job: Job, library: ScenarioLibrary, answer: Answer, name: object, lang: str
) -> Path:
    """Write the scenario file, then the policy brief of it, with the page's engine and seed."""
    out = _target(library, name, ".html", BRIEF_MARK)
    scenario = export_scenario(library, answer, name)
    job.check()
    report(
        [scenario],
        lang=lang,
        replications=answer.replications or DEFAULT_REPLICATIONS,
        seed=answer.seed,
        engine=answer.choice.name,
        out=out,
        overwrite=True,
    )
    return out
