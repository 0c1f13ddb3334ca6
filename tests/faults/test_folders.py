"""Output folders that are safe: --overwrite replaces only coopsim's own folders (never the
current folder, one holding it, or one holding the run's inputs), a lock left by a killed run
is taken over, folders follow the umask, and a full disk, a read-only file system or an
unwritable place ends in one line with exit status 2 and nothing half-written."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from coopsim.analyses.forecast import forecast
from coopsim.cli.main import main
from coopsim.results.output_folder import lock_path, written_by_coopsim

from ..conftest import BASELINE

#: A tiny fast forecast: a fraction of a second in this process.
TINY = ("--replications", "5", "--workers", "1", "--quiet")


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """`coopsim ARGS` in this process: its exit status and what it wrote on stderr."""
    code = main([str(arg) for arg in args])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def forecast_args(out: Path | str, *more: str, scenario: Path = BASELINE) -> list[str | Path]:
    return ["forecast", scenario, *TINY, "--out", out, *more]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by relative path, with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_overwrite_never_replaces_the_current_folder_or_one_holding_it(
    tmp_path, monkeypatch, capsys
):
    work = tmp_path / "work"
    work.mkdir()
    scenario = work / "mine.toml"
    shutil.copy(BASELINE, scenario)
    (work / "notes.txt").write_text("keep me")
    before = snapshot(tmp_path)
    monkeypatch.chdir(work)
    code, err = run(capsys, *forecast_args(".", "--overwrite", scenario=scenario))
    assert code == 2 and "--out: . is the current folder" in err
    code, err = run(capsys, *forecast_args("..", "--overwrite"))
    assert code == 2 and "--out: .. holds the current folder" in err
    code, err = run(capsys, *forecast_args(work, "--overwrite"))  # by another name
    assert code == 2 and "is the current folder" in err
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]  # no lock, no staging


def test_overwrite_replaces_only_what_coopsim_wrote(tmp_path, capsys, region, baseline):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("keep me")
    code, err = run(capsys, *forecast_args(theirs, "--overwrite"))
    assert code == 2 and f"{theirs} was not written by coopsim" in err
    assert snapshot(theirs) == {"notes.txt": b"keep me"}

    # A folder holding the run's scenario, or a file it extends, is never replaced.
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    parent = inputs / "baseline.toml"
    shutil.copy(BASELINE, parent)
    child = tmp_path / "child.toml"
    child.write_text(f'name = "child"\nextends = "{parent.as_posix()}"\n')
    (inputs / "provenance.json").write_text(json.dumps({"coopsim_version": "0"}))
    code, err = run(capsys, *forecast_args(inputs, "--overwrite", scenario=child))
    assert code == 2 and f"{inputs} holds {parent}, an input of this run" in err
    assert parent.read_bytes() == BASELINE.read_bytes()

    # coopsim's own results, an interrupted run's checkpoints, or nothing: replaced.
    ours = tmp_path / "ours"
    assert run(capsys, *forecast_args(ours))[0] == 0
    assert written_by_coopsim(ours)
    (ours / "score.json").write_text("{}")  # a later command's file beside the results
    assert run(capsys, *forecast_args(ours, "--overwrite", "--seed", "3"))[0] == 0
    assert json.loads((ours / "summary.json").read_text())["seed"] == 3
    assert not (ours / "score.json").exists()
    interrupted = tmp_path / "interrupted"
    forecast(
        baseline, replications=5, workers=1, region=region, checkpoints=interrupted / ".checkpoints"
    )
    assert written_by_coopsim(interrupted)
    (interrupted / ".checkpoints" / "manifest.json").write_text("{}")
    assert not written_by_coopsim(interrupted)  # not coopsim's manifest
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(capsys, *forecast_args(empty, "--overwrite"))[0] == 0
    assert (empty / "summary.json").is_file()


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path, capsys):
    out = tmp_path / "out"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record = {"pid": dead.pid, "started": "2024-01-01T00:00:00+00:00", "command": "coopsim"}
    lock_path(out).write_text(json.dumps(record))
    # What a run killed while it put its results in place leaves beside the folder.
    (tmp_path / ".out.partial-abcd1234").mkdir()
    (tmp_path / ".out.partial-abcd1234" / "summary.json").write_text("{")
    code, err = run(capsys, *forecast_args(out))
    assert code == 0
    assert f"took over the lock on {out} left by process {dead.pid}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_folders_follow_the_umask(tmp_path, capsys):
    previous = os.umask(0o022)
    try:
        assert run(capsys, *forecast_args(tmp_path / "a"))[0] == 0
        os.umask(0o027)
        assert run(capsys, *forecast_args(tmp_path / "b"))[0] == 0
    finally:
        os.umask(previous)
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "a" / "summary.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o750


def test_an_unwritable_place_is_refused_in_one_line(tmp_path, capsys):
    code, err = run(capsys, *forecast_args("/proc/coopsim-out"))
    assert code == 2 and "--out: cannot write /proc/coopsim-out" in err
    assert not Path("/proc/coopsim-out").exists()


def test_a_failed_result_write_leaves_the_checkpoints_only(tmp_path, capsys, monkeypatch):
    import coopsim.runs.replicates as replicates

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(replicates, "write_parquet", full)
    out = tmp_path / "out"
    code, err = run(capsys, *forecast_args(out))
    assert code == 2
    (line,) = err.splitlines()
    assert f"cannot write {out / 'trajectories.parquet'}: No space left on device" in line
    assert f"--out {out} --resume" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging, no lock
    assert [p.name for p in out.iterdir()] == [".checkpoints"]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB file system (tmpfs), or a skip where mounting one is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def complete_checkpoints(folder: Path) -> None:
    """Only whole files: the manifest and chunks that load."""
    for path in folder.iterdir():
        assert path.name == "manifest.json" or path.suffix == ".npy", path.name
        if path.suffix == ".npy":
            np.load(path)
    json.loads((folder / "manifest.json").read_text())


def test_a_full_disk_ends_in_one_line_with_nothing_half_written(tiny_disk, capsys):
    # The checkpoint of 1,000 replicates fits (840 kB), the results beside it do not.
    out = tiny_disk / "results"
    args = ["forecast", BASELINE, "--workers", "1", "--quiet", "--out", out]
    code, err = run(capsys, *args, "--replications", "1000")
    assert code == 2
    (line,) = err.splitlines()
    assert f"cannot write {out}/" in line and "No space left on device" in line
    assert "1,000 replicates are saved" in line and "--resume" in line
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["results"]
    assert [p.name for p in out.iterdir()] == [".checkpoints"]
    complete_checkpoints(out / ".checkpoints")
    shutil.rmtree(out)

    # 3,000 replicates' checkpoints do not fit.
    code, err = run(capsys, *args, "--replications", "3000")
    assert code == 2
    (line,) = err.splitlines()
    assert f"cannot write {out / '.checkpoints'}" in line and "No space left on device" in line
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["results"]
    complete_checkpoints(out / ".checkpoints")
    shutil.rmtree(out)

    # A read-only file system.
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    code, err = run(capsys, *args, "--replications", "5")
    assert code == 2 and f"cannot write {out}" in err and "Read-only file system" in err
