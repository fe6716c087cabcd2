"""Tiny raw-input directories in the real formats, for the reader, domain and workflow tests.

:func:`write_raw` writes CMFD monthly NetCDF files (netCDF4, the CMFD layout) and the GeoTIFF
maps (rasterio, EPSG:4326, 30 arc-second pixels) of a small grid. Forcing values follow
:func:`forcing_value` exactly, so a test can check every number of the cache. Maps: cell (iy, ix)
of the forcing grid is one 12 x 12 pixel block; by default every cell is meadow (code 2, LAI 1.5,
loam over gravel), except cell (0, 0) desert (code 7, LAI 0.1), and the last cell is glacier.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from noahperm.inputs.forcing.cmfd import CMFD_VARS, month_times, write_month
from noahperm.inputs.maps import FINE_RES, write_raster

VARS = tuple(CMFD_VARS)  # temp shum pres wind srad lrad prec
_BASE = {"temp": 265.0, "shum": 0.003, "pres": 58000.0, "wind": 3.0, "srad": 200.0,
         "lrad": 250.0, "prec": 0.2}
_CELL = {"temp": 1.0, "shum": 1e-4, "pres": 100.0, "wind": 0.1, "srad": 5.0, "lrad": 2.0,
         "prec": 0.01}


def grid_axes(lon_min: float, lat_min: float, nlon: int, nlat: int, res: float = 0.1):
    lat = lat_min + (np.arange(nlat) + 0.5) * res
    lon = lon_min + (np.arange(nlon) + 0.5) * res
    return lat, lon


def forcing_value(var: str, times: np.ndarray, nlat: int, nlon: int) -> np.ndarray:
    """(nstep, nlat, nlon) values in CMFD units: base + k * (iy * nlon + ix) + hour-of-day term."""
    k = np.arange(nlat * nlon).reshape(nlat, nlon)
    hours = (times.astype("datetime64[h]").astype(np.int64) % 24).astype(np.float64)
    diurnal = {"srad": 50.0, "temp": 0.5, "prec": 0.7}.get(var, 0.0) * hours / 21.0
    return (_BASE[var] + _CELL[var] * k[None] + diurnal[:, None, None]).astype(np.float32)


def write_forcing(raw_dir, years, *, lon_min=90.0, lat_min=33.0, nlon=3, nlat=2,
                  variables=VARS, months=range(1, 13), old_names=False) -> Path:
    fdir = Path(raw_dir) / "forcing"
    fdir.mkdir(parents=True, exist_ok=True)
    lat, lon = grid_axes(lon_min, lat_min, nlon, nlat)
    tag = "ITPCAS-CMFD" if old_names else "CMFD"
    for y in range(years[0], years[-1] + 1):
        for m in months:
            t = month_times(y, m)
            for var in variables:
                path = fdir / f"{var}_{tag}_V0106_B-01_03hr_010deg_{y:04d}{m:02d}.nc"
                write_month(path, var, y, m, lat, lon, forcing_value(var, t, nlat, nlon))
    return fdir


def block_map(cells: np.ndarray, m: int = 12) -> np.ndarray:
    """Expand (nlat, nlon) cell values (latitude ascending) to north-up pixels of m x m."""
    return np.kron(cells[::-1], np.ones((m, m), dtype=cells.dtype))


def write_maps(raw_dir, *, lon_min=90.0, lat_min=33.0, nlon=3, nlat=2, glacier_last=True):
    raw = Path(raw_dir)
    shape = (nlat, nlon)
    north = lat_min + nlat * 0.1
    veg = np.full(shape, 2, np.uint8)
    veg[0, 0] = 7
    lai = np.where(veg == 2, 1.5, 0.1).astype(np.float32)
    dem = (4000.0 + 100.0 * np.arange(nlat * nlon).reshape(shape)).astype(np.float32)
    soil = np.empty((18, *shape), np.uint8)
    soil[:6], soil[6:12], soil[12:] = 7, 13, 14  # loam, gravel, bedrock
    glacier = np.zeros(shape, np.uint8)
    if glacier_last:
        glacier[-1, -1] = 1
    lake = np.zeros(shape, np.uint8)
    kw = {"west": lon_min, "north": north}
    write_raster(raw / "landcover/vegetation_1km.tif", block_map(veg), nodata=0, **kw)
    write_raster(raw / "landcover/lai_climatology_1km.tif", block_map(lai), nodata=-9999.0, **kw)
    write_raster(raw / "soil/soil_classes_1km.tif",
                 np.stack([block_map(b) for b in soil]), nodata=0, **kw)
    write_raster(raw / "topography/dem_1km.tif", block_map(dem), nodata=-9999.0, **kw)
    write_raster(raw / "masks/glacier_1km.tif", block_map(glacier), nodata=255, **kw)
    write_raster(raw / "masks/lake_1km.tif", block_map(lake), nodata=255, **kw)
    return {"vegetation": veg, "lai": lai, "dem": dem, "soil": soil, "glacier": glacier,
            "lake": lake, "res": FINE_RES}


def write_raw(raw_dir, years=(2000, 2000), **kw) -> Path:
    """Forcing for ``years`` and all maps under ``raw_dir``; returns ``raw_dir``."""
    write_maps(raw_dir, **kw)
    write_forcing(raw_dir, years, **kw)
    return Path(raw_dir)


def config(raw_dir, results_dir, years=(2000, 2000), chunk_cells=4) -> dict:
    """A complete config (schema defaults included) for a raw directory of :func:`write_raw`."""
    return {
        "raw_dir": str(raw_dir),
        "results_dir": str(results_dir),
        "demo": {"enabled": False},
        "forcing": {"years": list(years), "product": "CMFD", "chunk_cells": chunk_cells},
        "domain": {
            "vegetation_classes": [{"code": 2, "name": "alpine meadow", "usgs": 7},
                                   {"code": 7, "name": "alpine desert", "usgs": 19}],
            "lai_sparse_threshold": 0.5,
            "tbot": {"intercept_K": 291.029, "slope_K_per_m": -0.00406},
            "layer_thickness_m": [0.045, 0.046, 0.075, 0.123, 0.204, 0.336, 0.554, 0.913,
                                  0.904, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
        },
    }
