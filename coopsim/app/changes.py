"""The page's changes to a scenario, checked exactly as `--set PATH=VALUE` is checked.

A change names one of the scenario's movable settings (`coopsim levers`) and carries the
text typed or dragged; it is applied by `load_scenario(path, ["PATH=TEXT", ...])` and the
plan compiled against the region, as `coopsim validate --set` does, so a refused value
gets the very message the command line prints. Only movable settings may change: a setting
such as `region` (a file name) is refused, so no change can make the explorer read a file.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from coopsim.analyses.origin import at_latest_report
from coopsim.defaults import DEFAULT_SEED
from coopsim.errors import DataInconsistencyWarning, InputError, problems_of
from coopsim.inputs.region_data import LoadedRegion, region_for
from coopsim.inputs.scenario import LoadedScenario, load_scenario
from coopsim.inputs.scenario_files import parse_override
from coopsim.inputs.settings import LeverSetting, find_lever, list_levers
from coopsim.model.plan import SimulationPlan, compile_plan

#: The longest value text a control may send.
MAX_TEXT = 100
#: (setting path, value text) pairs in path order: a change set, hashable for caching.
Changes = tuple[tuple[str, str], ...]


class Refused(Exception):
    """Changes that `--set` would refuse: one message per setting (or '' for the whole)."""

    def __init__(self, messages: dict[str, str]) -> None:
        self.messages = messages
        super().__init__("; ".join(messages.values()))


@dataclass(frozen=True)
class Base:
    """A scenario file as written: loaded, its region, its plan and its movable settings."""

    path: Path
    loaded: LoadedScenario
    region: LoadedRegion
    plan: SimulationPlan
    levers: tuple[LeverSetting, ...]

    @property
    def paths(self) -> list[str]:
        return [lever.path for lever in self.levers]


@dataclass(frozen=True)
class Applied:
    """A scenario with changes applied and checked: what every answer is computed from."""

    base: Base
    changes: Changes
    loaded: LoadedScenario
    plan: SimulationPlan
    #: A start at the latest report within the first year, as summary.json says it (None: none).
    origin: dict[str, object] | None = None

    @property
    def overrides(self) -> list[str]:
        """The changes as `--set` arguments."""
        return [f"{path}={text}" for path, text in self.changes]

    def changed_values(self) -> dict[str, object]:
        """The changes whose value differs from the file's, as typed values (for exports)."""
        current = {lever.path: lever.value for lever in self.base.levers}
        found = {}
        for path, text in self.changes:
            _, value = parse_override(f"{path}={text}")
            if current.get(path) is None or float(current[path]) != float(value):
                found[path] = value
        return found


def load_base(path: Path) -> Base:
    """Read a scenario file and everything about it that no change alters."""
    loaded = load_scenario(path)
    with warnings.catch_warnings():  # the page lists the region's inconsistencies itself
        warnings.simplefilter("ignore", DataInconsistencyWarning)
        region = region_for(loaded.scenario, loaded.path)
    plan = compile_plan(loaded.scenario, region.data)
    return Base(path, loaded, region, plan, tuple(list_levers(loaded.scenario)))


def as_changes(base: Base, sent: object) -> Changes:
    """The page's {path: value} as checked change pairs; unknown paths and values that are
    not short texts or numbers are refused, naming the setting."""
    if not isinstance(sent, Mapping):
        raise Refused({"": "changes must be an object of setting path -> value"})
    refused: dict[str, str] = {}
    pairs = []
    for path, value in sent.items():
        try:
            find_lever(base.loaded.scenario, str(path), option="--set")
        except InputError as error:
            refused[str(path)] = str(error)
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            refused[path] = f"--set {path}: give a number (got {value!r})"
            continue
        text = value if isinstance(value, str) else repr(value)
        if len(text) > MAX_TEXT or "\n" in text or "\r" in text:
            refused[path] = f"--set {path}: a value is one line of at most {MAX_TEXT} characters"
            continue
        pairs.append((path, text.strip()))
    if refused:
        raise Refused(refused)
    return tuple(sorted(pairs))


def apply_changes(base: Base, changes: Changes, seed: int = DEFAULT_SEED) -> Applied:
    """The scenario with `changes` applied as `--set` would apply them, or Refused with the
    message `coopsim validate --set` prints for each setting it refuses; a region's report
    within the first year is started at as `coopsim forecast --seed SEED` starts at it."""
    overrides = [f"{path}={text}" for path, text in changes]
    try:
        loaded = load_scenario(base.path, overrides)
        plan = compile_plan(loaded.scenario, base.region.data)
        # start draws as `coopsim forecast` draws them for up to MIN_START_DRAWS replicates
        plan, origin = at_latest_report(
            plan, loaded.scenario, base.region.data, replications=1, seed=seed
        )
    except InputError as error:
        raise Refused(_by_setting(error, changes)) from None
    return Applied(base, changes, loaded, plan, origin)


def _by_setting(error: InputError, changes: Changes) -> dict[str, str]:
    """Each problem under the setting its message names (the whole change set otherwise)."""
    messages: dict[str, list[str]] = {}
    for problem in problems_of(error):
        text = str(problem)
        owner = next(
            (path for path, value in changes if f"--set {path}={value}" in text or path in text),
            "",
        )
        messages.setdefault(owner, []).append(text)
    return {path: "\n".join(lines) for path, lines in messages.items()}
