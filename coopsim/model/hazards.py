"""Hazards of one cooperative's life and the generator matrix they define."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coopsim.classes import DISSOLVED, QUALITY_CLASSES
from coopsim.inputs.scenario import Quality

N_CLASSES = len(QUALITY_CLASSES)


@dataclass(frozen=True)
class Hazards:
    """Per-class hazards per year: up one class, down one class, dissolved (arrays of length 4)."""

    upgrade: np.ndarray
    downgrade: np.ndarray
    dissolution: np.ndarray

    @classmethod
    def from_quality(cls, quality: Quality) -> Hazards:
        up = quality.upgrade_per_year
        down = quality.downgrade_per_year
        gone = quality.dissolution_per_year
        return cls(
            upgrade=np.array([0.0, up.fair, up.average, up.weak]),
            downgrade=np.array([down.good, down.fair, down.average, 0.0]),
            dissolution=np.array([gone.good, gone.fair, gone.average, gone.weak]),
        )

    @property
    def exit_rate(self) -> np.ndarray:
        """Total hazard of leaving each class (the rate of the next event)."""
        return self.upgrade + self.downgrade + self.dissolution

    def generator(self) -> np.ndarray:
        """5x5 generator over (good, fair, average, weak, dissolved); dissolved absorbs."""
        q = np.zeros((N_CLASSES + 1, N_CLASSES + 1))
        for c in range(N_CLASSES):
            if c > 0:
                q[c, c - 1] = self.upgrade[c]
            if c < N_CLASSES - 1:
                q[c, c + 1] = self.downgrade[c]
            q[c, DISSOLVED] = self.dissolution[c]
            q[c, c] = -self.exit_rate[c]
        return q

    def event_thresholds(self) -> np.ndarray:
        """Per class, cumulative shares (upgrade, upgrade + downgrade) of the exit rate.

        An event in class c is an upgrade if u < t[c, 0], a downgrade if u < t[c, 1], else a
        dissolution, for u uniform on [0, 1).
        """
        total = np.where(self.exit_rate > 0, self.exit_rate, 1.0)
        return np.stack([self.upgrade / total, (self.upgrade + self.downgrade) / total], axis=1)
