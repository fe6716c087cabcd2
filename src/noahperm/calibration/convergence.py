"""Where an optimisation converged (paper section 2.5.2): piecewise-linear regression of the
objective trajectory with the number of breakpoints chosen by BIC, the threshold, the optimal
sets and the seeded draw of the members.

The trajectory is the objective of every evaluated set in evaluation order (iteration 1..n),
not its running best: the running best is monotone and has no level that a set can be "at or
above" except the incumbent's. Segments are independent lines (intercept and slope each;
breaks may be discontinuous, as a switch from exploration to exploitation is). For ``m``
breakpoints the least-squares fit is exact (dynamic programming over every admissible break
position, segments of at least ``min_segment`` points), and

    BIC(m) = n ln(RSS_m / n) + k_m ln(n),    k_m = 2 (m + 1) + m

(two coefficients per segment plus the break positions; Gaussian errors of one variance).
The ``m`` of the least BIC wins. **Threshold**: the lowest value of the fitted line over the
last segment, i.e. the lower end of the final regime's fitted level: for a flat final plateau
its level, for a still rising one its start, for a falling one its end (the fitted value at
the segment's start could then lie above every set of the segment). The optimal sets
are all evaluated sets (of any iteration) whose objective is at or above the threshold.

Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["Segmentation", "draw_members", "optimal_sets", "segment", "segment_costs"]


def segment_costs(y: np.ndarray) -> np.ndarray:
    """(n+1, n+1) matrix: ``C[i, j]`` the residual sum of squares of the least-squares line
    through points i..j-1 (x = their index), ``inf`` for fewer than 2 points."""
    y = np.asarray(y, dtype=float)
    n = y.size
    x = np.arange(n, dtype=float)
    cs = [np.concatenate([[0.0], np.cumsum(v)]) for v in (np.ones(n), x, y, x * x, x * y, y * y)]
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    s0, sx, sy, sxx, sxy, syy = (c[j] - c[i] for c in cs)
    with np.errstate(invalid="ignore", divide="ignore"):
        vxx = sxx - sx * sx / s0
        vxy = sxy - sx * sy / s0
        vyy = syy - sy * sy / s0
        rss = np.where(vxx > 0, vyy - vxy * vxy / vxx, vyy)
    rss = np.where(s0 >= 2, np.maximum(rss, 0.0), np.inf)
    return rss


@dataclass
class Segmentation:
    """The chosen piecewise-linear model of a trajectory of ``n`` points."""
    n: int
    breakpoints: list[int]            # first index (0-based) of segments 2..m+1
    segments: list[dict]              # start, stop (exclusive), intercept, slope (y = a + b x)
    bic: dict[int, float]             # BIC of each candidate number of breakpoints
    rss: dict[int, float]
    threshold: float                  # lowest fitted level of the last segment
    candidates: dict[int, list[int]] = field(default_factory=dict)  # breakpoints per m

    def fitted(self) -> np.ndarray:
        out = np.empty(self.n)
        for s in self.segments:
            x = np.arange(s["start"], s["stop"], dtype=float)
            out[s["start"]:s["stop"]] = s["intercept"] + s["slope"] * x
        return out

    def as_dict(self) -> dict:
        d = asdict(self)
        d["bic"] = {str(k): v for k, v in self.bic.items()}
        d["rss"] = {str(k): v for k, v in self.rss.items()}
        d["candidates"] = {str(k): v for k, v in self.candidates.items()}
        return d


def _line(y: np.ndarray, start: int, stop: int) -> tuple[float, float]:
    x = np.arange(start, stop, dtype=float)
    b, a = np.polyfit(x, y[start:stop], 1)
    return float(a), float(b)


def segment(y, max_breaks: int = 5, min_segment: int = 5) -> Segmentation:
    """Fit 0..``max_breaks`` breakpoints (each segment at least ``min_segment`` points, at
    least 2) by exact least squares and choose their number by BIC (module docstring).
    ``y``: the objective trajectory (finite values, larger is better)."""
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or y.size < 2 or not np.all(np.isfinite(y)):
        raise ValueError("the trajectory must be a 1-D array of at least 2 finite values")
    n = y.size
    L = max(2, int(min_segment))
    C = segment_costs(y)
    # DP over segment ends: best[m][j] = least RSS of y[:j] in m+1 segments
    mmax = max(0, min(int(max_breaks), n // L - 1))
    best = np.full((mmax + 1, n + 1), np.inf)
    arg = np.zeros((mmax + 1, n + 1), dtype=int)
    for j in range(L, n + 1):
        best[0, j] = C[0, j]
    for m in range(1, mmax + 1):
        for j in range((m + 1) * L, n + 1):
            i = np.arange(m * L, j - L + 1)
            tot = best[m - 1, i] + C[i, j]
            k = int(np.argmin(tot))
            best[m, j], arg[m, j] = tot[k], i[k]
    bic, rss, cands = {}, {}, {}
    tiny = 1e-12 * max(1.0, float(np.var(y))) * n
    for m in range(mmax + 1):
        r = float(best[m, n])
        if not np.isfinite(r):
            continue
        breaks, j = [], n
        for mm in range(m, 0, -1):
            j = int(arg[mm, j])
            breaks.append(j)
        cands[m] = sorted(breaks)
        rss[m] = r
        bic[m] = n * np.log(max(r, tiny) / n) + (2 * (m + 1) + m) * np.log(n)
    m_best = min(bic, key=lambda k: (bic[k], k))
    bounds = [0, *cands[m_best], n]
    segs = []
    for s, e in zip(bounds[:-1], bounds[1:], strict=True):
        a, b = _line(y, s, e)
        segs.append({"start": s, "stop": e, "intercept": a, "slope": b})
    last = segs[-1]
    threshold = min(last["intercept"] + last["slope"] * last["start"],
                    last["intercept"] + last["slope"] * (last["stop"] - 1))
    return Segmentation(n=n, breakpoints=cands[m_best], segments=segs,
                        bic={k: float(v) for k, v in bic.items()}, rss=rss,
                        threshold=float(threshold), candidates=cands)


def optimal_sets(y, threshold: float) -> np.ndarray:
    """Indices (0-based, ascending) of the sets whose objective is at or above ``threshold``."""
    y = np.asarray(y, dtype=float)
    return np.flatnonzero(np.isfinite(y) & (y >= threshold))


def draw_members(optimal: np.ndarray, objective, n_members: int, seed: int,
                 stream: int = 0) -> tuple[np.ndarray, str]:
    """``n_members`` distinct indices drawn at random without replacement from ``optimal``
    (``numpy.random.default_rng(SeedSequence([seed, stream]))``), in draw order, and how they
    were chosen. Fewer optimal sets than members: the ``n_members`` best sets of the whole
    history instead (ties by index), reported as ``"best"`` (the caller says so)."""
    optimal = np.asarray(optimal, dtype=int)
    y = np.asarray(objective, dtype=float)
    if optimal.size >= n_members:
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(stream)]))
        return rng.choice(np.sort(optimal), size=n_members, replace=False), "random"
    if y.size < n_members:
        raise ValueError(f"{y.size} evaluated sets, fewer than the {n_members} members")
    order = np.lexsort((np.arange(y.size), -np.nan_to_num(y, nan=-np.inf)))
    return order[:n_members], "best"
