"""Work that outlasts a request (Monte Carlo runs, goal seeks, briefs): one background thread
runs it, the page polls its progress, and a newer job of the same kind for the same page
cancels the older one."""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from coopsim.errors import InputError


class Cancelled(Exception):
    """Raised inside a job's work when a newer job has replaced it."""


@dataclass
class Job:
    """One piece of background work: its state, progress and what it produced."""

    id: str
    kind: str
    client: str
    state: str = "queued"  # queued, running, done, failed, cancelled
    done: int = 0
    total: int = 0
    result: Any = None
    error: str = ""
    cancel: threading.Event = field(default_factory=threading.Event)

    def check(self) -> None:
        """Stop here if the job was cancelled."""
        if self.cancel.is_set():
            raise Cancelled

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.id,
            "kind": self.kind,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "error": self.error,
        }


class JobBoard:
    """Jobs by id, run one at a time in submission order on one thread."""

    def __init__(self, keep: int = 200) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coopsim-app-job")
        self._jobs: dict[str, Job] = {}
        self._latest: dict[tuple[str, str], Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._keep = keep

    def submit(self, kind: str, client: str, work: Callable[[Job], Any]) -> Job:
        """Queue `work(job)`; an older job of this kind for this client is cancelled."""
        with self._lock:
            job = Job(f"{kind}-{next(self._ids)}", kind, client)
            older = self._latest.get((kind, client))
            if older is not None:
                older.cancel.set()
            self._latest[(kind, client)] = job
            self._jobs[job.id] = job
            for stale in list(self._jobs)[: max(0, len(self._jobs) - self._keep)]:
                del self._jobs[stale]
        self._thread.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Job], Any]) -> None:
        if job.cancel.is_set():
            job.state = "cancelled"
            return
        job.state = "running"
        try:
            job.result = work(job)
            job.state = "done"
        except Cancelled:
            job.state = "cancelled"
        except InputError as error:
            job.error, job.state = str(error), "failed"
        except Exception as error:  # shown on the page rather than lost in a thread
            job.error, job.state = f"{type(error).__name__}: {error}", "failed"
            traceback.print_exc()

    def get(self, job_id: object) -> Job:
        """The job with this id, or an InputError naming the field."""
        job = self._jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None:
            raise InputError("job", f"no job {job_id!r} (finished jobs are kept a while)")
        return job

    def close(self) -> None:
        """Cancel every job and stop the thread."""
        for job in list(self._jobs.values()):
            job.cancel.set()
        self._thread.shutdown(wait=True, cancel_futures=True)
