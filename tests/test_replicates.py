"""Replicates held in memory or in chunk files read the same, and write the same files."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from coopsim.metrics import METRIC_INDEX, METRIC_NAMES
from coopsim.runs.replicates import ChunkFiles, InMemory, tidy, write_csv, write_parquet


def chunk_files(values: np.ndarray, cuts: list[int], folder) -> ChunkFiles:
    files = []
    folder.mkdir()
    for start, stop in itertools.pairwise(cuts):
        path = folder / f"{start}.npy"
        np.save(path, values[start:stop])
        files.append((start, stop, path))
    return ChunkFiles(files)


def test_chunk_files_read_like_memory_and_write_identical_files(tmp_path):
    rng = np.random.default_rng(1)
    values = rng.integers(0, 50, size=(9000, 3, len(METRIC_NAMES))).astype(float)
    values[:, :, METRIC_INDEX["well_operating_share"]] = rng.random((9000, 3))
    values[:, :, METRIC_INDEX["cooperative_groups"]] = np.nan  # not modelled
    years = [2024, 2025, 2026]
    memory = InMemory(values)
    a = chunk_files(values, [0, 100, 4096, 8191, 9000], tmp_path / "a")
    b = chunk_files(values, [0, 3000, 6000, 9000], tmp_path / "b")
    for m in range(len(METRIC_NAMES)):
        assert np.array_equal(a.column(m), memory.column(m), equal_nan=True)
    write_parquet(a, years, tmp_path / "a.parquet")
    write_parquet(b, years, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    frame = pd.read_parquet(tmp_path / "a.parquet")
    expected = tidy(values, years)
    assert len(frame) == 9000 * 3 and frame["founded"].dtype == "int64"
    assert frame["cooperative_groups"].isna().all()
    assert np.array_equal(frame["founded"].to_numpy(), expected["founded"].to_numpy(dtype=int))
    write_csv(b, years, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == expected.to_csv(index=False)


def test_chunk_files_must_cover_every_replicate(tmp_path):
    values = np.zeros((10, 2, len(METRIC_NAMES)))
    np.save(tmp_path / "x.npy", values)
    with pytest.raises(ValueError, match=r"0\.\.4"):
        ChunkFiles([(5, 15, tmp_path / "x.npy")])
