"""The joint distribution behind a share X / (X + Y), fast enough to redraw on every change.

Two savings, both with a stated bound on what they change:

- The characteristic function phi(u, v) of (X, Y) is negligible on nearly all of the FFT's
  frequency grid: a sum of hundreds of independent units is smooth, so |phi| falls below
  e^-50 a short way from the origin. Each source bounds its own |phi| by exp(-(A(1 - cos u)
  + B(1 - cos v) + C(1 - cos(u - v)))) (multinomial: |1 + z|^2 = 1 - 2S <= e^-2S; negative
  multinomial: |1 - z/r|^-r <= (1 + w/r)^-r <= e^-kw on the chord of the concave log1p), so
  the exact transform is taken only where the summed bound exceeds e^-TRUNCATION and set to 0
  elsewhere. Every pmf value then moves by at most e^-TRUNCATION (about 2e-22), the whole pmf
  by at most that times the grid size (about 1e-16): below the transform's own rounding.
- A share's summary (mean, quantiles, P(target met)) is read without sorting the grid's
  hundreds of thousands of ratios: the mean by a one-dimensional integral of the generating
  function, quantiles and probabilities from cumulative sums down the grid's columns
  (engines.exact.share_distribution), those sums straight from the transform.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from coopsim.engines.exact.background import Submit
from coopsim.engines.exact.share_distribution import ShareDistribution
from coopsim.engines.exact.sources import OutcomeSource, count_window

__all__ = ["ShareDistribution", "ratio_mean", "share_joint_pmf", "spectral_share"]

#: Frequencies where the bound on log|phi| is below -TRUNCATION are left out of the transform.
TRUNCATION = 50.0
#: Gauss-Laguerre nodes of ratio_mean (it has converged to rounding by 32).
LAGUERRE_NODES = 48


Weights = list[tuple[float, float, float]]


def joint_weights(sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray) -> Weights:
    """Each source's OutcomeSource.joint_weights (the same sums), the three masks made once
    for all the sources and the weights worked out once for all that read them."""
    masks = [(x == a) & (y == b) for a, b in ((1, 0), (0, 1), (1, 1))]
    found = []
    for source in sources:
        weights = source.probabilities if source.probabilities is not None else source.means
        assert weights is not None
        only_x, only_y, both = (float(np.add.reduce(weights[mask])) for mask in masks)
        found.append((only_x, only_y, both))
    return found


def _bound_coefficients(
    sources: list[OutcomeSource], weights: Weights
) -> tuple[float, float, float]:
    """(A, B, C) with log|phi(u, v)| <= -(A(1 - cos u) + B(1 - cos v) + C(1 - cos(u - v)))."""
    a_sum = b_sum = c_sum = 0.0
    for source, (a, b, both) in zip(sources, weights, strict=True):
        if both:
            raise ValueError("a share's numerator and rest must not overlap")
        if source.probabilities is not None:
            p0 = max(0.0, 1.0 - a - b)
            a_sum += source.count * p0 * a
            b_sum += source.count * p0 * b
            c_sum += source.count * a * b
            continue
        largest = 2.0 * (a + b)  # the most w = a(1 - cos u) + b(1 - cos v) can be
        kappa = 1.0
        if source.shape is not None and largest > 0:
            kappa = source.shape * math.log1p(largest / source.shape) / largest
        a_sum += kappa * a
        b_sum += kappa * b
    return a_sum, b_sum, c_sum


def _kept_frequencies(
    u: np.ndarray, v: np.ndarray, coefficients: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into u, v) of the frequencies whose bound on |phi| exceeds e^-TRUNCATION."""
    a, b, c = coefficients
    cu, cv = 1.0 - np.cos(u), 1.0 - np.cos(v)
    rows = np.flatnonzero(a * cu <= TRUNCATION)  # the C term is >= 0: a box first
    cols = np.flatnonzero(b * cv <= TRUNCATION)
    su, sv = np.sin(u[rows]), np.sin(v[cols])
    cos_u, cos_v = np.cos(u[rows]), np.cos(v[cols])
    bound = (a * cu[rows])[:, None] + (b * cv[cols])[None, :]
    if c:  # c (1 - cos_u cos_v - sin_u sin_v), in place: the same operations in the same order
        term = np.multiply.outer(cos_u, cos_v)
        np.subtract(1.0, term, out=term)
        term -= np.multiply.outer(su, sv)
        term *= c
        bound += term
    i, j = np.divmod(np.flatnonzero(bound <= TRUNCATION), len(cols))  # row-major, as nonzero
    return rows[i], cols[j]


