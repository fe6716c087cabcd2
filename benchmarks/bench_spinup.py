"""Plain spin-up against a long plain cycling: years needed, distance left, drift left.

For each set of columns, two plain spin-ups from the same cold start (the engine's
``spinup``, config ``simulation.spinup`` of ``--run-dir``):

* ``long``: ``--long-years`` (500, as the paper) with no early stop;
* ``test``: with the configured equilibrium test (0.01 K and 1 mm per 5-year cycle, two
  cycles in a row) and at most ``--long-years``.

Printed per column: the years the test needs; the largest difference of its state from the
long run's (layer temperature [K], column ice [mm]); and the change of the long run's column
ice over its last ``--window`` cycles [mm] with the rest of its drift if that change decays
geometrically at the ratio ``rho`` of the last two windows (``d rho / (1 - rho)``, printed
where ``0 < rho < 1`` and the change exceeds 0.5 mm, above the cycles' noise): how far the long
run itself is from the fixed point. Then totals: simulated column-years of
the test and of the long run, and the columns within 0.05 K and 1 mm of the long run.

Column sets: ``constructed`` (four columns on the demo's synthetic weather: cold permafrost,
warm permafrost near 0 degC with ice, seasonal frost, a talik over permafrost) and ``demo``
(the active cells of a demo run's domain and forcing caches, default parameters).

    python benchmarks/bench_spinup.py --run-dir <a demo run, after snakemake> [--sets ...]

docs/performance.md ("Accelerated spin-up") gives the figures and what they mean for the
accelerated spin-up of issue 10.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from noahperm.core.config import check
from noahperm.demo_world.point_site import example_input_text
from noahperm.kernel import layout as L
from noahperm.model.columns import ColumnSpec, build_columns
from noahperm.model.tables import load_tables
from noahperm.point.input_file import read_point_input
from noahperm.simulation import engine as S

#: constructed columns: (name, shift of the air temperature [K], TBOT [K])
CONSTRUCTED = (("cold permafrost", -4.0, 268.15), ("warm permafrost", -0.8, 272.65),
               ("seasonal frost", 3.0, 276.15), ("talik", 1.5, 270.15))
#: soil class of every layer of the constructed columns (loam)
LOAM = 7


def column_ice_mm(state: S.State, zsoil) -> np.ndarray:
    """(ncol,) column ice [mm]."""
    dz = -np.diff(np.concatenate([[0.0], zsoil]))
    return ((state.smc - state.sh2o) * dz).sum(axis=1) * 1000.0


def constructed(tmp: Path, kernel: str):
    """(model, forcing source, labels) of the constructed columns, 1979-1983."""
    path = tmp / "site.in"
    path.write_text(example_input_text(years=5, start_year=1979))
    inp = read_point_input(path)
    n = len(CONSTRUCTED)
    data = np.repeat(inp.forcing[None, :, : L.NFORC - 1], n, axis=0).copy()
    for i, (_, shift, _) in enumerate(CONSTRUCTED):
        data[i, :, L.F_SFCTMP] += shift
    specs = [ColumnSpec(vegtyp=7, soiltyp=LOAM, stype=np.full(inp.stype.size, LOAM),
                        shdmin=0.02, shdmax=0.32, tbot=tb) for _, _, tb in CONSTRUCTED]
    labels = [c[0] for c in CONSTRUCTED]
    model = S.Model(build_columns(specs, load_tables()), inp.zsoil,
                    np.repeat(inp.shdfac_monthly[None], n, 0), labels, kernel=kernel)
    return model, S.ArrayForcing(inp.times, data), labels


def demo(run_dir: Path, sim_cfg):
    """(model, forcing source, labels) of a demo run's active cells (default parameters)."""
    from noahperm.core.zarrio import open_complete
    from noahperm.simulation.members import build_members

    domain = open_complete(run_dir / "results/inputs/domain.zarr", product="domain")
    model, cell_ids = build_members(domain, sim_cfg, [{}], None)
    source = S.ZarrForcing(run_dir / "results/inputs/forcing.zarr", cell_ids)
    return model, source, [f"cell {c}" for c in cell_ids]


