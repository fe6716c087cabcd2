"""Stage ``diagnose``: the permafrost diagnostics of one run, out of core, by block of cells.

Reads a run's ``annual.zarr`` (per cell, year and layer: annual minimum, maximum and mean soil
temperature) lazily with xarray and dask in blocks of ``chunk_cells`` cells
(:func:`noahperm.core.chunked.open_by_cell`); per block, :func:`noahperm.diagnostics.permafrost.
permafrost_variables` and, with the forcing cache, the mean annual air temperature (MAAT) of the
same cells. The blocks stream into ``permafrost.zarr`` (chunked by the same blocks of cells);
the per-year area and regional-mean tables are then sums over the blocks of that store
(:mod:`noahperm.diagnostics.regional`). Peak memory is a few blocks of aggregates
(``chunk_cells`` x years x layers per variable, one per dask thread) plus one block-year of
forcing, independent of the number of cells (``benchmarks/bench_out_of_core.py``).

Each cell's values depend on that cell alone, so the store does not depend on the block size
or the threads (bitwise); the tables are sums over blocks, added in block order: to round-off
the same for any block size, bitwise the same for any number of threads.
"""

from __future__ import annotations

import numpy as np

from noahperm.core.chunked import CELL_CHUNK, cell_encoding, dask_threads, open_by_cell
from noahperm.diagnostics.permafrost import __doc__ as DEFINITIONS
from noahperm.diagnostics.permafrost import permafrost_variables
from noahperm.diagnostics.regional import (  # noqa: F401  (regional_means: part of this API)
    add_sums,
    block_sums,
    classified_years,
    regional_means,
    tables,
)

BLOCK_CELLS = CELL_CHUNK  # cells per block [-]
#: Variables of permafrost_variables, in the store's order, and their stored dtypes.
DIAG_DTYPES = {"class": np.int8, "ALT": np.float64, "TTOP": np.float64, "DZAA": np.float64,
               "DZAA_below": np.bool_, "MAGT": np.float64, "GT10m": np.float64,
               "talik": np.bool_}


def _blocks(n: int, size: int):
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


def annual_air_temperature(forcing_path, cells, years, block_cells: int = BLOCK_CELLS
                           ) -> np.ndarray:
    """(ncell, nyear) mean annual air temperature [K] of ``cells`` from the forcing cache,
    read one block of cells and one year at a time."""
    from noahperm.inputs.forcing.cache import iter_forcing, open_forcing
    from noahperm.kernel.layout import F_SFCTMP

    ds = open_forcing(forcing_path)
    cells = np.asarray(cells)
    out = np.full((cells.size, len(years)), np.nan)
    for sl in _blocks(cells.size, block_cells):
        for iy, y in enumerate(years):
            for block in iter_forcing(ds, cells[sl], f"{y}-01-01", f"{y + 1}-01-01"):
                out[sl, iy] = block.data[:, :, F_SFCTMP].mean(axis=1)
    return out


def _diagnose_block(tmin, tmax, tmean, depth):
    """One block's permafrost variables stacked (nvar, ncell, nyear) as float64 (exact for
    the class and the flags)."""
    part = permafrost_variables(tmin, tmax, tmean, depth)
    return np.stack([np.asarray(part[k], dtype=np.float64) for k in DIAG_DTYPES])


def _maat_block(cells, forcing_path, years):
    return annual_air_temperature(forcing_path, cells, years, block_cells=max(1, cells.size))


