"""Every command takes --quiet, and --out refuses a missing parent folder the same way."""

from __future__ import annotations

import pytest

from coopsim.cli.main import build_parser, main

from ..conftest import BASELINE

#: Each command with its required arguments.
COMMANDS = {
    "forecast": [str(BASELINE)],
    "calibrate": [str(BASELINE)],
    "backtest": [str(BASELINE)],
    "compare": [str(BASELINE), str(BASELINE)],
    "goal-seek": [str(BASELINE), "--target", "t", "--lever", "x", "--probability", "0.5"],
    "sensitivity": [str(BASELINE)],
    "report": [str(BASELINE), "--out", "brief.html"],
    "score": ["folder", "--observed", "data.toml"],
    "validate": [str(BASELINE)],
    "show": [str(BASELINE)],
    "levers": [str(BASELINE)],
    "schema": ["scenario"],
    "app": [],
}


def test_every_command_is_listed_here():
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.dest == "command").choices
    assert set(subcommands) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_takes_quiet(command):
    args = build_parser().parse_args([command, *COMMANDS[command], "--quiet"])
    assert args.quiet is True


def test_quiet_validate_prints_only_problems(capsys):
    assert main(["validate", str(BASELINE), "--quiet"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("command", "out"),
    [
        ("forecast", ["--replications", "5", "--out"]),
        ("calibrate", ["--draws", "100", "--out"]),
        ("compare", [str(BASELINE), "--replications", "5", "--out"]),
        ("report", ["--replications", "5", "--out"]),
    ],
)
def test_out_under_a_missing_folder_is_refused_the_same_way(command, out, tmp_path, capsys):
    target = tmp_path / "missing" / ("brief.html" if command == "report" else "out")
    assert main([command, str(BASELINE), *out, str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--out: the parent folder {tmp_path / 'missing'} does not exist" in err, err
    assert not (tmp_path / "missing").exists()
