"""Output folders written all or nothing: staged in a hidden sibling, then renamed into place.

A forecast's folder may hold, before its results, the checkpoints of its run in
`.checkpoints/`: an interrupted run leaves them (and nothing else new), and the rename that puts
the finished results in place removes them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from coopsim.errors import InputError
from coopsim.runs.checkpoints import FOLDER_NAME, MANIFEST


def check_output_dir(out: Path, overwrite: bool, resume: bool = False) -> None:
    """Refuse, before any work, an output folder that would lose a user's files; with
    `resume`, accept one that holds an interrupted run's checkpoints."""
    if out.exists() and not out.is_dir():
        raise InputError("--out", f"{out} exists and is not a folder")
    interrupted = (out / FOLDER_NAME / MANIFEST).is_file()
    if out.is_dir() and any(out.iterdir()) and not overwrite and not (resume and interrupted):
        if interrupted:
            raise InputError(
                "--out",
                f"{out} holds an interrupted run; pass --resume to finish it (same arguments), "
                "or --overwrite to start again",
            )
        raise InputError(
            "--out",
            f"{out} exists and is not empty; choose another folder or pass --overwrite "
            "to replace it",
        )
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError("--out", f"the parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError("--out", f"the parent folder {parent} is not writable")


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces `out`, on any failure it disappears."""
    out = out.resolve()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with interrupts_deferred():  # `out` is never left missing, nor the old one behind
        previous = None
        if out.exists():
            previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
            previous.rmdir()
            out.rename(previous)
        staging.rename(out)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C that arrives inside the block until the block is done, then raise it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def write_json(path: Path, document: Any) -> None:
    """Write JSON with a trailing newline, readable by people and strict JSON parsers."""
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")


@contextmanager
def staged_files(folder: Path) -> Iterator[Path]:
    """Yield a staging folder inside `folder`; on success its files replace their namesakes in
    `folder` (each by a rename, so no reader sees half a file), on any failure none does."""
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
    try:
        yield staging
        names = sorted(p.name for p in staging.iterdir())
        kept = staging / ".previous"
        kept.mkdir()
        done: list[str] = []
        try:
            for name in names:
                if (folder / name).exists():
                    os.replace(folder / name, kept / name)
                done.append(name)
                os.replace(staging / name, folder / name)
        except BaseException:
            for name in reversed(done):  # put every earlier file back as it was
                if (kept / name).exists():
                    os.replace(kept / name, folder / name)
                else:
                    (folder / name).unlink(missing_ok=True)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def finish_folder(staging: Path, document: dict[str, Any]) -> list[str]:
    """Write provenance.json into a staging folder, last; the names of every file it holds."""
    write_json(staging / "provenance.json", document)
    return sorted(path.name for path in staging.iterdir())