def permafrost_dataset(ann, area, forcing_path=None):
    """The per-cell and per-year diagnostics of a run as a lazy (dask) dataset, one task per
    block of cells of ``ann`` (an ``annual.zarr`` opened by :func:`open_by_cell`)."""
    import dask.array as da
    import xarray as xr

    from noahperm.core.variables import attrs

    cells, years = ann["cell"].values, ann["year"].values
    depth = ann["depth"].values
    tmin, tmax, tmean = (ann[v].data for v in ("TMIN", "TMAX", "TMEAN"))
    stacked = da.map_blocks(_diagnose_block, tmin, tmax, tmean, depth=depth, drop_axis=2,
                            new_axis=0, dtype=np.float64,
                            chunks=((len(DIAG_DTYPES),), tmin.chunks[0], (years.size,)))
    data = {k: (("cell", "year"), stacked[i].astype(dt), attrs(k, "permafrost"))
            for i, (k, dt) in enumerate(DIAG_DTYPES.items())}
    if forcing_path is not None:
        cell_blocks = da.from_array(cells, chunks=(tmin.chunks[0],))
        maat = da.map_blocks(_maat_block, cell_blocks, forcing_path=str(forcing_path),
                             years=years, new_axis=1, dtype=np.float64,
                             chunks=(tmin.chunks[0], (years.size,)))
        data["MAAT"] = (("cell", "year"), maat, attrs("MAAT", "permafrost"))
    return xr.Dataset(
        data,
        coords={"cell": ("cell", cells, attrs("cell", "permafrost")),
                "year": ("year", years, attrs("year", "permafrost")),
                "lat": ("cell", ann["lat"].values, attrs("lat", "permafrost")),
                "lon": ("cell", ann["lon"].values, attrs("lon", "permafrost")),
                "area": ("cell", np.asarray(area, float), attrs("area", "permafrost"))},
        attrs={"definitions": DEFINITIONS.split("Definitions")[1].strip()[:2000]})


def region_tables(pf_ds):
    """(area table, regional-means table) of a permafrost dataset opened by block of cells
    (:func:`open_by_cell`): the classified years first, then each block's partial sums
    (one dask task a block), added in block order."""
    import dask

    from noahperm.diagnostics.permafrost import UNDEFINED

    names = ["class", "DZAA_below", *[k for k in ("ALT", "TTOP", "DZAA", "MAGT", "GT10m",
                                                  "MAAT") if k in pf_ds]]
    years = pf_ds["year"].values
    area = pf_ds["area"].values
    classified = np.asarray((pf_ds["class"] != UNDEFINED).any("cell").values)
    starts = np.cumsum((0,) + pf_ds["class"].data.chunks[0])
    parts = [dask.delayed(block_sums)({k: pf_ds[k].data.blocks[b] for k in names},
                                      area[starts[b]:starts[b + 1]], classified)
             for b in range(len(starts) - 1)]
    total = None
    for part in dask.compute(*parts):
        total = add_sums(total, part)
    return tables(total, years, classified)


def diagnose(annual_path, domain_path, out_zarr, area_csv, means_csv, forcing_path=None,
             block_cells: int = BLOCK_CELLS, threads: int = 1) -> None:
    """permafrost.zarr (per cell and year: class, ALT, TTOP, DZAA, MAGT, GT10m, talik and, with
    the forcing, MAAT), area.csv (per year: permafrost, SFG and unfrozen area [km2]) and
    regional_means.csv (:func:`noahperm.diagnostics.regional.tables`), computed block by block
    of ``block_cells`` cells on ``threads`` dask threads."""
    from noahperm.core.errors import InputError
    from noahperm.core.fileio import write_csv
    from noahperm.core.zarrio import atomic_zarr, open_complete

    with dask_threads(threads):
        ann = open_by_cell(annual_path, product="annual", chunk_cells=block_cells,
                           variables=("TMIN", "TMAX", "TMEAN"))
        missing = [v for v in ("TMIN", "TMAX", "TMEAN") if v not in ann]
        if missing or ann["TMIN"].dims != ("cell", "year", "layer"):
            raise InputError("needs TMIN, TMAX, TMEAN (cell, year, layer)", path=annual_path,
                             field=", ".join(missing) or "dimensions")
        dom = open_complete(domain_path, product="domain")
        cells = ann["cell"].values
        area = dom["area"].values[np.searchsorted(dom["cell"].values, cells)].astype(float)
        ds = permafrost_dataset(ann, area, forcing_path)
        with atomic_zarr(out_zarr, product="permafrost") as tmp:
            ds.to_zarr(tmp, mode="w", consolidated=False,
                       encoding=cell_encoding(ds, block_cells))
        stored = open_by_cell(out_zarr, product="permafrost", chunk_cells=block_cells)
        area_table, means = region_tables(stored)
    write_csv(area_table, area_csv)
    write_csv(means, means_csv)
