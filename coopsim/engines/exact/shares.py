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
  function, quantiles and probabilities from cumulative sums down the grid's columns (the
  same smallest value whose cumulative probability reaches a level as a full sort gives).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

import numpy as np

from coopsim.engines.exact.sources import OutcomeSource, window

#: Frequencies where the bound on log|phi| is below -TRUNCATION are left out of the transform.
TRUNCATION = 50.0
#: Bisection steps before a quantile's interval is sorted (2^-14 wide: a point in a few
#: columns; fewer steps leave more points to sort, more cost more than they save).
BISECTIONS = 14
#: A quantile's interval is narrowed to this width before its points are sorted.
WIDTH = (1 + 1e-9) / 2**BISECTIONS
#: Where the quantile search first reads the cumulative probability, in standard deviations
#: of the share about its mean (half a one apart: linear interpolation between neighbours
#: is then good to about an eighth of their gap, and two interpolated pairs nearly reach
#: WIDTH).
SEARCH_GRID = np.arange(-10, 11) / 2
#: Gauss-Laguerre nodes of ratio_mean (it has converged to rounding by 32).
LAGUERRE_NODES = 48


Weights = list[tuple[float, float, float]]


def joint_weights(sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray) -> Weights:
    """Each source's OutcomeSource.joint_weights, worked out once for all that reads them."""
    return [source.joint_weights(x, y) for source in sources]


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
    if c:
        bound += c * (1.0 - cos_u[:, None] * cos_v[None, :] - su[:, None] * sv[None, :])
    i, j = np.nonzero(bound <= TRUNCATION)
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
        re = a * cos_u + b * cos_v
        im = a * sin_u + b * sin_v
        size = re * (2.0 + re) + im * im  # |1 + z|^2 - 1
        log_abs += ((0.5 * n) * np.log1p(size)).sum(axis=0)
        arg += (n * np.arctan2(im, 1.0 + re)).sum(axis=0)
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


@lru_cache(maxsize=64)
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
    cosines, sines = _half_table(m, width)
    even = partial.real @ cosines
    odd = partial.imag @ sines
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
        spectrum = np.zeros((self.x_len, int(self.columns.max()) + 1), dtype=complex)
        spectrum[self.rows, self.columns] = values
        partial = np.fft.ifft(spectrum, axis=0)
        if wrap:
            partial = np.concatenate([partial, partial[:1]])
        return _inverse_real(partial, self.y_len)


def share_spectrum(
    sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray, joint: Weights | None = None
) -> Spectrum:
    """The transform of the joint pmf of the counts of x-states and y-states (disjoint), at
    the frequencies whose bound on |phi| exceeds e^-TRUNCATION (module docstring); `joint`,
    the sources' joint_weights if already worked out."""
    joint = joint_weights(sources, x, y) if joint is None else joint
    x_lo, x_len = window(sources, x)
    y_lo, y_len = window(sources, y)
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
    u = 2 * np.pi * np.fft.fftfreq(spectrum.x_len)[spectrum.rows]
    first = spectrum.rows == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        divided = np.where(first, 0.0, spectrum.values / np.expm1(1j * u))
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
    log_m = np.zeros(len(nodes))
    derivative = np.zeros(len(nodes))
    for source, (a, b) in zip(sources, weights, strict=True):
        q = a + b
        if source.probabilities is not None:
            log_m += source.count * np.log1p(q * e)
            derivative += source.count * a * (1 + e) / (1 + q * e)
        elif source.shape is None:
            log_m += q * e
            derivative += a * (1 + e)
        else:
            r = source.shape
            log_m += -r * np.log1p(-q * e / r)
            derivative += a * (1 + e) / (1 - q * e / r)
    return float(np.sum(node_weights * np.exp(log_m + nodes) * derivative) / scale)


