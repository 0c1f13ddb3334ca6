"""The same commands give the same bytes as when the regression fixture was recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.regression.record import FILES, FIXTURE, cases, run_case


@pytest.mark.parametrize(("scenario", "engine"), cases(), ids=lambda v: getattr(v, "stem", v))
def test_forecast_files_are_byte_identical(scenario: Path, engine: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_case(scenario, engine, out) == 0
    recorded = FIXTURE / f"{scenario.stem}-{engine}"
    for name in FILES:
        if (recorded / name).exists():
            assert (out / name).read_bytes() == (recorded / name).read_bytes(), name
