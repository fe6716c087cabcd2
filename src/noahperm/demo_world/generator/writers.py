"""Writers of the raw-input formats: CMFD monthly NetCDF and the 30 arc-second GeoTIFF maps.

The formats are those of the real data (see ``docs/inputs.md`` and the issue-3 contract):

* ``forcing/{var}_CMFD_V0106_B-01_03hr_010deg_{YYYYMM}.nc``: one float32 variable named like
  the file's ``var``, dims ``(time, lat, lon)``; ``lat``/``lon`` 1-D ascending cell centres
  (float32, as in CMFD); ``time`` float64 ``hours since 1900-01-01 00:00:00`` (UTC, calendar
  gregorian), every 3 h of the month; ``units``, ``long_name``, ``_FillValue`` and
  ``missing_value`` -32767; NetCDF-4, zlib level 4 with shuffle, values rounded to
  :data:`KEEP_BITS` significant mantissa bits (relative precision 3e-5, e.g. 0.008 K or 2 Pa)
  so that they compress to about half;
* GeoTIFFs in EPSG:4326, north-up, the pixel size of the map grid, deflate-compressed, nodata
  set, one band per layer for the soil stack (described ``layer 1 (0.000-0.045 m)``...).

Every file is written under a hidden temporary name in its directory and renamed when complete
(``os.replace``), so an interrupted run never leaves a file with a final name that is partial.
Each file carries the generator's settings hash (NetCDF global attribute / GeoTIFF tag
``noahperm_demo_hash``); :func:`netcdf_complete` and :func:`geotiff_complete` accept an existing
file only if it opens, has the expected shape and carries the current hash. No time stamps are
written, so the bytes depend on the settings only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import netCDF4
import numpy as np
import rasterio
from rasterio.transform import Affine

from noahperm.core import layout
from noahperm.core.fileio import atomic_file
from noahperm.core.variables import STORES

FILL = -32767.0
TIME_UNITS = "hours since 1900-01-01 00:00:00"
HASH_ATTR = "noahperm_demo_hash"
KEEP_BITS = 14  # of float32's 23 mantissa bits

#: CMFD variable -> (units, long_name), from the variable registry (store ``cmfd``).
CMFD_ATTRS = {var: (info.units, info.long_name) for var, info in STORES["cmfd"].items()}

#: Raw-layout paths of the maps the generator writes, relative to ``raw_dir``
#: (:data:`noahperm.core.layout.MAPS` without the 2010 permafrost map, which the truth makes).
MAP_PATHS = {name: path for name, path in layout.MAPS.items() if name != "permafrost"}


def forcing_path(raw_dir, var: str, year: int, month: int) -> Path:
    """``<raw_dir>/forcing/{var}_CMFD_V0106_B-01_03hr_010deg_{YYYYMM}.nc`` (:mod:`noahperm.core.layout`)."""
    return layout.raw_path(raw_dir, layout.forcing_file(var, year, month))


def hours_since_1900(times) -> np.ndarray:
    """float64 hours since 1900-01-01 00:00 of datetime64 time stamps."""
    t = np.asarray(times).astype("M8[s]")
    return (t - np.datetime64("1900-01-01T00:00:00", "s")).astype(np.float64) / 3600.0


def round_mantissa(x: np.ndarray, keep: int = KEEP_BITS) -> np.ndarray:
    """float32 copy of ``x`` rounded to ``keep`` mantissa bits (nearest, ties away from zero).

    The dropped bits become zeros, which shuffle + zlib compress well ("bit rounding"). Finite
    values only; the relative change is at most ``2**-(keep + 1)``.
    """
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).copy()
    drop = 23 - keep
    if drop > 0:
        u += np.uint32(1 << (drop - 1))
        u &= np.uint32((0xFFFFFFFF >> drop) << drop)
    return u.view(np.float32)


def write_cmfd_month(path, var: str, times, lat, lon, data: np.ndarray,
                     global_attrs: dict | None = None, fsync: bool = False) -> Path:
    """Write one CMFD monthly file (see the module docstring) atomically."""
    path = Path(path)
    units, long_name = CMFD_ATTRS[var]
    nt, ny, nx = data.shape
    if (nt, ny, nx) != (len(times), len(lat), len(lon)):
        raise ValueError(f"{var}: data shape {data.shape} does not match the coordinates")
    with atomic_file(path, fsync=fsync, parents=True) as tmp, netCDF4.Dataset(tmp, "w", format="NETCDF4") as ds:
        ds.createDimension("time", nt)
        ds.createDimension("lat", ny)
        ds.createDimension("lon", nx)
        vt = ds.createVariable("time", "f8", ("time",), fill_value=False)
        vt.setncatts({"standard_name": "time", "long_name": "Time", "units": TIME_UNITS,
                      "calendar": "gregorian"})
        vt[:] = hours_since_1900(times)
        for name, vals, units_c, std in (("lat", lat, "degrees_north", "latitude"),
                                         ("lon", lon, "degrees_east", "longitude")):
            v = ds.createVariable(name, "f4", (name,), fill_value=False)
            v.setncatts({"standard_name": std, "long_name": std.capitalize(), "units": units_c})
            v[:] = np.asarray(vals, dtype=np.float32)
        ntc = max(1, min(nt, 2**20 // (ny * nx)))  # the month, or fewer steps on big grids
        v = ds.createVariable(var, "f4", ("time", "lat", "lon"), zlib=True, complevel=4,
                              shuffle=True, fill_value=np.float32(FILL),
                              chunksizes=(ntc, ny, nx))
        v.setncatts({"units": units, "long_name": long_name,
                     "missing_value": np.float32(FILL)})
        v.set_auto_maskandscale(False)
        v[:] = np.where(np.isfinite(data), round_mantissa(np.nan_to_num(data)), np.float32(FILL))
        ds.setncatts(global_attrs or {})
    return path


def netcdf_complete(path, var: str, shape: tuple[int, int, int], digest: str) -> bool:
    """True if ``path`` is a finished generator file of this ``digest`` and ``shape``."""
    if not Path(path).is_file():
        return False
    try:
        with netCDF4.Dataset(path, "r") as ds:
            return (getattr(ds, HASH_ATTR, None) == digest and var in ds.variables
                    and ds.variables[var].shape == tuple(shape))
    except (OSError, RuntimeError, KeyError):
        return False


def write_geotiff(path, data: np.ndarray, west: float, north: float, res: float, nodata,
                  descriptions: Sequence[str] | None = None, tags: dict | None = None,
                  units: str | None = None, fsync: bool = False) -> Path:
    """Write a (bands, ny, nx) or (ny, nx) north-up array as an EPSG:4326 GeoTIFF atomically:
    ``descriptions`` per band, dataset ``tags``, the same ``units`` on every band."""
    path = Path(path)
    arr = data[None] if data.ndim == 2 else data
    profile = {
        "driver": "GTiff", "height": arr.shape[1], "width": arr.shape[2], "count": arr.shape[0],
        "dtype": arr.dtype.name, "crs": "EPSG:4326", "nodata": nodata,
        "transform": Affine(res, 0.0, west, 0.0, -res, north), "compress": "deflate",
        "interleave": "band" if arr.shape[0] > 1 else "pixel",
    }
    with atomic_file(path, fsync=fsync, parents=True) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(arr)
            if tags:
                dst.update_tags(**tags)
            for i, text in enumerate(descriptions or (), start=1):
                dst.set_band_description(i, text)
            if units:
                for i in range(1, arr.shape[0] + 1):
                    dst.set_band_unit(i, units)
        aux = tmp.parent / (tmp.name + ".aux.xml")
        if aux.exists():  # GDAL side-car, not part of the format
            aux.unlink()
    return path


def geotiff_complete(path, count: int, shape: tuple[int, int], digest: str) -> bool:
    """True if ``path`` is a finished generator GeoTIFF of this ``digest``, band count, shape."""
    if not Path(path).is_file():
        return False
    try:
        with rasterio.open(path) as src:
            return (src.tags().get(HASH_ATTR) == digest and src.count == count
                    and (src.height, src.width) == tuple(shape))
    except rasterio.errors.RasterioIOError:
        return False
