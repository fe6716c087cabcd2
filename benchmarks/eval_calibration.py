"""Twin-experiment check of the demo's calibrations (evaluation code: reads the hidden truth in
resources/demo/truth, which the calibration never does). docs/calibration.md.

Usage: ``python benchmarks/eval_calibration.py`` after the calibrations of the demo
(results/calibration/<experiment>/), CaliFree (results/CaliFree/default/) and the truth.

Prints per experiment:
- the best and the default objective of the history (same run protocol), CaliFree's objective
  from its own full transient, and the objective's noise: NSE, the standard deviation of the
  best set's mean NSE over 200 further realisations of the sensor noise (AR(1), sd and lag-1
  correlation of config truth.noise) added to the observations; Kappa, the standard deviation of
  the best-minus-default Kappa over 500 bootstrap resamples of the region's cells;
- the RMS distance in normalised space of the best set and of the defaults to the truth over
  the calibrated keys (a key the truth leaves at its default counts with the default's u).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _u_exact(key: str, value: float | None) -> float:
    from noahperm.calibration.targets import _table_defaults
    from noahperm.model.parameters import BY_NAME

    p = BY_NAME[key.split("@")[0]]
    if value is None:
        value = _table_defaults()[p.name] if p.group == "universal" else 0.0
    return (value - p.lo) / (p.hi - p.lo)


def distances(keys, best: dict, truth: dict) -> tuple[float, float]:
    ut = np.array([_u_exact(k, truth.get(k)) for k in keys])
    ub = np.array([_u_exact(k, best[k]) for k in keys])
    ud = np.array([_u_exact(k, None) for k in keys])
    return float(np.sqrt(np.mean((ub - ut) ** 2))), float(np.sqrt(np.mean((ud - ut) ** 2)))


def ar1(rng, shape, sd, phi):
    e = np.empty(shape)
    e[..., 0] = rng.normal(0, sd, shape[:-1])
    innov = rng.normal(0, sd * np.sqrt(1 - phi**2), shape)
    for t in range(1, shape[-1]):
        e[..., t] = phi * e[..., t - 1] + innov[..., t]
    return e


def main() -> int:
    import xarray as xr
    import yaml

    from noahperm.calibration.objectives import cohen_kappa, mean_nse
    from noahperm.calibration.stage import _start, calibration_config, experiment_config
    from noahperm.calibration.targets import (
        Run,
        SiteTarget,
        califree_classes,
        map_classes,
    )
    from noahperm.core.config import check
    from noahperm.core.zarrio import open_complete
    from noahperm.simulation.members import domain_cells, simulation_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(ROOT / "config/config.yaml"))
    ap.add_argument("--results", default=str(ROOT / "results"))
    ap.add_argument("--truth", default=str(ROOT / "resources/demo/truth"))
    a = ap.parse_args()
    cfg = check(yaml.safe_load(Path(a.config).read_text()))
    cal = calibration_config(cfg)
    sim = simulation_config(cfg["simulation"])
    res = Path(a.results)
    truth = json.loads((Path(a.truth) / "true_parameters.json").read_text())
    domain = open_complete(res / "inputs/domain.zarr", product="domain")
    forcing = str(res / "inputs/forcing.zarr")
    spin = res / "CaliFree/default/spinup/state.zarr"
    noise = cfg["truth"]["noise"]
    rng = np.random.default_rng(12)
    for name in cal["experiments"]:
        cal_e, exp = experiment_config(cal, name)
        d = res / "calibration" / name
        if not (d / "threshold.json").is_file():
            print(f"{name}: no results in {d}")
            continue
        t = json.loads((d / "threshold.json").read_text())
        keys = t["parameters"]
        db, dd = distances(keys, t["best_parameters"], truth)
        print(f"\n{name}: {len(keys)} keys, {t['iterations']} evaluations, threshold "
              f"{t['threshold']:.4f}, {t['n_optimal']} optimal sets, members {t['members_drawn']}")
        print(f"  objective: best {t['best_objective']:.4f}, default (same protocol) "
              f"{t['default_objective']:.4f}")
        print(f"  normalised RMS distance to the truth: best set {db:.3f}, defaults {dd:.3f}")
        if exp["objective"] == "nse":
            with xr.open_dataset(res / "inputs/obs/observations.nc") as obs:
                obs.load()
            target = SiteTarget(obs, exp["site"], domain["sldpth"].values.astype(float))
            cells = np.array([target.cell])
            start, first = _start(cal_e, spin, cells, int(exp["calibration"][0][:4]), sim, domain, forcing)
            run = Run(domain, forcing, sim, start, (first, int(exp["calibration"][1][:4])), 8.0)
            times, stc = target.run(run, [t["best_parameters"]])
            days, o = target.matrix(*exp["calibration"])
            s = target.simulated(times, stc[0], days)
            vals = [mean_nse(o + ar1(rng, o.shape, noise["sd_K"], noise["ar1"]), s)
                    for _ in range(200)]
            sites = open_complete(res / "CaliFree/default/sites.zarr")
            sel = sites["site"].values.astype(str) == exp["site"]
            st = sites["time"].values.astype("datetime64[D]")
            free = np.full_like(o, np.nan)
            for i, z in enumerate(target.depths):
                p = np.flatnonzero(sel & np.isclose(sites["depth"].values, z))
                if p.size:
                    series = sites["soil_temperature"].values[p[0]] - 273.15
                    pos = np.searchsorted(st, days)
                    ok = (pos < st.size) & (st[np.minimum(pos, st.size - 1)] == days)
                    free[i, ok] = series[pos[ok]]
            print(f"  CaliFree's own full transient: NSE {mean_nse(o, free):.4f}")
            print(f"  noise of the NSE (sensor noise redrawn 200 times): sd {np.std(vals):.4f}"
                  f"; margin best - CaliFree = {t['best_objective'] - mean_nse(o, free):.4f}")
            if "validation_nse" in t:
                v = t["validation_nse"]
                print(f"  validation NSE: best {v['best']['validation']:.4f}, default "
                      f"{v['default']['validation']:.4f}")
        else:
            active = domain_cells(domain)
            mapped_all = map_classes(Path(cfg["raw_dir"]) / "permafrost/permafrost_2010_1km.tif",
                                     domain, active)
            califree_classes(res / "CaliFree/default/annual.zarr", active, exp["map_year"])
            # the region as the calibration made it
            from noahperm.calibration.targets import sensitive_region
            free = califree_classes(res / "CaliFree/default/annual.zarr", active,
                                    exp["map_year"])
            cells = sensitive_region(domain, active, free, mapped_all)
            mapped = mapped_all[np.searchsorted(active, cells)]
            start, first = _start(cal_e, spin, cells, int(exp["map_year"]) - 1, sim, domain, forcing)
            run = Run(domain, forcing, sim, start, (first, int(exp["map_year"])))
            from noahperm.simulation.members import run_members
            rr = run_members(domain, forcing, [{}, t["best_parameters"]], cells=cells,
                             sim_cfg=sim, spinup=run.start, years=run.years, annual=False,
                             class_years=[int(exp["map_year"])])
            c0, c1 = [(r.transient.classes[:, 0] == 2).astype(int) for r in rr]
            diff = []
            for _ in range(500):
                i = rng.integers(0, cells.size, cells.size)
                diff.append(cohen_kappa(mapped[i], c1[i]) - cohen_kappa(mapped[i], c0[i]))
            print(f"  region {cells.size} cells ({t['region_share']:.0%} of the domain); "
                  f"CaliFree's own full transient: Kappa {t['califree_kappa_region_full_run']:.4f}")
            print(f"  noise of the Kappa difference (bootstrap of cells): sd {np.std(diff):.4f};"
                  f" best - default {cohen_kappa(mapped, c1) - cohen_kappa(mapped, c0):.4f}, "
                  f"best - CaliFree {t['best_objective'] - t['califree_kappa_region_full_run']:.4f}")
    # cross-transfer: each site's best set at the other site (validation windows)
    sites = {n: e for n, e in cal["experiments"].items() if e["objective"] == "nse"
             and (res / "calibration" / n / "threshold.json").is_file()}
    if len(sites) >= 2:
        with xr.open_dataset(res / "inputs/obs/observations.nc") as obs:
            obs.load()
        print("\ncross-transfer (mean NSE over the validation window; rows: parameters of)")
        for src in sites:
            best = json.loads((res / "calibration" / src / "threshold.json").read_text())
            for site_exp in sites:
                cal_e, exp = experiment_config(cal, site_exp)  # the target site's protocol
                target = SiteTarget(obs, exp["site"], domain["sldpth"].values.astype(float))
                cells = np.array([target.cell])
                start, first = _start(cal_e, spin, cells, int(exp["calibration"][0][:4]), sim, domain, forcing)
                last = int(exp["validation"][1][:4])
                run = Run(domain, forcing, sim, start, (first, last), 8.0)
                v = target.objectives(run, [best["best_parameters"], {}],
                                      [tuple(exp["validation"])])[:, 0]
                print(f"  {src} best at {exp['site']}: {v[0]:.4f} (default {v[1]:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
