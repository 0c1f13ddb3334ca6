"""Priors on the calibrated parameters, written in a scenario's [calibration] table.

Each prior carries its reasoning (`reason`), so a scenario file says not only what is assumed
but why. Positive parameters work on the log scale inside the sampler.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, model_validator

from coopsim.inputs.validation import StrictModel

if TYPE_CHECKING:
    from scipy import stats

#: What each calibrated parameter does; posterior.csv has one column per name.
PARAMETERS: dict[str, str] = {
    "founding_scale": "multiplier on founding.mean_per_year (direct founding)",
    "founding_dispersion": "founding.dispersion: gamma shape of each year's founding rate",
    "upgrade_scale": "multiplier on every upgrade hazard (quality.upgrade_per_year)",
    "downgrade_scale": "multiplier on every downgrade hazard (quality.downgrade_per_year)",
    "dissolution_scale": "multiplier on every dissolution hazard (quality.dissolution_per_year)",
    "stock_revision": (
        "cooperatives the register dropped in the calibration year beyond the published flows "
        "(observation model only: flows minus stock change)"
    ),
    "dormancy_entry_scale": "multiplier on every stopping hazard (dormancy.entry_per_year)",
    "dormancy_resume_per_year": "dormancy.resume_per_year: hazard of a dormant one resuming",
    "dormancy_dissolution_per_year": (
        "dormancy.dissolution_per_year: hazard of a dormant one dissolving"
    ),
    "wave_probability_per_year": "cleanup_waves.probability_per_year: chance of a wave a year",
    "wave_removal_dormant": "cleanup_waves.removal_probability.dormant",
    "wave_removal_weak": "cleanup_waves.removal_probability.weak",
    "initial_dormant_share": (
        "share of the record's first stock that had stopped operating (whole-record fit only)"
    ),
    "register_error": (
        "standard deviation of a published total's error, in cooperatives (whole-record fit "
        "only: registers revised, merged or converted cooperatives)"
    ),
}
#: Parameters that must be positive (they scale rates or are a gamma shape).
POSITIVE = frozenset(PARAMETERS) - {"stock_revision"}
#: Parameters that are probabilities or shares: their priors must lie within [0, 1].
PROBABILITIES = frozenset(
    {
        "wave_probability_per_year",
        "wave_removal_dormant",
        "wave_removal_weak",
        "initial_dormant_share",
    }
)
#: Parameters only the whole-record fit (method = "record") reads.
RECORD_ONLY = frozenset(PARAMETERS) - {
    "founding_scale",
    "founding_dispersion",
    "upgrade_scale",
    "downgrade_scale",
    "dissolution_scale",
    "stock_revision",
}

ParameterName = Literal[tuple(PARAMETERS)]  # type: ignore[valid-type]


class Prior(StrictModel):
    """A prior distribution and why it was chosen: lognormal (median, sdlog), normal (mean,
    sd) or uniform (low, high)."""

    distribution: Literal["lognormal", "normal", "uniform"]
    median: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    sdlog: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    mean: float | None = Field(default=None, allow_inf_nan=False)
    sd: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    reason: str = Field(min_length=1, description="why this prior: sources and reasoning")

    @model_validator(mode="after")
    def _parameters_match(self) -> Prior:
        needed = {
            "lognormal": ("median", "sdlog"),
            "normal": ("mean", "sd"),
            "uniform": ("low", "high"),
        }
        own = needed[self.distribution]
        for name in ("median", "sdlog", "mean", "sd", "low", "high"):
            given = getattr(self, name) is not None
            if name in own and not given:
                raise ValueError(f"a {self.distribution} prior needs {' and '.join(own)}")
            if name not in own and given:
                raise ValueError(
                    f"'{name}' does not belong to a {self.distribution} prior "
                    f"(it takes {' and '.join(own)})"
                )
        if self.distribution == "uniform" and not self.low < self.high:  # type: ignore[operator]
            raise ValueError("a uniform prior needs low < high")
        return self

    def frozen(self) -> stats.rv_continuous:
        """The prior as a scipy distribution (scipy.stats is imported here, when a prior is
        used, not when a scenario file is read: it takes half a second)."""
        from scipy import stats

        if self.distribution == "lognormal":
            return stats.lognorm(s=self.sdlog, scale=self.median)
        if self.distribution == "normal":
            return stats.norm(self.mean, self.sd)
        return stats.uniform(self.low, self.high - self.low)  # type: ignore[operator]

    def logpdf(self, x: float) -> float:
        """log density at x (by formula: the sampler calls it thousands of times)."""
        if self.distribution == "lognormal":
            if x <= 0:
                return -math.inf
            z = (math.log(x) - math.log(self.median)) / self.sdlog  # type: ignore[arg-type]
            return -0.5 * z * z - math.log(x * self.sdlog * math.sqrt(2 * math.pi))  # type: ignore[operator]
        if self.distribution == "normal":
            z = (x - self.mean) / self.sd  # type: ignore[operator]
            return -0.5 * z * z - math.log(self.sd * math.sqrt(2 * math.pi))  # type: ignore[operator]
        if not self.low <= x <= self.high:  # type: ignore[operator]
            return -math.inf
        return -math.log(self.high - self.low)  # type: ignore[operator]

    def lower_bound(self) -> float:
        """The smallest value the prior allows."""
        if self.distribution == "lognormal":
            return 0.0
        if self.distribution == "uniform":
            return float(self.low)  # type: ignore[arg-type]
        return -math.inf

    def describe(self) -> str:
        """A short formula, e.g. 'lognormal(median 1, sdlog 0.5)'."""
        if self.distribution == "lognormal":
            return f"lognormal(median {self.median:g}, sdlog {self.sdlog:g})"
        if self.distribution == "normal":
            return f"normal(mean {self.mean:g}, sd {self.sd:g})"
        return f"uniform({self.low:g}, {self.high:g})"


class CalibrationSpec(StrictModel):
    """What `coopsim calibrate` fits: one year's published figures from the previous year's
    census (method "year"), or every figure of the record up to the end of `year` (method
    "record"); and a prior per parameter."""

    year: int = Field(description="the year whose figures are fitted (record: the last year)")
    method: Literal["year", "record"] = Field(
        default="year",
        description='"year": the figures of `year` from the census before it; "record": '
        "every figure from the earliest total stock to the end of `year`",
    )
    priors: dict[ParameterName, Prior]

    @model_validator(mode="after")
    def _positive_parameters_have_positive_priors(self) -> CalibrationSpec:
        for name, prior in self.priors.items():
            if name in POSITIVE and prior.lower_bound() < 0:
                raise ValueError(
                    f"priors.{name}: must be a lognormal or a uniform prior with low >= 0 "
                    "(the parameter is positive)"
                )
            if name in PROBABILITIES and not (
                prior.distribution == "uniform" and prior.high <= 1  # type: ignore[operator]
            ):
                raise ValueError(
                    f"priors.{name}: must be a uniform prior within 0-1 (it is a probability)"
                )
            if self.method == "year" and name in RECORD_ONLY:
                raise ValueError(
                    f'priors.{name}: only method = "record" fits it (the whole record); '
                    'set method = "record" or remove the prior'
                )
            if self.method == "record" and name == "stock_revision":
                raise ValueError(
                    'priors.stock_revision: method = "record" reads every stock and flow; '
                    "give register_error instead"
                )
        return self


def prior_sample(
    priors: dict[str, Prior], n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """n independent draws from each prior."""
    return {name: prior.frozen().rvs(size=n, random_state=rng) for name, prior in priors.items()}
