"""Record (or check) the regression fixture: every bundled scenario on each engine that runs it.

`python tests/regression/record.py` writes tests/regression/fixture/ from the current code;
tests/regression/test_fixture.py runs the same commands and asserts the same bytes, so a
change of layout or speed that alters a result is caught. Small replicate counts, fixed seeds.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixture"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
ENGINES = ("des", "fast", "exact")
REPLICATIONS = {"des": 24, "fast": 300, "exact": 1}
SEED = 11
#: The files compared byte for byte (trajectories as CSV: Parquet embeds the writer's version).
FILES = ("summary.json", "quantiles.csv", "trajectories.csv")


def run_case(scenario: Path, engine: str, out: Path) -> int:
    """`coopsim forecast` of one scenario on one engine into `out`; its exit status."""
    from coopsim.cli.main import main

    argv = [
        "forecast", str(scenario), "--engine", engine, "--replications",
        str(REPLICATIONS[engine]), "--seed", str(SEED), "--workers", "1", "--quiet", "--csv",
        "--out", str(out),
    ]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(argv)


def cases() -> list[tuple[Path, str]]:
    """Every (scenario, engine) pair recorded in the fixture."""
    return [
        (
            ROOT / "scenarios" / f"{folder.name.rsplit('-', 1)[0]}.toml",
            folder.name.rsplit("-", 1)[1],
        )
        for folder in sorted(FIXTURE.iterdir())
    ]


def record() -> None:
    """Write the fixture afresh: each scenario on each engine that accepts it."""
    shutil.rmtree(FIXTURE, ignore_errors=True)
    FIXTURE.mkdir()
    with tempfile.TemporaryDirectory() as scratch:
        for scenario in SCENARIOS:
            for engine in ENGINES:
                out = Path(scratch) / f"{scenario.stem}-{engine}"
                if run_case(scenario, engine, out) != 0:
                    print(f"{scenario.stem}: {engine} does not run it")
                    continue
                target = FIXTURE / out.name
                target.mkdir()
                for name in FILES:
                    if (out / name).exists():
                        shutil.copy(out / name, target / name)
                print(f"{scenario.stem}: {engine} recorded")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    record()
