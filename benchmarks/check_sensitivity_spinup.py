"""Warm against cold spin-up of a few sensitivity samples at the analysis cells.

Usage: ``python benchmarks/check_sensitivity_spinup.py [--samples 0 1 2] [--max-years N]``
after ``snakemake results/sensitivity/base/state.zarr`` (demo config).

For each chosen sample of results/sensitivity/samples.csv, the three analysis cells (loam) are
spun up twice with simulation.spinup's equilibrium test (and ``--max-years``): warm from the
default model's equilibrium (results/sensitivity/base/state.zarr) and cold from the documented
initial state. Prints the years each needed, whether it converged, and the largest difference
between the two end states: soil temperature of any layer [K] and column ice [mm].
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--max-years", type=int, default=300)
    args = ap.parse_args()

    from noahperm.core.config import check
    from noahperm.core.zarrio import open_complete
    from noahperm.sensitivity import space
    from noahperm.sensitivity import stage as st
    from noahperm.simulation import engine as S
    from noahperm.simulation.members import run_members
    from noahperm.simulation.stage import read_state

    cfg = check(yaml.safe_load((ROOT / "config/config.yaml").read_text()))
    res_dir = ROOT / cfg["results_dir"] / "sensitivity"
    info = st._json(res_dir / "cells.json")
    domain = st.analysis_domain(open_complete(ROOT / "results/inputs/domain.zarr"),
                                info["cells"], int(info["soil_class"]))
    cells = np.array([c["cell"] for c in info["cells"]])
    samples = st.read_samples(res_dir / "samples.csv").set_index("sample")
    values = samples.loc[args.samples, list(space.NAMES)].to_numpy(float)
    sets = [space.parameter_set(v, [c["vegetation"] for c in info["cells"]],
                                int(info["soil_class"])) for v in values]
    sim = st.with_defaults(cfg["simulation"], "simulation")
    sim["spinup"]["max_years"] = args.max_years
    forcing = ROOT / "results/inputs/forcing.zarr"
    base = read_state(res_dir / "base/state.zarr", cells)
    out = {}
    for name, start in (("warm", S.WarmSpinup(base)), ("cold", S.ColdSpinup())):
        out[name] = run_members(domain, forcing, sets, cells, sim_cfg=sim, spinup=start,
                                years=None)
    dz = np.diff(np.concatenate([[0.0], np.cumsum(domain["sldpth"].values)]))
    for k, s in enumerate(args.samples):
        w, c = out["warm"][k], out["cold"][k]
        dt = np.abs(w.spun_up.stc - c.spun_up.stc).max(axis=1)
        ice = lambda st_: ((st_.smc - st_.sh2o) * dz * 1000.0).sum(axis=1)  # noqa: E731
        di = np.abs(ice(w.spun_up) - ice(c.spun_up))
        for j, cell in enumerate(info["cells"]):
            print(f"sample {s:4d} {cell['name']:5s}: warm {int(w.spinup_table['years'][j]):3d} a"
                  f" ({'converged' if w.spinup_table['converged'][j] else 'not converged'}),"
                  f" cold {int(c.spinup_table['years'][j]):3d} a"
                  f" ({'converged' if c.spinup_table['converged'][j] else 'not converged'});"
                  f" |dT| max {dt[j]:.4f} K, |d ice| {di[j]:.2f} mm")


if __name__ == "__main__":
    main()
