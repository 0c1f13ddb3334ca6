"""Headless Chromium as the explorer's tests and benchmark launch it: Debian's browser, and
flags that keep it from reaching the network on its own (updates, sync, QUIC)."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
