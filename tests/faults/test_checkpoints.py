"""Damaged checkpoints: a resume verifies every saved chunk before it computes anything, discards
(and so recomputes) each one that fails, and ends with the bytes of a run never interrupted; a
manifest that cannot be read is refused as bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from coopsim.analyses.forecast import forecast
from coopsim.cli.main import main
from coopsim.inputs.region_data import region_for
from coopsim.inputs.scenario import load_scenario
from coopsim.runs.checkpoints import FOLDER_NAME, MANIFEST, Checkpoints

from ..conftest import OUTPUTS, SHORT

REPLICATIONS, SEED = 48, 11


@dataclass(frozen=True)
class Interrupted:
    """A scenario file, its uninterrupted results, and the checkpoints of the same run."""

    scenario: Path
    reference: Path
    checkpoints: Path

    def command(self, out: Path) -> list[str]:
        return [
            *("forecast", str(self.scenario), "--engine", "des", "--quiet"),
            *("--replications", str(REPLICATIONS), "--seed", str(SEED), "--workers", "1"),
            *("--out", str(out)),
        ]

    def copy(self, out: Path) -> Path:
        """An output folder as an interrupted run leaves it: some chunks saved, two missing
        (one of them recorded in the manifest, as when a run stops between the record and the
        rename), and a chunk left half-written under its temporary name."""
        folder = out / FOLDER_NAME
        shutil.copytree(self.checkpoints, folder)
        chunks = chunk_files(folder)
        manifest = json.loads((folder / MANIFEST).read_text())
        del manifest["chunks"][chunks[-1].name]
        (folder / MANIFEST).write_text(json.dumps(manifest))
        chunks[-1].unlink()
        chunks[-2].rename(chunks[-2].with_name(chunks[-2].name + ".partial"))
        return folder


def chunk_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("main-*.npy"))


def same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> Interrupted:
    base = tmp_path_factory.mktemp("checkpoints")
    scenario = base / "short.toml"
    scenario.write_text(SHORT)
    loaded = load_scenario(scenario)
    checkpoints = base / "saved" / FOLDER_NAME
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecast(
            loaded.scenario,
            replications=REPLICATIONS,
            seed=SEED,
            engine="des",
            workers=1,
            region=region_for(loaded.scenario, loaded.path),
            checkpoints=checkpoints,
        )
    run = Interrupted(scenario, base / "reference", checkpoints)
    assert main(run.command(run.reference)) == 0
    assert len(chunk_files(checkpoints)) == 8
    return run


def flip_a_bit(path: Path) -> None:
    """One bit of the exponent of the chunk's first value (a count of cooperatives)."""
    offset = np.load(path, mmap_mode="r").offset + 7  # little-endian: byte 7 holds it
    content = bytearray(path.read_bytes())
    content[offset] ^= 0x01
    path.write_bytes(bytes(content))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def reshape(path: Path) -> None:
    np.save(path, np.zeros((6, 2, 3)))


def forget(path: Path) -> None:
    manifest_path = path.parent / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    del manifest["chunks"][path.name]
    manifest_path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (flip_a_bit, "is corrupted (checksum mismatch)"),
        (truncate, "is corrupted (truncated:"),
        (reshape, "is corrupted (shape [6, 2, 3]"),
        (forget, "cannot be verified (no checksum is recorded for it in manifest.json)"),
    ],
    ids=["flipped-bit", "truncated", "other-shape", "no-record"],
)
def test_a_damaged_chunk_is_named_discarded_and_recomputed(
    interrupted: Interrupted,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    out = tmp_path / "out"
    damaged = chunk_files(interrupted.copy(out))[2]
    damage(damaged)
    capsys.readouterr()
    assert main([*interrupted.command(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "checkpoint" in line]
    assert len(lines) == 1, err  # the damaged chunk, and nothing about the missing ones
    assert lines[0].startswith(f"coopsim: checkpoint {damaged.name} {reason}")
    assert lines[0].endswith("; discarded, it will be recomputed")
    same_outputs(out, interrupted.reference)
    assert not (out / FOLDER_NAME).exists()


def test_every_chunk_is_verified_when_the_run_is_opened(
    interrupted: Interrupted, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before any replicate is computed: each bad chunk is gone, each good one kept, each
    record without a file dropped and the half-written file removed."""
    folder = interrupted.copy(tmp_path / "out")
    chunks = chunk_files(folder)
    flip_a_bit(chunks[0])
    truncate(chunks[3])
    reshape(chunks[5])
    manifest = json.loads((folder / MANIFEST).read_text())
    capsys.readouterr()
    store = Checkpoints.open(folder, manifest["arguments"], 999, resume=True)
    err = capsys.readouterr().err.splitlines()
    bad = [chunks[0].name, chunks[3].name, chunks[5].name]
    assert [line.split()[2] for line in err] == bad
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [MANIFEST, *(p.name for p in chunks if p.name not in bad)]
    )
    assert store.chunk_size == 6  # the interrupted run's, not this caller's
    kept = json.loads((folder / MANIFEST).read_text())["chunks"]
    assert sorted(kept) == sorted(store.records) == [p.name for p in chunk_files(folder)]


def test_a_truncated_chunk_among_missing_ones_is_recomputed_and_the_next_resume_works(
    interrupted: Interrupted, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    truncate(chunk_files(interrupted.copy(out))[0])
    assert main([*interrupted.command(out), "--resume"]) == 0
    assert "is corrupted (truncated" in capsys.readouterr().err
    same_outputs(out, interrupted.reference)


@pytest.mark.parametrize(
    "content",
    [b'{"format": 1, "arguments": {', b"", b"\xff\xfe", b'{"format": 1, "chunks": []}'],
    ids=["cut-json", "empty", "not-utf8", "not-a-manifest"],
)
def test_an_unreadable_manifest_is_refused_naming_the_file(
    interrupted: Interrupted,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
) -> None:
    out = tmp_path / "out"
    folder = interrupted.copy(out)
    (folder / MANIFEST).write_bytes(content)
    before = sorted(p.name for p in folder.iterdir())
    capsys.readouterr()
    assert main([*interrupted.command(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith(f"coopsim: error: {folder / MANIFEST}: ")
    assert "--overwrite" in err
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing discarded
    assert [p.name for p in out.iterdir()] == [FOLDER_NAME]


def test_each_saved_chunk_is_recorded_with_the_checksum_of_its_bytes(tmp_path: Path) -> None:
    folder = tmp_path / FOLDER_NAME
    store = Checkpoints.open(folder, {"seed": 1}, 4, resume=False)
    values = np.arange(4 * 3 * 2, dtype=float).reshape(4, 3, 2)
    store.save("main", 0, 4, values)
    store.save("main", 4, 8, values[::-1])
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["arguments"] == {"seed": 1} and manifest["chunk_size"] == 4
    for path in chunk_files(folder):
        record = manifest["chunks"][path.name]
        assert record == {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "bytes": path.stat().st_size,
            "shape": [4, 3, 2],
            "dtype": np.dtype(float).str,
        }
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [MANIFEST, *manifest["chunks"]]
    )  # no temporary file left
    fresh = Checkpoints.open(folder, {"seed": 2}, 4, resume=False)  # a new run forgets them
    assert fresh.records == {} and [p.name for p in folder.iterdir()] == [MANIFEST]
    assert json.loads((folder / MANIFEST).read_text())["chunks"] == {}
