"""Shared fixtures: the cleanup_risk scenario (it fits Ha Tinh's whole record) and its region."""

from __future__ import annotations

import warnings

import pytest

import coopsim
from coopsim.inputs.region_data import region_for


@pytest.fixture(scope="module")
def scenario():
    return coopsim.load_scenario("scenarios/cleanup_risk.toml").scenario


@pytest.fixture(scope="module")
def region(scenario):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return region_for(scenario).data
