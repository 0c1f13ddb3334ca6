"""The settings a goal seek or a sensitivity analysis can move: dotted path, value, range, meaning.

Every setting is addressed by the dotted path that `--set PATH=VALUE` takes, so a value found by
an analysis can be replayed with `coopsim forecast --set`. Ranges combine the schema's hard
constraints (a rate is at least 0, a probability lies in [0, 1]) with documented plausible
bounds, named in each setting's `basis`, and always contain the current value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from coopsim.errors import InputError
from coopsim.inputs.scenario import Scenario
from coopsim.inputs.scenario_files import Key
from coopsim.inputs.validation import validate

CLASSES = ("good", "fair", "average", "weak")
UPGRADE_TO = {"fair": "good", "average": "fair", "weak": "average"}
DOWNGRADE_TO = {"good": "fair", "fair": "average", "average": "weak"}

#: Why each kind of setting has the range it has (the `basis` of a LeverSetting).
BASIS: dict[str, str] = {
    "founding_mean": "schema: at least 0; up to 3x the current mean (at least 10), about the "
    "top of the founding calibration prior's 99.9% range (lognormal, sdlog 0.35: 0.32-3.2x)",
    "dispersion": "schema: above 0; 0.5 (founding in sharp campaigns) to 100 (close to "
    "Poisson), covering the calibration prior's 99.9% range (lognormal, median 8, sdlog 0.75: "
    "0.7-94)",
    "hazard": "schema: at least 0; a fifth to 5x the current rate, the calibration priors' "
    "99.9% range on rate scales (lognormal, sdlog 0.5: 0.19-5.2x)",
    "multiplier": "schema: at least 0; halving to doubling the hazard (or half to twice the "
    "current multiplier, if wider): wider than every plausible range the bundled scenarios "
    "give (1.0-1.6 on upgrades, 0.8-1.0 on downgrades)",
    "probability": "schema: a probability, 0 to 1",
    "budget": "schema: at least 0; up to 3x the current budget",
    "capacity": "schema: a whole number, at least 0; up to 3x the current capacity (at least 10)",
    "groups_per_year": "schema: at least 0; up to 3x the current inflow (at least 100 a year, "
    "about three times the pool's net change of 2016-2023)",
}


@dataclass(frozen=True)
class LeverSetting:
    """One movable setting: its `--set` path, current value, allowed range and meaning."""

    path: str
    value: float | None
    min: float
    max: float
    description: str
    basis: str
    integer: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The JSON object of `coopsim levers --json`."""
        return {
            "path": self.path,
            "value": self.value,
            "min": self.min,
            "max": self.max,
            "description": self.description,
            "range_basis": self.basis,
        }

    def contains(self, value: float) -> bool:
        """Whether a value lies within the range (and is whole, for whole-number settings)."""
        whole = not self.integer or float(value).is_integer()
        return self.min <= value <= self.max and whole


def _range(kind: str, value: float | None) -> tuple[float, float]:
    """The allowed range of a setting of this kind, widened to contain its current value."""
    v = 0.0 if value is None else float(value)
    low, high = {
        "founding_mean": (0.0, max(3 * v, 10.0)),
        "dispersion": (0.5, 100.0),
        "hazard": (v / 5, 5 * v) if v > 0 else (0.0, 1.0),
        "multiplier": (min(0.5, v / 2), max(2.0, 2 * v)),
        "probability": (0.0, 1.0),
        "budget": (0.0, 3 * v),
        "capacity": (0.0, max(3 * v, 10.0)),
        "groups_per_year": (0.0, max(3 * v, 100.0)),
    }[kind]
    if value is not None:
        low, high = min(low, v), max(high, v)
    return _tidy(low), _tidy(high)


def _tidy(x: float) -> float:
    """A bound without floating-point dust (12 significant digits)."""
    return float(f"{x:.12g}")


def _setting(
    path: str, value: float | None, kind: str, description: str, integer: bool = False
) -> LeverSetting:
    """A setting with the range and basis of its kind."""
    low, high = _range(kind, value)
    return LeverSetting(path, value, low, high, description, BASIS[kind], integer)


