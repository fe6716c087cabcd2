"""Memory benchmark: peak RSS of the spin-up, transient and diagnostics of a large synthetic domain.

Usage: ``python benchmarks/bench_memory.py [--cells 25000] [--block-cells N] [--threads N]``.

Workload: a synthetic domain of ``--cells`` cells (default 25,000: more than the Plateau's
active 0.1-degree cells would need per block of work), 18 layers, a few vegetation and soil
profiles; forcing from an in-memory source that makes each block's year on demand (the demo's
point-site weather, 1979-1980, shifted per cell by -5..+5 K), so the forcing is never held for
the whole domain, as with the Zarr forcing cache. Each stage runs in a fresh process and does
what its workflow stage does with the default block size (config ``simulation.block_cells``):

- spin-up: ``ColdSpinup`` through ``engine.run_batch`` LIMITED TO ONE CYCLE of the two years
  (``max_years`` 2: the memory of a cycle is that of every cycle; a full spin-up takes
  hours), then the spun-up state store written as ``stage.write_state`` does;
- transient: ``FromState`` over the 2 years with the annual aggregates, daily means at 20
  cells and the classes of the second year, then ``annual.zarr``, ``sites.zarr`` and
  ``state.zarr`` written as ``stage.run_transient`` does;
- diagnostics: ``noahperm.diagnostics.stage.diagnose`` on that ``annual.zarr`` (with a
  domain store of the synthetic cells for the areas): ``permafrost.zarr``, the area and
  regional-means tables. MAAT is left out (no forcing cache of 25,000 cells is written: it
  would be 4 GB on disk); it is read by the same blocks of cells.

Prints, per stage, the wall time and the peak resident memory of its process
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which includes the interpreter, NumPy, Numba and
xarray, about 0.3 GB), and what the former recipe of the spin-up's initial state alone held (a
year of forcing of every cell). No pass/fail: a measurement (the target is below 2 GB each).

Run time: about 8 minutes per model stage on 2 cores at 25,000 cells (16 minutes in all: the physics
of 100,000 cell-years); ``--cells 2000`` gives the same per-block picture in about a minute.
Measured (2 cores, block 512): spin-up 651 MB, transient 695 MB (diagnostics: see the issue
notes and docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

YEARS = (1979, 1980)
NSOIL = 18
SLDPTH = np.array([0.045, 0.046, 0.075, 0.123, 0.204, 0.336, 0.554, 0.913, 0.904,
                   1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
PROFILES = ([7] * 6 + [12] * 5 + [13] * 7, [7] * 18, [3] * 9 + [13] * 9, [12] * 18)
VEGETATION = (7, 7, 8, 9, 19)
STAGES = ("spinup", "transient", "diagnostics")


def synthetic_domain(ncell: int):
    """An in-memory domain dataset with what ``model_from_domain`` and the writers read."""
    import xarray as xr

    rng = np.random.default_rng(42)
    veg = rng.choice(VEGETATION, ncell)
    soil = np.array(PROFILES)[rng.integers(len(PROFILES), size=ncell)]
    lai = np.where(veg == 19, 0.1, rng.uniform(0.3, 2.5, ncell))
    side = int(np.ceil(np.sqrt(ncell)))
    return xr.Dataset(
        {"active": ("cell", np.ones(ncell, bool)),
         "vegetation": ("cell", veg), "soil_class": (("cell", "layer"), soil),
         "tbot": ("cell", rng.uniform(270.5, 276.0, ncell)),
         "sfcdif_option": ("cell", np.where(lai < 0.5, 2, 1)), "lai": ("cell", lai),
         "sldpth": ("layer", SLDPTH),
         "lat": ("cell", 28.0 + 0.1 * (np.arange(ncell) // side)),
         "lon": ("cell", 75.0 + 0.1 * (np.arange(ncell) % side))},
        coords={"cell": np.arange(ncell)})


class SyntheticForcing:
    """Forcing source: the demo point site's weather, SFCTMP shifted per cell (-5..+5 K)."""

    def __init__(self, ncell: int):
        from noahperm.demo_world.point_site import example_input_text
        from noahperm.kernel import layout as L
        from noahperm.point.input_file import read_point_input

        path = Path(tempfile.mkdtemp()) / "site.in"
        path.write_text(example_input_text(years=YEARS[1] - YEARS[0] + 1, start_year=YEARS[0]))
        inp = read_point_input(path)
        self.times = inp.times
        self.base = inp.forcing[:, : L.NFORC - 1].astype(np.float64)
        self.shift = np.linspace(-5.0, 5.0, ncell)
        self.years = self.times.astype("datetime64[Y]").astype(int) + 1970
        self.t = L.F_SFCTMP

    def read(self, cells, year):
        sel = self.years == year
        cells = np.asarray(cells)
        data = np.empty((cells.size, int(sel.sum()), self.base.shape[1]))
        data[:] = self.base[sel][None]
        data[:, :, self.t] += self.shift[cells][:, None]
        return self.times[sel], data


