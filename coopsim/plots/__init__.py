"""Every chart, in one style (coopsim.plots.style): functions that take a result and `ax=`
(or `figure=` for a chart of several panels) and return what they drew.

- forecasts: `plot_fan`, `plot_trajectories`, `plot_time_to_target`;
- comparisons: `plot_overlaid_fans`, `plot_target_probabilities`, `plot_target_differences`;
- sensitivity: `plot_sensitivity` (ax=) and `plot_sensitivity_overview` (figure=);
- calibration: `plot_prior_posterior` and `plot_posterior_predictive` (figure=);
- goal seeking: `plot_goal_seek`.
"""

from typing import TYPE_CHECKING

from coopsim.lazy import lazy_attributes

#: Public name -> the module that defines it, imported on first use (each chart module
#: imports only the results it draws).
PUBLIC = {
    "plot_prior_posterior": "coopsim.plots.calibration",
    "plot_posterior_predictive": "coopsim.plots.calibration",
    "save_calibration_charts": "coopsim.plots.calibration",
    "plot_overlaid_fans": "coopsim.plots.compare",
    "plot_target_differences": "coopsim.plots.compare",
    "plot_target_probabilities": "coopsim.plots.compare",
    "save_comparison_charts": "coopsim.plots.compare",
    "plot_fan": "coopsim.plots.fan",
    "plot_trajectories": "coopsim.plots.fan",
    "save_fan_charts": "coopsim.plots.fan",
    "plot_goal_seek": "coopsim.plots.goal_seek",
    "save_goal_seek_chart": "coopsim.plots.goal_seek",
    "plot_sensitivity": "coopsim.plots.sensitivity",
    "plot_sensitivity_overview": "coopsim.plots.sensitivity",
    "save_sensitivity_chart": "coopsim.plots.sensitivity",
    "plot_time_to_target": "coopsim.plots.time_to_target",
    "save_time_to_target_chart": "coopsim.plots.time_to_target",
}


__getattr__, __dir__ = lazy_attributes("coopsim.plots", PUBLIC, globals())


if TYPE_CHECKING:
    from coopsim.plots.calibration import (
        plot_posterior_predictive,
        plot_prior_posterior,
        save_calibration_charts,
    )
    from coopsim.plots.compare import (
        plot_overlaid_fans,
        plot_target_differences,
        plot_target_probabilities,
        save_comparison_charts,
    )
    from coopsim.plots.fan import plot_fan, plot_trajectories, save_fan_charts
    from coopsim.plots.goal_seek import plot_goal_seek, save_goal_seek_chart
    from coopsim.plots.sensitivity import (
        plot_sensitivity,
        plot_sensitivity_overview,
        save_sensitivity_chart,
    )
    from coopsim.plots.time_to_target import plot_time_to_target, save_time_to_target_chart

__all__ = [
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
    "save_calibration_charts",
    "save_comparison_charts",
    "save_fan_charts",
    "save_goal_seek_chart",
    "save_sensitivity_chart",
    "save_time_to_target_chart",
]
