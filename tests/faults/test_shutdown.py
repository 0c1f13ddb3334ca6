"""Shutdowns that leak nothing, with real processes: a run holds its output folder's lock (a
second run on it is refused, naming the first), SIGTERM stops a run as Ctrl-C does (exit 143,
complete checkpoints kept), and after SIGKILL no process of the run is left (workers, fork
server, resource tracker); either way --resume ends with the bytes of a run never stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coopsim.cli.main import main
from coopsim.results.output_folder import lock_path

from ..test_scale import SHORT, live_processes, same_outputs, wait_until_gone

#: des on two simulated years: about 2 s of work on two workers, 25 chunks, so a signal sent
#: after the first checkpoint lands mid-run.
REPLICATIONS, SEED = "400", "17"


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> tuple[Path, Path]:
    """The scenario file, and the results of its run never stopped (in this process)."""
    folder = tmp_path_factory.mktemp("short")
    scenario = folder / "short.toml"
    scenario.write_text(SHORT)
    reference = folder / "reference"
    assert main([*arguments(scenario), "--workers", "1", "--out", str(reference)]) == 0
    return scenario, reference


def arguments(scenario: Path) -> list[str]:
    return [
        *("forecast", str(scenario), "--engine", "des", "--quiet"),
        *("--replications", REPLICATIONS, "--seed", SEED),
    ]


def start(scenario: Path, out: Path) -> subprocess.Popen[str]:
    """`coopsim forecast` on two workers in its own session, once its first chunk is saved."""
    command = [sys.executable, "-m", "coopsim", *arguments(scenario), "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # every process it starts stays in its session
    )
    deadline = time.monotonic() + 120
    while not list((out / ".checkpoints").glob("main-*.npy")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    return proc


def in_session(proc: subprocess.Popen[str]) -> dict[int, str]:
    """The live processes of `proc`'s session (its own, its pool's, multiprocessing's)."""
    return {p: command for p, (_, sid, command) in live_processes().items() if sid == proc.pid}


def resume(scenario: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*arguments(scenario), "--workers", "2", "--out", str(out), "--resume"]) == 0
    return capsys.readouterr().err


def test_sigterm_stops_a_run_like_ctrl_c_and_a_second_run_is_refused(short, tmp_path, capsys):
    scenario, reference = short
    out = tmp_path / "out"
    proc = start(scenario, out)
    record = json.loads(lock_path(out).read_text())
    assert record["pid"] == proc.pid and "--replications" in record["command"]
    for more in ([], ["--overwrite"], ["--resume"]):
        code = main([*arguments(scenario), "--workers", "1", "--out", str(out), *more])
        err = capsys.readouterr().err
        assert code == 2, (more, err)
        assert f"is being written by another coopsim run (process {proc.pid}, started" in err
    assert proc.poll() is None, "the run ended before it was stopped: give it more replicates"
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr and "terminated" in stderr
    assert f"--out {out} --resume" in stderr and "replicates are saved" in stderr
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the lock is released
    assert [p.name for p in out.iterdir()] == [".checkpoints"]
    assert wait_until_gone(lambda: in_session(proc)) == {}
    resume(scenario, out, capsys)
    same_outputs(out, reference)


def test_after_sigkill_no_process_of_the_run_is_left(short, tmp_path, capsys):
    scenario, reference = short
    out = tmp_path / "out"
    proc = start(scenario, out)
    started = in_session(proc)
    kinds = " ".join(started.values())
    # the command and its two workers (forked from it, or from a fork server beside
    # multiprocessing's resource tracker)
    if "forkserver" in kinds:
        assert "resource_tracker" in kinds and len(started) >= 5
    else:
        assert len(started) >= 3
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    left = wait_until_gone(lambda: in_session(proc), seconds=5)
    assert left == {}, left
    assert lock_path(out).exists()  # left behind, its flock gone with the process
    err = resume(scenario, out, capsys)
    assert f"took over the lock on {out} left by process {proc.pid}" in err
    same_outputs(out, reference)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
