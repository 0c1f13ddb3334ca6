"""Independent sources of a year's outcome counts and their characteristic functions.

A source is a fixed number of units with the same outcome probabilities (multinomial counts:
the starting stock of a class, the starting pool of groups), or a random number of them
(Poisson counts, negative multinomial when gamma-mixed: the cooperatives founded in a year,
groups joining the pool). Sums of independent sources have a product of characteristic
functions, so logs of them add up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OutcomeSource:
    """Units whose year-end outcome counts are multinomial (a fixed number) or, for those
    founded or joining the pool in a year, negative multinomial / Poisson (`means` per
    outcome, founding shape or none)."""

    probabilities: np.ndarray | None = None  # (outcomes,), with count
    count: int = 0
    means: np.ndarray | None = None  # (outcomes,)
    shape: float | None = None

    def joint_weights(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
        """The probability (or mean) of a unit's outcome counting in x only, in y only, and in
        both: all that the joint distribution of the two counts depends on."""
        weights = self.probabilities if self.probabilities is not None else self.means
        only_x, only_y, both = (
            float(weights[(x == a) & (y == b)].sum()) for a, b in ((1, 0), (0, 1), (1, 1))
        )
        return only_x, only_y, both

    def log_characteristic(
        self, x: np.ndarray, y: np.ndarray, phases: tuple[np.ndarray, np.ndarray, np.ndarray]
    ) -> np.ndarray:
        """log E exp(i(uX + vY)), X and Y counting the outcomes marked in x and y; `phases`
        are exp(iu) - 1, exp(iv) - 1 and exp(i(u + v)) - 1 on the frequency grid. (Logs add up
        over sources, so only one exponential is taken per grid.)"""
        only_x, only_y, both = self.joint_weights(x, y)
        z = only_x * phases[0] + only_y * phases[1] + both * phases[2]
        if self.probabilities is not None:
            return self.count * np.log1p(z)
        if self.shape is None:
            return z
        return -self.shape * np.log1p(-z / self.shape)

    def weighted_log_characteristic(self, weights: np.ndarray, u: np.ndarray) -> np.ndarray:
        """log E exp(iuZ) for Z = the sum over this source's cooperatives of weights[outcome]
        (integer weights, so Z lives on the integers)."""
        shares = self.probabilities if self.probabilities is not None else self.means
        z = np.zeros_like(u, dtype=complex)
        for w in np.unique(weights):
            if w != 0:
                z = z + float(shares[weights == w].sum()) * np.expm1(1j * u * w)
        if self.probabilities is not None:
            return self.count * np.log1p(z)
        if self.shape is None:
            return z
        return -self.shape * np.log1p(-z / self.shape)

    def weighted_moments(self, weights: np.ndarray) -> tuple[float, float]:
        """Mean and variance of the weighted sum over this source's cooperatives."""
        if self.probabilities is not None:
            first = float(self.probabilities @ weights)
            second = float(self.probabilities @ weights**2)
            return self.count * first, self.count * (second - first * first)
        first = float(self.means @ weights)
        second = float(self.means @ weights**2)
        return first, second + (first * first / self.shape if self.shape else 0.0)

    def moments(self, x: np.ndarray) -> tuple[float, float]:
        """Mean and variance of the count of outcomes with weight 1 in x."""
        if self.probabilities is not None:
            p = float(self.probabilities[x == 1].sum())
            return self.count * p, self.count * p * (1 - p)
        m = float(self.means[x == 1].sum())
        return m, m + (m * m / self.shape if self.shape else 0.0)


def window(sources: list[OutcomeSource], x: np.ndarray) -> tuple[int, int]:
    """Lowest value and length of a window holding all but a negligible tail (far below
    1e-12) of the count of x-states: the FFT wraps whatever falls outside onto it."""
    mean = var = 0.0
    for source in sources:
        m, s2 = source.moments(x)
        mean += m
        var += s2
    sd = math.sqrt(var)
    low = max(0, math.floor(mean - 9 * sd - 4))
    return low, max(8, math.ceil(mean + 11 * sd + 10) - low)


