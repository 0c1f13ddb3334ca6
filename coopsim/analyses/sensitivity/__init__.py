"""Global sensitivity analysis: which levers and uncertain parameters move each target's
probability (Sobol' indices or Morris effects, with a one-at-a-time swing)."""

from coopsim.analyses.sensitivity.analysis import sensitivity
from coopsim.analyses.sensitivity.inputs import SensitivityInput, available_inputs
from coopsim.analyses.sensitivity.result import SensitivityResult

__all__ = ["SensitivityInput", "SensitivityResult", "available_inputs", "sensitivity"]
