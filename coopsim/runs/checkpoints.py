"""Checkpoints of a forecast's ensemble: each finished chunk saved in a folder as it arrives,
with a manifest of the arguments the results depend on and of every chunk's checksum, so that
an interrupted run can be finished later with results identical to a run that was never
interrupted, and a damaged chunk is found and recomputed rather than used.

Files in the folder (`OUT/.checkpoints/` for `coopsim forecast --out OUT`):
- `manifest.json`: format, the run's arguments (hashes of the resolved scenario, the data and
  the posterior; seed, replications, engine, precision goal, coopsim and numpy versions), the
  chunk size, fixed for the run so that a resume on other workers cuts the same chunks, and
  `chunks`: for each chunk file, the SHA-256 and size of its bytes and the shape and dtype of
  its array;
- `RUN-START-STOP.npy`: replicates START..STOP-1 of RUN (`main`, or `without_programmes` for
  the paired run of a scenario with programmes).

Every file is written under a temporary name and renamed into place, so a run interrupted or
killed at any moment leaves no half-written file under a final name (a power cut may still
damage a file: a resume then finds it, as below). The chunks' records live in the manifest
rather than in a file beside each chunk, so that one file holds everything a resume trusts
and no pair of files can fall out of step: chunks arrive one at a time in the parent process,
which keeps the records in memory and rewrites the manifest after each chunk (under 100 kB
for a run of a few hundred chunks, negligible next to a chunk's work). A chunk's record is
written before its file is renamed into place: a run stopped between the two leaves a record
with no file, which a resume drops, never a file with no record.

A resume checks EVERY chunk file before anything is computed: one with no record, whose
header cannot be read, or whose shape, dtype, size or checksum differs from its record is
named in one line on stderr, deleted and so recomputed. A manifest that cannot be read is
refused as bad input naming the file, as is one whose arguments differ from the run's.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from coopsim.errors import InputError
from coopsim.inputs.region_data import LoadedRegion
from coopsim.inputs.scenario import Scenario
from coopsim.model.parameter_sets import ParameterSets
from coopsim.runs.provenance import package_version
from coopsim.runs.replicates import ChunkFiles

FOLDER_NAME = ".checkpoints"
MANIFEST = "manifest.json"
FORMAT = 1
CHUNK_FILE = re.compile(r"^(?P<run>[a-z_]+)-(?P<start>\d{10})-(?P<stop>\d{10})\.npy$")
TEMPORARY_SUFFIX = ".partial"
SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: How each argument is named when a resume is refused.
LABELS = {
    "scenario_sha256": "the scenario (its resolved settings)",
    "data_sha256": "the region data file",
    "posterior_sha256": "the posterior",
}


def digest(document: Any) -> str:
    """SHA-256 of a JSON document written canonically (sorted keys, no spaces)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def posterior_digest(sets: ParameterSets | None) -> str | None:
    """SHA-256 of the posterior parameter sets a run uses (None without a posterior)."""
    if sets is None:
        return None
    hasher = hashlib.sha256()
    for name in sorted(sets.values):
        hasher.update(name.encode("utf-8"))
        hasher.update(np.ascontiguousarray(sets.values[name], dtype=np.float64).tobytes())
    return hasher.hexdigest()


def run_arguments(
    scenario: Scenario,
    region: LoadedRegion,
    *,
    seed: int,
    replications: int,
    engine: str,
    posterior: str | None,
    replicates_per_set: int | None,
    precision: float | None,
    max_replications: int | None,
    origin: str = "year-end",
) -> dict[str, Any]:
    """Everything a run's results depend on (and nothing they do not, such as workers);
    `origin` is where it starts: the year-end or the date of the report it starts at."""
    return {
        "scenario_sha256": digest(scenario.model_dump(mode="json")),
        "data_sha256": region.sha256,
        "seed": seed,
        "replications": replications,
        "engine": engine,
        "posterior_sha256": posterior,
        "replicates_per_draw": replicates_per_set if posterior else None,
        "precision": precision,
        "max_replications": max_replications if precision is not None else None,
        "origin": origin,
        "coopsim_version": package_version("coopsim"),
        "numpy_version": np.__version__,
    }


