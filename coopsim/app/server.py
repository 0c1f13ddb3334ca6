"""Running the explorer: a tornado server on its own thread and event loop, on 127.0.0.1
and a free port by default, started and stopped the same way from the command line and
from a notebook.

While it runs, BLAS is kept to one thread in the whole process (coopsim.threads). Its
threads (requests, charts, background jobs) and, in a notebook, the kernel's own coopsim
calls each limit BLAS around their work; the limit is process-wide, so one of them ending
would otherwise give the others back a threaded BLAS in the middle of theirs, which on a
busy machine makes the exact engine's small matrix products many times slower.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
from pathlib import Path
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from coopsim.app.explorer import Explorer
from coopsim.app.handlers import Context, application
from coopsim.threads import single_threaded_blas

#: The largest request body the API takes (a change set is a few hundred bytes).
MAX_BODY = 256 * 1024
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine only (127.0.0.0/8, ::1 or localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Server:
    """The explorer's web server; `start` returns its address, `stop` ends it."""

    def __init__(
        self, explorer: Explorer, host: str = "127.0.0.1", port: int = 0, folder: Path = Path()
    ) -> None:
        self.explorer, self.host, self.port = explorer, host, port
        self.folder = folder.resolve()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._context: Context | None = None
        self._blas: Any = None

    @property
    def url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}/"

    def _hosts(self) -> set[str]:
        """Host headers accepted: the bound name and port (any, when exposed to a network)."""
        if not is_loopback(self.host):
            return set()
        names = {*LOOPBACK_NAMES, self.host}
        return {f"{n}:{self.port}" for n in names} | {f"[::1]:{self.port}"}

    def start(self) -> str:
        """Bind (port 0: a free one), serve on a background thread, return the address."""
        try:
            sockets = bind_sockets(self.port, self.host, family=socket.AF_UNSPEC)
        except OSError as error:
            from coopsim.errors import InputError

            raise InputError(
                "--port", f"cannot listen on {self.host}:{self.port}: {error.strerror}"
            ) from None
        self.port = sockets[0].getsockname()[1]
        self._blas = single_threaded_blas()  # applied now, restored by stop()
        self._context = Context(self.explorer, self._hosts(), self.folder)
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(sockets),), name="coopsim-app", daemon=True
        )
        self._thread.start()
        self._ready.wait(timeout=30)
        return self.url

    async def _serve(self, sockets: list[socket.socket]) -> None:
        assert self._context is not None
        server = HTTPServer(application(self._context), max_body_size=MAX_BODY)
        server.add_sockets(sockets)
        self._loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self._ready.set()
        await self._stopped.wait()
        server.stop()
        await server.close_all_connections()

    def stop(self) -> None:
        """Stop serving, cancel background work and end the worker processes."""
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._context is not None:
            self._context.close()
        self.explorer.close()
        if self._blas is not None:
            self._blas.restore_original_limits()
            self._blas = None
