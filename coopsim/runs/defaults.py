"""A run's defaults: a run without --seed is reproducible too."""

DEFAULT_SEED = 2024
DEFAULT_REPLICATIONS = 1000
