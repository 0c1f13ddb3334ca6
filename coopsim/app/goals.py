"""'What would it take' on the page: coopsim.goal_seek on the scenario as changed, with the
engine and seed of the page's answers, so the value found reproduces what the page shows."""

from __future__ import annotations

from typing import Any

from coopsim.analyses.goal_seek import GoalSeekResult, goal_seek
from coopsim.app.answers import Answer
from coopsim.app.jobs import Job
from coopsim.app.words import word
from coopsim.brief.catalogue import Lang
from coopsim.errors import InputError
from coopsim.inputs.settings import find_lever
from coopsim.runs.executors import Executor


def wanted_probability(sent: object) -> float:
    """The probability to reach, from the page: a number strictly between 0 and 1."""
    try:
        value = float(sent)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(
            "--probability", f"must be a number between 0 and 1 (got {sent!r})"
        ) from None
    if not 0 < value < 1:
        raise InputError("--probability", f"must be strictly between 0 and 1 (got {value:g})")
    return value


def check_goal(answer: Answer, target: object, lever: object, probability: object) -> float:
    """Refuse, before any work, an unknown target or setting or a bad probability."""
    scenario = answer.applied.loaded.scenario
    if not isinstance(target, str) or target not in scenario.targets:
        allowed = ", ".join(scenario.targets)
        raise InputError("--target", f"unknown target {target!r}; this scenario's: {allowed}")
    find_lever(scenario, str(lever))
    return wanted_probability(probability)


def seek(
    job: Job, answer: Answer, target: str, lever: str, probability: float, executor: Executor
) -> GoalSeekResult:
    """Search the setting's range; each value tried advances the job (and may cancel it)."""

    def tried(_: object) -> None:
        job.done += 1
        job.check()

    job.total = 0  # unknown in advance: the page shows the values tried
    return goal_seek(
        answer.applied.loaded.scenario,
        target,
        lever,
        probability,
        replications=None if answer.exact else answer.replications,
        seed=answer.seed,
        engine=answer.choice.name,
        region=answer.applied.base.region,
        report=tried,
        executor=executor,
    )


def goal_view(found: GoalSeekResult, lang: Lang) -> dict[str, Any]:
    """The search's answer for the page, its sentence in `lang`."""
    values = {
        "lever": found.lever.path,
        "value": lang.general(found.value),
        "p": lang.percent(found.probability, 1),
        "wanted": lang.percent(found.wanted, 0),
    }
    key = "goal_found" if found.reachable else "goal_unreachable"
    return {
        "lever": found.lever.path,
        "value": found.value,
        "probability": found.probability,
        "reachable": found.reachable,
        "text": word(lang, key, **values),
        "note": found.note,
    }
