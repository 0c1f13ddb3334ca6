"""summary.json, tidy tables and fan charts against the numbers they are made from."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coopsim.metrics import METRIC_INDEX, METRIC_NAMES


def test_summary_follows_the_contract(baseline_run):
    summary = json.loads(json.dumps(baseline_run.summary()))
    assert summary["engine"] == "des"
    assert summary["replications"] == 200
    assert summary["seed"] == 7
    assert summary["scenario"] == "baseline"
    assert set(summary["targets"]) >= {"new_cooperatives_2024", "well_operating_share_2024"}
    for entry in summary["targets"].values():
        assert 0 <= entry["ci95"][0] <= entry["probability"] <= entry["ci95"][1] <= 1
        assert entry["stderr"] >= 0 and entry["description"]
    assert set(summary["metrics"]) | set(summary["metrics_not_modelled"]) == set(METRIC_NAMES)
    assert summary["metrics_not_modelled"] == ["cooperative_groups"]
    for years in summary["metrics"].values():
        assert list(years) == [str(y) for y in range(2024, 2031)]
        for stats in years.values():
            assert {"mean", "q05", "q25", "q50", "q75", "q95"} <= set(stats)
            assert stats["q05"] <= stats["q25"] <= stats["q50"] <= stats["q75"] <= stats["q95"]


def test_summary_numbers_are_the_replicates_statistics(baseline_run):
    summary = baseline_run.summary()
    founded_2024 = baseline_run.metric("founded", 2024)
    stats = summary["metrics"]["founded"]["2024"]
    assert stats["mean"] == pytest.approx(founded_2024.mean())
    assert stats["q95"] == pytest.approx(np.quantile(founded_2024, 0.95))
    target = summary["targets"]["new_cooperatives_2024"]
    met = ((founded_2024 >= 20) & (founded_2024 <= 30)).mean()
    assert target["probability"] == pytest.approx(met)


def test_trajectories_are_tidy(baseline_run):
    frame = baseline_run.trajectories()
    assert list(frame.columns) == ["replicate", "year", *METRIC_NAMES]
    assert len(frame) == 200 * 7
    row = frame[(frame.replicate == 13) & (frame.year == 2026)].iloc[0]
    assert row["weak"] == baseline_run.values[13, 2, METRIC_INDEX["weak"]]
