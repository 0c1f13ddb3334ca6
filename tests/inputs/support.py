"""Running the real command on broken input, and reading what it says.

The contract every test here checks: exit status 2, one line on stderr per problem,
`coopsim: error: FILE[, line N]: dotted.field: message`, no traceback, nothing written.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coopsim.cli.main import main
from coopsim.inputs.scenario_files import to_toml

ROOT = Path(__file__).resolve().parents[2]
HA_TINH = ROOT / "coopsim" / "data" / "ha_tinh.toml"
BASELINE = ROOT / "scenarios" / "baseline.toml"
BACKTEST = ROOT / "scenarios" / "backtest_2023.toml"
LINE = re.compile(r"coopsim: error: (.+?)(?:, line (\d+))?: (.+)$")


@dataclass(frozen=True)
class Problem:
    """One line of a refusal: the file (or option), its line if given, and the rest."""

    file: str
    line: int | None
    rest: str

    @property
    def field(self) -> str:
        return self.rest.split(": ", 1)[0]


def run(*argv: str | Path) -> tuple[int, str]:
    """The command's exit status and stderr, run in this process."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main([str(arg) for arg in argv])
        except SystemExit as exit_:  # argparse refusing an option
            status = exit_.code if isinstance(exit_.code, int) else 1
    return status, err.getvalue()


def refused(*argv: str | Path, out: Path | None = None) -> list[Problem]:
    """Run a command that must refuse its input: status 2, no traceback, `out` not created,
    every stderr line a problem in the one-line format. Returns the problems."""
    status, err = run(*argv)
    assert status == 2, err
    assert "Traceback" not in err, err
    if out is not None:
        assert not out.exists(), f"{out} was created"
    problems = []
    for text in err.splitlines():
        head = LINE.match(text)
        assert head, f"not a one-line problem: {text!r}"
        assert len(text) < 400, f"a long message: {text[:200]}..."
        problems.append(Problem(head[1], int(head[2]) if head[2] else None, head[3]))
    assert problems, "no problem reported"
    assert len({str(p) for p in problems}) == len(problems), "a problem reported twice"
    return problems


def ha_tinh() -> dict[str, Any]:
    """The bundled data file, parsed."""
    return tomllib.loads(HA_TINH.read_text(encoding="utf-8"))


def write_region(folder: Path, data: dict[str, Any], name: str = "data.toml") -> Path:
    """A region data file with these contents, and beside it scenario.toml (the baseline,
    starting from the end-2023 snapshot) and backtest.toml (from the 2022 census) naming it."""
    path = folder / name
    path.write_text(to_toml(data), encoding="utf-8")
    stem = path.stem
    for scenario, parent in (("scenario", BASELINE), ("backtest", BACKTEST)):
        (folder / f"{scenario}_{stem}.toml").write_text(
            f'extends = "{parent.as_posix()}"\nname = "{scenario}"\nregion = "{name}"\n',
            encoding="utf-8",
        )
    return path


def scenario_for(path: Path, kind: str = "scenario") -> Path:
    """The scenario written beside a region file by write_region."""
    return path.parent / f"{kind}_{path.stem}.toml"


def forecast_folder(folder: Path, metrics: dict[str, Any] | None = None) -> Path:
    """A minimal stored forecast: a summary.json that score reads (cooperatives in 2023)."""
    folder.mkdir(parents=True, exist_ok=True)
    levels = ("q025", "q05", "q10", "q25", "q50", "q75", "q90", "q95", "q975")
    values = (1010, 1014, 1018, 1023, 1028, 1033, 1038, 1042, 1046)
    quantiles = dict(zip(levels, values, strict=True))
    summary = {
        "scenario": "backtest_2023",
        "region": "ha_tinh",
        "engine": "fast",
        "replications": 100,
        "seed": 1,
        "years": [2023],
        "metrics": metrics or {"cooperatives": {"2023": {"mean": 1028.0, **quantiles}}},
        "targets": {},
    }
    (folder / "summary.json").write_text(json.dumps(summary, allow_nan=True), encoding="utf-8")
    return folder