@cache
def _laguerre() -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Laguerre nodes and weights for ratio_mean."""
    return np.polynomial.laguerre.laggauss(LAGUERRE_NODES)


class ShareDistribution:
    """Exact distribution of X / (X + Y), held as the joint pmf of (X, Y) on a grid, or as the
    cumulative sums down its columns from the transform (spectral_cumulative: (G, ramp));
    outcomes with X + Y = 0 are left out (their probability is not spread over the others).
    Unpacks as (sorted distinct values, probabilities), like a count's distribution; the
    summary reads its quantiles and probabilities off the cumulative sums instead (for a fixed
    Y the share grows with X), and its mean is given (ratio_mean)."""

    def __init__(
        self,
        xs: np.ndarray,
        ys: np.ndarray,
        pmf: np.ndarray | None,
        mean: float,
        spectral: tuple[np.ndarray, np.ndarray] | None = None,
        spread: float = 0.0,
    ) -> None:
        self.xs, self.ys, self._mean = xs, ys, mean
        self._spread = spread  # about the share's standard deviation, to start a search
        self._x = xs.astype(float)
        self._y = ys.astype(float)
        self._columns = np.arange(len(ys))
        self._pmf, self._c, self._ramp = pmf, None, None
        self._origin = 0.0  # the probability of X + Y = 0, on the spectral route
        empty = xs[0] + ys[0] == 0  # X + Y = 0 at the grid's first point: left out
        if spectral is not None:
            self._c, self._ramp = spectral
            if empty:
                self._origin = float(self._c[1, 0] - self._c[0, 0] + self._ramp[0])
        elif empty:
            assert pmf is not None
            self._pmf = pmf.copy()
            self._pmf[0, 0] = 0.0

    def mean(self) -> float:
        """E[X / (X + Y)] over the outcomes with X + Y > 0."""
        return self._mean

    @property
    def pmf(self) -> np.ndarray:
        """The joint pmf on the grid (on the spectral route, the cumulative sums' steps)."""
        if self._pmf is None:
            c, ramp = self._cumulative(), self._ramp
            assert ramp is not None
            pmf = c[1:] - c[:-1]
            pmf += ramp
            np.maximum(pmf, 0.0, out=pmf)
            if self._origin:
                pmf[0, 0] = 0.0
            self._pmf = pmf
        return self._pmf

    @cached_property
    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        pmf = self.pmf
        total = self._x[:, None] + self._y[None, :]
        keep = (total > 0) & (pmf > 0)
        ratios = np.broadcast_to(self._x[:, None], total.shape)[keep] / total[keep]
        order = np.argsort(ratios, kind="stable")
        values, starts = np.unique(ratios[order], return_index=True)
        return values, np.add.reduceat(pmf[keep][order], starts)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self._sorted)

    def __getitem__(self, index: int) -> np.ndarray:
        return self._sorted[index]

    def __len__(self) -> int:
        return 2

    def _cumulative(self) -> np.ndarray:
        """On the grid route C[i, j] = P(X < xs[i], Y = ys[j]), cumulative sums down the
        columns from 0; on the spectral route G."""
        if self._c is None:
            assert self._pmf is not None
            c = np.empty((len(self.xs) + 1, len(self.ys)))
            c[0] = 0.0
            for i, row in enumerate(self._pmf):  # a row at a time: twice as fast as np.cumsum
                np.add(c[i], row, out=c[i + 1])
            self._c = c
        return self._c

    def _at(self, rows: np.ndarray) -> np.ndarray:
        """C[rows[..., j], j] = P(X < xs[0] + rows[..., j], Y = ys[j]) for each column j."""
        c = self._cumulative()
        found = np.take(c, rows * c.shape[1] + self._columns)
        if self._ramp is None:
            return found
        found -= c[0]
        found += rows * self._ramp
        if self._origin:
            found[..., 0] -= np.where(rows[..., 0] > 0, self._origin, 0.0)
        return found

    def _points(self, row: np.ndarray, column: np.ndarray) -> np.ndarray:
        """The pmf at points (row, column), without the whole grid on the spectral route."""
        if self._ramp is None:
            return self.pmf[row, column]
        c = self._cumulative()
        found = np.maximum(c[row + 1, column] - c[row, column] + self._ramp[column], 0.0)
        if self._origin:
            found[(row == 0) & (column == 0)] = 0.0
        return found

    def _share(self, i: np.ndarray) -> np.ndarray:
        """The share at rows i (one row per column; the same division as a sort uses)."""
        x = self._x[np.minimum(i, len(self.xs) - 1)]
        return x / (x + self._y)

    def _rows(self, r: np.ndarray, strict: bool) -> np.ndarray:
        """For thresholds r (m,), how many rows of each column have share <= r (< r if
        strict): (m, columns). A column's shares rise with X, so those rows come first; an
        estimate from X <= rY / (1 - r) is corrected by one row either way with the same
        floating-point shares as _sorted compares."""
        n = len(self.xs)
        r = np.asarray(r, dtype=float)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = np.where(r < 1, r * self._y / (1 - r), np.inf)
        rows = np.clip(np.floor(bound) - self.xs[0] + 1, 0, n).astype(np.intp)
        below = np.less if strict else np.less_equal
        for _ in range(2):  # (once is nearly always enough: a second pass only if needed)
            down = (rows > 0) & ~below(self._share(np.maximum(rows - 1, 0)), r)
            if not down.any():
                break
            rows -= down
        for _ in range(2):
            up = (rows < n) & below(self._share(rows), r)
            if not up.any():
                break
            rows += up
        return rows

    def _below(self, r: np.ndarray, strict: bool) -> np.ndarray:
        """P(share <= r) (< r if strict) for each threshold in r."""
        return self._at(self._rows(r, strict)).sum(axis=1)

    def _above(self, r: np.ndarray, inclusive: bool) -> np.ndarray:
        """P(share > r) (>= r if inclusive): each column's total less what is below."""
        every = np.full(len(self.ys), len(self.xs))
        return (self._at(every)[None, :] - self._at(self._rows(r, inclusive))).sum(axis=1)

    def probability(self, comparison: str, low: float, high: float | None = None) -> float:
        """P(share `comparison` low) for >, >=, <, <=, or P(low <= share <= high)."""
        r = np.array([low])
        if comparison == "between":
            assert high is not None
            inside = self._at(self._rows(np.array([high]), False))
            inside = inside - self._at(self._rows(r, True))
            return float(inside.sum())
        if comparison in ("<", "<="):
            return float(self._below(r, comparison == "<")[0])
        return float(self._above(r, comparison == ">=")[0])

    def _estimated(self, shares: np.ndarray) -> np.ndarray:
        """P(share <= s) for each s in `shares` (any shape), the rows estimated and not
        corrected (_rows): enough to narrow a search, whose end is counted exactly."""
        with np.errstate(divide="ignore"):
            odds = shares / (1 - shares)
        rows = np.floor(odds[..., None] * self._y)
        rows += 1 - self.xs[0]
        np.clip(rows, 0, len(self.xs), out=rows)
        return self._at(rows.astype(np.intp)).sum(axis=-1)

    def _bracket(self, goals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each goal an interval (lo, hi], at most WIDTH wide, with the estimated P(share
        <= lo) below it and P(share <= hi) not. From a spread (spectral route): the estimate
        read on SEARCH_GRID about the mean, then twice at a pair either side of the linear
        interpolation for the goal, 1/16 of the interval apart; bisection finishes any goal
        this leaves wider (and does it all without a spread)."""
        n = len(goals)
        lo, hi = np.full(n, -1e-9), np.ones(n)
        if self._spread > 0:
            f_lo = np.zeros(n)
            f_hi = np.full(n, self._at(np.full(len(self.ys), len(self.xs))).sum())
            points = np.clip(self._mean + self._spread * SEARCH_GRID, 0.0, 1.0 - 1e-9)
            found = self._estimated(points)
            for step in range(3):
                lo, f_lo, hi, f_hi = _narrowed(goals, points, found, (lo, f_lo, hi, f_hi))
                if step == 2 or (hi - lo).max() <= WIDTH:
                    break
                with np.errstate(divide="ignore", invalid="ignore"):
                    at = lo + (goals - f_lo) / (f_hi - f_lo) * (hi - lo)
                at = np.where(np.isfinite(at), at, 0.5 * (lo + hi))
                gap = np.maximum((hi - lo) / 16, WIDTH / 2.001)
                at = np.clip(at, lo + gap, hi - gap)
                points = np.stack([at - gap, at + gap], axis=1)
                found = self._estimated(points)
        for _ in range(8 * BISECTIONS):  # rows estimated, not corrected: this only narrows
            if (hi - lo).max() <= WIDTH:
                break
            mid = 0.5 * (lo + hi)
            reached = self._estimated(mid) >= goals
            hi = np.where(reached, mid, hi)
            lo = np.where(reached, lo, mid)
        return lo, hi

    def quantiles(self, levels: np.ndarray) -> np.ndarray:
        """For each level, the smallest share whose cumulative probability reaches it (less
        1e-12, as distributions.quantile): a bisection on the share narrows each level to an
        interval (lo, hi] with P(share <= lo) below it and P(share <= hi) not (counted
        exactly), then the grid points with shares in it are sorted and summed from there."""
        goals = np.asarray(levels, dtype=float) - 1e-12
        columns = self._columns
        lo, hi = self._bracket(goals)
        low_rows, high_rows = self._rows(lo, False), self._rows(hi, False)
        below = self._at(low_rows).sum(axis=1)
        reached = self._at(high_rows).sum(axis=1)
        # Every level's points at once: grouped by level, sorted by share within a level.
        counts = (high_rows - low_rows).ravel()
        level = np.repeat(np.arange(counts.size) // len(columns), counts)
        column = np.repeat(np.tile(columns, len(goals)), counts)
        first = np.cumsum(counts) - counts
        row = (
            np.repeat(low_rows.ravel(), counts) + np.arange(counts.sum()) - np.repeat(first, counts)
        )
        x = self._x[row]
        shares = x / (x + self._y[column])
        order = np.lexsort((shares, level))
        level, shares = level[order], shares[order]
        running = np.cumsum(self._points(row, column)[order])
        sizes = np.bincount(level, minlength=len(goals))
        ends = np.cumsum(sizes)
        starts = ends - sizes
        before = np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0.0)
        running = running - before[level] + below[level]  # from P(share <= lo) in each level
        hits = np.flatnonzero(running >= goals[level])
        out = np.empty(len(goals))
        for k, goal in enumerate(goals):
            if not below[k] < goal <= reached[k] or sizes[k] == 0:
                out[k] = _sorted_quantile(self._sorted, goal)  # a misjudged estimate
                continue
            index = int(np.searchsorted(hits, starts[k]))
            at = int(hits[index]) if index < len(hits) else ends[k] - 1
            out[k] = shares[min(at, ends[k] - 1)]  # never reached (rounding): the last one
        return out


def _narrowed(
    goals: np.ndarray,
    points: np.ndarray,
    found: np.ndarray,
    bracket: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The brackets (lo, P(lo), hi, P(hi)) of each goal moved in to the points read (shared
    (p,) or one row per goal (goals, p)) whose estimated probabilities `found` fall short of
    the goal (lo) or reach it (hi)."""
    lo, f_lo, hi, f_hi = bracket
    points = np.broadcast_to(points, (len(goals), points.shape[-1]))
    found = np.broadcast_to(found, points.shape)
    short = found < goals[:, None]
    every = np.arange(len(goals))
    i = np.argmax(np.where(short, points, -np.inf), axis=1)
    move = short[every, i] & (points[every, i] > lo)
    lo, f_lo = np.where(move, points[every, i], lo), np.where(move, found[every, i], f_lo)
    j = np.argmin(np.where(short, np.inf, points), axis=1)
    move = ~short[every, j] & (points[every, j] < hi)
    hi, f_hi = np.where(move, points[every, j], hi), np.where(move, found[every, j], f_hi)
    return lo, f_lo, hi, f_hi


def _sorted_quantile(distribution: tuple[np.ndarray, np.ndarray], goal: float) -> float:
    """The smallest value whose cumulative probability reaches `goal`, by a full sort."""
    values, probs = distribution
    return float(values[min(int(np.searchsorted(np.cumsum(probs), goal)), len(values) - 1)])


def spectral_share(sources: list[OutcomeSource], x: np.ndarray, y: np.ndarray) -> ShareDistribution:
    """The distribution of X / (X + Y) for one set of sources, its cumulative sums straight
    from the transform (spectral_cumulative) and its mean from ratio_mean: no pass over the
    grid to make it, only reads where its quantiles and probabilities fall."""
    joint = joint_weights(sources, x, y)
    spectrum = share_spectrum(sources, x, y, joint)
    return ShareDistribution(
        spectrum.x_lo + np.arange(spectrum.x_len),
        spectrum.y_lo + np.arange(spectrum.y_len),
        None,
        ratio_mean(sources, x, y, joint),
        spectral_cumulative(spectrum),
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
