"""One progress bar for a whole run (tqdm): replicates done, rate and time left.

One bar covers a run, whatever executes it: the process that collects the chunks advances it
as each one finishes, on any worker. tqdm.auto draws it as a widget in Jupyter and as a line
on stderr in a terminal; elsewhere (a pipe, a log file, CI) it is off unless asked for.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (where stderr is not a terminal but a bar is
    wanted, drawn as a widget)."""
    shell = sys.modules.get("IPython")
    get_ipython = getattr(shell, "get_ipython", None)
    try:
        return get_ipython is not None and "IPKernelApp" in get_ipython().config
    except AttributeError:  # IPython imported, but no shell running
        return False


class Progress:
    """Shown only once a run has lasted `delay` seconds, and only when enabled (default: a
    terminal or a notebook). A resumed run's bar starts at the replicates already saved
    (`skip`), which do not count toward the rate."""

    def __init__(
        self,
        total: int,
        label: str = "replicates",
        enabled: bool | None = None,
        stream: TextIO | None = None,
        delay: float = 1.0,
    ) -> None:
        from tqdm.auto import tqdm

        stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = in_notebook() or stream.isatty()
        self.label = label
        self._done, self._total = 0, total
        self._bar: Any = tqdm(
            total=total,
            unit=f" {label}",
            file=stream,
            delay=delay,
            disable=not enabled,
            leave=True,
            dynamic_ncols=True,
            mininterval=0.2,
            bar_format="{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt}{unit}  "
            "{rate_noinv_fmt}  {remaining} left",
        )

    @property
    def done(self) -> int:
        return self._done

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        """A run that grows in rounds (--precision) moves its end."""
        self._total = value
        self._bar.total = value
        self._bar.refresh()

    def advance(self, n: int) -> None:
        """Record n more items done."""
        self._done += n
        self._bar.update(n)

    def skip(self, n: int) -> None:
        """Record n items done before this run started (a resumed run's checkpoints): the bar
        starts there, and the rate counts only what this run does."""
        self._done += n
        if not self._bar.disable:  # a disabled tqdm keeps no counters
            self._bar.initial += n
            self._bar.update(n)

    def close(self) -> None:
        """Finish the bar (a line is ended only if one was drawn)."""
        self._bar.close()
