"""Output folders are written whole or not at all."""

from __future__ import annotations

import pytest

from coopsim.errors import InputError
from coopsim.outputs import check_output_dir, staged_output


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