def differences(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between the arguments of a checkpointed run and of this one, in words."""
    found = []
    for key in sorted(set(before) | set(now)):
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        if key in LABELS:
            found.append(f"{LABELS[key]} differs")
        else:
            found.append(f"{key} was {old}, is now {new}")
    return found


@dataclass
class Checkpoints:
    """A folder of checkpointed chunks for one set of arguments, with each chunk's record
    (checksum, size, shape and dtype) by file name."""

    folder: Path
    arguments: dict[str, Any]
    chunk_size: int
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(
        cls, folder: Path, arguments: dict[str, Any], chunk_size: int, resume: bool
    ) -> Checkpoints:
        """Continue the run checkpointed in `folder` (with `resume`; refused if its manifest
        cannot be read or its arguments differ; every chunk is verified first and those that
        fail are discarded) or start a new one there, discarding earlier checkpoints."""
        folder = Path(folder)
        manifest_path = folder / MANIFEST
        if resume and manifest_path.exists():
            manifest = read_manifest(manifest_path)
            changed = differences(manifest["arguments"], arguments)
            if changed:
                raise InputError(
                    "--resume",
                    f"the interrupted run in {folder} had other arguments: "
                    + "; ".join(changed)
                    + ". Resume with the same ones, or pass --overwrite instead to start again",
                )
            store = cls(folder, arguments, manifest["chunk_size"], dict(manifest["chunks"]))
            store.discard_partial()
            store.verify()
            return store
        store = cls(folder, arguments, chunk_size)
        folder.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            if path.name == MANIFEST or CHUNK_FILE.match(path.name) or _is_temporary(path):
                path.unlink()
        store.write_manifest()
        return store

    def path(self, run: str, start: int, stop: int) -> Path:
        return self.folder / f"{run}-{start:010d}-{stop:010d}.npy"

    def has(self, run: str, start: int, stop: int) -> bool:
        return self.path(run, start, stop).exists()

    def save(self, run: str, start: int, stop: int, values: np.ndarray) -> None:
        """Save a finished chunk: complete and recorded under its final name, or not at all
        (its record goes into the manifest before the file is renamed into place)."""
        path = self.path(run, start, stop)
        values = np.ascontiguousarray(values)
        temporary = path.with_name(path.name + TEMPORARY_SUFFIX)
        buffer = io.BytesIO()
        np.save(buffer, values)  # in memory first: a full disk then raises OSError(ENOSPC)
        content = buffer.getvalue()
        try:
            temporary.write_bytes(content)
            self.records[path.name] = {
                "sha256": hashlib.sha256(content).hexdigest(),
                "bytes": len(content),
                "shape": [int(n) for n in values.shape],
                "dtype": values.dtype.str,
            }
            self.write_manifest()
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def data(self, run: str, bounds: list[tuple[int, int]]) -> ChunkFiles:
        """The saved chunks `bounds` of `run`, read from disk as needed."""
        return ChunkFiles([(start, stop, self.path(run, start, stop)) for start, stop in bounds])

    def discard_partial(self) -> None:
        """Remove files a run killed mid-write left under a temporary name."""
        for path in self.folder.iterdir():
            if _is_temporary(path):
                path.unlink()

    def verify(self) -> list[str]:
        """Check every chunk file against its record; delete each that fails, saying so in one
        line on stderr (the run then computes it again). Records without a file are dropped.
        Returns the names of the chunks discarded."""
        kept: dict[str, dict[str, Any]] = {}
        discarded = []
        for path in sorted(self.folder.iterdir()):
            match = CHUNK_FILE.match(path.name)
            if match is None:
                continue
            record = self.records.get(path.name)
            problem = chunk_problem(path, record, int(match["stop"]) - int(match["start"]))
            if problem is None and record is not None:
                kept[path.name] = record
                continue
            path.unlink()
            discarded.append(path.name)
            print(
                f"coopsim: checkpoint {path.name} {problem}; discarded, it will be recomputed",
                file=sys.stderr,
            )
        if kept != self.records:
            self.records = kept
            self.write_manifest()
        return discarded

    def write_manifest(self) -> None:
        """The manifest with the run's arguments and every chunk's record, replaced in one
        step."""
        manifest = {
            "format": FORMAT,
            "arguments": self.arguments,
            "chunk_size": self.chunk_size,
            "chunks": dict(sorted(self.records.items())),
        }
        text = json.dumps(manifest, indent=2) + "\n"
        _write_atomically(self.folder / MANIFEST, text.encode("utf-8"))


def chunk_problem(path: Path, record: Any, rows: int) -> str | None:
    """What is wrong with the chunk file `path` of `rows` replicates, judged against its
    `record` from the manifest, in words (None when nothing is)."""
    if record is None:
        return f"cannot be verified (no checksum is recorded for it in {MANIFEST})"
    if not _valid_record(record, rows):
        return f"cannot be verified (its record in {MANIFEST} is not valid)"
    reason = _mismatch(path, record)
    return None if reason is None else f"is corrupted ({reason})"


def _mismatch(path: Path, record: dict[str, Any]) -> str | None:
    """How the chunk file `path` differs from its valid `record` (None if it does not)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            shape, fortran_order, dtype = _npy_header(stream)
    except OSError as error:
        return f"cannot be read: {error}"
    except (ValueError, EOFError) as error:
        if size < record["bytes"]:
            return f"truncated: {size} bytes, not the recorded {record['bytes']}"
        return f"cannot be loaded: {error}"
    if list(shape) != record["shape"] or dtype.str != record["dtype"] or fortran_order:
        return (
            f"shape {list(shape)} and dtype {dtype.str}, not the recorded "
            f"{record['shape']} and {record['dtype']}"
        )
    if size != record["bytes"]:
        kind = "truncated" if size < record["bytes"] else "wrong size"
        return f"{kind}: {size} bytes, not the recorded {record['bytes']}"
    try:
        checksum = _file_sha256(path)
    except OSError as error:
        return f"cannot be read: {error}"
    if checksum != record["sha256"]:
        return "checksum mismatch"
    return None


def _file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _npy_header(stream: BinaryIO) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype from a .npy file's header (ValueError if it has none)."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream)
    raise ValueError(f".npy format version {version} is not one coopsim writes")


def _valid_record(record: Any, rows: int) -> bool:
    """A chunk record as `Checkpoints.save` writes it, for a chunk of `rows` replicates."""
    if not isinstance(record, dict):
        return False
    shape, size = record.get("shape"), record.get("bytes")
    return (
        isinstance(record.get("sha256"), str)
        and SHA256.match(record["sha256"]) is not None
        and isinstance(size, int)
        and not isinstance(size, bool)
        and size > 0
        and isinstance(record.get("dtype"), str)
        and isinstance(shape, list)
        and len(shape) == 3
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
        and shape[0] == rows
    )


def _is_temporary(path: Path) -> bool:
    return path.name.endswith(TEMPORARY_SUFFIX)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write `content` under a temporary name and rename it to `path`."""
    temporary = path.with_name(path.name + TEMPORARY_SUFFIX)
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_manifest(path: Path) -> dict[str, Any]:
    """A checkpoint manifest (with `chunks`, empty if it records none), or an input error
    naming the file."""
    restart = "pass --overwrite instead of --resume to start the run again"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # JSON and UTF-8 decoding errors are ValueErrors
        raise InputError(
            str(path), f"cannot be read as a checkpoint manifest ({error}); {restart}"
        ) from None
    if isinstance(manifest, dict):
        manifest.setdefault("chunks", {})
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("arguments"), dict)
        or not isinstance(manifest.get("chunk_size"), int)
        or isinstance(manifest.get("chunk_size"), bool)
        or manifest["chunk_size"] < 1
        or not isinstance(manifest["chunks"], dict)
    ):
        raise InputError(
            str(path), f"is not a coopsim checkpoint manifest (format {FORMAT}); {restart}"
        )
    return manifest


def saved_replicates(folder: Path, run: str = "main") -> int:
    """Replicates of `run` whose chunks are saved in `folder` (for messages)."""
    if not folder.is_dir():
        return 0
    total = 0
    for path in folder.iterdir():
        match = CHUNK_FILE.match(path.name)
        if match and match["run"] == run:
            total += int(match["stop"]) - int(match["start"])
    return total