def joint_pmf(
    sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joint pmf of the counts of x-states and y-states (y None: of x-states alone) on
    windows around their means, from the product of the sources' characteristic functions
    (real FFT: the pmf is real, so half the frequencies suffice)."""
    if y is None:
        return count_pmf(sources, x)
    y_ = y
    x_lo, x_len = window(sources, x)
    y_lo, y_len = window(sources, y_) if y is not None else (0, 1)
    u = 2 * np.pi * np.fft.fftfreq(x_len)[:, None]
    v = 2 * np.pi * np.fft.rfftfreq(y_len)[None, :]
    phases = (np.expm1(1j * u), np.expm1(1j * v), np.expm1(1j * (u + v)))
    log_phi = -1j * (u * x_lo + v * y_lo)
    for source in sources:
        log_phi = log_phi + source.log_characteristic(x, y_, phases)
    # The pmf is the inverse transform of phi(-u, -v), conjugate of phi(u, v).
    pmf = np.fft.irfft2(np.conj(np.exp(log_phi)), s=(x_len, y_len))
    pmf = np.clip(pmf, 0.0, None)
    pmf /= pmf.sum()
    return x_lo + np.arange(x_len), y_lo + np.arange(y_len), pmf


def count_pmf(
    sources: list[OutcomeSource], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """joint_pmf of the count of x-states alone (count_pmfs of one count)."""
    return count_pmfs(sources, [x])[0]


def count_window(sources: list[OutcomeSource], weights: list[float]) -> tuple[int, int]:
    """window() of a count from each source's weight (probability or mean) of counting."""
    mean = var = 0.0
    for source, w in zip(sources, weights, strict=True):  # as window(): moments in order
        if source.probabilities is not None:
            mean += source.count * w
            var += source.count * w * (1 - w)
        else:
            mean += w
            var += w + (w * w / source.shape if source.shape else 0.0)
    sd = math.sqrt(var)
    x_lo = max(0, math.floor(mean - 9 * sd - 4))
    return x_lo, max(8, math.ceil(mean + 11 * sd + 10) - x_lo)


def count_pmfs(
    sources: list[OutcomeSource], xs: list[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """joint_pmf of the count of x-states alone for each x in xs, the sources of a kind and
    the counts transformed together (one array operation each, not one per source or
    count): the same operations element by element as one source and one count at a time,
    so the same numbers to the last bit.

    Half the frequencies of each count: at -u every step gives the conjugate of its value at
    u, to the last bit (fftfreq negates exactly; expm1, log1p and exp are odd in the
    imaginary part), so the other half is mirrored, not computed. Index n // 2 of an even
    length is -1/2 and has no partner: it is computed."""
    values = [s.probabilities if s.probabilities is not None else s.means for s in sources]
    lows, lengths, halves, weights = [], [], [], []
    for x in xs:
        mask = x == 1
        found = [float(np.add.reduce(v[mask])) for v in values]  # ndarray.sum's reduction
        x_lo, x_len = count_window(sources, found)
        half = np.arange((x_len - 1) // 2 + 1)
        if x_len % 2 == 0:
            half = np.append(half, x_len // 2)
        lows.append(x_lo)
        lengths.append(x_len)
        halves.append(half)
        weights.append(found)
    sizes = [len(half) for half in halves]
    u = np.concatenate(
        [2 * np.pi * np.fft.fftfreq(n)[half] for n, half in zip(lengths, halves, strict=True)]
    )
    spread = np.repeat(np.array(weights).T, sizes, axis=1)  # (sources, frequencies)
    z = spread * np.expm1(1j * u)[None, :]
    terms = z.copy()  # Poisson sources: z itself
    fixed = np.array([s.probabilities is not None for s in sources])
    mixed = np.array([s.probabilities is None and s.shape is not None for s in sources])
    if fixed.any():
        counts = np.array([s.count for s in sources if s.probabilities is not None], float)
        terms[fixed] = counts[:, None] * np.log1p(z[fixed])
    if mixed.any():
        shapes = np.array([s.shape for s in sources if s.probabilities is None and s.shape])
        terms[mixed] = -shapes[:, None] * np.log1p(-z[mixed] / shapes[:, None])
    log_phi = -1j * (u * np.repeat(np.array(lows, dtype=float), sizes) + 0.0)
    for term in terms:
        log_phi = log_phi + term
    phis = np.split(np.exp(log_phi), np.cumsum(sizes)[:-1])
    out = []
    for x_lo, x_len, half, phi in zip(lows, lengths, halves, phis, strict=True):
        spectrum = np.empty(x_len, dtype=complex)
        spectrum[half] = np.conj(phi)
        mirrored = (x_len - 1) // 2
        spectrum[x_len - mirrored :] = phi[mirrored:0:-1]
        # irfft2(spectrum[:, None], s=(x_len, 1)) to the last bit: the inverse transform down
        # the column, then a real one of length 1, which keeps the real part
        pmf = np.fft.ifft(spectrum).real[:, None]
        pmf = np.clip(pmf, 0.0, None)
        pmf /= pmf.sum()
        out.append((x_lo + np.arange(x_len), np.arange(1), pmf))
    return out


def mixture_part_pmf(
    sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """joint_pmf for one part of a mixture (one combination of wave years), where thousands
    are computed: the same transform in real arithmetic, log|phi| and arg(phi) summed apart,
    as log1p of |1 + z|^2 - 1 and atan2 (about 1.6 times as fast; it agrees with joint_pmf to
    about 1e-17 per point)."""
    y_ = np.zeros(len(x)) if y is None else y
    x_lo, x_len = window(sources, x)
    y_lo, y_len = window(sources, y_) if y is not None else (0, 1)
    u = 2 * np.pi * np.fft.fftfreq(x_len)[:, None]
    v = 2 * np.pi * np.fft.rfftfreq(y_len)[None, :]
    cos_u, sin_u, cos_v, sin_v = np.cos(u) - 1, np.sin(u), np.cos(v) - 1, np.sin(v)
    log_abs = np.zeros((x_len, v.shape[1]))
    arg = -(u * x_lo + v * y_lo)
    for source in sources:
        a, b, both = source.joint_weights(x, y_)
        re = a * cos_u + b * cos_v  # z = phi's exponent-to-be: sum of weights x (e^(i.) - 1)
        im = a * sin_u + b * sin_v
        if both:
            re = re + both * (np.cos(u + v) - 1)
            im = im + both * np.sin(u + v)
        if source.probabilities is not None:  # count log(1 + z)
            n = source.count
        elif source.shape is None:  # z itself
            log_abs += re
            arg += im
            continue
        else:  # -shape log(1 - z / shape)
            n = -source.shape
            re, im = re / n, im / n
        size = re * (2.0 + re)
        size += im * im  # |1 + z|^2 - 1
        log_abs += (0.5 * n) * np.log1p(size)
        arg += n * np.arctan2(im, 1.0 + re)
    magnitude = np.exp(log_abs)
    # The pmf is the inverse transform of phi(-u, -v), conjugate of phi(u, v).
    phi = magnitude * np.cos(arg) - 1j * (magnitude * np.sin(arg))
    pmf = np.clip(np.fft.irfft2(phi, s=(x_len, y_len)), 0.0, None)
    pmf /= pmf.sum()
    return x_lo + np.arange(x_len), y_lo + np.arange(y_len), pmf


def weighted_pmf(
    sources: list[OutcomeSource], weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact pmf of the sum over the sources' units of integer weights[outcome]: (values,
    probabilities), on a window around its mean."""
    mean = var = 0.0
    for source in sources:
        m, s2 = source.weighted_moments(weights.astype(float))
        mean += m
        var += s2
    sd = math.sqrt(max(var, 0.0))
    low = math.floor(mean - 9 * sd - 4)
    length = max(8, math.ceil(mean + 11 * sd + 10) - low)
    u = 2 * np.pi * np.fft.rfftfreq(length)
    log_phi = -1j * u * low
    for source in sources:
        log_phi = log_phi + source.weighted_log_characteristic(weights, u)
    pmf = np.clip(np.fft.irfft(np.conj(np.exp(log_phi)), n=length), 0.0, None)
    return low + np.arange(length), pmf / pmf.sum()
