"""Convergence diagnostics and the ArviZ record of a calibration.

The chains are kept whole as an ArviZ InferenceData (groups posterior, prior,
posterior_predictive, observed_data, sample_stats; chain and draw dimensions), written as
posterior.nc, so that anyone can recompute a diagnostic from the written file. Diagnostics
are ArviZ's: the rank-normalised split R-hat, bulk and tail effective sample sizes, and the
Monte Carlo standard errors of the mean and sd (Vehtari, Gelman, Simpson, Carpenter and
Bürkner 2021, "Rank-normalization, folding, and localization").
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

#: Thresholds of Vehtari et al. (2021): R-hat below 1.01, and bulk and tail effective sample
#: sizes of at least 100 per chain.
RHAT_LIMIT = 1.01
ESS_PER_CHAIN = 100


def arviz() -> Any:
    """ArviZ, imported when first needed (it takes about a second), without its notice of
    upcoming changes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


def inference_data(
    chains: np.ndarray,
    names: list[str],
    *,
    prior: pd.DataFrame | None = None,
    predictive: pd.DataFrame | None = None,
    observed: dict[str, float | None] | None = None,
    acceptance: np.ndarray | None = None,
) -> Any:
    """An InferenceData of natural-scale chains (chains x draws x parameters) and, where
    given, prior draws, posterior predictive draws (one per kept draw, in chain order),
    the published figures and each chain's acceptance rate."""
    az = arviz()
    n_chains, n_draws, _ = chains.shape
    posterior = {name: chains[..., i] for i, name in enumerate(names)}
    groups: dict[str, Any] = {"posterior": posterior}
    if prior is not None:
        groups["prior"] = {name: prior[name].to_numpy()[None, :] for name in prior.columns}
    if predictive is not None and len(predictive) == n_chains * n_draws:
        groups["posterior_predictive"] = {
            name: predictive[name].to_numpy(dtype=float).reshape(n_chains, n_draws)
            for name in predictive.columns
        }
    if observed:
        groups["observed_data"] = {
            name: np.array([value]) for name, value in observed.items() if value is not None
        }
    if acceptance is not None:
        groups["sample_stats"] = {
            "acceptance_rate": np.repeat(acceptance[:, None], n_draws, axis=1)
        }
    return az.from_dict(**groups)


def diagnose(idata: Any) -> dict[str, dict[str, float]]:
    """Per parameter of the posterior group: rank-normalised R-hat, bulk and tail ESS, and
    the Monte Carlo standard errors of the mean and sd."""
    az = arviz()
    posterior = idata.posterior
    rhat = az.rhat(posterior, method="rank")
    bulk = az.ess(posterior, method="bulk")
    tail = az.ess(posterior, method="tail")
    mcse_mean = az.mcse(posterior, method="mean")
    mcse_sd = az.mcse(posterior, method="sd")
    return {
        name: {
            "rhat": round(float(rhat[name]), 4),
            "ess_bulk": round(float(bulk[name]), 1),
            "ess_tail": round(float(tail[name]), 1),
            "mcse_mean": float(mcse_mean[name]),
            "mcse_sd": float(mcse_sd[name]),
        }
        for name in posterior.data_vars
    }


def convergence_warnings(figures: dict[str, dict[str, float]], chains: int) -> list[str]:
    """A warning per parameter whose R-hat or effective sample sizes miss the thresholds."""
    found = []
    least = ESS_PER_CHAIN * chains
    for name, f in figures.items():
        if not f["rhat"] < RHAT_LIMIT or min(f["ess_bulk"], f["ess_tail"]) < least:
            found.append(
                f"{name}: chains may not have converged (rank-normalised R-hat {f['rhat']}, "
                f"bulk ESS {f['ess_bulk']:.0f}, tail ESS {f['ess_tail']:.0f}; wanted R-hat < "
                f"{RHAT_LIMIT} and ESS >= {least}); ask for more draws"
            )
    return found
