"""A one-line progress bar on stderr: replicates done, rate and time left.

One bar covers a whole run, whatever executes it: the process that collects the chunks
advances it as each one finishes, on any worker.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Shown only once a run has lasted `delay` seconds, and only when enabled (a terminal)."""

    def __init__(
        self,
        total: int,
        label: str = "replicates",
        enabled: bool | None = None,
        stream: TextIO | None = None,
        delay: float = 1.0,
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.delay = delay
        self.done = 0
        self.skipped = 0  # done by an earlier, interrupted run: not part of the rate
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def advance(self, n: int) -> None:
        """Record n more items done and redraw at most five times a second."""
        self.done += n
        now = time.monotonic()
        if not self.enabled or now - self.started < self.delay:
            return
        if now - self._last_draw >= 0.2 or self.done >= self.total:
            self._draw(now)

    def skip(self, n: int) -> None:
        """Record n items done before this run started (a resumed run's checkpoints)."""
        self.done += n
        self.skipped += n

    def close(self) -> None:
        """Finish the line if a bar was drawn."""
        if self._drawn:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, now: float) -> None:
        elapsed = now - self.started
        rate = (self.done - self.skipped) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        eta = f"{left:5.0f}s left" if left != float("inf") else "  ?  s left"
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {self.label}  {rate:7.1f}/s  {eta}")
        self.stream.flush()
        self._last_draw = now
        self._drawn = True
