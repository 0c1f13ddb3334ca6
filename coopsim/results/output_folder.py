"""Output folders written all or nothing: staged in a hidden sibling, then renamed into place.

A forecast's folder may hold, before its results, the checkpoints of its run in
`.checkpoints/`: an interrupted run leaves them (and nothing else new), and the rename that puts
the finished results in place removes them.

While a command writes a folder OUT it holds a lock, the file `.OUT.lock` beside it: an
exclusive flock(2) on it (released by the kernel when the process ends, however it ends) and,
inside, the process id, start time and command, for the message that refuses a second run.
A lock file whose flock nobody holds was left by a run that was killed: it is taken over, and
what that run left beside OUT while putting its results in place is cleared.

`--overwrite` replaces only a folder coopsim wrote (or an empty one), never the current folder,
one that holds it, or one that holds the run's input files.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from coopsim.errors import InputError
from coopsim.runs.checkpoints import FOLDER_NAME, MANIFEST, read_manifest

#: Signals held back while a folder is being put in place, then delivered.
DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: Below this much free space a write that failed without saying why failed for want of space.
NEARLY_FULL_BYTES = 64 * 1024
#: numpy's message for a write cut short (the file system is full or over quota).
SHORT_WRITE = re.compile(r"(?P<requested>\d+) requested and (?P<written>\d+) written")
_UMASK_LOCK = threading.Lock()


def check_output_dir(
    out: Path, overwrite: bool, resume: bool = False, inputs: Iterable[Path | None] = ()
) -> None:
    """Refuse, before any work, an output folder that would lose a user's files; with
    `resume`, accept one that holds an interrupted run's checkpoints. `inputs` are the files
    the run reads (the folder must not hold them)."""
    _check_place(out, inputs)
    _check_contents(out, overwrite, resume)
    parent = out.resolve().parent
    if not os.access(parent, os.W_OK):
        raise InputError("--out", f"the parent folder {parent} is not writable")


def _check_place(out: Path, inputs: Iterable[Path | None]) -> None:
    """Where the folder is: a folder (or nothing yet) in an existing folder, not the current
    folder or one holding it, and holding none of the run's inputs."""
    if out.exists() and not out.is_dir():
        raise InputError("--out", f"{out} exists and is not a folder")
    target = out.resolve()
    here = Path.cwd().resolve()
    if target == here or target in here.parents:
        what = "is the current folder" if target == here else "holds the current folder"
        raise InputError(
            "--out", f"{out} {what}; it would be replaced: choose a new folder for the results"
        )
    for path in inputs:
        if path is not None and target in Path(path).resolve().parents:
            raise InputError(
                "--out",
                f"{out} holds {path}, an input of this run; it would be replaced: choose a "
                "new folder for the results",
            )
    parent = target.parent
    if not parent.is_dir():
        raise InputError("--out", f"the parent folder {parent} does not exist")


def _check_contents(out: Path, overwrite: bool, resume: bool) -> None:
    """What the folder holds: nothing, or what --resume or --overwrite may replace."""
    if not out.is_dir() or not any(out.iterdir()):
        return
    interrupted = (out / FOLDER_NAME / MANIFEST).is_file()
    if resume and interrupted:
        return
    if not overwrite:
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
    if not written_by_coopsim(out):
        raise InputError(
            "--out",
            f"{out} was not written by coopsim (no coopsim provenance.json, nor only an "
            "interrupted run's checkpoints), so --overwrite does not replace it: choose another "
            "folder, or empty it yourself",
        )


def written_by_coopsim(folder: Path) -> bool:
    """Whether `folder` holds coopsim's results (its provenance.json) or only the checkpoints
    of an interrupted coopsim run."""
    try:
        document = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        document = None
    if isinstance(document, dict) and "coopsim_version" in document:
        return True
    if [path.name for path in folder.iterdir()] != [FOLDER_NAME]:
        return False
    try:
        read_manifest(folder / FOLDER_NAME / MANIFEST)
    except InputError:
        return False
    return True