def former_initial_state_bytes(ncell: int) -> int:
    """Bytes of one year of every cell's forcing (float64, 7 variables), which the spin-up
    stage used to read at once for the initial state's air temperature."""
    return ncell * 2920 * 7 * 8


def stage(name: str, ncell: int, block_cells: int | None, threads: int, work: Path) -> dict:
    import numba

    from noahperm.core.config import with_defaults
    from noahperm.core.zarrio import atomic_zarr
    from noahperm.simulation import engine as S
    from noahperm.simulation import stage as G
    from noahperm.simulation.members import build_members

    numba.set_num_threads(threads)
    t0 = time.perf_counter()
    sim = with_defaults({"spinup": {"cycle_years": list(YEARS), "max_years": 2,
                                    "min_years": 1}}, "simulation")
    block = int(sim["block_cells"] if block_cells is None else block_cells)
    domain = synthetic_domain(ncell)
    model, cell_ids = build_members(domain, sim, [{}])
    source = SyntheticForcing(ncell)
    attrs = {"stage": name}
    if name == "diagnostics":
        from noahperm.diagnostics.stage import diagnose

        dom = domain.assign(area=("cell", np.full(ncell, 100.0)))
        with atomic_zarr(work / "domain.zarr", product="domain") as tmp:
            dom.to_zarr(tmp, mode="w", consolidated=False)
        del dom
        diagnose(work / "annual.zarr", work / "domain.zarr", work / "permafrost.zarr",
                 work / "area.csv", work / "regional_means.csv", forcing_path=None)
    elif name == "spinup":
        [res] = S.run_batch(model, source, start=S.ColdSpinup(sim["initial_surface_offset_K"]),
                            settings=S.SpinupSettings.from_config(sim), block_cells=block)
        np.savez(work / "spun_up.npz", **res.state.as_dict())
        G.write_state(work / "spinup_state.zarr", res.state, domain, cell_ids, SLDPTH, attrs,
                      product="spinup_state")
    else:
        with np.load(work / "spun_up.npz") as z:
            state = S.State.from_dict(z)
        daily = np.linspace(0, ncell - 1, 20).astype(int)
        [res] = S.run_batch(model, source, start=S.FromState(state), years=YEARS,
                            daily_cells=daily, class_years=[YEARS[1]], block_cells=block)
        tr = res.transient
        ds = G.annual_dataset(tr, domain, cell_ids, SLDPTH, attrs)
        with atomic_zarr(work / "annual.zarr", product="annual") as tmp:
            ds.to_zarr(tmp, mode="w", consolidated=False)
        del ds
        import pandas as pd

        probes = pd.DataFrame({"site": [f"S{i}" for i in range(daily.size)], "depth_m": 0.5,
                               "cell": cell_ids[daily], "column": daily})
        ds = G.sites_dataset(tr, probes, daily, SLDPTH, attrs)
        with atomic_zarr(work / "sites.zarr", product="sites") as tmp:
            ds.to_zarr(tmp, mode="w", consolidated=False)
        G.write_state(work / "state.zarr", res.state, domain, cell_ids, SLDPTH, attrs)
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    return {"stage": name, "cells": ncell, "block_cells": block, "threads": threads,
            "seconds": round(time.perf_counter() - t0, 1), "peak_rss_MB": round(rss_kb / 1024, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", type=int, default=25_000)
    ap.add_argument("--block-cells", type=int, default=None,
                    help="columns per block (default: config simulation.block_cells)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.stage:  # a child: one stage in this fresh process
        print(json.dumps(stage(a.stage, a.cells, a.block_cells, a.threads, a.work)))
        return 0
    print(f"synthetic domain: {a.cells:,} cells x {NSOIL} layers, {YEARS[0]}-{YEARS[1]}; "
          f"spin-up limited to ONE 2-year cycle; {a.threads} threads")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name in STAGES:
            cmd = [sys.executable, __file__, "--stage", name, "--cells", str(a.cells),
                   "--threads", str(a.threads), "--work", work]
            if a.block_cells is not None:
                cmd += ["--block-cells", str(a.block_cells)]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                print(out.stderr[-3000:], file=sys.stderr)
                return 1
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = rows[-1]
            print(f"  {name:11s}: {r['seconds']:7.1f} s, peak RSS {r['peak_rss_MB']:8.1f} MB "
                  f"(block of {r['block_cells']} columns)")
    print(f"  (the former spin-up read one year of every cell's forcing for the initial state: "
          f"{former_initial_state_bytes(a.cells) / 2**20:,.0f} MB at once)")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
