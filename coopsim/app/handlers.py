"""The explorer's web endpoints (tornado request handlers): the page and its files, and a
small JSON API that the page calls after every move.

Each request names scenarios by listed id and exports by plain name (coopsim.app.library),
posts JSON only, and is answered from the shared Explorer; computing runs on worker threads
so that the server keeps answering (and polling keeps working) while a chart is drawn.
"""

from __future__ import annotations

import asyncio
import json
import os
from concurrent.futures import CancelledError, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tornado.web
from tornado.ioloop import IOLoop

from coopsim.app.changes import Refused
from coopsim.app.explorer import Explorer
from coopsim.app.exports import export_brief, export_scenario
from coopsim.app.goals import check_goal, goal_view, seek
from coopsim.app.views import answer_view, language, scenario_list, scenario_view
from coopsim.brief.catalogue import LANGUAGES
from coopsim.errors import InputError

STATIC = Path(__file__).with_name("static")


class Context:
    """What every handler shares: the explorer, its threads and the allowed Host names."""

    def __init__(self, explorer: Explorer, hosts: set[str], folder: Path) -> None:
        self.explorer, self.hosts, self.folder = explorer, hosts, folder
        self.compute = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coopsim-app")
        self.draw = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coopsim-app-chart")

    def close(self) -> None:
        self.compute.shutdown(wait=False, cancel_futures=True)
        self.draw.shutdown(wait=False, cancel_futures=True)


class Base(tornado.web.RequestHandler):
    """Checks the Host header (against DNS rebinding) and answers errors as JSON."""

    def initialize(self, context: Context) -> None:
        self.context = context
        self.explorer = context.explorer

    def prepare(self) -> None:
        host = self.request.host.lower()
        if self.context.hosts and host not in self.context.hosts:
            raise tornado.web.HTTPError(403, "unknown Host header")
        if self.request.method == "POST":
            kind = self.request.headers.get("Content-Type", "").split(";")[0].strip()
            if kind != "application/json":
                raise tornado.web.HTTPError(415, "the API takes application/json")

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
        )

    def body(self) -> dict[str, Any]:
        try:
            sent = json.loads(self.request.body or b"{}")
        except ValueError:
            raise InputError("request", "the body is not JSON") from None
        if not isinstance(sent, dict):
            raise InputError("request", "the body must be a JSON object")
        return sent

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload, allow_nan=False, default=str))

    async def run(self, work: Any, *args: Any) -> Any:
        return await IOLoop.current().run_in_executor(self.context.compute, work, *args)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = self._reason
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, tornado.web.HTTPError) and error.log_message:
            reason = error.log_message
        self.reply({"error": reason}, status_code)

    def _handle_request_exception(self, error: BaseException) -> None:
        if self._finished:
            return
        if isinstance(error, Refused):
            self.reply({"error": str(error), "refused": error.messages}, 400)
        elif isinstance(error, InputError):
            self.reply({"error": str(error), "field": error.field or error.source}, 400)
        elif isinstance(error, CancelledError | asyncio.CancelledError):  # stopping
            self.reply({"error": "the explorer is stopping"}, 503)
        else:
            super()._handle_request_exception(error)


class Page(Base):
    """The page itself."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((STATIC / "index.html").read_bytes())


class Static(tornado.web.StaticFileHandler):
    """The page's script, styles and icon, from the package (and exports, from their
    folder); tornado refuses any path that resolves outside the folder it serves."""

    def initialize(self, path: str, context: Context) -> None:  # type: ignore[override]
        super().initialize(path)
        self.context = context

    def prepare(self) -> None:
        if self.context.hosts and self.request.host.lower() not in self.context.hosts:
            raise tornado.web.HTTPError(403, "unknown Host header")

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        """Tornado's check, on the real paths too: a link inside the folder that points
        outside it is refused."""
        real_root = os.path.realpath(root)
        if not os.path.realpath(absolute_path).startswith(real_root + os.path.sep):
            raise tornado.web.HTTPError(403, "%s is not in the served folder", self.path)
        return super().validate_absolute_path(root, absolute_path)

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")


class Scenarios(Base):
    """The scenarios the page may open, and the languages."""

    def get(self) -> None:
        self.reply(
            {"scenarios": scenario_list(self.explorer.library), "languages": list(LANGUAGES)}
        )


class Scenario(Base):
    """A scenario's settings, targets and data (its unchanged answer computed first)."""

    async def get(self) -> None:
        scenario_id = self.get_query_argument("id", "")
        lang = language(self.get_query_argument("lang", "en"))
        client = self.get_query_argument("client", "page")

        def view() -> dict[str, Any]:
            base = self.explorer.base(scenario_id)
            reference = self.explorer.reference(base, client)
            return scenario_view(base, scenario_id, lang, reference)

        self.reply(await self.run(view))


