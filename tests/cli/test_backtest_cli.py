"""`coopsim backtest`: the files it writes, and the bad inputs it refuses with exit 2 and one
line naming the option or the file and field, writing nothing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from coopsim.cli.main import main

from ..conftest import BASELINE, ROOT

CLEANUP = ROOT / "scenarios" / "cleanup_risk.toml"


def test_backtest_writes_its_files(tmp_path, monkeypatch, capsys):
    """Two origins (the end of 2017: the record has only the June 2016 total; 30 June 2018,
    the first half's foundings), 100 draws after a short warm-up: the tables, the document,
    the chart and the provenance, each origin named by its date and kind."""
    monkeypatch.setattr("coopsim.analyses.calibration.fit.WARMUP_RECORD", 40)
    out = tmp_path / "bt"
    argv = ["backtest", str(CLEANUP), "--origins", "2018-06-30,2017", "--draws", "100"]
    argv += ["--workers", "1"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (
        "Origin 2017-12-31 (year-end): calibrated on 1 figure," in printed
        and "Origin 2018-06-30 (report: period_flows.first_half_2018): calibrated on 2" in printed
        and "no target of the scenario" in printed
    )
    names = {"backtest.csv", "backtest_summary.csv", "backtest.json", "backtest.png"}
    assert names | {"provenance.json"} <= {p.name for p in out.iterdir()}
    table = pd.read_csv(out / "backtest.csv")
    assert list(zip(table["origin"], table["origin_kind"], table["figure"], strict=True)) == [
        ("2017-12-31", "year-end", "period_flows.first_half_2018.founded"),
        ("2017-12-31", "year-end", "dated_snapshots.july_2018.total"),
        ("2018-06-30", "report", "dated_snapshots.july_2018.total"),
    ]
    assert table["crps"].notna().all() and table["pit"].between(0, 1).all()
    summary = pd.read_csv(out / "backtest_summary.csv")
    assert summary["origin"].astype(str).tolist() == ["2017-12-31", "2018-06-30", "all"]
    document = json.loads((out / "backtest.json").read_text())
    fit = document["origins"]["2017-12-31"]
    assert fit["calibrated_on"] == ["dated_snapshots.june_2016.total"]
    assert fit["kind"] == "year-end" and fit["predicts_until"] == "2018-12-31"
    dated = document["origins"]["2018-06-30"]
    assert dated["kind"] == "report" and dated["reports"] == ["period_flows.first_half_2018"]
    assert dated["calibrated_on"][-1] == "period_flows.first_half_2018.founded"
    assert document["targets"] == [] and len(document["pit"]) == 3


def _refused(argv: list[str], out, capsys) -> str:
    """The one line of stderr of a command that exits 2 and writes nothing."""
    try:
        code = main([*argv, "--out", str(out)])
    except SystemExit as stop:  # argparse's errors
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert not out.exists()
    return err


@pytest.mark.parametrize(
    ("origins", "words"),
    [
        ("2015", "--origins: 2015 is outside the record"),
        ("2023", "--origins: 2023 is outside the record"),
        ("2018", "--origins: no figure is published in the year after 2018"),
        ("2019,x", "--origins: 'x' is not a year or a date"),
        ("2020-13-01", "--origins: '2020-13-01' is not a year or a date"),
        ("2020-07-31", "--origins: no dated report is of 2020-07-31"),
        ("2020-07-30", "--origins: no figure is published in the 12 months after 2020-07-30"),
    ],
)
def test_bad_origins_are_refused(origins, words, tmp_path, capsys):
    err = _refused(["backtest", str(CLEANUP), "--origins", origins], tmp_path / "bt", capsys)
    assert words in err, err


def test_a_scenario_without_a_whole_record_calibration_is_refused(tmp_path, capsys):
    err = _refused(["backtest", str(BASELINE)], tmp_path / "bt", capsys)
    assert f"{BASELINE}: calibration.method: " in err and 'method = "record"' in err
