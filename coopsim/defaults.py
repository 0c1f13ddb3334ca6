"""Defaults and choices the command line shows in its help, in one light module: the
command's parser reads them without importing numpy, pandas or the engines, and the modules
that use them import them from here, so each has one value."""

#: A run without --seed is reproducible too.
DEFAULT_SEED = 2024
DEFAULT_REPLICATIONS = 1000
#: Engine names accepted by --engine; `auto` picks the cheapest that supports the scenario.
ENGINE_CHOICES: tuple[str, ...] = ("auto", "des", "fast", "exact")
#: Executors accepted by --executor.
EXECUTOR_CHOICES: tuple[str, ...] = ("pool", "dask")
#: Replicates run with each posterior parameter set (forecast --posterior).
DEFAULT_REPLICATES_PER_SET = 10
#: Most replicates a --precision run adds unless told otherwise.
DEFAULT_MAX_REPLICATIONS = 100_000
#: Posterior draws `coopsim calibrate` keeps.
DEFAULT_DRAWS = 4000
#: Replicates per evaluation of a goal seek, by engine.
GOAL_SEEK_REPLICATIONS = {"fast": 10_000, "des": 1_000}
#: Sensitivity methods.
SENSITIVITY_METHODS: tuple[str, ...] = ("sobol", "morris")
#: Replicates per design point on a Monte Carlo engine (one block of the fast engine).
DEFAULT_REPLICATIONS_PER_POINT = 256
#: Design points a default run may use: about a minute on two cores with the exact engine
#: (10-30 ms a point) or with 256 fast-engine replicates a point (40-90 ms); keyed by
#: whether the engine is exact.
DEFAULT_EVALUATIONS = {True: 4096, False: 2048}
#: The probability a brief's "what it would take" aims for.
DEFAULT_GOAL_PROBABILITY = 0.8
