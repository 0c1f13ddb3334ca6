"""A share's distribution, X / (X + Y), held as its joint grid or as cumulative sums from the
transform, and read without sorting the grid's hundreds of thousands of ratios: quantiles and
probabilities from cumulative sums down the grid's columns (for a fixed Y the share grows with
X; the same smallest value whose cumulative probability reaches a level as a full sort gives),
found by a search that starts about the share's mean.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from functools import cached_property

import numpy as np
from scipy import special

#: The spectral route's cumulative sums: (G, ramp), as shares.spectral_cumulative gives them.
Spectral = tuple[np.ndarray, np.ndarray]

#: Bisection steps before a quantile's interval is sorted (2^-14 wide: a point in a few
#: columns; fewer steps leave more points to sort, more cost more than they save).
BISECTIONS = 14
#: A quantile's interval is narrowed to this width before its points are sorted.
WIDTH = (1 + 1e-9) / 2**BISECTIONS
#: Where the quantile search first reads the cumulative probability, in standard deviations
#: of the share about its mean (half a one apart: interpolation of the probits between
#: neighbours is then within about 1.4 WIDTH of the quantile for the bundled shares).
SEARCH_GRID = np.arange(-10, 11) / 2
#: After SEARCH_GRID the estimate is read at these multiples of WIDTH (less a hair, so that
#: neighbours are less than WIDTH apart) about each goal's probit interpolation, which is
#: within a WIDTH or so of the quantile for a share near normal: most goals end there.
COMB = np.array([-1.5, -0.5, 0.5, 1.5]) / 1.001


class ShareDistribution:
    """Exact distribution of X / (X + Y), held as the joint pmf of (X, Y) on a grid, or as the
    cumulative sums down its columns from the transform (spectral_cumulative: (G, ramp), or a
    Future of them being worked out on another thread, waited for at the first read);
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
        spectral: Spectral | Future[Spectral] | None = None,
        spread: float = 0.0,
    ) -> None:
        self.xs, self.ys, self._mean = xs, ys, mean
        self._spread = spread  # about the share's standard deviation, to start a search
        self._x = xs.astype(float)
        self._y = ys.astype(float)
        self._columns = np.arange(len(ys))
        self._pmf, self._c, self._ramp = pmf, None, None
        self._spectral = spectral is not None
        self._pending = spectral if isinstance(spectral, Future) else None
        self._origin = 0.0  # the probability of X + Y = 0, on the spectral route
        if isinstance(spectral, tuple):
            self._take(spectral)
        elif spectral is None and xs[0] + ys[0] == 0:  # X + Y = 0 at the first point: left out
            assert pmf is not None
            self._pmf = pmf.copy()
            self._pmf[0, 0] = 0.0

    def _take(self, spectral: Spectral) -> None:
        """Hold the spectral route's (G, ramp), and the probability of X + Y = 0 if the grid's
        first point has it."""
        self._c, self._ramp = spectral
        if self.xs[0] + self.ys[0] == 0:
            self._origin = float(self._c[1, 0] - self._c[0, 0] + self._ramp[0])

    def __getstate__(self) -> dict[str, object]:
        """Pickled or deep-copied with its cumulative sums, not the Future of them."""
        if self._pending is not None:
            self._cumulative()
        return self.__dict__.copy()

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
        columns from 0; on the spectral route G (waited for here if still being made)."""
        if self._pending is not None:
            self._take(self._pending.result())
            self._pending = None
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
        if not self._spectral:
            return found
        found -= c[0]
        found += rows * self._ramp
        if self._origin:
            found[..., 0] -= np.where(rows[..., 0] > 0, self._origin, 0.0)
        return found

    def _points(self, row: np.ndarray, column: np.ndarray) -> np.ndarray:
        """The pmf at points (row, column), without the whole grid on the spectral route."""
        if not self._spectral:
            return self.pmf[row, column]
        c = self._cumulative()
        found = np.maximum(c[row + 1, column] - c[row, column] + self._ramp[column], 0.0)
        if self._origin:
            found[(row == 0) & (column == 0)] = 0.0
        return found

    def _share(self, i: np.ndarray) -> np.ndarray:
        """The share at rows i (one row per column; the same division as a sort uses)."""
        x = self._x[np.minimum(i, len(self.xs) - 1)]
        with np.errstate(invalid="ignore"):  # 0 / 0 at X + Y = 0, a point left out
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
        last = len(self.xs)
        whole = shares >= 1  # every row, Y = 0 included (where the odds would make inf * 0)
        with np.errstate(divide="ignore"):
            odds = np.where(whole, 0.0, shares / (1 - shares))
        rows = np.floor(odds[..., None] * self._y)
        rows += 1 - self.xs[0]
        np.clip(rows, 0, last, out=rows)
        if whole.any():
            rows[whole] = last
        return self._at(rows.astype(np.intp)).sum(axis=-1)

    def _bracket(self, goals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each goal an interval (lo, hi], at most WIDTH wide, with the estimated P(share
        <= lo) below it and P(share <= hi) not. From a spread (spectral route): the estimate
        read on SEARCH_GRID about the mean, then on a COMB about each goal's probit
        interpolation (most goals end here: two reads in all), then at a pair either side of
        the linear interpolation, 1/16 of the interval apart; bisection finishes any goal
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
                at = _interpolated(goals, (lo, f_lo, hi, f_hi), probit=step == 0)
                if step == 0:  # a comb WIDTH apart about the probit estimate: most goals end
                    at = np.clip(at, lo + COMB.max() * WIDTH, hi - COMB.max() * WIDTH)
                    points = at[:, None] + COMB * WIDTH
                else:
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
        ends = self._rows(np.concatenate([lo, hi]), False)  # both ends at once, row by row
        low_rows, high_rows = ends[: len(goals)], ends[len(goals) :]
        below, reached = np.split(self._at(ends).sum(axis=1), 2)
        # Every level's points at once: grouped by level, sorted by share within a level.
        counts = (high_rows - low_rows).ravel()
        level = np.repeat(np.arange(counts.size) // len(columns), counts)
        column = np.repeat(np.tile(columns, len(goals)), counts)
        first = np.cumsum(counts) - counts
        row = (
            np.repeat(low_rows.ravel(), counts) + np.arange(counts.sum()) - np.repeat(first, counts)
        )
        x = self._x[row]
        with np.errstate(invalid="ignore"):  # 0 / 0 at X + Y = 0, a point left out
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


def _interpolated(
    goals: np.ndarray,
    bracket: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    probit: bool,
) -> np.ndarray:
    """Where each goal's estimated probability is reached inside its bracket (lo, P(lo), hi,
    P(hi)), by linear interpolation of the probabilities or of their normal quantiles (probit:
    a share near normal has a probit nearly linear in the share); the middle where that fails."""
    lo, f_lo, hi, f_hi = bracket
    if probit:
        goals, f_lo, f_hi = (
            special.ndtri(np.clip(f, 1e-300, 1 - 1e-16)) for f in (goals, f_lo, f_hi)
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        at = lo + (goals - f_lo) / (f_hi - f_lo) * (hi - lo)
    return np.where(np.isfinite(at), at, 0.5 * (lo + hi))


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
    if points.ndim == 1:  # copies of a few dozen numbers: cheaper than np.broadcast_to
        points, found = (np.repeat(a[None, :], len(goals), axis=0) for a in (points, found))
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
