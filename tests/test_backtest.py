"""The baseline, started from the end-2022 census, reproduces the published 2023 figures."""

from __future__ import annotations

import numpy as np
import pytest

from coopsim.forecast import forecast


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
