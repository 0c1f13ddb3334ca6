"""The explorer's state behind the page: scenario files and what no move changes (cached),
answers by change set, and the background jobs (Monte Carlo runs, goal seeks, briefs).

Caches, so that a move computes only what it changes: each file's loaded scenario, region,
plan and settings (until the file changes on disk); the unchanged scenario's answer (the
comparison's reference); and recent answers by change set, so going back to a value is
instant. Charts are drawn once per answer, round, metric and language.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coopsim.app.answers import Answer, choose_engine, exact_result, monte_carlo_result
from coopsim.app.changes import Applied, Base, Changes, apply_changes, as_changes, load_base
from coopsim.app.charts import fan_png
from coopsim.app.jobs import Job, JobBoard
from coopsim.app.library import ScenarioLibrary
from coopsim.app.montecarlo import run_in_rounds
from coopsim.brief.catalogue import Lang
from coopsim.defaults import DEFAULT_REPLICATIONS, DEFAULT_SEED
from coopsim.errors import InputError
from coopsim.runs.executors import Executor, PoolExecutor

#: Answers and charts kept for going back to a value.
KEEP_ANSWERS, KEEP_CHARTS = 64, 96


@dataclass(frozen=True)
class Options:
    """What every answer is computed with: the engine asked for, seed and replicates."""

    engine: str = "auto"
    seed: int = DEFAULT_SEED
    replications: int = DEFAULT_REPLICATIONS
    workers: int | None = None


class Explorer:
    """Scenario files, cached answers and background jobs for the page's requests."""

    def __init__(self, library: ScenarioLibrary, options: Options = Options()) -> None:
        self.library, self.options = library, options
        self.jobs = JobBoard()
        self._bases: dict[Path, tuple[float, Base]] = {}
        self._answers: OrderedDict[tuple[Path, Changes], Answer] = OrderedDict()
        self._by_id: dict[str, Answer] = {}
        self._references: dict[Path, Answer] = {}
        self._charts: OrderedDict[tuple[str, int, str, str], bytes] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._executor: Executor | None = None

    @property
    def executor(self) -> Executor:
        """The worker processes every Monte Carlo run shares (started when first needed)."""
        if self._executor is None:
            self._executor = PoolExecutor(self.options.workers)
        return self._executor

    def base(self, scenario_id: object) -> Base:
        """A listed scenario file as written (re-read when the file changes on disk)."""
        path = self.library.path_of(scenario_id)
        stamp = path.stat().st_mtime
        with self._lock:
            cached = self._bases.get(path)
            if cached is None or cached[0] != stamp:
                self._bases[path] = (stamp, load_base(path))
                self._references.pop(path, None)  # answers for the file as it was
                for key in [key for key in self._answers if key[0] == path]:
                    del self._answers[key]
            return self._bases[path][1]

    def applied(self, scenario_id: object, sent: object) -> Applied:
        """The scenario with the page's changes applied, or Refused (per setting)."""
        base = self.base(scenario_id)
        return apply_changes(
            base, as_changes(base, sent if sent is not None else {}), self.options.seed
        )

    def answer(self, scenario_id: object, sent: object, client: str) -> Answer:
        """The answer for these changes: cached, computed now (exact) or started (Monte
        Carlo, which cancels the page's older run)."""
        applied = self.applied(scenario_id, sent)
        key = (applied.base.path, applied.changes)
        with self._lock:
            found = self._answers.get(key)
            if found is not None and (found.exact or self._live(found)):
                self._answers.move_to_end(key)
                return found
        reference = self.reference(applied.base, client)
        if not applied.changes:
            return reference
        answer = self._new_answer(applied)
        if answer.exact:
            answer.publish(
                exact_result(applied, answer.choice, self.options.seed), reference.result
            )
        else:
            self._start(answer, client, reference)
        return self._remember(key, answer)

    def reference(self, base: Base, client: str) -> Answer:
        """The unchanged scenario's answer, the reference of every comparison (once per file)."""
        with self._lock:
            found = self._references.get(base.path)
            if found is not None:
                return found
            applied = apply_changes(base, (), self.options.seed)
            answer = self._new_answer(applied)
            if answer.exact:
                answer.publish(exact_result(applied, answer.choice, self.options.seed), None)
                answer.reference = answer.result
            else:
                self._start(answer, client, answer)
            self._references[base.path] = answer
            self._by_id[answer.id] = answer
            return answer

    def by_id(self, answer_id: object) -> Answer:
        """An answer the page was given, by its id."""
        found = self._by_id.get(answer_id) if isinstance(answer_id, str) else None
        if found is None:
            raise InputError("answer", f"no answer {answer_id!r}; ask for one again")
        return found

    def chart(self, answer_id: object, version: int, metric: str, lang: Lang) -> bytes:
        """A fan chart of an answer's result (its round `version`), drawn once."""
        answer = self.by_id(answer_id)
        key = (answer.id, version, metric, lang.code)
        with self._lock:
            if key in self._charts:
                return self._charts[key]
        result = answer.result
        if result is None or version != answer.version:
            raise InputError("version", "that round of the answer has been replaced")
        png = fan_png(result, metric, lang)
        with self._lock:
            self._charts[key] = png
            while len(self._charts) > KEEP_CHARTS:
                self._charts.popitem(last=False)
        return png

    def submit(self, kind: str, client: str, work: Callable[[Job], object]) -> Job:
        """Background work for the page (a goal seek, a brief)."""
        return self.jobs.submit(kind, client, work)

    def close(self) -> None:
        """Stop every job and the worker processes."""
        self.jobs.close()
        if self._executor is not None:
            self._executor.close(abort=True)

    def _new_answer(self, applied: Applied) -> Answer:
        choice = choose_engine(self.options.engine, applied)
        replications = 0 if choice.name == "exact" else self.options.replications
        return Answer(f"a{next(self._ids)}", applied, choice, self.options.seed, replications)

    def _remember(self, key: tuple[Path, Changes], answer: Answer) -> Answer:
        with self._lock:
            self._answers[key] = answer
            self._by_id[answer.id] = answer
            while len(self._answers) > KEEP_ANSWERS:
                _, old = self._answers.popitem(last=False)
                if old not in self._references.values():
                    self._by_id.pop(old.id, None)
        return answer

    def _live(self, answer: Answer) -> bool:
        """Whether a Monte Carlo answer's run finished or is still to finish (not cancelled
        or failed: asking again then starts it afresh)."""
        try:
            job = self.jobs.get(answer.job)
        except InputError:
            return False
        return job.state in ("queued", "running", "done")

    def _start(self, answer: Answer, client: str, reference: Answer) -> None:
        """Run a Monte Carlo answer in rounds; a newer change for the page cancels it. Jobs
        run in order on one thread, so the reference's run (queued when the file was first
        opened, and never cancelled) has finished before any change's run starts."""
        applied, options = answer.applied, self.options
        own = reference is answer

        def publish(values: np.ndarray) -> None:
            result = monte_carlo_result(applied, answer.choice, options.seed, values)
            answer.publish(result, result if own else reference.result)

        def work(job: Job) -> None:
            run_in_rounds(
                job,
                applied.plan,
                answer.choice,
                options.seed,
                options.replications,
                self.executor,
                publish,
            )

        kind, owner = ("reference", answer.id) if own else ("answer", client)
        answer.job = self.jobs.submit(kind, owner, work).id
