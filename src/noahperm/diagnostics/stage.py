"""Stage ``diagnose``: the permafrost diagnostics of one run, streamed by block of cells.

Reads a run's ``annual.zarr`` (per cell, year and layer: annual minimum, maximum and mean soil
temperature) block by block of cells, computes :func:`noahperm.diagnostics.permafrost.
permafrost_variables` per block and, with the forcing cache, the mean annual air temperature
(MAAT) of the same block; the per-cell results (a few bytes per cell-year) are gathered and
written as ``permafrost.zarr``, and the per-year area and regional-mean tables are computed
from them. Peak memory is one block of aggregates (``block_cells`` x years x layers) plus one
block-year of forcing, independent of the number of cells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noahperm.diagnostics.permafrost import (
    PERMAFROST,
    SFG,
    T0,
    UNDEFINED,
    UNFROZEN,
    class_area,
    permafrost_variables,
    regional_mean,
)
from noahperm.diagnostics.permafrost import __doc__ as DEFINITIONS

BLOCK_CELLS = 512  # cells per block [-]

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


def diagnose(annual_path, domain_path, out_zarr, area_csv, means_csv, forcing_path=None,
             block_cells: int = BLOCK_CELLS) -> None:
    """permafrost.zarr (per cell and year: class, ALT, TTOP, DZAA, MAGT, GT10m, talik and, with
    the forcing, MAAT), area.csv (per year: permafrost, SFG and unfrozen area [km2]) and
    regional_means.csv (:func:`regional_means`)."""
    import xarray as xr

    from noahperm.core.fileio import write_csv
    from noahperm.core.variables import attrs
    from noahperm.core.zarrio import atomic_zarr, open_complete

    ann = open_complete(annual_path, product="annual")
    dom = open_complete(domain_path, product="domain")
    cells = ann["cell"].values
    pos = np.searchsorted(dom["cell"].values, cells)
    area = dom["area"].values[pos].astype(float)
    years = ann["year"].values
    depth = ann["depth"].values
    out: dict[str, np.ndarray] = {}
    for sl in _blocks(cells.size, block_cells):
        part = permafrost_variables(ann["TMIN"][sl].values, ann["TMAX"][sl].values,
                                    ann["TMEAN"][sl].values, depth)
        for k, v in part.items():
            if k not in out:
                out[k] = np.empty((cells.size,) + v.shape[1:], dtype=v.dtype)
            out[k][sl] = v
    if forcing_path is not None:
        out["MAAT"] = annual_air_temperature(forcing_path, cells, years, block_cells)
    data = {k: (("cell", "year"), v, attrs(k, "permafrost")) for k, v in out.items()}
    ds = xr.Dataset(data, coords={"cell": ("cell", cells, attrs("cell", "permafrost")),
                                  "year": ("year", years, attrs("year", "permafrost")),
                                  "lat": ("cell", ann["lat"].values, attrs("lat", "permafrost")),
                                  "lon": ("cell", ann["lon"].values, attrs("lon", "permafrost")),
                                  "area": ("cell", area, attrs("area", "permafrost"))},
                    attrs={"definitions": DEFINITIONS.split("Definitions")[1].strip()[:2000]})
    ds["class"] = ds["class"].astype(np.int8)
    with atomic_zarr(out_zarr, product="permafrost") as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    cls = out["class"]
    table = pd.DataFrame({
        "year": years,
        "permafrost_area_km2": class_area(cls, area, PERMAFROST),
        "sfg_area_km2": class_area(cls, area, SFG),
        "unfrozen_area_km2": class_area(cls, area, UNFROZEN),
    })
    write_csv(table, area_csv)
    write_csv(regional_means(out, area, years), means_csv)


def regional_means(out: dict[str, np.ndarray], area: np.ndarray, years) -> pd.DataFrame:
    """The regional-means table (one row per year) from the per-(cell, year) variables.

    Averaging over the cells that are permafrost in each year lets the averaging set change
    from year to year (cells thaw out of it, DZAA leaves the column), which makes trend
    artefacts; so each permafrost variable is reported twice, labelled:

    - ``<var>``: area-weighted mean over the cells that are permafrost in that year (and where
      the variable is defined: DZAA and MAGT need the DZAA within the column);
    - ``<var>_fixed``: over one fixed set of cells for all years: cells that are permafrost,
      with the variable defined, in every classified year (``n_fixed_<var>`` of them).

    Also ``n_permafrost`` (cells), ``DZAA_below_fraction`` (share of that year's permafrost
    cells whose DZAA lies below the column) and ``MAAT_degC`` (all cells).
    """
    cls = out["class"]
    pf = cls == PERMAFROST
    classified = (cls != UNDEFINED).any(axis=0)  # years with a class (not the first)
    means = {"year": np.asarray(years), "n_permafrost": pf.sum(axis=0)}
    with np.errstate(invalid="ignore", divide="ignore"):
        means["DZAA_below_fraction"] = np.where(
            pf.any(axis=0), (pf & out["DZAA_below"]).sum(axis=0) / pf.sum(axis=0), np.nan)
    for k in ("ALT", "TTOP", "DZAA", "MAGT", "GT10m"):
        v = out[k]
        if k in ("TTOP", "MAGT", "GT10m"):
            v = v - T0
        name = k + ("_m" if k in ("ALT", "DZAA") else "_degC")
        in_set = pf & np.isfinite(v)
        means[name] = regional_mean(np.where(in_set, v, np.nan), area)
        fixed = in_set[:, classified].all(axis=1) if classified.any() else \
            np.zeros(cls.shape[0], bool)
        fixed_mean = regional_mean(np.where(fixed[:, None], v, np.nan), area)
        means[name + "_fixed"] = np.where(classified, fixed_mean, np.nan)
        means["n_fixed_" + k] = np.full(len(years), int(fixed.sum()))
    if "MAAT" in out:
        means["MAAT_degC"] = regional_mean(out["MAAT"] - T0, area)
    return pd.DataFrame(means)
