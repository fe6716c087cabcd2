"""Out-of-core benchmark: time and peak memory of the stages that read whole stores, on a
synthetic store set of the paper's size.

Usage::

    python benchmarks/bench_out_of_core.py [--cells 25000] [--years 40] [--members 13]
        [--threads 2] [--chunk-cells N] [--stage NAME ...] [--keep DIR] [--layouts]

Workload (written with numpy in a temporary directory, never with the kernel; its size on disk
is printed): a domain store of ``--cells`` cells; one member's ``annual.zarr`` (cell x year x 18
layers, the nine annual aggregates, float64, chunked and compressed as the simulate stage
writes it: ``noahperm.simulation.stage.annual_encoding``) from smooth, seeded ground
temperature profiles (a surface temperature per cell, a warming trend, a geothermal gradient,
an annual amplitude decaying with depth, noise); after ``diagnose`` has run on it, ``--members``
members' ``permafrost.zarr`` (that member's diagnostics, perturbed per member, written as the
diagnose stage writes them, MAAT added) with its area and regional-means tables; observed
values at 100 sites for the validation.

Each stage runs as the workflow runs it, ``python -m noahperm <command> ... --threads N`` in a
fresh process, and its peak resident memory is that child's own (``VmHWM``, the high-water
mark of its resident memory, read as it exits: interpreter, NumPy, xarray and dask included). Printed per stage: wall time and
peak RSS against the 2 GB limit of the issue (a measurement: no pass or fail).

The stages are a registry (:data:`STAGES`): a name, what it needs, and the command it runs;
adding a stage is one :class:`Stage` entry.

``--layouts`` also prints, for the synthetic ``annual.zarr``, the store size and the time to
read one block of cells (all years) and one year (all cells) for a few chunkings and codecs
(docs/scale.md); ``--layouts-of PATH`` does the same on another ``annual.zarr`` (a real run's).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

YEARS0 = 1979
SLDPTH = np.array([0.045, 0.046, 0.075, 0.123, 0.204, 0.336, 0.554, 0.913, 0.904,
                   1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0])  # 18 layers [m]
T0 = 273.15
LIMIT_MB = 2048
EXPERIMENTS = ("CaliTGL", "CaliTSH", "CaliMAP")


# ------------------------------------------------------------------------ synthetic stores
def du(path: Path) -> int:
    """Bytes of the files under ``path``."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def annual_block(cells: np.ndarray, years: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Synthetic annual aggregates (ncell, nyear, 9, nlayer) float64 in the order of
    ``noahperm.kernel.driver.AGG_NAMES`` (TMIN, TMAX, TMEAN [K], then liquid water and ice
    [m3 m-3], min/max/mean), seeded by cell: a cell's values do not depend on the blocks."""
    n, ny, nz = cells.size, years.size, depth.size
    out = np.empty((n, ny, 9, nz))
    rng = np.random.default_rng(cells[0] if n else 0)
    frac = (cells * 389 % 997) / 997.0  # neighbours far apart: every class in a few cells
    ts = -8.0 + 14.0 * frac                                 # surface mean [degC]
    amp = 8.0 + 6.0 * ((cells * 7 % 101) / 101.0)          # surface half-range [K]
    damp = 1.8 + 1.0 * ((cells * 13 % 89) / 89.0)          # damping depth [m]
    warming = 0.03 * (years - years[0])                     # [K]
    tmean = (T0 + ts[:, None, None] + warming[None, :, None] + 0.025 * depth[None, None, :]
             + rng.normal(0.0, 0.2, (n, ny, 1)))
    half = amp[:, None, None] * np.exp(-depth[None, None, :] / damp[:, None, None])
    half = np.broadcast_to(half, tmean.shape)
    out[:, :, 0], out[:, :, 1], out[:, :, 2] = tmean - half, tmean + half, tmean
    porosity = 0.35
    for k, t in enumerate((out[:, :, 0], out[:, :, 1], out[:, :, 2])):
        liquid = np.where(t > T0, porosity - 0.05, 0.05 + 0.02 * np.tanh(t - T0))
        out[:, :, 3 + k] = liquid
        out[:, :, 6 + k] = porosity - liquid
    return out


