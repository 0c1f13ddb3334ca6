"""The record filter's moments are exact: against a direct simulation of the same chain."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

from coopsim.analyses.calibration.record.moments import (
    LAYOUT,
    N_ALIVE,
    Condition,
    Dynamics,
    Mixture,
    condition,
    copy_functional,
    new_year,
    propagate,
    steps,
    wave,
)
from coopsim.model.dormancy import DormancyPlan, embed_classes
from coopsim.model.hazards import Hazards

HAZARDS = Hazards(
    upgrade=np.array([0.0, 0.1, 0.2, 0.2]),
    downgrade=np.array([0.15, 0.15, 0.15, 0.0]),
    dissolution=np.array([0.01, 0.02, 0.04, 0.12]),
)
DORMANCY = DormancyPlan(np.array([0.01, 0.02, 0.05, 0.2]), 0.3, np.array([0, 0.1, 0.4, 0.5]), 0.1)
GENERATOR = embed_classes(HAZARDS.generator()) + DORMANCY.generator_part()
ENTRY = np.array([0.05, 0.25, 0.45, 0.25])
START = np.array([60, 120, 150, 90, 40])
FOUNDING_MEAN, SHAPE = 30.0, 4.0
REMOVAL = np.array([0.0, 0.0, 0.05, 0.3, 0.8])


def _start_mixture() -> Mixture:
    d = LAYOUT.base
    mean, cov = np.zeros(d), np.zeros((d, d))
    mean[LAYOUT.old] = START
    mean[LAYOUT.intensity] = FOUNDING_MEAN
    cov[LAYOUT.intensity, LAYOUT.intensity] = FOUNDING_MEAN**2 / SHAPE
    return Mixture(np.zeros(1), mean[None], cov[None], np.ones((1, 0), dtype=bool))


def _simulate(n: int, rng: np.random.Generator) -> np.ndarray:
    """Per replicate: (total at 0.7, founded over [0.4, 1.3], weak at 1.3, removed, total at
    1.3), a wave at 0.9 with probability 1: the counts move by multinomial draws of the
    chain's transition probabilities, each new cooperative arrives at a uniform time in its
    step and moves from then on."""
    out = np.zeros((n, 5))
    for r in range(n):
        gamma = rng.gamma(SHAPE, FOUNDING_MEAN / SHAPE)
        old = np.append(START, 0)  # alive states and dissolved
        young = np.zeros(N_ALIVE + 1, dtype=np.int64)
        founded = founded_at_04 = removed = 0
        for t0, t1 in ((0.0, 0.4), (0.4, 0.7), (0.7, 0.9), (0.9, 1.0), (1.0, 1.3)):
            if t0 == 1.0:
                gamma = rng.gamma(SHAPE, FOUNDING_MEAN / SHAPE)
                old[:N_ALIVE] += young[:N_ALIVE]
                young[:N_ALIVE] = 0
            moves = expm(GENERATOR * (t1 - t0))
            for counts in (old, young):
                moved = sum(
                    rng.multinomial(counts[s], moves[s] / moves[s].sum()) for s in range(N_ALIVE)
                )
                counts[:N_ALIVE] = moved[:N_ALIVE]
                counts[N_ALIVE] += moved[N_ALIVE]
            k = rng.poisson(gamma * (t1 - t0))
            founded += k
            for arrive in rng.uniform(t0, t1, size=k):
                p = np.append(ENTRY, [0.0, 0.0]) @ expm(GENERATOR * (t1 - arrive))
                young[rng.choice(N_ALIVE + 1, p=p / p.sum())] += 1
            if t1 == 0.4:
                founded_at_04 = founded
            if t1 == 0.7:
                out[r, 0] = old[:N_ALIVE].sum() + young[:N_ALIVE].sum()
            if t1 == 0.9:
                for counts in (old, young):
                    hit = rng.binomial(counts[:N_ALIVE], REMOVAL)
                    counts[:N_ALIVE] -= hit
                    removed += hit.sum()
        out[r][1:] = (
            founded - founded_at_04,
            old[3],
            removed,
            old[:N_ALIVE].sum() + young[:N_ALIVE].sum(),
        )
    return out


def _filter_moments() -> tuple[np.ndarray, np.ndarray]:
    """The filter's means and sds of the same five quantities."""
    dyn = Dynamics(GENERATOR, ENTRY, FOUNDING_MEAN, SHAPE)
    step = dict(zip((0.1, 0.2, 0.3, 0.4), steps(dyn, np.array([0.1, 0.2, 0.3, 0.4])), strict=True))
    mix = propagate(_start_mixture(), step[0.4])
    h_founded = np.zeros(LAYOUT.base)
    h_founded[LAYOUT.founded] = 1.0
    mix = copy_functional(mix, h_founded)
    mix = propagate(mix, step[0.3])
    total_07 = mix.mean[0] @ LAYOUT.total(mix.size), mix.cov[0] @ LAYOUT.total(mix.size)
    sd_07 = math.sqrt(total_07[1] @ LAYOUT.total(mix.size))
    mix = propagate(mix, step[0.2])
    mix = wave(mix, 1.0, REMOVAL)
    mix = propagate(mix, step[0.1])
    mix = new_year(mix, dyn)
    mix = propagate(mix, step[0.3])
    d = mix.size
    rows = {
        "founded": np.eye(d)[LAYOUT.founded] - np.eye(d)[d - 1],
        "weak": np.eye(d)[3],
        "removed": np.eye(d)[LAYOUT.removed],
        "total": LAYOUT.total(d),
    }
    means = [total_07[0]] + [mix.mean[0] @ h for h in rows.values()]
    sds = [sd_07] + [math.sqrt(h @ mix.cov[0] @ h) for h in rows.values()]
    return np.array(means), np.array(sds)


@pytest.mark.parametrize("replicates", [300, pytest.param(3000, marks=pytest.mark.slow)])
def test_the_filter_moments_match_a_direct_simulation(replicates):
    simulated = _simulate(replicates, np.random.default_rng(11))
    means, sds = _filter_moments()
    se_mean = simulated.std(axis=0, ddof=1) / math.sqrt(replicates)
    assert np.all(np.abs(simulated.mean(axis=0) - means) < 4 * se_mean), (
        simulated.mean(axis=0),
        means,
    )
    # the sample sd's standard error is about sd / sqrt(2 (n - 1))
    se_sd = sds / math.sqrt(2 * (replicates - 1))
    assert np.all(np.abs(simulated.std(axis=0, ddof=1) - sds) < 4 * se_sd), (
        simulated.std(axis=0, ddof=1),
        sds,
    )


def test_an_exact_figure_is_a_gaussian_density_and_a_bound_a_probability():
    mix = _start_mixture()
    total = LAYOUT.total(mix.size)
    mix.cov[0][np.ix_(range(5), range(5))] = np.diag([25.0] * 5)
    mean, var = float(mix.mean[0] @ total), float(total @ mix.cov[0] @ total)
    updated, _ = condition(mix, Condition(total, 0.0, value=mean + 10))
    expected = -0.5 * (100 / var + math.log(2 * math.pi * var))
    assert updated.log_weight[0] == pytest.approx(expected, rel=1e-9)
    assert updated.mean[0] @ total == pytest.approx(mean + 10)
    bounded, _ = condition(mix, Condition(total, 0.0, low=mean))
    assert bounded.log_weight[0] == pytest.approx(math.log(0.5), rel=1e-9)
    assert bounded.mean[0] @ total > mean  # the truncated normal's mean moves up
