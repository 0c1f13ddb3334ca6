"""The researchers' notebooks run from start to end, small (COOPSIM_QUICK=1), and are stored
without outputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT

FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
#: Seconds one cell may take before the run fails (a quick notebook takes well under a minute).
CELL_TIMEOUT = 240


def test_there_are_notebooks() -> None:
    """The quick start, calibration and policy notebooks exist (more are welcome)."""
    names = {path.stem for path in NOTEBOOKS}
    assert {"quick_start", "calibration", "policy_scenarios"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    """No outputs or execution counts are committed: diffs show code and text only."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {index} has outputs"
            assert cell.execution_count is None, f"{path.name}: cell {index} has a count"
    assert "COOPSIM_QUICK" in path.read_text(encoding="utf-8"), "no quick mode"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Execute a copy of the notebook in the notebooks folder, as Jupyter would, with small
    runs; any error in any cell fails the test (the executed copy is left in tmp_path)."""
    monkeypatch.setenv("COOPSIM_QUICK", "1")
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    notebook = nbformat.read(copy, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(FOLDER)}},
    )
    try:
        client.execute()
    finally:
        nbformat.write(notebook, copy)
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no chart was drawn"