def write_domain(path: Path, ncell: int) -> None:
    import xarray as xr

    from noahperm.core.variables import attrs
    from noahperm.core.zarrio import atomic_zarr

    side = int(np.ceil(np.sqrt(ncell)))
    cells = np.arange(ncell)
    ds = xr.Dataset({"area": ("cell", np.full(ncell, 100.0), attrs("area", "permafrost"))},
                    coords={"cell": cells, "lat": ("cell", 28.0 + 0.1 * (cells // side)),
                            "lon": ("cell", 75.0 + 0.1 * (cells % side))})
    with atomic_zarr(path, product="domain", fsync=False) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)


def write_annual(path: Path, ncell: int, nyear: int, encoding=None, block: int = 1024) -> None:
    """A synthetic ``annual.zarr`` written block by block of cells (``encoding``: the
    simulate stage's, :func:`noahperm.simulation.stage.annual_encoding`, unless given)."""
    import dask.array as da
    import xarray as xr

    from noahperm.core.variables import attrs
    from noahperm.core.zarrio import atomic_zarr
    from noahperm.diagnostics.permafrost import node_depths
    from noahperm.kernel.driver import AGG_NAMES

    cells = np.arange(ncell, dtype=np.int32)
    years = np.arange(YEARS0, YEARS0 + nyear)
    depth = node_depths(SLDPTH)
    side = int(np.ceil(np.sqrt(ncell)))
    shape = (ncell, nyear, depth.size)
    template = xr.Dataset(
        {name: (("cell", "year", "layer"), da.zeros(shape, chunks=(block, -1, -1)),
                attrs(name, "annual")) for name in AGG_NAMES},
        coords={"cell": ("cell", cells, attrs("cell", "annual")),
                "lat": ("cell", 28.0 + 0.1 * (cells // side), attrs("lat", "annual")),
                "lon": ("cell", 75.0 + 0.1 * (cells % side), attrs("lon", "annual")),
                "year": ("year", years, attrs("year", "annual")),
                "layer": ("layer", np.arange(1, depth.size + 1), attrs("layer", "annual")),
                "depth": ("layer", depth, attrs("depth", "annual"))},
        attrs={"stage": "transient", "synthetic": "bench_out_of_core"})
    if encoding is None:
        from noahperm.simulation.stage import annual_encoding

        encoding = annual_encoding(template)
    chunk = encoding[AGG_NAMES[0]]["chunks"]
    template = template.chunk({"cell": chunk[0]})
    step = chunk[0] * max(1, block // chunk[0])
    with atomic_zarr(path, product="annual", fsync=False) as tmp:
        template.to_zarr(tmp, mode="w", consolidated=False, compute=False, encoding=encoding)
        for a in range(0, ncell, step):
            sl = slice(a, min(a + step, ncell))
            agg = annual_block(cells[sl].astype(np.int64), years, depth)
            # with compute=False only the dimensions' coordinates were written: the others
            # go with the blocks
            blk = xr.Dataset({name: (("cell", "year", "layer"), agg[:, :, j])
                              for j, name in enumerate(AGG_NAMES)},
                             coords={"lat": template["lat"][sl].variable,
                                     "lon": template["lon"][sl].variable,
                                     "depth": template["depth"].variable})
            blk.to_zarr(tmp, region={"cell": sl, "year": slice(None), "layer": slice(None)},
                        consolidated=False)


def write_members(work: Path, nmember: int, chunk_cells: int) -> list[Path]:
    """``nmember`` members' permafrost.zarr, area.csv and regional_means.csv: the diagnose
    stage's products of the synthetic run, perturbed per member (ALT, DZAA +- 5 %, the
    temperatures +- 0.3 K, a few cell-years missing) and MAAT added; written as diagnose
    writes them, one block of cells at a time."""

    from noahperm.core.chunked import cell_encoding, open_by_cell
    from noahperm.core.variables import attrs
    from noahperm.core.zarrio import atomic_zarr

    base = open_by_cell(work / "diagnose/permafrost.zarr", product="permafrost",
                        chunk_cells=chunk_cells)
    ncell = base.sizes["cell"]
    dirs = []
    for m in range(nmember):
        d = work / f"members/m{m:02d}"
        d.mkdir(parents=True, exist_ok=True)
        ds = base.copy()
        ds["MAAT"] = (("cell", "year"), ds["GT10m"].data - 2.0, attrs("MAAT", "permafrost"))
        template = ds.copy()
        for v in ("ALT", "TTOP", "DZAA", "MAGT", "GT10m", "MAAT"):
            template[v] = template[v].astype(float)
        with atomic_zarr(d / "permafrost.zarr", product="permafrost", fsync=False) as tmp:
            template.to_zarr(tmp, mode="w", consolidated=False, compute=False,
                             encoding=cell_encoding(template, chunk_cells))
            for a in range(0, ncell, chunk_cells):
                sl = slice(a, min(a + chunk_cells, ncell))
                blk = ds.isel(cell=sl).drop_vars(["cell", "year"]).load()
                rng = np.random.default_rng([m, a])
                for v, scale, mult in (("ALT", 0.05, True), ("DZAA", 0.05, True),
                                       ("TTOP", 0.3, False), ("MAGT", 0.3, False),
                                       ("GT10m", 0.3, False), ("MAAT", 0.3, False)):
                    x = blk[v].values
                    e = rng.normal(0.0, scale, x.shape)
                    x = x * (1 + e) if mult else x + e
                    x[rng.random(x.shape) < 0.02] = np.nan
                    blk[v] = (("cell", "year"), x)
                blk.to_zarr(tmp, region={"cell": sl, "year": slice(None)}, consolidated=False)
        for f in ("area.csv", "regional_means.csv"):
            shutil.copy(work / "diagnose" / f, d / f)
        dirs.append(d)
    return dirs


def write_observed(path: Path, ncell: int, nyear: int, nsite: int = 100) -> None:
    """observed.csv of ``nsite`` synthetic sites (ALT, TTOP, GT10m per year over the last
    14 years), the columns of the observed_variables rule."""
    import pandas as pd

    rng = np.random.default_rng(7)
    cells = rng.choice(ncell, size=min(nsite, ncell), replace=False)
    years = np.arange(YEARS0 + max(0, nyear - 14), YEARS0 + nyear)
    rows = []
    for k, c in enumerate(cells):
        for y in years:
            rows.append({"site": f"S{k:03d}", "year": int(y),
                         "ALT_m": rng.uniform(1.0, 4.0), "TTOP_degC": rng.uniform(-3, 0),
                         "GT10m_degC": rng.uniform(-4, 1), "cell": int(c),
                         "cell_status": "ok", "region": f"R{k % 5}",
                         "location_name": f"S{k:03d}"})
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)


# --------------------------------------------------------------------------------- stages
@dataclass(frozen=True)
class Stage:
    """A benchmarked stage: ``prepare(work, args)`` writes its inputs beyond the run's
    (optional), ``command(work, args)`` is its ``noahperm`` argument list (without
    ``--threads``)."""

    name: str
    command: Callable[[Path, argparse.Namespace], list[str]]
    prepare: Callable[[Path, argparse.Namespace], None] | None = None


def _chunk(a) -> list[str]:
    return [] if a.chunk_cells is None else ["--chunk-cells", str(a.chunk_cells)]


def _diagnose(work: Path, a) -> list[str]:
    out = work / "diagnose"
    return ["diagnose", "--annual", str(work / "annual.zarr"), "--domain",
            str(work / "domain.zarr"), "--out", str(out / "permafrost.zarr"),
            "--area", str(out / "area.csv"), "--means", str(out / "regional_means.csv"),
            *_chunk(a)]


def _members(work: Path, a) -> None:
    from noahperm.core.chunked import CELL_CHUNK

    if member_dirs(work):
        return
    write_members(work, a.members, a.chunk_cells or CELL_CHUNK)
    write_observed(work / "observed.csv", a.cells, a.years)


def member_dirs(work: Path) -> list[Path]:
    return sorted((work / "members").glob("m*"))


def _trends(work: Path, a) -> list[str]:
    dirs = member_dirs(work)
    return ["trends", "--experiment", "CaliMAP",
            "--area", *[str(d / "area.csv") for d in dirs],
            "--means", *[str(d / "regional_means.csv") for d in dirs],
            "--permafrost", *[str(d / "permafrost.zarr") for d in dirs],
            "--out-dir", str(work / "trends"), *_chunk(a)]


def _validate(work: Path, a) -> list[str]:
    dirs = member_dirs(work)
    args = ["--member", "CaliFree", str(dirs[0] / "permafrost.zarr")]
    for e in EXPERIMENTS:  # three experiments of --members members each (the same stores)
        for d in dirs:
            args += ["--member", e, str(d / "permafrost.zarr")]
    return ["validate", "--observed", str(work / "observed.csv"), *args,
            "--out-dir", str(work / "validation"), *_chunk(a)]


def _ensemble_summary(work: Path, a) -> list[str]:
    dirs = member_dirs(work)
    # the votes' years: the stores' second and last year (the paper's CR, 1980-2018, at 40)
    cfg = {"trends": {"periods": {"CR": [YEARS0 + 1, YEARS0 + a.years - 1]}}}
    if a.chunk_cells is not None:
        cfg["ensemble"] = {"chunk_cells": int(a.chunk_cells)}
    return ["ensemble_summary", "--experiment", "CaliMAP",
            "--permafrost", *[str(d / "permafrost.zarr") for d in dirs],
            "--out", str(work / "ensemble" / "cells.zarr"), "--config-json", json.dumps(cfg)]


#: The benchmarked stages, in the order they run.
STAGES: dict[str, Stage] = {s.name: s for s in (
    Stage("diagnose", _diagnose),
    Stage("trends", _trends, prepare=_members),
    Stage("ensemble_summary", _ensemble_summary, prepare=_members),
    Stage("validate", _validate, prepare=_members),
)}


#: Runs ``python -m noahperm ARGS`` and, at its exit, writes the process's peak resident memory
#: (``VmHWM`` of /proc/self/status, in kB: the high-water mark of this program's own address
#: space; ``ru_maxrss`` would also count the benchmark's memory, inherited at the fork) to the
#: file named by the first argument.
_WRAPPER = """
import atexit, runpy, sys
out = sys.argv[1]
def _peak():
    with open("/proc/self/status") as fh:
        kb = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    with open(out, "w") as fh:
        fh.write(kb)
atexit.register(_peak)
sys.argv = ["noahperm", *sys.argv[2:]]
runpy.run_module("noahperm", run_name="__main__")
"""


def run_child(argv: list[str]) -> tuple[int, float, float, str]:
    """Run ``python -m noahperm argv`` in a fresh process: (exit code, wall s, peak RSS MB of
    that process, its output's tail)."""
    with tempfile.TemporaryDirectory() as tmp:
        peak = Path(tmp) / "peak_kb"
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", _WRAPPER, str(peak), *argv],
                             capture_output=True, text=True)
        wall = time.perf_counter() - t0
        kb = float(peak.read_text()) if peak.is_file() else float("nan")
    return res.returncode, wall, kb / 1024.0, (res.stdout + res.stderr)[-3000:]


# -------------------------------------------------------------------------------- layouts
def layouts(annual: Path, chunk_cells: int = 1024) -> list[dict]:
    """Store size and read times of ``annual`` rewritten with other chunkings and codecs:
    one block of ``chunk_cells`` cells with every year (the diagnose stage's access) and one
    year of every cell (a map's access), read cold from a fresh open."""
    import xarray as xr
    from zarr.codecs import BloscCodec, ZstdCodec

    from noahperm.core.chunked import shuffled_zstd
    from noahperm.core.zarrio import open_complete

    src = open_complete(annual, product="annual")
    names = list(src.data_vars)
    ncell, nyear = src.sizes["cell"], src.sizes["year"]
    nl = src.sizes["layer"]
    choices = {
        "by cell, Zstd level 0 (Zarr's default)": ((chunk_cells, nyear, nl), ZstdCodec(level=0)),
        "by cell, Blosc-Zstd 3 + shuffle (chosen)": ((chunk_cells, nyear, nl), shuffled_zstd()),
        "by cell, Blosc-LZ4 5 + shuffle": ((chunk_cells, nyear, nl),
                                           BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")),
        "by year, Blosc-Zstd 3 + shuffle": ((ncell, 1, nl), shuffled_zstd()),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, (chunks, codec) in choices.items():
            p = Path(tmp) / "a.zarr"
            shutil.rmtree(p, ignore_errors=True)
            enc = {v: {"chunks": chunks, "compressors": (codec,)} for v in names}
            t0 = time.perf_counter()
            dask_chunks = {"cell": min(ncell, chunks[0] * max(1, 8192 // chunks[0])),
                           "year": chunks[1], "layer": -1}
            src.chunk(dask_chunks).to_zarr(p, mode="w", consolidated=True, encoding=enc)
            tw = time.perf_counter() - t0
            ds = xr.open_zarr(p, consolidated=True, chunks=None)
            t0 = time.perf_counter()
            for v in names[:3]:
                ds[v][:chunk_cells].load()
            tb = time.perf_counter() - t0
            ds = xr.open_zarr(p, consolidated=True, chunks=None)
            t0 = time.perf_counter()
            for v in names[:3]:
                ds[v][:, nyear // 2].load()
            ty = time.perf_counter() - t0
            size = sum(du(p / v) for v in names)
            rows.append({"layout": label, "MB": size / 2**20,
                         "bytes_per_cell_year": size / (ncell * nyear), "write_s": tw,
                         "read_block_s": tb, "read_year_s": ty})
    raw = sum(src[v].nbytes for v in names)
    rows.append({"layout": "uncompressed", "MB": raw / 2**20,
                 "bytes_per_cell_year": raw / (ncell * nyear)})
    return rows


def print_layouts(rows: list[dict], what: str) -> None:
    print(f"\nlayouts of {what} (TMIN, TMAX, TMEAN read; size of all nine variables)")
    print(f"  {'layout':42s} {'MB':>9s} {'B/cell-yr':>10s} {'write s':>8s} "
          f"{'block s':>8s} {'year s':>8s}")
    for r in rows:
        print(f"  {r['layout']:42s} {r['MB']:9.1f} {r['bytes_per_cell_year']:10.0f} "
              + " ".join(f"{r[k]:8.2f}" if k in r else f"{'-':>8s}"
                         for k in ("write_s", "read_block_s", "read_year_s")))


# ----------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", type=int, default=25_000)
    ap.add_argument("--years", type=int, default=40)
    ap.add_argument("--members", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--chunk-cells", type=int, default=None,
                    help="cells per block of the stages (default: their own, CELL_CHUNK)")
    ap.add_argument("--stage", nargs="+", choices=list(STAGES), default=list(STAGES),
                    help="stages to run (the earlier ones' products are made when needed)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="work in this directory and keep it (default: a temporary one)")
    ap.add_argument("--layouts", action="store_true",
                    help="also compare chunkings and codecs of the synthetic annual.zarr")
    ap.add_argument("--layouts-of", type=Path, default=None, metavar="ANNUAL.zarr",
                    help="only compare chunkings and codecs of this annual.zarr")
    a = ap.parse_args(argv)
    if a.layouts_of is not None:
        print_layouts(layouts(a.layouts_of), str(a.layouts_of))
        return 0
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench_ooc_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return _run(a, work)
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _run(a, work: Path) -> int:
    print(f"synthetic store set: {a.cells:,} cells x {a.years} years x 18 layers, "
          f"{a.members} members; {a.threads} dask threads; work dir {work}")
    t0 = time.perf_counter()
    write_domain(work / "domain.zarr", a.cells)
    write_annual(work / "annual.zarr", a.cells, a.years)
    size = du(work / "annual.zarr")
    print(f"  annual.zarr (one member): {size / 2**20:,.1f} MB on disk, "
          f"{size / (a.cells * a.years):,.0f} bytes per cell-year "
          f"(written in {time.perf_counter() - t0:.1f} s)")
    rows = []
    needed = [n for n in STAGES if n in a.stage or (n == "diagnose" and len(a.stage))]
    for name in needed:
        st = STAGES[name]
        if st.prepare is not None:
            t0 = time.perf_counter()
            fresh = not member_dirs(work)
            st.prepare(work, a)
            if fresh and member_dirs(work):
                one = du(member_dirs(work)[0] / "permafrost.zarr")
                print(f"  {a.members} members' inputs written in {time.perf_counter() - t0:.1f} s")
                print(f"  permafrost.zarr: {one / 2**20:,.1f} MB a member, "
                      f"{one / (a.cells * a.years):,.1f} bytes per cell-year; "
                      f"{a.members} members {a.members * one / 2**20:,.1f} MB")
        rc, wall, rss, tail = run_child([*st.command(work, a), "--threads", str(a.threads)])
        if rc != 0:
            print(tail, file=sys.stderr)
            print(f"stage {name} failed (exit {rc})", file=sys.stderr)
            return 1
        ok = "below" if rss < LIMIT_MB else "ABOVE"
        print(f"  {name:10s}: {wall:7.1f} s, peak RSS {rss:7.1f} MB ({ok} the "
              f"{LIMIT_MB} MB limit)")
        rows.append({"stage": name, "cells": a.cells, "years": a.years,
                     "members": a.members, "threads": a.threads, "seconds": round(wall, 2),
                     "peak_rss_MB": round(rss, 1)})
    for out in ("diagnose/permafrost.zarr", "trends/trend_maps.zarr", "ensemble/cells.zarr"):
        if (work / out).exists():
            print(f"  {out}: {du(work / out) / 2**20:,.2f} MB")
    if a.layouts:
        print_layouts(layouts(work / "annual.zarr"), "the synthetic annual.zarr")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
