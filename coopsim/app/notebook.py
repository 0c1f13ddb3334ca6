"""The explorer inside a notebook: the same server, on a background thread of the kernel,
shown in an output cell as a frame of the page.

>>> from coopsim.app.notebook import explore
>>> running = explore("scenarios")  # doctest: +SKIP
>>> running  # in Jupyter, the page in the cell  # doctest: +SKIP
>>> running.stop()  # doctest: +SKIP
"""

from __future__ import annotations

import html
from pathlib import Path

from coopsim.app.explorer import Explorer, Options
from coopsim.app.library import ScenarioLibrary
from coopsim.app.server import Server
from coopsim.defaults import DEFAULT_REPLICATIONS, DEFAULT_SEED


class Running:
    """A started explorer: its address, a frame of it for notebooks, and `stop()`."""

    def __init__(self, server: Server, height: int) -> None:
        self.server, self.height = server, height

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        """Stop the server, its jobs and worker processes."""
        self.server.stop()

    def __repr__(self) -> str:
        return f"coopsim explorer at {self.url}"

    def _repr_html_(self) -> str:
        """The page in a frame (the browser showing the notebook loads it from this machine)."""
        src = html.escape(self.url, quote=True)
        return (
            f'<iframe src="{src}" title="coopsim scenario explorer" width="100%" '
            f'height="{int(self.height)}" style="border:1px solid #d8dde3"></iframe>'
        )


def explore(
    *scenarios: str | Path,
    export_dir: str | Path = "coopsim-explorer",
    engine: str = "auto",
    seed: int = DEFAULT_SEED,
    replications: int = DEFAULT_REPLICATIONS,
    workers: int | None = None,
    port: int = 0,
    height: int = 900,
) -> Running:
    """Start the explorer on 127.0.0.1 for these scenario files or folders (default
    ./scenarios) and return it; displayed in Jupyter, it shows the page."""
    sources = [Path(s) for s in scenarios] or [Path("scenarios")]
    library = ScenarioLibrary(sources, Path(export_dir))
    explorer = Explorer(library, Options(engine, seed, replications, workers))
    server = Server(explorer, "127.0.0.1", port, Path.cwd())
    server.start()
    return Running(server, height)