def _log_characteristic(
    sources: list[OutcomeSource],
    joint: Weights,
    frequencies: tuple[np.ndarray, np.ndarray],
    kept: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """log|phi| and arg(phi) of the sum of the sources at the kept frequencies (indices into
    the grid's u and v), in real arithmetic and all sources of a kind at once: multinomial
    count log(1 + z), negative multinomial -shape log(1 - z / shape), Poisson z
    (z = a(e^iu - 1) + b(e^iv - 1)); cosines and sines taken once per grid frequency."""
    weights = np.array([w[:2] for w in joint])
    kind = np.array(
        [
            source.count if source.probabilities is not None else -(source.shape or 0.0)
            for source in sources
        ],
        dtype=float,
    )
    (u, v), (iu, iv) = frequencies, kept
    cos_u, sin_u = (np.cos(u) - 1)[iu], np.sin(u)[iu]
    cos_v, sin_v = (np.cos(v) - 1)[iv], np.sin(v)[iv]
    log_abs = np.zeros(len(iu))
    arg = np.zeros(len(iu))
    poisson = kind == 0
    if poisson.any():  # z itself
        a, b = weights[poisson].sum(axis=0)
        log_abs += a * cos_u + b * cos_v
        arg += a * sin_u + b * sin_v
    if (~poisson).any():
        n = kind[~poisson][:, None]
        scale = np.where(n < 0, n, 1.0)  # z / -shape for the negative multinomial ones
        a, b = (weights[~poisson] / scale).T[:, :, None]
        # in place, the same operations in the same order as re = a cos_u + b cos_v,
        # im = a sin_u + b sin_v, size = re (2 + re) + im^2 = |1 + z|^2 - 1, log1p(size)
        # and arctan2(im, 1 + re)
        re = a * cos_u
        re += b * cos_v
        im = a * sin_u
        im += b * sin_v
        size = 2.0 + re
        size *= re
        size += im * im
        np.log1p(size, out=size)
        size *= 0.5 * n
        log_abs += size.sum(axis=0)
        re += 1.0
        np.arctan2(im, re, out=im)
        im *= n
        arg += im.sum(axis=0)
    return log_abs, arg


#: Lengths whose largest prime factor exceeds this are inverse transformed in the second
#: pass by a product with a table of cosines and sines (_inverse_real), not by the FFT: the
#: FFT of such a length (a prime, or twice one, as a window often is) takes up to ten times
#: as long as at a length of small factors; the product costs about the same at any length
#: (measured on 400 x 80 rows: the FFT is faster up to a largest factor of 30 to 40).
LARGEST_FAST_FACTOR = 31


@cache
def _largest_factor(n: int) -> int:
    """The largest prime factor of n (1 for n = 1)."""
    largest, p = 1, 2
    while p * p <= n:
        while n % p == 0:
            largest, n = p, n // p
        p += 1
    return max(largest, n)


@lru_cache(maxsize=16)  # a plan has about seven lengths on this route; ~0.5 MB a table
def _half_table(m: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(c_l cos(2 pi l j / m) / m, c_l sin(2 pi l j / m) / m) for l < width, j <= m // 2, c_0 = 1
    and c_l = 2 after it: the inverse real transform of length m of a row with `width` leading
    frequencies, on half its points (the rest by symmetry). Angles reduced to l j mod m, as
    exact as the FFT's own twiddles."""
    base = 2 * np.pi * np.arange(m) / m
    index = np.arange(width)[:, None] * np.arange(m // 2 + 1)[None, :] % m
    weights = np.full((width, 1), 2.0 / m)
    weights[0] = 1.0 / m
    cosines, sines = weights * np.cos(base)[index], weights * np.sin(base)[index]
    cosines.flags.writeable = sines.flags.writeable = False
    return cosines, sines


def _inverse_real(partial: np.ndarray, m: int) -> np.ndarray:
    """np.fft.irfft(partial, n=m, axis=1) for rows whose frequencies past partial's columns
    are 0: by the FFT at lengths of small factors, else by two products with _half_table
    (p[j] = E[j] - O[j] and p[m - j] = E[j] + O[j], E and O the cosine and sine sums)."""
    width = partial.shape[1]
    if _largest_factor(m) <= LARGEST_FAST_FACTOR or 2 * (width - 1) >= m:
        return np.fft.irfft(partial, n=m, axis=1)
    cosines, sines = _half_table(m, -(-width // 32) * 32)  # a table per 32 widths, sliced
    even = partial.real @ cosines[:width]
    odd = partial.imag @ sines[:width]
    half = m // 2 + 1
    out = np.empty((partial.shape[0], m))
    np.subtract(even, odd, out=out[:, :half])
    np.add(even[:, m - half : 0 : -1], odd[:, m - half : 0 : -1], out=out[:, half:])
    return out


@dataclass(frozen=True)
class Spectrum:
    """The transform of (X, Y)'s pmf at the frequencies that matter, on the windows of
    sources.joint_pmf: their lowest values and lengths, and the kept frequencies' indices
    and values (the conjugate of phi, as the inverse transform takes it)."""

    x_lo: int
    x_len: int
    y_lo: int
    y_len: int
    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray

    def grid(self, values: np.ndarray, wrap: bool = False) -> np.ndarray:
        """The inverse transform of `values` at the kept frequencies on the windows (wrap: with
        row 0 repeated after the last, as the periodic transform has it). Only columns up to
        the last kept one are non-zero, so the first pass transforms those alone."""
        width = int(self.columns.max()) + 1
        spectrum = np.zeros((self.x_len, width), dtype=complex)
        spectrum[self.rows, self.columns] = values
        partial = np.empty((self.x_len + wrap, width), dtype=complex)
        np.fft.ifft(spectrum, axis=0, out=partial[: self.x_len])
        if wrap:
            partial[self.x_len] = partial[0]
        return _inverse_real(partial, self.y_len)


def share_spectrum(
    sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray, joint: Weights | None = None
) -> Spectrum:
    """The transform of the joint pmf of the counts of x-states and y-states (disjoint), at
    the frequencies whose bound on |phi| exceeds e^-TRUNCATION (module docstring); `joint`,
    the sources' joint_weights if already worked out."""
    joint = joint_weights(sources, x, y) if joint is None else joint
    if any(both for _, _, both in joint):
        raise ValueError("a share's numerator and rest must not overlap")
    # window() of each count, from the weights (disjoint states: the same sums)
    x_lo, x_len = count_window(sources, [only_x for only_x, _, _ in joint])
    y_lo, y_len = count_window(sources, [only_y for _, only_y, _ in joint])
    u_all = 2 * np.pi * np.fft.fftfreq(x_len)
    v_all = 2 * np.pi * np.fft.rfftfreq(y_len)
    iu, iv = _kept_frequencies(u_all, v_all, _bound_coefficients(sources, joint))
    log_abs, arg = _log_characteristic(sources, joint, (u_all, v_all), (iu, iv))
    u, v = u_all[iu], v_all[iv]
    arg -= u * x_lo + v * y_lo
    magnitude = np.exp(log_abs)
    # The pmf is the inverse transform of phi(-u, -v), conjugate of phi(u, v).
    values = magnitude * np.cos(arg) - 1j * (magnitude * np.sin(arg))
    return Spectrum(x_lo, x_len, y_lo, y_len, iu, iv, values)


def share_joint_pmf(
    sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joint pmf of the counts of x-states and y-states (disjoint) on the same windows as
    sources.joint_pmf, from the transform at the frequencies that matter (module docstring):
    (x values, y values, pmf)."""
    spectrum = share_spectrum(sources, x, y)
    pmf = spectrum.grid(spectrum.values)
    np.maximum(pmf, 0.0, out=pmf)
    pmf /= pmf.sum()
    return (
        spectrum.x_lo + np.arange(spectrum.x_len),
        spectrum.y_lo + np.arange(spectrum.y_len),
        pmf,
    )


def spectral_cumulative(spectrum: Spectrum) -> tuple[np.ndarray, np.ndarray]:
    """(G, ramp) with the cumulative sums down the pmf's columns C[i, j] = P(X < x_lo + i,
    Y = y_lo + j) = G[i, j] - G[0, j] + i ramp[j], i = 0..x_len, from one inverse transform
    and no pass over the grid: down a column of length n with transform P[k],
    sum_{i' < i} p[i'] = (i / n) P[0] + (1/n) sum_{k != 0} P[k] (w^(ik) - 1) / (w^k - 1),
    w = e^(2 pi i / n), so G is the transform of P[k] / (w^k - 1) (0 at k = 0) and ramp the
    column totals (the k = 0 row) over n."""
    steps = np.expm1(2j * np.pi * np.fft.fftfreq(spectrum.x_len))  # w^k - 1, once a row
    first = spectrum.rows == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        divided = np.where(first, 0.0, spectrum.values / steps[spectrum.rows])
    g = spectrum.grid(divided, wrap=True)
    top = np.zeros(int(spectrum.columns.max()) + 1, dtype=complex)
    top[spectrum.columns[first]] = spectrum.values[first]
    totals = _inverse_real(top[None, :], spectrum.y_len)[0]
    return g, totals / spectrum.x_len


def ratio_mean(
    sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray, joint: Weights | None = None
) -> float:
    """E[X / (X + Y)] (0 where X + Y = 0) without the grid: the integral over s > 0 of
    E[X exp(-s(X + Y))], a product of the sources' generating functions times a sum of their
    log-derivatives, by Gauss-Laguerre quadrature after scaling s by the mean of X + Y (the
    integrand is then e^-w times a smooth function; it agrees with the grid's sum to about
    1e-13, the grid's own rounding and wrap-around, and with itself at 32 to 150 nodes;
    `joint`, the sources' joint_weights if already worked out)."""
    joint = joint_weights(sources, x, y) if joint is None else joint
    weights = [w[:2] for w in joint]
    scale = sum(
        (source.count if source.probabilities is not None else 1.0) * (a + b)
        for source, (a, b) in zip(sources, weights, strict=True)
    )
    if scale <= 0:
        return 0.0
    nodes, node_weights = _laguerre()
    e = np.expm1(-nodes / scale)  # e^-s - 1
    # Each source's terms a row, all of a kind at once; summed down the rows in order, as a
    # running sum over the sources would add them (the same numbers).
    a = np.array([w[0] for w in weights])[:, None]
    q = a + np.array([w[1] for w in weights])[:, None]
    logs, derivatives = np.empty((len(sources), len(nodes))), np.empty((len(sources), len(nodes)))
    fixed = np.array([s.probabilities is not None for s in sources])
    poisson = np.array([s.probabilities is None and s.shape is None for s in sources])
    mixed = ~fixed & ~poisson
    if fixed.any():
        n = np.array([s.count for s in sources if s.probabilities is not None], float)[:, None]
        logs[fixed] = n * np.log1p(q[fixed] * e)
        derivatives[fixed] = n * a[fixed] * (1 + e) / (1 + q[fixed] * e)
    if poisson.any():
        logs[poisson] = q[poisson] * e
        derivatives[poisson] = a[poisson] * (1 + e)
    if mixed.any():
        r = np.array([s.shape for s in sources if s.probabilities is None and s.shape])[:, None]
        logs[mixed] = -r * np.log1p(-q[mixed] * e / r)
        derivatives[mixed] = a[mixed] * (1 + e) / (1 - q[mixed] * e / r)
    log_m, derivative = logs.sum(axis=0), derivatives.sum(axis=0)
    return float(np.sum(node_weights * np.exp(log_m + nodes) * derivative) / scale)


@cache
def _laguerre() -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Laguerre nodes and weights for ratio_mean."""
    return np.polynomial.laguerre.laggauss(LAGUERRE_NODES)


def spectral_share(
    sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray, submit: Submit | None = None
) -> ShareDistribution:
    """The distribution of X / (X + Y) for one set of sources, its cumulative sums straight
    from the transform (spectral_cumulative) and its mean from ratio_mean: no pass over the
    grid to make it, only reads where its quantiles and probabilities fall. With `submit` (a
    one-thread executor's), the cumulative sums are worked out there while the caller goes on
    (engines.exact.background)."""
    joint = joint_weights(sources, x, y)
    spectrum = share_spectrum(sources, x, y, joint)
    cumulative = (
        spectral_cumulative(spectrum) if submit is None else submit(spectral_cumulative, spectrum)
    )
    return ShareDistribution(
        spectrum.x_lo + np.arange(spectrum.x_len),
        spectrum.y_lo + np.arange(spectrum.y_len),
        None,
        ratio_mean(sources, x, y, joint),
        cumulative,
        _spread(sources, joint),
    )


def _spread(sources: list[OutcomeSource], joint: Weights) -> float:
    """The delta-method standard deviation of X / (X + Y) from the counts' means, variances
    and covariance (where a quantile search starts; 0 if there are no units)."""
    mx = my = vx = vy = cxy = 0.0
    for source, (a, b, _) in zip(sources, joint, strict=True):
        if source.probabilities is not None:
            n = source.count
            mx, my = mx + n * a, my + n * b
            vx, vy, cxy = vx + n * a * (1 - a), vy + n * b * (1 - b), cxy - n * a * b
        else:  # Poisson, or gamma-mixed: the shared factor adds a^2 / shape, ab / shape
            extra = 1.0 / source.shape if source.shape else 0.0
            mx, my = mx + a, my + b
            vx, vy, cxy = vx + a + a * a * extra, vy + b + b * b * extra, cxy + a * b * extra
    total = mx + my
    if total <= 0:
        return 0.0
    variance = (my * my * vx - 2 * mx * my * cxy + mx * mx * vy) / total**4
    return math.sqrt(max(variance, 0.0))