class OutputLock:
    """The lock a command holds on its output folder while it writes it (see the module)."""

    def __init__(self, path: Path, handle: int) -> None:
        self.path = path
        self._handle: int | None = handle

    def release(self) -> None:
        """Remove the lock file, then let go of the flock (a run waiting on it sees the file
        gone and starts over on a new one)."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(handle)

    def __enter__(self) -> OutputLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def lock_path(out: Path) -> Path:
    """The lock file of output folder `out`: `.NAME.lock` beside it."""
    target = out.resolve()
    return target.parent / f".{target.name}.lock"


@contextmanager
def claimed_output_dir(
    out: Path,
    overwrite: bool,
    resume: bool = False,
    inputs: Iterable[Path | None] = (),
    command: Iterable[str] | None = None,
) -> Iterator[OutputLock]:
    """Check the folder's place, take its lock, then check what it holds (as check_output_dir
    does); the lock is held until the block ends, however it ends. A folder another live run
    holds is refused, naming that run; a place that takes no new files is refused too."""
    inputs = list(inputs)
    _check_place(out, inputs)
    lock = take_lock(out, list(command) if command is not None else sys.argv)
    with lock:
        recover_leftovers(out)
        _check_contents(out, overwrite, resume)
        yield lock


def recover_leftovers(out: Path) -> None:
    """Clear what a run killed while it put its folder in place left beside `out` (call it
    holding the lock): its staging folder goes; the folder it was replacing comes back if
    `out` is missing, else goes too."""
    target = out.resolve()
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(partial|previous)-[a-z0-9_]{{8}}")
    for path in sorted(target.parent.iterdir()):
        found = pattern.fullmatch(path.name)
        if found is None or not path.is_dir() or path.is_symlink():
            continue
        if found[1] == "previous" and not target.exists():
            path.rename(target)
        else:
            shutil.rmtree(path, ignore_errors=True)


def take_lock(out: Path, command: list[str]) -> OutputLock:
    """Take the lock of output folder `out` (see the module), or refuse naming its holder."""
    path = lock_path(out)
    record = {
        "pid": os.getpid(),
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": shlex.join(command),
    }
    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
        except OSError as error:
            reason = describe(error, path)
            raise InputError(
                "--out", f"cannot write {out}: {path.parent} takes no new files ({reason})"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(handle)
            os.close(handle)
            raise InputError("--out", _in_use(out, holder)) from None
        except BaseException:
            os.close(handle)
            raise
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        opened = os.fstat(handle)
        if current is None or (current.st_dev, current.st_ino) != (opened.st_dev, opened.st_ino):
            os.close(handle)  # its holder removed it as we opened it: start over
            continue
        lock = OutputLock(path, handle)
        try:
            stale = _read_holder(handle, wait=False)
            content = (json.dumps(record) + "\n").encode("utf-8")
            os.ftruncate(handle, 0)
            if os.pwrite(handle, content, 0) != len(content):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        except OSError as error:
            lock.release()
            raise InputError("--out", f"cannot write {path} ({describe(error, path)})") from None
        except BaseException:
            lock.release()
            raise
        if stale:
            print(
                f"coopsim: note: took over the lock on {out} left by process "
                f"{stale.get('pid', '?')} (started {stale.get('started', '?')}), which is no "
                "longer running",
                file=sys.stderr,
            )
        return lock


def _read_holder(handle: int, wait: bool = True) -> dict[str, Any] | None:
    """The record in a lock file (its holder may be writing it yet: then wait a little)."""
    for _ in range(20 if wait else 1):
        try:
            text = os.pread(handle, 64 * 1024, 0).decode("utf-8")
            record = json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError):
            record = None
        if isinstance(record, dict):
            return record
        if wait:
            time.sleep(0.05)
    return None


def _in_use(out: Path, holder: dict[str, Any] | None) -> str:
    if holder is None:
        return f"{out} is being written by another coopsim run; wait for it to end"
    return (
        f"{out} is being written by another coopsim run (process {holder.get('pid', '?')}, "
        f"started {holder.get('started', '?')}: {holder.get('command', '?')}); wait for it "
        "to end, or choose another folder"
    )


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux), else
    set and restored under a lock (briefly to a strict value, never to a lax one)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def describe(error: OSError, place: Path) -> str:
    """What a failed write says, in words. A write cut short without an errno (numpy's
    `N requested and M written`) ran out of room, as one with (almost) no free space left
    at `place` did."""
    if error.errno is not None:
        return os.strerror(error.errno)
    short = SHORT_WRITE.search(str(error))
    if short:
        return (
            f"{os.strerror(errno.ENOSPC)} (only {int(short['written']):,} of "
            f"{int(short['requested']):,} bytes were written)"
        )
    try:
        stats = os.statvfs(place if place.is_dir() else place.parent)
        if stats.f_bavail * stats.f_frsize < NEARLY_FULL_BYTES:
            return os.strerror(errno.ENOSPC)
    except OSError:
        pass
    return str(error)


def write_error(error: OSError, path: Path, shown: Path | None = None) -> OSError:
    """`error` of a write to `path` as an OSError that has an errno and names the file
    (`shown`, e.g. its final name rather than its staging name)."""
    reason = describe(error, path)
    code = error.errno
    if code is None:
        code = errno.ENOSPC if reason.startswith(os.strerror(errno.ENOSPC)) else errno.EIO
    return OSError(code, reason, str(shown or error.filename or path))


@contextmanager
def writing(path: Path, shown: Path | None = None) -> Iterator[None]:
    """Any OSError of the block, as one that names `shown` (or `path`) and has an errno."""
    try:
        yield
    except OSError as error:
        raise write_error(error, path, shown) from error


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces `out`, on any failure it disappears.
    The folder gets the permissions the umask gives a new folder; an OSError that names no
    file is raised naming `out`."""
    out = out.resolve()
    with writing(out.parent, out):
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        os.chmod(staging, 0o777 & ~current_umask())
        yield staging
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if error.filename is None or error.errno is None:
            raise write_error(error, staging, out) from error
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with interrupts_deferred():  # `out` is never left missing, nor the old one behind
        previous = None
        try:
            if out.exists():
                previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
                previous.rmdir()
                out.rename(previous)
            staging.rename(out)
        except BaseException:
            if previous is not None and not out.exists():
                previous.rename(out)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C or SIGTERM that arrives inside the block until the block is done, then
    deliver it to the handler it would have reached."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {
        number: signal.signal(number, lambda number, frame: caught.append(number))
        for number in DEFERRED_SIGNALS
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    for number in dict.fromkeys(caught):
        handler = previous[number]
        if callable(handler):
            handler(number, None)
        elif handler == signal.SIG_DFL:
            signal.raise_signal(number)


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
