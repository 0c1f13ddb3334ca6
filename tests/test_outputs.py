"""Output folders are written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coopsim.errors import InputError
from coopsim.results.output_folder import check_output_dir, staged_files, staged_output


def test_a_failure_leaves_nothing_behind(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError), staged_output(out) as staging:
        (staging / "summary.json").write_text("{}")
        raise RuntimeError("simulated failure")
    assert list(tmp_path.iterdir()) == []


def test_success_replaces_the_folder_in_one_step(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with staged_output(out) as staging:
        (staging / "new.txt").write_text("new")
        assert (out / "old.txt").exists()  # untouched until the new results are complete
    assert [p.name for p in out.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_check_output_dir(tmp_path):
    check_output_dir(tmp_path / "new", overwrite=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        check_output_dir(tmp_path / "file", overwrite=True)
    with pytest.raises(InputError, match="does not exist"):
        check_output_dir(tmp_path / "missing" / "out", overwrite=False)


def test_staged_files_replace_their_namesakes_and_keep_the_rest(tmp_path):
    (tmp_path / "summary.json").write_text("kept")
    (tmp_path / "score.json").write_text("old")
    with staged_files(tmp_path) as staging:
        (staging / "score.json").write_text("new")
        (staging / "score.csv").write_text("new")
        assert (tmp_path / "score.json").read_text() == "old"  # untouched until complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["score.csv", "score.json", "summary.json"]
    assert (tmp_path / "score.json").read_text() == "new"
    assert (tmp_path / "summary.json").read_text() == "kept"


def test_staged_files_change_nothing_on_failure(tmp_path, monkeypatch):
    (tmp_path / "score.json").write_text("old")
    with pytest.raises(RuntimeError), staged_files(tmp_path) as staging:
        (staging / "score.json").write_text("new")
        raise RuntimeError("simulated failure")
    assert [p.name for p in tmp_path.iterdir()] == ["score.json"]
    assert (tmp_path / "score.json").read_text() == "old"

    real_replace = os.replace

    def fail_on_second_file(src, dst):  # the second file's rename into place fails
        if Path(dst) == tmp_path / "score.json" and Path(src).parent.name.startswith(".partial"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_second_file)
    with pytest.raises(OSError), staged_files(tmp_path) as staging:
        (staging / "score.csv").write_text("new")
        (staging / "score.json").write_text("new")
    assert [p.name for p in tmp_path.iterdir()] == ["score.json"]
    assert (tmp_path / "score.json").read_text() == "old"
