"""The command line starts without the heavy libraries: its parser imports only light modules,
and each command imports what it needs when it runs (benchmarks/bench_startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("numpy", "pandas", "scipy", "matplotlib", "pydantic", "simpy", "pyarrow")


def imported_after(code: str) -> list[str]:
    """The heavy libraries loaded in a fresh interpreter after running `code`."""
    found = f"sorted(m for m in {HEAVY!r} if m in sys.modules)"
    probe = f"import sys\n{code}\nimport json\nprint(json.dumps({found}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_building_the_parser_imports_no_heavy_library() -> None:
    assert imported_after("from coopsim.cli.main import build_parser; build_parser()") == []


def test_importing_coopsim_is_lazy_until_a_name_is_used() -> None:
    assert imported_after("import coopsim") == []
    assert "numpy" in imported_after("import coopsim; coopsim.forecast")


def test_help_prints_every_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "coopsim", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("forecast", "validate", "calibrate", "compare", "goal-seek", "report"):
        assert command in done.stdout
