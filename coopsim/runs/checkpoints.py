"""Checkpoints of a forecast's ensemble: each finished chunk saved in a folder as it arrives,
with a manifest of the arguments the results depend on, so that an interrupted run can be
finished later with results identical to a run that was never interrupted.

Files in the folder (`OUT/.checkpoints/` for `coopsim forecast --out OUT`):
- `manifest.json`: format, the run's arguments (hashes of the resolved scenario, the data and
  the posterior; seed, replications, engine, precision goal, coopsim and numpy versions) and
  the chunk size, fixed for the run so that a resume on other workers cuts the same chunks;
- `RUN-START-STOP.npy`: replicates START..STOP-1 of RUN (`main`, or `without_programmes` for
  the paired run of a scenario with programmes), each written under a temporary name and
  renamed into place, so a file that exists is complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
) -> dict[str, Any]:
    """Everything a run's results depend on (and nothing they do not, such as workers)."""
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
    """A folder of checkpointed chunks for one set of arguments."""

    folder: Path
    arguments: dict[str, Any]
    chunk_size: int

    @classmethod
    def open(
        cls, folder: Path, arguments: dict[str, Any], chunk_size: int, resume: bool
    ) -> Checkpoints:
        """Continue the run checkpointed in `folder` (with `resume`; refused if its arguments
        differ) or start a new one there, discarding earlier checkpoints."""
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
            store = cls(folder, arguments, int(manifest["chunk_size"]))
            store.discard_partial()
            return store
        store = cls(folder, arguments, chunk_size)
        folder.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            if path.name == MANIFEST or CHUNK_FILE.match(path.name) or _is_temporary(path):
                path.unlink()
        manifest = {"format": FORMAT, "arguments": arguments, "chunk_size": chunk_size}
        _write_atomically(manifest_path, (json.dumps(manifest, indent=2) + "\n").encode())
        return store

    def path(self, run: str, start: int, stop: int) -> Path:
        return self.folder / f"{run}-{start:010d}-{stop:010d}.npy"

    def has(self, run: str, start: int, stop: int) -> bool:
        return self.path(run, start, stop).exists()

    def save(self, run: str, start: int, stop: int, values: np.ndarray) -> None:
        """Save a finished chunk: complete under its final name, or not at all."""
        path = self.path(run, start, stop)
        temporary = path.with_name(path.name + TEMPORARY_SUFFIX)
        try:
            with temporary.open("wb") as stream:
                np.save(stream, np.ascontiguousarray(values))
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


def _is_temporary(path: Path) -> bool:
    return path.name.endswith(TEMPORARY_SUFFIX)


def _write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(path.name + TEMPORARY_SUFFIX)
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_manifest(path: Path) -> dict[str, Any]:
    """A checkpoint manifest, or an input error naming the file."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(str(path), f"cannot be read as a checkpoint manifest ({error})") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("arguments"), dict)
        or not isinstance(manifest.get("chunk_size"), int)
    ):
        raise InputError(str(path), f"is not a coopsim checkpoint manifest (format {FORMAT})")
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
