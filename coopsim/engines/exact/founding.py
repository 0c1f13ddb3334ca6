"""A year's direct foundings as the exact engine counts them: the negative binomial (gamma
shape `shape`) or Poisson pmf on 0 up to one past its 1 - 1e-13 quantile.

scipy.stats takes about half a second to import, longer than the whole exact summary, so the pmf
comes from the scipy.special functions scipy.stats' nbinom and poisson call, in the same
operations (the pmf clipped to [0, 1] as rv_discrete.pmf does): the same numbers to the last bit
(tests/test_exact.py checks them against scipy.stats). A scipy without the negative binomial's
ufuncs gets scipy.stats itself.
"""

from __future__ import annotations

import numpy as np
from scipy import special

try:  # scipy.stats' nbinom._pmf and ._ppf are these ufuncs (Boost's negative binomial)
    from scipy.special._ufuncs import _nbinom_pmf, _nbinom_ppf
except ImportError:  # pragma: no cover - an older scipy
    _nbinom_pmf = _nbinom_ppf = None

#: The founding pmf reaches to one past the quantile at 1 - TAIL.
TAIL = 1e-13


def founding_pmf(mean: float, shape: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(values, pmf) of a year's direct foundings with this mean: Poisson when `shape` is None,
    else negative binomial with gamma shape `shape` (p = shape / (shape + mean))."""
    q = 1 - TAIL
    if shape is None:
        values = np.arange(int(_poisson_ppf(q, mean)) + 2)
        return values, np.clip(
            np.exp(special.xlogy(values, mean) - special.gammaln(values + 1) - mean), 0, 1
        )
    p = shape / (shape + mean)
    if _nbinom_pmf is None:  # pragma: no cover - an older scipy
        from scipy import stats

        dist = stats.nbinom(shape, p)
        values = np.arange(int(dist.ppf(q)) + 2)
        return values, dist.pmf(values)
    with np.errstate(over="ignore"):
        values = np.arange(int(_nbinom_ppf(q, shape, p)) + 2)
    return values, np.clip(_nbinom_pmf(values, shape, p), 0, 1)


def _poisson_ppf(q: float, mean: float) -> float:
    """scipy.stats.poisson.ppf(q, mean), as poisson._ppf computes it."""
    vals = np.ceil(special.pdtrik(q, mean))
    below = np.maximum(vals - 1, 0)
    return float(np.where(special.pdtr(below, mean) >= q, below, vals))
