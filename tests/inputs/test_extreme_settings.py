"""Every movable setting at an extreme value (huge, tiny, negative) is accepted or refused with
a message: never an exception from the numerics behind it."""

from __future__ import annotations

import pytest

from coopsim.cli.main import main
from coopsim.inputs.scenario import load_scenario
from coopsim.inputs.settings import list_levers

from ..conftest import ROOT

SCENARIO = ROOT / "scenarios" / "resolution20.toml"  # levers, groups and the 2023 Law
PATHS = [setting.path for setting in list_levers(load_scenario(SCENARIO).scenario)]


@pytest.mark.parametrize("value", ["1e308", "1e-300", "-1"])
def test_every_setting_at_an_extreme_is_accepted_or_refused_cleanly(value, capsys):
    overrides = [arg for path in PATHS for arg in ("--set", f"{path}={value}")]
    code = main(["validate", str(SCENARIO), "--quiet", *overrides])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    if value == "1e308":
        assert code == 2 and "less than or equal to" in err


@pytest.mark.parametrize("path", PATHS)
def test_each_setting_at_1e308_alone_gives_a_message_not_an_exception(path, capsys):
    code = main(["validate", str(SCENARIO), "--quiet", "--set", f"{path}=1e308"])
    assert code in (0, 2), capsys.readouterr().err
