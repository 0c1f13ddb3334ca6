"""The baseline, started from the end-2022 census, reproduces the published 2023 figures."""

from __future__ import annotations

import numpy as np
import pytest

from coopsim.analyses.forecast import forecast


def check_2023(backtest, region, replications: int) -> None:
    result = forecast(
        backtest, replications=replications, seed=2023, workers=1, region=region, engine="des"
    )
    published = {
        "founded": (35, 0.0),
        "dissolved": (27, 0.0),
        # Published 40.6% and 23%: the rounding allows +-0.05 and +-0.5 points.
        "well_operating_share": (0.406, 0.0005),
        "weak_share": (0.23, 0.005),
        # 1020 + 35 - 27: the model follows the flows; the published 1,025 is 3 fewer (see
        # the data note on the 2023 gap).
        "cooperatives": (1028, 0.0),
    }
    for metric, (value, rounding) in published.items():
        sample = result.metric(metric, 2023)
        stderr = sample.std(ddof=1) / np.sqrt(sample.size)
        gap = max(0.0, abs(sample.mean() - value) - rounding)
        assert gap <= 3 * stderr, f"{metric}: mean {sample.mean():.4f} vs {value}"


def test_backtest_reproduces_2023(backtest, region):
    check_2023(backtest, region, 1500)


@pytest.mark.slow
def test_backtest_reproduces_2023_full(backtest, region):
    check_2023(backtest, region, 20000)


@pytest.mark.parametrize("with_posterior", [False, True])
def test_each_published_2023_figure_is_inside_the_90_percent_band(
    backtest, baseline, region, with_posterior
):
    """The issue-level check: founded, dissolved, cooperatives (the published 1,025) and both
    shares fall between the backtest's 5% and 95% quantiles, with and without the posterior."""
    posterior = None
    if with_posterior:
        from coopsim.analyses.calibration.workflow import calibrate

        posterior = calibrate(baseline, region.data, draws=400, seed=1, warmup=300).draws
    result = forecast(
        backtest, replications=2000, seed=7, region=region, engine="fast", posterior=posterior
    )
    published = {
        "founded": 35,
        "dissolved": 27,
        "cooperatives": 1025,
        "well_operating_share": 0.406,
        "weak_share": 0.23,
    }
    for metric, value in published.items():
        low, high = np.quantile(result.metric(metric, 2023), [0.05, 0.95])
        assert low <= value <= high, (metric, low, value, high)