def list_levers(scenario: Scenario) -> list[LeverSetting]:
    """Every setting of `scenario` that a goal seek or sensitivity analysis may move, with
    its dotted path (for `with_setting` and `--set`), value, range and meaning.

    >>> import coopsim
    >>> levers = coopsim.list_levers(coopsim.load_scenario("scenarios/baseline.toml").scenario)
    >>> levers[0].path, levers[0].value, (levers[0].min, levers[0].max)
    ('founding.mean_per_year', 35.0, (0.0, 105.0))
    """
    found = scenario.founding
    out = [
        _setting(
            "founding.mean_per_year",
            found.mean_per_year,
            "founding_mean",
            "Cooperatives founded directly per year on average, before founding multipliers",
        ),
        _setting(
            "founding.dispersion",
            found.dispersion,
            "dispersion",
            "Gamma shape of the yearly founding rate: lower means more campaign-driven years"
            + (" (now unset: Poisson founding)" if found.dispersion is None else ""),
        ),
    ]
    if found.from_groups is not None:
        groups = found.from_groups
        out += [
            _setting(
                "founding.from_groups.conversion_per_year",
                groups.conversion_per_year,
                "hazard",
                "Hazard per year of each cooperative group converting into a cooperative",
            ),
            _setting(
                "founding.from_groups.new_groups_per_year",
                groups.new_groups_per_year,
                "groups_per_year",
                "Cooperative groups joining the pool at each year's start, on average",
            ),
        ]
    quality = scenario.quality
    for c, up in UPGRADE_TO.items():
        out.append(
            _setting(
                f"quality.upgrade_per_year.{c}",
                getattr(quality.upgrade_per_year, c),
                "hazard",
                f"Hazard per year of {_a(c)} cooperative moving up to {up}",
            )
        )
    for c, down in DOWNGRADE_TO.items():
        out.append(
            _setting(
                f"quality.downgrade_per_year.{c}",
                getattr(quality.downgrade_per_year, c),
                "hazard",
                f"Hazard per year of {_a(c)} cooperative moving down to {down}",
            )
        )
    for c in CLASSES:
        out.append(
            _setting(
                f"quality.dissolution_per_year.{c}",
                getattr(quality.dissolution_per_year, c),
                "hazard",
                f"Hazard per year of {_a(c)} cooperative dissolving",
            )
        )
    for name, lever in scenario.levers.items():
        when = f"from {lever.start}" + (f" to {lever.end}" if lever.end else "")
        for effect in ("upgrade", "downgrade", "dissolution", "founding", "group_conversion"):
            out.append(
                _setting(
                    f"levers.{name}.effects.{effect}",
                    getattr(lever.effects, effect),
                    "multiplier",
                    f"Lever '{name}' ({lever.group}, {when}): multiplier on "
                    + _effect_words(effect, lever.classes),
                )
            )
    for name, programme in scenario.programmes.items():
        prefix = f"programmes.{name}"
        out += [
            _setting(
                f"{prefix}.budget_million_vnd",
                programme.budget_million_vnd,
                "budget",
                f"Programme '{name}': total budget (million VND; "
                f"{programme.cost_per_cooperative_million_vnd:g} per cooperative)",
            ),
            _setting(
                f"{prefix}.capacity_per_year",
                programme.capacity_per_year,
                "capacity",
                f"Programme '{name}': cooperatives it can take on at each yearly round",
                integer=True,
            ),
        ]
        for effect in ("upgrade", "downgrade", "dissolution"):
            out.append(
                _setting(
                    f"{prefix}.effects.{effect}",
                    getattr(programme.effects, effect),
                    "multiplier",
                    f"Programme '{name}': multiplier on supported cooperatives' {effect} hazard",
                )
            )
    law = scenario.law_2023
    if law is not None:
        out.append(
            _setting(
                "law_2023.founding_multiplier",
                law.founding_multiplier,
                "multiplier",
                f"2023 Law: multiplier on direct founding from {law.in_force}",
            )
        )
        for c in CLASSES:
            out.append(
                _setting(
                    f"law_2023.removal_at_deadline.{c}",
                    getattr(law.removal_at_deadline, c),
                    "probability",
                    f"2023 Law: probability that {_a(c)} cooperative is removed at the charter "
                    f"deadline ({law.charter_deadline})",
                )
            )
    for name, cleanup in scenario.cleanups.items():
        for c in CLASSES:
            out.append(
                _setting(
                    f"cleanups.{name}.removal_probability.{c}",
                    getattr(cleanup.removal_probability, c),
                    "probability",
                    f"Clean-up '{name}' ({cleanup.date}): probability that {_a(c)} cooperative "
                    "is removed",
                )
            )
    return out


def _a(word: str) -> str:
    """The word with its indefinite article ('an average', 'a weak')."""
    return ("an " if word[0] in "aeiou" else "a ") + word


def _effect_words(effect: str, classes: list[str]) -> str:
    """What a lever effect multiplies, in words."""
    if effect == "founding":
        return "direct founding"
    if effect == "group_conversion":
        return "cooperative groups' conversion"
    return f"{effect} hazards of {', '.join(classes)} cooperatives"


def find_lever(scenario: Scenario, path: str, option: str = "--lever") -> LeverSetting:
    """The setting at `path`, or an InputError naming `option` and the paths allowed."""
    settings = {s.path: s for s in list_levers(scenario)}
    if path not in settings:
        import difflib

        close = difflib.get_close_matches(path, list(settings), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise InputError(
            option,
            f"unknown lever path '{path}'; {hint}this scenario's levers are: "
            + ", ".join(settings)
            + " (see `coopsim levers SCENARIO`)",
        )
    return settings[path]


def with_setting(scenario: Scenario, path: str, value: Any) -> Scenario:
    """A copy of `scenario` with the setting at dotted `path` changed to `value`, validated
    again exactly as `--set PATH=VALUE` would be (bad values raise InputError): the way to
    change a scenario in code, with the paths `coopsim levers` lists.

    >>> import coopsim
    >>> base = coopsim.load_scenario("scenarios/resolution20.toml").scenario
    >>> stronger = coopsim.with_setting(base, "levers.credit.effects.upgrade", 1.3)
    >>> stronger.levers["credit"].effects.upgrade, base.levers["credit"].effects.upgrade
    (1.3, 1.1)
    """
    data = scenario.model_dump(mode="python", exclude={"extends", "replace"})
    key: Key = tuple(path.split("."))
    node = data
    for part in key[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise InputError("--set", f"{path}: {part} is not a table")
        node = child
    node[key[-1]] = value
    return validate(Scenario, data, f"--set {path}={value}")


def setting_value(value: float, integer: bool) -> float | int:
    """A value as the schema takes it: whole-number settings as int, others as float."""
    if integer:
        if not math.isclose(value, round(value)):
            raise ValueError(f"{value} is not a whole number")
        return round(value)
    return float(value)
