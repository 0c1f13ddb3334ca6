"""Scaling out: executors, identical results whatever runs them, checkpoints, resume, precision
rounds, and no worker process left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from coopsim.analyses.forecast import forecast
from coopsim.cli.main import main
from coopsim.model.plan import compile_plan
from coopsim.runs.ensemble import PrecisionGoal, grid_bounds, next_count
from coopsim.runs.executor_choice import make_executor
from coopsim.runs.executors import PoolExecutor, SerialExecutor
from coopsim.runs.simulate import simulate

from .conftest import BASELINE, OUTPUTS, SHORT


def same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def live_processes() -> dict[int, tuple[int, int, str]]:
    """Every live process: pid -> (parent pid, session id, command line)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if stat[0] != "Z":
            found[int(entry)] = (int(stat[1]), int(stat[3]), command)
    return found


def descendants(pid: int) -> dict[int, str]:
    """Live descendants of `pid`, but multiprocessing's own helper processes (its fork server
    and resource tracker live as long as this process, by design)."""
    table = live_processes()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _, command) in table.items():
            if ppid == parent and child not in found:
                found[child] = command
                frontier.append(child)
    return {p: c for p, c in found.items() if "forkserver" not in c and "resource_tracker" not in c}


def wait_until_gone(check, seconds: float = 10.0) -> object:
    """Poll `check` until it returns something empty (or time is up); return its last value."""
    deadline = time.monotonic() + seconds
    left = check()
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = check()
    return left


def test_chunk_grid_and_precision_rounds():
    assert grid_bounds(0, 1000, 4096) == [(0, 1000)]
    assert grid_bounds(1000, 9000, 4096) == [(1000, 4096), (4096, 8192), (8192, 9000)]
    goal = PrecisionGoal(0.01, 10_000)
    assert next_count(1000, {"a": 0.005}, goal, 256) == 1000  # reached: stop
    assert next_count(1000, {"a": 0.02}, goal, 256) == 4096  # 4x at most, block aligned
    assert next_count(1000, {"a": 0.0101}, goal, 256) == 1280  # 1.25x at least
    assert next_count(8000, {"a": 0.02}, goal, 256) == 10_000  # the cap
    assert next_count(10_000, {"a": 0.02}, goal, 256) == 10_000


def test_pool_and_serial_executors_agree(baseline, region):
    plan = compile_plan(baseline, region.data)
    serial, _ = simulate(plan, 4, 40, engine="des", executor=SerialExecutor())
    with PoolExecutor(2) as pool:
        pooled, _ = simulate(plan, 4, 40, engine="des", executor=pool)
        again, _ = simulate(plan, 4, 600, engine="fast", executor=pool)  # the pool is reused
    assert np.array_equal(serial, pooled, equal_nan=True)
    assert np.array_equal(again[:40], simulate(plan, 4, 40, engine="fast")[0], equal_nan=True)


def test_no_worker_process_outlives_a_run(baseline, region):
    plan = compile_plan(baseline, region.data)
    before = descendants(os.getpid())
    simulate(plan, 1, 16, engine="des", workers=2)
    assert wait_until_gone(lambda: set(descendants(os.getpid())) - set(before)) == set()


def test_checkpointed_forecast_matches_the_one_in_memory(baseline, region, tmp_path):
    kept = forecast(baseline, replications=600, seed=3, workers=1, region=region)
    stored = forecast(
        baseline, replications=600, seed=3, workers=2, region=region, checkpoints=tmp_path
    )
    assert stored.values is None and stored.replications == 600
    assert stored.summary() == kept.summary()
    assert stored.trajectories().equals(kept.trajectories())
    assert (tmp_path / "manifest.json").exists()


def test_precision_rounds_are_reproducible(baseline, region):
    runs = [
        forecast(
            baseline,
            replications=256,
            seed=9,
            workers=workers,
            region=region,
            precision=0.02,
            max_replications=8192,
        )
        for workers in (1, 2)
    ]
    assert runs[0].summary() == runs[1].summary()
    report = runs[0].precision
    assert report is not None and report["reached"] and report["rounds"][0] == 256
    assert runs[0].replications == report["rounds"][-1] > 256
    for name, est in runs[0].targets.items():
        assert (est.ci95[1] - est.ci95[0]) / 2 < 0.02, name


