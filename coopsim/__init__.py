"""coopsim: simulate and forecast a province's cooperative sector under policy scenarios.

The public API for notebooks and scripts (each function's docstring has an example; the
notebooks in notebooks/ walk through them):

- scenarios: `load_scenario` (a TOML file, with `extends` and `--set`-style overrides),
  `with_setting` (a validated copy with one dotted setting changed), `list_levers` (every
  setting an analysis can move, with its range), `load_region` (a region's data file);
- `forecast` returns a `ForecastResult`: `trajectories()` (per replicate and year),
  `quantiles()` (per metric and year), `target_table()` (probability each target is met),
  `time_to_target_table()`;
- `calibrate` (posterior of the uncertain rates; pass `fit.draws` to `forecast(posterior=)`),
  `compare` (scenarios with common random numbers), `goal_seek` (the lever value that
  reaches a probability), `sensitivity` (Sobol' or Morris indices), `report` (the HTML brief);
- charts (coopsim.plots), each taking a result and `ax=` (`figure=` for several panels) and
  returning what it drew: `plot_fan`, `plot_trajectories`, `plot_time_to_target` (forecasts),
  `plot_overlaid_fans`, `plot_target_probabilities`, `plot_target_differences` (comparisons),
  `plot_sensitivity`, `plot_sensitivity_overview`, `plot_prior_posterior`,
  `plot_posterior_predictive` (calibration) and `plot_goal_seek`.

>>> import coopsim
>>> base = coopsim.load_scenario("scenarios/baseline.toml").scenario
>>> scenario = coopsim.with_setting(base, "founding.mean_per_year", 25)
>>> result = coopsim.forecast(scenario, replications=200, seed=1)
>>> result.trajectories().shape  # 200 replicates x 7 years; replicate, year, metrics
(1400, 18)
>>> table = result.target_table()  # one row per target: probability, stderr, 95% interval
>>> ax = coopsim.plot_fan(result, "founded")  # takes ax=, returns the Axes
"""

from typing import TYPE_CHECKING

from coopsim.lazy import lazy_attributes
from coopsim.plots import PUBLIC as _PLOTS

#: Public name -> the module that defines it. Imported on first use, so `import coopsim` (and
#: the command line, which imports only what its command needs) starts in milliseconds.
_PUBLIC = {
    "CalibrationResult": "coopsim.analyses.calibration.workflow",
    "calibrate": "coopsim.analyses.calibration.workflow",
    "Comparison": "coopsim.analyses.compare",
    "compare": "coopsim.analyses.compare",
    "forecast": "coopsim.analyses.forecast",
    "GoalSeekResult": "coopsim.analyses.goal_seek",
    "goal_seek": "coopsim.analyses.goal_seek",
    "SensitivityResult": "coopsim.analyses.sensitivity",
    "sensitivity": "coopsim.analyses.sensitivity",
    "report": "coopsim.brief",
    "InputError": "coopsim.errors",
    "load_region": "coopsim.inputs.region_data",
    "Scenario": "coopsim.inputs.scenario",
    "load_scenario": "coopsim.inputs.scenario",
    "LeverSetting": "coopsim.inputs.settings",
    "list_levers": "coopsim.inputs.settings",
    "with_setting": "coopsim.inputs.settings",
    "ForecastResult": "coopsim.results.forecast_result",
    # every chart function (its saving helpers stay in coopsim.plots)
    **{name: module for name, module in _PLOTS.items() if name.startswith("plot_")},
}


__getattr__, __dir__ = lazy_attributes("coopsim", _PUBLIC, globals())


if TYPE_CHECKING:
    from coopsim.analyses.calibration.workflow import CalibrationResult, calibrate
    from coopsim.analyses.compare import Comparison, compare
    from coopsim.analyses.forecast import forecast
    from coopsim.analyses.goal_seek import GoalSeekResult, goal_seek
    from coopsim.analyses.sensitivity import SensitivityResult, sensitivity
    from coopsim.brief import report
    from coopsim.errors import InputError
    from coopsim.inputs.region_data import load_region
    from coopsim.inputs.scenario import Scenario, load_scenario
    from coopsim.inputs.settings import LeverSetting, list_levers, with_setting
    from coopsim.plots.calibration import plot_posterior_predictive, plot_prior_posterior
    from coopsim.plots.compare import (
        plot_overlaid_fans,
        plot_target_differences,
        plot_target_probabilities,
    )
    from coopsim.plots.fan import plot_fan, plot_trajectories
    from coopsim.plots.goal_seek import plot_goal_seek
    from coopsim.plots.sensitivity import plot_sensitivity, plot_sensitivity_overview
    from coopsim.plots.time_to_target import plot_time_to_target
    from coopsim.results.forecast_result import ForecastResult

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
    "plot_goal_seek",
    "plot_overlaid_fans",
    "plot_posterior_predictive",
    "plot_prior_posterior",
    "plot_sensitivity",
    "plot_sensitivity_overview",
    "plot_target_differences",
    "plot_target_probabilities",
    "plot_time_to_target",
    "plot_trajectories",
    "report",
    "sensitivity",
    "with_setting",
]
