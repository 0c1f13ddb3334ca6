from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from coopsim.errors import InputError
from coopsim.inputs.region_data import (
    DataInconsistencyWarning,
    bundled_regions,
    check_consistency,
    load_region,
    observed_series,
)

HA_TINH = Path(__file__).resolve().parents[1] / "coopsim" / "data" / "ha_tinh.toml"


def test_ha_tinh_is_bundled_with_every_published_figure(region):
    data = region.data
    assert "ha_tinh" in bundled_regions()
    census = {k: f.value for k, f in data.snapshots[2022].classes.items()}
    assert census == {"good": 123, "fair": 270, "average": 359, "weak": 234, "unclassified": 34}
    assert data.snapshots[2023].total.value == 1025
    assert data.snapshots[2023].members.value == 73691
    assert data.snapshots[2023].cooperative_groups.value == 2579
    assert data.snapshots[2023].well_operating_share.value == pytest.approx(0.406)
    assert data.snapshots[2023].weak_share.value == pytest.approx(0.23)
    assert (data.flows[2023].founded.value, data.flows[2023].dissolved.value) == (35, 27)
    for where, figure in data.figures():
        assert figure.source in data.sources, where


def test_the_flow_gap_is_reported_as_a_warning():
    with pytest.warns(DataInconsistencyWarning, match=r"35 - 27 = \+8.*\+5 \(gap 3\)"):
        loaded = load_region("ha_tinh")
    (gap,) = loaded.inconsistencies
    assert gap.year == 2023 and gap.gap == 3
    assert "stock revision" in gap.treatment


def test_consistent_data_raise_no_warning(tmp_path, region):
    text = HA_TINH.read_text().replace("value = 5\n", "value = 8\n")
    path = tmp_path / "fixed.toml"
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_region(str(path))
    assert loaded.inconsistencies == ()
    assert check_consistency(loaded.data) == []


def test_observed_series_for_charts(region):
    assert observed_series(region.data, "cooperatives") == {2022: 1020, 2023: 1025}
    assert observed_series(region.data, "founded") == {2023: 35}
    share = observed_series(region.data, "well_operating_share")
    assert share[2022] == pytest.approx(393 / 1020)
    assert share[2023] == pytest.approx(0.406)


def test_a_figure_citing_an_unknown_source_is_refused(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(HA_TINH.read_text().replace('source = "bat_mach_htx_2023"', 'source = "x"', 1))
    with pytest.raises(InputError, match=r"bad\.toml.*'x' is not in \[sources\]"):
        load_region(str(path))


def test_unknown_region_lists_the_bundled_ones():
    with pytest.raises(InputError, match=r"unknown region 'atlantis'.*ha_tinh"):
        load_region("atlantis")
