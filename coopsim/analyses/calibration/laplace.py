"""The posterior's mode and curvature: a Laplace approximation on the sampler's scale.

The mode is found by BFGS from the priors' medians; the covariance is the inverse of the
negative Hessian there, by central differences (evaluated as one batch), with eigenvalues
floored so that it is a valid covariance even where the posterior is flat.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from coopsim.analyses.calibration.parallel import BatchDensity

#: Finite-difference step on the unconstrained scale.
STEP = 1e-4
#: Largest standard deviation allowed on the unconstrained scale (a flat direction).
MAX_SD = 3.0


@dataclass(frozen=True)
class Laplace:
    """The mode and the covariance of the normal approximation around it."""

    mode: np.ndarray
    cov: np.ndarray
    log_density_at_mode: float


def laplace(density: BatchDensity, start: np.ndarray) -> Laplace:
    """Mode by BFGS (gradients by forward differences, in batches), then the Hessian."""
    dim = start.size
    eye = np.eye(dim) * STEP

    def objective(z: np.ndarray) -> tuple[float, np.ndarray]:
        values = density(np.vstack([z[None], z + eye]))
        if not np.all(np.isfinite(values)):
            return 1e300, np.zeros(dim)
        return -values[0], -(values[1:] - values[0]) / STEP

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        found = minimize(objective, start, jac=True, method="BFGS", options={"gtol": 1e-3})
    mode = found.x
    return Laplace(mode, _covariance(density, mode), -float(found.fun))


def _covariance(density: BatchDensity, mode: np.ndarray) -> np.ndarray:
    """Inverse negative Hessian at the mode, eigenvalues floored (sd at most MAX_SD)."""
    dim, h = mode.size, STEP * 10
    pairs = [(i, j) for i in range(dim) for j in range(i, dim)]
    points = [mode]
    for i, j in pairs:
        for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            z = mode.copy()
            z[i] += si * h
            z[j] += sj * h
            points.append(z)
    values = density(np.array(points))
    hessian = np.zeros((dim, dim))
    for k, (i, j) in enumerate(pairs):
        pp, pm, mp, mm = values[1 + 4 * k : 5 + 4 * k]
        hessian[i, j] = hessian[j, i] = (pp - pm - mp + mm) / (4 * h * h)
    if not np.all(np.isfinite(hessian)):
        return np.eye(dim) * 0.1
    precision = -0.5 * (hessian + hessian.T)
    values_, vectors = np.linalg.eigh(precision)
    values_ = np.maximum(values_, 1 / MAX_SD**2)
    cov = (vectors / values_) @ vectors.T
    return 0.5 * (cov + cov.T)
