"""Scoring a stored forecast against observed figures: CRPS, PIT, bands, Brier, the command."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from coopsim.analyses.score import (
    CSV_COLUMNS,
    brier,
    crps_quantiles,
    crps_sample,
    pit_quantiles,
    pit_sample,
    score_metric,
)
from coopsim.cli.main import main
from coopsim.results.forecast_result import QUANTILE_LEVELS

ROOT = Path(__file__).resolve().parents[1]
BACKTEST = ROOT / "scenarios" / "backtest_2023.toml"
HA_TINH = ROOT / "coopsim" / "data" / "ha_tinh.toml"
LEVELS = np.array(list(QUANTILE_LEVELS.values()))


def brute_force_crps(x: np.ndarray, y: float) -> float:
    """E|X-y| - E|X-X'|/2 over all n^2 ordered pairs, the O(n^2) way."""
    return float(np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


def normal_crps(y: float) -> float:
    """Closed-form CRPS of a standard normal forecast at y."""
    return float(y * (2 * norm.cdf(y) - 1) + 2 * norm.pdf(y) - 1 / np.sqrt(np.pi))


@pytest.mark.parametrize("n", [1, 2, 7, 300])
def test_crps_sample_matches_brute_force(n):
    rng = np.random.default_rng(n)
    continuous = rng.normal(3.0, 2.0, n)
    counts = rng.poisson(4.0, n).astype(float)  # many ties
    for x in (continuous, counts):
        for y in (-1.0, 0.0, 3.0, 4.0, 9.5):
            assert crps_sample(x, y) == pytest.approx(brute_force_crps(x, y), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("y", [0.0, 0.7, 2.5])
def test_crps_sample_matches_the_normal_closed_form(y):
    # With 20,000 draws the estimator's standard deviation is at most 0.0075 for these y
    # (measured over 200 samples); 0.03 is 4 of them.
    x = np.random.default_rng(11).normal(size=20_000)
    assert crps_sample(x, y) == pytest.approx(normal_crps(y), abs=0.03)


@pytest.mark.parametrize("y", [0.0, 0.7, 1.5, 2.5, -3.0])
def test_crps_from_quantiles_approximates_the_normal_closed_form(y):
    # Nine quantiles (q025-q975) interpolated linearly: within 5% for a normal (3.3% at y = 0,
    # the worst case, where the missing tails matter most).
    approx = crps_quantiles(LEVELS, norm.ppf(LEVELS), y)
    assert approx == pytest.approx(normal_crps(y), rel=0.05)


def test_pit_is_the_mid_rank():
    x = np.array([1.0, 2.0, 2.0, 2.0, 3.0])
    assert pit_sample(x, 2.0) == pytest.approx(0.2 + 0.5 * 0.6)
    assert pit_sample(x, 2.5) == pytest.approx(0.8)
    assert pit_sample(x, 0.0) == 0.0 and pit_sample(x, 3.5) == 1.0
    assert pit_sample(np.arange(100.0), 50.0) == pytest.approx(0.505)


def test_pit_from_quantiles_interpolates():
    levels, values = np.array([0.25, 0.5, 0.75]), np.array([10.0, 20.0, 30.0])
    assert pit_quantiles(levels, values, 15.0) == pytest.approx(0.375)
    assert pit_quantiles(levels, values, 20.0) == pytest.approx(0.5)
    assert pit_quantiles(levels, values, 5.0) == pytest.approx(0.125)  # middle of [0, 0.25]
    assert pit_quantiles(levels, values, 40.0) == pytest.approx(0.875)
    flat = np.array([10.0, 10.0, 30.0])  # a discrete distribution's repeated quantile
    assert pit_quantiles(levels, flat, 10.0) == pytest.approx(0.375)
    assert pit_quantiles(levels, flat, 20.0) == pytest.approx(0.625)


def test_bands_on_a_constructed_sample(tmp_path):
    # 0..99: numpy's quantiles are q25 = 24.75, q10 = 9.9, q025 = 2.475 (and symmetric above).
    x = np.arange(100.0)
    expected = {50.0: (True, True, True), 24.0: (False, True, True), 5.0: (False, False, True)}
    expected |= {1.0: (False, False, False), 97.0: (False, False, False)}
    for y, bands in expected.items():
        row = score_metric("founded", 2023, y, {}, x, tmp_path)
        assert (row.in_50, row.in_80, row.in_95) == bands, y
        assert row.pit == pytest.approx((y + 0.5) / 100) and row.samples == 100
    stats = dict(zip(QUANTILE_LEVELS, np.quantile(x, LEVELS), strict=True))
    for y, bands in expected.items():
        row = score_metric("founded", 2023, y, stats, None, tmp_path)
        assert (row.in_50, row.in_80, row.in_95) == bands, y
        assert row.crps_method == "quantiles" and row.samples is None


def test_brier_on_a_known_case():
    assert brier(0.8, 1) == pytest.approx(0.04)
    assert brier(0.8, 0) == pytest.approx(0.64)
    assert brier(0.5, 1) == brier(0.5, 0) == 0.25


@pytest.fixture(scope="module")
def forecasts(tmp_path_factory) -> dict[str, Path]:
    """The 2023 backtest forecast by the fast engine (with samples) and the exact engine."""
    base = tmp_path_factory.mktemp("score")
    common = [str(BACKTEST), "--seed", "3", "--workers", "1", "--quiet"]
    folders = {"fast": base / "fast", "exact": base / "exact"}
    assert main(["forecast", *common, "--replications", "100", "--out", str(folders["fast"])]) == 0
    assert main(["forecast", *common, "--engine", "exact", "--out", str(folders["exact"])]) == 0
    return folders


@pytest.mark.parametrize("engine", ["fast", "exact"])
def test_score_a_backtest_from_the_command_line(forecasts, capsys, engine):
    folder = forecasts[engine]
    before = {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith("score")}
    capsys.readouterr()
    assert main(["score", str(folder), "--observed", str(HA_TINH)]) == 0
    printed = capsys.readouterr().out
    assert "founded_2023" in printed and "Mean Brier score over 5 targets" in printed
    assert {p.name for p in folder.iterdir()} == set(before) | {"score.json", "score.csv"}
    assert all((folder / name).read_bytes() == data for name, data in before.items())
    assert not [p for p in folder.iterdir() if p.name.startswith(".")], "staging left behind"

    method = "samples" if engine == "fast" else "quantiles"
    document = json.loads((folder / "score.json").read_text())
    assert document["crps_method"] == method and document["forecast"]["engine"] == engine
    metrics = document["metrics"]
    assert {"cooperatives", "founded", "dissolved", "weak_share"} <= set(metrics)
    assert metrics["founded"]["2023"]["observed"] == 35
    for by_year in metrics.values():
        for row in by_year.values():
            assert row["crps"] >= 0 and 0 <= row["pit"] <= 1 and row["crps_method"] == method
    assert metrics["founded"]["2023"]["samples"] == (100 if engine == "fast" else None)
    # Every backtest target is a range around the published figure, so each was met.
    targets = document["targets"]
    assert set(targets) == {f"{m}_2023" for m in ("founded", "dissolved", "cooperatives")} | {
        "well_operating_share_2023",
        "weak_share_2023",
    }
    for entry in targets.values():
        assert entry["outcome"] == 1
        assert entry["brier"] == pytest.approx((entry["probability"] - 1) ** 2)

    table = pd.read_csv(folder / "score.csv")
    assert list(table.columns) == CSV_COLUMNS
    assert (table["kind"] == "metric").sum() == sum(len(v) for v in metrics.values())
    assert (table["kind"] == "target").sum() == 5
    assert table["pit"].dropna().between(0, 1).all() and (table["brier"].dropna() <= 1).all()


def test_score_json_from_a_separate_process(forecasts):
    """The installed entry point: JSON on stdout, the same document as score.json."""
    folder = forecasts["exact"]
    command = [sys.executable, "-m", "coopsim", "score", str(folder), "--observed", str(HA_TINH)]
    run = subprocess.run([*command, "--json"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == json.loads((folder / "score.json").read_text())
    assert "Wrote" in run.stderr and "Traceback" not in run.stderr


@pytest.fixture
def copied(forecasts, tmp_path) -> Path:
    """A copy of the fast forecast folder without any score files, free to break."""
    folder = Path(shutil.copytree(forecasts["fast"], tmp_path / "copy"))
    for path in folder.glob("score.*"):
        path.unlink()
    return folder


def edit_summary(folder: Path, change) -> None:
    summary = json.loads((folder / "summary.json").read_text())
    change(summary)
    (folder / "summary.json").write_text(json.dumps(summary))


def move_to_2025(summary: dict) -> None:
    summary["years"] = [2025]
    summary["metrics"] = {k: {"2025": v["2023"]} for k, v in summary["metrics"].items()}
    summary["targets"] = {}


@pytest.mark.parametrize(
    ("breaking", "needles"),
    [
        (lambda f: shutil.rmtree(f), ["copy", "no such folder"]),
        (lambda f: (f / "summary.json").unlink(), ["summary.json", "no such file"]),
        (lambda f: (f / "summary.json").write_text("{"), ["summary.json", "not valid JSON"]),
        (
            lambda f: edit_summary(f, lambda s: s["metrics"]["founded"]["2023"].update(q50="x")),
            ["summary.json", "metrics.founded.2023.q50", "valid number"],
        ),
        (
            lambda f: edit_summary(f, lambda s: s["targets"]["founded_2023"].pop("metric")),
            ["summary.json", "targets.founded_2023.metric", "Field required"],
        ),
        (
            lambda f: (f / "trajectories.parquet").write_bytes(b"not parquet"),
            ["trajectories.parquet", "cannot be read as Parquet"],
        ),
        (
            lambda f: (
                (f / "trajectories.parquet").unlink(),
                (f / "trajectories.csv").write_text("replicate,year,founded\n0,2023,many\n"),
            ),
            ["trajectories.csv", "column founded", "not numbers"],
        ),
        (
            lambda f: edit_summary(f, move_to_2025),
            ["ha_tinh.toml", "snapshots, flows", "2025", "figures for 2022, 2023"],
        ),
    ],
)
def test_bad_forecast_folders_exit_2_and_write_nothing(copied, capsys, breaking, needles):
    breaking(copied)
    assert main(["score", str(copied), "--observed", str(HA_TINH)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("coopsim: error: ") and "Traceback" not in err
    for needle in needles:
        assert needle in err
    assert not copied.exists() or not list(copied.glob("score.*"))


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (None, ["--observed", "no data file", "ha_tinh.toml"]),
        ("region = [", ["observed.toml", "not valid TOML"]),
        ("[region]\nid = 'x'\n", ["observed.toml", "region.name", "Field required"]),
    ],
)
def test_bad_observed_files_exit_2_and_write_nothing(copied, capsys, tmp_path, content, needles):
    data = tmp_path / "observed.toml"
    if content is not None:
        data.write_text(content)
    assert main(["score", str(copied), "--observed", str(data)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(needle in err for needle in needles), err
    assert not list(copied.glob("score.*"))
