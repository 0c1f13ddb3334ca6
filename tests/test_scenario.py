from __future__ import annotations

from pathlib import Path

import pytest

from coopsim.errors import InputError
from coopsim.inputs.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = BASELINE.read_text()
    assert old in text
    path = tmp_path / "variant.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_baseline_defines_the_contract_targets(baseline):
    assert baseline.targets["new_cooperatives_2024"].range == (20, 30)
    assert baseline.targets["new_cooperatives_2024"].metric == "founded"
    share = baseline.targets["well_operating_share_2024"]
    assert (share.metric, share.comparison, share.threshold) == ("well_operating_share", ">", 0.5)
    assert baseline.years == list(range(2024, 2031))


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("mean_per_year = 35.0", "mean_per_year = -1.0", "founding.mean_per_year", "greater than"),
        (
            "dispersion = 8.0",
            "dispersion = 0",
            "founding.dispersion",
            "greater than or equal to 0.001",
        ),
        ("good = 0.05,", "good = 1.5,", "founding.entry_class.good", "less than or equal to 1"),
        ("good = 0.05,", "good = 0.15,", "founding.entry_class", "sum to 1"),
        ("mean_per_year = 35.0", "mean_per_yaer = 35.0", "founding.mean_per_yaer", "mean_per_year"),
        ("horizon_year = 2030", 'horizon_year = "soon"', "horizon_year", "valid integer"),
        ("year = 2024", "year = 2040", "targets.new_cooperatives_2024.year", "within"),
        ('comparison = "between"', 'comparison = "about"', "comparison", "between"),
    ],
)
def test_bad_values_name_the_file_and_field(tmp_path, old, new, field, message):
    path = write_variant(tmp_path, old, new)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert str(path) in text
    assert field in text
    assert message in text


def test_unknown_key_suggests_the_right_one(tmp_path):
    path = write_variant(tmp_path, "mean_per_year = 35.0", "mean_per_yaer = 35.0")
    with pytest.raises(InputError, match=r"did you mean 'mean_per_year'.*Valid keys here:"):
        load_scenario(path)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_scenario(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(InputError, match=r"bad\.toml: is not valid TOML.*line 1"):
        load_scenario(bad)
