"""The command line starts without the heavy libraries: its parser imports only light modules,
and each command imports what it needs when it runs (benchmarks/bench_startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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


def test_an_exact_forecast_does_not_load_scipy_stats(tmp_path) -> None:
    """scipy.stats takes about half a second to import: the exact engine's founding pmf comes
    from scipy.special (engines.exact.founding)."""
    out = tmp_path / "out"
    probe = (
        "import sys, warnings\nwarnings.simplefilter('ignore')\n"
        "from coopsim.cli.main import main\n"
        f"status = main(['forecast', 'scenarios/baseline.toml', '--engine', 'exact', '--quiet', "
        f"'--out', {str(out)!r}])\n"
        "print(status, 'scipy.stats' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.split()[-2:] == ["0", "False"], done.stdout
