"""Trend-map benchmark: the vectorised Mann-Kendall/Sen (``noahperm.trends.stats.mk_batch``)
against a loop of ``pymannkendall.original_test`` on the same series.

Usage: ``python benchmarks/bench_trends.py [--cells N] [--years 39]``. Prints the time per
series of each and their ratio, measured in the same run (a measurement, not a test), and the
largest differences of p and slope between the two.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from noahperm.trends.stats import mk_batch, mk_trend


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--years", type=int, default=39)
    a = ap.parse_args()
    years = np.arange(1980, 1980 + a.years)
    x = np.round(np.cumsum(np.random.default_rng(0).normal(size=(a.cells, a.years)), 1), 2)
    mk_batch(years, x[:2])          # imports (scipy) outside the timings
    mk_trend(years, x[0], min_years=3)
    t0 = time.perf_counter()
    slope, p = mk_batch(years, x)
    t1 = time.perf_counter()
    ref = [mk_trend(years, row, min_years=3) for row in x]
    t2 = time.perf_counter()
    dp = max(abs(r["p"] - q) for r, q in zip(ref, p, strict=True))
    ds = max(abs(r["slope_per_decade"] - s) for r, s in zip(ref, slope, strict=True))
    vb, vl = (t1 - t0) / a.cells * 1e3, (t2 - t1) / a.cells * 1e3
    print(f"{a.cells} series of {a.years} years")
    print(f"mk_batch:                  {vb:.3f} ms a series")
    print(f"pymannkendall in a loop:   {vl:.3f} ms a series")
    print(f"ratio loop / batch:        {vl / vb:.1f}")
    print(f"largest |dp| {dp:.2e}, largest |dslope| {ds:.2e} per decade")


if __name__ == "__main__":
    main()