class Answers(Base):
    """POST: the answer to a set of changes; GET: an answer again (a Monte Carlo one polls)."""

    async def post(self) -> None:
        sent = self.body()
        lang = language(sent.get("lang", "en"))
        client = str(sent.get("client", "page"))[:64]

        def view() -> dict[str, Any]:
            answer = self.explorer.answer(sent.get("scenario"), sent.get("changes", {}), client)
            return answer_view(answer, lang, self.explorer.jobs, self.context.folder)

        self.reply(await self.run(view))

    def get(self, answer_id: str) -> None:
        lang = language(self.get_query_argument("lang", "en"))
        answer = self.explorer.by_id(answer_id)
        self.reply(answer_view(answer, lang, self.explorer.jobs, self.context.folder))


class Chart(Base):
    """A fan chart of an answer, as PNG."""

    async def get(self, answer_id: str, version: str, metric: str) -> None:
        lang = language(self.get_query_argument("lang", "en"))
        loop = IOLoop.current()
        png = await loop.run_in_executor(
            self.context.draw, self.explorer.chart, answer_id, int(version), metric, lang
        )
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", "private, max-age=3600")
        self.finish(png)


class Goal(Base):
    """Start a goal seek on the scenario as changed."""

    async def post(self) -> None:
        sent = self.body()
        client = str(sent.get("client", "page"))[:64]
        answer = await self.run(
            self.explorer.answer, sent.get("scenario"), sent.get("changes", {}), client
        )
        target, lever = sent.get("target"), sent.get("lever")
        wanted = check_goal(answer, target, lever, sent.get("probability"))
        executor = self.explorer.executor
        job = self.explorer.submit(
            "goal", client, lambda job: seek(job, answer, str(target), str(lever), wanted, executor)
        )
        self.reply(job.as_dict())


class Export(Base):
    """Export the scenario file now, or start writing the brief."""

    async def post(self) -> None:
        sent = self.body()
        client = str(sent.get("client", "page"))[:64]
        lang = language(sent.get("lang", "en"))
        answer = await self.run(
            self.explorer.answer, sent.get("scenario"), sent.get("changes", {}), client
        )
        library, name = self.explorer.library, sent.get("name")
        if sent.get("kind") == "brief":
            library.export_path(name, ".html")  # refuse a bad name before any work
            job = self.explorer.submit(
                "brief", client, lambda job: export_brief(job, library, answer, name, lang.code)
            )
            self.reply(job.as_dict())
            return
        out = await self.run(export_scenario, library, answer, name)
        self.reply({"file": str(out), "url": f"exports/{out.name}"})


class Jobs(Base):
    """A background job's progress and, when done, what it produced."""

    def get(self, job_id: str) -> None:
        lang = language(self.get_query_argument("lang", "en"))
        job = self.explorer.jobs.get(job_id)
        payload = job.as_dict()
        if job.state == "done" and job.kind == "goal":
            payload["goal"] = goal_view(job.result, lang)
        elif job.state == "done" and job.kind == "brief":
            payload |= {"file": str(job.result), "url": f"exports/{job.result.name}"}
        self.reply(payload)


def _log_failures(handler: tornado.web.RequestHandler) -> None:
    """Log only requests the server failed (5xx): refused input is answered, not logged."""
    if handler.get_status() >= 500 and handler.get_status() != 503:
        tornado.web.access_log.error(
            "%d %s %.1f ms",
            handler.get_status(),
            handler.request.uri,
            1000 * handler.request.request_time(),
        )


def application(context: Context) -> tornado.web.Application:
    """The routes: the page, its files, the exports and the API."""
    shared = {"context": context}
    exports = str(context.explorer.library.export_folder)
    return tornado.web.Application(
        [
            (r"/", Page, shared),
            (r"/static/(.*)", Static, {"path": str(STATIC), **shared}),
            (r"/exports/(.*)", Static, {"path": exports, **shared}),
            (r"/api/scenarios", Scenarios, shared),
            (r"/api/scenario", Scenario, shared),
            (r"/api/answer", Answers, shared),
            (r"/api/answer/([A-Za-z0-9]+)", Answers, shared),
            (r"/api/chart/([A-Za-z0-9]+)/([0-9]+)/([A-Za-z0-9_]+)\.png", Chart, shared),
            (r"/api/goal", Goal, shared),
            (r"/api/export", Export, shared),
            (r"/api/job/([A-Za-z0-9-]+)", Jobs, shared),
        ],
        log_function=_log_failures,
        compress_response=False,
        xsrf_cookies=False,
        autoreload=False,
        debug=False,
    )
