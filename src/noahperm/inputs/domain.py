"""The model grid: cells, classes, masks and TBOT (``results/inputs/domain.zarr``).

The model grid is the forcing grid (CMFD, 0.1 deg). The maps of :mod:`noahperm.inputs.maps` are
aggregated to 0.1 deg and matched to it by nearest neighbour; then, per forcing cell:

* **in the domain** if its aggregated DEM has data (a map clipped to the study region, nodata
  outside, defines the region) and it lies inside ``domain.bbox`` when that is given. Cells are
  numbered 0..n-1 row by row from the south-west (lat ascending, then lon), which is the order
  of the ``cell`` dimension in every store;
* ``vegetation``: the USGS class (VEGPARM.TBL, 1..27) of the majority source class, through the
  table ``domain.vegetation_classes`` of the config (source code -> USGS class);
* ``sparse``: growing-season mean LAI below ``domain.lai_sparse_threshold`` [m2 m-2] (a cell
  without LAI data counts as sparse); sparse cells use the Y08 thermal roughness
  (``sfcdif_option`` 2), dense cells MYJ with CZIL (1) (paper Fig. 2c, section 3.1);
* ``soil_class`` (cell, layer): the majority modified-STAS class (1..19) of each of the 18 bands;
* ``tbot`` = ``domain.tbot.intercept_K`` + ``domain.tbot.slope_K_per_m`` * elevation [K]. The
  paper takes the coefficients from deep boreholes (Chen et al. 2015) without printing them; the
  defaults (291.029 K, -0.00406 K m-1) reproduce the TBOT of the two reference cases:
  272.15 K at 4650 m (tgl) and 275.6 K at 3800 m;
* ``glacier`` / ``lake``: the class 1 of the glacier / lake mask is the majority of the cell's
  valid 1 km pixels (more than half; an exact tie counts as not glacier / lake), **or** the
  cell's majority vegetation class is USGS 24 Snow or Ice / 16 Water Bodies (glacier or water
  is the most frequent land-cover class of its pixels): no cell is modelled with ice or water
  vegetation. Soil layers of an active cell may still be STAS 15/16 (glacier/lake soil) where
  those are the majority of a layer's pixels; the table has parameters for them;
* ``active`` (modelled) = not glacier, not lake, and vegetation and all 18 soil layers known.
  Masked cells stay in the store with ``active = False``;
* ``area`` [km2]: exact cell area on the WGS84 ellipsoid (:func:`noahperm.inputs.maps.cell_area_km2`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from noahperm.core import layout
from noahperm.core.config import digest
from noahperm.core.errors import InputError
from noahperm.core.variables import attrs
from noahperm.core.zarrio import atomic_zarr, check_cf_attrs
from noahperm.inputs import maps as lc
from noahperm.inputs.forcing import cmfd

__all__ = ["DEFAULT_TBOT", "build_domain", "domain_dataset", "tbot_from_elevation"]

log = logging.getLogger("noahperm.inputs.domain")  # also when run as __main__

DEFAULT_TBOT = {"intercept_K": 291.029, "slope_K_per_m": -0.00406}
NLAYER = 18
NSOIL_CLASS = 19  # modified STAS: 1..19
NUSGS = 27
USGS_WATER, USGS_ICE = 16, 24  # VEGPARM.TBL USGS: Water Bodies, Snow or Ice


def tbot_from_elevation(elevation, intercept_K: float, slope_K_per_m: float) -> np.ndarray:
    """TBOT [K] = intercept [K] + slope [K m-1] * elevation [m]."""
    return intercept_K + slope_K_per_m * np.asarray(elevation, dtype=np.float64)


def forcing_grid(raw_dir: str | Path, year: int) -> cmfd.Grid:
    """The forcing grid: lat/lon of the January ``year`` temperature file."""
    return cmfd.read_grid(cmfd.month_file(Path(raw_dir) / layout.FORCING_DIR, "temp", year, 1))


def vegetation_lookup(table) -> np.ndarray:
    """Source code -> USGS class (0 = unmapped), a (256,) array, from config
    ``domain.vegetation_classes``: a list of ``{code, usgs[, name]}`` or a mapping code -> usgs
    (or code -> ``{usgs, ...}``)."""
    if isinstance(table, Mapping):
        items = [(c, e["usgs"] if isinstance(e, Mapping) else e) for c, e in table.items()]
    else:
        items = [(e["code"], e["usgs"]) for e in table]
    lut = np.zeros(256, dtype=np.int16)
    for code, usgs in items:
        c, u = int(code), int(usgs)
        if not (0 <= c < 256 and 1 <= u <= NUSGS):
            raise InputError(f"code {code} -> USGS {usgs} out of range (codes 0..255, USGS "
                             f"1..{NUSGS})", field="domain.vegetation_classes")
        if lut[c] and lut[c] != u:
            raise InputError(f"code {code} listed twice", field="domain.vegetation_classes")
        lut[c] = u
    return lut


def domain_dataset(raw_dir: str | Path, domain_cfg: Mapping, grid: cmfd.Grid):
    """Build the domain as an ``xarray.Dataset`` from the maps under ``raw_dir`` (no writing)."""
    import xarray as xr

    raw_dir = Path(raw_dir)
    lat, lon = grid.lat, grid.lon
    dem_r = lc.read_map(raw_dir, "dem")
    if not dem_r.valid.any():
        raise InputError(f"the DEM has no data: all its {dem_r.data[0].size} pixels are nodata "
                         f"({dem_r.nodata:g}) or not finite", path=dem_r.path)
    dem = lc.to_grid(lc.aggregate_mean(dem_r), lat, lon)[0]
    inside = np.isfinite(dem)
    if not inside.any():
        raise InputError("no forcing-grid cell has DEM data: the maps do not overlap the forcing "
                         f"grid ({grid.describe()})", path=dem_r.path)
    bbox = domain_cfg.get("bbox")
    if bbox:
        inside &= ((lat[:, None] >= bbox["lat_min"]) & (lat[:, None] <= bbox["lat_max"])
                   & (lon[None, :] >= bbox["lon_min"]) & (lon[None, :] <= bbox["lon_max"]))
    iy, ix = np.nonzero(inside)  # row-major: lat ascending, then lon
    if iy.size == 0:
        raise InputError(f"no forcing-grid cell with DEM data lies inside domain.bbox {dict(bbox)}",
                         field="domain.bbox")
    ncell = iy.size

    def cells(name: str, how: str) -> tuple[np.ndarray, lc.Raster]:
        r = lc.read_map(raw_dir, name)
        agg = lc.aggregate_majority(r) if how == "majority" else lc.aggregate_mean(r)
        return lc.to_grid(agg, lat, lon)[:, iy, ix], r

    veg_src, veg_r = cells("vegetation", "majority")
    veg_src = veg_src[0]
    lut = vegetation_lookup(domain_cfg["vegetation_classes"])
    veg_known = veg_src != veg_r.nodata
    unmapped = np.unique(veg_src[veg_known & (lut[veg_src.astype(np.int64)] == 0)])
    if unmapped.size:
        raise InputError(f"vegetation codes {unmapped.tolist()} are not in config "
                         "domain.vegetation_classes", path=veg_r.path)
    vegetation = np.where(veg_known, lut[veg_src.astype(np.int64)], 0).astype(np.int16)

    lai = cells("lai", "mean")[0][0]
    threshold = float(domain_cfg["lai_sparse_threshold"])
    sparse = ~(lai >= threshold)  # NaN (no LAI data) -> sparse

    soil_b, soil_r = cells("soil", "majority")
    soil = soil_b.T.astype(np.int16)  # (cell, layer)
    soil_known = (soil != soil_r.nodata).all(axis=1)
    bad = soil_known[:, None] & ((soil < 1) | (soil > NSOIL_CLASS))
    if bad.any():
        raise InputError(f"soil classes {np.unique(soil[bad]).tolist()} outside the modified "
                         f"STAS classes 1..{NSOIL_CLASS}", path=soil_r.path)
    soil = np.where(soil_known[:, None], soil, 0).astype(np.int16)

    masks = {}
    for name, usgs in (("glacier", USGS_ICE), ("lake", USGS_WATER)):
        m, r = cells(name, "majority")
        masks[name] = (m[0] == 1) | (vegetation == usgs)
    mixed = ~masks["glacier"] & ~masks["lake"] & np.isin(soil, (15, 16)).any(axis=1)
    if mixed.any():
        log.info("%d active cells have glacier or lake soil (STAS 15/16) in some layer (a "
                 "minority of their pixels is glacier or lake)", int(mixed.sum()))
    active = ~masks["glacier"] & ~masks["lake"] & veg_known & soil_known
    incomplete = ~masks["glacier"] & ~masks["lake"] & ~(veg_known & soil_known)
    if incomplete.any():
        log.warning("%d cells without vegetation or soil data are inactive", int(incomplete.sum()))

    elevation = dem[iy, ix]
    tb = {**DEFAULT_TBOT, **dict(domain_cfg.get("tbot") or {})}
    tbot = tbot_from_elevation(elevation, tb["intercept_K"], tb["slope_K_per_m"])
    clat, clon = lat[iy], lon[ix]
    res = cmfd.GRID_RES
    thick = np.asarray(domain_cfg.get("layer_thickness_m") or [], dtype=np.float64)
    if thick.size != NLAYER:
        raise InputError(f"domain.layer_thickness_m must list {NLAYER} thicknesses [m], "
                         f"got {thick.size}", field="domain.layer_thickness_m")

    sfcdif = np.where(sparse, 2, 1).astype(np.int8)
    c = ("cell",)

    def a(name: str, **fill) -> dict:
        return attrs(name, "domain", fill)

    ds = xr.Dataset(
        {
            "area": (c, lc.cell_area_km2(clat, res, res), a("area")),
            "elevation": (c, elevation, a("elevation")),
            "vegetation": (c, vegetation, a("vegetation")),
            "vegetation_source": (c, veg_src.astype(np.int16), a("vegetation_source")),
            "lai": (c, lai, a("lai")),
            "sparse": (c, sparse, a("sparse", threshold=threshold)),
            "sfcdif_option": (c, sfcdif, a("sfcdif_option")),
            "soil_class": (("cell", "layer"), soil, a("soil_class")),
            "tbot": (c, tbot, a("tbot", **tb)),
            "glacier": (c, masks["glacier"], a("glacier")),
            "lake": (c, masks["lake"], a("lake")),
            "active": (c, active, a("active")),
            "iy": (c, iy.astype(np.int32), a("iy")),
            "ix": (c, ix.astype(np.int32), a("ix")),
            "sldpth": (("layer",), thick, a("sldpth")),
        },
        coords={
            "cell": (c, np.arange(ncell, dtype=np.int32), a("cell")),
            "layer": (("layer",), np.arange(1, NLAYER + 1, dtype=np.int32), a("layer")),
            "lat": (c, clat, a("lat")),
            "lon": (c, clon, a("lon")),
        },
    )
    ds.attrs.update({
        "Conventions": "CF-1.8",
        "product": "domain",
        "res": res,
        "grid_lat0": float(lat[0]), "grid_lon0": float(lon[0]),
        "grid_nlat": int(lat.size), "grid_nlon": int(lon.size),
        "source_files": "; ".join(str(raw_dir / m.relpath) for k, m in lc.MAPS.items()
                                  if k != "permafrost"),
        "regridding": "majority (classes; ties -> smallest code; nodata excluded) or mean "
                      "(DEM, LAI) of 12x12 1 km pixels, then nearest neighbour onto the "
                      "forcing grid (ties -> south/west)",
        "tbot_intercept_K": float(tb["intercept_K"]),
        "tbot_slope_K_per_m": float(tb["slope_K_per_m"]),
        "lai_sparse_threshold": threshold,
    })
    return ds


def grid_of(ds) -> cmfd.Grid:
    """The forcing grid recorded in a domain dataset's attributes."""
    a = ds.attrs
    res = float(a["res"])
    return cmfd.Grid(a["grid_lat0"] + res * np.arange(int(a["grid_nlat"])),
                     a["grid_lon0"] + res * np.arange(int(a["grid_nlon"])))