def spin(model, source, settings, start):
    t0 = time.perf_counter()
    state, table = S.spinup(model, source, settings, start, block_cells=512)
    return state, table, time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-dir", type=Path, default=Path("."),
                    help="a demo run: its config/config.yaml and results/inputs caches")
    ap.add_argument("--sets", nargs="+", choices=["constructed", "demo"],
                    default=["constructed", "demo"])
    ap.add_argument("--long-years", type=int, default=500)
    ap.add_argument("--window", type=int, default=10, help="cycles of the drift windows")
    args = ap.parse_args(argv)
    cfg = check(yaml.safe_load((args.run_dir / "config/config.yaml").read_text()))
    sim = cfg["simulation"]
    test = S.SpinupSettings.from_config(sim)
    test.max_years = args.long_years
    ny = test.cycle_years[1] - test.cycle_years[0] + 1
    # the long run as all but two windows, then one and one: the changes of its last two
    wy = args.window * ny
    last = S.SpinupSettings(test.cycle_years, wy, wy, 1e-12, 1e-12, 1)
    cold = S.ColdSpinup(float(sim["initial_surface_offset_K"]))
    for name in args.sets:
        with tempfile.TemporaryDirectory() as tmp:
            model, source, labels = (constructed(Path(tmp), sim["kernel"]) if name == "constructed"
                                     else demo(args.run_dir, sim))
            st_t, tab, secs = spin(model, source, test, cold)
            prev2, _, s1 = spin(model, source, S.SpinupSettings(
                test.cycle_years, args.long_years - 2 * wy, args.long_years - 2 * wy, 1e-12,
                1e-12, 1), cold)
            prev, _, s2 = spin(model, source, last, S.WarmSpinup(prev2))
            long, _, s3 = spin(model, source, last, S.WarmSpinup(prev))
        ice_l, ice_t = column_ice_mm(long, model.zsoil), column_ice_mm(st_t, model.zsoil)
        d_last = ice_l - column_ice_mm(prev, model.zsoil)
        d_before = column_ice_mm(prev, model.zsoil) - column_ice_mm(prev2, model.zsoil)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = d_last / d_before
        dt = np.abs(st_t.stc - long.stc).max(axis=1)
        di = np.abs(ice_t - ice_l)
        print(f"\n## {name}: {len(labels)} columns; test {test.tol_temperature_K} K and "
              f"{test.tol_ice_mm} mm per {ny}-year cycle, {test.stable_cycles} cycles in a row; "
              f"long run {args.long_years} years, drift windows of {wy} years")
        print(f"{'column':16s} {'test a':>7s} {'dT K':>7s} {'dI mm':>7s} | long run: "
              f"{'ice mm':>7s} {'last dI':>8s} {'rest':>7s}")
        print(f"{'':16s} {'':7s} {'':7s} {'':7s} | {'':9s} {'':7s} {'(window)':>8s} {'':7s}")
        for k, lab in enumerate(labels):
            rest = (f"{d_last[k] * rho[k] / (1 - rho[k]):7.1f}"
                    if 0 < rho[k] < 1 and abs(d_last[k]) > 0.5 else
                    f"{'-':>7s}")
            print(f"{lab:16s} {tab['years'][k]:6d}{' ' if tab['converged'][k] else '*'} "
                  f"{dt[k]:7.4f} {di[k]:7.2f} | {'':9s} {ice_l[k]:7.0f} {d_last[k]:8.3f} {rest}")
        n = len(labels)
        print(f"test: {int(tab['years'].sum())} column-years ({secs:.1f} s), "
              f"{int(tab['converged'].sum())}/{n} converged, years median "
              f"{np.median(tab['years']):.0f}, max {tab['years'].max()}; long run: "
              f"{n * args.long_years} column-years ({s1 + s2 + s3:.1f} s); "
              f"ratio {n * args.long_years / tab['years'].sum():.1f}x")
        print(f"test state within 0.05 K and 1 mm of the long run: "
              f"{int(((dt <= 0.05) & (di <= 1.0)).sum())}/{n}; largest {dt.max():.4f} K, "
              f"{di.max():.2f} mm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
