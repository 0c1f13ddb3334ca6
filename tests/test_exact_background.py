"""Shares' cumulative sums made on a second thread (engines.exact.background): the same numbers
to the last bit, the work really done there, no thread left behind, its errors raised here."""

from __future__ import annotations

import copy
import pickle
import threading

import numpy as np
import pytest

import coopsim.engines.exact.shares as shares
from coopsim.engines.exact.model import UNCLASSIFIED, ExactModel
from coopsim.inputs.scenario import load_scenario
from coopsim.model.plan import compile_plan
from coopsim.results.exact_answers import ExactAnswers
from coopsim.results.forecast_result import QUANTILE_LEVELS

from .conftest import ROOT

WELL, REST = [0, 1], [2, 3, *UNCLASSIFIED]
LEVELS = np.array(list(QUANTILE_LEVELS.values()))
THREAD = "coopsim-exact"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(ROOT / "scenarios" / "credit_and_training.toml").scenario


@pytest.fixture(scope="module")
def plan(scenario, region):
    return compile_plan(scenario, region.data)


def _left_behind() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(THREAD)]


@pytest.fixture
def made_on(monkeypatch) -> list[str]:
    """The names of the threads that make shares' cumulative sums, in order."""
    names: list[str] = []
    cumulative = shares.spectral_cumulative

    def recorded(spectrum):
        names.append(threading.current_thread().name)
        return cumulative(spectrum)

    monkeypatch.setattr(shares, "spectral_cumulative", recorded)
    return names


def test_a_share_made_on_the_second_thread_reads_the_same_numbers(plan, made_on):
    model = ExactModel(plan)
    for k in (0, 6):
        here = model.share_distribution(k, WELL, REST)
        with model.shares_on_second_thread():
            there = model.share_distribution(k, WELL, REST)
            assert np.array_equal(there.quantiles(LEVELS), here.quantiles(LEVELS))
        assert there.probability(">", 0.5) == here.probability(">", 0.5)
        assert there.probability("between", 0.45, 0.55) == here.probability("between", 0.45, 0.55)
        assert there.mean() == here.mean()
        assert np.array_equal(there.pmf, here.pmf)
    assert [name.startswith(THREAD) for name in made_on] == [False, True, False, True]


def test_re_answers_on_two_threads_are_those_on_one_to_the_last_bit(scenario, plan, made_on):
    two = ExactAnswers(scenario.targets).answer(plan)
    assert made_on and all(name.startswith(THREAD) for name in made_on)
    made_on.clear()
    one = ExactAnswers(scenario.targets, second_thread=False).answer(plan)
    assert made_on and not any(name.startswith(THREAD) for name in made_on)
    assert two.targets == one.targets
    assert two.quantiles.equals(one.quantiles)


def test_no_thread_is_left_behind(scenario, plan):
    ExactAnswers(scenario.targets).answer(plan)
    assert _left_behind() == []


def test_an_error_on_the_second_thread_is_raised_to_the_caller(scenario, plan, monkeypatch):
    def failing(spectrum):
        raise RuntimeError("grid failed")

    monkeypatch.setattr(shares, "spectral_cumulative", failing)
    with pytest.raises(RuntimeError, match="grid failed"):
        ExactAnswers(scenario.targets).answer(plan)
    assert _left_behind() == []


def test_a_share_made_on_the_second_thread_pickles_and_copies_with_its_sums(plan):
    model = ExactModel(plan)
    with model.shares_on_second_thread():
        share = model.share_distribution(6, WELL, REST)
    expected = model.share_distribution(6, WELL, REST).quantiles(LEVELS)
    for duplicate in (pickle.loads(pickle.dumps(share)), copy.deepcopy(share)):
        assert np.array_equal(duplicate.quantiles(LEVELS), expected)
