"""What a sensitivity analysis varies: levers (settings a policy can move, over their allowed
range) and uncertain parameters (a scenario's calibration priors, over their 5-95% range).

A lever is a dotted scenario path, set as `--set PATH=VALUE` sets it (so the starting stock,
filled from the scenario's rates, follows it too) and drawn uniformly over [min, max]. An
uncertain parameter scales the compiled plan as `forecast --posterior` does, drawn from its
prior restricted to the prior's 5-95% quantiles.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from coopsim.errors import InputError
from coopsim.inputs.priors import PARAMETERS, Prior
from coopsim.inputs.scenario import Scenario
from coopsim.inputs.settings import list_levers
from coopsim.inputs.validation import validate
from coopsim.model.parameter_sets import APPLIED, ParameterSets
from coopsim.model.plan import SimulationPlan

#: Prior quantiles bounding an uncertain parameter's range.
PRIOR_RANGE = (0.05, 0.95)
#: The scenario setting each applied calibration parameter replaces or scales.
PARAMETER_PATHS = {
    "founding_scale": "founding.mean_per_year",
    "founding_dispersion": "founding.dispersion",
    "upgrade_scale": "quality.upgrade_per_year",
    "downgrade_scale": "quality.downgrade_per_year",
    "dissolution_scale": "quality.dissolution_per_year",
}


@dataclass(frozen=True)
class SensitivityInput:
    """One input: a lever (dotted path, uniform over [low, high]) or an uncertain parameter
    (its prior between the 5% and 95% quantiles). `value` is where it stands now: the
    scenario's value for a lever, the prior median for a parameter."""

    name: str
    kind: Literal["lever", "parameter"]
    low: float
    high: float
    value: float
    description: str = ""
    integer: bool = False
    prior: Prior | None = field(default=None, repr=False)

    def at(self, unit: np.ndarray | float) -> np.ndarray:
        """Input values at points of the unit interval (0: low end, 1: high end)."""
        unit = np.asarray(unit, dtype=float)
        if self.prior is not None:
            q_low, q_high = PRIOR_RANGE
            return np.asarray(self.prior.frozen().ppf(q_low + (q_high - q_low) * unit))
        values = self.low + (self.high - self.low) * unit
        return np.round(values) if self.integer else values

    def as_dict(self) -> dict[str, Any]:
        """The input as sensitivity.json lists it."""
        return {
            "name": self.name,
            "kind": self.kind,
            "low": self.low,
            "high": self.high,
            "value": self.value,
            "distribution": (
                f"{self.prior.describe()} between its 5% and 95% quantiles"
                if self.prior is not None
                else "uniform" + (" (whole numbers)" if self.integer else "")
            ),
            "description": self.description,
        }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def lever_inputs(scenario: Scenario) -> list[SensitivityInput]:
    """Every lever of `coopsim levers` that has a value and a range."""
    return [
        SensitivityInput(
            item.path,
            "lever",
            float(item.min),
            float(item.max),
            float(item.value),
            item.description,
            item.integer,
        )
        for item in list_levers(scenario)
        if _is_number(item.value) and item.min < item.max
    ]


def parameter_inputs(scenario: Scenario) -> list[SensitivityInput]:
    """The uncertain parameters a forecast applies, from the scenario's [calibration] priors."""
    if scenario.calibration is None:
        return []
    found = []
    for name, prior in scenario.calibration.priors.items():
        if name not in APPLIED:
            continue  # the stock revision is an observation term, not a forecast parameter
        frozen = prior.frozen()
        low, high = (float(frozen.ppf(q)) for q in PRIOR_RANGE)
        found.append(
            SensitivityInput(
                name,
                "parameter",
                low,
                high,
                float(frozen.median()),
                PARAMETERS[name],
                prior=prior,
            )
        )
    return found


