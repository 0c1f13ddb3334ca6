"""The sampler's view of a calibration's parameters: an unconstrained vector per draw.

Positive parameters are sampled on the log scale, uniform ones through the logit of their
range, others as they are; the log prior carries the Jacobian of that change of variables.
Both calibrations (one year, whole record) share it.
"""

from __future__ import annotations

import math

import numpy as np

from coopsim.inputs.priors import POSITIVE, Prior


class ParameterSpace:
    """Priors by name and the maps between parameter values and the sampler's vector.
    Subclasses list the sampled names (`names`) and add the likelihood."""

    priors: dict[str, Prior]

    @property
    def names(self) -> list[str]:
        """The sampled parameters, in the order of the sampler's vectors."""
        return list(self.priors)

    def natural(self, z: np.ndarray) -> dict[str, float]:
        """Parameter values from the sampler's unconstrained vector."""
        values = {}
        for name, u in zip(self.names, z, strict=True):
            prior = self.priors[name]
            if prior.distribution == "uniform":
                values[name] = prior.low + (prior.high - prior.low) / (1 + math.exp(-u))
            elif name in POSITIVE:
                values[name] = math.exp(u)
            else:
                values[name] = float(u)
        return values

    def unconstrained(self, values: dict[str, float]) -> np.ndarray:
        """The sampler's vector for parameter values (inverse of `natural`)."""
        z = []
        for name in self.names:
            prior, x = self.priors[name], values[name]
            if prior.distribution == "uniform":
                p = (x - prior.low) / (prior.high - prior.low)
                z.append(math.log(p / (1 - p)))
            else:
                z.append(math.log(x) if name in POSITIVE else x)
        return np.array(z)

    def log_prior(self, z: np.ndarray) -> tuple[float, dict[str, float]]:
        """The log prior density of the unconstrained vector (Jacobian included) and the
        parameter values; -inf outside the support or far out on the unconstrained scale."""
        if not np.all(np.isfinite(z)) or np.max(np.abs(z)) > 50:
            return -math.inf, {}
        values = self.natural(z)
        total = 0.0
        for name, u in zip(self.names, z, strict=True):
            prior = self.priors[name]
            total += prior.logpdf(values[name])
            if prior.distribution == "uniform":
                s = 1 / (1 + math.exp(-u))
                total += math.log(prior.high - prior.low) + math.log(s * (1 - s) + 1e-300)
            elif name in POSITIVE:
                total += u  # the log scale's Jacobian
        return total, values
