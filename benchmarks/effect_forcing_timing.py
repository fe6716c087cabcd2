"""Effect of the CMFD precipitation timing on the demo: old mapping against the CMFD convention.

Usage (after the forcing cache exists, e.g. after ``make demo``)::

    python benchmarks/effect_forcing_timing.py [--raw-dir resources/demo/raw]
        [--domain results/inputs/domain.zarr] [--forcing results/inputs/forcing.zarr]
        [--years 1979 1988]

The same raw files, the same columns (the default parameters of every active cell), the same
cold initial state; two runs that differ only in the precipitation given to each step:

- ``old``: the record ``prec(t)`` applied to the step labelled ``t`` (what the reader did when
  it took CMFD precipitation as the mean over ``[t, t + 3 h)``);
- ``new``: the mean rate over the step's own hours, ``(prec(t) + prec(t + 3 h)) / 2``
  (``noahperm.inputs.forcing.cmfd.step_precipitation``, what the forcing cache now holds).

Prints, for each: the snow fraction of precipitation (precipitation with ``T < 273.15 K`` at
its step, which is what the kernel's FFROZP decides), the mean snow water equivalent and the
mean of each year's maximum (cells x years, the first year left out), the mean number of days
with snow on the ground (SNEQV > 1 mm at 12 UTC), and the mean annual soil temperature at the
node nearest 0.5 m. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def raw_precipitation(raw_dir, domain, cells, year) -> np.ndarray:
    """(ncell, nstep) CMFD prec records [kg m-2 s-1] of ``cells`` over ``year``."""
    from noahperm.core import layout
    from noahperm.inputs.domain import grid_of
    from noahperm.inputs.forcing import cmfd

    pos = np.searchsorted(domain["cell"].values, cells)
    iy, ix = domain["iy"].values[pos], domain["ix"].values[pos]
    grid = grid_of(domain)
    fdir = f"{raw_dir}/{layout.FORCING_DIR}"
    months = [cmfd.read_month(cmfd.month_file(fdir, "prec", year, m), "prec", year, m,
                              grid=grid, iy=iy, ix=ix) for m in range(1, 13)]
    return np.concatenate(months, axis=1).astype(np.float64)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw-dir", default="resources/demo/raw")
    ap.add_argument("--domain", default="results/inputs/domain.zarr")
    ap.add_argument("--forcing", default="results/inputs/forcing.zarr")
    ap.add_argument("--years", type=int, nargs=2, default=(1979, 1988))
    a = ap.parse_args(argv)

    from noahperm.core.zarrio import open_complete
    from noahperm.diagnostics.permafrost import node_depths
    from noahperm.kernel import layout as L
    from noahperm.kernel.constants import TFREEZ
    from noahperm.kernel.driver import new_aggregates, no_daily, run_columns
    from noahperm.simulation import engine as S
    from noahperm.simulation.members import build_members, simulation_config

    t0 = time.perf_counter()
    domain = open_complete(a.domain, product="domain")
    sim = simulation_config(None)
    model, cells = build_members(domain, sim, [{}])
    source = S.ZarrForcing(a.forcing, cells)
    years = range(a.years[0], a.years[1] + 1)
    ncol, nsoil = model.ncol, model.zsoil.size
    t_air = source.read(np.arange(ncol), years[0])[1][:, :, L.F_SFCTMP].mean(axis=1)
    start = S.initial_state(model.cols, model.zsoil, t_air)
    states = {k: S.State(start.sstate.copy(), start.stc.copy(), start.smc.copy(),
                         start.sh2o.copy()) for k in ("old", "new")}
    k05 = int(np.argmin(np.abs(node_depths(-np.diff(np.concatenate([[0.0], model.zsoil])))
                               - 0.5)))
    zsoil = np.ascontiguousarray(np.broadcast_to(model.zsoil, (ncol, nsoil)))
    stats = {k: {"snow": 0.0, "prcp": 0.0, "swe": [], "swe_max": [], "snow_days": [],
                 "t05": []} for k in states}
    for y in years:
        times, data = source.read(np.arange(ncol), y)
        rec = raw_precipitation(a.raw_dir, domain, cells, y)  # SI already
        for name, st in states.items():
            d = data.copy()
            if name == "old":
                d[:, :, L.F_PRCP] = rec
            f8 = S.with_green_fraction(d, times, model.green_monthly)
            nstep = times.size
            agg, _ = new_aggregates(ncol, 1, nsoil)
            trace = np.full((nstep, ncol, L.NSTATE + 3 * nsoil), np.nan)
            run_columns(st.sstate, st.stc, st.smc, st.sh2o, f8, model.cols.par,
                        model.cols.soilp, model.cols.stype, model.cols.soilidx, zsoil, S.DT,
                        np.zeros(nstep, np.int64), agg, *no_daily(nsoil),
                        np.zeros(ncol, np.int64), np.full(ncol, -1, np.int64), trace,
                        np.empty((nstep, ncol, L.NDIAG)))
            p, t = d[:, :, L.F_PRCP], d[:, :, L.F_SFCTMP]
            s = stats[name]
            s["snow"] += float((p * (t < TFREEZ)).sum())
            s["prcp"] += float(p.sum())
            if y == years[0]:
                continue
            swe = trace[:, :, L.S_SNEQV]
            s["swe"].append(swe.mean())
            s["swe_max"].append(swe.max(axis=0).mean())
            noon = (times.astype("datetime64[h]").astype(np.int64) % 24) == 12
            s["snow_days"].append((swe[noon] > 1e-3).sum(axis=0).mean())
            s["t05"].append(trace[:, :, L.NSTATE + k05].mean() - TFREEZ)
    print(f"{ncol} cells, {years[0]}-{years[-1]} (snow statistics from {years[0] + 1}); "
          f"{time.perf_counter() - t0:.0f} s")
    print(f"{'mapping':8s} {'snow fraction':>14s} {'mean SWE [mm]':>14s} "
          f"{'annual max SWE [mm]':>20s} {'snow days':>10s} {'T(0.5 m) [degC]':>16s}")
    for name, s in stats.items():
        print(f"{name:8s} {s['snow'] / s['prcp']:14.4f} {1e3 * np.mean(s['swe']):14.2f} "
              f"{1e3 * np.mean(s['swe_max']):20.2f} {np.mean(s['snow_days']):10.1f} "
              f"{np.mean(s['t05']):16.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