def available_inputs(scenario: Scenario) -> list[SensitivityInput]:
    """Levers, then uncertain parameters; a lever that a parameter replaces (the founding
    dispersion) is left to the parameter."""
    parameters = parameter_inputs(scenario)
    replaced = {PARAMETER_PATHS[p.name] for p in parameters if p.name == "founding_dispersion"}
    return [i for i in lever_inputs(scenario) if i.name not in replaced] + parameters


def parse_input(text: str) -> tuple[str, tuple[float, float] | None]:
    """'NAME' or 'PATH=LOW:HIGH' (a custom range for any numeric setting)."""
    name, sep, span = text.partition("=")
    if not sep:
        return name.strip(), None
    low_text, colon, high_text = span.partition(":")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        low = high = math.nan
    if not colon or not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise InputError(
            "--input", f"'{text}' must look like NAME or PATH=LOW:HIGH with LOW < HIGH"
        )
    return name.strip(), (low, high)


def resolve_inputs(
    scenario: Scenario, requested: Sequence[str | SensitivityInput] | None = None
) -> list[SensitivityInput]:
    """The inputs to vary: all available ones, or those named (by path or parameter name,
    or 'PATH=LOW:HIGH' for any numeric setting over a range of your choice)."""
    available = available_inputs(scenario)
    if requested is None:
        chosen = available
    else:
        by_name = {i.name: i for i in available}
        chosen = []
        for item in requested:
            if isinstance(item, SensitivityInput):
                chosen.append(item)
                continue
            name, span = parse_input(item)
            if span is not None and name in APPLIED:
                current = 1.0 if name.endswith("_scale") else scenario.founding.dispersion
                chosen.append(
                    SensitivityInput(
                        name, "parameter", *span, math.nan if current is None else current
                    )
                )
            elif span is not None:
                current = _current_value(scenario, name)
                chosen.append(
                    SensitivityInput(
                        name, "lever", span[0], span[1], current, "", isinstance(current, int)
                    )
                )
            elif name in by_name:
                chosen.append(by_name[name])
            else:
                raise InputError(
                    "--input",
                    f"'{name}' is not a lever or uncertain parameter of this scenario; choose "
                    f"from {', '.join(by_name) or '(none)'}, or give PATH=LOW:HIGH",
                )
    names = [i.name for i in chosen]
    if len(set(names)) != len(names):
        raise InputError("--input", "each input may be given once")
    if not chosen:
        raise InputError(
            "sensitivity",
            "nothing to vary: the scenario has no lever with a range and no [calibration] priors",
        )
    return chosen


def _current_value(scenario: Scenario, path: str) -> float:
    """The numeric value a dotted path holds in the scenario (InputError if none)."""
    node: Any = scenario.model_dump()
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise InputError("--input", f"'{path}' is not a setting of this scenario")
        node = node[part]
    if not _is_number(node):
        raise InputError("--input", f"'{path}' is not a number (it is {node!r})")
    return node


def apply_inputs(
    scenario_data: dict[str, Any],
    plan_for: Any,
    inputs: Iterable[SensitivityInput],
    values: Iterable[float],
) -> SimulationPlan:
    """The compiled plan with each input at its value: levers set on the scenario's data
    (then validated and compiled by `plan_for`), parameters applied to the plan."""
    data = copy.deepcopy(scenario_data)
    parameters: dict[str, np.ndarray] = {}
    for item, value in zip(inputs, values, strict=True):
        if item.kind == "parameter":
            if not math.isnan(value):  # NaN: leave the scenario's own setting
                parameters[item.name] = np.array([float(value)])
            continue
        node = data
        *parents, last = item.name.split(".")
        for part in parents:
            node = node[part]
        node[last] = int(np.rint(value)) if item.integer else float(value)
    plan = plan_for(validate(Scenario, data, "sensitivity input"))
    if not parameters:
        return plan
    return replace(plan, parameter_sets=ParameterSets(parameters)).for_replicate(0)
