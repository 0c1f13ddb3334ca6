"""A run's per-replicate results, in memory or in chunk files on disk, read a metric at a time
or a chunk at a time, and written out as tidy trajectories (Parquet, or CSV) chunk by chunk.

Results stored in chunk files are never loaded whole: a summary reads one metric's column
(replicates x years) at a time, and trajectories.parquet is written in row groups of a fixed
number of replicates, so 100,000 replicates to 2030 need memory for a chunk, not the run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from coopsim.metrics import METRIC_NAMES

#: Metrics that are not whole numbers even though they are not shares.
FRACTIONAL = {"budget_spent_million_vnd"}
#: Metrics written as whole numbers (missing where a scenario does not model them).
COUNT_METRICS = [m for m in METRIC_NAMES if not m.endswith("_share") and m not in FRACTIONAL]
#: Replicates per Parquet row group: fixed, so the file does not depend on how the run was
#: chunked (and so on the number of workers).
ROW_GROUP_REPLICATES = 8192


class ReplicateData(ABC):
    """Per-replicate yearly metrics of one run (replicates x years x METRIC_NAMES)."""

    replications: int

    @abstractmethod
    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        """(first replicate, values) of each chunk, in replicate order."""

    def column(self, metric: int) -> np.ndarray:
        """One metric for every replicate and year (replicates x years)."""
        return np.concatenate([values[:, :, metric] for _, values in self.chunks()])

    def array(self) -> np.ndarray:
        """Everything at once (replicates x years x metrics): for small runs and notebooks."""
        return np.concatenate([values for _, values in self.chunks()])


class InMemory(ReplicateData):
    """Results held as one array."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.replications = int(values.shape[0])

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        yield 0, self.values

    def column(self, metric: int) -> np.ndarray:
        return np.ascontiguousarray(self.values[:, :, metric])

    def array(self) -> np.ndarray:
        return self.values


class ChunkFiles(ReplicateData):
    """Results in .npy files, one per chunk (start, stop, path), covering 0..n-1 in order;
    each is memory-mapped when read, so a column read touches only that column's pages."""

    def __init__(self, files: Sequence[tuple[int, int, Path]]) -> None:
        self.files = sorted(files)
        expected = 0
        for start, stop, path in self.files:
            if start != expected:
                raise ValueError(f"chunk files leave replicates {expected}..{start - 1} out")
            expected = stop
            if not path.exists():
                raise FileNotFoundError(path)
        self.replications = expected

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        for start, _, path in self.files:
            yield start, np.load(path, mmap_mode="r")

    def column(self, metric: int) -> np.ndarray:
        return np.concatenate([np.array(values[:, :, metric]) for _, values in self.chunks()])


def tidy(values: np.ndarray, years: Sequence[int], first: int = 0) -> pd.DataFrame:
    """One row per replicate and year (replicates numbered from `first`), one column per
    metric; counts as whole numbers (<NA> where not modelled)."""
    n, n_years, _ = values.shape
    frame = pd.DataFrame(np.reshape(values, (n * n_years, -1)), columns=list(METRIC_NAMES))
    frame.insert(0, "year", np.tile(np.asarray(years), n))
    frame.insert(0, "replicate", np.repeat(np.arange(first, first + n), n_years))
    frame[COUNT_METRICS] = frame[COUNT_METRICS].round().astype("Int64")
    return frame


def _parquet_table(values: np.ndarray, years: Sequence[int], first: int) -> object:
    """A block of replicates as an Arrow table: counts int64, the rest float64, NaN as null."""
    import pyarrow as pa

    n, n_years, _ = values.shape
    flat = np.reshape(values, (n * n_years, -1))
    columns = {
        "replicate": pa.array(np.repeat(np.arange(first, first + n, dtype=np.int64), n_years)),
        "year": pa.array(np.tile(np.asarray(years, dtype=np.int64), n)),
    }
    for m, name in enumerate(METRIC_NAMES):
        column = flat[:, m]
        missing = np.isnan(column)
        if name in COUNT_METRICS:
            whole = np.where(missing, 0, np.round(column)).astype(np.int64)
            columns[name] = pa.array(whole, type=pa.int64(), mask=missing)
        else:
            columns[name] = pa.array(column, type=pa.float64(), mask=missing)
    return pa.table(columns)


def _fixed_blocks(data: ReplicateData, size: int) -> Iterator[tuple[int, np.ndarray]]:
    """The run's replicates regrouped in blocks of exactly `size` (the last may be shorter)."""
    pending: list[np.ndarray] = []
    held, first = 0, 0
    for _, values in data.chunks():
        pending.append(np.asarray(values))
        held += values.shape[0]
        while held >= size:
            joined = np.concatenate(pending)
            yield first, joined[:size]
            first += size
            rest = joined[size:]
            pending, held = ([rest] if len(rest) else []), len(rest)
    if held:
        yield first, np.concatenate(pending)


def write_parquet(data: ReplicateData, years: Sequence[int], path: Path) -> None:
    """trajectories.parquet: the tidy trajectories, streamed in fixed row groups."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for first, values in _fixed_blocks(data, ROW_GROUP_REPLICATES):
            table = _parquet_table(values, years, first)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)  # type: ignore[attr-defined]
            writer.write_table(table, row_group_size=table.num_rows)  # type: ignore[attr-defined]
    finally:
        if writer is not None:
            writer.close()


def write_csv(data: ReplicateData, years: Sequence[int], path: Path) -> None:
    """trajectories.csv: the same rows as trajectories.parquet, as text, chunk by chunk."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        for index, (first, values) in enumerate(_fixed_blocks(data, ROW_GROUP_REPLICATES)):
            tidy(values, years, first).to_csv(stream, index=False, header=index == 0)