def build_domain(config: Mapping, out_path: str | Path, *, raw_dir=None, fsync=True) -> Path:
    """Build ``domain.zarr`` at ``out_path`` atomically from ``config`` (validated)."""
    raw_dir = Path(raw_dir if raw_dir is not None else config["raw_dir"])
    years = config["forcing"]["years"]
    grid = forcing_grid(raw_dir, int(years[0]))
    ds = domain_dataset(raw_dir, config["domain"], grid)
    h = digest({"domain": config["domain"], "raw_dir": str(raw_dir)})
    ds.attrs["config_hash"] = h
    check_cf_attrs(ds)
    enc = {k: {"chunks": ds[k].shape} for k in ds.data_vars}
    with atomic_zarr(out_path, product="domain", marker_info={"config_hash": h},
                     fsync=fsync) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False, encoding=enc)
    log.info("wrote %s: %d cells (%d active, %d glacier, %d lake, %d sparse)", out_path,
             ds.sizes["cell"], int(ds["active"].sum()), int(ds["glacier"].sum()),
             int(ds["lake"].sum()), int(ds["sparse"].sum()))
    return Path(out_path)


def read_config(path: str | Path | None = None, text: str | None = None) -> dict:
    """A config from a YAML/JSON file or a JSON string (what the workflow rules pass)."""
    import yaml

    if text is not None:
        return json.loads(text)
    with open(path) as fh:
        return yaml.safe_load(fh)
