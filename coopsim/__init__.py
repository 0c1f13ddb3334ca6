"""coopsim: simulate and forecast a province's cooperative sector under policy scenarios.

The public API for notebooks and scripts (each function's docstring has an example; the
notebooks in notebooks/ walk through them):

- scenarios: `load_scenario` (a TOML file, with `extends` and `--set`-style overrides),
  `with_setting` (a validated copy with one dotted setting changed), `list_levers` (every
  setting an analysis can move, with its range), `load_region` (a region's data file);
- `forecast` returns a `ForecastResult`: `trajectories()` (per replicate and year),
  `quantiles()` (per metric and year), `target_table()` (probability each target is met),
  `time_to_target_table()`, and `plot_fan`, `plot_trajectories`, `plot_time_to_target`,
  which take `ax=` and return the Axes;
- `calibrate` (posterior of the uncertain rates; pass `fit.draws` to `forecast(posterior=)`),
  `compare` (scenarios with common random numbers), `goal_seek` (the lever value that
  reaches a probability), `sensitivity` (Sobol' or Morris indices), `report` (the HTML brief).

>>> import coopsim
>>> base = coopsim.load_scenario("scenarios/baseline.toml").scenario
>>> scenario = coopsim.with_setting(base, "founding.mean_per_year", 25)
>>> result = coopsim.forecast(scenario, replications=200, seed=1)
>>> result.trajectories().shape  # 200 replicates x 7 years; replicate, year, metrics
(1400, 17)
>>> table = result.target_table()  # one row per target: probability, stderr, 95% interval
>>> ax = result.plot_fan("founded")  # takes ax=, returns the Axes
"""

# The submodule coopsim.calibrate (rates matched in expectation) is loaded before the function
# of the same name is bound below, so that importing it later cannot replace the function.
import coopsim.calibrate as _rate_matching  # noqa: F401
from coopsim.brief import report
from coopsim.calibration.workflow import CalibrationResult, calibrate
from coopsim.compare import Comparison, compare
from coopsim.errors import InputError
from coopsim.forecast import forecast
from coopsim.goal_seek import GoalSeekResult, goal_seek
from coopsim.levers import LeverSetting, list_levers, with_setting
from coopsim.observed import load_region
from coopsim.plotting import plot_fan
from coopsim.results import ForecastResult
from coopsim.scenario import Scenario, load_scenario
from coopsim.sensitivity import SensitivityResult, sensitivity

__all__ = [
    "CalibrationResult",
    "Comparison",
    "ForecastResult",
    "GoalSeekResult",
    "InputError",
    "LeverSetting",
    "Scenario",
    "SensitivityResult",
    "calibrate",
    "compare",
    "forecast",
    "goal_seek",
    "list_levers",
    "load_region",
    "load_scenario",
    "plot_fan",
    "report",
    "sensitivity",
    "with_setting",
]
