"""coopsim: simulate and forecast a province's cooperative sector under policy scenarios.

The public API for notebooks and scripts:

>>> import coopsim
>>> loaded = coopsim.load_scenario("scenarios/baseline.toml")
>>> result = coopsim.forecast(loaded.scenario, replications=200, seed=1)  # doctest: +SKIP
>>> result.targets["well_operating_share_2024"].probability  # doctest: +SKIP
>>> coopsim.plot_fan(result, "founded")  # doctest: +SKIP
"""

from coopsim.calibration.workflow import CalibrationResult, calibrate
from coopsim.errors import InputError
from coopsim.forecast import forecast
from coopsim.observed import load_region
from coopsim.plotting import plot_fan
from coopsim.results import ForecastResult
from coopsim.scenario import Scenario, load_scenario

__all__ = [
    "CalibrationResult",
    "ForecastResult",
    "InputError",
    "Scenario",
    "calibrate",
    "forecast",
    "load_region",
    "load_scenario",
    "plot_fan",
]
