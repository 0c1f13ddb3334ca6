"""The `coopsim` command's contract: outputs, exit codes and errors a person can act on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coopsim.metrics import METRIC_NAMES

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def coopsim(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coopsim", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def assert_clean_error(run: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    for needle in needles:
        assert needle in run.stderr


@pytest.fixture(scope="module")
def forecast_dir(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("runs") / "baseline"
    run = coopsim("forecast", BASELINE, "--replications", "60", "--seed", "5", "--out", out)
    return out, run


def test_forecast_writes_the_output_folder(forecast_dir):
    out, run = forecast_dir
    assert run.returncode == 0, run.stderr
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "provenance.json", "trajectories.parquet", "quantiles.csv"} <= names
    assert {"fan_founded.png", "fan_well_operating_share.png", "fan_cooperatives.png"} <= names
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "staging left behind"
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["engine"], summary["replications"], summary["seed"]) == ("fast", 60, 5)
    assert summary["scenario"] == "baseline"
    assert not (out / ".checkpoints").exists() and "trajectories.csv" not in names
    frame = pd.read_parquet(out / "trajectories.parquet")
    assert len(frame) == 60 * 7 and frame["year"].min() == 2024
    assert frame["founded"].dtype == "int64" and frame["replicate"].max() == 59


def test_forecast_prints_each_target_with_its_uncertainty(forecast_dir):
    out, run = forecast_dir
    summary = json.loads((out / "summary.json").read_text())
    for name, entry in summary["targets"].items():
        line = next(line for line in run.stdout.splitlines() if line.startswith(name + " "))
        low, high = entry["ci95"]
        assert f"{entry['probability']:.3f}" in line
        assert f"[{low:.3f}, {high:.3f}]" in line
    assert "gap 3" in run.stdout


def test_provenance_records_what_ran(forecast_dir):
    out, _ = forecast_dir
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 5 and prov["replications"] == 60 and prov["engine"] == "fast"
    assert len(prov["scenario_sha256"]) == 64 and len(prov["data_sha256"]) == 64
    assert prov["data_file"].endswith("ha_tinh.toml")
    assert prov["resolved_scenario"]["founding"]["mean_per_year"] == 35.0
    for key in ("coopsim_version", "python_version", "numpy_version", "started", "finished"):
        assert prov[key]


def test_same_seed_same_outputs_whatever_the_workers(forecast_dir, tmp_path):
    out, _ = forecast_dir
    again = tmp_path / "again"
    run = coopsim(
        "forecast",
        BASELINE,
        "--replications",
        "60",
        "--seed",
        "5",
        "--workers",
        "1",
        "--out",
        again,
    )
    assert run.returncode == 0, run.stderr
    for name in ("summary.json", "trajectories.parquet", "quantiles.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_missing_scenario_file(tmp_path):
    out = tmp_path / "out"
    run = coopsim("forecast", tmp_path / "nope.toml", "--out", out)
    assert_clean_error(run, "nope.toml", "no such file")
    assert len(run.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_unknown_engine_names_the_option_and_choices(tmp_path):
    out = tmp_path / "out"
    run = coopsim("forecast", BASELINE, "--engine", "warp", "--out", out)
    assert_clean_error(run, "--engine", "'warp'", "auto", "des")
    assert len(run.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--replications", "0", "at least 1"),
        ("--replications", "many", "not a whole number"),
        ("--seed", "-1", "at least 0"),
        ("--workers", "0", "at least 1"),
    ],
)
def test_bad_option_values(tmp_path, option, value, needle):
    out = tmp_path / "out"
    run = coopsim("forecast", BASELINE, option, value, "--out", out)
    assert_clean_error(run, option, needle)
    assert len(run.stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("mean_per_year = 35.0", "mean_per_year = -3.0", ["founding.mean_per_year", "-3.0"]),
        ("weak = 0.07127", "weak = 1e400", ["dissolution_per_year.weak", "finite"]),
        ("snapshot_year = 2023", "snapshot_year = 2019", ["initial.snapshot_year", "2022, 2023"]),
        ("[founding]", "[founding", ["is not valid TOML"]),
    ],
)
def test_bad_scenarios_exit_2_naming_file_and_field(tmp_path, old, new, needles):
    path = tmp_path / "bad.toml"
    text = BASELINE.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    out = tmp_path / "out"
    run = coopsim("forecast", path, "--out", out)
    assert_clean_error(run, *needles)
    assert "bad.toml" in run.stderr or "region" in run.stderr
    assert not out.exists()


def test_existing_results_are_never_clobbered_without_overwrite(tmp_path):
    """A folder coopsim did not write is kept even with --overwrite; one it wrote is
    replaced only with --overwrite."""
    out = tmp_path / "out"
    out.mkdir()
    keep = out / "notes.txt"
    keep.write_text("mine")
    run = coopsim("forecast", BASELINE, "--replications", "5", "--out", out)
    assert_clean_error(run, "--out", "not empty", "--overwrite")
    assert keep.read_text() == "mine"
    quick = ("forecast", BASELINE, "--replications", "5", "--workers", "1", "--out")
    run = coopsim(*quick, out, "--overwrite")
    assert_clean_error(run, "was not written by coopsim")
    assert keep.read_text() == "mine"
    ours = tmp_path / "ours"
    assert coopsim(*quick, ours).returncode == 0
    run = coopsim(*quick, ours)
    assert_clean_error(run, "not empty", "--overwrite")
    run = coopsim(*quick, ours, "--overwrite")
    assert run.returncode == 0, run.stderr
    assert (ours / "summary.json").exists()


def test_default_output_folder_is_new_each_run(tmp_path):
    run = coopsim("forecast", BASELINE, "--replications", "3", "--workers", "1", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    (folder,) = (tmp_path / "coopsim-output").iterdir()
    assert folder.name.startswith("baseline-") and (folder / "summary.json").exists()


def test_ctrl_c_exits_130_leaving_only_complete_checkpoints(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coopsim",
            "forecast",
            str(BASELINE),
            "--replications",
            "3000",
            "--engine",
            "des",
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: Ctrl-C handled, whatever this test process inherited.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    inherited = signal.getsignal(signal.SIGINT)
    # des: the run lasts well beyond its first checkpoint, so the signal lands mid-run.
    deadline = time.monotonic() + 120
    while not list((out / ".checkpoints").glob("main-*.npy")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, (stderr, stdout[-300:], inherited)
    assert "Traceback" not in stderr and "interrupted" in stderr and "--resume" in stderr
    # Only the checkpoints: no result file, no staging folder, no half-written chunk.
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in out.iterdir()] == [".checkpoints"]
    chunks = sorted((out / ".checkpoints").iterdir())
    assert {p.name for p in chunks} - {"manifest.json"} == {
        p.name for p in chunks if p.suffix == ".npy"
    }
    for path in chunks:
        if path.suffix == ".npy":
            assert np.load(path).shape[1:] == (7, len(METRIC_NAMES))


def test_validate(tmp_path):
    assert coopsim("validate", BASELINE).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(BASELINE.read_text().replace("dispersion = 8.0", "dispersion = -8.0", 1))
    assert_clean_error(coopsim("validate", BASELINE, bad), "bad.toml", "founding.dispersion")


def test_exact_engine_from_the_command_line(tmp_path):
    out = tmp_path / "out"
    run = coopsim("forecast", BASELINE, "--engine", "exact", "--out", out)
    assert run.returncode == 0, run.stderr
    assert "exact distributions" in run.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["engine"] == "exact"
    assert not (out / "trajectories.parquet").exists() and (out / "fan_founded.png").exists()


def test_exact_engine_refuses_what_it_cannot_do(tmp_path):
    out = tmp_path / "out"
    programme = ROOT / "scenarios" / "model_coop_project.toml"
    run = coopsim("forecast", programme, "--engine", "exact", "--out", out)
    assert_clean_error(run, "--engine exact", "support programmes", "use fast or des")
    assert not out.exists()
