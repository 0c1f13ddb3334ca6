"""What the data did and did not inform: posterior-to-prior spread per parameter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopsim.inputs.priors import PARAMETERS, POSITIVE, Prior

#: A posterior this close to its prior's spread is reported as barely informed by the data.
BARELY_INFORMED = 0.9


def _spread_scale(name: str, values: np.ndarray) -> np.ndarray:
    """Spreads are compared on the log scale for positive parameters (as the sampler sees them)."""
    return np.log(values) if name in POSITIVE else values


def identifiability(priors: dict[str, Prior], posterior: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per parameter: prior and posterior medians and 90% intervals, the ratio of
    posterior to prior standard deviation, and a verdict."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, 2])))
    rows = []
    for name, prior in priors.items():
        prior_draws = np.asarray(prior.frozen().rvs(size=20000, random_state=rng), dtype=float)
        post = posterior[name].to_numpy(dtype=float)
        prior_sd = float(np.std(_spread_scale(name, prior_draws)))
        post_sd = float(np.std(_spread_scale(name, post)))
        ratio = post_sd / prior_sd if prior_sd > 0 else float("nan")
        if ratio >= BARELY_INFORMED:
            verdict = "barely informed by the data: its posterior is close to its prior"
        elif ratio < 0.01:
            verdict = "fixed by the data"
        else:
            verdict = "informed by the data"
        p05, p50, p95 = np.quantile(prior_draws, [0.05, 0.5, 0.95])
        q05, q50, q95 = np.quantile(post, [0.05, 0.5, 0.95])
        rows.append(
            {
                "parameter": name,
                "meaning": PARAMETERS[name],
                "prior": prior.describe(),
                "prior_median": p50,
                "prior_q05": p05,
                "prior_q95": p95,
                "posterior_median": q50,
                "posterior_q05": q05,
                "posterior_q95": q95,
                "spread_ratio": ratio,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def warnings_for(table: pd.DataFrame) -> list[str]:
    """A warning per parameter the data barely inform."""
    return [
        f"{row.parameter}: the data barely inform it (posterior spread {row.spread_ratio:.2f} "
        "of the prior's); forecasts carry its prior uncertainty"
        for row in table.itertuples()
        if row.spread_ratio >= BARELY_INFORMED
    ]
