"""A plain simpy model of the same baseline, as a speed reference for the des engine.

One generator process per cooperative, numpy draws one at a time, Poisson founding with the
same gamma-mixed yearly rate: the textbook way to write this model in simpy.
"""

from __future__ import annotations

import numpy as np
import simpy

from coopsim.model.plan import SimulationPlan


def plain_replicate(plan: SimulationPlan, seed: int, replicate: int) -> np.ndarray:
    """Yearly alive and founded counts of one replicate (years x 2)."""
    rng = np.random.default_rng([seed, replicate])
    env = simpy.Environment()
    hazards = plan.periods[0].hazards
    up, down = hazards.upgrade, hazards.downgrade
    exit_rate = hazards.exit_rate
    state = {"alive": 0, "founded": 0}

    def cooperative(c: int):
        state["alive"] += 1
        while True:
            yield env.timeout(rng.exponential(1 / exit_rate[c]))
            u = rng.random() * exit_rate[c]
            if u < up[c]:
                c -= 1
            elif u < up[c] + down[c]:
                c += 1
            else:
                state["alive"] -= 1
                return

    def founding():
        mean, k = plan.founding_mean_per_year, plan.founding_dispersion or 1e9
        for year in range(plan.n_years):
            rate = rng.gamma(k, mean / k)
            t = float(year)
            while True:
                t += rng.exponential(1 / rate)
                if t >= year + 1:
                    break
                yield env.timeout(t - env.now)
                state["founded"] += 1
                c = int(rng.choice(4, p=plan.entry_distribution))
                env.process(cooperative(c))

    for c, n in enumerate(plan.initial.latent):
        for _ in range(int(n)):
            env.process(cooperative(c))
    env.process(founding())
    out = np.empty((plan.n_years, 2))
    for year in range(plan.n_years):
        env.run(until=year + 1)
        out[year] = (state["alive"], state["founded"])
        state["founded"] = 0
    return out
