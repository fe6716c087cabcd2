"""Calibration benchmark: evaluations per minute of each demo experiment and the projected cost
of the paper's runs. docs/calibration.md.

Usage: ``python benchmarks/bench_calibration.py [--batch 8] [--threads 2]`` after the demo
inputs and CaliFree's spin-up and transient exist (results/inputs/, results/CaliFree/default/).

For each experiment of config ``calibration.experiments``: one batch of ``--batch`` random
candidates through the member engine with the configured run protocol (a warm-up call first
loads the compiled kernel), and one OpenBox suggestion of a batch from a history of 32 sets;
prints the seconds of each, evaluations per minute, and the engine's cost per column-year in
core-seconds. Projection: the paper's CaliMAP (500 evaluations over about 13,000 cells) and a
site calibration (500 over one cell), with the demo's protocol (run-in plus window) and with the
paper's (a warm spin-up of ``--spinup-years`` plus the transient 1979 to the window's end), in
core-hours. Timings on a shared machine are inflated by load; ratios within one run compare.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    import numba
    import xarray as xr
    import yaml

    from noahperm.calibration import optimiser as O
    from noahperm.calibration.stage import _start, calibration_config
    from noahperm.calibration.targets import (
        MapTarget,
        Run,
        SiteTarget,
        califree_classes,
        map_classes,
        parameter_keys,
        sensitive_region,
        sets_of,
    )
    from noahperm.core.config import check
    from noahperm.core.zarrio import open_complete
    from noahperm.simulation.members import domain_cells, simulation_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "config/config.yaml"))
    ap.add_argument("--results", default=str(ROOT / "results"))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--spinup-years", type=int, default=50,
                    help="years of a warm spin-up assumed for the paper's protocol")
    a = ap.parse_args()
    numba.set_num_threads(a.threads)
    cfg = check(yaml.safe_load(Path(a.config).read_text()))
    cal = calibration_config(cfg)
    sim = simulation_config(cfg["simulation"])
    res = Path(a.results)
    domain = open_complete(res / "inputs/domain.zarr", product="domain")
    forcing = str(res / "inputs/forcing.zarr")
    spin = res / "CaliFree/default/spinup/state.zarr"
    active = domain_cells(domain)
    rng = np.random.default_rng(0)
    warm = False
    print(f"{a.batch} candidates per batch, {a.threads} threads; run protocol {cal['start']}, "
          f"run-in {cal['run_in_years']} a")
    for name, exp in cal["experiments"].items():
        if exp["objective"] == "nse":
            with xr.open_dataset(res / "inputs/obs/observations.nc") as obs:
                obs.load()
            target = SiteTarget(obs, exp["site"], domain["sldpth"].values.astype(float))
            cells = np.array([target.cell])
            first_w, last = int(exp["calibration"][0][:4]), int(exp["calibration"][1][:4])
            start, first = _start(cal, spin, cells, first_w, sim, domain, forcing)
            run = Run(domain, forcing, sim, start, (first, last), 8.0)

            def evaluate(sets, target=target, run=run, exp=exp):
                return target.objectives(run, sets, [tuple(exp["calibration"])])[:, 0]
        else:
            mapped = map_classes(Path(cfg["raw_dir"]) / "permafrost/permafrost_2010_1km.tif",
                                 domain, active)
            free = califree_classes(res / "CaliFree/default/annual.zarr", active, exp["map_year"])
            cells = sensitive_region(domain, active, free, mapped)
            first_w = last = int(exp["map_year"])
            start, first = _start(cal, spin, cells, first_w - 1, sim, domain, forcing)
            run = Run(domain, forcing, sim, start, (first, last))
            target = MapTarget(cells, mapped[np.searchsorted(active, cells)], exp["map_year"])

            def evaluate(sets, target=target, run=run):
                return target.objectives(run, sets)
        keys = parameter_keys(cal["parameters"], domain, cells,
                              min_share=cal["min_class_share"], soil_depth_m=cal["soil_depth_m"])
        u = rng.integers(0, 101, (a.batch, len(keys))) / 100
        if not warm:
            evaluate(sets_of(keys, u[:1]))
            warm = True
        t0 = time.perf_counter()
        evaluate(sets_of(keys, u))
        t_eng = time.perf_counter() - t0
        rows = [{"grid": list(rng.integers(0, 101, len(keys))), "objective": float(rng.random()),
                 "wall_s": 0.0} for _ in range(32)]
        s = O.OptimiserSettings(batch_size=a.batch, seed=1, early_stop_rounds=0,
                                acq_optimizer=cal["optimiser"]["acq_optimizer"])
        O._suggest(keys, s, rows, 4, a.batch)             # warm-up (imports, first fit)
        t0 = time.perf_counter()
        O._suggest(keys, s, rows, 5, a.batch)
        t_sug = time.perf_counter() - t0
        years = last - first + 1
        colyears = a.batch * cells.size * years
        c = t_eng * a.threads / colyears                     # core-seconds per column-year
        print(f"\n{name}: {len(keys)} keys, {cells.size} cells, {years} years per candidate")
        print(f"  engine {t_eng:.2f} s per batch, OpenBox suggestion {t_sug:.2f} s; "
              f"{60 * a.batch / (t_eng + t_sug):.1f} evaluations per minute")
        print(f"  cost {c * 1e3:.2f} core-ms per column-year")
        ncell = 13000 if exp["objective"] == "kappa" else 1
        y_demo = years
        y_paper = a.spinup_years + (last - int(sim["years"][0]) + 1)
        for label, y in (("demo protocol", y_demo), ("paper protocol", y_paper)):
            ch = 500 * ncell * y * c / 3600
            print(f"  projected paper run (500 evaluations x {ncell} cells x {y} a, {label}): "
                  f"{ch:,.1f} core-hours")
    return 0


if __name__ == "__main__":
    sys.exit(main())
