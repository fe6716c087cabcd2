"""Sensitivity benchmark: samples per second of the chunk evaluation, and the projected cost of
the paper's 27,100 samples.

Usage: ``python benchmarks/bench_sensitivity.py [--samples K] [--spinup-years S] [--years N]``
after the demo inputs exist (results/inputs/{domain,forcing}.zarr).

A chunk of K STAR-VARS samples x the three analysis cells (the demo's rule, loam profile) runs
as ONE driver call (``noahperm.sensitivity.stage.evaluate``): a warm spin-up of exactly S years
(min = max, so that every column runs the same years) from the default model's state, then an
N-year transient. Measured with 1 and 2 Numba threads after a warm-up run. Prints samples per
second, column-years per second, the 2-thread speed-up, and the paper's cost:
27,100 samples x 3 cells x (spin-up years + 32 transient years 1979-2010) column-years at the
measured single-thread speed, in core-hours, for a few spin-up lengths.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAPER_SAMPLES = 27_100
PAPER_TRANSIENT = 2010 - 1979 + 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=24, help="samples in the chunk [-]")
    ap.add_argument("--spinup-years", type=int, default=5, help="spin-up years per sample [a]")
    ap.add_argument("--years", type=int, default=2, help="transient years ending 2010 [a]")
    args = ap.parse_args()

    import numba

    from noahperm.core.config import with_defaults
    from noahperm.core.zarrio import open_complete
    from noahperm.sensitivity import stage as st
    from noahperm.sensitivity.vars import star_design
    from noahperm.simulation import engine as S

    cfg = with_defaults({"sensitivity": {"cells": "auto", "years": [2011 - args.years, 2010],
                                         "spinup": {"min_years": args.spinup_years,
                                                    "max_years": args.spinup_years}}})
    domain_path = ROOT / "results/inputs/domain.zarr"
    forcing = ROOT / "results/inputs/forcing.zarr"
    domain = open_complete(domain_path, product="domain")
    cells = st.choose_cells(cfg, domain, forcing)
    soil = st.soil_class("LOAM")
    info = {"cells": cells, "soil_class": soil}
    d = st.analysis_domain(domain, cells, soil)
    from noahperm.sensitivity import space

    x = star_design(space.NAMES, stars=2, delta_h=0.1, seed=1).samples[:args.samples]
    values = space.physical(x)
    ncol = len(cells)
    start = S.ColdSpinup(2.0)
    st.evaluate(cfg, d, forcing, info, values[:2], start=start)  # warm-up: compile, caches
    col_years = values.shape[0] * ncol * (args.spinup_years + args.years)
    speed, cpu = {}, {}
    for threads in (1, 2):
        numba.set_num_threads(threads)
        t0, c0 = time.perf_counter(), time.process_time()
        st.evaluate(cfg, d, forcing, info, values, start=start)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        speed[threads] = col_years / dt
        cpu[threads] = col_years / dc
        print(f"{threads} thread(s): {values.shape[0]} samples x {ncol} cells x "
              f"{args.spinup_years + args.years} years in {dt:.1f} s wall, {dc:.1f} s CPU: "
              f"{values.shape[0] / dt:.2f} samples/s, {speed[threads]:.1f} column-years/s "
              f"({cpu[threads]:.1f} per CPU-second)")
    print(f"speed-up with 2 threads: {speed[2] / speed[1]:.2f} (wall; on a loaded machine the "
          f"CPU-second figures are the steadier ones)")
    per_core = max(speed[1], cpu[1])
    print(f"paper: {PAPER_SAMPLES} samples x 3 cells, transient {PAPER_TRANSIENT} years, at "
          f"{per_core:.1f} column-years per core-second:")
    for spin in (20, 100, 500):
        cy = PAPER_SAMPLES * 3 * (spin + PAPER_TRANSIENT)
        print(f"  spin-up {spin:3d} years: {cy / per_core / 3600:8.1f} core-hours")


if __name__ == "__main__":
    main()