def test_precision_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["forecast", str(BASELINE), "--replications", "256", "--precision", "0.03"]
    assert main([*args, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["precision"]["reached"] and summary["precision"]["half_width_goal"] == 0.03
    assert summary["replications"] == summary["precision"]["rounds"][-1]
    assert f"below 0.03 after {summary['replications']:,} replicates" in capsys.readouterr().out
    assert main([*args, "--max-replications", "100", "--out", str(tmp_path / "x")]) == 2
    assert "--max-replications" in capsys.readouterr().err


def test_resume_is_refused_when_arguments_differ_and_completes_otherwise(
    baseline, region, tmp_path, capsys
):
    out = tmp_path / "run"
    # An interrupted run's checkpoints: the same run the command line would do (seed 5).
    forecast(
        baseline,
        replications=300,
        seed=5,
        workers=1,
        region=region,
        checkpoints=out / ".checkpoints",
    )
    common = ["forecast", str(BASELINE), "--replications", "300", "--quiet", "--out", str(out)]
    assert main([*common, "--seed", "5"]) == 2  # not empty: --resume or --overwrite
    assert "--resume" in capsys.readouterr().err
    assert main([*common, "--seed", "6", "--resume"]) == 2
    err = capsys.readouterr().err
    assert "seed was 5, is now 6" in err and "Traceback" not in err
    assert main([*common, "--seed", "5", "--set", "founding.mean_per_year=30", "--resume"]) == 2
    assert "the scenario (its resolved settings) differs" in capsys.readouterr().err
    assert main([*common, "--seed", "5", "--resume", "--workers", "2"]) == 0
    fresh = tmp_path / "fresh"
    assert main([*common[:-1], str(fresh), "--seed", "5", "--workers", "1"]) == 0
    same_outputs(out, fresh)
    assert not (out / ".checkpoints").exists()


def test_interrupted_run_resumes_to_the_identical_result(tmp_path):
    scenario = tmp_path / "short.toml"
    scenario.write_text(SHORT)
    out, reference = tmp_path / "out", tmp_path / "reference"
    command = [
        *(sys.executable, "-m", "coopsim", "forecast", str(scenario)),
        *("--engine", "des", "--replications", "240", "--quiet"),
    ]
    proc = subprocess.Popen(
        [*command, "--workers", "2", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its workers stay in its session: none may outlive it
    )
    deadline = time.monotonic() + 120
    while not list((out / ".checkpoints").glob("main-*.npy")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    saved = sorted(p.name for p in (out / ".checkpoints").iterdir())
    assert [p.name for p in out.iterdir()] == [".checkpoints"]
    assert all(name == "manifest.json" or name.endswith(".npy") for name in saved)
    assert 1 <= len(saved) - 1 < 16  # some of its 16 chunks, not all: it was interrupted

    def in_session() -> list[int]:
        return [p for p, (_, sid, _) in live_processes().items() if sid == proc.pid]

    assert wait_until_gone(in_session) == []

    resumed = subprocess.run(
        [*command, "--workers", "1", "--out", str(out), "--resume"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert main([*command[3:], "--workers", "1", "--out", str(reference)]) == 0
    same_outputs(out, reference)


def test_scheduler_needs_dask_and_dask_must_be_installed(tmp_path, capsys, monkeypatch):
    args = ["forecast", str(BASELINE), "--replications", "5", "--out", str(tmp_path / "o")]
    assert main([*args, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if Dask were not installed
    assert main([*args, "--executor", "dask"]) == 2
    err = capsys.readouterr().err
    assert 'pip install "coopsim[dask]"' in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_a_dask_cluster_gives_the_pool_results(tmp_path, baseline, region):
    distributed = pytest.importorskip("distributed")
    scenario = tmp_path / "short.toml"
    scenario.write_text(SHORT)
    before = descendants(os.getpid())
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        common = ["forecast", str(scenario), "--engine", "des", "--replications", "60", "--quiet"]
        on_dask, on_pool = tmp_path / "dask", tmp_path / "pool"
        dask_args = ["--executor", "dask", "--scheduler", address, "--out", str(on_dask)]
        assert main([*common, *dask_args]) == 0
        assert main([*common, "--workers", "2", "--out", str(on_pool)]) == 0
        same_outputs(on_dask, on_pool)
        assert json.loads((on_dask / "provenance.json").read_text())["executor"] == "dask"
    # Without an address, a local cluster is started for the run and shut down after it.
    plan = compile_plan(baseline, region.data)
    with make_executor("dask", 2) as executor:
        values, _ = simulate(plan, 2, 12, engine="des", executor=executor)
    assert np.array_equal(values, simulate(plan, 2, 12, engine="des")[0], equal_nan=True)
    assert wait_until_gone(lambda: set(descendants(os.getpid())) - set(before)) == set()
