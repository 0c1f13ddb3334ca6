"""The exact engine: closed-form distributions for scenarios whose cooperatives are independent."""

from coopsim.engines.contract import Engine
from coopsim.engines.exact.distributions import (
    computes_metric,
    metric_distribution,
    probability_met,
    target_probability,
)
from coopsim.engines.exact.model import ExactModel, unsupported_features

ENGINE = Engine(
    name="exact",
    description="closed form: matrix exponentials and convolutions, no Monte Carlo error",
    unsupported=unsupported_features,
    distributions=ExactModel,
)

__all__ = [
    "ENGINE",
    "ExactModel",
    "computes_metric",
    "metric_distribution",
    "probability_met",
    "target_probability",
    "unsupported_features",
]
